/**
 * The streaming reader (src/data/stream.ts): for every batch size, the batches hold exactly the rows of
 * the whole-file reader, and every error names the line of the whole input, however the input was cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pl from 'nodejs-polars';
import { readTable, type ReadOptions } from '../src/data/read.js';
import { readBatches, type BadRecord, type StreamStats } from '../src/data/stream.js';
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
  assert.match(await streamError(cut, { batchBytes: 1 << 20 }), /cut\.csv\.gz:\d+: not a valid gzip stream/);
  assert.throws(() => readTable(cut), /not a valid gzip stream/);
  // the complete lines before the cut are yielded, the cut line is not, then the error names that line
  const rows: Record<string, unknown>[] = [];
  let err = '';
  try {
    for await (const b of readBatches(cut, { batchBytes: 1 << 20 })) rows.push(...b.table.frame.toRecords());
  } catch (e) {
    err = (e as DataError).format();
  }
  const readable = (await import('node:zlib')).createGunzip();
  const partial = await new Promise<string>((resolve) => {
    let out = '';
    readable.on('data', (c: Buffer) => { out += c.toString(); });
    readable.on('error', () => resolve(out));
    readable.end(gzipSync(text).subarray(0, 200));
  });
  const complete = partial.slice(0, partial.lastIndexOf('\n') + 1).split('\n').length - 2; // minus the header and the empty tail
  assert.ok(complete > 10, `${complete} rows before the cut`);
  assert.equal(rows.length, complete);
  assert.deepEqual(rows.at(-1), { a: complete - 1, b: `x${(complete - 1) % 7}` });
  assert.match(err, new RegExp(`cut\\.csv\\.gz:${complete + 2}: not a valid gzip stream: .*breaks off in this line`));
});

/** Streams `file` with onBadRecord: the rows (with their lines) and the bad records, each with the rows yielded when it came. */
async function collectBad(file: string, opts: ReadOptions & { batchBytes: number }) {
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const bad: (BadRecord & { yielded: number })[] = [];
  for await (const b of readBatches(file, { ...opts, onBadRecord: (r) => bad.push({ ...r, yielded: rows.length }) })) {
    assert.equal(b.offset, rows.length);
    rows.push(...b.table.frame.toRecords());
    for (let r = 0; r < b.table.frame.height; r++) lines.push(b.table.lineOf(r));
  }
  return { rows, lines, bad };
}

