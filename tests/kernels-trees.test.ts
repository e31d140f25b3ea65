/**
 * The tree kernel (src/kernels/c/trees.c, kernels/trees.ts) against libxgboost's own predictor, on
 * models libxgboost trains here: identity objectives bit for bit, the others (sigmoid, softmax, exp) within
 * two float32 ulps (the kernel takes exp in float64 and rounds; libxgboost uses glibc's expf, and 1 + e
 * and the division round again: the predict benchmark's 1M rows have 207 at one ulp, 60 at two). Also the
 * worker-thread pool against the kernel on the main thread, and the models the kernel leaves to
 * libxgboost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { findNativeLibrary, loadNativeEngine } from '../src/estimators/xgboost/native.js';
import type { DenseMatrix, FeatureType, TrainedBooster, TrainRequest } from '../src/estimators/xgboost/engine.js';
import { kernels } from '../src/kernels/index.js';
import { packXGBoost, parseXGBoostJSON, probeRows, sameWithinUlps, TreeEnsemble } from '../src/kernels/trees.js';
import { TreePool } from '../src/kernels/trees-pool.js';
import { matrix, request, rng } from './xgboost-fixtures.js';

const lib = findNativeLibrary();
const skip = lib.path ? false : `libxgboost not found (${lib.how})`;

/**
 * libxgboost's predictions (MLKIT_KERNELS=off when the booster first predicts) and the kernel's, same
 * model: the kernel's straight from TreeEnsemble (the booster falls back to libxgboost when its own check
 * fails, which would hide a kernel bug), and the booster with the kernels on must give exactly those.
 */
function both(b: TrainedBooster, x: DenseMatrix, meta: { featureTypes: FeatureType[] }): { ref: Float64Array; got: Float64Array } {
  const engine = loadNativeEngine(lib.path!);
  const bytes = b.save();
  const m = { bestIteration: b.bestIteration, featureNames: Array.from({ length: x.cols }, (_, j) => `f${j}`), featureTypes: meta.featureTypes, numClass: 1, objective: '' };
  const saved = process.env.MLKIT_KERNELS;
  try {
    process.env.MLKIT_KERNELS = 'off';
    const refB = engine.load(bytes, m);
    const ref = refB.predict(x);
    refB.dispose();
    process.env.MLKIT_KERNELS = 'on';
    const kB = engine.load(bytes, m);
    const viaBooster = kB.predict(x);
    kB.dispose();
    const pack = packXGBoost(parseXGBoostJSON(Buffer.from(bytes).toString()), x.cols);
    if ('unsupported' in pack) return { ref, got: viaBooster };
    const ens = new TreeEnsemble(kernels()!, pack);
    const got = Float64Array.from(ens.predict(x.data, x.rows, x.cols, b.bestIteration + 1));
    ens.dispose();
    assert.deepEqual(viaBooster, got, 'the booster predicts with the kernel');
    return { ref, got };
  } finally {
    if (saved === undefined) delete process.env.MLKIT_KERNELS;
    else process.env.MLKIT_KERNELS = saved;
  }
}

function assertClose(ref: Float64Array, got: Float64Array, ulps: number, what: string): void {
  assert.equal(got.length, ref.length, what);
  let bad = 0, first = -1;
  for (let i = 0; i < ref.length; i++) if (!sameWithinUlps([ref[i]!], [got[i]!], ulps)) { bad++; if (first < 0) first = i; }
  assert.equal(bad, 0, `${what}: ${bad} of ${ref.length} differ by more than ${ulps} ulp(s), first at ${first}: ${ref[first]} vs ${got[first]}`);
}

/** n rows: 5 numeric features (4% missing) and, with cats > 0, a categorical one with codes 0..cats-1 */
function data(n: number, cats: number, seed = 7): { x: DenseMatrix; types: FeatureType[]; score: Float64Array } {
  const r = rng(seed);
  const cols = cats > 0 ? 6 : 5;
  const x = matrix(n, cols, (_, j) => (r() < 0.04 ? NaN : j === 5 ? Math.floor(r() * cats) : (r() - 0.5) * 10 * (j + 1)));
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = (j: number) => { const a = x.data[i * cols + j]!; return Number.isNaN(a) ? 0 : a; };
    score[i] = v(0) * 0.3 - v(1) * 0.1 + Math.sin(v(2)) + (cats > 0 ? ((v(5) * 7919) % 5) - 2 : 0) + (r() - 0.5);
  }
  return { x, types: Array.from({ length: cols }, (_, j) => (j === 5 ? 'c' : 'q')), score };
}

