/**
 * A tree-prediction worker thread (see trees-pool.ts): holds one packed ensemble and predicts the row
 * blocks it is sent, with the tree kernel, replying with the results (transferred). It never prints.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { kernels } from './index.js';
import { TreeEnsemble, type TreePack } from './trees.js';
import type { TreeJob, TreeReply } from './trees-pool.js';

const post = (m: TreeReply, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer);
let ens: TreeEnsemble | null = null;
try {
  const k = kernels();
  if (!k) throw new Error('the kernels are off or do not load in a worker thread');
  ens = new TreeEnsemble(k, workerData as TreePack);
} catch (e) {
  post({ id: -1, error: String((e as Error)?.message ?? e) });
}
parentPort!.on('message', (job: TreeJob) => {
  try {
    if (!ens) throw new Error('no model');
    const out = ens.predict(job.x, job.rows, job.cols, job.rounds);
    // the rows go back too: this thread allocates almost nothing, so it would collect (and free) the
    // batches it was sent only rarely; the main thread's collections between batches free them at once
    post({ id: job.id, out, x: job.x }, [out.buffer as ArrayBuffer, job.x.buffer as ArrayBuffer]);
  } catch (e) {
    post({ id: job.id, error: String((e as Error)?.message ?? e) });
  }
});
