import test from 'node:test';
import assert from 'node:assert/strict';
import { addSteps, formatTime, inferFreq, parseFreq, parseTimes, seasonLength, stepsBetween, TimeParseError } from '../src/core/time.js';
import { normalQuantile, intervalZ } from '../src/core/stats.js';
import { fillValues } from '../src/forecast/series.js';
import { forecastMetrics, maseScale } from '../src/metrics/forecast.js';

const utc = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);

test('parseTimes: dates, date-times, year-months, numbers, and their styles', () => {
  const d = parseTimes(['2024-01-31', '2024-02-29']);
  assert.deepEqual([...d.values], [utc('2024-01-31'), utc('2024-02-29')]);
  assert.equal(d.style.kind, 'date');
  const dt = parseTimes(['2024-01-01T00:00:00Z', '2024-01-01T01:30:00Z']);
  assert.deepEqual(dt.style, { kind: 'datetime', sep: 'T', seconds: true, millis: false, zone: true });
  assert.equal(formatTime(dt.values[1]!, dt.style), '2024-01-01T01:30:00Z');
  const sp = parseTimes(['2024-01-01 23:00', '2024-01-02 00:00']);
  assert.equal(formatTime(addSteps(sp.values[1]!, { unit: 'ms', step: 3_600_000 }, 1), sp.style), '2024-01-02 01:00');
  // an offset is converted to UTC
  assert.equal(parseTimes(['2024-01-01T02:00:00+02:00']).values[0], utc('2024-01-01T00:00:00Z'));
  assert.equal(parseTimes(['1949-01']).style.kind, 'month');
  const num = parseTimes([1949, 1949.08333333333]);
  assert.equal(num.style.kind, 'number');
  assert.equal(formatTime(3, { kind: 'number', decimals: 0 }), '3');
});

test('parseTimes: bad values name the row', () => {
  assert.throws(() => parseTimes(['2024-01-01', '2024-02-30']), (e: unknown) => e instanceof TimeParseError && e.row === 1 && /calendar/.test(e.message));
  assert.throws(() => parseTimes(['2024-01-01', 'yesterday']), (e: unknown) => e instanceof TimeParseError && e.row === 1 && /ISO-8601/.test(e.message));
  assert.throws(() => parseTimes(['2024-01-01', null]), (e: unknown) => e instanceof TimeParseError && e.row === 1 && /empty/.test(e.message));
  assert.throws(() => parseTimes(['2024-01-01', '2024-01-02 10:00']), (e: unknown) => e instanceof TimeParseError && /differently/.test(e.message));
});

test('inferFreq: months (start and end anchored), quarters, years, hours, numbers; gaps do not change the frequency', () => {
  const months = ['1949-01-01', '1949-02-01', '1949-03-01', '1949-05-01'].map(utc);
  assert.deepEqual(inferFreq(months, 'time'), { unit: 'month', step: 1, anchor: 'start' });
  const ends = ['2023-11-30', '2023-12-31', '2024-01-31', '2024-02-29'].map(utc);
  const fe = inferFreq(ends, 'time')!;
  assert.deepEqual(fe, { unit: 'month', step: 1, anchor: 'end' });
  assert.equal(formatTime(addSteps(ends[3]!, fe, 1), { kind: 'date' }), '2024-03-31');
  assert.equal(formatTime(addSteps(ends[3]!, fe, 2), { kind: 'date' }), '2024-04-30');
  assert.deepEqual(inferFreq(['1960-01-01', '1960-04-01', '1960-07-01'].map(utc), 'time'), { unit: 'month', step: 3, anchor: 'start' });
  assert.deepEqual(inferFreq(['1871-01-01', '1872-01-01'].map(utc), 'time'), { unit: 'month', step: 12, anchor: 'start' });
  assert.deepEqual(inferFreq([0, 3_600_000, 7_200_000, 14_400_000], 'time'), { unit: 'ms', step: 3_600_000 });
  // R's fractional years (monthly): the step is 1/12 despite rounding in the file
  const r = inferFreq([1949, 1949.08333333333, 1949.16666666667, 1949.25], 'number')!;
  assert.equal(r.unit, 'number');
  assert.ok(Math.abs(r.step - 1 / 12) < 1e-12);
  assert.equal(stepsBetween(1949.16666666667, 1949.25, r), 1);
  assert.equal(seasonLength({ unit: 'month', step: 1, anchor: 'start' }), 12);
  assert.equal(seasonLength({ unit: 'month', step: 3, anchor: 'start' }), 4);
  assert.equal(seasonLength({ unit: 'ms', step: 3_600_000 }), 24);
});

