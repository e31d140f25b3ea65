/** mlkit list: every registered component, with params, types, defaults and options, from the specs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPONENT_KINDS } from '../../src/core/component.js';
import { builtinRegistry, oneLineError, runCli, tmpDir, write } from '../helpers.js';

test('mlkit list --json lists every registered component with its params and defaults', () => {
  const r = runCli(['list', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const { components } = JSON.parse(r.stdout) as { components: { kind: string; name: string; description: string; tags: Record<string, unknown>; params: { name: string; type: string; required: boolean; default?: unknown; description?: string }[]; options: { name: string; default?: unknown }[] }[] };
  const listed = new Set(components.map((c) => `${c.kind}:${c.name}`));
  const registry = builtinRegistry();
  for (const kind of COMPONENT_KINDS) for (const name of registry.names(kind)) assert.ok(listed.has(`${kind}:${name}`), `${kind} ${name} is not listed`);
  assert.ok(listed.has('transformer:column_transformer'), 'the structural column_transformer is listed');
  const get = (kind: string, name: string) => components.find((c) => c.kind === kind && c.name === name)!;
  const param = (kind: string, name: string, p: string) => get(kind, name).params.find((x) => x.name === p)!;
  assert.equal(param('estimator', 'xgboost', 'num_round').default, 100);
  assert.equal(param('estimator', 'xgboost', 'num_round').type, 'integer >= 1');
  assert.match(param('estimator', 'xgboost', 'max_depth').description!, /6/);
  assert.deepEqual(get('estimator', 'xgboost').options.map((o) => [o.name, o.default]), [['engine', 'auto']]);
  assert.equal(param('transformer', 'fft', 'window').default, 256);
  assert.equal(param('transformer', 'fft', 'column').required, true);
  assert.match(param('transformer', 'fft', 'bins').description!, /16/);
  assert.equal(param('transformer', 'one_hot', 'handle_unknown').type, 'error | ignore | infrequent_if_exist');
  assert.equal(param('forecaster', 'arima', 'method').default, 'css-mle');
  assert.equal(get('forecaster', 'arima').tags.local, true);
  assert.deepEqual(get('forecaster', 'arima').options, []);
  assert.equal(get('forecaster', 'xgboost').tags.local, false, 'tags from the default params (per_series false)');
  for (const c of components) assert.ok(c.description.length > 10, `${c.kind} ${c.name} has a description`);
});

test('mlkit list KIND filters (plural and any case accepted); an unknown kind is exit 2', () => {
  const f = runCli(['list', 'Forecasters']);
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stdout, /^forecasters \(model\.type, task forecast\):/);
  assert.doesNotMatch(f.stdout, /standard_scaler/);
  const det = runCli(['list', 'detector']).stdout;
  assert.match(det, /^detectors \(detect.detector, task detect\):\n/);
  assert.match(det, /\n  statistical  unsupervised/);
  assert.doesNotMatch(det, /standard_scaler/);
  const bad = runCli(['list', 'estimatr']);
  assert.equal(bad.status, 2);
  assert.match(oneLineError(bad), /unknown kind "estimatr"; did you mean "estimator"\?/);
});

test('model options are the component\'s own: a misspelt one lists type, params and the options; a model without options takes none', () => {
  const dir = tmpDir('mlkit-options-');
  const cfg = (model: string) => write(dir, `c${Math.random().toString(36).slice(2)}.yaml`, `task: classification\ndata: { train: x.csv, target: y }\nmodel: ${model}\noutput: { dir: out }\n`);
  const r1 = runCli(['train', cfg('{ type: xgboost, enginee: wasm }')], { cwd: dir });
  assert.equal(r1.status, 2);
  assert.match(oneLineError(r1), /model\.enginee: unknown key "enginee"; did you mean "engine"\? \(allowed: type, params, engine\)/);
  const r2 = runCli(['train', cfg('{ type: xgboost, engine: nativ }')], { cwd: dir });
  assert.equal(r2.status, 2);
  assert.match(oneLineError(r2), /model\.engine: expected one of "auto" \| "native" \| "wasm", got "nativ"; did you mean "native"\?/);
  const f = write(dir, 'f.yaml', 'task: forecast\ndata: { train: x.csv, target: y, time: t }\nmodel: { type: arima, engine: native }\nforecast: { horizon: 2 }\noutput: { dir: out }\n');
  const r3 = runCli(['train', f], { cwd: dir });
  assert.equal(r3.status, 2);
  assert.match(oneLineError(r3), /f\.yaml:3:\d+ model\.engine: unknown key "engine": model type "arima" takes no options \(allowed: type, params\)/);
});
