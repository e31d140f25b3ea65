/**
 * The `fft` transformer: golden values from numpy.fft.rfft (tests/golden/fft/gen_fft.py), the hop
 * grid and causality, NaN handling, params validation, state round trip.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import pl from 'nodejs-polars';
import { DataError } from '../src/core/errors.js';
import { bandEdges, fftFeatures, fftOptions, fftParamsSchema, fftWindowFeatures, impl, periodicHann, type FftFeatures } from '../src/pipeline/fft/index.js';
import { silentLogger } from '../src/core/types.js';
import { transformerSpec } from './helpers.js';

const GOLDEN = new URL('../../tests/golden/fft/', import.meta.url);
const ctx = { log: silentLogger, seed: 0 };

function make(params: Record<string, unknown>): FftFeatures {
  return impl.create(fftParamsSchema.parse(params), undefined);
}

function readSignal(): (number | null)[] {
  const lines = readFileSync(new URL('signal.csv', GOLDEN), 'utf8').split('\n');
  assert.equal(lines[0], 'value');
  return lines.slice(1, lines.length - 1).map((l) => (l === '' ? null : Number(l)));
}

function readExpected(name: string): { header: string[]; rows: number[][] } {
  const lines = readFileSync(new URL(`expected_${name}.csv`, GOLDEN), 'utf8').trim().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

/** numbers equal within tol (NaN equals NaN) */
function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tol;
}

const CONFIGS: Record<string, { window: number; hop: number; bins: number; window_fn: 'hann' | 'none'; bands: number }> = {
  w64_h8_hann: { window: 64, hop: 8, bins: 16, window_fn: 'hann', bands: 4 },
  w256_h32_none: { window: 256, hop: 32, bins: 16, window_fn: 'none', bands: 5 },
  w16_h1_hann: { window: 16, hop: 1, bins: 9, window_fn: 'hann', bands: 3 },
  w4_h3_none: { window: 4, hop: 3, bins: 3, window_fn: 'none', bands: 3 },
};

test('fft features match numpy.fft.rfft on the committed fixture (magnitudes within 1e-9)', () => {
  const signal = readSignal();
  assert.equal(signal.length, 2000);
  assert.equal(signal.filter((v) => v === null).length, 1);
  const frame = pl.DataFrame([pl.Series('value', signal, pl.Float64)]);
  for (const [name, p] of Object.entries(CONFIGS)) {
    const t = make({ column: 'value', ...p }).fit(frame, ctx);
    const out = t.transform(frame);
    const { header, rows } = readExpected(name);
    const names = header.slice(1).map((h) => `value_${h}`);
    assert.deepEqual(out.columns, names, name);
    assert.deepEqual(t.featureNamesOut(), names, name);
    assert.equal(out.height, 2000);
    const cols = names.map((c) => out.getColumn(c).toTypedArray() as Float64Array);
    for (const c of cols) assert.ok(c instanceof Float64Array);
    // the expected windows end at rows window-1, window-1+hop, ...
    assert.deepEqual(rows.map((r) => r[0]), Array.from({ length: rows.length }, (_, w) => p.window - 1 + w * p.hop), name);
    let maxMagErr = 0;
    let maxEnergyRelErr = 0;
    let nanWindows = 0;
    for (let i = 0; i < 2000; i++) {
      // the most recent window ending at or before row i
      const w = i < p.window - 1 ? -1 : Math.floor((i - (p.window - 1)) / p.hop);
      for (let j = 0; j < names.length; j++) {
        const got = cols[j]![i]!;
        if (w < 0) {
          assert.ok(Number.isNaN(got), `${name} row ${i}: expected NaN before the first window`);
          continue;
        }
        const want = rows[w]![j + 1]!;
        const h = header[j + 1]!;
        if (h === 'dom_freq') assert.ok(close(got, want, 0), `${name} row ${i} ${h}: ${got} vs ${want}`);
        else if (h.startsWith('bin')) {
          assert.ok(close(got, want, 1e-9), `${name} row ${i} ${h}: ${got} vs ${want}`);
          if (!Number.isNaN(want)) maxMagErr = Math.max(maxMagErr, Math.abs(got - want));
        } else {
          assert.ok(close(got, want, 1e-9 * Math.max(1, Math.abs(want))), `${name} row ${i} ${h}: ${got} vs ${want}`);
          if (!Number.isNaN(want)) maxEnergyRelErr = Math.max(maxEnergyRelErr, Math.abs(got - want) / Math.max(1, Math.abs(want)));
        }
      }
    }
    for (const r of rows) if (Number.isNaN(r[1]!)) nanWindows++;
    // the windows holding the missing row 1234 are NaN (and only those)
    const holding = rows.filter((r) => r[0]! >= 1234 && r[0]! - p.window + 1 <= 1234).length;
    assert.equal(nanWindows, holding, name);
    assert.ok(maxMagErr < 1e-9 && maxEnergyRelErr < 1e-9, `${name}: max |bin err| ${maxMagErr}, max energy rel err ${maxEnergyRelErr}`);
    if (process.env.FFT_GOLDEN_VERBOSE) console.log(`${name}: max |bin err| ${maxMagErr}, max energy rel err ${maxEnergyRelErr}`);
  }
});

