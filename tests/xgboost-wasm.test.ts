import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadWasmEngine, wasmReferencePredict } from '../src/estimators/xgboost/wasm.js';
import { auc, errorRate, logloss, mae, merror, mlogloss, resolveEvalMetric, rmse } from '../src/estimators/xgboost/evalmetrics.js';
import type { DenseMatrix, FeatureType, RoundInfo, TrainRequest } from '../src/estimators/xgboost/engine.js';
import { BundleError, DataError, InterruptedError, MlkitError } from '../src/core/errors.js';

import { head, matrix, names, request, rng, tail } from './xgboost-fixtures.js';
function meta(cols: number, bestIteration: number, objective: string, numClass = 0) {
  return { bestIteration, featureNames: names(cols), featureTypes: Array<FeatureType>(cols).fill('q'), numClass, objective };
}

test('engine loads once and describes itself', async () => {
  const handlers = process.listeners('uncaughtException').length;
  const e = await loadWasmEngine();
  assert.equal(e.name, 'wasm');
  assert.match(e.description, /^ml-xgboost \d+\.\d+\.\d+ \(XGBoost ~0\.7, WASM, single-threaded\)$/);
  assert.equal(await loadWasmEngine(), e, 'cached');
  assert.equal(process.listeners('uncaughtException').length, handlers, 'the emscripten glue leaves no process handler behind');
});

test('regression learns y = 2*x0 + x1', async () => {
  const r = rng(1);
  const x = matrix(3000, 3, () => r());
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = 2 * x.data[i * 3]! + x.data[i * 3 + 1]!;
  const rounds: number[] = [];
  const warnings: string[] = [];
  const b = await (await loadWasmEngine()).train(
    request({
      train: head(x, 2500),
      label: y.subarray(0, 2500),
      params: { objective: 'reg:squarederror', eta: 0.3, max_depth: 4, nthread: 2, eval_metric: 'rmse' },
      numRound: 60,
      onRound: (info) => {
        rounds.push(info.round);
      },
      onWarning: (m) => warnings.push(m),
    }),
  );
  try {
    assert.deepEqual(warnings, []);
    assert.equal(b.engine, 'wasm');
    assert.equal(b.roundsTrained, 60);
    assert.equal(b.bestIteration, 59);
    assert.deepEqual(rounds, Array.from({ length: 60 }, (_, i) => i));
    const p = b.predict(tail(x, 2500));
    assert.equal(p.length, 500);
    const err = rmse(y.subarray(2500), p);
    assert.ok(err < 0.08, `rmse ${err}`);
    const imp = b.importance();
    assert.ok(imp.f0! > imp.f1!, 'x0 matters most');
    assert.ok(imp.f1! > (imp.f2 ?? 0), 'x1 matters more than the noise column');
    // the JS tree walker gives XGBoost's own predictions, bit for bit
    assert.deepEqual(p, await wasmReferencePredict(b.save(), tail(x, 2500)));
  } finally {
    b.dispose();
    b.dispose(); // idempotent
  }
  assert.throws(() => b.predict(x), MlkitError);
});

test('binary:logistic with NaN as missing; predictions match XGBoost (wasm) exactly', async () => {
  const r = rng(2);
  const rows = 4000;
  // x0 is missing for a third of the rows, and missingness itself is informative
  const x = matrix(rows, 4, (_, j) => (j === 0 && r() < 0.33 ? NaN : r() * 2 - 1));
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const x0 = x.data[i * 4]!;
    y[i] = Number.isNaN(x0) ? 1 : x0 + 0.5 * x.data[i * 4 + 1]! > 0 ? 1 : 0;
  }
  const b = await (await loadWasmEngine()).train(
    request({ train: head(x, 3000), label: y.subarray(0, 3000), params: { objective: 'binary:logistic', max_depth: 4, base_score: 0.4 }, numRound: 40 }),
  );
  try {
    const test = tail(x, 3000);
    const p = b.predict(test);
    assert.equal(p.length, 1000);
    assert.ok(p.every((v) => v > 0 && v < 1));
    const err = errorRate(y.subarray(3000), p);
    assert.ok(err < 0.05, `error ${err}`);
    for (let i = 0; i < 1000; i++) if (Number.isNaN(test.data[i * 4])) assert.ok(p[i]! > 0.9, 'missing x0 -> class 1');
    assert.deepEqual(p, await wasmReferencePredict(b.save(), test));
  } finally {
    b.dispose();
  }
});

