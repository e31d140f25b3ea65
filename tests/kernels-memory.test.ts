/**
 * The kernels' memory (src/kernels/index.ts): blocks are handed out first-fit, freed blocks are reused
 * and merged, the memory grows to what a call needs, and a call beyond WebAssembly's 4 GiB is a usage
 * error saying what to do (not a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/core/errors.js';
import { kernels } from '../src/kernels/index.js';

test('kernel memory: blocks reused and merged, the memory grown as needed, 4 GiB a clear error', () => {
  const k = kernels()!;
  const h = k.heap;
  const base = h.inUse();
  const a = h.alloc(1000), b = h.alloc(3000);
  assert.equal(a % 16, 0);
  assert.ok(b >= a + 1000);
  h.release(a, 1000);
  // a smaller block fits where the freed one was
  assert.equal(h.alloc(500), a);
  h.release(a, 500);
  h.release(b, 3000);
  assert.equal(h.inUse(), base, 'every block given back');
  // merged: one block as large as both fits at the first one's place
  const big = h.alloc(4000);
  assert.equal(big, a);
  // growing: a block larger than the memory so far
  const before = k.exports.memory.buffer.byteLength;
  const huge = h.alloc(before + (1 << 20));
  assert.ok(k.exports.memory.buffer.byteLength >= huge + before + (1 << 20));
  h.release(huge, before + (1 << 20));
  h.release(big, 4000);
  assert.equal(h.inUse(), base);
  assert.throws(() => h.alloc(5 * 1024 ** 3), (e: unknown) => e instanceof UsageError && /beyond WebAssembly's 4 GiB: use a smaller batch_size or window/.test((e as Error).message));
});
