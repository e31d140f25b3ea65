/**
 * The arima forecaster against statsmodels (committed goldens: tests/golden/forecast/), its fallbacks
 * on diverging fits, the length cap, models without AR/MA terms, and SARIMAX.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, makeComponent } from './helpers.js';
import type { Forecaster, Logger, SeriesData } from '../src/core/types.js';
import { differencingForecast } from '../src/estimators/arima/differencing.js';
import { gaussian, rng } from '../src/core/random.js';

const GOLD = path.join(ROOT, 'tests', 'golden', 'forecast');
const golden = JSON.parse(readFileSync(path.join(GOLD, 'air_passengers_sarima.json'), 'utf8'));
const air = readFileSync(path.join(GOLD, 'air_passengers.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
const train = Float64Array.from(air.slice(0, 132));
const actual: number[] = golden.actual;

function collectLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (m: string) => { warnings.push(m); } };
}

function make(params: Record<string, unknown>): Promise<Forecaster> {
  return makeComponent<Forecaster>('forecaster', 'arima', params);
}

async function fitForecast(params: Record<string, unknown>, y: Float64Array, h: number, opts: { season?: number; exog?: Float64Array[]; futureExog?: Float64Array[]; level?: number } = {}) {
  const log = collectLog();
  const f = await make(params);
  const s: SeriesData = { id: '', y, exog: opts.exog ?? [] };
  await f.fit([s], { log, seed: 0, signal: new AbortController().signal }, { season: opts.season ?? 12 });
  const [out] = await f.forecast([s], { horizon: h, level: opts.level ?? 0.9, futureExog: opts.futureExog ? [opts.futureExog] : undefined }, { log });
  return { out: out!, log, f };
}

const mape = (f: ArrayLike<number>) => (100 * actual.reduce((a, y, i) => a + Math.abs(y - f[i]!) / y, 0)) / actual.length;
const SARIMA = { p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 };

test('AirPassengers (0,1,1)(0,1,1,12), raw: matches statsmodels SARIMAX (forecasts and 90%/95% intervals); MAPE <= 4%', async () => {
  const g = golden.sarima.raw;
  const { out } = await fitForecast(SARIMA, train, 12);
  const level = actual.reduce((a, b) => a + b, 0) / actual.length;
  const meanAbsDiff = g.mean.reduce((a: number, m: number, i: number) => a + Math.abs(m - out.mean[i]!), 0) / 12;
  // the bar is 0.5% of the series level on average; the arima package lands far inside it
  assert.ok(meanAbsDiff / level < 0.0005, `mean |mlkit - statsmodels| = ${meanAbsDiff} (${(100 * meanAbsDiff / level).toFixed(5)}% of the level)`);
  for (let i = 0; i < 12; i++) {
    assert.ok(Math.abs(out.lower![i]! - g.intervals['0.9'].lower[i]) / g.se[i] < 0.01, `lower ${i}`);
    assert.ok(Math.abs(out.upper![i]! - g.intervals['0.9'].upper[i]) / g.se[i] < 0.01, `upper ${i}`);
  }
  const { out: out95 } = await fitForecast(SARIMA, train, 12, { level: 0.95 });
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(out95.lower![i]! - g.intervals['0.95'].lower[i]) / g.se[i] < 0.01);
  const m = mape(out.mean);
  assert.ok(m <= 4, `MAPE ${m}`);
  assert.ok(Math.abs(m - g.mape) < 0.01, `MAPE ${m} vs statsmodels ${g.mape}`);
});

test('AirPassengers (0,1,1)(0,1,1,12), log: matches statsmodels on the log scale; MAPE of exp(forecast) <= 3%', async () => {
  const g = golden.sarima.log;
  const { out } = await fitForecast(SARIMA, train.map(Math.log), 12);
  const exp = out.mean.map(Math.exp);
  const level = actual.reduce((a, b) => a + b, 0) / actual.length;
  const meanAbsDiff = g.mean_exp.reduce((a: number, m: number, i: number) => a + Math.abs(m - exp[i]!), 0) / 12;
  assert.ok(meanAbsDiff / level < 0.0005, `${(100 * meanAbsDiff / level).toFixed(5)}% of the level`);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(out.lower![i]! - g.intervals['0.9'].lower[i]) / g.se[i] < 0.01, `lower ${i}`);
  const m = mape(exp);
  assert.ok(m <= 3, `MAPE ${m}`);
});

test('AutoARIMA on log AirPassengers: reports its choice and MAPE', async (t) => {
  const { out, f } = await fitForecast({ auto: true }, train.map(Math.log), 12);
  const m = mape(out.mean.map(Math.exp));
  t.diagnostic(`AutoARIMA (exact, stepwise) on log AirPassengers: ${f.describe().join('; ')}; MAPE ${m.toFixed(2)}%`);
  assert.match(f.describe()[0]!, /AutoARIMA chose ARIMA\(\d,\d,\d\)/);
  assert.ok(m < 5, `MAPE ${m}`);
});

test('diverging fits fall back (with a warning) and never return exploding forecasts', async () => {
  const rand = rng(20240601);
  const g = gaussian(rand);
  let fellBack = 0;
  for (let k = 0; k < 40; k++) {
    const y = new Float64Array(200);
    for (let i = 1; i < 200; i++) y[i] = y[i - 1]! + g();
    const { out, log } = await fitForecast({ p: 2, d: 1, q: 2 }, y, 24, { season: 1 });
    if (log.warnings.length) fellBack++;
    let lo = Infinity, hi = -Infinity;
    for (const v of y) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    for (let h = 0; h < 24; h++) {
      assert.ok(Number.isFinite(out.mean[h]!) && Math.abs(out.mean[h]! - y[199]!) < 10 * (hi - lo) * 2, `series ${k}: forecast ${out.mean[h]} at h=${h + 1}`);
      assert.ok(out.upper![h]! > out.lower![h]!);
    }
  }
  // about 9% of ARIMA(2,1,2) fits on random walks diverge in the package (measured): the path is exercised
  assert.ok(fellBack >= 1, `no fit fell back in 40 random walks`);
});

test('models without AR/MA terms are computed by mlkit (the package returns garbage for them)', async () => {
  const y = Float64Array.from([1, 3, 2, 5, 4, 6, 8, 7]);
  // (0,1,0): the last value; variance sigma^2 h with sigma^2 the mean squared difference
  const rw = differencingForecast(y, 1, 0, 0, 3);
  assert.deepEqual([...rw.mean], [7, 7, 7]);
  const d = [2, -1, 3, -1, 2, 2, -1];
  const s2 = d.reduce((a, v) => a + v * v, 0) / d.length;
  assert.ok(Math.abs(rw.variance[2]! - 3 * s2) < 1e-12);
  // (0,0,0): the mean
  assert.deepEqual([...differencingForecast(y, 0, 0, 0, 2).mean], [4.5, 4.5]);
  // (0,1,0)(0,1,0)[2]: y_t = y_{t-1} + y_{t-2} - y_{t-3}
  const sd = differencingForecast(y, 1, 1, 2, 2);
  assert.equal(sd.mean[0], 7 + 8 - 6);
  assert.equal(sd.mean[1], sd.mean[0]! + 7 - 8);
  // through the forecaster: a fixed (0,1,0) is the naive forecast
  const { out } = await fitForecast({ p: 0, d: 1, q: 0 }, Float64Array.from(air.slice(0, 40)), 3, { season: 1 });
  assert.deepEqual([...out.mean], [air[39], air[39], air[39]]);
});

test('series longer than the package can take are fitted on their most recent points, with a warning', async () => {
  const rand = rng(7);
  const g = gaussian(rand);
  const y = new Float64Array(9000);
  for (let i = 1; i < y.length; i++) y[i] = 0.6 * y[i - 1]! + g();
  const { out, log } = await fitForecast({ p: 1, d: 0, q: 0 }, y, 5, { season: 1 });
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0]!, /9000 points; the arima package fits at most 7936 values .*fitting the most recent 7936/);
  assert.ok(out.mean.every(Number.isFinite));
  // a shorter max_length is honoured
  const short = await fitForecast({ p: 1, d: 0, q: 0, max_length: 500 }, y, 5, { season: 1 });
  assert.match(short.log.warnings[0]!, /fitting the most recent 500/);
});

test('SARIMAX: an exogenous column drives the forecast', async () => {
  const rand = rng(11);
  const g = gaussian(rand);
  const n = 150;
  const x = Float64Array.from({ length: n }, () => rand() * 4);
  const y = Float64Array.from(x, (v, i) => 10 + 3 * v + 0.1 * g() + 0 * i);
  const fx = Float64Array.from([0, 1, 2, 3]);
  const { out } = await fitForecast({ p: 1, d: 0, q: 0 }, y, 4, { season: 1, exog: [x], futureExog: [fx] });
  for (let h = 0; h < 4; h++) assert.ok(Math.abs(out.mean[h]! - (10 + 3 * fx[h]!)) < 0.3, `h=${h + 1}: ${out.mean[h]}`);
});

test('the package prints nothing on stdout', async () => {
  // a fit known to make ctsa print warnings when verbose is off still leaves stdout alone: the test
  // runner would show stray output as a failure to parse TAP; here we check the write directly
  const writes: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  // text only: the fits yield to the event loop between series, and the test runner's own messages to
  // its parent (serialized Buffers on stdout) may go out meanwhile; the package prints text (console.log)
  (process.stdout as any).write = (c: unknown, ...rest: unknown[]) => { if (typeof c === 'string') writes.push(c); return (orig as any)(c, ...rest); };
  try {
    const rand = rng(3);
    for (let k = 0; k < 10; k++) {
      const y = Float64Array.from({ length: 60 }, () => rand());
      await fitForecast({ p: 2, d: 1, q: 2 }, y, 6, { season: 1 });
    }
  } finally {
    (process.stdout as any).write = orig;
  }
  assert.deepEqual(writes, []);
});

test('AutoARIMA with drift: the package predicts without it, mlkit refits the chosen order with the drift regressor', async () => {
  // log AirPassengers 1949-1955 (84 months): AutoARIMA picks (2,0,0)(0,1,1)[12] with drift; without the
  // drift the 1956 forecast is ~23% off (MAPE), with it ~1.6%
  const y = Float64Array.from(air.slice(0, 84).map(Math.log));
  const { out, f } = await fitForecast({ auto: true }, y, 12);
  assert.match(f.describe()[0]!, /with drift/);
  const act = air.slice(84, 96);
  const m = (100 * act.reduce((a, v, i) => a + Math.abs(v - Math.exp(out.mean[i]!)) / v, 0)) / 12;
  assert.ok(m < 3, `MAPE ${m}`);
});
