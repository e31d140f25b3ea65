/**
 * Findings of a new-user trial of `mlkit detect` / `mlkit evaluate` / `mlkit train` on detection configs,
 * through the built CLI: integer times written as they came, --windows on numeric and text times, no
 * --on-bad-row hint from evaluate, flagged reader-rejected rows with their threshold, training errors
 * naming the file's line or the config key, the key blamed for detect.detector and a --set threshold,
 * `mlkit list detector` showing config keys only, --label with --windows, windows keys for .csv.gz data,
 * and fail mode writing the rows before a bad one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';
import { gaussian, rng } from '../../src/core/random.js';

const dir = tmpDir('mlkit-detect-trial-');
const N = 600;
const g = gaussian(rng(7));
const values = Array.from({ length: N }, (_, i) => (10 * Math.sin(i / 9) + g()).toFixed(3));
/** a CSV with time column `t` (given per row) and channel `value`; `edit` changes lines (0 = the header) */
function table(times: (i: number) => string, edit: Record<number, string> = {}): string {
  const lines = ['t,value', ...values.map((v, i) => `${times(i)},${v}`)];
  for (const [k, l] of Object.entries(edit)) lines[Number(k)] = l;
  return lines.join('\n') + '\n';
}
const rowIndex = (i: number) => String(i + 1);
const EPOCH_NS = 1_700_000_000_000_000_001n;
const epochNs = (i: number) => String(EPOCH_NS + BigInt(i) * 60_000_000_000n);
write(dir, 'int.csv', table(rowIndex));
write(dir, 'ns.csv', table(epochNs));
const cfg = (train: string, out: string, extra = '') => `task: detect
data: { train: ${train}, time: t }
detect:
  mode: unsupervised
  detector: statistical
  params: { window: 16, fft_window: 16 }${extra}
output: { dir: ${out} }
`;
write(dir, 'int.yaml', cfg('int.csv', 'm_int'));
write(dir, 'ns.yaml', cfg('ns.csv', 'm_ns'));
const trainInt = runCli(['train', 'int.yaml', '-q'], { cwd: dir });
const trainNs = runCli(['train', 'ns.yaml', '-q'], { cwd: dir });

const rowsOf = (csv: string) => csv.trim().split('\n').map((l) => l.split(','));

