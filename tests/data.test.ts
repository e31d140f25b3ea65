import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { readTable } from '../src/data/read.js';
import { checkInput } from '../src/data/schema.js';
import { DataError } from '../src/core/errors.js';
import { tmpDir, write } from './helpers.js';

const dir = tmpDir();
const csv = (name: string, text: string) => write(dir, name, text);

function dataError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) { assert.equal(e.exitCode, 3); return e.format(); }
    throw e;
  }
  assert.fail('expected a DataError');
}

test('LF, CRLF and CR-only line endings read the same', () => {
  for (const [name, eol] of [['lf.csv', '\n'], ['crlf.csv', '\r\n'], ['cr.csv', '\r']]) {
    const t = readTable(csv(name, ['a,b', '1,x', '2,y'].join(eol) + eol));
    assert.deepEqual(t.frame.toRecords(), [{ a: 1, b: 'x' }, { a: 2, b: 'y' }], name);
  }
});

test('quoted fields with delimiters, quotes and newlines; custom delimiter and null markers', () => {
  const t = readTable(csv('q.csv', 'a,b\n"1,5","he said ""hi"""\n"multi\nline",?\n'), { csv: { null_values: ['?'] } });
  assert.deepEqual(t.frame.toRecords(), [{ a: '1,5', b: 'he said "hi"' }, { a: 'multi\nline', b: null }]);
  const s = readTable(csv('semi.csv', 'a;b\n1;2\n3;\n'), { csv: { delimiter: ';' } });
  assert.deepEqual(s.frame.toRecords(), [{ a: 1, b: 2 }, { a: 3, b: null }]);
});

test('a file without a header gets column_N names', () => {
  const t = readTable(csv('nohdr.csv', '1,2\n3,4\n'), { csv: { has_header: false } });
  assert.equal(t.frame.height, 2);
});

test('missing, empty, header-only and folder inputs are data errors', () => {
  assert.match(dataError(() => readTable(`${dir}/nope.csv`)), /nope\.csv: data file not found/);
  assert.match(dataError(() => readTable(csv('empty.csv', ''))), /empty\.csv: the file is empty/);
  assert.match(dataError(() => readTable(csv('hdr.csv', 'a,b\n'))), /hdr\.csv:1: the file has a header but no data rows/);
  assert.match(dataError(() => readTable(dir)), /is a folder/);
});

test('ragged rows (short and long) name the line', () => {
  assert.match(dataError(() => readTable(csv('short.csv', 'a,b,c\n1,x,2.5\n2,y\n3,z,4\n'))), /short\.csv:3: ragged row: expected 3 fields \(as in the header\), found 2/);
  assert.match(dataError(() => readTable(csv('long.csv', 'a,b\n1,2\n3,4,5\n5,6\n'))), /long\.csv:3: ragged row: expected 2 fields \(as in the header\), found 3/);
  // a quoted newline does not shift the line count
  assert.match(dataError(() => readTable(csv('short2.csv', 'a,b,c\n"x\ny",1,2\n2,3\n'))), /short2\.csv:4: ragged row/);
});

test('stray text in a numeric column names the first offending line and value', () => {
  // within polars' inference window: the column is read as text, then refused
  assert.match(dataError(() => readTable(csv('stray1.csv', 'a,b\n1,2\n3,n/a\n5,6\n7,8\n'))), /stray1\.csv:3: column "b": "n\/a" is not a number/);
  // beyond the inference window: polars' parse error is mapped to the line
  const rows = ['a,b'];
  for (let i = 0; i < 20000; i++) rows.push(`${i},${i % 7}`);
  rows.push('1,oops');
  rows.push('2,3');
  assert.match(dataError(() => readTable(csv('stray2.csv', rows.join('\n') + '\n'))), /stray2\.csv:20002: column "b": "oops" is not a number/);
});

test('an integer column with a float far down is widened, not refused', () => {
  const rows = ['a'];
  for (let i = 0; i < 20000; i++) rows.push(String(i));
  rows.push('1.5');
  const t = readTable(csv('widen.csv', rows.join('\n') + '\n'));
  assert.equal(t.frame.height, 20001);
  assert.equal(t.frame.getColumn('a').get(20000), 1.5);
});

