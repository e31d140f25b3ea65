/**
 * mlkit's compute kernels: C sources in `c/`, compiled with clang to one SIMD WebAssembly module
 * (`mlkit-kernels.wasm`, committed, rebuilt by `npm run build:kernels`; see build.sh). Loaded once, on
 * first use, synchronously (the module is small).
 *
 * `MLKIT_KERNELS`: `auto` (the default: the kernels when the module loads, else the pure tfjs/JS code,
 * with the reason kept for `mlkit doctor`), `on` (a module that does not load is an error), `off` (the
 * pure tfjs/JS implementations, which tests hold the kernels equal to).
 *
 * Memory: blocks of the module's memory above `__heap_base` (Heap), sized per call and grown as needed;
 * a call beyond the 4 GiB of wasm32 is a clear error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';

export type Ptr = number;
// the WebAssembly global (its types are in lib "dom", which this project does not load)
const WA = (globalThis as any).WebAssembly;
interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  mk_matmul(batch: number, m: number, n: number, k: number, a: Ptr, strideA: number, transA: number, b: Ptr, strideB: number, transB: number, c: Ptr, work: Ptr): void;
  mk_lstm_forward(...args: number[]): void;
  mk_lstm_backward(...args: number[]): void;
  mk_gru_forward(...args: number[]): void;
  mk_gru_backward(...args: number[]): void;
  [name: string]: unknown;
}

const MODES = ['auto', 'on', 'off'] as const;
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;

/** The module's file: src/kernels/ in the repository and the package (dist/src/kernels/ holds the JS). */
export function wasmPath(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const rel of ['mlkit-kernels.wasm', '../../../src/kernels/mlkit-kernels.wasm']) {
    const p = fileURLToPath(new URL(rel, `file://${here}`));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL('../../../src/kernels/mlkit-kernels.wasm', `file://${here}`));
}

/** The choice from MLKIT_KERNELS (a bad value is a usage error). */
export function kernelMode(): (typeof MODES)[number] {
  const v = process.env.MLKIT_KERNELS?.trim().toLowerCase();
  if (!v) return 'auto';
  if (!(MODES as readonly string[]).includes(v)) throw new UsageError(`MLKIT_KERNELS must be one of ${MODES.join(', ')}, got "${process.env.MLKIT_KERNELS}"`);
  return v as (typeof MODES)[number];
}

/**
 * The module's memory above `__heap_base`: blocks handed out first-fit from a free list (neighbours
 * merged when freed), the memory grown when none fits. Calls take a transient block (an Arena) and free
 * it on return; a training forward pass keeps its saved state in a block until its backward pass frees
 * it (or, if no backward pass comes, until the state is garbage-collected).
 */
export class Heap {
  private top: number;
  private free: { at: number; size: number }[] = [];
  constructor(private readonly memory: WasmMemory, base: number) { this.top = Math.ceil(base / 16) * 16; }
  alloc(bytes: number): Ptr {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const i = this.free.findIndex((f) => f.size >= size);
    if (i >= 0) {
      const f = this.free[i]!;
      const at = f.at;
      if (f.size === size) this.free.splice(i, 1);
      else { f.at += size; f.size -= size; }
      return at;
    }
    const at = this.top;
    if (at + size > MAX_BYTES) throw new UsageError(`a kernel call needs ${((at + size) / 1024 ** 3).toFixed(1)} GiB, beyond WebAssembly's 4 GiB: use a smaller batch_size or window`);
    const have = this.memory.buffer.byteLength;
    if (at + size > have) this.memory.grow(Math.ceil((at + size - have) / PAGE));
    this.top = at + size;
    return at;
  }
  release(at: Ptr, bytes: number): void {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    let i = this.free.findIndex((f) => f.at > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { at, size });
    // merge with the next block, then the previous one
    const cur = this.free[i]!, next = this.free[i + 1];
    if (next && cur.at + cur.size === next.at) { cur.size += next.size; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.size === cur.at) { prev.size += cur.size; this.free.splice(i, 1); i--; }
    // a free block at the top goes back to the top
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.size === this.top) { this.top = last.at; this.free.pop(); }
  }
  /** bytes in use (tests: nothing leaks) */
  inUse(): number {
    return this.top - this.free.reduce((s, f) => s + f.size, 0);
  }
}

