/**
 * The conformance suite: every component in the registry, of every kind, through the same checks
 * (scikit-learn's estimator_checks as the model). Components are found with registry.names(kind), so a
 * newly registered component is tested without anyone listing it; one without a fixture fails.
 *
 * Checks: params unchanged (and frozen) by fit; same seed, same result; save -> JSON -> restore gives
 * bit-identical outputs; calls before fit throw NotFittedError; transform / predict / forecast never
 * change the fitted state; empty input, one row, a constant column and a permuted column (or series)
 * order give a correct result or a clear error (an MlkitError that is not internal), never a crash; NaN
 * gives a result when the allowsNaN tag says so and a data error otherwise; infinity is a data error for
 * transformers (as scikit-learn) and forecasters, a clear error or a result for estimators.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { COMPONENT_KINDS, MemoryBlobs, tagsOf, type ComponentKind } from '../../src/core/component.js';
import { MlkitError, NotFittedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import type { Registry } from '../../src/core/registry.js';
import type { Component, Detector, Estimator, Forecaster, Frame, RowBatch, SeriesData, Transformer } from '../../src/core/types.js';
import { builtinRegistry } from '../helpers.js';
import { FIXTURES, type DetectorFixture, type EstimatorFixture, type Fixture, type ForecasterFixture, type TransformerFixture } from './fixtures.js';

/** The registered components without a fixture ("kind:name"). */
export function missingFixtures(registry: Registry, fixtures: Record<string, Fixture>): string[] {
  return COMPONENT_KINDS.flatMap((k) => registry.names(k).filter((n) => !fixtures[`${k}:${n}`]).map((n) => `${k}:${n}`));
}

const registry = builtinRegistry();
const signal = new AbortController().signal;
const fitCtx = { log: silentLogger, seed: 7, signal };

async function make<C extends Component>(kind: ComponentKind, name: string, f: Fixture): Promise<C> {
  const spec = registry.get(kind, name);
  const impl = await registry.load(kind, name);
  const options = 'options' in f ? f.options : undefined;
  return impl.create(spec.params.parse(f.params), spec.options ? spec.options.parse(options ?? {}) : undefined) as C;
}

/** save -> JSON -> restore, as a bundle does. */
async function roundTrip<C extends Component>(kind: ComponentKind, c: C, f: Fixture): Promise<C> {
  const spec = registry.get(kind, c.name);
  const impl = await registry.load(kind, c.name);
  const blobs = new MemoryBlobs();
  const state = JSON.parse(JSON.stringify(await c.save(blobs)));
  const params = spec.params.parse(JSON.parse(JSON.stringify(c.params)));
  const options = spec.options ? spec.options.parse(('options' in f ? f.options : undefined) ?? {}) : undefined;
  return await impl.restore(params, state, new MemoryBlobs({ ...blobs.files }), { options, log: silentLogger }) as C;
}

/** The fitted state and files, as bytes (to see that nothing changes it). */
async function fingerprint(c: Component): Promise<string> {
  const blobs = new MemoryBlobs();
  const state = await c.save(blobs);
  return JSON.stringify(state) + Object.entries(blobs.files).map(([k, v]) => `${k}:${Buffer.from(v).toString('base64')}`).join();
}

