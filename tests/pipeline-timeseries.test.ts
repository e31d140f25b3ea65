/**
 * Time-series transformers: lags, rolling, diff, datetime_parts. Expected values from pandas 1.5
 * (hard-coded below; computed with /usr/bin/python3: Series.rolling(...).mean/std/min/max, shift,
 * diff, .dt parts) and from straightforward reference computations; causality; params and errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pl from 'nodejs-polars';
import { DataError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/types.js';
import { parseIso, rollingStats, type RollingStat } from '../src/pipeline/timeseries/index.js';
import { transformerSpec } from './helpers.js';

const ctx = { log: silentLogger, seed: 0 };

function make(name: string, params: Record<string, unknown>) {
  const spec = transformerSpec(name);
  return spec.create(spec.params.parse(params));
}

function run(name: string, params: Record<string, unknown>, frame: pl.DataFrame): pl.DataFrame {
  return make(name, params).fit(frame, ctx).transform(frame);
}

function col(frame: pl.DataFrame, name: string): number[] {
  return [...(frame.getColumn(name).toTypedArray() as Float64Array)];
}

/** equal within a relative tolerance; NaN equals NaN */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rel = 1e-12, what = ''): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      assert.ok(Number.isNaN(w) && Number.isNaN(g), `${what}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= rel * Math.max(1, Math.abs(w)), `${what}[${i}]: got ${g}, want ${w}`);
  }
}

// the series the pandas values below were computed on (NaN = missing)
const X = [3.0, 1.5, -2.0, 4.25, NaN, 7.0, 7.0, 7.0, 7.0, -1.0, 0.5, NaN, NaN, 2.0, 3.5, 1e-3, 10.0, -4.5, 6.0, 6.0];
const PANDAS = {
  mean_w5_m3: [NaN, NaN, 0.8333333333333334, 1.6875, 1.6875, 2.6875, 4.0625, 6.3125, 7.0, 5.4, 4.1, 3.375, 2.1666666666666665, 0.5, 2.0, 1.8336666666666668, 3.8752500000000003, 2.2002, 3.0002000000000004, 3.5002000000000004],
  std_w5_m3: [NaN, NaN, 2.565800719723442, 2.703200263884766, 2.703200263884766, 3.848024384884621, 4.244481711587412, 1.3749999999999998, 0.0, 3.5777087639996634, 4.006245124802026, 4.230346715499018, 4.252450274057691, 1.4999999999999967, 1.4999999999999976, 1.7554202725653265, 4.327422279294376, 5.298480933248698, 5.5563927326998765, 5.722608688351843],
  min_w5_m3: [NaN, NaN, -2.0, -2.0, -2.0, -2.0, -2.0, 4.25, 7.0, -1.0, -1.0, -1.0, -1.0, -1.0, 0.5, 0.001, 0.001, -4.5, -4.5, -4.5],
  max_w5_m3: [NaN, NaN, 3.0, 4.25, 4.25, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 2.0, 3.5, 3.5, 10.0, 10.0, 10.0, 10.0],
  mean_w4: [NaN, NaN, NaN, 1.6875, NaN, NaN, NaN, NaN, 7.0, 5.0, 3.375, NaN, NaN, NaN, NaN, NaN, 3.8752500000000003, 2.2502500000000003, 2.8752500000000003, 4.375],
  std_w4: [NaN, NaN, NaN, 2.703200263884766, NaN, NaN, NaN, NaN, 0.0, 4.0, 4.230346715499018, NaN, NaN, NaN, NaN, NaN, 4.327422279294376, 6.116793842910408, 6.407853274173289, 6.209871174187111],
  min_w4: [NaN, NaN, NaN, -2.0, NaN, NaN, NaN, NaN, 7.0, -1.0, -1.0, NaN, NaN, NaN, NaN, NaN, 0.001, -4.5, -4.5, -4.5],
  max_w4: [NaN, NaN, NaN, 4.25, NaN, NaN, NaN, NaN, 7.0, 7.0, 7.0, NaN, NaN, NaN, NaN, NaN, 10.0, 10.0, 10.0, 10.0],
  std_w2_m1: [NaN, 1.0606601717798212, 2.4748737341529163, 4.419417382415922, NaN, NaN, 0.0, 0.0, 0.0, 5.656854249492381, 1.0606601717798212, NaN, NaN, NaN, 1.0606601717798212, 2.47416662737173, 7.070360705084288, 10.253048327204938, 7.424621202458748, 0.0],
  mean_w1: [3.0, 1.5, -2.0, 4.25, NaN, 7.0, 7.0, 7.0, 7.0, -1.0, 0.5, NaN, NaN, 2.0, 3.5, 0.001, 10.0, -4.5, 6.0, 6.0],
  lag2: [NaN, NaN, 3.0, 1.5, -2.0, 4.25, NaN, 7.0, 7.0, 7.0, 7.0, -1.0, 0.5, NaN, NaN, 2.0, 3.5, 0.001, 10.0, -4.5],
  diff3: [NaN, NaN, NaN, 1.25, NaN, 9.0, 2.75, NaN, 0.0, -8.0, -6.5, NaN, NaN, 1.5, NaN, NaN, 8.0, -8.0, 5.999, -4.0],
};

/** X with NaN as null in one copy, to check that null and NaN inputs are the same */
const frameX = pl.DataFrame([pl.Series('x', X, pl.Float64), pl.Series('xn', X.map((v) => (Number.isNaN(v) ? null : v)), pl.Float64)]);

test('rolling matches pandas (NaN skipped, min_periods, ddof=1 std, exact constant windows)', () => {
  for (const c of ['x', 'xn']) {
    const o = run('rolling', { columns: [c], window: 5, min_periods: 3 }, frameX);
    assert.deepEqual(o.columns, [`${c}_roll5_mean`, `${c}_roll5_std`, `${c}_roll5_min`, `${c}_roll5_max`]);
    assertClose(col(o, `${c}_roll5_mean`), PANDAS.mean_w5_m3, 1e-14, 'mean w5');
    assertClose(col(o, `${c}_roll5_std`), PANDAS.std_w5_m3, 1e-12, 'std w5');
    assert.deepEqual(col(o, `${c}_roll5_min`), PANDAS.min_w5_m3);
    assert.deepEqual(col(o, `${c}_roll5_max`), PANDAS.max_w5_m3);
    const o4 = run('rolling', { columns: [c], window: 4 }, frameX);
    assertClose(col(o4, `${c}_roll4_mean`), PANDAS.mean_w4, 1e-14, 'mean w4');
    assertClose(col(o4, `${c}_roll4_std`), PANDAS.std_w4, 1e-12, 'std w4');
    assert.deepEqual(col(o4, `${c}_roll4_min`), PANDAS.min_w4);
    assert.deepEqual(col(o4, `${c}_roll4_max`), PANDAS.max_w4);
    // exactly 0 and exactly 7 on the window of repeated 7s, as pandas
    assert.equal(col(o4, `${c}_roll4_std`)[8], 0);
    assert.equal(col(o4, `${c}_roll4_mean`)[8], 7);
    const o2 = run('rolling', { columns: [c], window: 2, min_periods: 1, stats: ['std'] }, frameX);
    assert.deepEqual(o2.columns, [`${c}_roll2_std`]);
    assertClose(col(o2, `${c}_roll2_std`), PANDAS.std_w2_m1, 1e-12, 'std w2');
    const o1 = run('rolling', { columns: [c], window: 1, stats: ['mean', 'max'] }, frameX);
    assert.deepEqual(col(o1, `${c}_roll1_mean`), PANDAS.mean_w1);
    assert.deepEqual(col(o1, `${c}_roll1_max`), PANDAS.mean_w1);
  }
});

/** the obvious O(n * window) computation */
function naiveRolling(v: Float64Array, w: number, minp: number): Record<RollingStat, number[]> {
  const r: Record<RollingStat, number[]> = { mean: [], std: [], min: [], max: [] };
  for (let i = 0; i < v.length; i++) {
    const vals: number[] = [];
    for (let j = Math.max(0, i - w + 1); j <= i; j++) if (!Number.isNaN(v[j]!)) vals.push(v[j]!);
    const ok = vals.length >= minp && vals.length > 0;
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    r.mean.push(ok ? mean : NaN);
    r.std.push(ok && vals.length > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1)) : NaN);
    r.min.push(ok ? Math.min(...vals) : NaN);
    r.max.push(ok ? Math.max(...vals) : NaN);
  }
  return r;
}

test('rolling agrees with a straightforward computation on a long series with gaps and a large offset', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const offset of [0, 1e9]) {
    const n = 5000;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rand() < 0.05 ? NaN : offset + Math.sin(i / 10) * 3 + rand() + (i > 2000 && i < 2100 ? 0 : 0);
    for (let i = 3000; i < 3200; i++) v[i] = NaN; // a long gap: windows with no values at all
    for (let i = 4000; i < 4100; i++) v[i] = offset + 1.25; // constant stretch
    for (const [w, minp] of [[50, 30], [7, 7], [200, 1]] as const) {
      const got = rollingStats(v, w, minp, ['mean', 'std', 'min', 'max']);
      const want = naiveRolling(v, w, minp);
      // std of values ~3 around 1e9: the naive two-pass value is itself only good to ~1e-7 relative
      assertClose(got.mean!, want.mean, 1e-12, `mean w${w} offset ${offset}`);
      assertClose(got.std!, want.std, 1e-9, `std w${w} offset ${offset}`);
      assert.deepEqual([...got.min!], want.min);
      assert.deepEqual([...got.max!], want.max);
      for (let i = 4100 - 1; i >= 4000 + w - 1; i--) assert.equal(got.std![i], 0);
    }
  }
});

test('rolling is O(n): 1,000,000 rows, window 10,000, all four stats', () => {
  const n = 1_000_000;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.001) + ((i * 7919) % 101) / 101;
  const t0 = performance.now();
  const r = rollingStats(v, 10_000, 10_000, ['mean', 'std', 'min', 'max']);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  assert.ok(Number.isNaN(r.mean![9998]!) && Number.isFinite(r.mean![9999]!));
});

test('lags and diff match pandas shift / diff', () => {
  for (const c of ['x', 'xn']) {
    const l = run('lags', { columns: [c], lags: [2] }, frameX);
    assert.deepEqual(l.columns, [`${c}_lag2`]);
    assert.deepEqual(col(l, `${c}_lag2`), PANDAS.lag2);
    const d = run('diff', { columns: [c], periods: 3 }, frameX);
    assert.deepEqual(d.columns, [`${c}_diff3`]);
    assertClose(col(d, `${c}_diff3`), PANDAS.diff3, 0, 'diff3');
  }
  const f = pl.DataFrame({ a: pl.Series('a', [1, 2, 3, 4], pl.Int64), b: [true, false, true, true] });
  const l = run('lags', { columns: ['a', 'b'], lags: 3 }, f);
  assert.deepEqual(l.columns, ['a_lag1', 'a_lag2', 'a_lag3', 'b_lag1', 'b_lag2', 'b_lag3']);
  assert.deepEqual(col(l, 'a_lag1'), [NaN, 1, 2, 3]);
  assert.deepEqual(col(l, 'a_lag3'), [NaN, NaN, NaN, 1]);
  assert.deepEqual(col(l, 'b_lag2'), [NaN, NaN, 1, 0]);
  assert.ok(l.dtypes.every((d) => String(d.variant) === 'Float64'));
  // a lag longer than the frame: all NaN
  assert.deepEqual(col(run('lags', { columns: ['a'], lags: [10] }, f), 'a_lag10'), [NaN, NaN, NaN, NaN]);
  const d = run('diff', { columns: ['a'], periods: [1, 2] }, f);
  assert.deepEqual(d.columns, ['a_diff1', 'a_diff2']);
  assert.deepEqual(col(d, 'a_diff1'), [NaN, 1, 1, 1]);
  assert.deepEqual(col(d, 'a_diff2'), [NaN, NaN, 2, 2]);
  assert.deepEqual(make('diff', { columns: ['a'] }).featureNamesOut(), ['a_diff1']);
});

test('causal: changing later rows never changes earlier features', () => {
  const n = 400;
  const base = Array.from({ length: n }, (_, i) => Math.sin(i / 7) * 5 + (i % 11));
  const steps: [string, Record<string, unknown>][] = [
    ['lags', { columns: ['v'], lags: 5 }],
    ['diff', { columns: ['v'], periods: [1, 7] }],
    ['rolling', { columns: ['v'], window: 24, min_periods: 3 }],
    ['rolling', { columns: ['v'], window: 3 }],
  ];
  for (const [name, params] of steps) {
    const a = run(name, params, pl.DataFrame({ v: base }));
    for (const cut of [0, 1, 23, 24, 200, 399]) {
      const changed = base.map((x, i) => (i >= cut ? x * -3 + 1e4 * ((i * 31) % 7) : x));
      const b = run(name, params, pl.DataFrame({ v: changed }));
      const prefix = run(name, params, pl.DataFrame({ v: base.slice(0, cut) }));
      for (const c of a.columns) {
        const ca = col(a, c), cb = col(b, c), cp = col(prefix, c);
        for (let i = 0; i < cut; i++) {
          assert.ok(Object.is(ca[i], cb[i]), `${name} ${c} row ${i} changed when rows >= ${cut} changed`);
          assert.ok(Object.is(ca[i], cp[i]), `${name} ${c} row ${i}: prefix differs`);
        }
      }
    }
  }
});

// pandas: pd.Timestamp(v) (offset dropped: wall time as written) then .dt.<part>, isocalendar().week
const DATES = ['2024-02-29T13:45:10', '2020-12-31 23:59:59', '2021-01-03', '2021-01-04T00:00', '2015-12-31T12:00:00Z', '1999-07-04T06:07:08.5', '2000-03-01', '2024-12-30', '2027-01-01', '1970-01-01', '2010-01-03T10:00:00+05:30'];
const DATE_PARTS: Record<string, number[]> = {
  year: [2024, 2020, 2021, 2021, 2015, 1999, 2000, 2024, 2027, 1970, 2010],
  quarter: [1, 4, 1, 1, 4, 3, 1, 4, 1, 1, 1],
  month: [2, 12, 1, 1, 12, 7, 3, 12, 1, 1, 1],
  day: [29, 31, 3, 4, 31, 4, 1, 30, 1, 1, 3],
  hour: [13, 23, 0, 0, 12, 6, 0, 0, 0, 0, 10],
  minute: [45, 59, 0, 0, 0, 7, 0, 0, 0, 0, 0],
  second: [10, 59, 0, 0, 0, 8, 0, 0, 0, 0, 0],
  weekday: [3, 3, 6, 0, 3, 6, 2, 0, 4, 3, 6],
  dayofyear: [60, 366, 3, 4, 365, 185, 61, 365, 1, 1, 3],
  week: [9, 53, 53, 1, 53, 26, 9, 1, 53, 1, 53],
  is_weekend: [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1],
};
const ALL_PARTS = Object.keys(DATE_PARTS);

test('datetime_parts from ISO-8601 text match pandas; nulls give NaN', () => {
  const f = pl.DataFrame({ ts: pl.Series('ts', [...DATES, null], pl.Utf8) });
  const o = run('datetime_parts', { column: 'ts', parts: ALL_PARTS }, f);
  assert.deepEqual(o.columns, ALL_PARTS.map((p) => `ts_${p}`));
  for (const p of ALL_PARTS) assert.deepEqual(col(o, `ts_${p}`), [...DATE_PARTS[p]!, NaN], p);
  const d = run('datetime_parts', { column: 'ts' }, f);
  assert.deepEqual(d.columns, ['ts_year', 'ts_month', 'ts_day', 'ts_hour', 'ts_weekday']);
});

test('datetime_parts from Date and Datetime columns (polars) agree with the text path', () => {
  // the first four dates without offsets, as polars datetimes
  const dates = DATES.slice(0, 4).map((s) => new Date(`${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z`));
  const f = pl.DataFrame([pl.Series('t', [...dates, null])]);
  assert.match(String(f.dtypes[0]), /Datetime/);
  const o = run('datetime_parts', { column: 't', parts: ALL_PARTS }, f);
  for (const p of ALL_PARTS) assert.deepEqual(col(o, `t_${p}`), [...DATE_PARTS[p]!.slice(0, 4), NaN], p);
  const fd = pl.DataFrame({ d: ['2021-01-03', '2024-12-30'] }).select(pl.col('d').str.strptime(pl.Date, '%Y-%m-%d'));
  assert.equal(String((fd.dtypes[0] as any).variant), 'Date');
  const od = run('datetime_parts', { column: 'd', parts: ['weekday', 'week', 'hour', 'is_weekend', 'quarter'] }, fd);
  assert.deepEqual(col(od, 'd_weekday'), [6, 0]);
  assert.deepEqual(col(od, 'd_week'), [53, 1]);
  assert.deepEqual(col(od, 'd_hour'), [0, 0]);
  assert.deepEqual(col(od, 'd_is_weekend'), [1, 0]);
  assert.deepEqual(col(od, 'd_quarter'), [1, 4]);
});

test('datetime_parts: unparseable text and wrong dtypes are DataErrors naming the column and value', () => {
  const t = make('datetime_parts', { column: 'ts', parts: ['hour'] });
  for (const bad of ['2024-13-01', '2023-02-29', 'yesterday', '2024-01-01T25:00', '01/02/2024', '2024-01-01+02:00']) {
    const f = pl.DataFrame({ ts: ['2024-01-01', bad] });
    t.fit(f, ctx);
    assert.throws(() => t.transform(f), (e: unknown) => e instanceof DataError && e.message.includes('"ts"') && e.message.includes(JSON.stringify(bad)) && /row 2/.test(e.message), bad);
  }
  assert.throws(() => t.fit(pl.DataFrame({ ts: [1, 2] }), ctx), (e: unknown) => e instanceof DataError && /"ts".*not a datetime/.test(e.message));
  assert.throws(() => t.fit(pl.DataFrame({ other: ['2024-01-01'] }), ctx), (e: unknown) => e instanceof DataError && /"ts" is missing/.test(e.message));
  const f = new Int32Array(6);
  assert.equal(parseIso('2024-02-29 07:08', f), true);
  assert.deepEqual([...f], [2024, 2, 29, 7, 8, 0]);
  assert.equal(parseIso('2024-02-29T07:08:09.123456789-0330', f), true);
  assert.deepEqual([...f], [2024, 2, 29, 7, 8, 9]);
});

test('missing and non-numeric columns are DataErrors naming them, at fit and at transform', () => {
  const f = pl.DataFrame({ a: [1, 2, 3], s: ['x', 'y', 'z'] });
  for (const [name, params] of [['lags', { columns: ['a', 'zz'] }], ['diff', { columns: ['zz'] }], ['rolling', { columns: ['zz'], window: 2 }]] as const) {
    assert.throws(() => make(name, params).fit(f, ctx), (e: unknown) => e instanceof DataError && /"zz" is missing/.test(e.message) && e.place.path === 'zz', name);
    const t = make(name, { ...params, columns: ['a'] }).fit(f, ctx);
    assert.throws(() => t.transform(pl.DataFrame({ b: [1] })), (e: unknown) => e instanceof DataError && /"a" is missing/.test(e.message), name);
    assert.throws(() => make(name, { ...params, columns: ['s'] }).fit(f, ctx), (e: unknown) => e instanceof DataError && /"s" is not numeric/.test(e.message), name);
  }
});

test('params: defaults, validation, frozen, unchanged by fit; state round trip', async () => {
  const spec = (n: string) => transformerSpec(n);
  assert.deepEqual(spec('lags').params.parse({ columns: ['a'] }), { columns: ['a'], lags: 1 });
  assert.deepEqual(spec('diff').params.parse({ columns: ['a'] }), { columns: ['a'], periods: 1 });
  assert.deepEqual(spec('rolling').params.parse({ columns: ['a'], window: 3 }), { columns: ['a'], window: 3, stats: ['mean', 'std', 'min', 'max'] });
  const fails = (n: string, p: unknown, path: string) => {
    const r = spec(n).params.safeParse(p);
    assert.equal(r.success, false, `${n} ${JSON.stringify(p)}`);
    assert.ok(r.error!.issues.some((i) => i.path.join('.') === path), `${n} ${JSON.stringify(p)}: ${JSON.stringify(r.error!.issues)}`);
  };
  fails('lags', { columns: ['a'], lags: [1, 1] }, 'lags');
  fails('lags', { columns: ['a'], lags: 0 }, 'lags');
  fails('lags', { columns: [] }, 'columns');
  fails('lags', { columns: ['a', 'a'] }, 'columns');
  fails('lags', { columns: ['a'], lag: 2 }, '');
  fails('diff', { columns: ['a'], periods: -1 }, 'periods');
  fails('rolling', { columns: ['a'], window: 3, min_periods: 4 }, 'min_periods');
  fails('rolling', { columns: ['a'], window: 0 }, 'window');
  fails('rolling', { columns: ['a'], window: 3, stats: ['median'] }, 'stats.0');
  fails('datetime_parts', { column: 'a', parts: ['hours'] }, 'parts.0');

  const frame = pl.DataFrame({ v: Array.from({ length: 50 }, (_, i) => Math.cos(i) * i), ts: Array.from({ length: 50 }, (_, i) => `2024-03-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00`) });
  const cases: [string, Record<string, unknown>][] = [
    ['lags', { columns: ['v'], lags: [1, 3] }],
    ['diff', { columns: ['v'], periods: 2 }],
    ['rolling', { columns: ['v'], window: 6, stats: ['max', 'mean'] }],
    ['datetime_parts', { column: 'ts', parts: ['weekday', 'hour'] }],
  ];
  for (const [name, raw] of cases) {
    const s = spec(name);
    const params = s.params.parse(raw);
    assert.deepEqual(s.params.parse(params), params, `${name}: re-parsing stored params is the identity`);
    const t = s.create(params);
    assert.equal(t.isFitted(), false);
    assert.equal(t.mode, 'append');
    assert.ok(Object.isFrozen(t.params));
    const before = JSON.stringify(t.params);
    t.fit(frame, ctx);
    assert.equal(JSON.stringify(t.params), before, `${name}: fit changed params`);
    const out = t.transform(frame);
    assert.deepEqual(out.columns, t.featureNamesOut());
    assert.equal(out.height, frame.height);
    const r = await s.restore(s.params.parse(JSON.parse(JSON.stringify(t.params))), JSON.parse(JSON.stringify(t.toState())));
    assert.ok(r.isFitted());
    assert.ok(r.transform(frame).frameEqual(out, true), name);
  }
});