test('a real -1 value produces a warning and stays a number (not missing)', async () => {
  // x0 in {-1, NaN, 1}: label 1 only for -1. If -1 were taken as missing it could not be told from NaN.
  const rows = 600;
  const x = matrix(rows, 2, (i, j) => (j === 1 ? i % 7 : [-1, NaN, 1][i % 3]!));
  const y = new Float32Array(rows).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const warnings: string[] = [];
  const b = await (await loadWasmEngine()).train(
    request({ train: x, label: y, featureNames: ['a', 'b'], params: { objective: 'binary:logistic', max_depth: 3 }, numRound: 20, onWarning: (m) => warnings.push(m) }),
  );
  try {
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /200 training value\(s\) are exactly -1 \(a: 200\)/);
    const p = b.predict(x);
    for (let i = 0; i < rows; i++) assert.equal(p[i]! > 0.5, y[i] === 1, `row ${i}`);
    assert.deepEqual(p, await wasmReferencePredict(b.save(), x));
  } finally {
    b.dispose();
  }
});

test('categorical features are a usage error; unsupported params warn; bad params are config errors', async () => {
  const e = await loadWasmEngine();
  const x = matrix(100, 2, (i, j) => (j === 1 ? i % 3 : i / 100));
  const y = new Float32Array(100).map((_, i) => i % 2);
  await assert.rejects(
    e.train(request({ train: x, label: y, featureNames: ['num', 'colour'], featureTypes: ['q', 'c'] })),
    (err) => err instanceof MlkitError && err.kind === 'usage' && /one-hot encode/.test(err.message) && /colour/.test(err.message),
  );
  await assert.rejects(e.train(request({ train: x, label: y, params: { objective: 'multi:softmax', num_class: 2 } })), (err) => err instanceof MlkitError && err.kind === 'usage' && /multi:softprob/.test(err.message));
  await assert.rejects(e.train(request({ train: x, label: y, params: { objective: 'count:poisson' } })), (err) => err instanceof MlkitError && err.kind === 'usage');
  await assert.rejects(e.train(request({ train: x, label: y, params: { booster: 'gblinear' } })), (err) => err instanceof MlkitError && err.kind === 'usage');
  await assert.rejects(e.train(request({ train: x, label: y, params: { subsample: 1.5 } })), (err) => err instanceof MlkitError && err.kind === 'config' && err.place.path === 'params.subsample');
  await assert.rejects(e.train(request({ train: x, label: y, params: { max_depth: 'deep' } })), (err) => err instanceof MlkitError && err.kind === 'config');
  // values XGBoost 0.7 would abort on (C float overflow) are refused up front
  await assert.rejects(e.train(request({ train: x, label: y, params: { eta: 1e300 } })), (err) => err instanceof MlkitError && err.kind === 'config' && err.place.path === 'params.eta');
  await assert.rejects(e.train(request({ train: x, label: y, params: { eta: 0.1, learning_rate: 0.2 } })), (err) => err instanceof MlkitError && err.kind === 'config');
  await assert.rejects(
    e.train(request({ train: x, label: y, valid: { x, label: y }, evalMetric: 'ndcg', earlyStoppingRounds: 2 })),
    (err) => err instanceof MlkitError && err.kind === 'usage' && /ndcg/.test(err.message),
  );
  await assert.rejects(e.train(request({ train: x, label: y, earlyStoppingRounds: 2 })), (err) => err instanceof MlkitError && err.kind === 'usage');
  const warnings: string[] = [];
  const b = await e.train(
    request({ train: x, label: y, numRound: 2, params: { max_bin: 64, grow_policy: 'lossguide', nthread: 4, tree_method: 'hist', verbosity: 0, eval_metric: 'auc' }, onWarning: (m) => warnings.push(m) }),
  );
  b.dispose();
  assert.deepEqual(warnings, ['param max_bin is not supported by the wasm engine; ignored', 'param grow_policy is not supported by the wasm engine; ignored']);
});

test('early stopping on a validation set keeps the best iteration', async () => {
  const r = rng(3);
  const x = matrix(1200, 3, () => r());
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = x.data[i * 3]! + r() * 2; // mostly noise: overfits fast
  const e = await loadWasmEngine();
  const history: RoundInfo[] = [];
  const valid = { x: tail(x, 800), label: y.subarray(800) };
  const b = await e.train(
    request({
      train: head(x, 800),
      label: y.subarray(0, 800),
      valid,
      params: { objective: 'reg:squarederror', eta: 0.5, max_depth: 6, eval_metric: 'rmse' },
      numRound: 200,
      earlyStoppingRounds: 4,
      evalMetric: 'rmse',
      maximize: false,
      onRound: (info) => {
        history.push(info);
      },
    }),
  );
  let loaded: ReturnType<typeof e.load> | undefined;
  try {
    assert.ok(b.roundsTrained < 200, `stopped after ${b.roundsTrained}`);
    assert.equal(b.bestIteration, b.roundsTrained - 1 - 4);
    assert.deepEqual(history.map((h) => h.round), Array.from({ length: b.roundsTrained }, (_, i) => i));
    const scores = history.map((h) => h.valid!);
    assert.equal(Math.min(...scores), scores[b.bestIteration]);
    // the reported metric is the metric of the kept model's predictions
    assert.equal(rmse(valid.label, b.predict(valid.x)), scores[b.bestIteration]);
    // the saved model holds exactly the rounds trained (nothing past the stopping point)
    const all = e.load(b.save(), meta(3, b.roundsTrained - 1, 'reg:squarederror'));
    assert.equal(all.roundsTrained, b.roundsTrained);
    assert.equal(rmse(valid.label, all.predict(valid.x)), scores[b.roundsTrained - 1]);
    all.dispose();
    loaded = e.load(b.save(), meta(3, b.bestIteration, 'reg:squarederror'));
    assert.deepEqual(loaded.predict(x), b.predict(x));
  } finally {
    b.dispose();
    loaded?.dispose();
  }
});

