/**
 * The predictive detector's ARIMA recursion (src/detect/predictive/arima.ts) against the arima package's
 * own forecast: after running the recursion over a fitted series, its prediction of the next value must
 * equal the package's one-step forecast from the end of that series. And a stream cut into batches gives
 * the same errors as one pass.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { fitArima, historyOf, nextValue, oneStepErrors, recursionOf } from '../src/detect/predictive/arima.js';
import { create } from '../src/estimators/arima/index.js';
import { arimaParamsSchema } from '../src/estimators/arima/spec.js';
import { gaussian, rng } from '../src/core/random.js';
import type { Logger } from '../src/core/types.js';

const log: Logger = { info() {}, warn() {}, debug() {} };
const air = Float64Array.from(readFileSync(path.join(ROOT, 'tests', 'golden', 'forecast', 'air_passengers.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Math.log(Number(l.split(',')[1]))));

function simulated(n: number, seed: number): Float64Array {
  const g = gaussian(rng(seed));
  const y = new Float64Array(n);
  let x1 = 0, e1 = 0;
  for (let t = 0; t < n; t++) {
    const e = g();
    const x = 0.6 * x1 + e + 0.3 * e1;
    y[t] = 10 + 0.01 * t + 2 * Math.sin((2 * Math.PI * t) / 12) + x;
    x1 = x; e1 = e;
  }
  return y;
}

async function packageForecast(y: Float64Array, params: Record<string, unknown>): Promise<number> {
  const f = create(arimaParamsSchema.parse(params));
  await f.fit([{ id: '', y, exog: [] }], { log, signal: new AbortController().signal, seed: 0 }, { season: 1 });
  const [out] = await f.forecast([{ id: '', y, exog: [] }], { horizon: 1, level: 0.9 }, { log });
  return out!.mean[0]!;
}

const CASES: [string, Float64Array, Record<string, unknown>][] = [
  ['ARMA(1,1) with a mean', simulated(600, 1).map((v, t) => v - 0.01 * t - 2 * Math.sin((2 * Math.PI * t) / 12)), { p: 1, d: 0, q: 1 }],
  ['ARIMA(2,1,1)', simulated(2000, 2), { p: 2, d: 1, q: 1 }],
  ['ARIMA(0,1,2)', simulated(2000, 3), { p: 0, d: 1, q: 2 }],
  ['seasonal AR (1,0,0)(1,0,0)[12]', simulated(600, 4), { p: 1, d: 0, q: 0, P: 1, D: 0, Q: 0, s: 12 }],
  ['(1,0,1)(0,1,1)[12]', simulated(2000, 5), { p: 1, d: 0, q: 1, P: 0, D: 1, Q: 1, s: 12 }],
  ['differencing only (0,1,0)', simulated(300, 6), { p: 0, d: 1, q: 0 }],
];

for (const [name, y, params] of CASES) {
  test(`arima recursion = the package's one-step forecast: ${name}`, async () => {
    const fitted = await fitArima(y, params, 'v', { log });
    const r = recursionOf(fitted);
    const e = new Float64Array(r.ma.length);
    const errors = oneStepErrors(r, y, historyOf(r), e);
    assert.ok(errors.every(Number.isFinite));
    const mine = nextValue(r, y, e);
    const theirs = await packageForecast(y, params);
    assert.ok(Math.abs(mine - theirs) <= 1e-9 * Math.max(1, Math.abs(theirs)), `${fitted.describe}: recursion ${mine} vs package ${theirs}`);
  });
}

test('arima recursion on a short series (144 months of log air passengers, the airline model): within the start-up of the innovations', async () => {
  // the package's forecast starts from the exact innovations; the recursion's start from 0 has not fully
  // decayed after 12 seasons (seasonal MA about -0.6): the predictions differ by about 1e-5 of the level
  const params = { p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 };
  const r = recursionOf(await fitArima(air, params, 'v', { log }));
  const e = new Float64Array(r.ma.length);
  oneStepErrors(r, air, historyOf(r), e);
  const mine = nextValue(r, air, e), theirs = await packageForecast(air, params);
  assert.ok(Math.abs(mine - theirs) < 1e-3 * Math.abs(theirs), `${mine} vs ${theirs}`);
});

test('arima recursion: a stream cut into batches gives the errors of one pass', async () => {
  const y = simulated(400, 7);
  const r = recursionOf(await fitArima(y.subarray(0, 300), { p: 1, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 }, 'v', { log }));
  const first = historyOf(r);
  const whole = oneStepErrors(r, y, first, new Float64Array(r.ma.length));
  const e = new Float64Array(r.ma.length);
  const parts: number[] = [];
  let hist = y.subarray(0, first);
  for (let at = first; at < y.length;) {
    const n = Math.min(1 + (at % 37), y.length - at);
    const v = new Float64Array(hist.length + n);
    v.set(hist);
    v.set(y.subarray(at, at + n), hist.length);
    parts.push(...oneStepErrors(r, v, hist.length, e));
    hist = v.slice(v.length - first);
    at += n;
  }
  assert.deepEqual(parts, Array.from(whole));
});

test('arima recursion: a drift (AutoARIMA) is the mean of the differenced series', () => {
  const r = recursionOf({ order: [0, 1, 0, 0, 0, 0, 0], coefficients: { ar: [], ma: [], sar: [], sma: [], exog: [0.5], mean: 0 }, drift: true, describe: 'ARIMA(0,1,0) with drift' });
  const v = Float64Array.from({ length: 10 }, (_, t) => 3 + 0.5 * t);
  const err = oneStepErrors(r, v, historyOf(r), new Float64Array(0));
  assert.ok(err.every((x) => Math.abs(x) < 1e-12));
});

test('arima: bad params are a config error naming model.params', async () => {
  await assert.rejects(fitArima(air, { p: 'one' }, 'v', { log }), (e: Error) => /model\.params\.p/.test(e.message));
});

test('arima: a series too short for the order names the channel', async () => {
  await assert.rejects(fitArima(air.subarray(0, 12), { p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 }, 'temp', { log }), (e: Error) => /^channel "temp": .*needs at least/.test(e.message));
});
