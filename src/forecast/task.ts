/**
 * The forecasting task: train a forecaster from a config into a bundle (with a rolling-origin backtest
 * when evaluate.backtest is set), forecast from a bundle (from the stored history, or from newer history
 * given with --input), and backtest a bundle's forecaster on a data file. The CLI calls these; they
 * never print (notes go through ctx.log).
 */
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Callback, ColumnInfo, Forecaster, Logger, SeriesForecast, SeriesMeta } from '../core/types.js';
import { BundleError, ConfigError, DataError, UsageError } from '../core/errors.js';
import { readTable, schemaOf } from '../data/read.js';
import { loadBundle, saveBundle, type LoadedBundle, type Manifest, type NodeSpec } from '../bundle/bundle.js';
import { defaultRegistry } from '../components.js';
import { prepareSeries, type PreparedSeries, type SeriesSettings } from './series.js';
import { addSteps, formatTime, type Freq, type TimeStyle } from './time.js';
import { emptyPoints, forecastMetrics, maseScale, type ForecastPoints } from '../metrics/forecast.js';
import type { Progress, RunContext } from '../tasks/tabular.js';
import { createForecaster, fitForecaster, forecastSeries } from './parallel.js';
import { yieldToLoop } from '../core/loop.js';

/** The series id column, read as text: "02" and "007" are ids, not the numbers 2 and 7. */
const idColumn = (id: string | undefined): string[] => (id ? [id] : []);

/** What the bundle's "pipeline" node records: how a table becomes series. */
interface SeriesNodeState {
  freq: Freq;
  style: TimeStyle;
  season: number;
  /** per series: id, length, first index in history.f64 (values: y then each exog column), last timestamp */
  series: { id: string; n: number; offset: number; last: number }[];
}

const HISTORY_FILE = 'series/history.f64';

export interface BacktestSettings { folds: number; horizon: number; step: number }

export interface FoldResult {
  fold: number;
  /** number of training points before the origin (of the longest series) */
  origin: number;
  metrics: Record<string, number>;
}

export interface BacktestResult {
  settings: BacktestSettings;
  folds: FoldResult[];
  overall: Record<string, number>;
  /**
   * absolute errors of the point forecasts by step ahead, on the model's scale (e.g. log), each divided
   * by its series' naive scale (naiveScale of the fold's training values), for conformal intervals
   */
  residualsByStep: number[][];
}

export interface ForecastTrainResult {
  bundleDir: string;
  model: string;
  series: number;
  points: number;
  description: string[];
  backtest?: BacktestResult;
  /** the backtest was run only to calibrate conformal intervals (no evaluate.backtest in the config) */
  calibration?: boolean;
  notes: string[];
}

function settingsOf(config: Config, freq?: Freq): SeriesSettings {
  const d = config.data;
  return {
    time: d.time!,
    target: d.target,
    id: d.id,
    exog: d.exog,
    freq: freq ?? d.freq,
    fill: d.fill,
    transform: config.forecast?.transform ?? 'none',
  };
}


function checkLengths(f: Forecaster, series: PreparedSeries[], season: number, file: string, what = 'the model'): void {
  const need = f.minLength(season);
  for (const s of series) {
    if (s.y.length < need) throw new DataError(`${s.id ? `series "${s.id}" ` : 'the series '}has ${s.y.length} values; ${f.name} with these params${season > 1 ? ` (season length ${season})` : ''} needs at least ${need}${what === 'the model' ? '' : ` (${what})`}`, { file });
  }
}