test('auc early stopping maximizes; multi:softprob gives rows of probabilities', async () => {
  const r = rng(4);
  const rows = 1500;
  const x = matrix(rows, 3, () => r() * 2 - 1);
  const yc = new Float32Array(rows);
  for (let i = 0; i < rows; i++) yc[i] = x.data[i * 3]! > 0.3 ? 2 : x.data[i * 3]! > -0.3 ? 1 : 0;
  const e = await loadWasmEngine();
  const hist: number[] = [];
  const m = await e.train(
    request({
      train: head(x, 1000),
      label: yc.subarray(0, 1000),
      valid: { x: tail(x, 1000), label: yc.subarray(1000) },
      params: { objective: 'multi:softprob', num_class: 3, max_depth: 3 },
      numRound: 30,
      evalMetric: 'merror',
      onRound: (info) => {
        hist.push(info.valid!);
      },
    }),
  );
  try {
    const p = m.predict(tail(x, 1000));
    assert.equal(p.length, 500 * 3);
    for (let i = 0; i < 500; i++) assert.ok(Math.abs(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]! - 1) < 1e-5);
    assert.ok(merror(yc.subarray(1000), p, 3) < 0.05);
    assert.equal(hist.length, 30);
    assert.equal(hist[29], merror(yc.subarray(1000), p, 3));
    assert.deepEqual(p, await wasmReferencePredict(m.save(), tail(x, 1000)));
    const again = e.load(m.save(), meta(3, 29, 'multi:softprob', 3));
    assert.deepEqual(again.predict(x), m.predict(x));
    assert.throws(() => e.load(m.save(), meta(3, 29, 'binary:logistic')), BundleError);
  } finally {
    m.dispose();
  }

  const yb = new Float32Array(rows).map((_, i) => (x.data[i * 3]! + 0.4 * r() > 0.2 ? 1 : 0));
  const seen: number[] = [];
  const b = await e.train(
    request({
      train: head(x, 1000),
      label: yb.subarray(0, 1000),
      valid: { x: tail(x, 1000), label: yb.subarray(1000) },
      params: { objective: 'binary:logistic', eta: 0.8, max_depth: 6 },
      numRound: 300,
      earlyStoppingRounds: 5,
      evalMetric: 'auc',
      maximize: true,
      onRound: (info) => {
        seen.push(info.valid!);
      },
    }),
  );
  try {
    assert.ok(b.roundsTrained < 300);
    assert.equal(Math.max(...seen), seen[b.bestIteration]);
    assert.equal(seen.indexOf(Math.max(...seen)), b.bestIteration, 'first best wins ties');
  } finally {
    b.dispose();
  }
});

test('save -> load gives identical predictions and importance; corrupt bytes are a BundleError', async () => {
  const r = rng(5);
  const x = matrix(1000, 4, (_, j) => (r() < 0.1 ? NaN : j === 3 ? Math.floor(r() * 3) - 1 : r()));
  const y = new Float32Array(1000).map((_, i) => ((x.data[i * 4] || 0) + (x.data[i * 4 + 3] === -1 ? 0.5 : 0) > 0.6 ? 1 : 0));
  const e = await loadWasmEngine();
  const b = await e.train(request({ train: x, label: y, params: { objective: 'binary:logistic', subsample: 0.8, colsample_bytree: 0.8, seed: 7 }, numRound: 25 }));
  try {
    const bytes = b.save();
    const loaded = e.load(bytes, meta(4, b.bestIteration, 'binary:logistic'));
    assert.equal(loaded.engine, 'wasm');
    assert.equal(loaded.roundsTrained, 25);
    assert.deepEqual(loaded.predict(x), b.predict(x));
    assert.deepEqual(loaded.importance(), b.importance());
    assert.deepEqual(loaded.save(), bytes);
    // fewer rounds kept -> other predictions
    const first = e.load(bytes, meta(4, 9, 'binary:logistic'));
    assert.notDeepEqual(first.predict(x), b.predict(x));
    loaded.dispose();
    first.dispose();
    // same seed, same data -> same model bytes
    const b2 = await e.train(request({ train: x, label: y, params: { objective: 'binary:logistic', subsample: 0.8, colsample_bytree: 0.8, seed: 7 }, numRound: 25 }));
    assert.deepEqual(b2.save(), bytes);
    b2.dispose();
    assert.throws(() => e.load(bytes.subarray(0, bytes.length - 10), meta(4, 24, 'binary:logistic')), BundleError);
    assert.throws(() => e.load(new TextEncoder().encode('{"learner":{}}'), meta(4, 24, 'binary:logistic')), BundleError);
    assert.throws(() => e.load(bytes, meta(5, 24, 'binary:logistic')), BundleError);
    assert.throws(() => e.load(bytes, meta(4, 25, 'binary:logistic')), BundleError);
  } finally {
    b.dispose();
  }
});

