/**
 * Many series on worker threads (src/forecast/parallel.ts): the same states, files and forecasts as on
 * the main thread, one progress tick per series, and errors from a worker keep their kind (exit code).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fitForecaster, forecastSeries, threadCount } from '../src/forecast/parallel.js';
import { MlkitError } from '../src/core/errors.js';
import { addSteps, type Freq } from '../src/core/time.js';
import { gaussian, rng } from '../src/core/random.js';
import type { Logger, SeriesData } from '../src/core/types.js';
import { MemoryBlobs } from '../src/core/component.js';
import { builtinRegistry } from './helpers.js';

const registry = builtinRegistry();
const signal = new AbortController().signal;

const log: Logger = { info() {}, warn() {}, debug() {} };
const MONTHLY: Freq = { unit: 'month', step: 1, anchor: 'start' };

function panel(n: number, len: number): SeriesData[] {
  const r = gaussian(rng(42));
  return Array.from({ length: n }, (_, k) => {
    let level = 100 + 10 * k;
    const y = Float64Array.from({ length: len }, (_, i) => (level += 0.5 * r()) + 5 * Math.sin((2 * Math.PI * i) / 12));
    return { id: `s${String(k).padStart(2, '0')}`, y, exog: [], times: Float64Array.from({ length: len }, (_, i) => addSteps(Date.UTC(2000, 0, 1), MONTHLY, i)) };
  });
}

async function withThreads<T>(n: number, f: () => Promise<T>): Promise<T> {
  const before = process.env.MLKIT_THREADS;
  process.env.MLKIT_THREADS = String(n);
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.MLKIT_THREADS;
    else process.env.MLKIT_THREADS = before;
  }
}

const meta = { season: 12, freq: MONTHLY };
const req = { horizon: 6, level: 0.9 };

for (const [name, params] of [['arima', { p: 1, d: 1, q: 1 }], ['xgboost', { per_series: true, num_round: 10 }]] as const) {
  test(`${name}: 2 worker threads give what the main thread gives, one tick per series`, async () => {
    const series = panel(24, 72);
    assert.equal(await withThreads(2, async () => threadCount(series.length)), 2);
    const run = (threads: number) => withThreads(threads, async () => {
      let ticks = 0;
      const { forecaster, forecasts } = await fitForecaster(registry, { name, params }, series, meta, { log, seed: 0, signal, onProgress: () => { ticks++; } }, req);
      let fticks = 0;
      const again = await forecastSeries(registry, forecaster, {}, series, req, { log, onProgress: () => { fticks++; } });
      const blobs = new MemoryBlobs();
      const state = await forecaster.save(blobs);
      const out = { state: JSON.parse(JSON.stringify(state)), files: blobs.files, forecasts, again, ticks, fticks };
      forecaster.dispose();
      return out;
    });
    const one = await run(1);
    const two = await run(2);
    assert.equal(one.ticks, 24);
    assert.equal(two.ticks, 24);
    assert.equal(two.fticks, 24);
    assert.deepEqual(two.state, one.state);
    assert.deepEqual(Object.keys(two.files), Object.keys(one.files));
    for (const k of Object.keys(one.files)) assert.ok(Buffer.from(two.files[k]!).equals(Buffer.from(one.files[k]!)), k);
    assert.deepEqual(two.forecasts, one.forecasts);
    assert.deepEqual(two.again, one.again);
    assert.deepEqual(one.again.map((f) => f.mean), one.forecasts!.map((f) => f.mean));
  });
}

test('an error in a worker keeps its kind and message', async () => {
  const series = panel(24, 72);
  series[20] = { ...series[20]!, y: series[20]!.y.subarray(0, 30), times: series[20]!.times!.subarray(0, 30) };
  await withThreads(2, async () => {
    await assert.rejects(() => fitForecaster(registry, { name: 'xgboost', params: { per_series: true, num_round: 5 } }, series, meta, { log, seed: 0, signal }), (e: unknown) => {
      assert.ok(e instanceof MlkitError);
      assert.equal(e.kind, 'data');
      assert.match(e.message, /series "s20" has 30 values; xgboost with these lags and differences needs at least 34/);
      return true;
    });
  });
  await withThreads(0 as number, async () => {
    assert.throws(() => threadCount(100), /MLKIT_THREADS must be a positive integer, got "0"/);
  });
});