export async function trainForecast(lc: LoadedConfig, ctx: RunContext): Promise<ForecastTrainResult> {
  const { config } = lc;
  const table = readTable(lc.trainPath, { format: config.data.format, csv: config.data.csv, displayName: config.data.train, stdin: ctx.stdin, textColumns: idColumn(config.data.id) });
  for (const n of table.notes) ctx.log.info(n);
  const prepared = prepareSeries(table, settingsOf(config));
  const forecaster = createForecaster(config.model.type, lc.modelParams);
  if (config.data.exog.length && !forecaster.tags.exog) throw new ConfigError(`model "${forecaster.name}" does not take exogenous columns (data.exog)`, { path: 'data.exog' });
  checkLengths(forecaster, prepared.series, prepared.season, config.data.train);

  const meta: SeriesMeta = { season: prepared.season, freq: prepared.freq, engine: config.model.engine };
  let backtest: BacktestResult | undefined;
  let calibration = false;
  const bt = config.evaluate.backtest;
  const model = { name: config.model.type, params: lc.modelParams };
  let plan: BacktestSettings | undefined;
  if (bt) {
    const horizon = bt.horizon ?? config.forecast!.horizon;
    plan = { folds: bt.folds, horizon, step: bt.step ?? horizon };
  } else if (!forecaster.tags.intervals) {
    // no intervals of its own and no backtest asked for: calibrate conformal intervals on one
    const horizon = config.forecast!.horizon;
    const need = forecaster.minLength(prepared.season);
    const shortest = Math.min(...prepared.series.map((s) => s.y.length));
    const cal = calibrationPlan(shortest - need, horizon, prepared.series.length, config.forecast!.level);
    if (cal) {
      ctx.log.info(`${forecaster.name} has no intervals of its own: calibrating conformal ones on a backtest of ${cal.folds} fold(s), horizon ${horizon}, step ${cal.step}; set evaluate.backtest to choose`);
      plan = { ...cal, horizon };
      calibration = true;
    } else {
      ctx.log.warn(`warning: no prediction intervals: ${forecaster.name} has none of its own, and the shortest series (${shortest} values) is too short for a backtest to calibrate conformal ones (horizon ${horizon}, model needs ${need})`);
    }
  }
  // one bar over every fit: the backtest's folds, then the final fit
  const progress = fitProgress(ctx, forecaster.tags.local === true, prepared.series.length, 1 + (plan?.folds ?? 0));
  forecaster.dispose();
  let fitted: Forecaster;
  try {
    if (plan) backtest = await runBacktest(model, prepared.series, plan, config, meta, config.data.train, ctx.log, undefined, progress);
    ({ forecaster: fitted } = await fitForecaster(model.name, model.params, prepared.series, meta, { log: ctx.log, callbacks: [...progress.callbacks, ...(ctx.callbacks ?? [])], signal: ctx.signal, seed: config.seed, onSeries: progress.onSeries }));
  } finally {
    progress.stop();
  }

  if (backtest && !fitted.tags.intervals) {
    const n = Math.min(...backtest.residualsByStep.map((r) => r.length));
    const level = config.forecast!.level;
    if (Math.ceil((n + 1) * level) > n) ctx.log.warn(`warning: the backtest gives ${n} error(s) per step ahead, too few for finite ${Math.round(level * 100)}% conformal intervals (at least ${minConformalErrors(level)}); the bounds will be -inf/inf: use more folds (evaluate.backtest.folds) or leave evaluate.backtest out to let mlkit choose`);
  }

  // the bundle: config, the series node (freq, timestamps, history), the forecaster
  const parts: Float64Array[] = [];
  let offset = 0;
  const seriesState: SeriesNodeState['series'] = prepared.series.map((s) => {
    const entry = { id: s.id, n: s.y.length, offset, last: s.times[s.times.length - 1]! };
    parts.push(s.y, ...s.exog);
    offset += s.y.length * (1 + s.exog.length);
    return entry;
  });
  const history = new Float64Array(offset);
  let o = 0;
  for (const p of parts) { history.set(p, o); o += p.length; }
  const seriesNode: NodeSpec = {
    name: 'series',
    params: { ...settingsOf(config) } as unknown as Record<string, unknown>,
    state: { freq: prepared.freq, style: prepared.style, season: prepared.season, series: seriesState } satisfies SeriesNodeState as unknown as Record<string, unknown>,
    files: [HISTORY_FILE],
  };
  const estFiles = fitted.files();
  const files: Record<string, Uint8Array> = { [HISTORY_FILE]: new Uint8Array(history.buffer) };
  for (const [rel, b] of Object.entries(estFiles)) files[`estimator/${rel}`] = b;
  const used = [config.data.time!, config.data.target, ...(config.data.id ? [config.data.id] : []), ...config.data.exog];
  const columns: ColumnInfo[] = schemaOf(table.frame).filter((c) => used.includes(c.name));
  await yieldToLoop(); // a Ctrl-C during a long synchronous fit is handled here: exit 130, no bundle
  saveBundle(lc.outputDir, {
    task: 'forecast',
    config,
    input: { columns, target: config.data.target, time: config.data.time, id: config.data.id },
    pipeline: seriesNode,
    estimator: {
      name: fitted.name,
      params: { ...fitted.params },
      state: { ...fitted.toState(), ...(backtest ? { conformal: conformalState(backtest) } : {}) },
      files: Object.keys(estFiles),
    },
    metrics: backtest?.overall ?? {},
  }, files);
  const description = fitted.describe();
  fitted.dispose();
  return {
    bundleDir: lc.outputDir,
    model: fitted.name,
    series: prepared.series.length,
    points: prepared.series.reduce((a, s) => a + s.y.length, 0),
    description,
    backtest,
    calibration,
    notes: prepared.notes,
  };
}

