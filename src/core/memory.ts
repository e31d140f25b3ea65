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

export async function releaseNativeMemory(): Promise<void> {
  if (!gcFn) {
    v8.setFlagsFromString('--expose_gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  // napi finalizers may run after the collection, on the next turn of the event loop
  await yieldToLoop();
  gcFn();
}
