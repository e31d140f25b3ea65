/** Outputs never destroy what they should not: bundles of another task, files, folders that are not bundles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DATASETS, ROOT, oneLineError, runCli, tmpDir } from '../helpers.js';

test('preprocess never replaces a trained model\'s bundle (exit 4) unless --force; train never replaces a preprocess bundle', () => {
  const dir = tmpDir('mlkit-out-task-');
  const quick = path.join(ROOT, 'configs', 'quickstart.yaml');
  const tr = runCli(['train', quick, '--set', 'output.dir=m', '--set', 'model.params.num_round=5', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  const manifest = readFileSync(path.join(dir, 'm', 'manifest.json'), 'utf8');
  const pre = runCli(['preprocess', quick, '--set', 'output.dir=m', '--out', 'x.csv'], { cwd: dir });
  assert.equal(pre.status, 4);
  assert.match(oneLineError(pre), /m: output folder holds a "classification" bundle; refusing to replace it with a "preprocess" one \(choose another output\.dir, or --force to replace it\)/);
  assert.equal(readFileSync(path.join(dir, 'm', 'manifest.json'), 'utf8'), manifest, 'the trained model is intact');
  const pr = runCli(['predict', '-m', 'm', path.join(DATASETS, 'adult_test_5k.csv')], { cwd: dir });
  assert.equal(pr.status, 0, pr.stderr);
  // --force replaces it
  const forced = runCli(['preprocess', quick, '--set', 'output.dir=m', '--out', 'x.csv', '--force', '-q'], { cwd: dir });
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'm', 'manifest.json'), 'utf8')).task, 'preprocess');
  // and the other way round
  const back = runCli(['train', quick, '--set', 'output.dir=m', '-q'], { cwd: dir });
  assert.equal(back.status, 4);
  assert.match(oneLineError(back), /holds a "preprocess" bundle; refusing to replace it with a "classification" one/);
  // the same task replaces its own bundle as before
  const again = runCli(['preprocess', quick, '--set', 'output.dir=m', '--out', 'y.csv', '-q'], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
});
