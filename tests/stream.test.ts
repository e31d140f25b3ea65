/**
 * The streaming reader (src/data/stream.ts): for every batch size, the batches hold exactly the rows of
 * the whole-file reader, and every error names the line of the whole input, however the input was cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pl from 'nodejs-polars';
import { readTable, type ReadOptions } from '../src/data/read.js';
import { readBatches, type StreamStats } from '../src/data/stream.js';
import { DataError, InterruptedError } from '../src/core/errors.js';
import { tmpDir, write, DATASETS } from './helpers.js';

const dir = tmpDir();

async function collect(file: string, opts: ReadOptions & { batchBytes: number }, signal?: AbortSignal, withLines = true) {
  const stats: StreamStats = { rows: 0, batches: 0, blankLines: 0 };
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  for await (const b of readBatches(file, { ...opts, stats }, signal)) {
    assert.equal(b.offset, rows.length);
    rows.push(...b.table.frame.toRecords());
    if (withLines) for (let r = 0; r < b.table.frame.height; r++) lines.push(b.table.lineOf(r));
    else lines.push(b.table.lineOf(b.table.frame.height - 1));
  }
  assert.equal(stats.rows, rows.length);
  return { rows, lines, stats };
}

async function streamError(file: string, opts: ReadOptions & { batchBytes: number }): Promise<string> {
  try {
    for await (const _ of readBatches(file, opts)) { /* read to the end */ }
  } catch (e) {
    if (e instanceof DataError) return e.format();
    throw e;
  }
  assert.fail('expected a DataError');
}

function sameRows(a: Record<string, unknown>[], b: Record<string, unknown>[], what: string) {
  assert.equal(a.length, b.length, `${what}: row count`);
  // values compared as text: a batch may infer 1 where the whole file inferred 1.0 (types are the caller's, via dtypes)
  const norm = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(Number.isFinite(Number(v)) && v !== '' && typeof v !== 'string' ? Number(v) : v)]));
  for (let i = 0; i < a.length; i++) assert.deepEqual(norm(a[i]!), norm(b[i]!), `${what}: row ${i}`);
}

const CASES: { name: string; text: string; opts?: ReadOptions }[] = [
  { name: 'plain.csv', text: 'a,b,c\n1,x,0.5\n2,y,1.5\n3,z,\n4,w,2\n5,v,3\n' },
  { name: 'quoted.csv', text: 'a,b\n1,"multi\nline, with ""quotes"""\n2,"x"\n3,"a\n\nb"\n4,y\n' },
  { name: 'crlf.csv', text: 'a,b\r\n1,x\r\n2,y\r\n3,z\r\n' },
  { name: 'cr.csv', text: 'a,b\r1,x\r2,y\r3,z\r4,w\r' },
  { name: 'blank.csv', text: 'a,b\n1,x\n\n2,y\n\n\n3,z\n' },
  { name: 'nolf.csv', text: 'a,b\n1,x\n2,y' },
  { name: 'comments.csv', text: 'junk line\n# comment\na,b\n1,x\n# another\n2,y\n3,z\n', opts: { csv: { skip_rows: 1, comment_prefix: '#' } } },
  { name: 'noheader.csv', text: '1,x\n2,y\n3,z\n', opts: { csv: { has_header: false, column_names: ['n', 's'] } } },
  { name: 'renamed.csv', text: 'a,b\n1,x\n2,y\n3,z\n', opts: { csv: { column_names: ['n', 's'] }, dtypes: { n: 'float64', s: 'string' } } },
  { name: 'trim.csv', text: 'a, b\n1, x\n2, y\n3, z\n', opts: { csv: { trim: true } } },
  { name: 'semi.tsv', text: 'a;b\n1;x\n2;y\n', opts: { csv: { delimiter: ';' } } },
  { name: 'rows.ndjson', text: '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n{"a":3,"b":"z"}\n' },
];

test('every batch size gives the whole-file reader\'s rows, in order, with their lines', async () => {
  for (const c of CASES) {
    const file = write(dir, c.name, c.text);
    const whole = readTable(file, c.opts);
    const wholeRows = whole.frame.toRecords();
    const wholeLines = wholeRows.map((_, r) => whole.lineOf(r));
    for (const batchBytes of [1, 2, 3, 5, 8, 13, 40, 1 << 20]) {
      const got = await collect(file, { ...c.opts, batchBytes });
      sameRows(got.rows, wholeRows, `${c.name} batchBytes=${batchBytes}`);
      assert.deepEqual(got.lines, wholeLines, `${c.name} batchBytes=${batchBytes}: lines`);
    }
  }
});

test('stdin bytes and a real dataset stream like the file', async () => {
  const file = path.join(DATASETS, 'adult_test_5k.csv');
  const whole = readTable(file);
  const got = await collect('-', { stdin: (await import('node:fs')).readFileSync(file), batchBytes: 50_000 }, undefined, false);
  assert.equal(got.rows.length, whole.frame.height);
  assert.ok(got.stats.batches > 5, `${got.stats.batches} batches`);
  sameRows(got.rows.slice(-3), whole.frame.tail(3).toRecords(), 'last rows');
  assert.equal(got.lines.at(-1), whole.frame.height + 1);
});

test('blank lines are counted, never silently lost', async () => {
  const file = write(dir, 'blanks.csv', 'a,b\n1,x\n\n2,y\n\n\n3,z\n');
  for (const batchBytes of [1, 4, 100]) {
    const got = await collect(file, { batchBytes });
    assert.equal(got.rows.length, 3);
    assert.equal(got.stats.blankLines, 3, `batchBytes=${batchBytes}`);
  }
});