test('periodic Hann window and array_split bands', () => {
  const w = periodicHann(8);
  assert.equal(w[0], 0);
  assert.ok(Math.abs(w[4]! - 1) < 1e-15);
  assert.ok(Math.abs(w[2]! - 0.5) < 1e-15 && Math.abs(w[6]! - 0.5) < 1e-15);
  // numpy.array_split(range(129), 4) -> sizes 33, 32, 32, 32; (range(9), 4) -> 3, 2, 2, 2
  assert.deepEqual([...bandEdges(256, 4)], [0, 33, 65, 97, 129]);
  assert.deepEqual([...bandEdges(16, 4)], [0, 3, 5, 7, 9]);
  assert.deepEqual([...bandEdges(4, 3)], [0, 1, 2, 3]);
});

test('a pure tone: dominant frequency, DC, Parseval over the bands', () => {
  const W = 64;
  const n = 640;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 2 + Math.cos((2 * Math.PI * 5 * i) / W);
  const wf = fftWindowFeatures(x, { window: W, hop: 16, bins: 8, windowFn: 'none', bands: 2 });
  assert.equal(wf.windows, Math.floor((n - W) / 16) + 1);
  for (let w = 0; w < wf.windows; w++) {
    const f = wf.data.subarray(w * wf.width, (w + 1) * wf.width);
    assert.ok(Math.abs(f[0]! - 2 * W) < 1e-9, 'DC = sum');
    assert.ok(Math.abs(f[5]! - W / 2) < 1e-9, 'bin 5 = W/2');
    assert.ok(Math.abs(f[1]!) < 1e-9);
    assert.equal(f[8], 5 / W, 'dom_freq in cycles per sample');
    // rfft energies: |X0|^2 + |X5|^2
    assert.ok(Math.abs(f[9]! + f[10]! - ((2 * W) ** 2 + (W / 2) ** 2)) < 1e-6);
  }
});

test('causal: changing later rows never changes earlier features; a prefix gets the same features', () => {
  const n = 3000;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) + Math.cos(i * 0.051) * ((i * 7919) % 13);
  const o = { window: 128, hop: 7, bins: 10, windowFn: 'hann' as const, bands: 4 };
  const base = fftFeatures(x, o);
  for (const cut of [127, 128, 500, 1001, 2999]) {
    const y = x.slice();
    for (let i = cut; i < n; i++) y[i] = 1e6 * Math.random();
    const other = fftFeatures(y, o);
    const prefix = fftFeatures(x.slice(0, cut), o);
    for (let j = 0; j < base.length; j++) {
      for (let i = 0; i < cut; i++) {
        assert.ok(Object.is(base[j]![i], other[j]![i]), `feature ${j} row ${i} changed when rows >= ${cut} changed`);
        assert.ok(Object.is(base[j]![i], prefix[j]![i]), `feature ${j} row ${i} differs on a prefix of ${cut} rows`);
      }
    }
  }
});

test('non-finite values make their windows NaN; short inputs are all NaN', () => {
  const x = new Float64Array(100).map((_, i) => Math.sin(i));
  x[50] = Infinity;
  const o = { window: 16, hop: 4, bins: 3, windowFn: 'hann' as const, bands: 2 };
  const c = fftFeatures(x, o);
  for (let i = 0; i < 100; i++) {
    const w = i < 15 ? -1 : Math.floor((i - 15) / 4);
    const end = 15 + 4 * w;
    const hasInf = w >= 0 && end >= 50 && end - 15 <= 50;
    for (const col of c) assert.equal(Number.isNaN(col[i]!), w < 0 || hasInf, `row ${i}`);
  }
  const short = fftFeatures(new Float64Array(15).fill(1), o);
  for (const col of short) assert.ok(col.every((v) => Number.isNaN(v)) && col.length === 15);
  const empty = make({ column: 'v', window: 16 }).fit(pl.DataFrame({ v: pl.Series('v', [], pl.Float64) }), ctx);
  const out = empty.transform(pl.DataFrame({ v: pl.Series('v', [], pl.Float64) }));
  assert.equal(out.height, 0);
  assert.equal(out.width, 9 + 1 + 4);
});

