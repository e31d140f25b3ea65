/**
 * The scalers, imputer and encoders against scikit-learn 1.2.1: every case in tests/golden/sklearn
 * (written by gen_sklearn.py beside it, from UCI Adult and California housing subsamples plus
 * hand-made edge cases) is fitted with the same params on the same input, and every output value
 * must match within 1e-9 (relative to max(1, |expected|); NaN == NaN), with identical column names
 * and order. Also: fit never changes params, state survives JSON, and the data errors.
 *
 * Reads only the committed golden files (never ../shared), so it runs on a fresh clone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pl from 'nodejs-polars';
import type { Frame, Logger } from '../src/core/types.js';
import { DataError, MlkitError } from '../src/core/errors.js';
import { Registry } from '../src/core/registry.js';
import { readTable } from '../src/data/read.js';
import { builtinRegistry, transformerSpec } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
import { GOLDEN, compare } from './golden-compare.js';

interface Case {
  name: string;
  kind?: 'column_transformer';
  transformer: string;
  params: Record<string, unknown>;
  fit: string;
  transform: string;
  transform_head: number | null;
  columns: string[];
  dtypes?: Record<string, 'float64' | 'string'>;
  expected?: string;
  output_columns?: string[];
  dropped?: string[];
  expect_error?: { column: string; value: string | number | null };
}

const cases: Case[] = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLDEN, f), 'utf8')) as Case)
  .filter((c) => c.kind !== 'column_transformer');

// ------------------------------------------------------------------------------------ helpers

interface Recorder extends Logger { warnings: string[] }
function recorder(): Recorder {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn(m: string) { warnings.push(m); } };
}

const frames = new Map<string, Frame>();
function input(file: string, c: Pick<Case, 'columns' | 'dtypes'>): Frame {
  let f = frames.get(file);
  if (!f) {
    f = readTable(path.join(GOLDEN, file)).frame;
    frames.set(file, f);
  }
  let out = f.select(...c.columns);
  for (const [col, dt] of Object.entries(c.dtypes ?? {})) {
    out = out.withColumns(pl.col(col).cast(dt === 'string' ? pl.Utf8 : pl.Float64));
  }
  return out;
}


function framesIdentical(a: Frame, b: Frame, label: string): void {
  assert.deepEqual(a.columns, b.columns, `${label}: columns`);
  for (const c of a.columns) {
    const x = a.getColumn(c).toArray(), y = b.getColumn(c).toArray();
    assert.equal(x.length, y.length);
    for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]) || x[i] === y[i], `${label}: ${c}[${i}] ${x[i]} vs ${y[i]}`);
  }
}

function build(name: string, params: Record<string, unknown>) {
  const spec = transformerSpec(name);
  const parsed = spec.params.parse(params);
  return { spec, t: spec.create(parsed), parsed };
}

// --------------------------------------------------------------------------------- golden cases

describe('scikit-learn 1.2.1 golden cases', () => {
  assert.ok(cases.length >= 40, `expected the golden cases in ${GOLDEN}, found ${cases.length}`);
  for (const c of cases) {
    test(c.name, async (t) => {
      const { spec, t: tr, parsed } = build(c.transformer, c.params);
      const before = JSON.stringify(parsed);
      const log = recorder();
      tr.fit(input(c.fit, c), { log, seed: 0 });
      assert.equal(JSON.stringify(tr.params), before, 'fit changed params');
      assert.ok(Object.isFrozen(tr.params), 'params are frozen');

      if (c.dropped !== undefined) {
        if (c.dropped.length) {
          assert.equal(log.warnings.length, 1, 'one note about dropped columns');
          for (const d of c.dropped) assert.match(log.warnings[0], new RegExp(`"${d}"`));
        } else assert.equal(log.warnings.length, 0);
      }

      let x = input(c.transform, c);
      if (c.transform_head) x = x.head(c.transform_head);

      // state -> JSON -> restore must behave identically
      const state = JSON.parse(JSON.stringify(tr.toState()));
      const restored = await spec.restore(parsed, state);
      assert.ok(restored.isFitted());
      assert.deepEqual(restored.featureNamesOut(), tr.featureNamesOut());

      if (c.expect_error) {
        for (const which of [tr, restored]) {
          assert.throws(() => which.transform(x), (e: unknown) => {
            assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
            assert.match(e.message, new RegExp(`"${c.expect_error!.column}"`));
            const v = c.expect_error!.value;
            if (v === null) assert.match(e.message, /missing value/);
            else assert.ok(e.message.includes(typeof v === 'string' ? JSON.stringify(v) : String(v)), e.message);
            assert.equal(e.place.path, c.expect_error!.column);
            return true;
          });
        }
        return;
      }
      const out = tr.transform(x);
      assert.deepEqual(tr.featureNamesOut(), c.output_columns, 'featureNamesOut');
      const d = compare(out, c.expected!, c.name);
      framesIdentical(restored.transform(x), out, `${c.name} (restored)`);
      t.diagnostic(`${d.exact}/${d.total} values bit-identical, max relative difference ${d.max.toExponential(2)}`);
    });
  }
});

// ----------------------------------------------------------------------------------- contracts

const adult = () => input('adult_fit.csv', { columns: ['age', 'workclass', 'fnlwgt', 'sex', 'hours_per_week'] });
const ctx = () => ({ log: recorder(), seed: 0 });

describe('pipeline transformers: contracts', () => {
  test('scalers refuse text columns, naming the column', () => {
    for (const name of ['standard_scaler', 'min_max_scaler', 'robust_scaler']) {
      const { t } = build(name, {});
      assert.throws(() => t.fit(adult(), ctx()), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.equal(e.message, `column "workclass" is text; ${name} needs numbers`);
        assert.equal(e.exitCode, 3);
        return true;
      });
      assert.equal(t.isFitted(), false);
      // fitted on numbers, given text at transform
      const { t: t2 } = build(name, {});
      t2.fit(adult().select('age'), ctx());
      assert.throws(() => t2.transform(adult().select(pl.col('workclass').alias('age'))), /column "age" is text/);
    }
    const { t } = build('simple_imputer', { strategy: 'median' });
    assert.throws(() => t.fit(adult(), ctx()), /column "workclass" is text; simple_imputer with strategy median needs numbers/);
    const { t: t3 } = build('simple_imputer', { strategy: 'constant', fill_value: 'x' });
    assert.throws(() => t3.fit(adult().select('age'), ctx()), /column "age" is numeric/);
  });

  test('a column seen at fit that is missing at transform is a DataError naming it', () => {
    const all: [string, Record<string, unknown>, string[]][] = [
      ['standard_scaler', {}, ['age', 'fnlwgt']],
      ['min_max_scaler', {}, ['age', 'fnlwgt']],
      ['robust_scaler', {}, ['age', 'fnlwgt']],
      ['simple_imputer', { strategy: 'most_frequent' }, ['workclass', 'fnlwgt']],
      ['one_hot', { handle_unknown: 'ignore' }, ['workclass', 'fnlwgt']],
      ['ordinal', {}, ['workclass', 'fnlwgt']],
    ];
    for (const [name, params, cols] of all) {
      const { t } = build(name, params);
      t.fit(adult().select(...cols), ctx());
      assert.throws(() => t.transform(adult().select(cols[0])), (e: unknown) => {
        assert.ok(e instanceof DataError, name);
        assert.match(e.message, /column "fnlwgt" is missing/);
        assert.equal(e.place.path, 'fnlwgt');
        return true;
      });
      // extra columns and a different order are fine: columns are taken by name, in fit order
      const out = t.transform(adult().select('sex', ...[...cols].reverse()));
      assert.deepEqual(out.columns, t.featureNamesOut());
    }
  });

  test('params: defaults, strict keys, frozen, never changed by fit', () => {
    const defaults: Record<string, unknown> = {
      standard_scaler: { with_mean: true, with_std: true },
      min_max_scaler: { feature_range: [0, 1], clip: false },
      robust_scaler: { with_centering: true, with_scaling: true, quantile_range: [25, 75], unit_variance: false },
      simple_imputer: { strategy: 'mean', fill_value: null, add_indicator: false, keep_empty_features: false },
      one_hot: { handle_unknown: 'error', drop: null, min_frequency: null, max_categories: null },
      ordinal: { handle_unknown: 'error', unknown_value: null, encoded_missing_value: 'nan' },
    };
    for (const [name, d] of Object.entries(defaults)) {
      const spec = transformerSpec(name);
      assert.deepEqual(spec.params.parse({}), d, name);
      assert.equal(spec.params.safeParse({ bogus: 1 }).success, false, `${name} rejects unknown keys`);
    }
    assert.equal(transformerSpec('min_max_scaler').params.safeParse({ feature_range: [1, 0] }).success, false);
    assert.equal(transformerSpec('robust_scaler').params.safeParse({ quantile_range: [80, 20] }).success, false);
    assert.equal(transformerSpec('one_hot').params.safeParse({ min_frequency: 1.5 }).success, false);
    assert.equal(transformerSpec('one_hot').params.safeParse({ min_frequency: 0.05 }).success, true);
    assert.equal(transformerSpec('ordinal').params.safeParse({ handle_unknown: 'use_encoded_value' }).success, false);
    assert.equal(transformerSpec('ordinal').params.safeParse({ unknown_value: -1 }).success, false);

    const raw = { feature_range: [-1, 1] };
    const { t } = build('min_max_scaler', raw);
    t.fit(adult().select('age'), ctx());
    assert.deepEqual(raw, { feature_range: [-1, 1] });
    assert.throws(() => { (t.params as any).feature_range[0] = 5; }, TypeError);
    assert.throws(() => { (t.params as any).clip = true; }, TypeError);
    assert.deepEqual(t.params, { feature_range: [-1, 1], clip: false });
  });

  test('not fitted: transform and toState refuse', () => {
    const { t } = build('standard_scaler', {});
    assert.equal(t.isFitted(), false);
    assert.throws(() => t.transform(adult()), /needs a fitted component/);
    assert.throws(() => t.toState(), /needs a fitted component/);
  });

  test('state is plain JSON (NaN and infinities encoded), and the saved state is a copy', async () => {
    // a column of nulls gives NaN statistics (encoded), a range that overflows float64 large ones
    const f = pl.DataFrame({ a: [null, null, null] as (number | null)[], b: [1, 1.7e308, -1.7e308] }).withColumns(pl.col('a').cast(pl.Float64));
    const { t, spec, parsed } = build('min_max_scaler', {});
    t.fit(f, ctx());
    const state = t.toState() as any;
    const text = JSON.stringify(state);
    assert.ok(!/null/.test(text), text);
    assert.deepEqual(JSON.parse(text), state);
    state.scale[0] = 123;
    assert.notEqual((t.toState() as any).scale[0], 123);
    const r = await spec.restore(parsed, JSON.parse(text));
    framesIdentical(r.transform(f), t.transform(f), 'min_max_scaler with NaN/inf state');
    // infinity in the data itself is refused, as scikit-learn does
    assert.throws(() => build('min_max_scaler', {}).t.fit(pl.DataFrame({ b: [1, Infinity, 3] }), ctx()), (e: unknown) => e instanceof DataError && /row 2 of the table is Infinity/.test(e.message) && e.place.path === 'b');
  });

  test('infinity met at transform (scalers and imputer compute there with polars expressions) is refused naming the row and column', () => {
    const fitOn = pl.DataFrame({ a: [1, 2, 3], b: [4, null, 6] as (number | null)[] });
    const bad = pl.DataFrame({ a: [1, 2, 3, 4], b: [4, 5, 6, -Infinity] });
    for (const [name, params] of [['standard_scaler', {}], ['robust_scaler', {}], ['simple_imputer', { strategy: 'median' }]] as const) {
      const { t } = build(name, params);
      t.fit(fitOn, ctx());
      assert.throws(() => t.transform(bad), (e: unknown) => e instanceof DataError && /row 4 of the table is -Infinity/.test(e.message) && e.place.path === 'b', name);
      // and the same values without the infinity transform as a JS loop would: (x - m) / s, fills
      const ok = t.transform(bad.head(3)).getColumn('b').toArray() as number[];
      assert.equal(ok.length, 3, name);
    }
    const { t } = build('standard_scaler', {});
    t.fit(fitOn, ctx());
    const st = t.toState() as any;
    const got = t.transform(pl.DataFrame({ a: [0.1, 7], b: [null, 5.5] as (number | null)[] }));
    assert.deepEqual(got.getColumn('a').toArray(), [(0.1 - st.mean[0]) / st.scale[0], (7 - st.mean[0]) / st.scale[0]]);
    const b = got.getColumn('b').toArray() as number[];
    assert.ok(Number.isNaN(b[0]));
    assert.equal(b[1], (5.5 - st.mean[1]) / st.scale[1]);
  });

  test('a malformed saved state is a bundle error', async () => {
    const spec = transformerSpec('standard_scaler');
    await assert.rejects(() => spec.restore(spec.params.parse({}), { columns: ['a'] }), (e: unknown) => e instanceof MlkitError && e.kind === 'bundle');
  });

  test('ordinal: unknown_value that is already a code is refused at fit', () => {
    const { t } = build('ordinal', { handle_unknown: 'use_encoded_value', unknown_value: 1 });
    assert.throws(() => t.fit(adult().select('sex'), ctx()), /column "sex": ordinal's unknown_value 1 is already the code of a category/);
  });

  test('one_hot on booleans names categories as Python does', () => {
    const f = pl.DataFrame({ ok: [true, false, null, true] });
    const { t } = build('one_hot', {});
    t.fit(f, ctx());
    assert.deepEqual(t.featureNamesOut(), ['ok_False', 'ok_True', 'ok_nan']);
    assert.deepEqual(t.transform(f).getColumn('ok_True').toArray(), [1, 0, 0, 1]);
  });

  test('one_hot refuses to make two output columns with the same name', () => {
    const f = pl.DataFrame({ a: ['nan', null, 'x'] });
    const { t } = build('one_hot', {});
    assert.throws(() => t.fit(f, ctx()), (e: unknown) => e instanceof DataError && /two output columns named "a_nan"/.test(e.message));
  });

  test('every transformer is a columns transformer registered with its spec', () => {
    for (const name of ['standard_scaler', 'min_max_scaler', 'robust_scaler', 'simple_imputer', 'one_hot', 'ordinal']) {
      const spec = transformerSpec(name);
      const light = builtinRegistry().get('transformer', name);
      assert.equal(light.kind, 'transformer');
      assert.ok(light.description.length > 10);
      const t = spec.create(spec.params.parse({}));
      assert.equal(t.mode, 'columns');
      assert.equal(t.name, name);
      assert.equal(t.kind, 'transformer');
    }
    // an empty registry does not know them (registries are built, not global)
    assert.throws(() => new Registry().get('transformer', 'one_hot'), /unknown transformer type/);
  });
});

// ------------------------------------------------------------- ColumnTransformer golden files

interface CtCase {
  name: string;
  fit: string;
  transform: string;
  expected: string;
  output_columns: string[];
  spec: {
    transformers: { name: string; steps: { type: string; params: Record<string, unknown> }[]; columns: string[] }[];
    remainder: 'drop' | 'passthrough';
  };
}

const ctCases = readdirSync(GOLDEN)
  .filter((f) => f.startsWith('ct_') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLDEN, f), 'utf8')) as CtCase);

// The mlkit ColumnTransformer has its own test against these files; this one composes the building
// blocks by hand (scikit-learn's semantics: each pipeline step is fitted on the previous step's
// output; outputs named <transformer>__<column>, remainder__<column>) to show they add up.
describe('ColumnTransformer golden files, composed by hand', () => {
  assert.equal(ctCases.length, 2);
  for (const c of ctCases) {
    test(c.name, () => {
      const fitFrame = readTable(path.join(GOLDEN, c.fit)).frame;
      const trFrame = readTable(path.join(GOLDEN, c.transform)).frame;
      const parts: Frame[] = [];
      const used = new Set<string>();
      for (const entry of c.spec.transformers) {
        entry.columns.forEach((col) => used.add(col));
        let xf = fitFrame.select(...entry.columns);
        let xt = trFrame.select(...entry.columns);
        for (const step of entry.steps) {
          const { t } = build(step.type, step.params);
          t.fit(xf, ctx());
          xf = t.transform(xf);
          xt = t.transform(xt);
        }
        parts.push(xt.rename(Object.fromEntries(xt.columns.map((n) => [n, `${entry.name}__${n}`]))));
      }
      if (c.spec.remainder === 'passthrough') {
        const rest = fitFrame.columns.filter((n) => !used.has(n));
        parts.push(trFrame.select(...rest.map((n) => pl.col(n).cast(pl.Float64).alias(`remainder__${n}`))));
      }
      const out = pl.concat(parts, { how: 'horizontal' });
      assert.deepEqual(out.columns, c.output_columns);
      compare(out, c.expected, c.name);
    });
  }
});