test('a real text column stays text; blank lines are skipped with a note', () => {
  const t = readTable(csv('txt.csv', 'a,b\n1,x\n2,y\n3,z\n'));
  assert.match(String(t.frame.getColumn('b').dtype), /Utf8|String/);
  const b = readTable(csv('blank.csv', 'a,b\n1,2\n\n3,4\n'));
  assert.deepEqual(b.frame.toRecords(), [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  assert.equal(b.notes.length, 1);
});

test('stdin, Parquet and NDJSON', () => {
  const t = readTable('-', { stdin: Buffer.from('a,b\n1,2\n') });
  assert.deepEqual(t.frame.toRecords(), [{ a: 1, b: 2 }]);
  const df = pl.DataFrame({ a: [1, 2], b: ['x', 'y'] });
  df.writeParquet(`${dir}/t.parquet`);
  assert.deepEqual(readTable(`${dir}/t.parquet`).frame.toRecords(), df.toRecords());
  csv('t.ndjson', '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n');
  assert.deepEqual(readTable(`${dir}/t.ndjson`).frame.toRecords(), df.toRecords());
  assert.match(dataError(() => readTable(csv('bad.parquet', 'not parquet'))), /not a readable Parquet file/);
});

test('checkInput: missing column, wrong type, extra columns', () => {
  const expected = [{ name: 'a', dtype: 'int64' as const }, { name: 'b', dtype: 'string' as const }];
  const ok = checkInput(readTable(csv('ci1.csv', 'b,a,extra\nx,1,9\n')), expected);
  assert.deepEqual(ok.frame.columns, ['a', 'b']);
  assert.match(ok.notes[0], /ignoring column\(s\) the model does not use: extra/);
  assert.match(dataError(() => checkInput(readTable(csv('ci2.csv', 'a\n1\n')), expected)), /ci2\.csv b: column "b" is missing/);
  assert.match(dataError(() => checkInput(readTable(csv('ci3.csv', 'a,b\nx,y\nz,w\n')), expected)), /ci3\.csv:2: column "a": expected numbers \(int64\) as in training, found text "x"/);
  // numbers where text was trained: cast to text (categorical codes)
  const codes = checkInput(readTable(csv('ci4.csv', 'a,b\n1,2\n')), expected);
  assert.equal(codes.frame.getColumn('b').get(0), '2');
});

test('a column named like a frame member mlkit uses (height, select) is refused with the way out; column_names renames it', () => {
  const f = csv('members.csv', 'height,select,sum,y\n1,2,3,a\n4,5,6,b\n');
  assert.match(dataError(() => readTable(f)), /members\.csv:1: column name "height" cannot be used yet: .*rename the column \(in the file, or with data\.csv\.column_names\)/);
  const t = readTable(f, { csv: { column_names: ['h', 's', 'sum', 'y'] } });
  assert.deepEqual(t.frame.toRecords(), [{ h: 1, s: 2, sum: 3, y: 'a' }, { h: 4, s: 5, sum: 6, y: 'b' }]);
  const nd = write(dir, 'members.ndjson', '{"width":1,"y":"a"}\n');
  assert.match(dataError(() => readTable(nd)), /column name "width" cannot be used yet/);
});

test('a byte that is not UTF-8 in a number of an all-numeric CSV names its line and column (it had no line)', () => {
  const bytes = Buffer.concat([Buffer.from('a,b\n1,2\n3,4.5'), Buffer.from([0xe9]), Buffer.from('\n5,6\n')]);
  assert.match(dataError(() => readTable(write(dir, 'num-latin1.csv', bytes))), /num-latin1\.csv:3:6: not UTF-8 text \(byte 0xe9\)/);
  // with the columns' types given (what a model expects), as the streaming reader reads them
  assert.match(dataError(() => readTable(write(dir, 'num-latin1b.csv', bytes), { dtypes: { a: 'float64', b: 'float64' } })), /num-latin1b\.csv:3:6: not UTF-8 text/);
});

test('NDJSON: a line that does not parse, is not an object or has text for a number names its line; blank lines are skipped and counted', () => {
  const nd = (name: string, text: string) => write(dir, name, text);
  assert.match(dataError(() => readTable(nd('trunc.ndjson', '{"a":1}\n{"a": 1,\n{"a":3}\n'))), /trunc\.ndjson:2: not valid JSON \(/);
  assert.match(dataError(() => readTable(nd('word.ndjson', '{"a":1}\n{"a":2}\nnot json\n'))), /word\.ndjson:3: not valid JSON \(Unexpected token 'o'\)/);
  // polars panicked on these two (a Rust backtrace on stderr)
  assert.match(dataError(() => readTable(nd('null.ndjson', '{"a":1}\nnull\n{"a":3}\n'))), /null\.ndjson:2: not a JSON object/);
  const spaces = readTable(nd('spaces.ndjson', '{"a":1}\n   \n{"a":3}\n\n{"a":4}\n'));
  assert.deepEqual(spaces.frame.toRecords(), [{ a: 1 }, { a: 3 }, { a: 4 }]);
  assert.deepEqual([0, 1, 2].map((r) => spaces.lineOf(r)), [1, 3, 5], 'rows keep the lines of the file');
  assert.equal(spaces.blankLines, 2);
  assert.match(dataError(() => readTable(nd('blank.ndjson', '{"a":1}\n\n{"a":3}\n'), { blankLinesAreRows: true })), /blank\.ndjson:2: an empty line/);
  // text where the model reads numbers, and a value of another kind than the column's (polars named no line)
  assert.match(dataError(() => readTable(nd('text.ndjson', '{"a":1}\n{"a":"abc"}\n{"a":3}\n'), { dtypes: { a: 'float64' } })), /text\.ndjson:2: column "a": "abc" is not a number/);
  assert.match(dataError(() => readTable(nd('bool.ndjson', '{"a":1.5}\n{"a":2}\n{"a":true}\n'))), /bool\.ndjson:3: column "a": true is a boolean where the lines before have numbers/);
});

test('text in a float64 column names the value polars refused, not an earlier one it took (" 2" is a number to its CSV parser)', () => {
  const f = write(dir, 'blanks.csv', 'a,b\n1,\t2\n1,1 \n3,4\n');
  assert.match(dataError(() => readTable(f, { dtypes: { a: 'float64', b: 'float64' } })), /blanks\.csv:3: column "b": "1 " is not a number/);
  const q = write(dir, 'blanks-q.csv', 'a,b\n1,\t2\n1,"1 "\n3,4\n');
  assert.match(dataError(() => readTable(q, { dtypes: { a: 'float64', b: 'float64' } })), /blanks-q\.csv:3: column "b": "1 " is not a number/);
});