/**
 * The backtest that calibrates conformal intervals when the config sets none: enough folds for about
 * CALIBRATION_ERRORS errors per step ahead (each fold gives one per series; at least the
 * level / (1 - level) that a finite interval needs), at most MAX_CALIBRATION_FOLDS, origins spread
 * over the history that is left beyond what the model needs (`spare` values), at most `horizon` apart.
 * Undefined when not even one fold fits.
 */
export function calibrationPlan(spare: number, horizon: number, nSeries: number, level: number): { folds: number; step: number } | undefined {
  const room = spare - horizon; // origins can move back this far from the last one
  if (room < 0) return undefined;
  const want = Math.max(CALIBRATION_ERRORS, minConformalErrors(level));
  const folds = Math.max(1, Math.min(MAX_CALIBRATION_FOLDS, Math.ceil(want / nSeries), room + 1));
  const step = folds > 1 ? Math.max(1, Math.min(horizon, Math.floor(room / (folds - 1)))) : horizon;
  return { folds, step };
}
const CALIBRATION_ERRORS = 20;

/** The fewest errors for which the conformal rule gives a finite bound: ceil((n + 1) level) <= n. */
export function minConformalErrors(level: number): number {
  let n = 1;
  while (Math.ceil((n + 1) * level) > n) n++;
  return n;
}
const MAX_CALIBRATION_FOLDS = 20;

interface ConformalState {
  residualsByStep: number[][];
  /** 'naive_mae': residuals are divided by their series' naiveScale (absent: raw residuals) */
  scaled?: 'naive_mae';
}

/** Conformal interval half-widths need the backtest's absolute errors by step ahead. */
function conformalState(b: BacktestResult): ConformalState {
  return { residualsByStep: b.residualsByStep, scaled: 'naive_mae' };
}

/**
 * The scale conformal residuals are measured in: the mean absolute one-step change of the series (on
 * the model's scale), so that one set of residuals fits series of different sizes (1 when constant).
 */
export function naiveScale(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < y.length; i++) s += Math.abs(y[i]! - y[i - 1]!);
  const v = y.length > 1 ? s / (y.length - 1) : 0;
  return v > 0 && Number.isFinite(v) ? v : 1;
}

// ------------------------------------------------------------------------------------------------
// Backtesting: rolling origin, expanding window

/**
 * Progress over `fits` fits of a forecaster, as one bar: over series fitted for a local forecaster
 * (`onSeries`, ticked by the forecaster, also from worker threads), else over boosting rounds (or epochs)
 * through `callbacks` (the total is known at the first fit's onTrainBegin; forecasters without rounds
 * draw no bar).
 */
export interface FitProgress { onSeries?: () => void; callbacks: Callback[]; stop(): void }

export function fitProgress(ctx: RunContext, local: boolean, nSeries: number, fits: number): FitProgress {
  const make = ctx.progress;
  if (!make) return { callbacks: [], stop() {} };
  if (local) {
    const bar = make('fitting series', nSeries * fits);
    return { onSeries: () => bar.tick(), callbacks: [], stop: () => bar.stop() };
  }
  let bar: Progress | undefined;
  return {
    callbacks: [{
      onTrainBegin(logs) {
        const rounds = Number(logs.numRound ?? 0);
        if (!bar && Number.isInteger(rounds) && rounds > 0) bar = make(fits > 1 ? `boosting (${fits} fits)` : 'boosting', rounds * fits);
      },
      onEpochEnd() { bar?.tick(); },
    }],
    stop: () => bar?.stop(),
  };
}

