/**
 * `mlkit train` on a task: detect config and `mlkit detect` through the built CLI: one verdict per row,
 * streamed; bad rows per --on-bad-row; --fail-on-anomaly; --json; Ctrl-C keeps the rows scored; config
 * and bundle errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { BIN, DATASETS, oneLineError, runCli, tmpDir, write } from '../helpers.js';
import { gaussian, rng } from '../../src/core/random.js';

const dir = tmpDir('mlkit-detect-');
const EC2 = readFileSync(path.join(DATASETS, 'nab_ec2_request_latency_system_failure.csv'), 'utf8').split('\n').filter((l) => l !== '');
const ROWS = EC2.length - 1;
const NOMINAL = Math.floor(ROWS * 0.15);
write(dir, 'nominal.csv', EC2.slice(0, NOMINAL + 1).join('\n') + '\n');
write(dir, 'ec2.csv', EC2.join('\n') + '\n');
const CONFIG = `task: detect
data: { train: nominal.csv, time: timestamp }
detect:
  mode: unsupervised
  detector: statistical
  threshold: { method: quantile, q: 0.999 }
output: { dir: model }
`;
write(dir, 'detect.yaml', CONFIG);
const train = runCli(['train', 'detect.yaml'], { cwd: dir });

function csvRows(text: string): string[][] {
  return text.trim().split('\n').map((l) => l.split(','));
}

test('train writes a detect bundle; detect gives one verdict per input row, warm-up rows first', () => {
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stderr, /statistical detector on 1 channel \(value\), 604 nominal rows/);
  const r = runCli(['detect', '-m', 'model', 'ec2.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const rows = csvRows(r.stdout);
  assert.deepEqual(rows[0], ['timestamp', 'score', 'threshold', 'anomaly', 'cause']);
  assert.equal(rows.length - 1, ROWS, 'rows in = rows out');
  assert.deepEqual(rows.slice(1).map((x) => x[0]), EC2.slice(1).map((l) => l.split(',')[0]), 'the input times, in order');
  // warm-up: no score, anomaly 0
  assert.equal(rows[1]![1], '');
  assert.equal(rows[1]![3], '0');
  const scored = rows.slice(1).filter((x) => x[1] !== '');
  assert.ok(scored.length > ROWS - 100);
  for (const x of rows.slice(1)) {
    assert.ok(x[3] === '0' || x[3] === '1');
    if (x[3] === '1') {
      assert.equal(x[4], 'value');
      assert.ok(Number(x[1]) > Number(x[2]), 'an anomalous row scores above its threshold');
    } else assert.equal(x[4], '');
  }
  // the labelled failures of this file are found (one config, nothing tuned to the file): some alarm
  // inside each of NAB's windows
  const windows = JSON.parse(readFileSync(path.join(DATASETS, 'nab_windows.json'), 'utf8'))['realKnownCause/ec2_request_latency_system_failure.csv'] as [string, string][];
  const alarms = rows.slice(1).filter((x) => x[3] === '1').map((x) => x[0]!);
  const inside = windows.filter(([a, b]) => alarms.some((t) => t >= a.slice(0, 19) && t <= b.slice(0, 19)));
  assert.ok(inside.length >= 2, `alarms in ${inside.length} of ${windows.length} windows`);
  assert.match(r.stderr, new RegExp(`${ROWS} rows, \\d+ anomalous, 0 bad rows, \\d+ warm-up; \\d+ rows/s`));
});

test('bad rows: fail names the line; skip counts them; flag writes them with an error column', () => {
  assert.equal(train.status, 0, train.stderr);
  const lines = [...EC2];
  lines[100] = lines[100]!.split(',')[0] + ',';
  lines[200] = lines[200]!.split(',')[0] + ',NaN';
  write(dir, 'bad.csv', lines.join('\n') + '\n');
  const fail = runCli(['detect', '-m', 'model', 'bad.csv'], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /bad\.csv:101.*channel "value" is empty or NaN; use --on-bad-row skip or flag/);
  const skip = runCli(['detect', '-m', 'model', 'bad.csv', '--on-bad-row', 'skip', '--json', '--out', 'skip.csv'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  const sum = JSON.parse(skip.stdout);
  assert.equal(sum.badRows, 2);
  assert.equal(sum.rows, ROWS - 2);
  assert.equal(csvRows(readFileSync(path.join(dir, 'skip.csv'), 'utf8')).length - 1, ROWS - 2);
  const flag = runCli(['detect', '-m', 'model', 'bad.csv', '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const rows = csvRows(flag.stdout);
  assert.deepEqual(rows[0], ['timestamp', 'score', 'threshold', 'anomaly', 'cause', 'error']);
  assert.equal(rows.length - 1, ROWS);
  assert.equal(rows[100]![3], '', 'a flagged row has no verdict');
  assert.equal(rows[100]![2], rows[99]![2], 'and the threshold in force');
  assert.equal(rows[100]![0], EC2[100]!.split(',')[0], 'and its time');
  assert.match(flag.stdout.split('\n')[100]!, /line 101: channel ""value"" is empty or NaN/);
  assert.match(flag.stdout.split('\n')[200]!, /line 201/);
  assert.equal(rows[101]![5], '');
});

test('rows the reader cannot take (ragged, text, binary, a repeated header, an empty line) follow --on-bad-row, in input order', () => {
  assert.equal(train.status, 0, train.stderr);
  const lines = EC2.map((l) => Buffer.from(l));
  lines[100] = Buffer.from(EC2[100] + ',extra');
  lines[200] = Buffer.from(EC2[200]!.split(',')[0] + ',abc');
  lines[300] = Buffer.from([0, 0xff, 0xfe, 0x41]);
  lines[400] = Buffer.from('timestamp,value');
  lines[500] = Buffer.alloc(0);
  const file = write(dir, 'garbage.csv', Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  const fail = runCli(['detect', '-m', 'model', file], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /garbage\.csv:101: ragged row: expected 2 fields/, 'the first bad line in input order');
  assert.equal(csvRows(fail.stdout).length - 1, 99, 'the rows before it were written (stdout)');
  const flag = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'flag', '--json', '--out', 'flag.csv'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  assert.equal(JSON.parse(flag.stdout).badRows, 5);
  const out = readFileSync(path.join(dir, 'flag.csv'), 'utf8').trim().split('\n');
  assert.equal(out.length - 1, ROWS, 'one output row per input line');
  // the line's time (read from its text), no score or verdict; the threshold in force
  assert.match(out[100]!, new RegExp(`^${EC2[100]!.split(',')[0]},,[\\d.]+,,,"line 101: ragged row`));
  assert.match(out[200]!, new RegExp(`^${EC2[200]!.split(',')[0]},,[\\d.]+,,,`));
  // no time where the line has none to read (binary garbage, an empty line)
  assert.match(out[300]!, /^,,[\d.]+,,,/);
  assert.match(out[500]!, /^,,[\d.]+,,,/);
  assert.match(out[200]!, /line 201: column ""value"": ""abc"" is not a number/);
  assert.match(out[300]!, /line 301, column 1: a NUL byte/);
  assert.match(out[400]!, /line 401: column ""value"": ""value"" is not a number/);
  assert.match(out[500]!, /line 501: an empty line/);
  assert.equal(out[101]!.split(',')[0], EC2[101]!.split(',')[0], 'the rows after a bad one keep their times');
  const skip = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'skip'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  assert.equal(csvRows(skip.stdout).length - 1, ROWS - 5);
  assert.match(skip.stderr, /5 bad rows/);
});

test('--fail-on-anomaly exits 1 when a row is anomalous; --json prints the summary on stdout after the stream', () => {
  assert.equal(train.status, 0, train.stderr);
  const r = runCli(['detect', '-m', 'model', 'ec2.csv', '--fail-on-anomaly', '--json'], { cwd: dir });
  assert.equal(r.status, 1);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, ROWS + 2, 'header, rows, then the summary');
  const sum = JSON.parse(lines[lines.length - 1]!);
  assert.equal(sum.rows, ROWS);
  assert.ok(sum.anomalies > 0);
  assert.match(oneLineError(r), /anomalous rows? \(--fail-on-anomaly\)/);
  // the exit code follows the verdicts: 1 exactly when some row is anomalous
  const quiet = runCli(['detect', '-m', 'model', 'nominal.csv', '--fail-on-anomaly', '--out', 'q.csv'], { cwd: dir });
  const flagged = csvRows(readFileSync(path.join(dir, 'q.csv'), 'utf8')).slice(1).filter((x) => x[3] === '1').length;
  assert.equal(quiet.status, flagged ? 1 : 0, quiet.stderr);
});

test('evaluate on a detect bundle: event-wise and point-wise metrics, NAB scores from windows, gates', () => {
  assert.equal(train.status, 0, train.stderr);
  const w = runCli(['evaluate', '-m', 'model', 'ec2.csv', '--windows', path.join(DATASETS, 'nab_windows.json'), '--json'], { cwd: dir });
  // ec2.csv is no key of the windows file: the error names the keys
  assert.equal(w.status, 3);
  assert.match(oneLineError(w), /nab_windows\.json: no key for ec2\.csv \(keys: realKnownCause\/ec2_request_latency_system_failure\.csv/);
  const file = path.join(DATASETS, 'nab_ec2_request_latency_system_failure.csv');
  const r = runCli(['evaluate', '-m', 'model', file, '--windows', path.join(DATASETS, 'nab_windows.json'), '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout).metrics;
  assert.equal(m.rows, ROWS);
  assert.equal(m.events, 3);
  assert.equal(m.event_tp + m.event_fn, 3);
  for (const k of ['nab_standard', 'nab_reward_low_FP_rate', 'nab_reward_low_FN_rate', 'event_f05', 'point_f1']) assert.equal(typeof m[k], 'number', k);
  // the same verdicts as mlkit detect gives
  const det = csvRows(runCli(['detect', '-m', 'model', file], { cwd: dir }).stdout).slice(1);
  assert.equal(m.flagged_rows, det.filter((x) => x[3] === '1').length);
  // a 0/1 label column instead of windows
  const labelled = EC2.map((l, i) => (i === 0 ? `${l},fault` : `${l},${i > 3000 && i < 3050 ? 1 : 0}`));
  write(dir, 'labelled.csv', labelled.join('\n') + '\n');
  const l = runCli(['evaluate', '-m', 'model', 'labelled.csv', '--label', 'fault', '--json'], { cwd: dir });
  assert.equal(l.status, 0, l.stderr);
  assert.equal(JSON.parse(l.stdout).metrics.labelled_rows, 49);
  const gate = runCli(['evaluate', '-m', 'model', 'labelled.csv', '--label', 'fault', '--fail-under', 'event_recall=1.5'], { cwd: dir });
  assert.equal(gate.status, 1);
  assert.match(oneLineError(gate), /gate failed: event_recall/);
  const noLabels = runCli(['evaluate', '-m', 'model', 'labelled.csv'], { cwd: dir });
  assert.equal(noLabels.status, 2);
  assert.match(oneLineError(noLabels), /give --label COLUMN .* or --windows FILE/);
  const badGate = runCli(['evaluate', '-m', 'model', 'labelled.csv', '--label', 'fault', '--fail-under', 'auc=0.9'], { cwd: dir });
  assert.equal(badGate.status, 2);
  assert.match(oneLineError(badGate), /unknown metric "auc"/);
});

test('| head: a reader that goes away after a few lines ends detect and predict with exit 0 (a real pipe, EPIPE)', () => {
  assert.equal(train.status, 0, train.stderr);
  for (const cmd of [`"${process.execPath}" "${BIN}" detect -m model ec2.csv`, `"${process.execPath}" "${BIN}" predict -m tab ec2.csv`]) {
    if (cmd.includes('predict') && !existsSync(path.join(dir, 'tab'))) continue;
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd} | head -2 > head.out; echo "rc=\${PIPESTATUS[0]}"`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.match(r.stdout, /rc=0/, `${cmd}: ${r.stdout} ${r.stderr}`);
    // the summary says the stream stopped because the output was closed
    if (cmd.includes('detect')) assert.match(r.stderr, /rows scored, .*the output was closed by its reader \(e\.g\. \| head\), so the stream stopped there/);
  }
});

test('detect answers rows while stdin is still open', async () => {
  assert.equal(train.status, 0, train.stderr);
  const p = spawn(process.execPath, [BIN, 'detect', '-m', 'model', '-'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stdin.write(EC2.slice(0, 51).join('\n') + '\n');
  const before = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(out.split('\n').length - 1), 20_000);
    p.stdout.on('data', () => {
      const n = out.split('\n').length - 1;
      if (n >= 51) { clearTimeout(timer); resolve(n); }
    });
  });
  p.stdin.end(EC2.slice(51).join('\n') + '\n');
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  assert.equal(before, 51, 'header + 50 verdicts before stdin was closed');
  assert.equal(status, 0);
  assert.equal(out.trim().split('\n').length, ROWS + 1);
  assert.equal(out, runCli(['detect', '-m', 'model', 'ec2.csv'], { cwd: dir }).stdout, 'the same verdicts as from the file');
});

test('Ctrl-C ends the stream: the rows scored so far are in the --out file, exit 130', async () => {
  assert.equal(train.status, 0, train.stderr);
  const p = spawn(process.execPath, [BIN, 'detect', '-m', 'model', '-', '--out', 'part.csv'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.stdin.write(EC2.slice(0, 101).join('\n') + '\n');
  // the 100 rows are scored once the pipe pauses and written to the temporary file beside part.csv; then
  // interrupt with stdin still open
  const deadline = Date.now() + 30_000;
  const written = () => readdirSync(dir).filter((f) => f.startsWith('.part.csv.tmp-')).some((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').length > 101);
  while (!written() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  p.kill('SIGINT');
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  assert.equal(status, 130, err);
  assert.ok(existsSync(path.join(dir, 'part.csv')), err);
  assert.equal(csvRows(readFileSync(path.join(dir, 'part.csv'), 'utf8')).length - 1, 100);
});

test('predictive mode: xgboost on lagged changes (and naive) predict each next value; warm-up is lags + 1 rows', () => {
  const cfg = (model: string, extra = '') => `task: detect
data: { train: nominal.csv, time: timestamp, target: value }
detect:
  mode: predictive
  threshold: { method: quantile, q: 0.999 }${extra}
model: ${model}
output: { dir: pm }
`;
  write(dir, 'pred.yaml', cfg('{ type: xgboost, params: { lags: 8, num_round: 20 } }'));
  const t = runCli(['train', 'pred.yaml'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /predictive \(xgboost\) detector on 1 channel \(value\)/);
  const r = runCli(['detect', '-m', 'pm', 'ec2.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const rows = csvRows(r.stdout).slice(1);
  assert.equal(rows.length, ROWS);
  assert.equal(rows.findIndex((x) => x[1] !== ''), 9, 'lags + 1 warm-up rows');
  assert.ok(rows.some((x) => x[3] === '1'));
  // the same stream cut into single-row batches gives the same verdicts
  const live = runCli(['detect', '-m', 'pm', '-'], { cwd: dir, input: EC2.slice(0, 300).join('\n') + '\n', env: { MLKIT_BATCH_BYTES: '40' } });
  assert.equal(live.status, 0, live.stderr);
  assert.deepEqual(csvRows(live.stdout).slice(1), rows.slice(0, 299));
  write(dir, 'naive.yaml', cfg('{ type: naive }').replace('dir: pm', 'dir: pn'));
  const nv = runCli(['train', 'naive.yaml', '--json'], { cwd: dir });
  assert.equal(nv.status, 0, nv.stderr);
  assert.equal(JSON.parse(nv.stdout).detector, 'predictive (naive)');
  // seasonal_naive: a daily season of 5-minute rows; warm-up is the season
  write(dir, 'snaive.yaml', cfg('{ type: seasonal_naive, params: { s: 288 } }').replace('dir: pm', 'dir: psn'));
  assert.equal(runCli(['train', 'snaive.yaml', '-q'], { cwd: dir }).status, 0);
  const sn = csvRows(runCli(['detect', '-m', 'psn', 'ec2.csv'], { cwd: dir }).stdout).slice(1);
  assert.equal(sn.length, ROWS);
  assert.equal(sn.findIndex((x) => x[1] !== ''), 288);
  const bad: [string, RegExp][] = [
    [cfg('{ type: theta }'), /model\.type: detect\.mode predictive takes model\.type xgboost, arima, rnn, cnn, transformer, fno, naive or seasonal_naive, not "theta"/],
    [cfg('{ type: arima, params: { p: one } }'), /model\.params\.p: expected number/],
    [cfg('{ type: seasonal_naive }'), /seasonal_naive needs model\.params\.s/],
    [cfg('{ type: xgboost, params: { calendar: none } }'), /model\.params\.calendar: calendar is for forecasting/],
    [cfg('{ type: xgboost, params: { lags: [1, 2] } }'), /lags as a number/],
    [cfg('{ type: xgboost }').replace(/model:.*\n/, ''), /needs model for detect\.mode predictive/],
    [cfg('{ type: naive }', '\n  adapt: true'), /detect\.adapt is for detect\.mode unsupervised/],
  ];
  for (const [text, re] of bad) {
    write(dir, 'badp.yaml', text);
    const b = runCli(['train', 'badp.yaml'], { cwd: dir });
    assert.equal(b.status, 2, `${text}\n${b.stderr}`);
    assert.match(oneLineError(b), re);
  }
});

test('predictive mode with arima: one-step predictions from the fitted ARIMA; warm-up is d + p rows; batches change nothing', () => {
  write(dir, 'arima.yaml', `task: detect
data: { train: nominal.csv, time: timestamp, target: value }
detect:
  mode: predictive
  threshold: { method: quantile, q: 0.999 }
model: { type: arima, params: { p: 2, d: 1, q: 1 } }
output: { dir: pa }
`);
  const t = runCli(['train', 'arima.yaml', '--json'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).detector, 'predictive (arima)');
  assert.match(t.stderr, /channel "value": ARIMA\(2,1,1\)/);
  const r = runCli(['detect', '-m', 'pa', 'ec2.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const rows = csvRows(r.stdout).slice(1);
  assert.equal(rows.length, ROWS);
  assert.equal(rows.findIndex((x) => x[1] !== ''), 3, 'd + p warm-up rows');
  assert.ok(rows.some((x) => x[3] === '1'));
  const live = runCli(['detect', '-m', 'pa', '-'], { cwd: dir, input: EC2.slice(0, 300).join('\n') + '\n', env: { MLKIT_BATCH_BYTES: '40' } });
  assert.equal(live.status, 0, live.stderr);
  assert.deepEqual(csvRows(live.stdout).slice(1), rows.slice(0, 299));
});

test('the NAB config: season auto, tails that learn (adapt), a hold-off of a day (in rows of the data) with backoff and breakthrough', () => {
  write(dir, 'nab.yaml', `task: detect
data: { train: nominal.csv, time: timestamp }
detect:
  mode: unsupervised
  detector: statistical
  params: { season: auto, tail_risk: 0.0003 }
  adapt: true
  threshold: { method: fixed, value: 1 }
  suppress: 1d
  backoff: true
  breakthrough: 4
output: { dir: mnab }
`);
  const t = runCli(['train', 'nab.yaml'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  const detection = JSON.parse(readFileSync(path.join(dir, 'mnab', 'manifest.json'), 'utf8')).detection;
  assert.equal(detection.suppress, 288, 'a day of 5-minute rows');
  assert.equal(detection.backoff, true);
  assert.equal(detection.breakthrough, 4);
  const r = runCli(['detect', '-m', 'mnab', 'ec2.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const rows = csvRows(r.stdout).slice(1);
  assert.equal(rows.length, ROWS);
  const alarms = rows.filter((x) => x[3] === '1').map((x) => x[0]!);
  assert.ok(alarms.length <= 8, `${alarms.length} alarms`);
  const windows = JSON.parse(readFileSync(path.join(DATASETS, 'nab_windows.json'), 'utf8'))['realKnownCause/ec2_request_latency_system_failure.csv'] as [string, string][];
  const inside = windows.filter(([a, b]) => alarms.some((x) => x >= a.slice(0, 19) && x <= b.slice(0, 19)));
  assert.equal(inside.length, windows.length, `alarms in ${inside.length} of ${windows.length} windows`);
  const cases: [string, RegExp][] = [
    ['suppress: soon', /detect\.suppress: "soon" is not a duration/],
    ['suppress: -3', /detect\.suppress/],
  ];
  for (const [line, re] of cases) {
    write(dir, 'nab-bad.yaml', readFileSync(path.join(dir, 'nab.yaml'), 'utf8').replace('suppress: 1d', line));
    const b = runCli(['train', 'nab-bad.yaml'], { cwd: dir });
    assert.equal(b.status, 2, b.stderr);
    assert.match(oneLineError(b), re);
  }
  write(dir, 'nab-bad.yaml', readFileSync(path.join(dir, 'nab.yaml'), 'utf8').replace(', time: timestamp', ''));
  const b = runCli(['train', 'nab-bad.yaml'], { cwd: dir });
  assert.equal(b.status, 2, b.stderr);
  assert.match(oneLineError(b), /a suppress given as a duration needs data\.time/);
});

test('supervised mode: a classifier on a fault label, trained with a lead, warns ahead of the faults it has learnt', () => {
  // two channels; every 500 rows a 30-row fault, announced by vibration rising over the 20 rows before it
  const u = rng(3);
  const g = gaussian(u);
  const lines = ['timestamp,temp,vib,fault'];
  for (let i = 0; i < 8000; i++) {
    const ph = i % 500;
    const fault = ph >= 450 && ph < 480 ? 1 : 0;
    const pre = ph >= 430 && ph < 450 ? (ph - 430) / 20 : 0;
    const ts = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`${ts},${(70 + 2 * Math.sin(i / 50) + 0.3 * g() + 3 * fault).toFixed(3)},${(1 + 0.05 * g() + 0.5 * pre + fault).toFixed(4)},${fault}`);
  }
  write(dir, 'sup_train.csv', lines.slice(0, 5001).join('\n') + '\n');
  write(dir, 'sup_test.csv', [lines[0], ...lines.slice(5001)].join('\n') + '\n');
  write(dir, 'sup.yaml', `task: detect
data: { train: sup_train.csv, time: timestamp }
detect: { mode: supervised, label: fault, lead: 15min }
model: { type: xgboost, params: { num_round: 30 } }
output: { dir: ms }
`);
  const t = runCli(['train', 'sup.yaml'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /supervised \(xgboost\) detector on 2 channels \(temp, vib\)/);
  assert.match(t.stderr, /threshold 0\.500000/, 'a probability threshold by default');
  const r = runCli(['evaluate', '-m', 'ms', 'sup_test.csv', '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout).metrics;
  assert.equal(m.events, 6);
  assert.ok(m.event_recall >= 5 / 6, `recall ${m.event_recall}`);
  assert.ok(m.detect_delay_rows < 0, `alarms ahead of the faults (delay ${m.detect_delay_rows} rows)`);
  assert.ok(m.detect_delay_seconds < 0);
  const d = runCli(['detect', '-m', 'ms', 'sup_test.csv'], { cwd: dir });
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stderr, /ignoring column\(s\) the detector does not use: fault/);
  const rows = csvRows(d.stdout).slice(1);
  assert.equal(rows.length, 3000);
  assert.ok(rows.filter((x) => x[3] === '1').every((x) => x[4] === 'temp' || x[4] === 'vib'));
  const cases: [string, string, RegExp][] = [
    ['lead: 15min', 'lead: soon', /detect\.lead: "soon" is not a duration/],
    ['label: fault', 'label: faults', /detect\.label: column "faults" not found; did you mean "fault"/],
    ['lead: 15min }', 'lead: 15min, params: { window: 3 } }', /detect\.params\.window: detect\.mode supervised takes detect\.params\.lags only/],
  ];
  for (const [from, to, re] of cases) {
    write(dir, 'sup-bad.yaml', readFileSync(path.join(dir, 'sup.yaml'), 'utf8').replace(from, to));
    const b = runCli(['train', 'sup-bad.yaml'], { cwd: dir });
    assert.ok(b.status === 2 || b.status === 3, b.stderr);
    assert.match(oneLineError(b), re);
  }
});

test('config and bundle errors: one line, exit 2 (config) or 4 (bundle)', () => {
  const cases: [string, RegExp][] = [
    [CONFIG.replace('mode: unsupervised', 'mode: unsupervized'), /bad\.yaml:4:\d+ detect\.mode: .*did you mean "unsupervised"/],
    [CONFIG.replace('detector: statistical', 'detector: statistcal'), /detect\.detector.*did you mean "statistical"/],
    [CONFIG.replace('  detector: statistical\n', '  detector: statistical\n  params: { fft_window: 30 }\n'), /detect\.params\.fft_window: a power of two/],
    [CONFIG.replace('  detector: statistical\n', '  detector: statistical\n  label: fault\n'), /detect\.label is for detect\.mode supervised/],
    [CONFIG.replace('task: detect\n', 'task: detect\nmodel: { type: xgboost }\n'), /unsupervised uses detect\.detector/],
    [CONFIG.replace(/detect:[\s\S]*?output/, 'output'), /needs detect \(at least detect\.mode\)/],
  ];
  for (const [text, re] of cases) {
    write(dir, 'bad.yaml', text);
    const r = runCli(['train', 'bad.yaml'], { cwd: dir });
    assert.equal(r.status, 2, `${text}\n${r.stderr}`);
    assert.match(oneLineError(r), re);
  }
  write(dir, 'nochan.csv', 'timestamp,name\n2020-01-01,a\n');
  write(dir, 'nochan.yaml', CONFIG.replace('nominal.csv', 'nochan.csv').replace('dir: model', 'dir: m2'));
  const r = runCli(['train', 'nochan.yaml'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /no numeric column to watch/);
  const notDetect = runCli(['train', path.join(DATASETS, '..', 'configs', 'quickstart.yaml'), '--set', 'output.dir=tab', '--set', 'model.params.num_round=2', '-q'], { cwd: dir });
  assert.equal(notDetect.status, 0, notDetect.stderr);
  const wrong = runCli(['detect', '-m', 'tab', 'ec2.csv'], { cwd: dir });
  assert.equal(wrong.status, 4);
  assert.match(oneLineError(wrong), /mlkit detect needs one trained with task: detect/);
  const missing = runCli(['detect', '-m', 'model', path.join(DATASETS, 'iris.csv')], { cwd: dir });
  assert.equal(missing.status, 3);
  assert.match(oneLineError(missing), /column "value" is missing/);
});
