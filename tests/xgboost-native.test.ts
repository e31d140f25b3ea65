import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findNativeLibrary, formatParam, loadNativeEngine, parseEvalLine, pythonFloatRepr } from '../src/estimators/xgboost/native.js';
import type { DenseMatrix, FeatureType, TrainRequest, XGBoostEngine } from '../src/estimators/xgboost/engine.js';
import { DataError, InterruptedError, MlkitError } from '../src/core/errors.js';

const lib = findNativeLibrary();
const skip = lib.path ? false : `libxgboost not found (${lib.how})`;

function engine(): XGBoostEngine {
  return loadNativeEngine(lib.path!);
}

import { head, matrix, names, request, rng, tail } from './xgboost-fixtures.js';

test('pure helpers: number formatting, eval line parsing, python float repr', () => {
  assert.equal(formatParam(0.1), '0.1');
  assert.equal(formatParam(1e21), '1e+21');
  assert.equal(formatParam(123456789), '123456789');
  assert.equal(formatParam(true), '1');
  assert.equal(formatParam('hist'), 'hist');
  const m = parseEvalLine('[3]\ttrain-auc:0.5\tvalid-auc:0.91\tvalid-error@0.7:0.25\tvalid-logloss:nan', 'valid');
  assert.equal(m.get('auc'), 0.91);
  assert.equal(m.get('error@0.7'), 0.25);
  assert.ok(Number.isNaN(m.get('logloss')));
  assert.deepEqual(
    [0.97, 1e-5, 100, 1e16, 0.1 + 0.2, -2.5e-7].map(pythonFloatRepr),
    ['0.97', '1e-05', '100.0', '1e+16', '0.30000000000000004', '-2.5e-07'],
  );
});

test('findNativeLibrary honours MLKIT_XGBOOST_LIB and says why it is unusable', () => {
  const saved = process.env.MLKIT_XGBOOST_LIB;
  try {
    process.env.MLKIT_XGBOOST_LIB = '/nonexistent/libxgboost.so';
    const r = findNativeLibrary();
    assert.equal(r.path, null);
    assert.match(r.how, /MLKIT_XGBOOST_LIB=\/nonexistent\/libxgboost\.so.*no such file/);
    assert.deepEqual(r.tried, ['/nonexistent/libxgboost.so']);
    assert.throws(() => loadNativeEngine('/nonexistent/libxgboost.so'), (e) => e instanceof MlkitError && e.kind === 'usage');
  } finally {
    if (saved === undefined) delete process.env.MLKIT_XGBOOST_LIB;
    else process.env.MLKIT_XGBOOST_LIB = saved;
  }
  const r = findNativeLibrary();
  assert.equal(typeof r.how, 'string');
  assert.ok(r.tried.length > 0);
});

test('engine description names the version and path', { skip }, () => {
  const e = engine();
  assert.equal(e.name, 'native');
  assert.match(e.description, /^libxgboost \d+\.\d+\.\d+ at \//);
  assert.equal(loadNativeEngine(lib.path!), e, 'cached per path');
});

test('OMP_WAIT_POLICY: passive before libxgboost loads unless the user set it (libgomp reports what it read)', { skip }, () => {
  // a fresh process each time: libgomp reads its environment once, when it is loaded
  const native = new URL('../src/estimators/xgboost/native.js', import.meta.url).href;
  const script = `const { loadNativeEngine } = await import(${JSON.stringify(native)}); loadNativeEngine(${JSON.stringify(lib.path)}); console.log(process.env.OMP_WAIT_POLICY);`;
  const load = (policy: string | undefined) => {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_DISPLAY_ENV: 'verbose' };
    delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
    if (policy !== undefined) env.OMP_WAIT_POLICY = policy;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return { env: r.stdout.trim(), spin: /GOMP_SPINCOUNT = '(\d+)'/.exec(r.stderr)?.[1] };
  };
  const unset = load(undefined);
  const active = load('active');
  assert.equal(unset.env, 'passive');
  assert.equal(active.env, 'active');
  // libgomp (Linux) prints its settings; LLVM's libomp (macOS) does not print GOMP_SPINCOUNT
  if (unset.spin !== undefined) {
    assert.equal(unset.spin, '0', 'passive: no spinning');
    assert.notEqual(active.spin, '0', 'the user\'s active policy is kept');
  }
});

