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
import { oneLineError, runCli, tmpDir, write } from '../helpers.js';
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
