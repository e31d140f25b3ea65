/**
 * predict and preprocess --model stream: rows come out while the input is still arriving, a reader of
 * stdout that goes away ends the run cleanly, and an error in a later batch names its line and leaves
 * a regular --out file as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { BIN, DATASETS, ROOT, oneLineError, runCli, tmpDir } from '../helpers.js';

const dir = tmpDir('mlkit-stream-');
const train = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', 'output.dir=m', '--set', 'model.params.num_round=10', '-q'], { cwd: dir });
const ADULT = readFileSync(path.join(DATASETS, 'adult_test_5k.csv'), 'utf8').split('\n').filter((l) => l !== '');

/**
 * Runs a command with a pipe on stdin: writes the header and `first` rows, waits until `want` lines came
 * out on stdout (while stdin stays open), then writes the rest and closes stdin.
 */
async function liveRun(args: string[], first: number, want: number): Promise<{ before: number; out: string; status: number | null; stderr: string }> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const seen = new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(out.split('\n').length - 1), 20_000);
    p.stdout.on('data', (d) => {
      out += d;
      const n = out.split('\n').length - 1;
      if (n >= want) { clearTimeout(timer); resolve(n); }
    });
  });
  p.stdin.write(ADULT.slice(0, first + 1).join('\n') + '\n');
  const before = await seen;
  p.stdin.end(ADULT.slice(first + 1, 301).join('\n') + '\n');
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  return { before, out, status, stderr };
}

test('predict answers rows while stdin is still open, then the rest', async () => {
  assert.equal(train.status, 0, train.stderr);
  const r = await liveRun(['predict', '-m', 'm', '-'], 5, 6);
  assert.equal(r.before, 6, 'header + 5 predictions before stdin was closed');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.out.trim().split('\n').length, 301);
  // the same predictions as from the whole file
  writeFileSync(path.join(dir, 'first300.csv'), ADULT.slice(0, 301).join('\n') + '\n');
  const whole = runCli(['predict', '-m', 'm', 'first300.csv'], { cwd: dir });
  assert.equal(r.out, whole.stdout);
});

test('preprocess --model streams too', async () => {
  assert.equal(train.status, 0, train.stderr);
  const r = await liveRun(['preprocess', '-m', 'm', '-'], 3, 4);
  assert.equal(r.before, 4);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.out.trim().split('\n').length, 301);
});

test('an error in a later batch names its line; a regular --out file is left as it was', () => {
  assert.equal(train.status, 0, train.stderr);
  const rows = [...ADULT];
  rows[4000] = rows[4000]!.replace(/^\d+/, 'old');
  writeFileSync(path.join(dir, 'late.csv'), rows.join('\n') + '\n');
  writeFileSync(path.join(dir, 'keep.csv'), 'precious\n');
  const r = runCli(['predict', '-m', 'm', 'late.csv', '--out', 'keep.csv'], { cwd: dir, env: { MLKIT_BATCH_BYTES: '100000' } });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /late\.csv:4001: column "age": "old" is not a number/);
  assert.equal(readFileSync(path.join(dir, 'keep.csv'), 'utf8'), 'precious\n');
  // on stdout the rows before the bad batch are out already; the exit code says the run failed
  const s = runCli(['predict', '-m', 'm', 'late.csv'], { cwd: dir, env: { MLKIT_BATCH_BYTES: '100000' } });
  assert.equal(s.status, 3);
  const lines = s.stdout.trim().split('\n').length;
  assert.ok(lines > 1000 && lines < 4001, `${lines} lines on stdout before the error`);
});

test('a gzip input with a bad row in a later batch: exit 3 naming its line, no hang (the decompressor stops with the reader)', () => {
  assert.equal(train.status, 0, train.stderr);
  const rows = [...ADULT];
  rows[4000] = rows[4000]!.replace(/^\d+/, 'old');
  writeFileSync(path.join(dir, 'late.csv.gz'), gzipSync(rows.join('\n') + '\n'));
  for (const args of [['predict', '-m', 'm', 'late.csv.gz'], ['predict', '-m', 'm', 'late.csv.gz', '--out', 'gz-out.csv'], ['preprocess', '-m', 'm', 'late.csv.gz']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', MLKIT_BATCH_BYTES: '100000' } });
    assert.equal(r.signal, null, `${args.join(' ')}: still running after 60 s`);
    assert.equal(r.status, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /late\.csv\.gz:4001: column "age": "old" is not a number/);
  }
  assert.ok(!existsSync(path.join(dir, 'gz-out.csv')), 'no --out file');
});

test('a reader of stdout that goes away (| head) ends the run with exit 0', async () => {
  assert.equal(train.status, 0, train.stderr);
  const big = path.join(dir, 'big.csv');
  writeFileSync(big, [ADULT[0], ...Array.from({ length: 40 }, () => ADULT.slice(1)).flat()].join('\n') + '\n');
  const p = spawn(process.execPath, [BIN, 'predict', '-m', 'm', big], { cwd: dir, env: { ...process.env, MLKIT_BATCH_BYTES: '100000' } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const first = await new Promise<string>((resolve) => p.stdout.once('data', (d) => resolve(String(d))));
  p.stdout.destroy(); // as `head -1` does once it has its line
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  assert.match(first, /^prediction,/);
  assert.equal(status, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test('--format decides over the name and the first bytes; gzip on stdin is decompressed', async () => {
  assert.equal(train.status, 0, train.stderr);
  const { gzipSync } = await import('node:zlib');
  const csv = ADULT.slice(0, 51).join('\n') + '\n';
  writeFileSync(path.join(dir, 'rows.txt'), csv);
  const want = runCli(['predict', '-m', 'm', 'rows.txt'], { cwd: dir });
  assert.equal(want.status, 0, want.stderr);
  assert.equal(want.stdout.trim().split('\n').length, 51);
  const gz = runCli(['predict', '-m', 'm', '-'], { cwd: dir, input: gzipSync(csv) });
  assert.equal(gz.status, 0, gz.stderr);
  assert.equal(gz.stdout, want.stdout);
  const wrong = runCli(['predict', '-m', 'm', 'rows.txt', '--format', 'parquet'], { cwd: dir });
  assert.equal(wrong.status, 3);
  assert.match(oneLineError(wrong), /rows\.txt: not a readable Parquet file/);
  const ev = runCli(['evaluate', '-m', 'm', 'rows.txt', '--format', 'csv', '--json'], { cwd: dir });
  assert.equal(ev.status, 0, ev.stderr);
  assert.ok(JSON.parse(ev.stdout).metrics.auc > 0.5);
  const bad = runCli(['predict', '-m', 'm', 'rows.txt', '--format', 'xlsx'], { cwd: dir });
  assert.equal(bad.status, 2);
});

test('a data error while stdin stays open ends the run at once (no wait for more input)', async () => {
  assert.equal(train.status, 0, train.stderr);
  const p = spawn(process.execPath, [BIN, 'predict', '-m', 'm', '-'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  p.stdin.write(ADULT[0] + '\n' + ADULT[1]!.replace(/^\d+/, 'abc') + '\n');
  const status = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => { p.kill(); resolve(null); }, 15_000);
    p.on('close', (c) => { clearTimeout(timer); resolve(c); });
  });
  p.stdin.destroy();
  assert.equal(status, 3, `exit ${status}: ${stderr}`);
  assert.match(stderr, /-:2: column "age": "abc" is not a number/);
});