test('regression learns y = 2*x0 + x1', { skip }, async () => {
  const r = rng(1);
  const x = matrix(3000, 3, () => r());
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = 2 * x.data[i * 3]! + x.data[i * 3 + 1]!;
  const rounds: number[] = [];
  const b = await engine().train(
    request({
      train: head(x, 2500),
      label: y.subarray(0, 2500),
      params: { objective: 'reg:squarederror', eta: 0.3, max_depth: 4 },
      numRound: 60,
      onRound: (info) => {
        rounds.push(info.round);
      },
    }),
  );
  try {
    assert.equal(b.roundsTrained, 60);
    assert.equal(b.bestIteration, 59);
    assert.deepEqual(rounds, Array.from({ length: 60 }, (_, i) => i));
    const p = b.predict(tail(x, 2500));
    assert.equal(p.length, 500);
    let sse = 0;
    for (let i = 0; i < 500; i++) sse += (p[i]! - y[2500 + i]!) ** 2;
    const rmse = Math.sqrt(sse / 500);
    assert.ok(rmse < 0.08, `rmse ${rmse}`);
    const imp = b.importance();
    assert.ok(imp.f0! > imp.f1!, 'x0 matters most');
    assert.ok(imp.f1! > (imp.f2 ?? 0), 'x1 matters more than the noise column');
  } finally {
    b.dispose();
    b.dispose(); // idempotent
  }
  assert.throws(() => b.predict(head(x, 2)), MlkitError);
});

test('binary:logistic with missing values (NaN) and a validation metric', { skip }, async () => {
  const r = rng(2);
  const x = matrix(4000, 4, () => (r() < 0.15 ? NaN : r()));
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const a = x.data[i * 4]!;
    y[i] = Number.isNaN(a) ? 1 : a > 0.5 ? 1 : 0; // missingness itself is informative
  }
  const valids: number[] = [];
  const b = await engine().train(
    request({
      train: head(x, 3000),
      label: y.subarray(0, 3000),
      valid: { x: tail(x, 3000), label: y.subarray(3000) },
      params: { objective: 'binary:logistic', eta: 0.3, max_depth: 3, eval_metric: 'logloss,auc' },
      numRound: 20,
      evalMetric: 'auc',
      maximize: true,
      onRound: (info) => {
        valids.push(info.valid!);
      },
    }),
  );
  try {
    assert.equal(valids.length, 20);
    assert.ok(valids.every((v) => v > 0.9 && v <= 1), `valid auc ${valids}`);
    const p = b.predict(tail(x, 3000));
    let correct = 0;
    for (let i = 0; i < p.length; i++) {
      assert.ok(p[i]! >= 0 && p[i]! <= 1);
      if ((p[i]! > 0.5 ? 1 : 0) === y[3000 + i]) correct++;
    }
    assert.ok(correct / p.length > 0.97, `accuracy ${correct / p.length}`);
  } finally {
    b.dispose();
  }
});

test('multi:softprob rows sum to 1', { skip }, async () => {
  const r = rng(3);
  const x = matrix(1500, 2, () => r());
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = Math.min(2, Math.floor(x.data[i * 2]! * 3));
  const b = await engine().train(
    request({ train: x, label: y, params: { objective: 'multi:softprob', num_class: 3, max_depth: 3 }, numRound: 10 }),
  );
  try {
    const p = b.predict(head(x, 100));
    assert.equal(p.length, 300);
    let correct = 0;
    for (let i = 0; i < 100; i++) {
      const row = [p[i * 3]!, p[i * 3 + 1]!, p[i * 3 + 2]!];
      assert.ok(Math.abs(row[0]! + row[1]! + row[2]! - 1) < 1e-5);
      if (row.indexOf(Math.max(...row)) === y[i]) correct++;
    }
    assert.ok(correct >= 95, `accuracy ${correct}%`);
  } finally {
    b.dispose();
  }
});

