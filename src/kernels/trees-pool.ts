/**
 * Tree predictions off the main thread: worker threads (trees-worker.ts), each with its own copy of a
 * packed ensemble and of the kernels, that predict the rows they are sent while the main thread reads,
 * encodes and writes other batches (`mlkit predict` streams this way). A batch is split into one
 * consecutive part per worker; the results are the same as TreeEnsemble.predict's on the main thread.
 *
 * Threads: os.availableParallelism() - 1 (the main thread keeps a core), at least 1, at most
 * MLKIT_THREADS (see forecast/parallel.ts); no more than one per MIN_ROWS rows of a batch are used.
 * Workers keep the process alive only while a job is in flight (an idle pool never does), and are stopped
 * by close().
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MlkitError, UsageError } from '../core/errors.js';
import type { TreePack } from './trees.js';

/** A block of rows to predict (rounds [0, rounds)). */
export interface TreeJob { id: number; x: Float32Array; rows: number; cols: number; rounds: number }
export type TreeReply = { id: number; out: Float32Array; x?: Float32Array; error?: undefined } | { id: number; error: string; out?: undefined };

const MIN_ROWS = 4096;

export function treeThreads(): number {
  let n = Math.max(1, availableParallelism() - 1);
  const raw = process.env.MLKIT_THREADS;
  if (raw !== undefined && raw !== '') {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`MLKIT_THREADS must be a positive integer, got "${raw}"`);
    n = Math.min(n, v);
  }
  return n;
}

interface Slot { w: Worker; waiting: Map<number, { resolve: (o: Float32Array) => void; reject: (e: Error) => void }>; failed: Error | null }

export class TreePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(private readonly pack: TreePack, threads = treeThreads()) {
    for (let i = 0; i < threads; i++) this.slots.push(this.start());
  }

  private start(): Slot {
    const w = new Worker(new URL('./trees-worker.js', import.meta.url), { workerData: this.pack });
    w.unref();
    const slot: Slot = { w, waiting: new Map(), failed: null };
    const fail = (e: Error) => {
      slot.failed ??= e;
      for (const p of slot.waiting.values()) p.reject(e);
      slot.waiting.clear();
    };
    w.on('message', (m: TreeReply) => {
      if (m.id === -1) return fail(new MlkitError('internal', `tree worker: ${m.error}`));
      const p = slot.waiting.get(m.id);
      if (!p) return;
      slot.waiting.delete(m.id);
      if (!slot.waiting.size) w.unref();
      if (m.out) p.resolve(m.out);
      else p.reject(new MlkitError('internal', `tree worker: ${m.error}`));
    });
    w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => fail(new MlkitError('internal', `a tree worker thread stopped (exit code ${code})`)));
    return slot;
  }

  private run(slot: Slot, x: Float32Array, rows: number, cols: number, rounds: number, transfer: boolean): Promise<Float32Array> {
    if (slot.failed) return Promise.reject(slot.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      slot.w.ref(); // a job in flight keeps the process alive; an idle pool does not
      const job: TreeJob = { id, x, rows, cols, rounds };
      slot.w.postMessage(job, transfer ? [x.buffer as ArrayBuffer] : []);
    });
  }

  /**
   * Predictions of rounds [0, rounds) for x (rows x cols, row-major), as TreeEnsemble.predict. x's
   * memory is handed to the worker (detached) when x is its buffer's whole view and one worker takes it.
   */
  async predict(x: Float32Array, rows: number, cols: number, rounds: number): Promise<Float32Array> {
    const k = Math.max(1, Math.min(this.slots.length, Math.floor(rows / MIN_ROWS)));
    if (k === 1) {
      const whole = x.byteOffset === 0 && x.byteLength === x.buffer.byteLength && x.length === rows * cols;
      return this.run(this.slots[0]!, whole ? x : x.slice(0, rows * cols), rows, cols, rounds, true);
    }
    const G = this.pack.groups;
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.floor((i * rows) / k));
    const parts = await Promise.all(this.slots.slice(0, k).map((s, i) => {
      const r0 = bounds[i]!, r1 = bounds[i + 1]!;
      return this.run(s, x.slice(r0 * cols, r1 * cols), r1 - r0, cols, rounds, true);
    }));
    const out = new Float32Array(rows * G);
    parts.forEach((p, i) => out.set(p, bounds[i]! * G));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.w.terminate()));
  }
}