/**
 * One call's buffers: offsets laid out first (`alloc`), then one block taken from the heap (`commit`),
 * then views (a growing memory detaches earlier views); `release` gives the block back.
 */
export class Arena {
  private size = 0;
  private base = -1;
  constructor(readonly k: Kernels) {}
  /** room for n floats (or doubles with bytesPer 8), 16-byte aligned; returns an offset for `at` */
  alloc(n: number, bytesPer = 4): number {
    const off = this.size;
    this.size += Math.ceil((n * bytesPer) / 16) * 16;
    return off;
  }
  commit(): void { this.base = this.k.heap.alloc(this.size); }
  /** the address of an offset (after commit) */
  at(off: number): Ptr { return this.base + off; }
  f32(off: number, n: number): Float32Array { return new Float32Array(this.k.exports.memory.buffer, this.base + off, n); }
  f64(off: number, n: number): Float64Array { return new Float64Array(this.k.exports.memory.buffer, this.base + off, n); }
  i32(off: number, n: number): Int32Array { return new Int32Array(this.k.exports.memory.buffer, this.base + off, n); }
  release(): void {
    if (this.base >= 0) this.k.heap.release(this.base, this.size);
    this.base = -1;
  }
}

/** A block that outlives a call (a forward pass's saved state), freed by `free` or when collected. */
export class Block {
  private static readonly registry = new FinalizationRegistry<{ heap: Heap; at: Ptr; bytes: number }>((b) => b.heap.release(b.at, b.bytes));
  private live = true;
  readonly at: Ptr;
  constructor(readonly k: Kernels, readonly bytes: number) {
    this.at = k.heap.alloc(bytes);
    Block.registry.register(this, { heap: k.heap, at: this.at, bytes }, this);
  }
  get alive(): boolean { return this.live; }
  f32(byteOffset: number, n: number): Float32Array { return new Float32Array(this.k.exports.memory.buffer, this.at + byteOffset, n); }
  free(): void {
    if (!this.live) return;
    this.live = false;
    Block.registry.unregister(this);
    this.k.heap.release(this.at, this.bytes);
  }
}

export class Kernels {
  readonly heap: Heap;
  constructor(readonly exports: KernelExports) {
    this.heap = new Heap(exports.memory, Number(exports.__heap_base.value));
  }
  arena(): Arena { return new Arena(this); }
}

let cached: { k: Kernels | null; why: string } | undefined;

function load(): { k: Kernels | null; why: string } {
  const file = wasmPath();
  try {
    const mod = new WA.Module(readFileSync(file));
    const inst = new WA.Instance(mod, {});
    return { k: new Kernels(inst.exports as unknown as KernelExports), why: `SIMD WebAssembly kernels (${file})` };
  } catch (e) {
    return { k: null, why: `the kernels do not load (${file}): ${String((e as Error)?.message ?? e).split('\n')[0]}` };
  }
}

/** The kernels, or null when MLKIT_KERNELS=off or (auto) they do not load. */
export function kernels(): Kernels | null {
  const mode = kernelMode();
  if (mode === 'off') return null;
  cached ??= load();
  if (!cached.k && mode === 'on') throw new UsageError(`MLKIT_KERNELS=on: ${cached.why}`);
  return cached.k;
}

/** For `mlkit doctor`: whether the kernels are in use and why. */
export function kernelStatus(): { on: boolean; why: string } {
  let mode: string;
  try {
    mode = kernelMode();
  } catch (e) {
    return { on: false, why: (e as Error).message };
  }
  if (mode === 'off') return { on: false, why: 'MLKIT_KERNELS=off: pure tfjs/JS code' };
  cached ??= load();
  return { on: cached.k !== null, why: cached.why };
}
