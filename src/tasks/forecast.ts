/**
 * The forecasting task: train a forecaster from a config into a bundle (with a rolling-origin backtest
 * when evaluate.backtest is set), forecast from a bundle (from the stored history, or from newer history
 * given with --input), and backtest a bundle's forecaster on a data file. The CLI calls these; they
 * never print (notes go through ctx.log).
 */
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { ColumnInfo, Forecaster, SeriesForecast, SeriesMeta } from '../core/types.js';
import type { RunContext } from '../core/context.js';
import { BundleError, ConfigError, DataError, UsageError, throwIfAborted } from '../core/errors.js';
import { loadTable, schemaOf } from '../data/read.js';
import { checkBundleTarget, loadBundle, restoreComponent, saveBundle, saveComponent, type LoadedBundle, type Manifest } from '../bundle/bundle.js';
import { prepareSeries, type PreparedSeries, type SeriesSettings } from '../forecast/series.js';
import { addSteps, formatTime, type Freq } from '../core/time.js';
import { checkpointOf, dropCheckpoint } from './checkpoint.js';
import { createForecaster, fitForecaster, forecastSeries, type ModelRef } from '../forecast/parallel.js';
import { fitProgress, invert, runBacktest, type BacktestResult, type BacktestSettings } from '../forecast/backtest.js';
import { calibrationPlan, conformal, conformalState, minConformalErrors, naiveScale, type ConformalState } from '../forecast/conformal.js';
import { readSeriesNode, seriesBundleNode, storedHistory, type SeriesNodeState } from '../forecast/series-node.js';

export { calibrationPlan, conformal, minConformalErrors, naiveScale } from '../forecast/conformal.js';
export { fitProgress, runBacktest, type BacktestResult, type BacktestSettings, type FoldResult, type FitProgress } from '../forecast/backtest.js';
import { yieldToLoop } from '../core/loop.js';

/** The series id column, read as text: "02" and "007" are ids, not the numbers 2 and 7. */
const idColumn = (id: string | undefined): string[] => (id ? [id] : []);





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


function checkLengths(f: Forecaster, series: PreparedSeries[], season: number, file: string, what = 'the model', horizon?: number): void {
  const need = f.minLength(season, horizon);
  for (const s of series) {
    if (s.y.length < need) throw new DataError(`${s.id ? `series "${s.id}" ` : 'the series '}has ${s.y.length} values; ${f.name} with these params${season > 1 ? ` (season length ${season})` : ''} needs at least ${need}${what === 'the model' ? '' : ` (${what})`}`, { file });
  }
}