test('onBadRecord: each bad line (CSV, NDJSON) once, in order, with its line, reason, text and place among the rows; the rows are the others, with their lines', async () => {
  const N = 300;
  const csvGood = Array.from({ length: N }, (_, i) => `${i},${(i * 0.5).toFixed(1)},t${i}`);
  const ndGood = Array.from({ length: N }, (_, i) => JSON.stringify({ a: i, b: i * 0.5, c: `t${i}` }));
  // at data line k (0-based), before the k-th good line
  const csvBad: [number, Buffer | string, RegExp][] = [
    [10, '1,2', /^ragged row: expected 3 fields \(as in the header\), found 2$/],
    [50, 'x,2,t', /^column "a": "x" is not a number/],
    [51, '', /^an empty line$/],
    [120, 'a,b,c', /^column "a": "a" is not a number/], // a repeated header
    [150, '1 ,2,t', /^column "a": "1 " is not a number/], // blanks: polars' to judge (the reader falls back to reading piece by piece)
    [200, 'inf,1,t', /^column "a": an infinite value \(Infinity\)/],
    [201, Buffer.from([0x31, 0x2c, 0x32, 0xe9, 0x2c, 0x74]), /^not UTF-8 text \(byte 0xe9\)/],
    [250, '3,4,t\u0000', /^a NUL byte/],
    [N, '1,2,3,4', /^ragged row: expected 3 fields \(as in the header\), found 4$/],
  ];
  const ndBad: [number, Buffer | string, RegExp][] = [
    [10, '{"a": 1,', /^not valid JSON \(/],
    [50, 'not json', /^not valid JSON \(Unexpected token 'o'\)$/],
    [51, '', /^an empty line$/],
    [120, '{"a":"x","b":1,"c":"t"}', /^column "a": "x" is not a number$/],
    [200, 'null', /^not a JSON object/],
    [201, '[1,2]', /^not a JSON object/],
    [N, '{"a":1}}', /^not valid JSON/],
  ];
  /** the input: `pre` lines, the header, the good lines with the bad ones among them (and a comment line at good line 30 with `comment`) */
  const build = (header: string | undefined, good: string[], bad: [number, Buffer | string, RegExp][], o: { eol?: string; pre?: string[]; comment?: string } = {}) => {
    const eol = o.eol ?? '\n';
    const parts: Buffer[] = [...(o.pre ?? []), ...(header ? [header] : [])].map((l) => Buffer.from(l + eol));
    const want: { line: number; before: number; re: RegExp; text: string }[] = [];
    const goodLines: number[] = [];
    let line = parts.length + 1;
    for (let k = 0; k <= good.length; k++) {
      if (o.comment && k === 30) { parts.push(Buffer.from(`${o.comment} a comment${eol}`)); line++; }
      for (const [at, text, re] of bad) {
        if (at !== k) continue;
        want.push({ line, before: k, re, text: Buffer.from(text).toString('utf8') });
        parts.push(Buffer.from(text), Buffer.from(eol));
        line++;
      }
      if (k < good.length) { parts.push(Buffer.from(good[k]! + eol)); goodLines.push(line++); }
    }
    return { bytes: Buffer.concat(parts), want, goodLines };
  };
  const quoted = csvGood.map((l) => l.replace(/,(t\d+)$/, ',"$1, quoted"'));
  const cases: { name: string; bytes: Buffer; want: { line: number; before: number; re: RegExp; text: string }[]; goodLines: number[]; clean: string; opts?: ReadOptions }[] = [
    { name: 'bad.csv', ...build('a,b,c', csvGood, csvBad), clean: 'a,b,c\n' + csvGood.join('\n') + '\n' },
    { name: 'bad-crlf.csv', ...build('a,b,c', csvGood, csvBad, { eol: '\r\n' }), clean: 'a,b,c\n' + csvGood.join('\n') + '\n' },
    { name: 'bad-quoted.csv', ...build('"a","b","c"', quoted, csvBad), clean: 'a,b,c\n' + quoted.join('\n') + '\n' },
    // skip_rows and comment lines: the first batch is read as the whole-file reader reads a file
    { name: 'bad-preamble.csv', ...build('a,b,c', csvGood, csvBad, { pre: ['exported by a logger', '# a comment'], comment: '#' }), clean: 'a,b,c\n' + csvGood.join('\n') + '\n', opts: { csv: { skip_rows: 1, comment_prefix: '#' } } },
    { name: 'bad.ndjson', ...build(undefined, ndGood, ndBad), clean: ndGood.join('\n') + '\n' },
  ];
  for (const c of cases) {
    const file = write(dir, c.name, c.bytes);
    const cleanRows = readTable(write(dir, `clean-${c.name}`, c.clean)).frame.toRecords();
    for (const batchBytes of [64, 700, 1 << 20]) {
      const what = `${c.name} batchBytes=${batchBytes}`;
      const got = await collectBad(file, { ...c.opts, batchBytes, dtypes: { a: 'float64', b: 'float64' }, blankLinesAreRows: true });
      sameRows(got.rows, cleanRows, what);
      assert.deepEqual(got.lines, c.goodLines, `${what}: lines of the rows`);
      assert.deepEqual(got.bad.map((b) => b.line), c.want.map((w) => w.line), `${what}: lines of the bad records`);
      c.want.forEach((w, i) => {
        const b = got.bad[i]!;
        assert.match(b.message, w.re, `${what}: line ${w.line}`);
        assert.equal(b.before, w.before, `${what}: line ${w.line}: rows before it`);
        assert.equal(b.text, w.text, `${what}: line ${w.line}: text`);
        assert.ok(b.yielded <= b.before, `${what}: line ${w.line} reported after the rows that follow it`);
      });
    }
  }
});

test('onBadRecord: a line is left out exactly when the whole-file reader refuses it alone (random lines of numbers, words, blanks, quotes, bytes)', async () => {
  const fc = (await import('fast-check')).default;
  const num = fc.constantFrom('1', '-2.5', '+.5', '1.', '1e5', '1E-3', '1e400', 'inf', '-Infinity', 'INF', 'nan', 'NaN', 'NA', '', ' 1', '1 ', '\t2', 'abc', 'x1', '1.2.3', '1e', '.', '-', '"1.5"', '"NA"', '""', '"a""b"', 'é', 'true', '0x1', '٣', '1_0');
  const text = fc.constantFrom('t', '"q, x"', '', 'é', 'NA', '"a""b"');
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(num, num, text).map((f) => Buffer.from(f.join(','))) },
    { weight: 1, arbitrary: fc.array(num, { minLength: 1, maxLength: 4 }).map((f) => Buffer.from(f.join(','))) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from('1,2,t\u0000'), Buffer.from([0x31, 0x2c, 0xe9, 0x2c, 0x74]), Buffer.from('a,b,c'), Buffer.from('   ')) },
  );
  const opts: ReadOptions = { dtypes: { a: 'float64', b: 'float64', c: 'string' }, blankLinesAreRows: true };
  const header = Buffer.from('a,b,c\n');
  await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom(64, 1 << 20), async (lines, batchBytes) => {
    const bytes = Buffer.concat([header, ...lines.flatMap((l) => [l, Buffer.from('\n')])]);
    const file = write(dir, 'prop.csv', bytes);
    // empty lines at the very end are skipped: neither rows nor bad records
    let tail = 0;
    while (tail < lines.length && lines[lines.length - 1 - tail]!.length === 0) tail++;
    const refused = lines.map((l, i) => {
      if (i >= lines.length - tail) return false;
      try {
        readTable('one.csv', { ...opts, bytes: Buffer.concat([header, l, Buffer.from('\n')]) });
        return false;
      } catch (e) {
        if (e instanceof DataError) return true;
        throw e;
      }
    });
    let got: Awaited<ReturnType<typeof collectBad>>;
    try {
      got = await collectBad(file, { ...opts, batchBytes });
    } catch (e) {
      // nothing but empty lines at the end: no rows and no bad records
      if (e instanceof DataError && /no data rows/.test(e.message) && tail === lines.length) return;
      throw e;
    }
    const want = refused.flatMap((r, i) => (r ? [i + 2] : []));
    assert.deepEqual(got.bad.map((b) => b.line), want, `bad lines; input ${JSON.stringify(bytes.toString('latin1'))}`);
    assert.deepEqual(got.lines, refused.flatMap((r, i) => (r || i >= lines.length - tail ? [] : [i + 2])), 'lines of the rows');
  }), { numRuns: 150, seed: 20240705 });
});