test('parseFreq and stepsBetween: aliases with multiples; a timestamp off the grid is NaN', () => {
  assert.deepEqual(parseFreq('15min'), { unit: 'ms', step: 900_000 });
  assert.deepEqual(parseFreq('MS'), { unit: 'month', step: 1, anchor: 'start' });
  assert.deepEqual(parseFreq('QS'), { unit: 'month', step: 3, anchor: 'start' });
  assert.deepEqual(parseFreq(0.5), { unit: 'number', step: 0.5 });
  assert.equal(parseFreq('fortnightly'), undefined);
  const h = parseFreq('h')!;
  assert.equal(stepsBetween(0, 3 * 3_600_000, h), 3);
  assert.ok(Number.isNaN(stepsBetween(0, 90 * 60_000, h)));
  const ms = parseFreq('MS')!;
  assert.equal(stepsBetween(utc('1959-12-01'), utc('1960-03-01'), ms), 3);
  assert.ok(Number.isNaN(stepsBetween(utc('1959-12-01'), utc('1960-03-02'), ms)));
});

test('fillValues: ffill, linear (ends take the nearest), zero', () => {
  const never = (): never => { throw new Error('leading'); };
  const a = [1, NaN, NaN, 4];
  fillValues(a, 'linear', never);
  assert.deepEqual(a, [1, 2, 3, 4]);
  const b = [NaN, 2, NaN];
  fillValues(b, 'linear', never);
  assert.deepEqual(b, [2, 2, 2]);
  const c = [1, NaN, 3];
  fillValues(c, 'ffill', never);
  assert.deepEqual(c, [1, 1, 3]);
  assert.throws(() => fillValues([NaN, 1], 'ffill', never), /leading/);
  const z = [NaN, 1];
  fillValues(z, 'zero', never);
  assert.deepEqual(z, [0, 1]);
});

test('normal quantiles and forecast metrics', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-8);
  assert.ok(Math.abs(intervalZ(0.9) - 1.6448536269514722) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306167813) < 1e-7);
  assert.equal(normalQuantile(0.5), 0);
  // seasonal differences |3-1|, |4-2| -> scale 2
  assert.equal(maseScale([1, 2, 3, 4], 2), 2);
  const m = forecastMetrics({ actual: [10, 20], forecast: [12, 20], lower: [9, 21], upper: [13, 25], scale: [2, 2] });
  assert.equal(m.mae, 1);
  assert.equal(m.rmse, Math.sqrt(2));
  assert.equal(m.mape, 0.1);
  assert.equal(m.smape, (4 / 22) / 2);
  assert.equal(m.mase, 0.5);
  assert.equal(m.coverage, 0.5);
});

test('conformal intervals: the ceil((n + 1) level)-th smallest absolute backtest error per step', async () => {
  const { conformal } = await import('../src/tasks/forecast.js');
  const f = { mean: Float64Array.from([10, 20, 30]) };
  // step 1: 9 errors 1..9, level 0.8 -> ceil(10 * 0.8) = 8th smallest = 8; step 2: 4 errors -> ceil(5 * 0.8) = 4th = 40
  const r = conformal(f, [[9, 1, 8, 2, 7, 3, 6, 4, 5], [10, 40, 20, 30]], 0.8);
  assert.deepEqual([...r.lower!], [2, -20, -10]);
  assert.deepEqual([...r.upper!], [18, 60, 70]);
  // too few errors for the level: an unbounded interval, not a falsely narrow one
  const w = conformal(f, [[1, 2]], 0.9);
  assert.equal(w.upper![0], Infinity);
});

test('parseIsoDateTime: ISO 8601 only, a day the month has; never a locale reading', async () => {
  const { parseIsoDateTime } = await import('../src/core/time.js');
  assert.equal(parseIsoDateTime('2024-03-04 10:00'), Date.UTC(2024, 2, 4, 10));
  assert.equal(parseIsoDateTime('2024-03-04T10:00:00.5+01:00'), Date.UTC(2024, 2, 4, 9, 0, 0, 500));
  assert.equal(parseIsoDateTime('2024-02-29'), Date.UTC(2024, 1, 29));
  for (const bad of ['04.03.2024 11:20', '03/04/2024', '2024-02-30', '2023-02-29', '2024-04-31 10:00', '2024-03-04 24:00', 'March 4, 2024', '2024-03', '']) {
    assert.ok(Number.isNaN(parseIsoDateTime(bad)), bad);
  }
});
