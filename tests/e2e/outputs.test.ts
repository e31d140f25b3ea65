/** Outputs never destroy what they should not: bundles of another task, files, folders that are not bundles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
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

test('--out with an unknown extension is exit 2 and writes nothing; --json with the table on stdout is exit 2', () => {
  const dir = tmpDir('mlkit-out-ext-');
  const tr = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', 'output.dir=m', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  const iris = path.join(DATASETS, 'iris.csv');
  for (const out of ['p.json', 'p.txt', 'p']) {
    const r = runCli(['predict', '-m', 'm', iris, '--out', out], { cwd: dir });
    assert.equal(r.status, 2, `${out}: ${r.stderr}`);
    assert.match(oneLineError(r), /unknown output format .*use one of \.csv, \.parquet, \.pq, \.ndjson, \.jsonl/);
    assert.equal(existsSync(path.join(dir, out)), false, out);
  }
  for (const out of ['p.CSV', 'p.jsonl', 'p.pq']) {
    const r = runCli(['predict', '-m', 'm', iris, '--out', out], { cwd: dir });
    assert.equal(r.status, 0, `${out}: ${r.stderr}`);
  }
  assert.ok(readFileSync(path.join(dir, 'p.CSV'), 'utf8').startsWith('prediction,'));
  assert.ok(readFileSync(path.join(dir, 'p.jsonl'), 'utf8').startsWith('{"prediction":'));
  const j = runCli(['predict', '-m', 'm', iris, '--json'], { cwd: dir });
  assert.equal(j.status, 2);
  assert.match(oneLineError(j), /--json prints a summary on stdout, where the table goes without --out/);
  const jf = runCli(['predict', '-m', 'm', iris, '--json', '--out', 'q.csv'], { cwd: dir });
  assert.equal(jf.status, 0, jf.stderr);
  assert.deepEqual(JSON.parse(jf.stdout), { out: 'q.csv', rows: 150 });
});