/** rows to predict: the training rows plus odd categories (unknown, negative, fractional, huge, NaN) */
function probe(x: DenseMatrix, cats: number): DenseMatrix {
  if (x.cols < 6) return x;
  const extra = [cats, cats + 40, -1, -0.5, 2.5, 1e8, 16777215, NaN, 0, -0];
  const out = new Float32Array(x.data.length + extra.length * x.cols);
  out.set(x.data);
  extra.forEach((c, k) => {
    const o = x.data.length + k * x.cols;
    out.set(x.data.subarray(k * x.cols, (k + 1) * x.cols), o);
    out[o + 5] = c;
  });
  return { data: out, rows: x.rows + extra.length, cols: x.cols };
}

async function train(over: Partial<TrainRequest> & Pick<TrainRequest, 'train' | 'label'>): Promise<TrainedBooster> {
  return loadNativeEngine(lib.path!).train(request(over));
}

test('tree kernel = libxgboost: regression bit for bit (missing values, base_score, deep lossguide trees)', { skip }, async () => {
  const { x, score } = data(3000, 0);
  const sets: Array<Record<string, string | number>> = [
    { max_depth: 6, eta: 0.3 },
    { max_depth: 9, eta: 0.2, base_score: 0.37 },
    { grow_policy: 'lossguide', max_depth: 0, max_leaves: 80, eta: 0.3 },
  ];
  for (const params of sets) {
    const b = await train({ train: x, label: Float32Array.from(score), params: { objective: 'reg:squarederror', tree_method: 'hist', ...params }, numRound: 30 });
    const { ref, got } = both(b, x, { featureTypes: Array(5).fill('q') });
    assertClose(ref, got, 0, `reg:squarederror ${JSON.stringify(params)}`);
    b.dispose();
  }
});

test('tree kernel = libxgboost: categorical splits, small sets (bit masks) and large ones (bit sets), odd category values', { skip }, async () => {
  for (const cats of [8, 29, 30, 200]) {
    const { x, types, score } = data(4000, cats, cats);
    const b = await train({
      train: x, label: Float32Array.from(score), featureTypes: types,
      params: { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, max_cat_to_onehot: 1 }, numRound: 25,
    });
    const pack = packXGBoost(parseXGBoostJSON(Buffer.from(b.save()).toString()), x.cols);
    assert.ok(!('unsupported' in pack), `${cats} categories: packed`);
    assert.equal(pack.catMode, cats <= 30 ? 1 : 2, `${cats} categories: catMode`);
    const { ref, got } = both(b, probe(x, cats), { featureTypes: types });
    assertClose(ref, got, 0, `${cats} categories`);
    b.dispose();
  }
});

test('tree kernel = libxgboost within 2 ulps: binary:logistic, multi:softprob (parallel trees), poisson, gamma, reg:logistic, tweedie; absolute, squared-log and pseudo-Huber error; best iteration', { skip }, async () => {
  const { x, types, score } = data(3000, 8, 3);
  const cases: Array<[string, Record<string, string | number>, (s: number) => number]> = [
    ['binary:logistic', {}, (s) => (s > 0 ? 1 : 0)],
    ['multi:softprob', { num_class: 3, num_parallel_tree: 2, subsample: 0.8 }, (s) => (s < -1 ? 0 : s < 1 ? 1 : 2)],
    ['count:poisson', {}, (s) => Math.floor(Math.exp(s / 4))],
    ['reg:gamma', {}, (s) => Math.exp(s / 4)],
    ['reg:logistic', {}, (s) => 1 / (1 + Math.exp(-s))],
    ['reg:tweedie', { tweedie_variance_power: 1.3 }, (s) => Math.max(0, s)],
    ['reg:absoluteerror', {}, (s) => s],
    ['reg:squaredlogerror', {}, (s) => Math.exp(s / 3)],
    ['reg:pseudohubererror', { huber_slope: 2 }, (s) => s * 10],
  ];
  for (const [objective, extra, label] of cases) {
    const y = Float32Array.from(score, label);
    const b = await train({ train: x, label: y, featureTypes: types, params: { objective, tree_method: 'hist', max_depth: 5, ...extra }, numRound: 20 });
    const { ref, got } = both(b, probe(x, 8), { featureTypes: types });
    assertClose(ref, got, 2, objective);
    b.dispose();
  }
  // early stopping: predictions use rounds [0, best iteration]
  const y = Float32Array.from(score, (s) => (s > 0 ? 1 : 0));
  const v = data(1000, 8, 99);
  const valid = { x: v.x, label: Float32Array.from(v.score, (s) => (s > 0 ? 1 : 0)) };
  const b = await train({ train: x, label: y, featureTypes: types, valid, params: { objective: 'binary:logistic', tree_method: 'hist', eta: 0.9, max_depth: 8 }, numRound: 60, earlyStoppingRounds: 3, evalMetric: 'logloss' });
  assert.ok(b.bestIteration < b.roundsTrained - 1, 'early stopping kept fewer rounds than trained');
  const { ref, got } = both(b, x, { featureTypes: types });
  assertClose(ref, got, 2, 'best iteration');
  b.dispose();
});