test('categorical features (type c) get categorical splits', { skip }, async () => {
  const r = rng(4);
  const effect = [0, 3, -2, 5, 1, -4];
  const x = matrix(2000, 2, (_, j) => (j === 0 ? Math.floor(r() * 6) : r()));
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = effect[x.data[i * 2]!]! + 0.1 * x.data[i * 2 + 1]!;
  const req = request({
    train: x,
    label: y,
    featureNames: ['color', 'noise'],
    featureTypes: ['c', 'q'],
    params: { objective: 'reg:squarederror', max_depth: 2, max_cat_to_onehot: 1, eta: 0.5 },
    numRound: 15,
  });
  const b = await engine().train(req);
  try {
    // XGBoost writes NaN (not valid JSON) as the split_condition of categorical splits
    const text = new TextDecoder().decode(b.save());
    assert.match(text, /NaN/);
    const model = JSON.parse(text.replace(/\bNaN\b/g, 'null'));
    assert.deepEqual(model.learner.feature_types, ['c', 'q']);
    const trees = model.learner.gradient_booster.model.trees as Array<{ split_type: number[] }>;
    assert.ok(trees.some((t) => t.split_type.includes(1)), 'at least one categorical split');
    const p = b.predict(matrix(6, 2, (i, j) => (j === 0 ? i : 0.5)));
    for (let c = 0; c < 6; c++) assert.ok(Math.abs(p[c]! - effect[c]! - 0.05) < 0.1, `category ${c}: ${p[c]}`);
  } finally {
    b.dispose();
  }
  // exact would silently treat the codes as numbers: refused
  await assert.rejects(engine().train({ ...req, params: { ...req.params, tree_method: 'exact' } }), (e) => e instanceof MlkitError && e.kind === 'usage');
  const bad = matrix(10, 2, (i, j) => (j === 0 && i === 3 ? 1.5 : 0));
  await assert.rejects(engine().train({ ...req, train: bad, label: new Float32Array(10) }), (e) => e instanceof DataError && /row 4.*color/.test(e.message));
});

test('early stopping stops, keeps the best iteration, and save() -> load() predicts identically', { skip }, async () => {
  const r = rng(5);
  const x = matrix(1200, 3, () => r());
  const y = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) y[i] = x.data[i * 3]! + r() * 2; // mostly noise: overfits fast
  const e = engine();
  const b = await e.train(
    request({
      train: head(x, 800),
      label: y.subarray(0, 800),
      valid: { x: tail(x, 800), label: y.subarray(800) },
      params: { objective: 'reg:squarederror', eta: 0.5, max_depth: 6, eval_metric: 'rmse' },
      numRound: 200,
      earlyStoppingRounds: 4,
      evalMetric: 'rmse',
      maximize: false,
    }),
  );
  let loaded: ReturnType<XGBoostEngine['load']> | undefined;
  try {
    assert.ok(b.roundsTrained < 200, `stopped after ${b.roundsTrained}`);
    assert.equal(b.bestIteration, b.roundsTrained - 1 - 4);
    const bytes = b.save();
    const model = JSON.parse(new TextDecoder().decode(bytes));
    assert.equal(model.learner.attributes.best_iteration, String(b.bestIteration));
    assert.ok(Number.isFinite(Number(model.learner.attributes.best_score)));
    loaded = e.load(bytes, { bestIteration: b.bestIteration, featureNames: names(3), featureTypes: ['q', 'q', 'q'], numClass: 0, objective: 'reg:squarederror' });
    assert.equal(loaded.roundsTrained, b.roundsTrained);
    const p1 = b.predict(x);
    const p2 = loaded.predict(x);
    assert.deepEqual(p2, p1);
    assert.deepEqual(loaded.importance(), b.importance());
    // predictions use rounds [0, bestIteration] only: a model loaded with all rounds differs
    const all = e.load(bytes, { bestIteration: b.roundsTrained - 1, featureNames: names(3), featureTypes: ['q', 'q', 'q'], numClass: 0, objective: 'reg:squarederror' });
    assert.notDeepEqual(all.predict(x), p1);
    all.dispose();
  } finally {
    b.dispose();
    loaded?.dispose();
  }
});