test('params: defaults, validation with paths, frozen and unchanged by fit', () => {
  const p = fftParamsSchema.parse({ column: 'value' });
  assert.deepEqual(p, { column: 'value', window: 256, hop: 1, window_fn: 'hann' });
  assert.deepEqual(fftOptions(p), { window: 256, hop: 1, bins: 16, windowFn: 'hann', bands: 4 });
  // bins and bands default to at most window/2 + 1
  assert.deepEqual(fftOptions(fftParamsSchema.parse({ column: 'v', window: 4 })), { window: 4, hop: 1, bins: 3, windowFn: 'hann', bands: 3 });
  assert.deepEqual(make({ column: 'v', window: 8 }).featureNamesOut(), ['v_bin0', 'v_bin1', 'v_bin2', 'v_bin3', 'v_bin4', 'v_dom_freq', 'v_band0', 'v_band1', 'v_band2', 'v_band3']);
  // parsing stored params again is the identity (bundles re-parse them)
  assert.deepEqual(fftParamsSchema.parse(p), p);
  const bad = (params: Record<string, unknown>, path: string, re: RegExp) => {
    const r = fftParamsSchema.safeParse(params);
    assert.equal(r.success, false, JSON.stringify(params));
    const issue = r.error!.issues.find((i) => i.path.join('.') === path);
    assert.ok(issue, `${JSON.stringify(params)}: no issue at ${path}: ${JSON.stringify(r.error!.issues)}`);
    assert.match(issue!.message, re);
  };
  bad({ column: 'v', window: 100 }, 'window', /power of two/);
  bad({ column: 'v', window: 2 }, 'window', />=4|4/);
  bad({ column: 'v', window: 16, bins: 10 }, 'bins', /at most window\/2 \+ 1 = 9/);
  bad({ column: 'v', window: 16, bins: 0 }, 'bins', /./);
  bad({ column: 'v', window: 16, bands: 10 }, 'bands', /at most/);
  bad({ column: 'v', hop: 0 }, 'hop', /./);
  bad({ column: 'v', window_fn: 'hamming' }, 'window_fn', /./);
  bad({ column: 'v', windw: 16 }, '', /windw/);
  assert.equal(fftParamsSchema.safeParse({ column: 'v', window: 16, bins: 9, bands: 0 }).success, true);

  const t = make({ column: 'x', window: 8, hop: 2, bins: 5 });
  const before = JSON.stringify(t.params);
  assert.ok(Object.isFrozen(t.params));
  assert.throws(() => { (t.params as any).window = 16; }, TypeError);
  t.fit(pl.DataFrame({ x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }), ctx);
  assert.equal(JSON.stringify(t.params), before);
  assert.equal(t.mode, 'append');
  assert.equal(t.kind, 'transformer');
  assert.deepEqual(t.featureNamesOut(), ['x_bin0', 'x_bin1', 'x_bin2', 'x_bin3', 'x_bin4', 'x_dom_freq', 'x_band0', 'x_band1', 'x_band2', 'x_band3']);
});

test('missing or non-numeric column is a DataError naming it; integer columns are accepted', () => {
  const t = make({ column: 'value', window: 4 });
  assert.throws(() => t.fit(pl.DataFrame({ other: [1, 2, 3] }), ctx), (e: unknown) => e instanceof DataError && /"value"/.test(e.message) && e.place.path === 'value');
  assert.throws(() => t.fit(pl.DataFrame({ value: ['a', 'b'] }), ctx), (e: unknown) => e instanceof DataError && /"value".*not numeric/.test(e.message));
  const ints = pl.DataFrame({ value: pl.Series('value', [1, 2, 3, 4, 5, 6], pl.Int64) });
  t.fit(ints, ctx);
  const out = t.transform(ints);
  // periodic Hann of 4 = [0, 0.5, 1, 0.5]: DC of [1, 2, 3, 4] = 0 + 1 + 3 + 2
  assert.equal(out.getColumn('value_bin0').toArray()[3], 6);
  assert.throws(() => t.transform(pl.DataFrame({ other: [1] })), (e: unknown) => e instanceof DataError && /"value"/.test(e.message));
  assert.throws(() => make({ column: 'value', window: 4 }).transform(ints), /needs a fitted component/);
});

test('state round trip through JSON restores an identical transformer', async () => {
  const spec = transformerSpec('fft');
  const params = spec.params.parse({ column: 'value', window: 16, hop: 3, bins: 4, bands: 2, window_fn: 'none' });
  const frame = pl.DataFrame({ value: Array.from({ length: 200 }, (_, i) => Math.sin(i / 3) + (i % 5)) });
  const t = spec.create(params).fit(frame, ctx);
  assert.ok(t.isFitted());
  const state = JSON.parse(JSON.stringify(t.toState()));
  const storedParams = JSON.parse(JSON.stringify(t.params));
  const r = await spec.restore(spec.params.parse(storedParams), state);
  assert.ok(r.isFitted());
  assert.deepEqual(r.featureNamesOut(), t.featureNamesOut());
  assert.ok(r.transform(frame).frameEqual(t.transform(frame), true));
  assert.equal(spec.create(params).isFitted(), false);
});
