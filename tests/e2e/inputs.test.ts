/** Inputs are never misread: any file name, any extension. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, DATASETS, ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';

test('a data file named adult.data, x.txt, x.CSV or with no extension is read as CSV, not as its own name', () => {
  const dir = tmpDir('mlkit-in-names-');
  const csv = path.join(DATASETS, 'adult_test_5k.csv');
  for (const n of ['train.data', 'adult.data', 'x.txt', 'x.CSV', 'noext', '.hidden']) copyFileSync(csv, path.join(dir, n));
  // training reads data.train named train.data
  const tr = runCli(['train', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', `data.train=${path.join(dir, 'train.data')}`, '--set', `data.test=${path.join(dir, 'x.txt')}`, '--set', 'output.dir=m', '--set', 'model.params.num_round=5', '-q'], { cwd: dir });
  assert.equal(tr.status, 0, tr.stderr);
  const want = runCli(['predict', '-m', 'm', csv], { cwd: dir });
  assert.equal(want.status, 0, want.stderr);
  assert.equal(want.stdout.split('\n').length, 5002);
  for (const n of ['adult.data', 'x.txt', 'x.CSV', 'noext', '.hidden']) {
    const r = runCli(['predict', '-m', 'm', n], { cwd: dir });
    assert.equal(r.status, 0, `${n}: ${r.stderr}`);
    assert.equal(r.stdout, want.stdout, n);
  }
});

test('quoting problems are exit 3 with file, line and column (they were exit 70 or a polars message without a line)', () => {
  const dir = tmpDir('mlkit-in-quotes-');
  const model = path.join(dir, 'm');
  assert.equal(runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${model}`, '-q'], { cwd: dir }).status, 0);
  const head = 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n';
  const cases: [string, string, RegExp][] = [
    ['open.csv', `${head}4.9,"3.0,1.4,0.2\n4.7,3.2,1.3,0.2\n`, /open\.csv:3:5: a quote opens a field and is never closed/],
    ['stray.csv', `${head}4.9,3"0,1.4,0.2\n4.7,3.2,1.3,0.2\n`, /stray\.csv:3:6: a quote inside an unquoted field/],
    ['after.csv', `${head}4.9,"3.0"1,1.4,0.2\n`, /after\.csv:3:10: text after a closing quote/],
  ];
  for (const [name, text, re] of cases) {
    const r = runCli(['predict', '-m', model, write(dir, name, text)], { cwd: dir });
    assert.equal(r.status, 3, `${name}: ${r.stderr}`);
    assert.match(oneLineError(r), re);
  }
});

test('the format of stdin and of names without a known extension is sniffed: NDJSON, Parquet, CSV', () => {
  const dir = tmpDir('mlkit-in-sniff-');
  const model = path.join(dir, 'm');
  assert.equal(runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${model}`, '-q'], { cwd: dir }).status, 0);
  const iris = path.join(DATASETS, 'iris.csv');
  const want = runCli(['predict', '-m', model, iris]).stdout;
  const lines = readFileSync(iris, 'utf8').trim().split('\n');
  const cols = lines[0]!.split(',');
  const ndjson = lines.slice(1).map((l) => JSON.stringify(Object.fromEntries(l.split(',').map((v, i) => [cols[i], Number.isNaN(Number(v)) ? v : Number(v)])))).join('\n') + '\n';
  const viaStdin = runCli(['predict', '-m', model, '-'], { input: ndjson });
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  assert.equal(viaStdin.stdout, want);
  write(dir, 'iris.records', ndjson);
  assert.equal(runCli(['predict', '-m', model, path.join(dir, 'iris.records')]).stdout, want);
  assert.equal(runCli(['predict', '-m', model, iris, '--out', path.join(dir, 'p.parquet')]).status, 0);
  copyFileSync(path.join(dir, 'p.parquet'), path.join(dir, 'p.bin'));
  const pq = runCli(['preprocess', '--model', model, path.join(dir, 'p.bin')]);
  assert.notEqual(pq.status, 70, pq.stderr);
  assert.doesNotMatch(pq.stderr, /internal error/);
});

test('pipes: a FIFO (made in the test folder) and bash process substitution are read to their end, not taken for empty', async () => {
  const { spawn, spawnSync } = await import('node:child_process');
  const dir = tmpDir('mlkit-in-fifo-');
  const model = path.join(dir, 'm');
  assert.equal(runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${model}`, '-q'], { cwd: dir }).status, 0);
  const iris = path.join(DATASETS, 'iris.csv');
  const want = runCli(['predict', '-m', model, iris]).stdout;
  if (spawnSync('mkfifo', [path.join(dir, 'in.csv')]).status === 0) {
    const writer = spawn('sh', ['-c', `cat "${iris}" > "${path.join(dir, 'in.csv')}"`]);
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'predict', '-m', model, path.join(dir, 'in.csv')], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('close', (code) => resolve({ code, out, err }));
    });
    writer.kill();
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, want);
  }
  if (spawnSync('bash', ['--version']).status === 0) {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" predict -m "${model}" <(cat "${iris}")`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want);
  }
});

test('", "-separated files (UCI Adult\'s raw format): numbers with spaces are never silently text; data.csv.trim reads them', () => {
  const dir = tmpDir('mlkit-in-trim-');
  const rows = readFileSync(path.join(DATASETS, 'adult_test_5k.csv'), 'utf8').trim().split('\n').slice(0, 400);
  write(dir, 'adult.data', rows.map((r) => r.split(',').join(', ')).join('\n') + '\n');
  const cfg = (csv: string) => write(dir, `c${Math.random().toString(36).slice(2)}.yaml`, `task: classification\ndata: { train: adult.data, target: income, csv: ${csv} }\nmodel: { type: xgboost, params: { num_round: 5 } }\noutput: { dir: m }\n`);
  const plain = runCli(['train', cfg('{}')], { cwd: dir });
  assert.equal(plain.status, 3);
  assert.match(oneLineError(plain), /adult\.data:2: column " fnlwgt": numbers with spaces around them \(" \d+"\) are read as text; set data\.csv\.trim: true/);
  const sep = runCli(['train', cfg('{ delimiter: ", " }')], { cwd: dir });
  assert.equal(sep.status, 2);
  assert.match(oneLineError(sep), /data\.csv\.delimiter: expected a single character; for ", "-separated files use delimiter "," with trim: true/);
  const ok = runCli(['train', cfg('{ trim: true }'), '-q'], { cwd: dir });
  assert.equal(ok.status, 0, ok.stderr);
  const m = JSON.parse(readFileSync(path.join(dir, 'm', 'manifest.json'), 'utf8'));
  const types = Object.fromEntries(m.input.columns.map((c: { name: string; dtype: string }) => [c.name, c.dtype]));
  assert.equal(types.age, 'int64');
  assert.equal(types.fnlwgt, 'int64');
  assert.equal(types.workclass, 'string');
  const pr = runCli(['predict', '-m', 'm', 'adult.data'], { cwd: dir });
  assert.equal(pr.status, 0, pr.stderr);
  assert.equal(pr.stdout.trim().split('\n').length, 400);
});

test('infinite values (inf, -inf, Inf, INF, Infinity) are exit 3 naming the file, line and column, never text or a shuffled row', () => {
  const dir = tmpDir('mlkit-in-inf-');
  const lines = readFileSync(path.join(DATASETS, 'iris.csv'), 'utf8').trim().split('\n');
  for (const v of ['inf', '-inf', 'Inf', 'INF', 'Infinity']) {
    const bad = lines.map((l, i) => (i === 5 ? l.split(',').map((x, j) => (j === 1 ? v : x)).join(',') : l)).join('\n') + '\n';
    const file = write(dir, `iris-${v}.csv`, bad);
    const r = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `data.train=${file}`, '--set', 'output.dir=m', '-q'], { cwd: dir });
    assert.equal(r.status, 3, `${v}: ${r.stderr}`);
    assert.match(oneLineError(r), new RegExp(`iris-${v}\\.csv:6: column "sepal_width": .*infinite`), v);
  }
});

test('data.csv skip_rows, comment_prefix and column_names (headerless files); errors name the physical line', () => {
  const dir = tmpDir('mlkit-in-csvopts-');
  const iris = readFileSync(path.join(DATASETS, 'iris.csv'), 'utf8').trim().split(/\r?\n/);
  const body = ['exported by tool X', 'version 3', '# a comment', iris[0], iris[1], '# another comment', ...iris.slice(2)];
  write(dir, 'pre.csv', body.join('\n') + '\n');
  const cfg = (name: string, csv: string, train = 'pre.csv') => write(dir, name, `task: classification\ndata: { train: ${train}, target: species, csv: ${csv} }\nmodel: { type: xgboost, params: { num_round: 5 } }\noutput: { dir: m-${name} }\n`);
  const ok = runCli(['train', cfg('a.yaml', '{ skip_rows: 2, comment_prefix: "#" }'), '-q'], { cwd: dir });
  assert.equal(ok.status, 0, ok.stderr);
  // a bad value after the skipped and comment lines: its physical line
  const bad = [...body];
  bad[8] = bad[8]!.replace(/^([^,]*),([^,]*)/, '$1,abc');
  write(dir, 'bad.csv', bad.join('\n') + '\n');
  const r = runCli(['train', cfg('b.yaml', '{ skip_rows: 2, comment_prefix: "#" }', 'bad.csv')], { cwd: dir });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /bad\.csv:9: column "sepal_width": "abc" is not a number/);
  // headerless, with names
  write(dir, 'nohead.csv', iris.slice(1).join('\n') + '\n');
  const nh = runCli(['train', cfg('c.yaml', `{ has_header: false, column_names: [${iris[0]}] }`, 'nohead.csv'), '-q'], { cwd: dir });
  assert.equal(nh.status, 0, nh.stderr);
  const cols = JSON.parse(readFileSync(path.join(dir, 'm-c.yaml', 'manifest.json'), 'utf8')).input.columns.map((c: { name: string }) => c.name);
  assert.deepEqual(cols, iris[0]!.split(',').filter((c) => c !== 'species'));
  const few = runCli(['train', cfg('d.yaml', '{ has_header: false, column_names: [a, b] }', 'nohead.csv')], { cwd: dir });
  assert.equal(few.status, 3);
  assert.match(oneLineError(few), /data\.csv\.column_names has 2 name\(s\), but the rows have 5 field\(s\)/);
});

test('a missing data file given relative to the config names where it was looked for', () => {
  const r = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', 'data.train=nope/iris.csv', '-q'], { cwd: tmpDir('mlkit-in-where-') });
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), new RegExp(`nope/iris\\.csv: data file not found \\(looked for ${path.join(ROOT, 'configs', 'nope', 'iris.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
});
