/**
 * Ctrl-C (SIGINT) and SIGTERM during train, preprocess, forecast, evaluate --backtest and predict: exit
 * 130 within 2 s of the signal, no bundle written, no partial output file, an existing bundle at
 * output.dir intact. Each run waits for a readiness line (`--debug` prints what the run is doing) before
 * the signal, never a fixed sleep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIN, DATASETS, ROOT, runCli, tmpDir, write } from '../helpers.js';

type Sig = 'SIGINT' | 'SIGTERM';
const SIGNALS: Sig[] = ['SIGINT', 'SIGTERM'];

interface Interrupted { code: number | null; ms: number; stderr: string }

/**
 * Starts `mlkit --debug ARGS`, waits until stderr matches `ready`, sends `sig` and waits for the exit.
 * `stdin`: written to the child's stdin, which is then left open (the child is reading a stream).
 */
async function interrupt(args: string[], o: { cwd: string; ready: RegExp; sig: Sig; stdin?: string; env?: Record<string, string> }): Promise<Interrupted> {
  const child = spawn(process.execPath, [BIN, '--debug', ...args], { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...o.env } });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  child.stdout.resume();
  if (o.stdin !== undefined) child.stdin.write(o.stdin);
  else child.stdin.end();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no readiness line ${o.ready} within 90 s; stderr:\n${stderr}`)), 90_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (o.ready.test(stderr)) { clearTimeout(timer); resolve(); }
    });
    void exited.then((c) => { clearTimeout(timer); reject(new Error(`exited (${c}) before the readiness line ${o.ready}; stderr:\n${stderr}`)); });
  });
  const t0 = performance.now();
  child.kill(o.sig);
  const code = await exited;
  return { code, ms: performance.now() - t0, stderr };
}

function assertInterrupted(r: Interrupted, what: string): void {
  assert.equal(r.code, 130, `${what}: exit code; stderr:\n${r.stderr}`);
  assert.ok(r.ms < 2000, `${what}: exited ${Math.round(r.ms)} ms after the signal (limit 2000)`);
  assert.match(r.stderr, /mlkit: interrupted/, what);
}

/** Every file under a folder with its contents (a bundle's fingerprint). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) { const p = path.join(f.parentPath ?? (f as any).path, f.name); out[path.relative(dir, p)] = readFileSync(p, 'base64'); }
  }
  return out;
}

const adultHead = readFileSync(path.join(DATASETS, 'adult_test_5k.csv'), 'utf8').split('\n').slice(0, 200).join('\n') + '\n';

test('train (xgboost, mid-fit): exit 130, the bundle already at output.dir intact, no temporary folder', async () => {
  const dir = tmpDir('mlkit-cancel-train-');
  const out = path.join(dir, 'models', 'ch');
  const config = path.join(ROOT, 'configs', 'california_housing.yaml');
  const first = runCli(['train', config, '--set', `output.dir=${out}`, '--set', 'model.params.num_round=5', '-q'], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  const before = snapshot(out);
  for (const sig of SIGNALS) {
    const r = await interrupt(['train', config, '--set', `output.dir=${out}`, '--set', 'model.params.num_round=100000', '--set', 'model.params.early_stopping_rounds=100000'], { cwd: dir, ready: /fitting xgboost on \d+ rows/, sig });
    assertInterrupted(r, `train ${sig}`);
    assert.deepEqual(snapshot(out), before, `${sig}: the existing bundle changed`);
    assert.deepEqual(readdirSync(path.join(dir, 'models')), ['ch'], `${sig}: a temporary folder was left`);
  }
});

test('preprocess (config, data from a slow stdin): exit 130, no --out file, the existing bundle intact', async () => {
  const dir = tmpDir('mlkit-cancel-pre-');
  const out = path.join(dir, 'pre');
  const config = write(dir, 'p.yaml', `data: { train: '-', target: income }
pipeline:
  - column_transformer:
      transformers:
        - [num, standard_scaler, numeric]
      remainder: drop
output: { dir: ${out} }
`);
  const first = runCli(['preprocess', config, '--out', path.join(dir, 'first.csv'), '-q'], { cwd: dir, input: adultHead });
  assert.equal(first.status, 0, first.stderr);
  const before = snapshot(out);
  for (const sig of SIGNALS) {
    const r = await interrupt(['preprocess', config, '--out', path.join(dir, 'x.csv')], { cwd: dir, ready: /reading stdin/, sig, stdin: adultHead.slice(0, 3000) });
    assertInterrupted(r, `preprocess ${sig}`);
    assert.deepEqual(snapshot(out), before, `${sig}: the existing bundle changed`);
    assert.deepEqual(readdirSync(dir).sort(), ['first.csv', 'p.yaml', 'pre'], `${sig}: files left behind`);
  }
});

test('predict (rows still arriving on stdin) and preprocess --model: exit 130, no partial --out file', async () => {
  const dir = tmpDir('mlkit-cancel-predict-');
  const model = path.join(dir, 'm');
  const tr = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', `output.dir=${model}`, '--set', 'model.params.num_round=5', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  for (const sig of SIGNALS) {
    for (const cmd of [['predict', '-m', model, '-', '--out', path.join(dir, 'p.csv')], ['preprocess', '--model', model, '-', '--out', path.join(dir, 'p.csv')]]) {
      const r = await interrupt(cmd, { cwd: dir, ready: /reading stdin/, sig, stdin: adultHead.slice(0, 5000) });
      assertInterrupted(r, `${cmd[0]} ${sig}`);
      assert.deepEqual(readdirSync(dir).sort(), ['m'], `${cmd[0]} ${sig}: files left behind`);
    }
  }
});

test('forecast --input from a slow stdin: exit 130, no partial --out file', async () => {
  const dir = tmpDir('mlkit-cancel-forecast-');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: ${path.join(DATASETS, 'air_passengers.csv')}, time: ds, target: y }
model: { type: seasonal_naive }
forecast: { horizon: 3 }
output: { dir: ${path.join(dir, 'm')} }
`);
  assert.equal(runCli(['train', config, '-q'], { cwd: dir }).status, 0);
  const history = readFileSync(path.join(DATASETS, 'air_passengers.csv'), 'utf8').slice(0, 600);
  for (const sig of SIGNALS) {
    const r = await interrupt(['forecast', '-m', path.join(dir, 'm'), '--input', '-', '--out', path.join(dir, 'f.csv')], { cwd: dir, ready: /reading stdin/, sig, stdin: history });
    assertInterrupted(r, `forecast ${sig}`);
    assert.deepEqual(readdirSync(dir).sort(), ['c.yaml', 'm'], `${sig}: files left behind`);
  }
});