/** A correct result, or a clear error: an MlkitError that is not internal (its message one line). */
async function resultOrClearError<T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    assert.ok(e instanceof MlkitError && e.kind !== 'internal', `${what}: expected a result or a clear error, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    return undefined;
  }
}

async function assertNotFitted(what: string, fn: () => unknown): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => e instanceof NotFittedError, `${what} before fit must throw NotFittedError`);
}

function assertParamsKept(c: Component, before: string): void {
  assert.equal(JSON.stringify(c.params), before, 'fit changed params');
  assert.ok(Object.isFrozen(c.params), 'params are frozen');
}

// ------------------------------------------------------------------------------------------------
// transformers

/** A frame's values, NaN-safe and comparable with deepStrictEqual (bit-identical numbers). */
function values(f: Frame): Record<string, unknown[]> {
  return Object.fromEntries(f.columns.map((c) => [c, f.getColumn(c).toArray() as unknown[]]));
}

function assertNoInfinity(out: Frame, what: string): void {
  for (const c of out.columns) {
    for (const v of out.getColumn(c).toArray() as unknown[]) assert.ok(!(typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)), `${what}: column ${c} has ${v} from finite input`);
  }
}

/** The frame with each numeric column constant and each text column one value. */
function constant(f: Frame): Frame {
  return pl.DataFrame(f.columns.map((c) => {
    const s = f.getColumn(c);
    const v = s.toArray()[0];
    return s.isNumeric() ? pl.Series(c, new Array(f.height).fill(3.5), pl.Float64) : pl.Series(c, new Array(f.height).fill(v ?? 'x'));
  }));
}

/** The frame with `value` in row 2 of every numeric column (and, with `nullText`, null in row 2 of every text column). */
function poisoned(f: Frame, value: number, nullText = true): Frame {
  return pl.DataFrame(f.columns.map((c) => {
    const s = f.getColumn(c);
    const a = s.toArray() as unknown[];
    if (s.isNumeric()) return pl.Series(c, a.map((v, i) => (i === 2 ? value : v === null ? NaN : Number(v))), pl.Float64);
    return pl.Series(c, a.map((v, i) => (i === 2 && nullText ? null : v)));
  }));
}

async function transformerChecks(name: string, f: TransformerFixture): Promise<void> {
  const frame = f.frame(40);
  const t = await make<Transformer>('transformer', name, f);
  await assertNotFitted('transform', () => t.transform(frame));
  await assertNotFitted('save', () => t.save(new MemoryBlobs()));
  assert.equal(t.isFitted(), false);
  const before = JSON.stringify(t.params);
  await t.fit(frame, fitCtx);
  assertParamsKept(t, before);
  assert.ok(t.isFitted());
  const out = t.transform(frame);
  assert.equal(out.height, frame.height, 'one output row per input row');
  assert.deepEqual(out.columns, t.mode === 'columns' ? t.featureNamesOut() : t.featureNamesOut(), 'output columns are featureNamesOut()');

  // same seed, same result
  const t2 = await make<Transformer>('transformer', name, f);
  await t2.fit(f.frame(40), fitCtx);
  assert.deepStrictEqual(values(t2.transform(frame)), values(out), 'same data and seed gave another result');

  // save -> restore: bit-identical
  const fp = await fingerprint(t);
  const back = await roundTrip('transformer', t, f);
  assert.ok(back.isFitted());
  assert.deepStrictEqual(values(back.transform(frame)), values(out), 'restored transformer differs');
  assert.deepEqual(back.featureNamesOut(), t.featureNamesOut());

  // transform never changes the fitted state
  t.transform(f.frame(13));
  assert.equal(await fingerprint(t), fp, 'transform changed the fitted state');

  // permuted column order: the same output
  const reversed = frame.select(...[...frame.columns].reverse());
  assert.deepStrictEqual(values(t.transform(reversed)), values(out), 'a permuted column order changed the output');

  // empty input: fit, and transform of a fitted transformer
  const empty = frame.head(0);
  const e = await resultOrClearError('transform of an empty frame', () => t.transform(empty));
  if (e) assert.equal(e.height, 0);
  const te = await make<Transformer>('transformer', name, f);
  if (await resultOrClearError('fit on an empty frame', () => te.fit(empty, fitCtx))) {
    await resultOrClearError('transform after fitting on an empty frame', () => te.transform(empty));
  }

  // one row
  const one = f.frame(1);
  const t1 = await make<Transformer>('transformer', name, f);
  if (await resultOrClearError('fit on one row', () => t1.fit(one, fitCtx))) {
    const o = await resultOrClearError('transform of one row', () => t1.transform(one));
    if (o) assert.equal(o.height, 1);
  }

  // a constant column
  const flat = constant(frame);
  const tc = await make<Transformer>('transformer', name, f);
  if (await resultOrClearError('fit on constant columns', () => tc.fit(flat, fitCtx))) {
    const o = await resultOrClearError('transform of constant columns', () => tc.transform(flat));
    if (o) assertNoInfinity(o, 'constant columns');
  }

  // NaN (per tags) and Inf
  const withNaN = poisoned(frame, NaN);
  const tn = await make<Transformer>('transformer', name, f);
  if (tagsOf(registry.get('transformer', name), tn.params).allowsNaN) {
    await tn.fit(withNaN, fitCtx);
    assert.equal(tn.transform(withNaN).height, frame.height, 'allowsNaN: NaN input gives a result');
  } else {
    await assert.rejects(async () => tn.fit(withNaN, fitCtx), (x: unknown) => x instanceof MlkitError && x.kind === 'data', 'allowsNaN false: NaN is a data error');
  }
  // infinity in a numeric column the transformer reads is a data error (a scaler would silently turn
  // the column into NaN); a transformer that does not read it gives the same output as without it
  const withInf = poisoned(frame, Infinity, false);
  const ti = await make<Transformer>('transformer', name, f);
  let infOut: Frame | undefined;
  try {
    await ti.fit(withInf, fitCtx);
    infOut = ti.transform(withInf);
  } catch (x) {
    assert.ok(x instanceof MlkitError && x.kind === 'data', `Inf: expected a data error, got ${(x as Error)?.message}`);
  }
  if (infOut) assert.deepStrictEqual(values(infOut), values(out), 'Inf in a column the transformer reads must be a data error');
  let infT: Frame | undefined;
  try { infT = t.transform(withInf); } catch (x) { assert.ok(x instanceof MlkitError && x.kind === 'data', `Inf at transform: ${(x as Error)?.message}`); }
  if (infT) assert.deepStrictEqual(values(infT), values(out), 'Inf at transform in a column the transformer reads must be a data error');
}

// ------------------------------------------------------------------------------------------------
// tabular estimators

function withValue(d: ReturnType<EstimatorFixture['data']>, value: number): typeof d {
  const data = Float32Array.from(d.x.data);
  data[2 * d.x.cols + 1] = value;
  return { ...d, x: { ...d.x, data } };
}

async function estimatorChecks(name: string, f: EstimatorFixture): Promise<void> {
  const d = f.data(120);
  const e = await make<Estimator>('estimator', name, f);
  await assertNotFitted('predict', () => e.predict(d.x));
  await assertNotFitted('save', () => e.save(new MemoryBlobs()));
  await e.prepare(silentLogger);
  const before = JSON.stringify(e.params);
  await e.fit(d, f.task, fitCtx);
  assertParamsKept(e, before);
  const pred = e.predict(d.x);
  assert.equal(pred.length, d.x.rows * (f.task.kind === 'classification' ? f.task.numClass : 1));

  const e2 = await make<Estimator>('estimator', name, f);
  await e2.fit(f.data(120), f.task, fitCtx);
  assert.deepStrictEqual(e2.predict(d.x), pred, 'same data and seed gave another model');
  e2.dispose();

  const fp = await fingerprint(e);
  const back = await roundTrip('estimator', e, f);
  assert.ok(back.isFitted());
  assert.deepStrictEqual(back.predict(d.x), pred, 'restored estimator predicts differently');
  back.dispose();
  e.predict(f.data(17).x);
  assert.equal(await fingerprint(e), fp, 'predict changed the fitted state');

  // empty input and one row: predicting, and fitting
  const empty = { ...d, x: { data: new Float32Array(0), rows: 0, cols: d.x.cols }, y: new Float32Array(0) };
  const pe = await resultOrClearError('predict on zero rows', () => e.predict(empty.x));
  if (pe) assert.equal(pe.length, 0);
  for (const [what, data] of [['zero rows', empty], ['one row', f.data(1)]] as const) {
    const ex = await make<Estimator>('estimator', name, f);
    if (await resultOrClearError(`fit on ${what}`, () => ex.fit(data, f.task, fitCtx))) await resultOrClearError(`predict after fitting on ${what}`, () => ex.predict(d.x));
    ex.dispose();
  }
  // a constant column
  const flat = { ...d, x: { ...d.x, data: d.x.data.map((v, i) => (i % d.x.cols === 0 ? 3.5 : v)) } };
  const ec = await make<Estimator>('estimator', name, f);
  if (await resultOrClearError('fit with a constant column', () => ec.fit(flat, f.task, fitCtx))) {
    assert.ok(ec.predict(flat.x).every(Number.isFinite), 'constant column: finite predictions');
  }
  ec.dispose();
  // NaN per tags, Inf
  const en = await make<Estimator>('estimator', name, f);
  if (e.tags.allowsNaN) {
    await en.fit(withValue(d, NaN), f.task, fitCtx);
    assert.ok(en.predict(withValue(d, NaN).x).every(Number.isFinite), 'allowsNaN: finite predictions with NaN input');
  } else {
    await assert.rejects(() => en.fit(withValue(d, NaN), f.task, fitCtx), (x: unknown) => x instanceof MlkitError && x.kind === 'data');
  }
  en.dispose();
  const ei = await make<Estimator>('estimator', name, f);
  if (await resultOrClearError('fit with Inf', () => ei.fit(withValue(d, Infinity), f.task, fitCtx))) await resultOrClearError('predict with Inf', () => ei.predict(withValue(d, Infinity).x));
  ei.dispose();
  e.dispose();
}

// ------------------------------------------------------------------------------------------------
// forecasters

function request(f: ForecasterFixture, series: SeriesData[]) {
  return { horizon: f.horizon, level: 0.9, futureExog: series.map((s) => s.exog.map(() => new Float64Array(f.horizon).fill(0))) };
}

function poisonSeries(series: SeriesData[], value: number): SeriesData[] {
  return series.map((s, j) => (j === 0 ? { ...s, y: s.y.map((v, i) => (i === 5 ? value : v)) } : s));
}

async function forecasterChecks(name: string, f: ForecasterFixture): Promise<void> {
  const series = f.series(3, 60);
  const req = request(f, series);
  const fc = await make<Forecaster>('forecaster', name, f);
  await assertNotFitted('forecast', () => fc.forecast(series, req, { log: silentLogger }));
  await assertNotFitted('save', () => fc.save(new MemoryBlobs()));
  const before = JSON.stringify(fc.params);
  await fc.fit(series, fitCtx, f.meta);
  assertParamsKept(fc, before);
  const out = await fc.forecast(series, req, { log: silentLogger });
  assert.equal(out.length, series.length);
  for (const o of out) {
    assert.equal(o.mean.length, f.horizon);
    assert.ok(o.mean.every(Number.isFinite), 'finite forecasts');
  }

  const f2 = await make<Forecaster>('forecaster', name, f);
  await f2.fit(f.series(3, 60), fitCtx, f.meta);
  assert.deepStrictEqual(await f2.forecast(series, req, { log: silentLogger }), out, 'same data and seed gave other forecasts');
  f2.dispose();

  const fp = await fingerprint(fc);
  const back = await roundTrip('forecaster', fc, f);
  assert.ok(back.isFitted());
  assert.deepStrictEqual(await back.forecast(series, req, { log: silentLogger }), out, 'restored forecaster forecasts differently');
  back.dispose();
  await fc.forecast(f.series(3, 60).map((s) => ({ ...s, y: s.y.map((v) => v + 1) })), req, { log: silentLogger });
  assert.equal(await fingerprint(fc), fp, 'forecast changed the fitted state');

  // permuted series order: the forecasts permute with it
  const rev = [...series].reverse();
  assert.deepStrictEqual(await fc.forecast(rev, request(f, rev), { log: silentLogger }), [...out].reverse(), 'a permuted series order changed the forecasts');

  // no series, one point, a constant series
  const fe = await make<Forecaster>('forecaster', name, f);
  if (await resultOrClearError('fit on no series', () => fe.fit([], fitCtx, f.meta))) {
    const r = await resultOrClearError('forecast of no series', () => fe.forecast([], request(f, []), { log: silentLogger }));
    if (r) assert.equal(r.length, 0);
  }
  const one = series.map((s) => ({ ...s, y: s.y.subarray(0, 1), exog: s.exog.map((x) => x.subarray(0, 1)), times: s.times?.subarray(0, 1) }));
  const f1 = await make<Forecaster>('forecaster', name, f);
  await assert.rejects(async () => f1.fit(one, fitCtx, f.meta), (x: unknown) => x instanceof MlkitError && x.kind === 'data', 'a one-point series is a data error');
  const flat = series.map((s) => ({ ...s, y: new Float64Array(s.y.length).fill(42) }));
  const fk = await make<Forecaster>('forecaster', name, f);
  if (await resultOrClearError('fit on constant series', () => fk.fit(flat, fitCtx, f.meta))) {
    const r = await resultOrClearError('forecast of constant series', () => fk.forecast(flat, request(f, flat), { log: silentLogger }));
    if (r) for (const o of r) assert.ok(o.mean.every(Number.isFinite), 'constant series: finite forecasts');
  }
  // NaN (per tags) and Inf in the target
  const fn = await make<Forecaster>('forecaster', name, f);
  if (fn.tags.allowsNaN) await fn.fit(poisonSeries(series, NaN), fitCtx, f.meta);
  else await assert.rejects(async () => fn.fit(poisonSeries(series, NaN), fitCtx, f.meta), (x: unknown) => x instanceof MlkitError && x.kind === 'data', 'allowsNaN false: NaN in a series is a data error');
  const fi = await make<Forecaster>('forecaster', name, f);
  if (await resultOrClearError('fit with Inf', () => fi.fit(poisonSeries(series, Infinity), fitCtx, f.meta))) {
    const r = await resultOrClearError('forecast with Inf', () => fi.forecast(series, req, { log: silentLogger }));
    if (r) for (const o of r) assert.ok(o.mean.every(Number.isFinite), 'forecasts after Inf input are finite or an error');
  }
  for (const x of [fc, fe, f1, fk, fn, fi]) x.dispose();
}

// ------------------------------------------------------------------------------------------------
// detectors

function batchOf(f: Frame): RowBatch {
  return { columns: f.columns, values: f.columns.map((c) => Float64Array.from(f.getColumn(c).toArray() as number[], (v) => (v === null ? NaN : Number(v)))) };
}

async function detectorChecks(name: string, f: DetectorFixture): Promise<void> {
  const train = f.frame(200);
  const test = batchOf(f.frame(120));
  const d = await make<Detector>('detector', name, f);
  await assertNotFitted('score', () => d.score(test));
  await assertNotFitted('save', () => d.save(new MemoryBlobs()));
  const before = JSON.stringify(d.params);
  await d.fit(train, fitCtx);
  assertParamsKept(d, before);
  const fp = await fingerprint(d);
  const out = await d.score(test);
  assert.equal(out.score.length, 120);
  const w = d.warmup();
  assert.ok(w >= 0 && w < 120);
  for (let i = 0; i < 120; i++) assert.equal(Number.isNaN(out.score[i]!), i < w, `row ${i}: a score exactly after the ${w} warm-up rows`);
  if (out.cause) for (let i = w; i < 120; i++) assert.ok(out.cause[i]! >= 0 && out.cause[i]! < test.columns.length, 'cause indexes a channel');
  assert.equal(await fingerprint(d), fp, 'score changed the fitted state');

  // deterministic, restorable, and the same however the stream is cut into batches
  const d2 = await make<Detector>('detector', name, f);
  await d2.fit(f.frame(200), fitCtx);
  const cut: number[] = [];
  for (let s = 0; s < 120; s += 7) cut.push(...(await d2.score({ columns: test.columns, values: test.values.map((v) => v.subarray(s, Math.min(120, s + 7))) })).score);
  assert.deepStrictEqual(cut, [...out.score], 'batches of 7 rows scored differently from one batch');
  const back = await roundTrip('detector', d, f);
  assert.deepStrictEqual([...(await back.score(test)).score], [...out.score], 'restored detector scores differently');
  // channels in another order in the batch: found by name
  const rev = { columns: [...test.columns].reverse(), values: [...test.values].reverse() };
  const d3 = await roundTrip('detector', d, f);
  assert.deepStrictEqual([...(await d3.score(rev)).score], [...out.score], 'channel order changed the scores');
  // a missing channel, too few rows, NaN in the training data
  const d4 = await roundTrip('detector', d, f);
  await assert.rejects(async () => d4.score({ columns: test.columns.slice(1), values: test.values.slice(1) }), (x: unknown) => x instanceof MlkitError && x.kind === 'data');
  const d5 = await make<Detector>('detector', name, f);
  await assert.rejects(async () => d5.fit(train.head(2), fitCtx), (x: unknown) => x instanceof MlkitError && x.kind === 'data', 'two rows: a data error');
  const d6 = await make<Detector>('detector', name, f);
  if (!d6.tags.allowsNaN) await assert.rejects(async () => d6.fit(poisoned(train, NaN), fitCtx), (x: unknown) => x instanceof MlkitError && x.kind === 'data', 'allowsNaN false: NaN is a data error');
  const dc = await make<Detector>('detector', name, f);
  if (await resultOrClearError('fit on constant data', () => dc.fit(constant(train), fitCtx))) {
    const r = await dc.score(batchOf(constant(f.frame(120))));
    for (let i = w; i < 120; i++) assert.ok(Number.isFinite(r.score[i]!), 'constant data: finite scores');
  }
}

// ------------------------------------------------------------------------------------------------

test('every registered component has a conformance fixture', () => {
  assert.deepEqual(missingFixtures(registry, FIXTURES), []);
});

test('a component registered without a fixture fails the suite', () => {
  const r = builtinRegistry();
  r.register({ name: 'not_tested', kind: 'transformer', description: 'registered without a fixture', params: registry.get('transformer', 'standard_scaler').params, tags: { allowsNaN: true }, load: async () => { throw new Error('never loaded'); } });
  assert.deepEqual(missingFixtures(r, FIXTURES), ['transformer:not_tested']);
});

for (const kind of COMPONENT_KINDS) {
  describe(`conformance: ${kind}s`, () => {
    for (const name of registry.names(kind)) {
      test(`${kind} ${name}`, async () => {
        const f = FIXTURES[`${kind}:${name}`];
        if (!f) assert.fail(`${kind} "${name}" is registered without a fixture in tests/conformance/fixtures.ts`);
        assert.equal(f.kind, kind);
        if (f.kind === 'transformer') await transformerChecks(name, f);
        else if (f.kind === 'estimator') await estimatorChecks(name, f);
        else if (f.kind === 'forecaster') await forecasterChecks(name, f);
        else await detectorChecks(name, f);
      });
    }
  });
}
