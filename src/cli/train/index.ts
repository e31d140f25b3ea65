import type { LoadedConfig } from '../../config/load.js';
import type { RunContext } from '../../core/context.js';
import { readConfigFile } from '../../config/file.js';
import { progressCallback, formatMetrics, type GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function trainCommand(configFile: string, opts: GlobalOptions, signal: AbortSignal): Promise<number> {
  // a missing or unreadable config is reported before anything heavy loads
  const text = readConfigFile(configFile);
  const { loadConfig } = await import('../../config/load.js');
  const ctx = await runContext(opts, signal);
  const lc = loadConfig(configFile, { sets: opts.set, registry: ctx.registry, text });
  if (lc.config.task === 'forecast') return trainForecastCommand(lc, opts, ctx);
  if (lc.config.task === 'detect') return trainDetectCommand(lc, opts, ctx);
  const { trainTabular } = await import('../../tasks/tabular.js');
  const bar = await progressCallback(opts, 'boosting');
  const res = await trainTabular(lc, { ...ctx, callbacks: bar ? [bar] : [] });
  const { log } = ctx;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ bundle: res.bundleDir, metrics: res.metrics }) + '\n');
  } else {
    log.info(`engine: ${res.engine}`);
    log.info(`rows: train ${res.rows.train}${res.rows.validation ? `, validation ${res.rows.validation}${lc.config.data.validation ? ` (file ${lc.config.data.validation})` : ''}` : ''}, test ${res.rows.test}${res.bestIteration !== undefined ? (ctx.registry.get('estimator', lc.config.model.type).train ? `; best epoch ${res.bestIteration + 1}` : `; best iteration ${res.bestIteration}`) : ''}`);
    if (Object.keys(res.metrics).length) log.info(`metrics on ${res.evaluatedOn}:\n${formatMetrics(res.metrics)}`);
    log.info(`model bundle: ${res.bundleDir}`);
  }
  return 0;
}

async function trainForecastCommand(lc: LoadedConfig, opts: GlobalOptions, ctx: RunContext): Promise<number> {
  const { trainForecast } = await import('../../tasks/forecast.js');
  const res = await trainForecast(lc, ctx);
  const { log } = ctx;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ bundle: res.bundleDir, model: res.model, series: res.series, metrics: res.backtest?.overall ?? {}, backtest: res.backtest ? { settings: res.backtest.settings, folds: res.backtest.folds } : undefined }) + '\n');
  } else {
    for (const n of res.notes) log.info(n);
    log.info(`${res.model}: ${res.series} series, ${res.points} points`);
    for (const d of res.description) log.info(`  ${d}`);
    if (res.backtest) log.info(`backtest (${res.backtest.settings.folds} fold${res.backtest.settings.folds === 1 ? '' : 's'}, horizon ${res.backtest.settings.horizon}${res.calibration ? ', run to calibrate the conformal intervals' : ''}):\n${formatMetrics(res.backtest.overall)}`);
    log.info(`model bundle: ${res.bundleDir}`);
  }
  return 0;
}

async function trainDetectCommand(lc: LoadedConfig, opts: GlobalOptions, ctx: RunContext): Promise<number> {
  const { trainDetect } = await import('../../tasks/detect.js');
  const res = await trainDetect(lc as LoadedConfig<any>, ctx);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ bundle: res.bundleDir, detector: res.detector, channels: res.channels, rows: res.rows, threshold: res.threshold, nominalAnomalies: res.nominalAnomalies }) + '\n');
  } else {
    ctx.log.info(`${res.detector} detector on ${res.channels.length} channel${res.channels.length === 1 ? '' : 's'} (${res.channels.join(', ')}), ${res.rows} ${res.detector.startsWith('supervised') ? 'labelled' : 'nominal'} rows`);
    ctx.log.info(`threshold ${res.threshold.toPrecision(6)}; on the training rows the rules flag ${res.nominalAnomalies}`);
    ctx.log.info(`model bundle: ${res.bundleDir}`);
  }
  return 0;
}