test('5: an integer time (a row index, epoch nanoseconds) is written as it came, in CSV and NDJSON', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  assert.equal(trainNs.status, 0, trainNs.stderr);
  const r = runCli(['detect', '-m', 'm_int', 'int.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(rowsOf(r.stdout).slice(1).map((x) => x[0]), values.map((_, i) => rowIndex(i)), 'integers stay integers (no 1.0)');
  const ns = runCli(['detect', '-m', 'm_ns', 'ns.csv'], { cwd: dir });
  assert.equal(ns.status, 0, ns.stderr);
  assert.deepEqual(rowsOf(ns.stdout).slice(1).map((x) => x[0]), values.map((_, i) => epochNs(i)), 'epoch nanoseconds exactly (no float rounding)');
  const nd = runCli(['detect', '-m', 'm_int', 'int.csv', '--out', 'out.ndjson'], { cwd: dir });
  assert.equal(nd.status, 0, nd.stderr);
  const first = readFileSync(path.join(dir, 'out.ndjson'), 'utf8').split('\n')[0]!;
  assert.match(first, /^\{"t":1,/, first);
  // from NDJSON input too
  writeFileSync(path.join(dir, 'int.ndjson'), values.map((v, i) => JSON.stringify({ t: i + 1, value: Number(v) })).join('\n') + '\n');
  const fromNd = runCli(['detect', '-m', 'm_int', 'int.ndjson'], { cwd: dir });
  assert.equal(fromNd.status, 0, fromNd.stderr);
  assert.deepEqual(rowsOf(fromNd.stdout).slice(1).map((x) => x[0]), values.map((_, i) => rowIndex(i)));
  // a time that is not an integer where the training data had integers: a bad row naming line and column
  write(dir, 'frac.csv', table(rowIndex, { 300: '300.5,1.0' }));
  const fail = runCli(['detect', '-m', 'm_int', 'frac.csv'], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /frac\.csv:301 t: time column "t": "300\.5" is not an integer/);
  const flag = runCli(['detect', '-m', 'm_int', 'frac.csv', '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const rows = rowsOf(flag.stdout);
  assert.equal(rows[300]![0], '', 'the unreadable time is empty');
  assert.match(flag.stdout.split('\n')[300]!, /line 301: time column ""t"": ""300\.5"" is not an integer/);
});

test('6: evaluate --windows on numeric times takes numeric window limits; text times that are not date-times are exit 3 naming file, line and column', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'w_num.json', JSON.stringify([[400, 420]]));
  const r = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--windows', 'w_num.json', '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout).metrics;
  assert.equal(m.labelled_rows, 21);
  assert.equal(m.events, 1);
  assert.equal(typeof m.nab_standard, 'number');
  assert.equal(m.detect_delay_seconds, undefined, 'no seconds from numeric times');
  // limits as numeric text (NAB's files are text) work too
  write(dir, 'w_numtext.json', JSON.stringify({ 'x/int.csv': [['400', '420']] }));
  const t = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--windows', 'w_numtext.json', '--json'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  assert.deepEqual(JSON.parse(t.stdout).metrics, m);
  // date-time limits against numeric times: the windows file is named
  write(dir, 'w_date.json', JSON.stringify([['2020-01-01 00:00:00', '2020-01-02 00:00:00']]));
  const d = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--windows', 'w_date.json'], { cwd: dir });
  assert.equal(d.status, 3);
  assert.match(oneLineError(d), /^mlkit: w_date\.json: anomaly window limit "2020-01-01 00:00:00": the data's time column "t" is numeric; give the window limits as numbers$/);
  // a limit that is no time of the data
  write(dir, 'w_far.json', JSON.stringify([[400, 99999]]));
  const far = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--windows', 'w_far.json'], { cwd: dir });
  assert.equal(far.status, 3);
  assert.match(oneLineError(far), /^mlkit: w_far\.json: anomaly window \[400, 99999\]: 99999 is not a timestamp of the data/);
  // text times that are not date-times
  write(dir, 'txt.csv', table((i) => `r${i + 1}`));
  write(dir, 'txt.yaml', cfg('txt.csv', 'm_txt'));
  assert.equal(runCli(['train', 'txt.yaml', '-q'], { cwd: dir }).status, 0);
  write(dir, 'w_txt.json', JSON.stringify([['r400', 'r420']]));
  const x = runCli(['evaluate', '-m', 'm_txt', 'txt.csv', '--windows', 'w_txt.json'], { cwd: dir });
  assert.equal(x.status, 3);
  assert.match(oneLineError(x), /^mlkit: txt\.csv:2 t: time column "t": "r1" is neither a date-time nor a number/);
  // text times that are date-times are parsed (and give delays in seconds)
  const start = Date.UTC(2024, 0, 1);
  const iso = (i: number) => new Date(start + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
  write(dir, 'dt.csv', table(iso));
  write(dir, 'dt.yaml', cfg('dt.csv', 'm_dt'));
  assert.equal(runCli(['train', 'dt.yaml', '-q'], { cwd: dir }).status, 0);
  write(dir, 'w_dt.json', JSON.stringify([[iso(399), iso(419)]]));
  const ok = runCli(['evaluate', '-m', 'm_dt', 'dt.csv', '--windows', 'w_dt.json', '--json'], { cwd: dir });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).metrics.labelled_rows, 21);
});

test('7: evaluate has no --on-bad-row and its bad-row error does not suggest it', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  // line 201 has an empty channel; a fault column of zeros
  write(dir, 'nan_eval.csv', table(rowIndex, { 200: '200,' }).split('\n').map((l, i) => (i === 0 ? `${l},fault` : l ? `${l},0` : l)).join('\n'));
  const r = runCli(['evaluate', '-m', 'm_int', 'nan_eval.csv', '--label', 'fault'], { cwd: dir });
  assert.equal(r.status, 3);
  const line = oneLineError(r);
  assert.match(line, /nan_eval\.csv:201 value: channel "value" is empty or NaN; mlkit evaluate scores every row: fix or remove it/);
  assert.doesNotMatch(line, /use --on-bad-row/);
  const flag = runCli(['evaluate', '-m', 'm_int', 'nan_eval.csv', '--label', 'fault', '--on-bad-row', 'skip'], { cwd: dir });
  assert.equal(flag.status, 2, 'not an option of evaluate');
  // detect still suggests it
  write(dir, 'nan.csv', table(rowIndex, { 200: '200,' }));
  const d = runCli(['detect', '-m', 'm_int', 'nan.csv'], { cwd: dir });
  assert.match(oneLineError(d), /use --on-bad-row skip or flag/);
});

test('8: --on-bad-row flag: a line the reader rejected has the threshold in force, no score or verdict, and its error', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'rejected.csv', table(rowIndex, { 100: '100,abc', 200: '200,1.0,extra', 300: '300,' }));
  const r = runCli(['detect', '-m', 'm_int', 'rejected.csv', '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const rows = rowsOf(r.stdout);
  assert.deepEqual(rows[0], ['t', 'score', 'threshold', 'anomaly', 'cause', 'error']);
  const threshold = rows[50]![2]!;
  assert.match(threshold, /^\d/);
  for (const k of [100, 200, 300]) {
    assert.equal(rows[k]![2], threshold, `line ${k + 1}: the threshold in force`);
    assert.equal(rows[k]![1], '', 'no score');
    assert.equal(rows[k]![3], '', 'no verdict');
    assert.match(r.stdout.split('\n')[k]!, new RegExp(`"line ${k + 1}: `));
  }
  assert.equal(rows[300]![0], '300', 'a row detect itself flags keeps its time');
});

