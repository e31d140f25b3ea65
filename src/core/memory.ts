/**
 * polars keeps its tables in native memory that V8's garbage collector does not see, so a dropped
 * DataFrame can hold hundreds of MB until some later collection. Before memory-heavy work (boosting on
 * a large matrix) mlkit asks for a full collection so those finalizers run. `gc` is reached the
 * documented way for code that cannot pass --expose-gc: set the flag, then take `gc` from a new context.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { yieldToLoop } from './loop.js';

let gcFn: (() => void) | undefined;

function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose_gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

export async function releaseNativeMemory(): Promise<void> {
  gc();
  // napi finalizers may run after the collection, on the next turn of the event loop
  await yieldToLoop();
  gc();
}

/**
 * A full collection between the batches of a stream (a few ms with the small heap of a streaming
 * command): the JS wrappers of the polars frames of the batch just written are unreachable, and only
 * their finalizers free the native tables, which V8 does not count; left to V8's own pace they pile up
 * (predict on 10M rows peaked at 345 MiB, 218 MiB with this; 1M rows 233-259 MiB, 202-206 MiB with it,
 * wall time unchanged).
 */
export function collectBatchGarbage(): void {
  gc();
}
