import { loadConfig } from '../../config/load.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Logger } from '../../core/types.js';
import { makeLogger, progressBars, progressCallback, formatMetrics, type GlobalOptions } from '../output.js';

export async function trainCommand(configFile: string, opts: GlobalOptions): Promise<number> {
  const log = makeLogger(opts);
  const { defaultRegistry } = await import('../../components.js');
  const lc = loadConfig(configFile, { sets: opts.set, registry: defaultRegistry });
  if (lc.config.task === 'forecast') return trainForecastCommand(lc, opts, log);
  const { trainTabular } = await import('../../tasks/tabular.js');
  const bar = await progressCallback(opts, 'boosting');
  const res = await trainTabular(lc, { log, callbacks: bar ? [bar] : [] });
  if (opts.json) {
    process.stdout.write(JSON.stringify({ bundle: res.bundleDir, metrics: res.metrics }) + '\n');
  } else {
    log.info(`engine: ${res.engine}`);
    log.info(`rows: train ${res.rows.train}${res.rows.validation ? `, early-stopping validation ${res.rows.validation}` : ''}, test ${res.rows.test}${res.bestIteration !== undefined ? `; best iteration ${res.bestIteration}` : ''}`);
    if (Object.keys(res.metrics).length) log.info(`metrics on ${res.evaluatedOn}:\n${formatMetrics(res.metrics)}`);
    log.info(`model bundle: ${res.bundleDir}`);
  }
  return 0;
}

async function trainForecastCommand(lc: LoadedConfig, opts: GlobalOptions, log: Logger): Promise<number> {
  const { trainForecast } = await import('../../forecast/task.js');
  const res = await trainForecast(lc, { log, progress: await progressBars(opts) });
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