test('abort signal interrupts training; bad input is a DataError', { skip }, async () => {
  const x = matrix(200, 2, (i, j) => i + j);
  const y = new Float32Array(200).map((_, i) => i % 2);
  const ac = new AbortController();
  await assert.rejects(
    engine().train(request({ train: x, label: y, numRound: 50, onRound: (info) => { if (info.round === 2) ac.abort(); }, signal: ac.signal })),
    InterruptedError,
  );
  await assert.rejects(engine().train(request({ train: x, label: y.subarray(0, 10) })), DataError);
  const nanLabel = new Float32Array(y);
  nanLabel[7] = NaN;
  await assert.rejects(engine().train(request({ train: x, label: nanLabel })), (e) => e instanceof DataError && /row 8/.test(e.message));
  await assert.rejects(engine().train(request({ train: { ...x, rows: 201 }, label: y })), DataError);
  await assert.rejects(
    engine().train(request({ train: x, label: y.map((v) => v * 3), params: { objective: 'binary:logistic' } })),
    (e) => e instanceof DataError && /label/.test(e.message),
  );
  const b = await engine().train(request({ train: x, label: y, numRound: 2 }));
  try {
    assert.throws(() => b.predict(matrix(3, 5, () => 0)), DataError);
    assert.equal(b.predict(matrix(0, 2, () => 0)).length, 0);
  } finally {
    b.dispose();
  }
});

function pythonWithXgboost(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import xgboost, numpy'], { stdio: 'ignore', timeout: 20000 });
    if (r.status === 0) return py;
  }
  return null;
}
const python = lib.path ? pythonWithXgboost() : null;

test('Python xgboost loads the saved model and predicts the same', { skip: skip || (python ? false : 'python3 with xgboost not available') }, async () => {
  const r = rng(6);
  const rows = 1000;
  const x = matrix(rows, 4, (_, j) => (j === 3 ? Math.floor(r() * 4) : r() < 0.1 ? NaN : r()));
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = (x.data[i * 4]! || 0) + (x.data[i * 4 + 3] === 2 ? 0.6 : 0) + 0.3 * r() > 0.7 ? 1 : 0;
  const b = await engine().train(
    request({
      train: head(x, 700),
      label: y.subarray(0, 700),
      valid: { x: tail(x, 700), label: y.subarray(700) },
      featureNames: ['a', 'b', 'c', 'cat'],
      featureTypes: ['q', 'q', 'q', 'c'],
      params: { objective: 'binary:logistic', eta: 0.3, max_depth: 4, eval_metric: 'logloss' },
      numRound: 100,
      earlyStoppingRounds: 5,
      evalMetric: 'logloss',
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'mlkit-xgb-'));
  try {
    writeFileSync(join(dir, 'model.json'), b.save());
    writeFileSync(join(dir, 'x.f32'), x.data);
    const ours = b.predict(x);
    const script = `
import sys, json, numpy as np, xgboost as xgb
d = sys.argv[1]
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(${rows}, 4)
b = xgb.Booster(model_file=d + '/model.json')
best = int(b.attr('best_iteration'))
p = b.inplace_predict(x, iteration_range=(0, best + 1))
p.astype(np.float64).tofile(d + '/py.f64')
print(json.dumps({'best': best, 'rounds': b.num_boosted_rounds(), 'names': b.feature_names, 'types': b.feature_types}))
`;
    const res = spawnSync(python!, ['-c', script, dir], { encoding: 'utf8', timeout: 60000 });
    assert.equal(res.status, 0, res.stderr);
    const info = JSON.parse(res.stdout.trim().split('\n').pop()!);
    assert.equal(info.best, b.bestIteration);
    assert.equal(info.rounds, b.roundsTrained);
    assert.deepEqual(info.names, ['a', 'b', 'c', 'cat']);
    assert.deepEqual(info.types, ['q', 'q', 'q', 'c']);
    const buf = readFileSync(join(dir, 'py.f64'));
    const theirs = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    assert.equal(theirs.length, ours.length);
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(theirs[i]! - ours[i]!) <= 1e-6, `row ${i}: ${theirs[i]} vs ${ours[i]}`);
  } finally {
    b.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
