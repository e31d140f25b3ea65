/**
 * Lines the reader cannot take, through `mlkit detect` (every --on-bad-row mode) and `mlkit predict`:
 * each is a bad row with its physical line, whatever the format. A byte that is not UTF-8 in an
 * all-numeric CSV had no line and bypassed --on-bad-row; a malformed NDJSON line was never a bad row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DATASETS, ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';

const dir = tmpDir('mlkit-reader-bad-');
const EC2 = readFileSync(path.join(DATASETS, 'nab_ec2_request_latency_system_failure.csv'), 'utf8').split('\n').filter((l) => l !== '');
const ROWS = 400;
/** the value column alone: an all-numeric CSV (no text column at all) */
const VALUES = EC2.slice(1, ROWS + 1).map((l) => l.split(',')[1]!);
write(dir, 'nominal.csv', 'value\n' + EC2.slice(1, 601).map((l) => l.split(',')[1]).join('\n') + '\n');
write(dir, 'detect.yaml', `task: detect
data: { train: nominal.csv }
detect: { mode: unsupervised, detector: statistical }
output: { dir: model }
`);
const train = runCli(['train', 'detect.yaml', '-q'], { cwd: dir });
const trainPredict = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${path.join(dir, 'pmodel')}`, '-q'], { cwd: dir });

function csvRows(text: string): string[] {
  return text.trim().split('\n');
}

test('a byte that is not UTF-8 in an all-numeric CSV is a bad row with its line, under every --on-bad-row mode', () => {
  assert.equal(train.status, 0, train.stderr);
  const lines = VALUES.map((v) => Buffer.from(v));
  lines[149] = Buffer.concat([Buffer.from(VALUES[149]!), Buffer.from([0xe9])]); // physical line 151
  const file = write(dir, 'latin1.csv', Buffer.concat([Buffer.from('value\n'), ...lines.flatMap((l) => [l, Buffer.from('\n')])]));
  const col = VALUES[149]!.length + 1;
  const fail = runCli(['detect', '-m', 'model', file], { cwd: dir });
  assert.equal(fail.status, 3, fail.stderr);
  assert.match(oneLineError(fail), new RegExp(`latin1\\.csv:151:${col}: not UTF-8 text \\(byte 0xe9\\)`));
  assert.equal(csvRows(fail.stdout).length - 1, 149, 'the rows before it were written');
  const skip = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'skip', '--json', '--out', 'skip.csv'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  const sum = JSON.parse(skip.stdout);
  assert.equal(sum.badRows, 1);
  assert.equal(sum.rows, ROWS - 1);
  const flag = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const out = csvRows(flag.stdout);
  assert.equal(out[0], 'score,threshold,anomaly,cause,error');
  assert.equal(out.length - 1, ROWS, 'one output row per input line');
  assert.match(out[150]!, new RegExp(`^,[\\d.]+,,,"line 151, column ${col}: not UTF-8 text \\(byte 0xe9\\)`));
  assert.doesNotMatch(out[151]!, /line/);
});

test('a malformed NDJSON line is a bad row with its line: detect under every --on-bad-row mode, predict exit 3 naming file:line', () => {
  assert.equal(train.status, 0, train.stderr);
  const lines = VALUES.map((v) => JSON.stringify({ value: Number(v) }));
  lines[99] = '{"value": 1,'; // line 100
  lines[199] = 'not json'; // line 200
  lines[299] = 'null'; // line 300 (polars panicked on it)
  const file = write(dir, 'bad.ndjson', lines.join('\n') + '\n');
  const fail = runCli(['detect', '-m', 'model', file], { cwd: dir });
  assert.equal(fail.status, 3, fail.stderr);
  assert.match(oneLineError(fail), /bad\.ndjson:100: not valid JSON \(/);
  assert.equal(csvRows(fail.stdout).length - 1, 99, 'the rows before it were written');
  const skip = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'skip', '--json', '--out', 'skip.csv'], { cwd: dir });
  assert.equal(skip.status, 0, skip.stderr);
  const sum = JSON.parse(skip.stdout);
  assert.equal(sum.badRows, 3);
  assert.equal(sum.rows, ROWS - 3);
  const flag = runCli(['detect', '-m', 'model', file, '--on-bad-row', 'flag'], { cwd: dir });
  assert.equal(flag.status, 0, flag.stderr);
  const out = csvRows(flag.stdout);
  assert.equal(out.length - 1, ROWS, 'one output row per input line');
  assert.match(out[100]!, /^,[\d.]+,,,"?line 100: not valid JSON \(/);
  assert.match(out[200]!, /^,[\d.]+,,,"?line 200: not valid JSON \(Unexpected token 'o'\)"?$/);
  assert.match(out[300]!, /^,[\d.]+,,,"?line 300: not a JSON object/);
  // the verdicts of the other rows are those of the file without the bad lines
  const clean = write(dir, 'clean.ndjson', lines.filter((_, i) => i !== 99 && i !== 199 && i !== 299).join('\n') + '\n');
  const want = csvRows(runCli(['detect', '-m', 'model', clean], { cwd: dir }).stdout).slice(1);
  assert.deepEqual(out.slice(1).filter((l) => !/^,[\d.]+,,,"?line /.test(l)).map((l) => l.replace(/,$/, '')), want);

  // predict (no --on-bad-row): exit 3 naming the file and the line, whatever batch it is in
  assert.equal(trainPredict.status, 0, trainPredict.stderr);
  const iris = readFileSync(path.join(DATASETS, 'iris.csv'), 'utf8').trim().split('\n');
  const names = iris[0]!.split(',');
  const records = iris.slice(1).map((l) => JSON.stringify(Object.fromEntries(l.split(',').map((v, i) => [names[i], Number.isNaN(Number(v)) ? v : Number(v)]))));
  records[119] = '{"sepal_length": 5.1, "sepal_width":'; // line 120
  const pfile = write(dir, 'iris-bad.ndjson', records.join('\n') + '\n');
  for (const batch of ['1000', '4194304']) {
    const p = runCli(['predict', '-q', '-m', 'pmodel', pfile], { cwd: dir, env: { MLKIT_BATCH_BYTES: batch } });
    assert.equal(p.status, 3, p.stderr);
    assert.match(oneLineError(p), /iris-bad\.ndjson:120: not valid JSON \(/, `MLKIT_BATCH_BYTES=${batch}`);
  }
});