export async function trainForecast(lc: LoadedConfig, ctx: RunContext): Promise<ForecastTrainResult> {
  const { config } = lc;
  checkBundleTarget(lc.outputDir, 'forecast', ctx.force); // before any work: never train for nothing
  const table = await loadTable(lc.trainPath, { format: config.data.format, csv: config.data.csv, displayName: config.data.train, stdin: ctx.stdin, textColumns: idColumn(config.data.id) }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const prepared = prepareSeries(table, settingsOf(config));
  const model: ModelRef = { name: config.model.type, params: lc.modelParams, options: lc.modelOptions };
  const forecaster = await createForecaster(ctx.registry, model);
  if (config.data.exog.length && !forecaster.tags.exog) throw new ConfigError(`model "${forecaster.name}" does not take exogenous columns (data.exog)`, { path: 'data.exog' });
  const meta: SeriesMeta = { season: prepared.season, freq: prepared.freq, horizon: Math.max(config.forecast!.horizon, config.evaluate.backtest?.horizon ?? 0) };
  checkLengths(forecaster, prepared.series, prepared.season, config.data.train, undefined, meta.horizon);

  let backtest: BacktestResult | undefined;
  let calibration = false;
  const bt = config.evaluate.backtest;
  let plan: BacktestSettings | undefined;
  if (bt) {
    const horizon = bt.horizon ?? config.forecast!.horizon;
    plan = { folds: bt.folds, horizon, step: bt.step ?? horizon };
  } else if (!forecaster.tags.probabilistic) {
    // no intervals of its own and no backtest asked for: calibrate conformal intervals on one
    const horizon = config.forecast!.horizon;
    const need = forecaster.minLength(prepared.season, meta.horizon);
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
  ctx.log.debug(`fitting ${forecaster.name} on ${prepared.series.length} series${plan ? ` (${plan.folds} backtest fold(s), then the final fit)` : ''}`);
  // one bar over every fit: the backtest's folds, then the final fit
  const progress = fitProgress(ctx, forecaster.tags.local === true, prepared.series.length, plan?.folds ?? 0, true);
  forecaster.dispose();
  let fitted: Forecaster;
  try {
    if (plan) backtest = await runBacktest(ctx, model, prepared.series, plan, config, meta, config.data.train, undefined, progress);
    ({ forecaster: fitted } = await fitForecaster(ctx.registry, model, prepared.series, meta, { log: ctx.log, callbacks: [...progress.callbacks, ...(ctx.callbacks ?? [])], signal: ctx.signal, seed: config.seed, onProgress: progress.onSeries, ...checkpointOf(lc, ctx) }));
  } finally {
    progress.stop();
  }

  let description: string[];
  try {
    if (backtest && !fitted.tags.probabilistic) {
      const n = Math.min(...backtest.residualsByStep.map((r) => r.length));
      const level = config.forecast!.level;
      if (Math.ceil((n + 1) * level) > n) ctx.log.warn(`warning: the backtest gives ${n} error(s) per step ahead, too few for finite ${Math.round(level * 100)}% conformal intervals (at least ${minConformalErrors(level)}); the bounds will be -inf/inf: use more folds (evaluate.backtest.folds) or leave evaluate.backtest out to let mlkit choose`);
    }

    // the bundle: config, the series node (freq, timestamps, history), the forecaster
    const { node: seriesNode, files } = seriesBundleNode(prepared, settingsOf(config));
    const estimatorNode = await saveComponent(fitted, 'estimator', files, lc.modelOptions);
    const used = [config.data.time!, config.data.target, ...(config.data.id ? [config.data.id] : []), ...config.data.exog];
    const columns: ColumnInfo[] = schemaOf(table.frame).filter((c) => used.includes(c.name));
    await yieldToLoop(); // a Ctrl-C during a long synchronous fit is handled here: exit 130, no bundle
    throwIfAborted(ctx.signal);
    saveBundle(lc.outputDir, {
      task: 'forecast',
      config,
      input: { columns, target: config.data.target, time: config.data.time, id: config.data.id },
      pipeline: seriesNode,
      estimator: estimatorNode,
      ...(backtest ? { conformal: conformalState(backtest) } : {}),
      metrics: backtest?.overall ?? {},
    }, files, { force: ctx.force });
    dropCheckpoint(lc);
    description = fitted.describe();
  } finally {
    fitted.dispose();
  }
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






// ------------------------------------------------------------------------------------------------
// Backtesting: rolling origin, expanding window






// ------------------------------------------------------------------------------------------------
// From a bundle

export interface LoadedForecaster {
  bundle: LoadedBundle;
  manifest: Manifest;
  config: Config;
  forecaster: Forecaster;
  /** the forecaster's runtime options (e.g. xgboost's engine) */
  options: Record<string, unknown>;
  node: SeriesNodeState;
  settings: SeriesSettings;
}

export async function loadForecaster(dir: string, ctx: Pick<RunContext, 'registry' | 'log'>): Promise<LoadedForecaster> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'forecast') throw new BundleError(`bundle task "${m.task}" is not a forecasting model (train one with task: forecast)`, { file: dir });
  const forecaster = await restoreComponent<Forecaster>(ctx.registry, 'forecaster', m.estimator, bundle.reader('estimator'), dir, ctx.log);
  try {
    const { node, settings } = readSeriesNode(m.pipeline, bundle, dir);
    return { bundle, manifest: m, config: m.config as Config, forecaster, options: m.estimator!.options ?? {}, node, settings };
  } catch (e) {
    forecaster.dispose();
    if (e instanceof BundleError) throw e;
    throw new BundleError(`cannot load the model: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { file: dir }, { cause: e });
  }
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
  const lf = await loadForecaster(dir, ctx);
  const cfg = lf.config;
  const horizon = opts.horizon ?? cfg.forecast?.horizon ?? 1;
  if (!(Number.isInteger(horizon) && horizon > 0)) throw new UsageError(`--horizon must be a positive integer, got ${opts.horizon}`);
  const level = cfg.forecast?.level ?? 0.9;
  let histories: PreparedSeries[];
  if (opts.input) {
    const table = await loadTable(opts.input, { csv: cfg.data?.csv, stdin: ctx.stdin, textColumns: idColumn(cfg.data?.id) }, ctx.signal, ctx.log);
    for (const n of table.notes) ctx.log.info(n);
    const prepared = prepareSeries(table, { ...lf.settings, future: lf.settings.exog.length > 0 });
    for (const n of prepared.notes) ctx.log.info(n);
    histories = prepared.series;
    checkLengths(lf.forecaster, histories, lf.node.season, opts.input);
  } else {
    histories = storedHistory(lf.bundle, lf.node, lf.settings);
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
    out = await forecastSeries(ctx.registry, lf.forecaster, lf.options, histories, { horizon, level, futureExog }, { log: ctx.log, signal: ctx.signal, onProgress: bar ? () => bar.tick() : undefined });
  } finally {
    bar?.stop();
  }
  const transform = lf.settings.transform;
  let intervals: ForecastRun['intervals'] = lf.forecaster.tags.probabilistic ? 'analytic' : 'none';
  const conf = lf.manifest.conformal as ConformalState | undefined;
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


// ------------------------------------------------------------------------------------------------
// Backtest of a bundle's forecaster on a data file (mlkit evaluate --backtest)

export async function backtestBundle(dir: string, file: string, ctx: RunContext): Promise<BacktestResult> {
  const lf = await loadForecaster(dir, ctx);
  const local = lf.forecaster.tags.local;
  lf.forecaster.dispose();
  const cfg = lf.config;
  const table = await loadTable(file, { csv: cfg.data?.csv, stdin: ctx.stdin, textColumns: idColumn(cfg.data?.id) }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const prepared = prepareSeries(table, lf.settings);
  for (const n of prepared.notes) ctx.log.info(n);
  const horizon = cfg.evaluate?.backtest?.horizon ?? cfg.forecast?.horizon ?? 1;
  const bt = { folds: cfg.evaluate?.backtest?.folds ?? 5, horizon, step: cfg.evaluate?.backtest?.step ?? horizon };
  const m = lf.manifest.estimator!;
  // the same hyperparameters, refitted per fold (AutoARIMA searches again in each fold)
  const conf = lf.manifest.conformal as ConformalState | undefined;
  const progress = fitProgress(ctx, local === true, prepared.series.length, bt.folds, false);
  ctx.log.debug(`backtest: fitting ${m.name} on ${prepared.series.length} series, ${bt.folds} fold(s)`);
  try {
    return await runBacktest(ctx, { name: m.name, params: m.params, options: lf.options }, prepared.series, bt, cfg, { season: lf.node.season, freq: lf.node.freq, horizon: bt.horizon }, file, conf, progress);
  } finally {
    progress.stop();
  }
}
