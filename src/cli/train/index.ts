import { loadConfig } from '../../config/load.js';
import { makeLogger, progressCallback, formatMetrics, type GlobalOptions } from '../output.js';

export async function trainCommand(configFile: string, opts: GlobalOptions): Promise<number> {
  const log = makeLogger(opts);
  const { defaultRegistry } = await import('../../components.js');
  const lc = loadConfig(configFile, { sets: opts.set, registry: defaultRegistry });
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