test('abort signal interrupts training; bad input is a DataError', async () => {
  const e = await loadWasmEngine();
  const x = matrix(200, 2, (i, j) => i + j);
  const y = new Float32Array(200).map((_, i) => i % 2);
  const ac = new AbortController();
  await assert.rejects(
    e.train(request({ train: x, label: y, numRound: 50, onRound: (info) => { if (info.round === 2) ac.abort(); }, signal: ac.signal })),
    InterruptedError,
  );
  await assert.rejects(e.train(request({ train: x, label: y.subarray(0, 10) })), DataError);
  const nanLabel = new Float32Array(y);
  nanLabel[7] = NaN;
  await assert.rejects(e.train(request({ train: x, label: nanLabel })), (err) => err instanceof DataError && /row 8/.test(err.message));
  await assert.rejects(e.train(request({ train: { ...x, rows: 201 }, label: y })), DataError);
  await assert.rejects(
    e.train(request({ train: x, label: y.map((v) => v * 3), params: { objective: 'binary:logistic' } })),
    (err) => err instanceof DataError && /label/.test(err.message),
  );
  await assert.rejects(e.train(request({ train: x, label: y, params: { objective: 'multi:softprob', num_class: 2 }, featureNames: ['a', 'a'] })), DataError);
  const b = await e.train(request({ train: x, label: y, numRound: 2 }));
  try {
    assert.throws(() => b.predict(matrix(3, 5, () => 0)), DataError);
    assert.equal(b.predict(matrix(0, 2, () => 0)).length, 0);
  } finally {
    b.dispose();
  }
});

test('200,000 x 20 trains through the module heap', async () => {
  const r = rng(6);
  const rows = 200_000;
  const cols = 20;
  const x = matrix(rows, cols, () => r());
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = x.data[i * cols]! + x.data[i * cols + 1]! > 1 ? 1 : 0;
  const b = await (await loadWasmEngine()).train(request({ train: x, label: y, params: { objective: 'binary:logistic', max_depth: 4 }, numRound: 3 }));
  try {
    assert.equal(b.roundsTrained, 3);
    const p = b.predict(x);
    assert.equal(p.length, rows);
    assert.ok(errorRate(y, p) < 0.1);
    assert.deepEqual(Object.keys(b.importance()).sort(), ['f0', 'f1']);
  } finally {
    b.dispose();
  }
});

test('eval metrics follow XGBoost definitions', () => {
  const y = [0, 0, 1, 1];
  assert.equal(auc(y, [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(auc(y, [0.5, 0.5, 0.5, 0.5]), 0.5, 'ties count one half');
  assert.equal(auc([1, 1], [0.2, 0.3]), NaN);
  assert.ok(Math.abs(logloss(y, [0.1, 0.2, 0.7, 0.9]) - -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7) + Math.log(0.9)) / 4) < 1e-12);
  assert.ok(Number.isFinite(logloss([1], [0])), 'clipped');
  assert.equal(errorRate(y, [0.1, 0.6, 0.7, 0.4]), 0.5);
  assert.equal(resolveEvalMetric('error@0.65')!.compute(y, [0.1, 0.6, 0.7, 0.4], 1), 0.25);
  assert.equal(rmse([1, 2], [1, 4]), Math.sqrt(2));
  assert.equal(mae([1, 2], [1, 4]), 1);
  assert.equal(merror([0, 2], [0.5, 0.3, 0.2, 0.4, 0.4, 0.2], 3), 0.5, 'first max wins');
  assert.ok(Math.abs(mlogloss([0, 2], [0.5, 0.3, 0.2, 0.1, 0.1, 0.8], 3) - -(Math.log(0.5) + Math.log(0.8)) / 2) < 1e-12);
  assert.equal(resolveEvalMetric('auc')!.maximize, true);
  assert.equal(resolveEvalMetric('ndcg'), undefined);
  assert.equal(resolveEvalMetric('error@x'), undefined);
});