test('tree kernel: worker threads give the main thread\'s results; models it does not cover stay on libxgboost', { skip }, async () => {
  const { x, types, score } = data(20000, 12, 11);
  const b = await train({ train: x, label: Float32Array.from(score, (s) => (s < -1 ? 0 : s < 1 ? 1 : 2)), featureTypes: types, params: { objective: 'multi:softprob', num_class: 3, tree_method: 'hist' }, numRound: 15 });
  const pack = packXGBoost(parseXGBoostJSON(Buffer.from(b.save()).toString()), x.cols);
  assert.ok(!('unsupported' in pack));
  const ens = new TreeEnsemble(kernels()!, pack);
  const main = ens.predict(x.data, x.rows, x.cols, 15);
  ens.dispose();
  for (const threads of [1, 3]) {
    const pool: TreePool = new TreePool(pack, threads);
    try {
      const viaPool: Float32Array = await pool.predict(x.data.slice(), x.rows, x.cols, 15);
      assert.deepEqual(viaPool, main, `${threads} worker(s)`);
      // a view into a larger buffer is copied, not detached
      const view = x.data.subarray(x.cols, 101 * x.cols);
      assert.deepEqual(await pool.predict(view, 100, x.cols, 15), main.subarray(3, 303));
      assert.equal(view.length, 100 * x.cols);
    } finally {
      await pool.close();
    }
  }
  // predictAsync through the booster equals predict
  const sync = b.predict(x);
  const async_ = await b.predictAsync!({ data: x.data.slice(), rows: x.rows, cols: x.cols });
  assertClose(sync, async_, 0, 'predictAsync');
  b.dispose();

  const others: Array<Record<string, string | number>> = [{ booster: 'dart', rate_drop: 0.1 }, { objective: 'reg:pseudohubererror' }, { objective: 'binary:hinge' }];
  for (const params of others) {
    const y = Float32Array.from(score, (s) => (s > 0 ? 1 : 0));
    const m = await train({ train: x, label: y, featureTypes: types, params: { objective: 'binary:logistic', tree_method: 'hist', ...params }, numRound: 5 });
    const p = packXGBoost(parseXGBoostJSON(Buffer.from(m.save()).toString()), x.cols);
    const covered = !('unsupported' in p);
    assert.equal(covered, params.objective === 'reg:pseudohubererror', JSON.stringify(params));
    const { ref, got } = both(m, x, { featureTypes: types });
    assertClose(ref, got, 0, `${JSON.stringify(params)} predicted`);
    m.dispose();
  }
});

test('the booster\'s check of the kernel against libxgboost catches a misread model; base_score as a list (XGBoost 3.1)', { skip }, async () => {
  const { x, types, score } = data(3000, 8, 5);
  const b = await train({ train: x, label: Float32Array.from(score, (s) => (s > 0 ? 1 : 0)), featureTypes: types, params: { objective: 'binary:logistic', tree_method: 'hist', max_depth: 5 }, numRound: 15 });
  const json = parseXGBoostJSON(Buffer.from(b.save()).toString()) as any;
  const pack = packXGBoost(json, x.cols);
  assert.ok(!('unsupported' in pack));
  const probe = probeRows(pack);
  const want = b.predict(probe); // (MLKIT_KERNELS unset: the kernel, itself checked on these rows)
  const ens = new TreeEnsemble(kernels()!, pack);
  assert.ok(sameWithinUlps(want, ens.predict(probe.data, probe.rows, probe.cols, 15), 2), 'the true pack passes');
  ens.dispose();
  // one leaf off by 0.5: the probe rows reach it
  const leaf = pack.leaf.findIndex((_, n) => pack.nodes[4 * n + 2] === n);
  pack.leaf[leaf] = pack.leaf[leaf]! + 0.5;
  const bad = new TreeEnsemble(kernels()!, pack);
  assert.ok(!sameWithinUlps(want, bad.predict(probe.data, probe.rows, probe.cols, 15), 2), 'a misread pack fails');
  bad.dispose();
  // XGBoost 3.1 writes base_score as a list: read as its one value; several values are left to libxgboost
  const asList = structuredClone(json);
  asList.learner.learner_model_param.base_score = `[${json.learner.learner_model_param.base_score}]`;
  const p2 = packXGBoost(asList, x.cols);
  assert.ok(!('unsupported' in p2) && p2.baseMargin === (pack as any).baseMargin);
  asList.learner.learner_model_param.base_score = '[5E-1,5E-1]';
  assert.ok('unsupported' in packXGBoost(asList, x.cols));
  b.dispose();
});

test('parseXGBoostJSON: NaN and Infinity outside strings, kept inside them', () => {
  const v = parseXGBoostJSON('{"a":[NaN,-Infinity,Infinity,1E0],"NaN":"x NaN Infinity \\" NaN"}') as any;
  assert.deepEqual(v.a, [null, -Infinity, Infinity, 1]);
  assert.equal(v.NaN, 'x NaN Infinity " NaN');
});