export async function runBacktest(
  model: { name: string; params: Record<string, unknown> }, series: PreparedSeries[], bt: BacktestSettings, config: Config, meta: SeriesMeta, file: string, log: Logger,
  conf?: ConformalState, progress?: Pick<FitProgress, 'onSeries' | 'callbacks'>,
): Promise<BacktestResult> {
  const onSeries = progress?.onSeries;
  const { folds, horizon, step } = bt;
  const { season } = meta;
  const level = config.forecast?.level ?? 0.9;
  const transform = config.forecast?.transform ?? 'none';
  const all = emptyPoints();
  const residualsByStep: number[][] = Array.from({ length: horizon }, () => []);
  const results: FoldResult[] = [];
  const probe = createForecaster(model.name, model.params);
  const need = probe.minLength(season);
  probe.dispose();
  for (const s of series) {
    const shortest = s.y.length - horizon - (folds - 1) * step;
    if (shortest < need) {
      throw new DataError(`${s.id ? `series "${s.id}" ` : 'the series '}has ${s.y.length} values: a backtest of ${folds} fold(s), horizon ${horizon}, step ${step} leaves ${Math.max(0, shortest)} for the first fold's training, and the model needs ${need}; use fewer folds or a smaller horizon/step`, { file });
    }
  }
  for (let k = 0; k < folds; k++) {
    const back = horizon + (folds - 1 - k) * step;
    const train: PreparedSeries[] = series.map((s) => cut(s, s.y.length - back));
    const { forecaster: f, forecasts } = await fitForecaster(model.name, model.params, train, meta, { log, seed: config.seed, onSeries, callbacks: progress?.callbacks }, {
      horizon, level,
      futureExog: series.map((s) => s.exog.map((x) => x.slice(s.y.length - back, s.y.length - back + horizon))),
    });
    const fc = forecasts!;
    try {
      const pts = emptyPoints();
      series.forEach((s, i) => {
        const origin = s.y.length - back;
        // a bundle's conformal intervals (mlkit evaluate --backtest) where the model has none
        const withIntervals = !fc[i]!.lower && conf ? conformal(fc[i]!, conf.residualsByStep, level, conf.scaled === 'naive_mae' ? naiveScale(s.y.subarray(0, origin)) : 1) : fc[i]!;
        const out = invert(withIntervals, transform);
        const scale = maseScale(original(s.y.subarray(0, origin), transform), season);
        const unit = naiveScale(s.y.subarray(0, origin));
        for (let h = 0; h < horizon; h++) {
          const actual = original1(s.y[origin + h]!, transform);
          for (const p of [pts, all]) {
            p.actual.push(actual);
            p.forecast.push(out.mean[h]!);
            p.lower.push(out.lower?.[h] ?? NaN);
            p.upper.push(out.upper?.[h] ?? NaN);
            p.scale.push(scale);
          }
          // conformal residuals on the model's own scale (transformed target)
          residualsByStep[h]!.push(Math.abs(s.y[origin + h]! - fc[i]!.mean[h]!) / unit);
        }
      });
      results.push({ fold: k + 1, origin: Math.max(...series.map((s) => s.y.length - back)), metrics: forecastMetrics(pts) });
    } finally {
      f.dispose();
    }
    await yieldToLoop();
  }
  return { settings: bt, folds: results, overall: forecastMetrics(all), residualsByStep };
}

function cut(s: PreparedSeries, n: number): PreparedSeries {
  return { id: s.id, y: s.y.subarray(0, n), exog: s.exog.map((x) => x.subarray(0, n)), times: s.times.subarray(0, n), phase: s.phase };
}

const original1 = (v: number, t: string) => (t === 'log' ? Math.exp(v) : v);
const original = (y: Float64Array, t: string) => (t === 'log' ? y.map(Math.exp) : y);

function invert(f: SeriesForecast, t: string): SeriesForecast {
  if (t !== 'log') return f;
  return { mean: f.mean.map(Math.exp), lower: f.lower?.map(Math.exp), upper: f.upper?.map(Math.exp) };
}

// ------------------------------------------------------------------------------------------------
// From a bundle

export interface LoadedForecaster {
  bundle: LoadedBundle;
  manifest: Manifest;
  config: Config;
  forecaster: Forecaster;
  node: SeriesNodeState;
  settings: SeriesSettings;
}

