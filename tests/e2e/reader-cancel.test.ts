/**
 * Ctrl-C / SIGTERM while the input is a FIFO or /dev/stdin whose writer stays open (a named pipe fed
 * by a logger, `tail -f`): exit 130 within about a second. fs.ReadStream read a FIFO with a blocking
 * read() in libuv's thread pool that nothing could end, so the signal took effect only when the writer
 * wrote again or closed (the trial: never). detect writes the rows scored so far and its summary;
 * predict leaves no --out file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIN, DATASETS, ROOT, runCli, tmpDir, write } from '../helpers.js';

const dir = tmpDir('mlkit-reader-cancel-');
const EC2 = readFileSync(path.join(DATASETS, 'nab_ec2_request_latency_system_failure.csv'), 'utf8').split('\n').filter((l) => l !== '');
const HEAD = EC2.slice(0, 301).join('\n') + '\n'; // header + 300 rows
write(dir, 'nominal.csv', EC2.slice(0, 601).join('\n') + '\n');
write(dir, 'head.csv', HEAD);
write(dir, 'detect.yaml', `task: detect
data: { train: nominal.csv, time: timestamp }
detect: { mode: unsupervised, detector: statistical }
output: { dir: dmodel }
`);
const trainDetect = runCli(['train', 'detect.yaml', '-q'], { cwd: dir });
const trainPredict = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${path.join(dir, 'pmodel')}`, '-q'], { cwd: dir });
const IRIS = readFileSync(path.join(DATASETS, 'iris.csv'), 'utf8');
write(dir, 'iris.csv', IRIS);
const haveFifo = spawnSync('mkfifo', [path.join(dir, 'probe.fifo')]).status === 0;

/** A writer that opens `fifo`, writes `file` into it and then holds it open (sleeps) until killed. */
function holdingWriter(fifo: string, file: string): ChildProcess {
  return spawn('sh', ['-c', 'exec > "$1"; cat "$2"; exec sleep 600', 'sh', fifo, file], { stdio: 'ignore' });
}

function newFifo(name: string): string {
  const p = path.join(dir, name);
  assert.equal(spawnSync('mkfifo', [p]).status, 0);
  return p;
}

interface Run { code: number | null; ms: number; stdout: string; stderr: string }

/**
 * Runs mlkit ARGS (stdin: a string is written to a pipe left open, a number is a file descriptor, else
 * none), waits until `ready()` holds,
 * sends SIGTERM and waits for the exit.
 */
async function terminate(args: string[], ready: (stdout: string) => boolean, stdin?: string | number): Promise<Run> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: [stdin === undefined ? 'ignore' : typeof stdin === 'number' ? stdin : 'pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d) => { stdout += d; });
  p.stderr!.on('data', (d) => { stderr += d; });
  if (typeof stdin === 'string') p.stdin!.write(stdin);
  const exited = new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
  let done = false;
  void exited.then(() => { done = true; });
  const deadline = Date.now() + 60_000;
  while (!ready(stdout) && !done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.ok(!done, `mlkit exited before the signal; stderr:\n${stderr}`);
  assert.ok(ready(stdout), `not ready within 60 s; stderr:\n${stderr}`);
  const t0 = performance.now();
  p.kill('SIGTERM');
  // a run that ignores the signal is killed after 10 s (and fails the time limit), not waited for
  const killer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  const code = await exited;
  const ms = performance.now() - t0;
  clearTimeout(killer);
  p.stdin?.destroy();
  return { code, ms, stdout, stderr };
}

/** Lines in the temporary file beside `out` (rows written so far), 0 when there is none yet. */
function tmpLines(out: string): number {
  const base = `.${path.basename(out)}.tmp-`;
  const tmp = readdirSync(dir).find((f) => f.startsWith(base));
  return tmp ? readFileSync(path.join(dir, tmp), 'utf8').split('\n').length - 1 : 0;
}

function assertInterrupted(r: Run, what: string): void {
  assert.equal(r.code, 130, `${what}: exit code; stderr:\n${r.stderr}`);
  assert.ok(r.ms < 1500, `${what}: exited ${Math.round(r.ms)} ms after SIGTERM (limit 1500)`);
  assert.match(r.stderr, /mlkit: interrupted/, what);
}

test('detect on a FIFO whose writer stays open: SIGTERM is exit 130 at once, the rows scored so far and the summary written', { skip: !haveFifo && 'mkfifo not available' }, async () => {
  assert.equal(trainDetect.status, 0, trainDetect.stderr);
  const fifo = newFifo('d.fifo');
  const writer = holdingWriter(fifo, path.join(dir, 'head.csv'));
  try {
    const out = path.join(dir, 'd.csv');
    const r = await terminate(['detect', '-m', 'dmodel', fifo, '--out', out], () => tmpLines(out) >= 301);
    assertInterrupted(r, 'detect FIFO');
    assert.ok(existsSync(out), 'the --out file is completed');
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 301, 'header + the 300 rows scored');
    assert.match(r.stderr, /300 rows, \d+ anomalous, 0 bad rows/, 'the summary');
  } finally {
    writer.kill();
  }
});

