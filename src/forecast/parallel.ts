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
import { MlkitError, UsageError, type ErrorKind, type Place } from '../core/errors.js';
import type { FitContext, Forecaster, ForecastRequest, Logger, SeriesData, SeriesForecast, SeriesMeta } from '../core/types.js';
import { defaultRegistry } from '../components.js';

const MIN_SERIES_PER_THREAD = 8;

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

/** What a worker is asked to do (workerData). */
export type Job =
  | { op: 'fit'; name: string; params: Record<string, unknown>; series: SeriesData[]; meta: SeriesMeta; seed: number; req?: ForecastRequest }
  | { op: 'forecast'; name: string; params: Record<string, unknown>; state: Record<string, unknown>; files: Record<string, Uint8Array>; series: SeriesData[]; req: ForecastRequest };

/** What a worker reports (postMessage). */
export type WorkerMessage =
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; msg: string }
  | { type: 'series' }
  | { type: 'done'; state?: Record<string, unknown>; files?: Record<string, Uint8Array>; forecasts?: SeriesForecast[] }
  | { type: 'error'; kind: ErrorKind; message: string; place: Place; stack?: string };

interface Done { state?: Record<string, unknown>; files?: Record<string, Uint8Array>; forecasts?: SeriesForecast[] }

function parts<T>(items: T[], k: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < k; i++) out.push(items.slice(Math.floor((i * items.length) / k), Math.floor(((i + 1) * items.length) / k)));
  return out;
}

/** Runs the jobs, one worker each; rejects with the first error (the other workers are stopped). */
async function runJobs(jobs: Job[], log: Logger, onSeries?: () => void): Promise<Done[]> {
  const workers: Worker[] = [];
  // the same line from several workers (e.g. an engine note) is shown once
  const seen = new Set<string>();
  try {
    return await Promise.all(jobs.map((job) => new Promise<Done>((resolve, reject) => {
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
      workers.push(w);
      let settled = false;
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'log') {
          if (!seen.has(m.msg)) log[m.level](m.msg);
          seen.add(m.msg);
        }
        else if (m.type === 'series') onSeries?.();
        else if (m.type === 'done') { settled = true; resolve(m); }
        else {
          settled = true;
          const e = new MlkitError(m.kind, m.message, m.place);
          if (m.stack) e.stack = m.stack;
          reject(e);
        }
      });
      w.on('error', (e) => { settled = true; reject(e); });
      w.on('exit', (code) => { if (!settled) reject(new MlkitError('internal', `a forecasting worker thread stopped (exit code ${code})`)); });
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** A new forecaster of registry type `name` (model.type) with validated params. */
export function createForecaster(name: string, params: Record<string, unknown>): Forecaster {
  const spec = defaultRegistry.get<Forecaster>('forecaster', name, 'model.type');
  return spec.create(spec.params.parse(params));
}

/**
 * Fits forecaster `name` on the series (and, with `req`, forecasts from their ends), on worker threads
 * when it is local and there are enough series.
 */
export async function fitForecaster(
  name: string, params: Record<string, unknown>, series: SeriesData[], meta: SeriesMeta,
  ctx: FitContext,
  req?: ForecastRequest,
): Promise<{ forecaster: Forecaster; forecasts?: SeriesForecast[] }> {
  const f = createForecaster(name, params);
  const spec = defaultRegistry.get<Forecaster>('forecaster', name);
  const k = f.tags.local && spec.merge && spec.restore ? threadCount(series.length) : 1;
  if (k < 2) {
    try {
      await f.fit(series, ctx, meta);
      const forecasts = req ? await f.forecast(series, req, ctx.log) : undefined;
      return { forecaster: f, forecasts };
    } catch (e) {
      f.dispose();
      throw e;
    }
  }
  const pars = { ...f.params };
  f.dispose();
  const chunks = parts(series.map((s, i) => ({ s, i })), k);
  const done = await runJobs(chunks.map((c) => ({
    op: 'fit', name, params: pars, series: c.map((x) => x.s), meta, seed: ctx.seed,
    req: req ? { ...req, futureExog: req.futureExog ? c.map((x) => req.futureExog![x.i]!) : undefined } : undefined,
  })), ctx.log, ctx.onSeries);
  const merged = spec.merge!(spec.params.parse(pars), done.map((d) => ({ state: d.state!, files: d.files ?? {} })));
  const forecaster = await spec.restore!(spec.params.parse(pars), merged.state, (rel) => merged.files[rel]!, ctx.log);
  return { forecaster, forecasts: req ? done.flatMap((d) => d.forecasts!) : undefined };
}

/** Forecasts from the ends of the histories, on worker threads when the forecaster is local and there are enough series. */
export async function forecastSeries(f: Forecaster, histories: SeriesData[], req: ForecastRequest, log: Logger, onSeries?: () => void): Promise<SeriesForecast[]> {
  const spec = defaultRegistry.get<Forecaster>('forecaster', f.name);
  const k = f.tags.local && spec.restore ? threadCount(histories.length) : 1;
  if (k < 2) return f.forecast(histories, req, log, onSeries);
  const state = f.toState();
  const files = f.files();
  const chunks = parts(histories.map((s, i) => ({ s, i })), k);
  const done = await runJobs(chunks.map((c) => ({
    op: 'forecast', name: f.name, params: { ...f.params }, state, files, series: c.map((x) => x.s),
    req: { ...req, futureExog: req.futureExog ? c.map((x) => req.futureExog![x.i]!) : undefined },
  })), log, onSeries);
  return done.flatMap((d) => d.forecasts!);
}
