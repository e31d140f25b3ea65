/**
 * Python's xgboost loads the saved booster JSON unchanged and, on the same transformed matrix,
 * predicts what `mlkit predict` prints (within 1e-5). Runs when a python3 with xgboost is found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findNativeLibrary } from '../../src/estimators/xgboost/native.js';
import { loadModel, transformForModel } from '../../src/tasks/tabular.js';
import { DATASETS, ROOT, runCli, testContext, tmpDir } from '../helpers.js';

function pythonWithXgboost(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import xgboost, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

const py = pythonWithXgboost();
const skip = !findNativeLibrary().path ? 'libxgboost not found (native engine needed for XGBoost JSON)'
  : !py ? 'no python3 with xgboost and numpy (apt-get install python3-xgboost)' : false;

const PY = `
import json, sys, numpy as np, xgboost as xgb
d = sys.argv[1]
meta = json.load(open(d + '/meta.json'))
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(meta['rows'], meta['cols'])
bst = xgb.Booster(model_file=meta['model'])
dm = xgb.DMatrix(x, missing=np.nan, feature_names=meta['names'], feature_types=meta['types'], enable_categorical=True)
best = int(bst.attr('best_iteration'))
p = bst.predict(dm, iteration_range=(0, best + 1))
json.dump({'best': best, 'pred': [float(v) for v in p.reshape(-1)]}, open(d + '/py.json', 'w'))
`;

for (const [name, config, data, column] of [
  ['binary classification with native categoricals (Adult)', 'quickstart.yaml', 'adult_test_5k.csv', 'proba_>50K'],
  ['regression with missing values (California housing)', 'california_housing.yaml', 'california_housing.csv', 'prediction'],
] as const) {
  test(`Python xgboost reproduces mlkit predict: ${name}`, { skip }, async () => {
    const work = tmpDir('mlkit-parity-');
    const bundle = path.join(work, 'model');
    const tr = runCli(['train', path.join(ROOT, 'configs', config), '--set', `output.dir=${bundle}`, '--set', 'model.engine=native', '--set', 'model.params.num_round=60'], { cwd: work });
    assert.equal(tr.status, 0, tr.stderr);
    const file = path.join(DATASETS, data);
    const pr = runCli(['predict', '-m', bundle, file]);
    assert.equal(pr.status, 0, pr.stderr);
    const lines = pr.stdout.trim().split('\n');
    const col = lines[0].split(',').indexOf(column);
    const mine = lines.slice(1).map((l) => Number(l.split(',')[col]));

    const ctx = testContext();
    const model = await loadModel(bundle, ctx);
    const enc = await transformForModel(model, file, ctx);
    model.estimator.dispose();
    const m = enc.matrix;
    writeFileSync(path.join(work, 'x.f32'), Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    writeFileSync(path.join(work, 'meta.json'), JSON.stringify({ rows: m.rows, cols: m.cols, names: enc.featureNames, types: enc.featureTypes, model: path.join(bundle, 'estimator', 'model.json') }));
    const r = spawnSync(py!, ['-c', PY, work], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { pred } = JSON.parse((await import('node:fs')).readFileSync(path.join(work, 'py.json'), 'utf8'));
    assert.equal(pred.length, mine.length);
    let worst = 0;
    for (let i = 0; i < pred.length; i++) worst = Math.max(worst, Math.abs(pred[i] - mine[i]));
    assert.ok(worst <= 1e-5, `largest difference ${worst}`);
  });
}