test('predict on a FIFO whose writer stays open: SIGTERM is exit 130 at once, no --out file left', { skip: !haveFifo && 'mkfifo not available' }, async () => {
  assert.equal(trainPredict.status, 0, trainPredict.stderr);
  const fifo = newFifo('p.fifo');
  const writer = holdingWriter(fifo, path.join(dir, 'iris.csv'));
  try {
    const out = path.join(dir, 'p.csv');
    const r = await terminate(['predict', '-m', 'pmodel', fifo, '--out', out], () => tmpLines(out) >= 151);
    assertInterrupted(r, 'predict FIFO');
    assert.ok(!existsSync(out), 'no --out file');
    assert.equal(tmpLines(out), 0, 'no temporary file left');
  } finally {
    writer.kill();
  }
});

test('a FIFO nobody has opened for writing yet: SIGTERM is exit 130 at once (the open does not block)', { skip: !haveFifo && 'mkfifo not available' }, async () => {
  assert.equal(trainDetect.status, 0, trainDetect.stderr);
  const fifo = newFifo('nowriter.fifo');
  const t0 = Date.now();
  const r = await terminate(['--debug', 'detect', '-m', 'dmodel', fifo], () => Date.now() - t0 > 1500);
  assertInterrupted(r, 'detect FIFO without a writer');
});

test('/dev/stdin on a pipe held open (a shell pipe\'s FIFO): SIGTERM is exit 130 at once', { skip: !haveFifo && 'mkfifo not available' }, async () => {
  assert.equal(trainDetect.status, 0, trainDetect.stderr);
  // the FIFO opened read-write: mlkit's stdin is a pipe with a writer that never closes (its own fd)
  const fd = openSync(newFifo('stdin.fifo'), 'r+');
  try {
    writeSync(fd, HEAD);
    const d = await terminate(['detect', '-m', 'dmodel', '/dev/stdin'], (stdout) => stdout.split('\n').length > 301, fd);
    assertInterrupted(d, 'detect /dev/stdin (FIFO)');
    assert.equal(d.stdout.trim().split('\n').length, 301, 'header + the 300 rows scored, on stdout');
  } finally {
    closeSync(fd);
  }
});

test('/dev/stdin on a socket held open (detect and predict): SIGTERM is exit 130 at once', async () => {
  assert.equal(trainDetect.status, 0, trainDetect.stderr);
  assert.equal(trainPredict.status, 0, trainPredict.stderr);
  const d = await terminate(['detect', '-m', 'dmodel', '/dev/stdin'], (stdout) => stdout.split('\n').length > 301, HEAD);
  assertInterrupted(d, 'detect /dev/stdin');
  assert.equal(d.stdout.trim().split('\n').length, 301, 'detect: header + the 300 rows scored, on stdout');
  const out = path.join(dir, 'p2.csv');
  const p = await terminate(['predict', '-m', 'pmodel', '/dev/stdin', '--out', out], () => tmpLines(out) >= 151, IRIS);
  assertInterrupted(p, 'predict /dev/stdin');
  assert.ok(!existsSync(out), 'predict: no --out file');
});

test('a FIFO whose writer closes is read to its end (detect: the same verdicts as from the file)', { skip: !haveFifo && 'mkfifo not available' }, async () => {
  assert.equal(trainDetect.status, 0, trainDetect.stderr);
  const fifo = newFifo('closing.fifo');
  const writer = spawn('sh', ['-c', 'cat "$2" > "$1"', 'sh', fifo, path.join(dir, 'head.csv')], { stdio: 'ignore' });
  const r = spawnSync(process.execPath, [BIN, 'detect', '-m', 'dmodel', fifo], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  writer.kill();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, runCli(['detect', '-m', 'dmodel', 'head.csv'], { cwd: dir }).stdout);
});
