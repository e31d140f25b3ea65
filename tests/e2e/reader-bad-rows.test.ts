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
  assert.match(out[150]!, new RegExp(`^,,,,"line 151, column ${col}: not UTF-8 text \\(byte 0xe9\\)`));
  assert.doesNotMatch(out[151]!, /line/);
});
