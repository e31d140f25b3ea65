import { isMainThread } from 'node:worker_threads';

/**
 * OpenMP wait policy. mlkit calls libxgboost one boosting round at a time (to yield to the event loop,
 * report progress and stop on Ctrl-C), and between those calls libgomp's idle worker threads spin on a
 * core before they sleep (OMP_WAIT_POLICY unset: a spin count, then a futex; `active`: spin only). On
 * a busy machine the spinning threads compete with the thread that has the work: with a busy-looping
 * process on each of 2 cores, a global xgboost forecaster (1,000 monthly series, 2 fits x 100 rounds of
 * ~10 ms) took 18-38 s with libgomp's default, 6-9 s with nthread 1 and 7-9 s with `passive`
 * (bench/xgboost-contention.ts). On an idle machine `passive` costs ~3% (threads also sleep and wake
 * within a round), measured on that forecaster and on 200k x 20 tabular training.
 * No nthread by data size: with `passive` the default stays within 1.2x of nthread 1 under contention,
 * and on an idle machine 2 threads train that forecaster 10-20% faster than 1.
 *
 * libgomp reads the variable once, in its constructor, when the library is loaded (LLVM's libomp, on
 * macOS, at its first parallel region), so it is set here before koffi.load(), only when the user has
 * not set it (OMP_WAIT_POLICY=active brings libgomp's spinning back), and left set (child processes
 * inherit it). A process.env assignment reaches the C environment (setenv) on the main thread only (in
 * a worker thread process.env is a copy), so the xgboost implementations also call this when they load
 * on the main thread (index.ts), before a per_series forecaster's worker threads load the library. It
 * has no effect when libgomp was already loaded by something else.
 */
export function preferPassiveOpenMP(): void {
  if (isMainThread && process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
}
