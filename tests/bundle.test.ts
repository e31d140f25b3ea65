import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadBundle, saveBundle, type ManifestBody } from '../src/bundle/bundle.js';
import { BundleError, MlkitError } from '../src/core/errors.js';
import { tmpDir } from './helpers.js';

const body: ManifestBody = {
  task: 'regression',
  config: { a: 1 },
  input: { columns: [{ name: 'x', dtype: 'float64' }], target: 'y' },
  pipeline: { name: 'auto', kind: 'structure', params: {}, state: {} },
  estimator: { name: 'xgboost', kind: 'estimator', params: {}, state: { k: 1 }, files: ['estimator/model.json'] },
  metrics: { rmse: 1 },
};

function bundleError(fn: () => unknown): string {
  try { fn(); } catch (e) {
    if (e instanceof BundleError) { assert.equal(e.exitCode, 4); return e.format(); }
    throw e;
  }
  assert.fail('expected a BundleError');
}

test('save then load round-trips files and manifest; no temporary folder is left', () => {
  const dir = tmpDir();
  const out = path.join(dir, 'm');
  saveBundle(out, body, { 'estimator/model.json': '{"trees":[]}' });
  const b = loadBundle(out);
  assert.equal(b.manifest.format, 'mlkit-bundle');
  assert.equal(b.manifest.formatVersion, 2);
  assert.equal(b.read('estimator/model.json').toString(), '{"trees":[]}');
  assert.match(b.manifest.files['estimator/model.json'], /^[0-9a-f]{64}$/);
  assert.deepEqual(readdirSync(dir), ['m']);
  // overwriting an existing bundle replaces it whole
  saveBundle(out, { ...body, metrics: { rmse: 2 } }, { 'estimator/model.json': 'v2' });
  assert.equal(loadBundle(out).manifest.metrics.rmse, 2);
  assert.deepEqual(readdirSync(dir), ['m']);
});

test('a failed save leaves no bundle and no temporary folder', () => {
  const dir = tmpDir();
  assert.throws(() => saveBundle(path.join(dir, 'm'), body, { '../escape': 'x' }));
  assert.deepEqual(readdirSync(dir), []);
});

test('refuses to overwrite a folder that is not a bundle', () => {
  const dir = tmpDir();
  writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
  assert.match(bundleError(() => saveBundle(dir, body, {})), /not a model bundle; refusing to overwrite/);
  assert.ok(existsSync(path.join(dir, 'precious.txt')));
});

test('refuses to replace a file, or a folder whose manifest.json is not an mlkit bundle\'s', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'keep.txt');
  writeFileSync(file, 'keep me');
  assert.match(bundleError(() => saveBundle(file, body, {})), /output path exists and is a file, not a model bundle folder; refusing to overwrite it/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
  const other = path.join(dir, 'other');
  mkdirSync(other);
  writeFileSync(path.join(other, 'manifest.json'), '{"name": "somebody else\'s"}');
  assert.match(bundleError(() => saveBundle(other, body, {})), /has a manifest\.json that is not an mlkit bundle's; refusing to overwrite it/);
  assert.deepEqual(readdirSync(other), ['manifest.json']);
  assert.deepEqual(readdirSync(dir).sort(), ['keep.txt', 'other']);
});

test('an output folder that cannot be created is a one-line usage error (exit 2), nothing left behind', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'x');
  for (const out of [path.join(file, 'm'), path.join(file, 'deeper', 'm')]) {
    assert.throws(() => saveBundle(out, body, {}), (e: unknown) => {
      assert.ok(e instanceof MlkitError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /cannot write the model bundle to .*: .*a-file is a file, not a folder/);
      return true;
    });
  }
  assert.deepEqual(readdirSync(dir), ['a-file']);
  // a missing parent chain is created
  saveBundle(path.join(dir, 'new', 'deep', 'm'), body, {});
  assert.ok(existsSync(path.join(dir, 'new', 'deep', 'm', 'manifest.json')));
});

test('missing folder, missing/corrupted manifest, checksum mismatch, newer format', () => {
  const dir = tmpDir();
  assert.match(bundleError(() => loadBundle(path.join(dir, 'nope'))), /model bundle folder not found/);
  assert.match(bundleError(() => loadBundle(dir)), /manifest\.json is missing/);
  const out = path.join(dir, 'm');
  saveBundle(out, body, { 'estimator/model.json': 'abc' });
  const mpath = path.join(out, 'manifest.json');
  const good = readFileSync(mpath, 'utf8');
  writeFileSync(path.join(out, 'estimator/model.json'), 'abd');
  assert.match(bundleError(() => loadBundle(out)), /checksum mismatch for estimator\/model\.json/);
  writeFileSync(path.join(out, 'estimator/model.json'), 'abc');
  writeFileSync(mpath, good.slice(0, 40));
  assert.match(bundleError(() => loadBundle(out)), /manifest\.json is corrupted/);
  writeFileSync(mpath, good.replace('"formatVersion": 2', '"formatVersion": 3'));
  assert.match(bundleError(() => loadBundle(out)), /format version 3 is newer than this mlkit supports/);
  // format 1 (before the component contract): refused with a message to retrain
  writeFileSync(mpath, good.replace('"formatVersion": 2', '"formatVersion": 1'));
  assert.match(bundleError(() => loadBundle(out)), /bundle format version 1 is older than this mlkit reads \(format 2, mlkit [^)]+\); make it again with this version \(mlkit train CONFIG\)/);
  writeFileSync(mpath, good);
  assert.equal(loadBundle(out).manifest.task, 'regression');
});

test('the manifest is covered by its own checksum; a manifest that contradicts itself is "bundle corrupted"', async () => {
  const { sealManifest } = await import('../src/bundle/bundle.js');
  const dir = tmpDir();
  const out = path.join(dir, 'm');
  saveBundle(out, body, { 'estimator/model.json': 'abc' });
  const mpath = path.join(out, 'manifest.json');
  const good = JSON.parse(readFileSync(mpath, 'utf8'));
  const edit = (f: (m: any) => void, seal: boolean) => {
    const m = structuredClone(good);
    f(m);
    writeFileSync(mpath, JSON.stringify(seal ? sealManifest(m) : m));
    return bundleError(() => loadBundle(out));
  };
  // hand edits: input.columns cut, task changed
  assert.match(edit((m) => { m.input.columns = []; }, false), /manifest\.json was modified or is damaged \(its checksum does not match\)/);
  assert.match(edit((m) => { m.task = 'forecast'; }, false), /checksum does not match/);
  assert.match(edit((m) => { delete m.manifestSha256; }, false), /checksum does not match/);
  // consistent checksums, contradictory content
  assert.match(edit((m) => { m.input.columns = []; }, true), /bundle corrupted: input\.columns is not a list of \{ name, dtype \}/);
  assert.match(edit((m) => { m.task = 'forecast'; }, true), /bundle corrupted: a forecast bundle needs a forecaster node, not "estimator"/);
  assert.match(edit((m) => { m.task = 'clustering'; }, true), /bundle corrupted: task "clustering" is not one mlkit writes/);
  assert.match(edit((m) => { m.estimator.files = ['estimator/other.json']; }, true), /lists estimator\/other\.json, which has no checksum/);
  writeFileSync(mpath, JSON.stringify(good));
  assert.equal(loadBundle(out).manifest.task, 'regression');
});
