/** Pipeline and ColumnTransformer structure, config validation of steps, bundle round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, DataError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/types.js';
import { ColumnTransformer, Pipeline, restoreNode, selectColumns, toNode } from '../src/pipeline/pipeline.js';
import { builtinRegistry, tmpDir, write } from './helpers.js';

const registry = builtinRegistry();
const defaultRegistry = registry;

const ctx = { log: silentLogger, seed: 1 };
const frame = () => pl.DataFrame({
  a: [1, 2, 3, 4],
  b: [10, null, 30, 50],
  c: ['x', 'y', 'x', null],
  d: ['p', 'q', 'q', 'q'],
});

test('selectors: by dtype, by name list, by regex', () => {
  const f = frame();
  assert.deepEqual(selectColumns(f, 'numeric'), ['a', 'b']);
  assert.deepEqual(selectColumns(f, 'categorical'), ['c', 'd']);
  assert.deepEqual(selectColumns(f, ['d', 'a']), ['d', 'a']);
  assert.deepEqual(selectColumns(f, { regex: '^[ab]$' }), ['a', 'b']);
});

test('column transformer: names say where each column came from; remainder drop/passthrough', async () => {
  const ct = await ColumnTransformer.create({
    transformers: [
      ['num', [{ simple_imputer: { strategy: 'median' } }, 'standard_scaler'], 'numeric'],
      ['cat', 'one_hot', ['d'], { handle_unknown: 'ignore' }],
    ],
    remainder: 'passthrough',
  }, registry);
  const out = (await ct.fit(frame(), ctx)).transform(frame());
  assert.deepEqual(out.columns, ['num__a', 'num__b', 'cat__d_p', 'cat__d_q', 'remainder__c']);
  assert.deepEqual(ct.featureNamesOut(), out.columns);
  // standard scaling after median imputation: b = [10, 30, 30, 50] -> mean 30, population std sqrt(200)
  const b = out.getColumn('num__b').toArray() as number[];
  assert.ok(Math.abs(b[0] - (10 - 30) / Math.sqrt(200)) < 1e-12);
  assert.deepEqual(out.getColumn('cat__d_q').toArray(), [0, 1, 1, 1]);
  assert.deepEqual(out.getColumn('remainder__c').toArray(), ['x', 'y', 'x', null]);
  const drop = await ColumnTransformer.create({ transformers: [['n', 'passthrough', ['a']]], remainder: 'drop' }, registry);
  assert.deepEqual((await drop.fit(frame(), ctx)).transform(frame()).columns, ['n__a']);
});

test('fit never changes params; a restored pipeline transforms identically', async () => {
  const steps = [{ column_transformer: { transformers: [['num', 'standard_scaler', ['a']], ['cat', 'one_hot', ['c', 'd']]], remainder: 'drop' } }];
  const snapshot = JSON.stringify(steps);
  const p = await Pipeline.create(steps as any, registry);
  const before = JSON.stringify(p.params);
  const out = await p.fitTransform(frame(), ctx);
  assert.equal(JSON.stringify(p.params), before);
  assert.equal(JSON.stringify(steps), snapshot);
  const node = JSON.parse(JSON.stringify(await toNode(p)));
  const back = await restoreNode(node, builtinRegistry());
  assert.deepEqual(back.transform(frame()).toRecords(), out.toRecords());
  assert.deepEqual(p.transform(frame()).toRecords(), out.toRecords());
});

test('transforming data without a fitted column fails naming it', async () => {
  const ct = await ColumnTransformer.create({ transformers: [['num', 'standard_scaler', 'numeric']], remainder: 'drop' }, registry);
  await ct.fit(frame(), ctx);
  assert.throws(() => ct.transform(frame().drop('b')), (e: unknown) => e instanceof DataError && /column "b" is missing/.test(e.message));
});

test('append steps keep the table and prefix their columns with the step name', async () => {
  const p = await Pipeline.create([{ lags: { columns: ['a'], lags: [1] } }, { diff: { columns: ['a'] } }] as any, registry);
  const out = await p.fitTransform(frame().select('a'), ctx);
  assert.deepEqual(out.columns, ['a', 'lags__a_lag1', 'diff__a_diff1']);
});

test('pipeline config errors name the step, the parameter and the YAML position', () => {
  const dir = tmpDir();
  const cfg = (pipeline: string) => write(dir, `p${Math.random().toString(36).slice(2)}.yaml`, `data: { train: x.csv }
pipeline:
${pipeline}
output: { dir: out }
`);
  const err = (pipeline: string) => {
    try { loadConfig(cfg(pipeline), { registry: defaultRegistry, purpose: 'preprocess' }); } catch (e) {
      if (e instanceof ConfigError) return e.format();
      throw e;
    }
    return assert.fail('expected a ConfigError');
  };
  assert.match(err('  - standard_scalar'), /:3:5 pipeline\[0\]: unknown transformer "standard_scalar"; did you mean "standard_scaler"\?/);
  assert.match(err('  - standard_scaler: { with_men: true }'), /:3:24 pipeline\[0\]\.standard_scaler\.with_men: unknown key "with_men"; did you mean "with_mean"\?/);
  assert.match(err('  - column_transformer:\n      transformers:\n        - [num, one_hot, categorical, { handle_unknown: maybe }]'),
    /:5:57 pipeline\[0\]\.column_transformer\.transformers\[0\]\[3\]\.handle_unknown: expected one of/);
  assert.match(err('  - column_transformer:\n      transformers:\n        - [num, one_hot, bogus]'), /transformers\[0\]\[2\]/);
  const ok = loadConfig(cfg('  - column_transformer:\n      transformers:\n        - [num, [ { simple_imputer: { strategy: median } }, standard_scaler ], numeric]\n  - fft: { column: value, window: 8, bins: 3 }'), { registry: defaultRegistry, purpose: 'preprocess' });
  assert.ok(Array.isArray(ok.config.pipeline));
});

test('medianFinite (selection) equals the sorted median on random, tied, NaN-laced columns', async () => {
  const { medianFinite, medianSorted, sortedFinite } = await import('../src/pipeline/columns.js');
  const { rng } = await import('../src/core/random.js');
  const r = rng(5);
  for (let t = 0; t < 300; t++) {
    const n = 1 + Math.floor(r() * 60);
    const v = Float64Array.from({ length: n }, () => (r() < 0.15 ? NaN : Math.floor(r() * (t % 3 === 0 ? 4 : 1000)) - 2));
    const s = sortedFinite(v);
    const want = s.length ? medianSorted(s) : NaN;
    const got = medianFinite(v);
    assert.ok(Object.is(got, want) || got === want, `n=${n}: ${got} != ${want}`);
  }
  assert.ok(Number.isNaN(medianFinite(new Float64Array([NaN, NaN]))));
});

test('a column transformer entry naming an absent column fails at fit with a suggestion', async () => {
  const ct = await ColumnTransformer.create({ transformers: [['num', 'standard_scaler', ['aa']]], remainder: 'drop' }, registry);
  await assert.rejects(() => ct.fit(frame(), ctx), (e: unknown) => e instanceof DataError && /column "aa" \(listed in column_transformer entry "num"\) not found; did you mean "a"\?/.test(e.message));
});

test('auto encoder: wide frames (block path, > 64 numeric columns) encode exactly as narrow ones (one query)', async () => {
  const { AutoTabular } = await import('../src/pipeline/auto.js');
  const { schemaOf } = await import('../src/data/read.js');
  const rows = 7;
  for (const width of [3, 70]) {
    const cols: Record<string, unknown> = {};
    for (let q = 0; q < width; q++) cols[`x${q}`] = pl.Series(`x${q}`, Array.from({ length: rows }, (_, i) => ((i + q) % 5 === 0 ? null : i * 100 + q + 0.5)), pl.Float64);
    cols.flag = pl.Series('flag', Array.from({ length: rows }, (_, i) => i % 2 === 0), pl.Bool);
    cols.cat = pl.Series('cat', Array.from({ length: rows }, (_, i) => (i === 3 ? null : ['b', 'a', 'c'][i % 3]!)), pl.Utf8);
    const frame = pl.DataFrame(cols);
    const enc = new AutoTabular({ categorical: 'native' }).fit(frame, schemaOf(frame)).transform(frame);
    assert.equal(enc.matrix.cols, width + 2);
    for (let i = 0; i < rows; i++) {
      for (let q = 0; q < width; q++) {
        const want = (i + q) % 5 === 0 ? NaN : Math.fround(i * 100 + q + 0.5);
        const got = enc.matrix.data[i * enc.matrix.cols + q]!;
        assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `width ${width} row ${i} col ${q}: ${got} vs ${want}`);
      }
      assert.equal(enc.matrix.data[i * enc.matrix.cols + width], i % 2 === 0 ? 1 : 0);
      const code = enc.matrix.data[i * enc.matrix.cols + width + 1]!;
      if (i === 3) assert.ok(Number.isNaN(code));
      else assert.equal(code, ['a', 'b', 'c'].indexOf(['b', 'a', 'c'][i % 3]!));
    }
  }
});