test('8: the time field of a rejected CSV record, when the reader gives the record text', async () => {
  const { csvField } = await import('../../src/tasks/detect.js');
  assert.equal(csvField('200,1.0,extra\n', 0), '200');
  assert.equal(csvField('"2024-01-01 00:00:00","a,b",x\r\n', 1), 'a,b');
  assert.equal(csvField('"say ""hi""";2', 0, ';'), 'say "hi"');
  assert.equal(csvField('only', 1), undefined);
  assert.equal(csvField('a,"open', 1), undefined, 'an unclosed quote is no field');
});

test('9: a supervised label that is not 0/1, and too few nominal rows, name the file\'s line or the config key', () => {
  // a supervised label that is not 0/1: the physical line (a comment line above the header shifts it)
  const lines = ['# exported', 't,value,fault', ...values.map((v, i) => `${i + 1},${v},${i % 100 > 90 ? 1 : 0}`)];
  lines[302] = lines[302]!.replace(/,\d$/, ',2');
  write(dir, 'sup.csv', lines.join('\n') + '\n');
  write(dir, 'sup.yaml', `task: detect
data: { train: sup.csv, time: t, csv: { comment_prefix: "#" } }
detect: { mode: supervised, label: fault }
model: { type: xgboost, params: { num_round: 5 } }
output: { dir: m_sup }
`);
  const s = runCli(['train', 'sup.yaml'], { cwd: dir });
  assert.equal(s.status, 3);
  assert.match(oneLineError(s), /^mlkit: sup\.csv:303 fault: detect\.label column "fault": expected 0 or 1, got 2$/);
  // seasonal_naive with a season longer than the nominal rows: the data file, and model.params.s with its place
  write(dir, 'short.csv', table(rowIndex).split('\n').slice(0, 101).join('\n') + '\n');
  write(dir, 'sn.yaml', `task: detect
data: { train: short.csv, time: t, target: value }
detect: { mode: predictive }
model: { type: seasonal_naive, params: { s: 288 } }
output: { dir: m_sn }
`);
  const sn = runCli(['train', 'sn.yaml'], { cwd: dir });
  assert.equal(sn.status, 3);
  assert.match(oneLineError(sn), /^mlkit: short\.csv: 100 nominal rows; the predictive \(seasonal_naive\) detector needs at least 291 \(model\.params\.s is 288, sn\.yaml:4:\d+\)$/);
});

test('9: an objective the detector cannot use is a config error at model.params.objective', () => {
  // the predictive detector regresses the next change
  for (const [obj, re] of [['binary:logistic', /regresses each next change: objective reg:squarederror \(default\), reg:absoluteerror or reg:pseudohubererror, not "binary:logistic"/], ['nonsense', /not "nonsense"/]] as const) {
    write(dir, 'obj.yaml', `task: detect
data: { train: int.csv, time: t, target: value }
detect: { mode: predictive }
model: { type: xgboost, params: { num_round: 5, objective: "${obj}" } }
output: { dir: m_obj }
`);
    const o = runCli(['train', 'obj.yaml'], { cwd: dir });
    assert.equal(o.status, 2);
    assert.match(oneLineError(o), /^mlkit: obj\.yaml:4:\d+ model\.params\.objective: detect\.mode predictive /);
    assert.match(oneLineError(o), re);
  }
  // the supervised one is a binary classifier
  write(dir, 'supobj.yaml', `task: detect
data: { train: int.csv, time: t }
detect: { mode: supervised, label: value }
model: { type: xgboost, params: { num_round: 5 } }
output: { dir: m_supobj }
`);
  const so = runCli(['train', 'supobj.yaml', '--set', 'model.params.objective=reg:squarederror'], { cwd: dir });
  assert.equal(so.status, 2);
  assert.match(oneLineError(so), /model\.params\.objective: detect\.mode supervised is a binary classifier .*objective binary:logistic, not "reg:squarederror"/);
});

