/**
 * A forecasting worker thread (see parallel.ts): fits a forecaster on its part of the series (and
 * forecasts from their ends), or restores a fitted one and forecasts its part. It reports log lines,
 * one message per series done, and its result or error; it never prints. It uses the built-in registry.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { Forecaster, Logger } from '../core/types.js';
import { MemoryBlobs } from '../core/component.js';
import { MlkitError } from '../core/errors.js';
import type { Job, WorkerMessage } from './parallel.js';

const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer);
const log: Logger = {
  info: (msg) => post({ type: 'log', level: 'info', msg }),
  warn: (msg) => post({ type: 'log', level: 'warn', msg }),
  debug: (msg) => post({ type: 'log', level: 'debug', msg }),
};
const onProgress = () => post({ type: 'series' });

async function main(job: Job): Promise<void> {
  const { builtinRegistry } = await import('../specs.js');
  const registry = builtinRegistry();
  const spec = registry.get('forecaster', job.model.name);
  const impl = await registry.load<unknown, unknown, Forecaster>('forecaster', job.model.name);
  const params = spec.params.parse(job.model.params);
  const options = spec.options ? spec.options.parse(job.model.options ?? {}) : undefined;
  // the main thread asks a worker to stop ('stop': Ctrl-C, or another worker failed); the fit sees it at
  // its next check (between boosting rounds, between series), and a worker that does not stop in time is
  // terminated (see runJobs)
  const signal = stopper.signal;
  if (job.op === 'fit') {
    const f = impl.create(params, options);
    try {
      await f.fit(job.series, { log, seed: job.seed, signal, onProgress }, job.meta);
      const forecasts = job.req ? await f.forecast(job.series, job.req, { log, signal }) : undefined;
      const blobs = new MemoryBlobs();
      const state = await f.save(blobs);
      post({ type: 'done', state, files: blobs.files, forecasts });
    } finally {
      f.dispose();
    }
  } else {
    const f = await impl.restore(params, job.state, new MemoryBlobs(job.files), { options, log });
    try {
      post({ type: 'done', forecasts: await f.forecast(job.series, job.req, { log, signal, onProgress }) });
    } finally {
      f.dispose();
    }
  }
}

/**
 * The native addons a fit may load (koffi for libxgboost and malloc_trim, polars for lag features),
 * loaded before anything else: Node aborts the whole process when a worker is terminated while an
 * addon initialises, and runJobs terminates the other workers as soon as one fails. It waits for
 * 'ready' first, so a termination never lands in an addon's init.
 */
function loadAddons(): void {
  const require = createRequire(import.meta.url);
  for (const name of ['koffi', 'nodejs-polars']) {
    try {
      require(name);
    } catch {
      // missing on this platform: the code that needs it says so
    }
  }
}

const stopper = new AbortController();
parentPort!.on('message', (m: { type?: string }) => { if (m?.type === 'stop') stopper.abort(); });
parentPort!.unref(); // the port alone does not keep this thread alive once its job is done
loadAddons();
post({ type: 'ready' });
main(workerData as Job).catch((e: unknown) => {
  if (e instanceof MlkitError) post({ type: 'error', kind: e.kind, message: e.message, place: e.place, stack: e.stack });
  else post({ type: 'error', kind: 'internal', message: String((e as Error)?.message ?? e), place: {}, stack: (e as Error)?.stack });
});