export async function loadForecaster(dir: string, log: Logger): Promise<LoadedForecaster> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'forecast') throw new BundleError(`bundle task "${m.task}" is not a forecasting model (train one with task: forecast)`, { file: dir });
  if (!m.estimator) throw new BundleError('manifest.json is corrupted: "estimator" is missing', { file: dir });
  let spec;
  try {
    spec = defaultRegistry.get<Forecaster>('forecaster', m.estimator.name);
  } catch {
    throw new BundleError(`unknown forecaster "${m.estimator.name}" in bundle (known: ${defaultRegistry.names('forecaster').join(', ')})`, { file: dir });
  }
  if (!spec.restore) throw new BundleError(`forecaster "${m.estimator.name}" cannot be loaded from a bundle`, { file: dir });
  try {
    const params = spec.params.parse(m.estimator.params);
    const forecaster = await spec.restore(params, m.estimator.state, (rel) => bundle.read(`estimator/${rel}`), log);
    const node = m.pipeline.state as unknown as SeriesNodeState;
    const bad = badSeriesNode(node, bundle.read(HISTORY_FILE).byteLength / 8, (m.pipeline.params as { exog?: unknown[] })?.exog?.length ?? 0);
    if (bad) throw new BundleError(`manifest.json is corrupted: the series node's ${bad}`, { file: dir });
    const settings = { ...(m.pipeline.params as unknown as SeriesSettings), freq: node.freq };
    return { bundle, manifest: m, config: m.config as Config, forecaster, node, settings };
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError(`cannot load the model: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { file: dir }, { cause: e });
  }
}

/** What is wrong with a bundle's series node (a hand-edited manifest), or undefined. */
function badSeriesNode(node: SeriesNodeState | undefined, historyValues: number, nExog: number): string | undefined {
  const f = node?.freq as { unit?: unknown; step?: unknown; anchor?: unknown } | undefined;
  if (f === undefined || f === null) return 'frequency is missing';
  if (typeof f !== 'object') return `frequency ${JSON.stringify(f)} is not one mlkit writes`;
  const stepOk = typeof f.step === 'number' && Number.isFinite(f.step) && f.step > 0;
  if (!stepOk || !(f.unit === 'ms' || f.unit === 'number' || (f.unit === 'month' && (f.anchor === 'start' || f.anchor === 'end')))) return `frequency ${JSON.stringify(f)} is not one mlkit writes`;
  if (!Array.isArray(node!.series) || node!.series.length === 0) return 'series are missing';
  if (!(Number.isInteger(node!.season) && node!.season >= 1)) return `season ${JSON.stringify(node!.season)} is not a positive integer`;
  let next = 0;
  for (const s of node!.series) {
    if (typeof s?.id !== 'string' || !Number.isInteger(s.n) || s.n < 1 || s.offset !== next || !Number.isFinite(s.last)) return `series entry ${JSON.stringify(s)} is not valid`;
    next += s.n * (1 + nExog);
  }
  if (next !== historyValues) return `series cover ${next} values, but ${HISTORY_FILE} holds ${historyValues}`;
  return undefined;
}

/** The training series stored in the bundle. */
function storedHistory(lf: LoadedForecaster): PreparedSeries[] {
  const buf = lf.bundle.read(HISTORY_FILE);
  const all = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const k = lf.settings.exog.length;
  return lf.node.series.map((s) => {
    const y = all.slice(s.offset, s.offset + s.n);
    const exog = Array.from({ length: k }, (_, j) => all.slice(s.offset + (j + 1) * s.n, s.offset + (j + 2) * s.n));
    const times = new Float64Array(s.n);
    for (let i = 0; i < s.n; i++) times[i] = addSteps(s.last, lf.node.freq, i - s.n + 1);
    return { id: s.id, y, exog, times };
  });
}

export interface ForecastRow { id: string; time: string; forecast: number; lower: number; upper: number }

export interface ForecastRun {
  horizon: number;
  level: number;
  rows: ForecastRow[];
  /** column names: [id,] time, forecast, lower, upper */
  idColumn?: string;
  timeColumn: string;
  intervals: 'analytic' | 'conformal' | 'none';
}

export async function forecastFromBundle(dir: string, opts: { horizon?: number; input?: string }, ctx: RunContext): Promise<ForecastRun> {
  const lf = await loadForecaster(dir, ctx.log);
  const cfg = lf.config;
  const horizon = opts.horizon ?? cfg.forecast?.horizon ?? 1;
  if (!(Number.isInteger(horizon) && horizon > 0)) throw new UsageError(`--horizon must be a positive integer, got ${opts.horizon}`);
  const level = cfg.forecast?.level ?? 0.9;
  let histories: PreparedSeries[];
  if (opts.input) {
    const table = readTable(opts.input, { csv: cfg.data?.csv, stdin: ctx.stdin, textColumns: idColumn(cfg.data?.id) });
    for (const n of table.notes) ctx.log.info(n);
    const prepared = prepareSeries(table, { ...lf.settings, future: lf.settings.exog.length > 0 });
    for (const n of prepared.notes) ctx.log.info(n);
    histories = prepared.series;
    checkLengths(lf.forecaster, histories, lf.node.season, opts.input);
  } else {
    histories = storedHistory(lf);
  }
  let futureExog: Float64Array[][] | undefined;
  if (lf.settings.exog.length) {
    futureExog = histories.map((s) => {
      const fut = s.future;
      if (!fut || fut.times.length < horizon) {
        throw new UsageError(`this model uses exogenous columns (${lf.settings.exog.join(', ')}): give their future values with --input FILE, as ${horizon} row(s) after each series' history with an empty "${lf.settings.target}"${fut ? ` (series${s.id ? ` "${s.id}"` : ''} has ${fut.times.length})` : ''}`);
      }
      return fut.exog.map((x) => x.subarray(0, horizon));
    });
  }
  const bar = lf.forecaster.tags.local ? ctx.progress?.('forecasting series', histories.length) : undefined;
  let out: SeriesForecast[];
  try {
    out = await forecastSeries(lf.forecaster, histories, { horizon, level, futureExog }, ctx.log, bar ? () => bar.tick() : undefined);
  } finally {
    bar?.stop();
  }
  const transform = lf.settings.transform;
  let intervals: ForecastRun['intervals'] = lf.forecaster.tags.intervals ? 'analytic' : 'none';
  const conf = (lf.manifest.estimator!.state as { conformal?: ConformalState }).conformal;
  const rows: ForecastRow[] = [];
  histories.forEach((s, i) => {
    let f = out[i]!;
    if (!f.lower && conf) {
      f = conformal(f, conf.residualsByStep, level, conf.scaled === 'naive_mae' ? naiveScale(s.y) : 1);
      intervals = 'conformal';
    }
    f = invert(f, transform);
    const last = s.times[s.times.length - 1]!;
    for (let h = 0; h < horizon; h++) {
      rows.push({
        id: s.id,
        time: formatTime(addSteps(last, lf.node.freq, h + 1), lf.node.style),
        forecast: f.mean[h]!,
        lower: f.lower?.[h] ?? NaN,
        upper: f.upper?.[h] ?? NaN,
      });
    }
  });
  lf.forecaster.dispose();
  return { horizon, level, rows, idColumn: lf.settings.id, timeColumn: lf.settings.time, intervals };
}