/** A random-walk panel: `n` series of `len` points. */
function panel(n: number, len: number): string {
  const rows = ['id,t,y'];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let k = 0; k < n; k++) {
    let level = 100;
    for (let i = 0; i < len; i++) rows.push(`s${k},${i + 1},${(level += rand()).toFixed(4)}`);
  }
  return rows.join('\n') + '\n';
}

test('train (arima on many series, main thread) and evaluate --backtest (worker threads), mid-fit: exit 130, no bundle', async () => {
  const dir = tmpDir('mlkit-cancel-arima-');
  write(dir, 'big.csv', panel(1500, 200));
  write(dir, 'small.csv', panel(8, 60));
  const config = (train: string, out: string) => write(dir, `${out}.yaml`, `task: forecast
data: { train: ${train}, time: t, target: y, id: id }
model: { type: arima, params: { p: 2, d: 1, q: 2 } }
forecast: { horizon: 6 }
evaluate: { backtest: { folds: 2 } }
output: { dir: ${path.join(dir, out)} }
`);
  const bigConfig = config('big.csv', 'bigmodel');
  const smallConfig = config('small.csv', 'small');
  assert.equal(runCli(['train', smallConfig, '-q'], { cwd: dir }).status, 0);
  const before = snapshot(path.join(dir, 'small'));
  for (const sig of SIGNALS) {
    const t = await interrupt(['train', bigConfig], { cwd: dir, ready: /fitting arima on 1500 series/, sig, env: { MLKIT_THREADS: '1' } });
    assertInterrupted(t, `train arima ${sig}`);
    const e = await interrupt(['evaluate', '-m', path.join(dir, 'small'), path.join(dir, 'big.csv'), '--backtest'], { cwd: dir, ready: /backtest: fitting arima on 1500 series/, sig, env: { MLKIT_THREADS: '2' } });
    assertInterrupted(e, `evaluate --backtest ${sig}`);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['big.csv', 'bigmodel.yaml', 'small', 'small.csv', 'small.yaml'], 'no bundle from the interrupted training');
  assert.deepEqual(snapshot(path.join(dir, 'small')), before);
});

test('train detect (predictive arima: one long AutoARIMA fit, on a worker thread): Ctrl-C exits 130 at once, no bundle', async () => {
  const dir = tmpDir('mlkit-cancel-detect-arima-');
  let seed = 3;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  // a seasonal AutoARIMA search on 3,000 training values runs for minutes inside WASM
  write(dir, 'long.csv', 't,value\n' + Array.from({ length: 4000 }, (_, i) => `${i},${(10 * Math.sin((2 * Math.PI * i) / 48) + rand()).toFixed(3)}`).join('\n') + '\n');
  const cfg = write(dir, 'a.yaml', `task: detect\ndata: { train: long.csv, time: t, target: value }\ndetect: { mode: predictive }\nmodel: { type: arima, params: { auto: true, s: 48 } }\noutput: { dir: m }\n`);
  const r = await interrupt(['train', cfg], { cwd: dir, ready: /channel "value": fitting arima on 3000 values/, sig: 'SIGINT' });
  assertInterrupted(r, 'train detect arima SIGINT');
  assert.deepEqual(readdirSync(dir).sort(), ['a.yaml', 'long.csv'], 'no bundle');
});

test('train a neural model (mlp, mid-epoch): Ctrl-C exits 130 at once, no bundle', async () => {
  const dir = tmpDir('mlkit-cancel-mlp-');
  const cfg = write(dir, 'mlp.yaml', `task: regression
data: { train: ${path.join(DATASETS, 'california_housing.csv')}, target: median_house_value }
model: { type: mlp, params: { units: [64, 64] } }
train: { epochs: 1000, batch_size: 16 }
output: { dir: m }
`);
  const r = await interrupt(['train', cfg], { cwd: dir, ready: /^\{"epoch":1,/m, sig: 'SIGINT' });
  assertInterrupted(r, 'train mlp SIGINT');
  assert.deepEqual(readdirSync(dir).sort(), ['mlp.yaml'], 'no bundle');
});
