/**
 * A run loads exactly the implementations its config names: an xgboost tabular run loads no arima or
 * tfjs module, an arima forecast no XGBoost engine, and a mistyped config path nothing heavy (the specs
 * and their zod schemas included). The modules are recorded by loader hooks (support/record-modules.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, DATASETS, ROOT, tmpDir, write } from './helpers.js';

const PRELOAD = pathToFileURL(path.join(ROOT, 'dist', 'tests', 'support', 'record-modules.js')).href;

/** The modules a CLI run loads, as paths relative to the repository (node_modules/<pkg>/... or dist/src/...). */
function modulesOf(args: string[], cwd: string): { status: number | null; stderr: string; modules: string[] } {
  const log = path.join(tmpDir('mlkit-modules-'), 'modules.txt');
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', MLKIT_MODULE_LOG: log } });
  const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  const modules = [...new Set(urls.filter((u) => u.startsWith('file:')).map((u) => path.relative(ROOT, new URL(u).pathname)))];
  return { status: r.status, stderr: r.stderr, modules };
}

const pkg = (mods: string[], name: string) => mods.filter((m) => m.startsWith(`node_modules/${name}/`));
const src = (mods: string[], prefix: string) => mods.filter((m) => m.startsWith(`dist/src/${prefix}`));

test('the recorder sees modules (or the checks below could not fail)', () => {
  const r = modulesOf(['--help'], ROOT);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.modules.includes('dist/src/cli/index.js'), r.modules.join('\n'));
  assert.ok(pkg(r.modules, 'commander').length > 0);
});

test('an xgboost tabular run loads no arima and no tfjs module', () => {
  const dir = tmpDir('mlkit-lazy-xgb-');
  const r = modulesOf(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${path.join(dir, 'm')}`, '-q'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.modules.includes('dist/src/estimators/xgboost/index.js'), 'the xgboost implementation is loaded');
  assert.deepEqual(src(r.modules, 'estimators/arima/').filter((m) => !m.endsWith('/spec.js')), [], 'arima implementation modules');
  assert.deepEqual(pkg(r.modules, 'arima'), []);
  assert.deepEqual(r.modules.filter((m) => m.includes('@tensorflow')), []);
  // and no transformer implementation: the config's pipeline is auto
  assert.deepEqual(src(r.modules, 'pipeline/').filter((m) => /pipeline\/\w+\/index\.js$/.test(m)), []);
});

test('an arima forecast loads no XGBoost engine', () => {
  const dir = tmpDir('mlkit-lazy-arima-');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: ${path.join(DATASETS, 'air_passengers.csv')}, time: ds, target: y }
model: { type: arima, params: { p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 } }
forecast: { horizon: 6 }
output: { dir: ${path.join(dir, 'm')} }
`);
  const tr = modulesOf(['train', config, '-q'], dir);
  assert.equal(tr.status, 0, tr.stderr);
  const fc = modulesOf(['forecast', '-m', path.join(dir, 'm')], dir);
  assert.equal(fc.status, 0, fc.stderr);
  for (const r of [tr, fc]) {
    assert.ok(r.modules.includes('dist/src/estimators/arima/index.js'));
    assert.deepEqual(src(r.modules, 'estimators/xgboost/').filter((m) => !m.endsWith('/spec.js')), [], 'xgboost implementation modules');
    assert.deepEqual([...pkg(r.modules, 'ml-xgboost'), ...pkg(r.modules, 'koffi')], []);
  }
});

test('a mistyped config path loads neither the YAML parser, zod, the specs nor polars', () => {
  const r = modulesOf(['train', 'no-such.yaml'], tmpDir());
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no-such\.yaml: config file not found/);
  for (const p of ['yaml', 'zod', 'nodejs-polars']) assert.deepEqual(pkg(r.modules, p), [], p);
  assert.deepEqual(r.modules.filter((m) => m.endsWith('/spec.js') || m === 'dist/src/specs.js'), []);
});