/**
 * Split-conformal intervals from backtest residuals: the half-width at step h is the
 * ceil((n + 1) * level)-th smallest absolute error at that step (the last step's for longer horizons),
 * times `scale` (the series' naiveScale when the residuals were divided by theirs).
 */
export function conformal(f: SeriesForecast, residualsByStep: number[][], level: number, scale = 1): SeriesForecast {
  const H = f.mean.length;
  const lower = new Float64Array(H);
  const upper = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const r = residualsByStep[Math.min(h, residualsByStep.length - 1)] ?? [];
    const sorted = [...r].sort((a, b) => a - b);
    const k = Math.ceil((sorted.length + 1) * level) - 1;
    const w = sorted.length && k < sorted.length ? sorted[k]! * scale : Infinity;
    lower[h] = f.mean[h]! - w;
    upper[h] = f.mean[h]! + w;
  }
  return { mean: f.mean, lower, upper };
}

// ------------------------------------------------------------------------------------------------
// Backtest of a bundle's forecaster on a data file (mlkit evaluate --backtest)

export async function backtestBundle(dir: string, file: string, ctx: RunContext): Promise<BacktestResult> {
  const lf = await loadForecaster(dir, ctx.log);
  const local = lf.forecaster.tags.local;
  lf.forecaster.dispose();
  const cfg = lf.config;
  const table = readTable(file, { csv: cfg.data?.csv, stdin: ctx.stdin, textColumns: idColumn(cfg.data?.id) });
  for (const n of table.notes) ctx.log.info(n);
  const prepared = prepareSeries(table, lf.settings);
  for (const n of prepared.notes) ctx.log.info(n);
  const horizon = cfg.evaluate?.backtest?.horizon ?? cfg.forecast?.horizon ?? 1;
  const bt = { folds: cfg.evaluate?.backtest?.folds ?? 5, horizon, step: cfg.evaluate?.backtest?.step ?? horizon };
  const m = lf.manifest.estimator!;
  // the same hyperparameters, refitted per fold (AutoARIMA searches again in each fold)
  const conf = (m.state as { conformal?: ConformalState }).conformal;
  const progress = fitProgress(ctx, local === true, prepared.series.length, bt.folds);
  try {
    return await runBacktest({ name: m.name, params: m.params }, prepared.series, bt, cfg, { season: lf.node.season, freq: lf.node.freq, engine: cfg.model?.engine }, file, ctx.log, conf, progress);
  } finally {
    progress.stop();
  }
}
