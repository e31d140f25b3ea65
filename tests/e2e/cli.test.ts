/** End-to-end: the built CLI on a fresh temp folder, as a user runs it. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DATASETS, ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';

const work = tmpDir('mlkit-e2e-');
const model = path.join(work, 'models', 'quickstart');
const adultTest = path.join(DATASETS, 'adult_test_5k.csv');

function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((l) => l.split(','));
}

describe('quickstart: train -> predict -> evaluate', () => {
  before(() => {
    const r = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--json'], { cwd: work });
    assert.equal(r.status, 0, r.stderr);
  });

  test('train --json prints the bundle and test metrics', () => {
    const manifest = JSON.parse(readFileSync(path.join(model, 'manifest.json'), 'utf8'));
    assert.equal(manifest.format, 'mlkit-bundle');
    assert.deepEqual(Object.keys(manifest.metrics).sort(), ['accuracy', 'auc', 'f1', 'logloss']);
    assert.ok(manifest.metrics.auc > 0.9, `auc ${manifest.metrics.auc}`);
    assert.ok(!manifest.input.columns.some((c: any) => c.name === 'fnlwgt' || c.name === 'income'));
  });

  test('predict writes one row per input row, in order, with class probabilities', () => {
    const r = runCli(['predict', '--model', model, adultTest]);
    assert.equal(r.status, 0, r.stderr);
    const rows = parseCsv(r.stdout);
    assert.deepEqual(rows[0], ['prediction', 'proba_<=50K', 'proba_>50K']);
    assert.equal(rows.length - 1, 5000);
    for (const row of rows.slice(1, 200)) {
      const p0 = Number(row[1]), p1 = Number(row[2]);
      assert.ok(Math.abs(p0 + p1 - 1) < 1e-6);
      assert.equal(row[0], p1 > p0 ? '>50K' : '<=50K');
    }
    // stdin in, file out: same predictions
    const out = path.join(work, 'pred.csv');
    const r2 = runCli(['predict', '-m', model, '-', '--out', out], { input: readFileSync(adultTest) });
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(readFileSync(out, 'utf8'), r.stdout);
  });

  test('evaluate prints metrics; --json; gates exit 1 when missed', () => {
    const r = runCli(['evaluate', '--model', model, adultTest, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const { metrics } = JSON.parse(r.stdout);
    const manifest = JSON.parse(readFileSync(path.join(model, 'manifest.json'), 'utf8'));
    assert.ok(Math.abs(metrics.auc - manifest.metrics.auc) < 1e-12);
    const pass = runCli(['evaluate', '-m', model, adultTest, '--fail-under', 'auc=0.8', '--fail-over', 'logloss=0.6']);
    assert.equal(pass.status, 0, pass.stderr);
    const fail = runCli(['evaluate', '-m', model, adultTest, '--fail-under', 'auc=0.99']);
    assert.equal(fail.status, 1);
    assert.match(oneLineError(fail), /gate failed: auc 0\.9\d+ < 0\.99/);
    const gatedExtra = runCli(['evaluate', '-m', model, adultTest, '--json', '--fail-under', 'precision=0.1']);
    assert.equal(gatedExtra.status, 0, gatedExtra.stderr);
    assert.ok('precision' in JSON.parse(gatedExtra.stdout).metrics);
    const bad = runCli(['evaluate', '-m', model, adultTest, '--fail-under', 'acuracy=0.1']);
    assert.equal(bad.status, 2);
    assert.match(oneLineError(bad), /unknown metric "acuracy"; did you mean "accuracy"\?/);
    const wrongTask = runCli(['evaluate', '-m', model, adultTest, '--fail-over', 'rmse=1']);
    assert.equal(wrongTask.status, 2);
  });

  test('predict data missing a column: exit 3 naming it; extra columns: a note', () => {
    const lines = readFileSync(adultTest, 'utf8').split(/\r?\n/).slice(0, 20);
    const header = lines[0].split(',');
    const ageIdx = header.indexOf('age');
    const cut = lines.map((l) => l.split(',').filter((_, i) => i !== ageIdx).join(',')).join('\n') + '\n';
    const r = runCli(['predict', '-m', model, write(work, 'noage.csv', cut)]);
    assert.equal(r.status, 3);
    assert.match(oneLineError(r), /noage\.csv age: column "age" is missing/);
    const extra = lines.map((l, i) => l + (i === 0 ? ',note' : ',x')).join('\n') + '\n';
    const r2 = runCli(['predict', '-m', model, write(work, 'extra.csv', extra)]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stderr, /ignoring column\(s\) the model does not use: .*note/);
  });

  test('bundle problems exit 4: missing folder, corrupted manifest, checksum mismatch', () => {
    const r = runCli(['predict', '-m', path.join(work, 'nope'), adultTest]);
    assert.equal(r.status, 4);
    assert.match(oneLineError(r), /model bundle folder not found/);
    const copy = path.join(work, 'copy');
    cpSync(model, copy, { recursive: true });
    const mf = path.join(copy, 'manifest.json');
    const good = readFileSync(mf, 'utf8');
    writeFileSync(mf, '{ not json');
    const r2 = runCli(['predict', '-m', copy, adultTest]);
    assert.equal(r2.status, 4);
    assert.match(oneLineError(r2), /manifest\.json is corrupted/);
    writeFileSync(mf, good);
    const mj = path.join(copy, 'estimator', 'model.json');
    writeFileSync(mj, readFileSync(mj, 'utf8').replace(/"base_score":"[^"]*"/, '"base_score":"0.9"'));
    const r3 = runCli(['evaluate', '-m', copy, adultTest]);
    assert.equal(r3.status, 4);
    assert.match(oneLineError(r3), /checksum mismatch for estimator\/model\.json/);
  });
});

describe('usage and config errors exit 2 with one line', () => {
  const cfg = (text: string) => write(work, `cfg-${Math.random().toString(36).slice(2)}.yaml`, text);
  const base = `task: classification
data:
  train: ${path.join(DATASETS, 'iris.csv')}
  target: species
model:
  type: xgboost
  params: { num_round: 5 }
output: { dir: ${path.join(work, 'models', 'x')} }
`;
  const cases: [string, string[], RegExp][] = [
    ['missing config file', ['train', path.join(work, 'none.yaml')], /none\.yaml: config file not found/],
    ['YAML syntax error', ['train', cfg('task: [x\n  y: :\n')], /\.yaml:\d+:\d+: YAML syntax error/],
    ['unknown key', ['train', cfg(base.replace('task:', 'tsak: x\ntask:'))], /\.yaml:1:1 tsak: unknown key "tsak"; did you mean "task"\?/],
    ['wrong type', ['train', cfg(base.replace('num_round: 5', 'num_round: many'))], /\.yaml:7:24 model\.params\.num_round: expected number, got "many"/],
    ['unknown model type', ['train', cfg(base.replace('type: xgboost', 'type: randomforest'))], /model\.type: unknown estimator type "randomforest"/],
    ['bad --set', ['train', cfg(base), '--set', 'model.params.max_depth=-1'], /--set model\.params\.max_depth=-1 model\.params\.max_depth: .*>=0/],
    ['unknown command', ['trian'], /unknown command/],
    ["unknown option", ["predict", "-m", "x", "y", "--modle"], /unknown option/],
  ];
  for (const [name, args, re] of cases) {
    test(name, () => {
      const r = runCli(args, { cwd: work });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });
  }
});

describe('data errors exit 3 with one line naming file, line and column', () => {
  const cfgFor = (train: string, target = 'y') => write(work, `d-${Math.random().toString(36).slice(2)}.yaml`, `task: regression
data: { train: ${train}, target: ${target} }
model: { type: xgboost, params: { num_round: 3 } }
output: { dir: ${path.join(work, 'models', 'd')} }
`);
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
  const cases: [string, string | null, RegExp, string?][] = [
    ['missing data file', null, /nope\.csv: data file not found/],
    ['empty CSV', '', /: the file is empty/],
    ['header-only CSV', 'x,y\n', /:1: the file has a header but no data rows/],
    ['ragged row', 'x,y\n1,2\n3\n4,5\n', /:3: ragged row: expected 2 fields \(as in the header\), found 1/],
    ['stray text in a numeric column', `x,y\n${many(50, (i) => `${i},${i * 2}`)}\n7,oops\n`, /:52: column "y": "oops" is not a number/],
    ['target column absent', 'x,z\n1,2\n3,4\n', /data\.target: target column "y" not found/],
    ['text target for regression', 'x,y\n1,a\n2,b\n3,c\n', /target column "y" holds text/],
  ];
  for (const [name, content, re] of cases) {
    test(name, () => {
      const file = content === null ? path.join(work, 'nope.csv') : write(work, `${name.replace(/\W+/g, '_')}.csv`, content);
      const r = runCli(['train', cfgFor(file)], { cwd: work });
      assert.equal(r.status, 3, r.stderr);
      assert.match(oneLineError(r), re);
    });
  }
});

test('--help and --version are fast and load no heavy module', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: mlkit/);
  assert.match(r.stdout, /train/);
  assert.match(r.stdout, /Exit codes/);
  const v = runCli(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { createRequire } from 'node:module';
    const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/cli/index.js'))});
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    await main(['node', 'mlkit', '--help']);
    process.stdout.write = orig;
    const req = createRequire(import.meta.url);
    const loaded = Object.keys(req.cache);
    console.log(JSON.stringify(loaded.filter((p) => /nodejs-polars|koffi|ml-xgboost|tensorflow/.test(p))));
  `], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  assert.deepEqual(JSON.parse(probe.stdout.trim().split('\n').pop()!), []);
});

test('doctor reports the engine and hardware advice; --json is machine-readable', () => {
  const r = runCli(['doctor', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.ok(['native', 'wasm'].includes(d.xgboost.engine));
  assert.equal(typeof d.xgboost.reason, 'string');
  assert.ok(d.cpu.cores >= 1);
  assert.ok(d.advice.some((a: any) => /Transformer/.test(a.family) && a.batchSize >= 1));
  const h = runCli(['doctor']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /xgboost:\n\s+engine: (native|wasm)/);
  // the tfjs backend neural models would run on, and why; MLKIT_TF_BACKEND forces one
  assert.equal(d.tfjs.backend, d.tfjs.installed['@tensorflow/tfjs-node'] ? 'tensorflow (tfjs-node)' : 'wasm');
  assert.match(h.stdout, /tfjs:\n\s+backend: \S+/);
  const forced = JSON.parse(runCli(['doctor', '--json'], { env: { MLKIT_TF_BACKEND: 'cpu' } }).stdout);
  assert.equal(forced.tfjs.backend, 'cpu');
  assert.match(forced.tfjs.reason, /forced by MLKIT_TF_BACKEND/);
});

test('without libxgboost, auto falls back to the wasm engine with one note; its bundle predicts', () => {
  const dir = tmpDir('mlkit-wasm-');
  const out = path.join(dir, 'iris');
  const env = { MLKIT_XGBOOST_LIB: path.join(dir, 'no-such-libxgboost.so') };
  const r = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--json', '--set', `output.dir=${out}`], { cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(oneLineError(r), /libxgboost not found .*using the slower WASM engine/);
  assert.ok(JSON.parse(r.stdout).metrics.accuracy > 0.9);
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.estimator.state.engine, 'wasm');
  const p = runCli(['predict', '-m', out, path.join(DATASETS, 'iris.csv')], { env });
  assert.equal(p.status, 0, p.stderr);
  const rows = parseCsv(p.stdout);
  assert.deepEqual(rows[0], ['prediction', 'proba_setosa', 'proba_versicolor', 'proba_virginica']);
  assert.equal(rows.length - 1, 150);
  // engine: native when the library is missing is a usage error
  const n = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', 'model.engine=native', '--set', `output.dir=${out}2`], { cwd: dir, env });
  assert.equal(n.status, 2);
  assert.match(oneLineError(n), /model\.engine is "native" but libxgboost was not found/);
});

test('quickstart on the wasm engine (one-hot categoricals) reaches a useful AUC', () => {
  const dir = tmpDir('mlkit-wasm-q-');
  const r = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--json', '--set', 'model.engine=wasm'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).metrics.auc > 0.9);
});

test('train reads data.train from stdin with "-"; predict --out writes Parquet and NDJSON', () => {
  const dir = tmpDir('mlkit-stdin-');
  const cfgPath = write(dir, 'stdin.yaml', `task: classification
data: { train: "-", target: species, split: { test: 0.3 } }
model: { type: xgboost, params: { num_round: 10 } }
output: { dir: ${path.join(dir, 'm')} }
`);
  const r = runCli(['train', cfgPath, '--json'], { cwd: dir, input: readFileSync(path.join(DATASETS, 'iris.csv')) });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).metrics.accuracy > 0.8);
  for (const ext of ['parquet', 'ndjson']) {
    const p = runCli(['predict', '-m', path.join(dir, 'm'), path.join(DATASETS, 'iris.csv'), '--out', path.join(dir, `p.${ext}`)]);
    assert.equal(p.status, 0, p.stderr);
  }
  assert.equal(readFileSync(path.join(dir, 'p.ndjson'), 'utf8').trim().split('\n').length, 150);
  // a table larger than one stdout chunk: stdout and --out file are the same CSV
  const iris = readFileSync(path.join(DATASETS, 'iris.csv'), 'utf8').trim().split(/\r?\n/);
  const big = write(dir, 'big.csv', [iris[0], ...Array.from({ length: 500 }, () => iris.slice(1)).flat()].join('\n') + '\n');
  const toStdout = runCli(['predict', '-m', path.join(dir, 'm'), big]);
  assert.equal(toStdout.status, 0, toStdout.stderr);
  const toFile = runCli(['predict', '-m', path.join(dir, 'm'), big, '--out', path.join(dir, 'big-pred.csv')]);
  assert.equal(toFile.status, 0, toFile.stderr);
  assert.equal(toStdout.stdout, readFileSync(path.join(dir, 'big-pred.csv'), 'utf8'));
  assert.equal(toStdout.stdout.trim().split('\n').length, 75001);
  assert.equal(readFileSync(path.join(dir, 'p.parquet')).subarray(0, 4).toString(), 'PAR1');
  // an --out that cannot be written: one line, exit 2, for every format (polars' writer would panic)
  for (const [out, why] of [
    [path.join(dir, 'nodir', 'p.csv'), /cannot write .*p\.csv: folder .*nodir does not exist/],
    [path.join(dir, 'nodir', 'p.parquet'), /cannot write .*p\.parquet: folder .*nodir does not exist/],
    [path.join(dir, 'nodir', 'p.ndjson'), /cannot write .*p\.ndjson: folder .*nodir does not exist/],
    [path.join(dir, 'big.csv', 'p.csv'), /cannot write .*p\.csv: .*big\.csv is a file, not a folder/],
    [path.join(dir, 'm'), /cannot write .*m: it is a folder/],
  ] as const) {
    const bad = runCli(['predict', '-m', path.join(dir, 'm'), path.join(DATASETS, 'iris.csv'), '--out', out]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(oneLineError(bad), why);
  }
});

test('preprocess: fit a pipeline config, apply the saved pipeline, train with the pipeline', () => {
  const dir = tmpDir('mlkit-pre-');
  const cfgPath = write(dir, 'pre.yaml', `task: regression
data: { train: ${path.join(DATASETS, 'california_housing.csv')}, target: median_house_value, split: { test: 0.2 } }
pipeline:
  - column_transformer:
      transformers:
        - [num, [ { simple_imputer: { strategy: median } }, standard_scaler ], numeric]
        - [cat, one_hot, categorical, { handle_unknown: ignore }]
      remainder: drop
model: { type: xgboost, params: { num_round: 30 } }
output: { dir: ${path.join(dir, 'pre')} }
`);
  const out = path.join(dir, 'out.csv');
  const r = runCli(['preprocess', cfgPath, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const fitted = readFileSync(out, 'utf8').split('\n');
  assert.equal(fitted[0], 'num__longitude,num__latitude,num__housing_median_age,num__total_rooms,num__total_bedrooms,num__population,num__households,num__median_income,cat__ocean_proximity_<1H OCEAN,cat__ocean_proximity_INLAND,cat__ocean_proximity_ISLAND,cat__ocean_proximity_NEAR BAY,cat__ocean_proximity_NEAR OCEAN,median_house_value');
  assert.equal(fitted.filter((l) => l !== '').length, 20641);
  // applying the saved pipeline reproduces the fitted output exactly, to stdout
  const again = runCli(['preprocess', '--model', path.join(dir, 'pre'), path.join(DATASETS, 'california_housing.csv')]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, readFileSync(out, 'utf8'));
  // a missing column: exit 3 naming it
  const cut = readFileSync(path.join(DATASETS, 'california_housing.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(1).join(',')).join('\n');
  const bad = runCli(['preprocess', '--model', path.join(dir, 'pre'), write(dir, 'cut.csv', cut)]);
  assert.equal(bad.status, 3);
  assert.match(oneLineError(bad), /column "longitude" is missing/);
  // training with the same pipeline: the bundle predicts through it
  const t = runCli(['train', cfgPath, '--json', '--set', `output.dir=${path.join(dir, 'model')}`]);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(JSON.parse(t.stdout).metrics.rmse < 70000);
  const p = runCli(['predict', '-m', path.join(dir, 'model'), path.join(DATASETS, 'california_housing.csv')]);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout.trim().split('\n').length, 20641);
});
