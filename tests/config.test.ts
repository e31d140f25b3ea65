import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { builtinRegistry } from './helpers.js';
const defaultRegistry = builtinRegistry();
import { ConfigError, UsageError } from '../src/core/errors.js';
import { tmpDir, write } from './helpers.js';

const dir = tmpDir();
const good = `task: classification
data:
  train: train.csv
  target: income
model:
  type: xgboost
  params: { max_depth: 6, eta: 0.1 }
output: { dir: out }
`;

function load(text: string, sets?: string[]) {
  const f = write(dir, `c${Math.random().toString(36).slice(2)}.yaml`, text);
  return loadConfig(f, { registry: defaultRegistry, sets, cwd: dir });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

test('a valid config is normalized with defaults and resolved paths', () => {
  const lc = load(good);
  assert.equal(lc.config.seed, 42);
  assert.equal(lc.config.pipeline, 'auto');
  assert.equal(lc.modelOptions.engine, 'auto'); // xgboost's own option, defaulted by its spec
  assert.equal(lc.config.data.split.test, 0.2);
  assert.deepEqual(lc.config.data.csv.null_values.includes(''), true);
  assert.equal(lc.trainPath, `${dir}/train.csv`);
  assert.equal(lc.modelParams.num_round, 100);
  assert.equal(lc.modelParams.max_depth, 6);
});

test('unknown key: error names line, column, dot-path and suggests the right key', () => {
  const e = configError(() => load(good.replace('  target: income', '  target: income\n  tragte: x')));
  assert.equal(e.exitCode, 2);
  assert.match(e.format(), /:5:3 data\.tragte: unknown key "tragte"; did you mean "target"\?/);
});

test('unknown model param suggests the XGBoost name', () => {
  const e = configError(() => load(good.replace('max_depth: 6', 'max_detph: 6')));
  assert.match(e.format(), /:7:13 model\.params\.max_detph: unknown key "max_detph"; did you mean "max_depth"\?/);
});

test('wrong type names the value and the place', () => {
  const e = configError(() => load(good.replace('max_depth: 6', 'max_depth: deep')));
  assert.match(e.format(), /:7:24 model\.params\.max_depth: expected number, got "deep"/);
  const e2 = configError(() => load(good.replace('max_depth: 6', 'max_depth: 2.5')));
  assert.match(e2.format(), /model\.params\.max_depth: expected int/);
  // a component's own message that names the value already: once, not ", got 100, got 100"
  const e3 = configError(() => load(good.replace('output:', 'pipeline:\n  - fft: { column: income, window: 100 }\noutput:')));
  assert.match(e3.format(), /pipeline\[0\]\.fft\.window: window must be a power of two \(4, 8, 16, \.\.\., 256, \.\.\.\), got 100$/);
});

test('unknown enum value and unknown model type get suggestions', () => {
  const e = configError(() => load(good.replace('task: classification', 'task: clasification')));
  assert.match(e.format(), /:1:7 task: expected one of "classification" \| "regression" \| "forecast" \| "detect", got "clasification"; did you mean "classification"\?/);
  const e2 = configError(() => load(good.replace('type: xgboost', 'type: xgbost')));
  assert.match(e2.format(), /:6:9 model\.type: unknown estimator type "xgbost"; did you mean "xgboost"\? \(known: mlp, xgboost\)/);
});

test('missing required key', () => {
  const e = configError(() => load(good.replace('  target: income\n', '')));
  assert.match(e.format(), /data\.target: required key is missing/);
});

test('YAML syntax error has line and column', () => {
  const e = configError(() => load('task: classification\ndata: [unclosed\n'));
  assert.match(e.format(), /\.yaml:\d+:\d+: YAML syntax error/);
  assert.equal(e.exitCode, 2);
});

test('missing config file, empty config, non-mapping config', () => {
  assert.match(configError(() => loadConfig(`${dir}/nope.yaml`, { registry: defaultRegistry })).format(), /nope\.yaml: config file not found/);
  assert.match(configError(() => load('')).format(), /the config is empty/);
  assert.match(configError(() => load('- a\n- b\n')).format(), /expected a mapping/);
});

test('--set overrides any key, parses YAML scalars, and errors name the --set', () => {
  const lc = load(good, ['model.params.max_depth=8', 'data.split.test=0.25', 'evaluate.metrics=[auc]']);
  assert.equal(lc.modelParams.max_depth, 8);
  assert.equal(lc.config.data.split.test, 0.25);
  assert.deepEqual(lc.config.evaluate.metrics, ['auc']);
  const e = configError(() => load(good, ['model.params.max_depth=deep']));
  assert.match(e.format(), /^--set model\.params\.max_depth=deep model\.params\.max_depth: expected number, got "deep"/);
  assert.throws(() => load(good, ['nonsense']), UsageError);
});

test('target listed in data.drop is refused', () => {
  const e = configError(() => load(good.replace('  target: income', '  target: income\n  drop: [income]')));
  assert.match(e.format(), /data\.drop: the target "income" is also listed in data\.drop/);
});

test('--set data.train=- means stdin; suggestions only for near names, JSON-quoted', async () => {
  const { didYouMean } = await import('../src/core/suggest.js');
  const lc = load(good, ['data.train=-']);
  assert.equal(lc.config.data.train, '-');
  assert.equal(lc.trainPath, '-');
  assert.equal(didYouMean('age', ['race', 'sex']), '');
  assert.equal(didYouMean('nativ', ['native', 'wasm']), '; did you mean "native"?');
  assert.equal(didYouMean('income', ['income\r', 'age']), '; did you mean "income\\r"?');
});
