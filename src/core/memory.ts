/**
 * polars keeps its tables in native memory that V8's garbage collector does not see, so a dropped
 * DataFrame can hold hundreds of MB until some later collection. Before memory-heavy work (boosting on
 * a large matrix) mlkit asks for a full collection so those finalizers run. `gc` is reached the
 * documented way for code that cannot pass --expose-gc: set the flag, then take `gc` from a new context.
 */
import { createRequire } from 'node:module';
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

let trimFn: (() => void) | null | undefined;

/**
 * Gives the C heap's free pages back to the system (glibc's malloc_trim(0), through koffi; nothing
 * elsewhere). polars frees its tables with free(), but glibc keeps freed memory in its arenas (one per
 * thread that allocated), so after the frames are collected the process still holds them: on a 1M x 22
 * CSV ~350-500 MiB of free heap stayed resident through all of training. Costs a few ms.
 */
export function trimNativeHeap(): void {
  if (trimFn === undefined) {
    trimFn = null;
    if (process.platform === 'linux') {
      try {
        const koffi = createRequire(import.meta.url)('koffi');
        const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
        trimFn = () => void trim(0);
      } catch {
        // not glibc (musl has no malloc_trim and returns memory itself), or koffi missing
      }
    }
  }
  trimFn?.();
}

/** cells (rows x columns) of streamed batches between two collections: about 4 MB of float64 */
const CELLS_PER_COLLECTION = 500_000;
let cellsSinceCollection = 0;

/**
 * A full collection between the batches of a stream, once about CELLS_PER_COLLECTION cells have gone
 * by (so a live stream of single rows is not slowed by a collection per row): the JS wrappers of the
 * polars frames of written batches are unreachable, and only their finalizers free the native tables,
 * which V8 does not count; left to V8's own pace they pile up (predict on 10M rows peaked at 345 MiB,
 * 221 MiB with this; 1M rows 259 MiB, 202 MiB with it, wall time unchanged).
 */
export function collectBatchGarbage(cells: number): void {
  cellsSinceCollection += cells;
  if (cellsSinceCollection < CELLS_PER_COLLECTION) return;
  cellsSinceCollection = 0;
  gc();
}
