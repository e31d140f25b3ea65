/**
 * Fitting and forecasting many series on all cores. Forecasters that fit each series on its own
 * (tags.local: arima, xgboost with per_series) split the series into consecutive parts, one per worker
 * thread (src/forecast/worker.ts); the parts' states are merged by the spec's merge(), in order, so a
 * bundle is the same whatever the number of threads. Series are fitted independently and
 * deterministically, so the results are identical too (a test checks this).
 *
 * Threads: os.availableParallelism(), or MLKIT_THREADS (1 = everything on the main thread), and at
 * most one per MIN_SERIES_PER_THREAD series (a worker costs ~0.1-0.3 s to start: it loads the
 * components and the engines).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InterruptedError, MlkitError, UsageError, errorOfKind, type ErrorKind, type Place } from '../core/errors.js';
import { MemoryBlobs } from '../core/component.js';
import type { Registry } from '../core/registry.js';
import type { FitContext, ForecastContext, Forecaster, ForecastRequest, Logger, SeriesData, SeriesForecast, SeriesMeta } from '../core/types.js';

const MIN_SERIES_PER_THREAD = 8;
/** how long workers asked to stop get before they are terminated */
const STOP_GRACE_MS = 1000;

/** A forecaster as a config names it: registry type, params, runtime options. */
export interface ModelRef { name: string; params: Record<string, unknown>; options?: Record<string, unknown> }

export function threadCount(nSeries: number): number {
  const raw = process.env.MLKIT_THREADS;
  let max = availableParallelism();
  if (raw !== undefined && raw !== '') {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`MLKIT_THREADS must be a positive integer, got "${raw}"`);
    max = v;
  }
  return Math.max(1, Math.min(max, Math.floor(nSeries / MIN_SERIES_PER_THREAD)));
}

/** What a worker is asked to do (workerData). Workers use the built-in registry (src/specs.ts). */
export type Job =
  | { op: 'fit'; model: ModelRef; series: SeriesData[]; meta: SeriesMeta; seed: number; req?: ForecastRequest }
  | { op: 'forecast'; model: ModelRef; state: unknown; files: Record<string, Uint8Array>; series: SeriesData[]; req: ForecastRequest };

/** What a worker reports (postMessage). */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; msg: string }
  | { type: 'series' }
  | { type: 'done'; state?: unknown; files?: Record<string, Uint8Array>; forecasts?: SeriesForecast[] }
  | { type: 'error'; kind: ErrorKind; message: string; place: Place; stack?: string };

interface Done { state?: unknown; files?: Record<string, Uint8Array>; forecasts?: SeriesForecast[] }

function parts<T>(items: T[], k: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < k; i++) out.push(items.slice(Math.floor((i * items.length) / k), Math.floor(((i + 1) * items.length) / k)));
  return out;
}

/**
 * Runs the jobs, one worker each; rejects with the first error, or InterruptedError when `signal` aborts
 * (the workers are stopped either way).
 */
async function runJobs(jobs: Job[], log: Logger, signal: AbortSignal | undefined, onSeries?: () => void): Promise<Done[]> {
  const workers: Worker[] = [];
  // per worker: settles when it has loaded its native addons (or exited): see worker.ts loadAddons
  const ready: Promise<void>[] = [];
  const exits: Promise<void>[] = [];
  // the same line from several workers (e.g. an engine note) is shown once
  const seen = new Set<string>();
  let onAbort: (() => void) | undefined;
  try {
    if (signal?.aborted) throw new InterruptedError();
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new InterruptedError());
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const all = Promise.all(jobs.map((job) => new Promise<Done>((resolve, reject) => {
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
      workers.push(w);
      let onReady!: () => void;
      ready.push(new Promise<void>((r) => { onReady = r; }));
      exits.push(new Promise<void>((r) => w.once('exit', () => { onReady(); r(); })));
      let settled = false;
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') onReady();
        else if (m.type === 'log') {
          if (!seen.has(m.msg)) log[m.level](m.msg);
          seen.add(m.msg);
        }
        else if (m.type === 'series') onSeries?.();
        else if (m.type === 'done') { settled = true; resolve(m); }
        else {
          settled = true;
          const e = errorOfKind(m.kind, m.message, m.place);
          if (m.stack) e.stack = m.stack;
          reject(e);
        }
      });
      w.on('error', (e) => { settled = true; reject(e); });
      w.on('exit', (code) => { if (!settled) reject(new MlkitError('internal', `a forecasting worker thread stopped (exit code ${code})`)); });
    })));
    return await Promise.race([all, aborted]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Workers still running are asked to stop, and terminated only if they have not within STOP_GRACE_MS
    // (a long fit inside WASM), never while one is still loading its addons: Node aborts the whole process
    // when a worker is terminated inside a native addon's call that then fails (koffi loading or calling
    // libxgboost), so a worker that can stop by itself does.
    for (const w of workers) w.postMessage({ type: 'stop' });
    await Promise.all(ready);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise((r) => { timer = setTimeout(r, STOP_GRACE_MS); })]);
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Fits forecaster `model` on one worker thread and returns its saved state and files: a single long fit
 * (AutoARIMA on a long season runs for minutes inside WASM, which blocks the thread it runs on) stays
 * cancellable, as Ctrl-C stops the worker. MLKIT_THREADS=1 keeps it on the main thread (undefined: the
 * caller fits it there).
 */