test('10: detect.detector outside mode unsupervised, and a --set threshold without detect.threshold, blame the right key', () => {
  const base = `task: detect
data: { train: int.csv, time: t, target: value }
detect: { mode: predictive, detector: statistical }
model: { type: naive }
output: { dir: m_x }
`;
  write(dir, 'det.yaml', base);
  const r = runCli(['train', 'det.yaml'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /^mlkit: det\.yaml:3:\d+ detect\.detector: detect\.detector is for detect\.mode unsupervised only; detect\.mode predictive uses model:/);
  write(dir, 'det2.yaml', base.replace('mode: predictive,', 'mode: supervised, label: value,').replace('naive', 'xgboost'));
  const r2 = runCli(['train', 'det2.yaml'], { cwd: dir });
  assert.equal(r2.status, 2);
  assert.match(oneLineError(r2), /det2\.yaml:3:\d+ detect\.detector: detect\.detector is for detect\.mode unsupervised only; detect\.mode supervised/);
  const unsup = runCli(['train', 'int.yaml', '--set', 'detect.detector=predictive'], { cwd: dir });
  assert.equal(unsup.status, 2);
  assert.match(oneLineError(unsup), /detect\.detector: "predictive" is not an unsupervised detector: it is detect\.mode predictive/);
  const q = runCli(['train', 'int.yaml', '--set', 'detect.threshold.q=0.99'], { cwd: dir });
  assert.equal(q.status, 2);
  assert.match(oneLineError(q), /^mlkit: --set detect\.threshold\.q=0\.99 detect\.threshold\.method: required key is missing \(one of "fixed" \| "quantile" \| "dynamic"\); "q" is a key of method "quantile": add method: quantile$/);
  const v = runCli(['train', 'int.yaml', '--set', 'detect.threshold.value=3'], { cwd: dir });
  assert.match(oneLineError(v), /"value" is a key of method "fixed"/);
  // both given by --set: trains
  const both = runCli(['train', 'int.yaml', '--set', 'detect.threshold.method=quantile', '--set', 'detect.threshold.q=0.99', '--set', 'output.dir=m_q', '-q'], { cwd: dir });
  assert.equal(both.status, 0, both.stderr);
  // in the file: the file's place
  write(dir, 'thr.yaml', cfg('int.csv', 'm_thr', '\n  threshold: { q: 0.99 }'));
  const f = runCli(['train', 'thr.yaml'], { cwd: dir });
  assert.match(oneLineError(f), /^mlkit: thr\.yaml:7:\d+ detect\.threshold\.method: required key is missing/);
  // adapt inside detect.params would be overridden by detect.adapt: refused
  const a = runCli(['train', 'int.yaml', '--set', 'detect.params.adapt=true'], { cwd: dir });
  assert.equal(a.status, 2);
  assert.match(oneLineError(a), /detect\.params\.adapt: adapt is set by detect\.adapt/);
});

test('11: mlkit list detector shows the config keys users set, not internal params', () => {
  const r = runCli(['list', 'detector']);
  assert.equal(r.status, 0, r.stderr);
  for (const hidden of [/^\s+holdout:/m, /^\s+xgboost:/m, /^\s+engine:/m, /^\s+model: /m, /^\s+label:/m, /^\s+adapt:/m]) assert.doesNotMatch(r.stdout, hidden);
  for (const shown of [/model\.type: xgboost \| arima \| naive \| seasonal_naive \| rnn \| cnn \| transformer \| fno \(required\)/, /model\.params\.lags: integer >= 1 <= 4096 = 16/, /model\.params\.s: integer >= 1/, /model\.engine: auto \| native \| wasm = auto/, /detect\.params\.window: integer >= 3 <= 100000 = 32/, /detect\.adapt: boolean = false/, /detect\.label: string \(required\)/, /detect\.lead: integer >= 0 \| duration = 0/, /detect\.params\.lags: integer >= 0 <= 256 = 4/]) assert.match(r.stdout, shown);
  const j = runCli(['list', 'detector', '--json']);
  const comps = JSON.parse(j.stdout).components as { name: string; params: { name: string }[] }[];
  const names = (n: string) => comps.find((c) => c.name === n)!.params.map((p) => p.name);
  assert.deepEqual(names('predictive'), ['model.type', 'model.params.lags', 'model.params.s', 'model.params', 'model.backend', 'model.engine']);
  assert.deepEqual(names('autoencoder'), ['detect.params.network', 'detect.params.window', 'detect.params.units', 'detect.params.kernel', 'detect.params.latent', 'detect.params.dropout', 'detect.adapt']);
  assert.deepEqual(names('supervised'), ['detect.label', 'detect.lead', 'detect.params.lags', 'model.params', 'model.engine']);
});

test('12: --label with --windows is a usage error; a NAB key names foo.csv.gz and foo.csv.zst data too', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'w_num2.json', JSON.stringify([[400, 420]]));
  const both = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--label', 'fault', '--windows', 'w_num2.json'], { cwd: dir });
  assert.equal(both.status, 2);
  assert.match(oneLineError(both), /^mlkit: --label and --windows both give the labels: use one of them$/);
  writeFileSync(path.join(dir, 'foo.csv.gz'), gzipSync(readFileSync(path.join(dir, 'int.csv'))));
  write(dir, 'combined.json', JSON.stringify({ 'realKnownCause/foo.csv': [[400, 420]], 'realKnownCause/other.csv': [] }));
  const gz = runCli(['evaluate', '-m', 'm_int', 'foo.csv.gz', '--windows', 'combined.json', '--json'], { cwd: dir });
  assert.equal(gz.status, 0, gz.stderr);
  assert.equal(JSON.parse(gz.stdout).metrics.labelled_rows, 21);
  writeFileSync(path.join(dir, 'foo.csv.zst'), zstdStored(readFileSync(path.join(dir, 'int.csv'))));
  const zst = runCli(['evaluate', '-m', 'm_int', 'foo.csv.zst', '--windows', 'combined.json', '--json'], { cwd: dir });
  assert.equal(zst.status, 0, zst.stderr);
  assert.deepEqual(JSON.parse(zst.stdout), JSON.parse(gz.stdout));
});