test('errors name the line of the whole input, whatever batch they are in', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => `${i},x${i}`);
  const at = (i: number, line: string) => { const r = [...rows]; r[i] = line; return 'a,b\n' + r.join('\n') + '\n'; };
  const cases: [string, string, ReadOptions, RegExp][] = [
    ['stray.csv', at(150, 'oops,x'), { dtypes: { a: 'float64' } }, /stray\.csv:152: column "a": "oops" is not a number/],
    ['ragged.csv', at(120, '1,2,3'), {}, /ragged\.csv:122: ragged row/],
    ['quote.csv', at(180, '5,"never closed'), {}, /quote\.csv:182:\d+: a quote opens a field and is never closed/],
    ['nul.csv', at(99, '7,a\u0000b'), {}, /nul\.csv:101:4: a NUL byte/],
    ['inf.csv', at(130, 'inf,x'), {}, /inf\.csv:132: column "a": an infinite value/],
  ];
  for (const [name, text, opts, re] of cases) {
    const file = write(dir, name, text);
    for (const batchBytes of [64, 300, 1 << 20]) assert.match(await streamError(file, { ...opts, batchBytes }), re, `${name} batchBytes=${batchBytes}`);
  }
  const latin1 = write(dir, 'latin1.csv', Buffer.concat([Buffer.from('a,b\n' + rows.slice(0, 60).join('\n') + '\n9,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  for (const batchBytes of [64, 1 << 20]) assert.match(await streamError(latin1, { batchBytes }), /latin1\.csv:62:6: not UTF-8 text \(byte 0xe9\)/);
  // all-numeric: the bad byte in a number (it had no line: "column "b": a value is not a number")
  const nums = Array.from({ length: 200 }, (_, i) => `${i},${i / 4}`);
  const numeric = write(dir, 'latin1-num.csv', Buffer.concat([Buffer.from('a,b\n' + nums.slice(0, 150).join('\n') + '\n7,1.5'), Buffer.from([0xe9]), Buffer.from('\n' + nums.slice(150).join('\n') + '\n')]));
  for (const batchBytes of [64, 300, 1 << 20]) {
    for (const dtypes of [undefined, { a: 'float64', b: 'float64' } as const]) {
      assert.match(await streamError(numeric, { batchBytes, dtypes }), /latin1-num\.csv:152:6: not UTF-8 text \(byte 0xe9\)/, `batchBytes=${batchBytes} dtypes=${!!dtypes}`);
    }
  }
});

test('a header without rows, an empty input, and a cancelled read', async () => {
  assert.match(await streamError(write(dir, 'hdr.csv', 'a,b\n'), { batchBytes: 2 }), /hdr\.csv:1: the input has a header but no data rows/);
  assert.match(await streamError(write(dir, 'empty.csv', ''), { batchBytes: 2 }), /empty\.csv: the file is empty/);
  const ac = new AbortController();
  const file = write(dir, 'long.csv', 'a\n' + Array.from({ length: 1000 }, (_, i) => i).join('\n') + '\n');
  await assert.rejects(async () => {
    for await (const b of readBatches(file, { batchBytes: 100 }, ac.signal)) if (b.offset > 50) ac.abort();
  }, InterruptedError);
});

test('Parquet is read whole and sliced', async () => {
  const file = path.join(dir, 'p.parquet');
  pl.DataFrame({ a: Array.from({ length: 250_001 }, (_, i) => i) }).writeParquet(file);
  const got = await collect(file, { batchBytes: 10 });
  assert.equal(got.rows.length, 250_001);
  assert.equal(got.stats.batches, 3);
  assert.equal(got.lines.at(-1), 250_001);
});

test('gzip and zstd inputs are decompressed, by magic bytes, streamed or whole', async () => {
  const { gzipSync } = await import('node:zlib');
  const text = 'a,b\n' + Array.from({ length: 500 }, (_, i) => `${i},x${i % 7}`).join('\n') + '\n';
  const gz = write(dir, 'g.csv.gz', gzipSync(text));
  const noext = write(dir, 'gzipped', gzipSync(text));
  for (const f of [gz, noext]) {
    assert.equal(readTable(f).frame.height, 500, f);
    const got = await collect(f, { batchBytes: 300 }, undefined, false);
    assert.equal(got.rows.length, 500);
    assert.ok(got.stats.batches > 5);
  }
  const viaStdin = await collect('-', { stdin: gzipSync(text), batchBytes: 1000 }, undefined, false);
  assert.equal(viaStdin.rows.length, 500);
  // zstd: a fixture made with the zstd tool (the first 20 rows of iris)
  const zst = path.join(path.dirname(DATASETS), 'tests', 'fixtures', 'iris20.csv.zst');
  const want = readTable(path.join(DATASETS, 'iris.csv')).frame.head(20).toRecords();
  assert.deepEqual(readTable(zst).frame.toRecords(), want);
  sameRows((await collect(zst, { batchBytes: 50 }, undefined, false)).rows, want, 'zstd streamed');
  // a truncated stream is a data error, not a crash
  const cut = write(dir, 'cut.csv.gz', gzipSync(text).subarray(0, 200));
  assert.match(await streamError(cut, { batchBytes: 1 << 20 }), /cut\.csv\.gz: not a valid gzip stream/);
  assert.throws(() => readTable(cut), /not a valid gzip stream/);
});
