/** Outputs never destroy what they should not: bundles of another task, files, folders that are not bundles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
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

const NO_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0 ? false : 'mkfifo not found';
const NO_MKNOD = process.getuid?.() !== 0 ? 'making device nodes needs root' : spawnSync('mknod', ['--version']).status === 0 ? false : 'mknod not found';

/** A trained iris model in a new folder, and its predictions on iris.csv as CSV. */
function irisModel(prefix: string): { dir: string; iris: string; want: string } {
  const dir = tmpDir(prefix);
  const tr = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', 'output.dir=m', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  const iris = path.join(DATASETS, 'iris.csv');
  return { dir, iris, want: runCli(['predict', '-m', 'm', iris], { cwd: dir }).stdout };
}

test('--out through a symlink writes its target; the link stays', () => {
  const { dir, iris, want } = irisModel('mlkit-out-link-');
  symlinkSync('real.csv', path.join(dir, 'link.csv'));
  for (let i = 0; i < 2; i++) { // the target missing, then existing (replaced atomically)
    const r = runCli(['predict', '-m', 'm', iris, '--out', 'link.csv'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(lstatSync(path.join(dir, 'link.csv')).isSymbolicLink(), 'the link was replaced by a file');
    assert.equal(readFileSync(path.join(dir, 'real.csv'), 'utf8'), want);
  }
});

test('--out to a FIFO writes into it (made in the test folder)', { skip: NO_MKFIFO, timeout: 60_000 }, async () => {
  const { dir, iris, want } = irisModel('mlkit-out-fifo-');
  assert.equal(spawnSync('mkfifo', [path.join(dir, 'fifo.csv')]).status, 0);
  const reader = spawn('cat', [path.join(dir, 'fifo.csv')]);
  let got = '';
  reader.stdout.on('data', (d) => { got += d; });
  const closed = new Promise((r) => reader.on('close', r));
  const r = runCli(['predict', '-m', 'm', iris, '--out', 'fifo.csv'], { cwd: dir });
  await closed;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(got, want);
  assert.ok(statSync(path.join(dir, 'fifo.csv')).isFIFO(), 'the FIFO was replaced');
});

test('--out to device nodes (null and full, made with mknod in the test folder) writes in place', { skip: NO_MKNOD }, () => {
  const { dir, iris } = irisModel('mlkit-out-dev-');
  assert.equal(spawnSync('mknod', [path.join(dir, 'null.csv'), 'c', '1', '3']).status, 0);
  assert.equal(spawnSync('mknod', [path.join(dir, 'full'), 'c', '1', '7']).status, 0);
  const n = runCli(['predict', '-m', 'm', iris, '--out', 'null.csv'], { cwd: dir });
  assert.equal(n.status, 0, n.stderr);
  assert.ok(statSync(path.join(dir, 'null.csv')).isCharacterDevice(), 'the device node was replaced by a file');
  const f = runCli(['predict', '-m', 'm', iris, '--out', 'full'], { cwd: dir });
  assert.equal(f.status, 2);
  assert.match(oneLineError(f), /cannot write full: ENOSPC/);
  assert.ok(statSync(path.join(dir, 'full')).isCharacterDevice());
});