/** A zstd frame of raw (stored) blocks: enough to test .zst inputs without a compressor. */
function zstdStored(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])]; // magic; no content size; window 2^17
  const max = 1 << 17;
  for (let off = 0; off < data.length || off === 0; off += max) {
    const chunk = data.subarray(off, off + max);
    const last = off + max >= data.length ? 1 : 0;
    const h = last | (chunk.length << 3); // raw block (type 0)
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), chunk);
    if (last) break;
  }
  return Buffer.concat(parts);
}

test('4: --on-bad-row fail writes the rows before the bad one, in order, also from its own batch', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'nan4.csv', table(rowIndex, { 400: '400,' }));
  const r = runCli(['detect', '-m', 'm_int', 'nan4.csv'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /nan4\.csv:401 value: channel "value" is empty or NaN/);
  const rows = rowsOf(r.stdout).slice(1);
  assert.deepEqual(rows.map((x) => x[0]), Array.from({ length: 399 }, (_, i) => String(i + 1)), 'rows 1..399, in order');
  // the same rows as a run on the clean file
  const clean = rowsOf(runCli(['detect', '-m', 'm_int', 'int.csv'], { cwd: dir }).stdout).slice(1, 400);
  assert.deepEqual(rows, clean);
});

// a second trial's findings
test('trial 2: evaluate on a missing bundle is exit 4 whatever the flags; --backtest and NAB gates without --windows are usage errors', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  const missing = runCli(['evaluate', '-m', 'nonexist', 'int.csv', '--label', 'fault'], { cwd: dir });
  assert.equal(missing.status, 4);
  assert.match(oneLineError(missing), /nonexist: model bundle folder not found/);
  const bt = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--label', 'value', '--backtest'], { cwd: dir });
  assert.equal(bt.status, 2);
  assert.match(oneLineError(bt), /--backtest is for forecasting bundles/);
  const gate = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--label', 'value', '--fail-under', 'nab_standard=1'], { cwd: dir });
  assert.equal(gate.status, 2);
  assert.match(oneLineError(gate), /nab_standard=1: the NAB scores come with --windows only/);
});

