/** Accuracy targets of the tabular slice on the full public datasets in ../shared (skipped without it). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { NEEDS_SHARED, ROOT, SHARED, runCli, tmpDir } from '../helpers.js';

const tab = path.join(SHARED, 'tabular');

test('UCI Adult (adult_train.csv -> adult_test.csv, ? as missing): test AUC >= 0.925', { skip: NEEDS_SHARED }, () => {
  const work = tmpDir();
  const r = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--json',
    '--set', `data.train=${path.join(tab, 'uci_adult', 'adult_train.csv')}`,
    '--set', `data.test=${path.join(tab, 'uci_adult', 'adult_test.csv')}`,
    '--set', `output.dir=${path.join(work, 'adult')}`], { cwd: work });
  assert.equal(r.status, 0, r.stderr);
  const { metrics } = JSON.parse(r.stdout);
  assert.ok(metrics.auc >= 0.925, `AUC ${metrics.auc}`);
});

test('California housing (20% split, seed 42): RMSE <= 50,000', { skip: NEEDS_SHARED }, () => {
  const work = tmpDir();
  const r = runCli(['train', path.join(ROOT, 'configs', 'california_housing.yaml'), '--json',
    '--set', `data.train=${path.join(tab, 'california_housing', 'housing.csv')}`,
    '--set', `output.dir=${path.join(work, 'ch')}`], { cwd: work });
  assert.equal(r.status, 0, r.stderr);
  const { metrics } = JSON.parse(r.stdout);
  assert.ok(metrics.rmse <= 50000, `RMSE ${metrics.rmse}`);
});
