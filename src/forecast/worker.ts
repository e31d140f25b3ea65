/**
 * A forecasting worker thread (see parallel.ts): fits a forecaster on its part of the series (and
 * forecasts from their ends), or restores a fitted one and forecasts its part. It reports log lines,
 * one message per series done, and its result or error; it never prints.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Forecaster, Logger } from '../core/types.js';
import { MlkitError } from '../core/errors.js';
import type { Job, WorkerMessage } from './parallel.js';

const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer);
const log: Logger = {
  info: (msg) => post({ type: 'log', level: 'info', msg }),
  warn: (msg) => post({ type: 'log', level: 'warn', msg }),
  debug: (msg) => post({ type: 'log', level: 'debug', msg }),
};
const onSeries = () => post({ type: 'series' });

async function main(job: Job): Promise<void> {
  const { defaultRegistry } = await import('../components.js');
  const spec = defaultRegistry.get<Forecaster>('forecaster', job.name);
  const params = spec.params.parse(job.params);
  if (job.op === 'fit') {
    const f = spec.create(params);
    try {
      await f.fit(job.series, { log, seed: job.seed, onSeries }, job.meta);
      const forecasts = job.req ? await f.forecast(job.series, job.req, log) : undefined;
      post({ type: 'done', state: f.toState(), files: f.files(), forecasts });
    } finally {
      f.dispose();
    }
  } else {
    const f = await spec.restore!(params, job.state, (rel) => job.files[rel]!, log);
    try {
      post({ type: 'done', forecasts: await f.forecast(job.series, job.req, log, onSeries) });
    } finally {
      f.dispose();
    }
  }
}

main(workerData as Job).catch((e: unknown) => {
  if (e instanceof MlkitError) post({ type: 'error', kind: e.kind, message: e.message, place: e.place, stack: e.stack });
  else post({ type: 'error', kind: 'internal', message: String((e as Error)?.message ?? e), place: {}, stack: (e as Error)?.stack });
});
