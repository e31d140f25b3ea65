/** Inputs are never misread: any file name, any extension. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { DATASETS, ROOT, runCli, tmpDir } from '../helpers.js';

test('a data file named adult.data, x.txt, x.CSV or with no extension is read as CSV, not as its own name', () => {
  const dir = tmpDir('mlkit-in-names-');
  const csv = path.join(DATASETS, 'adult_test_5k.csv');
  for (const n of ['train.data', 'adult.data', 'x.txt', 'x.CSV', 'noext', '.hidden']) copyFileSync(csv, path.join(dir, n));
  // training reads data.train named train.data
  const tr = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', `data.train=${path.join(dir, 'train.data')}`, '--set', `data.test=${path.join(dir, 'x.txt')}`, '--set', 'output.dir=m', '--set', 'model.params.num_round=5', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  const want = runCli(['predict', '-m', 'm', csv], { cwd: dir });
  assert.equal(want.status, 0, want.stderr);
  assert.equal(want.stdout.split('\n').length, 5002);
  for (const n of ['adult.data', 'x.txt', 'x.CSV', 'noext', '.hidden']) {
    const r = runCli(['predict', '-m', 'm', n], { cwd: dir });
    assert.equal(r.status, 0, `${n}: ${r.stderr}`);
    assert.equal(r.stdout, want.stdout, n);
  }
});