test('trial 2: a stream whose every line is bad is no error under flag and skip (one flagged row, or none)', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'allbad.csv', 't,value\n5,abc\n');
  const flag = runCli(['detect', '-m', 'm_int', 'allbad.csv', '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const rows = rowsOf(flag.stdout);
  assert.equal(rows.length, 2);
  assert.match(rows[1]!.join(','), /line 2: column ""value"": ""abc"" is not a number/);
  assert.equal(rows[1]![0], '5', 'the flagged row keeps the time of its line (from the header, with no batch read)');
  const skip = runCli(['detect', '-m', 'm_int', 'allbad.csv', '--on-bad-row', 'skip'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  assert.equal(rowsOf(skip.stdout).length, 1, 'the header only');
  assert.match(skip.stderr, /1 bad row/);
  const fail = runCli(['detect', '-m', 'm_int', 'allbad.csv'], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /allbad\.csv:2: column "value": "abc" is not a number/);
});

test('trial 2: a lead given as a duration with numeric times is exit 3, not a silent lead of 0', () => {
  write(dir, 'sup_int.csv', ['t,value,fault', ...values.map((v, i) => `${i * 60},${v},${i % 100 >= 90 ? 1 : 0}`)].join('\n') + '\n');
  write(dir, 'sup_int.yaml', `task: detect\ndata: { train: sup_int.csv, time: t }\ndetect: { mode: supervised, label: fault, lead: 15min }\nmodel: { type: xgboost, params: { num_round: 5 } }\noutput: { dir: m_si }\n`);
  const r = runCli(['train', 'sup_int.yaml'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /a lead given as a duration \(15min\) needs date-time times, and data\.time "t" holds numbers; give it in rows/);
});

test('trial 2: commander usage errors are one line starting with mlkit:', () => {
  for (const args of [['detect', '-m', 'm_int', '--format', 'xml', 'int.csv'], ['detect', 'int.csv'], ['trian']]) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^mlkit: .*\(mlkit --help for usage\)$/);
  }
});

test('trial 2: predictive arima with auto: true trains when AutoARIMA picks a drift without differencing (refitted without it)', () => {
  const nab = readFileSync(path.join(ROOT, 'datasets', 'nab_art_daily_jumpsup.csv'), 'utf8').trim().split('\n');
  write(dir, 'jumps.csv', nab.slice(0, 1000).join('\n') + '\n');
  write(dir, 'auto.yaml', 'task: detect\ndata: { train: jumps.csv, time: timestamp }\ndetect: { mode: predictive }\nmodel: { type: arima, params: { auto: true } }\noutput: { dir: m_auto }\n');
  const r = runCli(['train', 'auto.yaml'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /AutoARIMA chose ARIMA\(\d,0,\d\) with drift; the detector fits those orders without the drift/);
  const d = runCli(['detect', '-m', 'm_auto', 'jumps.csv'], { cwd: dir });
  assert.equal(d.status, 0, d.stderr);
  assert.equal(rowsOf(d.stdout).length, 1000);
});

test('trial 2: empty lines at the very end of the input are skipped with a note, not bad rows; one in the middle is', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'trail.csv', table(rowIndex) + '\n\n');
  const r = runCli(['detect', '-m', 'm_int', 'trail.csv'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(rowsOf(r.stdout).length, N + 1);
  assert.match(r.stderr, /trail\.csv: skipped 2 blank line\(s\)/);
  const piped = runCli(['detect', '-m', 'm_int', '-'], { cwd: dir, input: table(rowIndex) + '\r\n' });
  assert.equal(piped.status, 0, piped.stderr);
  write(dir, 'middle.csv', table(rowIndex, { 300: '' }));
  const mid = runCli(['detect', '-m', 'm_int', 'middle.csv'], { cwd: dir });
  assert.equal(mid.status, 3);
  assert.match(oneLineError(mid), /middle\.csv:301: an empty line/);
});

test('trial 2: a column named twice in the header is exit 3 naming it (not a silently renamed copy)', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'dup.csv', table(rowIndex).replace('t,value\n', 't,value,value\n').replace(/\n(?=.)/g, '\n').split('\n').map((l, i) => (i > 0 && l ? `${l},1` : l)).join('\n'));
  const r = runCli(['detect', '-m', 'm_int', 'dup.csv'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /dup\.csv:1: column "value" appears more than once in the header/);
});

test('trial 2: when the training times were date-times, a time that is not one is a bad row', () => {
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
  write(dir, 'dt.csv', table(stamp));
  write(dir, 'dt.yaml', cfg('dt.csv', 'm_dt'));
  assert.equal(runCli(['train', 'dt.yaml', '-q'], { cwd: dir }).status, 0);
  write(dir, 'dt_bad.csv', table(stamp, { 100: `notatime,${values[99]}`, 200: `2024-13-45 99:99:99,${values[199]}`, 300: `,${values[299]}` }));
  const fail = runCli(['detect', '-m', 'm_dt', 'dt_bad.csv'], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /dt_bad\.csv:101 t: time column "t": "notatime" is not an ISO 8601 date-time .*\(the training data had date-times/);
  const flag = runCli(['detect', '-m', 'm_dt', 'dt_bad.csv', '--on-bad-row', 'flag', '--json', '--out', 'dt_flag.csv'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  assert.equal(JSON.parse(flag.stdout).badRows, 3);
  const good = runCli(['detect', '-m', 'm_dt', 'dt.csv', '--json', '--out', 'dt_ok.csv'], { cwd: dir });
  assert.equal(JSON.parse(good.stdout).badRows, 0);
});

test('trial 2: evaluate names the same first bad line as detect (a text value before a byte that is not UTF-8)', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  const text = table(rowIndex, { 5: '5,abc' }).split('\n').map((l, i) => (i === 0 ? `${l},fault` : l ? `${l},0` : l)).join('\n');
  const lines = text.split('\n');
  const bytes = Buffer.concat([Buffer.from(lines.slice(0, 40).join('\n') + '\n'), Buffer.from([0x34, 0x30, 0x2c, 0xff, 0x2c, 0x30, 0x0a]), Buffer.from(lines.slice(41).join('\n'))]);
  writeFileSync(path.join(dir, 'firstbad.csv'), bytes);
  const det = runCli(['detect', '-m', 'm_int', 'firstbad.csv', '-q'], { cwd: dir });
  const ev = runCli(['evaluate', '-m', 'm_int', 'firstbad.csv', '--label', 'fault', '-q'], { cwd: dir });
  assert.equal(det.status, 3, det.stderr);
  assert.equal(ev.status, 3, ev.stderr);
  assert.match(oneLineError(det), /firstbad\.csv:6:/);
  assert.match(oneLineError(ev), /firstbad\.csv:6:/);
  // a missing label column is named before any row is scored, as a missing channel is
  const nolabel = runCli(['evaluate', '-m', 'm_int', 'int.csv', '--label', 'fualt'], { cwd: dir });
  assert.equal(nolabel.status, 3);
  assert.match(oneLineError(nolabel), /label column "fualt" not found/);
});

test('trial 2: evaluate.metrics and evaluate.backtest in a detect config, and data.drop of a missing column, are errors, not ignored', () => {
  write(dir, 'evm.yaml', cfg('int.csv', 'm_evm') + 'evaluate: { metrics: [f1] }\n');
  const evm = runCli(['train', 'evm.yaml'], { cwd: dir });
  assert.equal(evm.status, 2, evm.stderr);
  assert.match(oneLineError(evm), /evm\.yaml:\d+:\d+ evaluate\.metrics: .*evaluate\.metrics is for classification and regression/);
  const bt = runCli(['train', 'int.yaml', '--set', 'evaluate.backtest.folds=3', '--set', 'output.dir=m_bt'], { cwd: dir });
  assert.equal(bt.status, 2, bt.stderr);
  assert.match(oneLineError(bt), /evaluate\.backtest is for task forecast/);
  const drop = runCli(['train', 'int.yaml', '--set', 'data.drop=[vlaue]', '--set', 'output.dir=m_drop'], { cwd: dir });
  assert.equal(drop.status, 3, drop.stderr);
  assert.match(oneLineError(drop), /data\.drop: column "vlaue" not found; did you mean "value"/);
});

test('trial 2: empty values in the nominal data are an error that names data.fill; with data.fill they are filled and counted', () => {
  write(dir, 'gaps.csv', table(rowIndex, { 10: '10,', 11: '11,', 300: '300,' }));
  write(dir, 'gaps.yaml', cfg('gaps.csv', 'm_gaps'));
  const plain = runCli(['train', 'gaps.yaml'], { cwd: dir });
  assert.equal(plain.status, 3, plain.stderr);
  assert.match(oneLineError(plain), /gaps\.csv:11 value: channel "value" is empty or NaN .*set data\.fill to ffill, linear or zero/);
  const filled = runCli(['train', 'gaps.yaml', '--set', 'data.fill=linear'], { cwd: dir });
  assert.equal(filled.status, 0, filled.stderr);
  assert.match(filled.stderr, /data\.fill linear: 3 empty value\(s\) of the training data filled/);
  // filled linearly, the bundle scores the complete file as the one trained on it does (same threshold)
  const a = runCli(['detect', '-m', 'm_gaps', 'int.csv', '-q'], { cwd: dir });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(rowsOf(a.stdout).length, N + 1);
  write(dir, 'gap0.csv', table(rowIndex, { 1: '1,' }));
  const first = runCli(['train', 'gaps.yaml', '--set', 'data.fill=ffill', '--set', 'data.train=gap0.csv', '--set', 'output.dir=m_gap0'], { cwd: dir });
  assert.equal(first.status, 3, first.stderr);
  assert.match(oneLineError(first), /gap0\.csv:2 value: channel "value" has no value to fill from: its first row is empty/);
});

test('trial 3: with date-time training times, a day-first or impossible date is a bad row, never read month-first', () => {
  const iso = (i: number) => new Date(Date.UTC(2024, 1, 27) + i * 3_600_000).toISOString().replace('T', ' ').slice(0, 16);
  write(dir, 'dt3.csv', ['t,value', ...values.map((v, i) => `${iso(i)},${v}`)].join('\n') + '\n');
  write(dir, 'dt3.yaml', cfg('dt3.csv', 'm_dt3'));
  assert.equal(runCli(['train', 'dt3.yaml', '-q'], { cwd: dir }).status, 0);
  write(dir, 'eu.csv', 't,value\n04.03.2024 11:20,1.0\n');
  const eu = runCli(['detect', '-m', 'm_dt3', 'eu.csv', '-q'], { cwd: dir });
  assert.equal(eu.status, 3);
  assert.match(oneLineError(eu), /eu\.csv:2 t: time column "t": "04\.03\.2024 11:20" is not an ISO 8601 date-time/);
  write(dir, 'feb30.csv', 't,value\n2024-02-29 23:00,1.0\n2024-02-30 00:00,1.0\n2024-03-01 00:00,1.0\n');
  const f = runCli(['detect', '-m', 'm_dt3', 'feb30.csv', '--on-bad-row', 'flag', '-q'], { cwd: dir });
  assert.equal(f.status, 0, f.stderr);
  const rows = rowsOf(f.stdout);
  assert.equal(rows.length, 4);
  assert.match(rows[2]!.join(','), /line 3: time column/);
  assert.equal(rows[1]!.length, rows[3]!.length);
});

test('trial 3: an NDJSON record with a repeated key is one bad row with its line under every mode; the rows before it are written', async () => {
  const { repeatedKey } = await import('../../src/data/read.js');
  assert.equal(repeatedKey('{"a":1,"b":{"a":2},"c":"a"}'), undefined);
  assert.equal(repeatedKey('{"a":1, "b":"x\\"y", "a" : 2}'), 'a');
  const rec = (i: number) => JSON.stringify({ t: i + 1, value: Number(values[i]) });
  write(dir, 'dup.ndjson', [...values.slice(0, 300).map((_, i) => rec(i)), '{"t":301,"value":"oops","value":2.5}', ...values.slice(301).map((_, i) => rec(i + 301))].join('\n') + '\n');
  const fail = runCli(['detect', '-m', 'm_int', 'dup.ndjson', '-q'], { cwd: dir });
  assert.equal(fail.status, 3);
  assert.match(oneLineError(fail), /dup\.ndjson:301: key "value" appears twice in the record/);
  assert.equal(rowsOf(fail.stdout).length, 301, 'the header and the 300 rows before it');
  const skip = runCli(['detect', '-m', 'm_int', 'dup.ndjson', '--on-bad-row', 'skip', '-q'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  assert.equal(rowsOf(skip.stdout).length, N);
  const flag = runCli(['detect', '-m', 'm_int', 'dup.ndjson', '--on-bad-row', 'flag', '-q'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const rows = rowsOf(flag.stdout);
  assert.equal(rows.length, N + 1);
  assert.equal(rows[301]![0], '301');
  assert.match(rows[301]!.join(','), /line 301: key ""value"" appears twice/);
});

test('trial 3: training warns about a constant channel and a channel that rises like a time; backoff without suppress is a config error', () => {
  write(dir, 'const.csv', ['n,value,flat', ...values.map((v, i) => `${i},${v},5`)].join('\n') + '\n');
  write(dir, 'const.yaml', 'task: detect\ndata: { train: const.csv }\ndetect: { mode: unsupervised, params: { window: 16, fft_window: 16 } }\noutput: { dir: m_const }\n');
  const r = runCli(['train', 'const.yaml'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /channel "flat" is constant \(5\) in the training data/);
  assert.match(r.stderr, /channel "n" rises on every row, like a time or a row index: set data\.time: n/);
  const b = runCli(['train', 'int.yaml', '--set', 'detect.backoff=true', '--set', 'output.dir=m_b'], { cwd: dir });
  assert.equal(b.status, 2);
  assert.match(oneLineError(b), /detect\.backoff acts on the hold-off after an alarm: it needs detect\.suppress/);
});

test('trial 3: a file separated otherwise than the training data: the missing column error says so', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'semi.csv', table(rowIndex).replace(/,/g, ';'));
  const r = runCli(['detect', '-m', 'm_int', 'semi.csv', '-q'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /the header is one column "t;value": the file looks ";"-separated, and the bundle reads ","-separated CSV/);
});

test('trial 3: a value that fits no branch of a union says what each takes (suppress, season)', () => {
  const s = runCli(['train', 'int.yaml', '--set', 'detect.suppress=2.5', '--set', 'output.dir=m_u'], { cwd: dir });
  assert.equal(s.status, 2);
  assert.match(oneLineError(s), /detect\.suppress: expected text or an integer, got 2\.5/);
  const a = runCli(['train', 'int.yaml', '--set', 'detect.params.season=autoo', '--set', 'output.dir=m_u'], { cwd: dir });
  assert.equal(a.status, 2);
  assert.match(oneLineError(a), /detect\.params\.season: expected "auto" or a number, got "autoo"; did you mean "auto"\?/);
});

test('trial 3: a line the reader refuses gets the --on-bad-row advice; a header line again is named so; windows keyed by file with stdin data say what to do', () => {
  assert.equal(trainInt.status, 0, trainInt.stderr);
  write(dir, 'again.csv', 't,value\n1,2.0\nt,value\n3,2.5\n');
  const r = runCli(['detect', '-m', 'm_int', 'again.csv', '-q'], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /again\.csv:3: column "value": "value" is not a number: a header line again \(files joined with their headers\?\); use --on-bad-row skip or flag/);
  write(dir, 'keyed.json', '{"x/int.csv": [[5, 10]]}');
  const w = runCli(['evaluate', '-m', 'm_int', '-', '--windows', 'keyed.json'], { cwd: dir, input: table(rowIndex) });
  assert.equal(w.status, 3);
  assert.match(oneLineError(w), /keyed\.json: the windows are keyed by file name .*the data comes from stdin/);
});