test('onBadRecord, NDJSON: a line is left out exactly when the whole-file reader refuses it alone', async () => {
  const fc = (await import('fast-check')).default;
  const value = fc.constantFrom('1', '-2.5', '1e5', 'null', '"x"', '"1"', 'true', '{}', '[1]');
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(value, value, fc.constantFrom('"t"', '"é"', '""')).map(([a, b, c]) => `{"a":${a},"b":${b},"c":${c}}`) },
    { weight: 2, arbitrary: fc.constantFrom('', '   ', 'not json', 'null', '[1,2]', '5', '{"a": 1,', '{"a":1}}', '{"c":"t"}', '{"a":NaN}', '\u00e9') },
  );
  const opts: ReadOptions = { dtypes: { a: 'float64', b: 'float64', c: 'string' }, blankLinesAreRows: true, format: 'ndjson' };
  await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom(48, 1 << 20), async (lines, batchBytes) => {
    const file = write(dir, 'prop.ndjson', lines.join('\n') + '\n');
    let tail = 0;
    while (tail < lines.length && lines[lines.length - 1 - tail] === '') tail++;
    const refused = lines.map((l, i) => {
      if (i >= lines.length - tail) return false;
      try {
        readTable('one.ndjson', { ...opts, bytes: Buffer.from(l + '\n') });
        return false;
      } catch (e) {
        if (e instanceof DataError) return true;
        throw e;
      }
    });
    let got: Awaited<ReturnType<typeof collectBad>>;
    try {
      got = await collectBad(file, { ...opts, batchBytes });
    } catch (e) {
      if (e instanceof DataError && /no rows/.test(e.message) && tail === lines.length) return;
      throw e;
    }
    assert.deepEqual(got.bad.map((b) => b.line), refused.flatMap((r, i) => (r ? [i + 1] : [])), `bad lines; input ${JSON.stringify(lines)}`);
    assert.deepEqual(got.lines, refused.flatMap((r, i) => (r || i >= lines.length - tail ? [] : [i + 1])), 'lines of the rows');
  }), { numRuns: 150, seed: 20240705 });
});