export async function fitOnWorker(model: ModelRef, series: SeriesData[], meta: SeriesMeta, ctx: FitContext): Promise<{ state: unknown; files: Record<string, Uint8Array> } | undefined> {
  threadCount(1); // checks MLKIT_THREADS
  if (Number(process.env.MLKIT_THREADS) === 1) return undefined;
  const [done] = await runJobs([{ op: 'fit', model, series, meta, seed: ctx.seed }], ctx.log, ctx.signal, ctx.onProgress);
  return { state: done!.state, files: done!.files ?? {} };
}

/** A new forecaster of registry type `model.name` (model.type) with validated params and options. */
export async function createForecaster(registry: Registry, model: ModelRef): Promise<Forecaster> {
  const spec = registry.get('forecaster', model.name, 'model.type');
  const impl = await registry.load<unknown, unknown, Forecaster>('forecaster', model.name);
  return impl.create(spec.params.parse(model.params), spec.options ? spec.options.parse(model.options ?? {}) : undefined);
}

/**
 * Fits forecaster `model` on the series (and, with `req`, forecasts from their ends), on worker threads
 * when it is local and there are enough series.
 */
export async function fitForecaster(
  registry: Registry, model: ModelRef, series: SeriesData[], meta: SeriesMeta,
  ctx: FitContext,
  req?: ForecastRequest,
): Promise<{ forecaster: Forecaster; forecasts?: SeriesForecast[] }> {
  const f = await createForecaster(registry, model);
  const impl = registry.loaded<unknown, unknown, Forecaster>('forecaster', model.name);
  const k = f.tags.local && impl.merge ? threadCount(series.length) : 1;
  if (k < 2) {
    try {
      await f.fit(series, ctx, meta);
      const forecasts = req ? await f.forecast(series, req, { log: ctx.log, signal: ctx.signal }) : undefined;
      return { forecaster: f, forecasts };
    } catch (e) {
      f.dispose();
      throw e;
    }
  }
  const params = f.params;
  const spec = registry.get('forecaster', model.name);
  const options = spec.options ? spec.options.parse(model.options ?? {}) : undefined;
  f.dispose();
  const ref: ModelRef = { name: model.name, params: { ...(params as Record<string, unknown>) }, options: options as Record<string, unknown> | undefined };
  const chunks = parts(series.map((s, i) => ({ s, i })), k);
  const done = await runJobs(chunks.map((c) => ({
    op: 'fit', model: ref, series: c.map((x) => x.s), meta, seed: ctx.seed,
    req: req ? { ...req, futureExog: req.futureExog ? c.map((x) => req.futureExog![x.i]!) : undefined } : undefined,
  })), ctx.log, ctx.signal, ctx.onProgress);
  const merged = impl.merge!(params, done.map((d) => ({ state: d.state, files: d.files ?? {} })));
  const forecaster = await impl.restore(params, merged.state, new MemoryBlobs(merged.files), { options, log: ctx.log });
  return { forecaster, forecasts: req ? done.flatMap((d) => d.forecasts!) : undefined };
}

/**
 * Forecasts from the ends of the histories, on worker threads when the forecaster is local and there
 * are enough series.
 */
export async function forecastSeries(registry: Registry, f: Forecaster, options: Record<string, unknown> | undefined, histories: SeriesData[], req: ForecastRequest, ctx: ForecastContext): Promise<SeriesForecast[]> {
  const impl = await registry.load('forecaster', f.name);
  const k = f.tags.local && impl.merge ? threadCount(histories.length) : 1;
  if (k < 2) return f.forecast(histories, req, ctx);
  const blobs = new MemoryBlobs();
  const state = await f.save(blobs);
  const chunks = parts(histories.map((s, i) => ({ s, i })), k);
  const done = await runJobs(chunks.map((c) => ({
    op: 'forecast', model: { name: f.name, params: { ...(f.params as Record<string, unknown>) }, options }, state, files: blobs.files, series: c.map((x) => x.s),
    req: { ...req, futureExog: req.futureExog ? c.map((x) => req.futureExog![x.i]!) : undefined },
  })), ctx.log, ctx.signal, ctx.onProgress);
  return done.flatMap((d) => d.forecasts!);
}
