/**
 * Fuzzing (property-based, fast-check) of the table readers (CSV, NDJSON, Parquet) and the config loader:
 * random bytes, mutations of the shipped datasets and configs, and generated valid inputs. Malformed input
 * is a documented error (data: exit 3, config: exit 2), never an internal one (70) nor a JavaScript error
 * relabelled; a table that is read has one row per input record; valid input round-trips.
 *
 * A fixed seed by default (reproducible). More: FUZZ_SEED=<n> FUZZ_RUNS=<runs per in-process property>
 * FUZZ_E2E_RUNS=<runs through the CLI> (default 8); FUZZ_EXPLORE=1 goes on after a failure and reports one
 * shrunk counterexample per kind of failure. A failure prints the seed and the path to replay it, the shrunk
 * counterexample, and (in "Got error") the input as a JS expression and what was thrown.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import pl from 'nodejs-polars';
import { readTable, type ReadOptions, type Table } from '../src/data/read.js';
import { loadConfig } from '../src/config/load.js';
import { MlkitError } from '../src/core/errors.js';
import { builtinRegistry, DATASETS, ROOT, runCli, tmpDir } from './helpers.js';
import {
  ENGINE_ERROR, FUZZ_E2E_RUNS, aliasBombArb, checkProperty, bytesLiteral, countCsvRecords, csvToNdjson, decodeUtf8,
  describeThrown, mutate, mutationArb, mutationsArb, physicalLines, setArb, validCsvArb, validNdjsonArb, yamlishArb,
} from './support/fuzz-arbitraries.js';

// ------------------------------------------------------------------------------------------------
// Inputs

const dir = tmpDir('mlkit-fuzz-');

function firstLines(file: string, n: number): Buffer {
  const text = readFileSync(path.join(DATASETS, file), 'utf8');
  return Buffer.from(text.split('\n').slice(0, n).join('\n') + '\n');
}

/** Small slices of the shipped datasets (a run reads one in a millisecond or two), and all of iris. */
const CSV_BASES: Buffer[] = [
  firstLines('iris.csv', 12),
  readFileSync(path.join(DATASETS, 'iris.csv')),
  firstLines('adult_test_5k.csv', 8),
  firstLines('california_housing.csv', 8),
  firstLines('air_passengers.csv', 12),
];
const NDJSON_BASES: Buffer[] = CSV_BASES.map((b) => csvToNdjson(b.toString('utf8')));
const PARQUET_BASES: Buffer[] = [firstLines('iris.csv', 12), firstLines('adult_test_5k.csv', 8)].map((b) => Buffer.from(pl.readCSV(b).writeParquet()));

const baseArb = (bases: Buffer[]) => fc.nat({ max: bases.length - 1 }).map((i) => bases[i]!);

/** Bytes drawn from what CSV and JSON are made of (random bytes rarely get past the first field). */
const csvishArb = fc.string({ unit: fc.constantFrom(',', ',', '"', '\n', '\n', '\r', 'a', 'b', '1', '2', '.', 'e', '-', ' ', '\t', '\0', '{', '}', ':', '[', ']', '\\', 'é', '\uFFFD'), maxLength: 80 }).map((s) => Buffer.from(s));
const randomBytesArb = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), csvishArb);

/** data.csv options the config schema accepts */
const csvOptionsArb: fc.Arbitrary<ReadOptions['csv']> = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|', ' ', '"', 'a', '\n', '\0', 'é'),
  quote_char: fc.constantFrom('"', "'", ',', '\n'),
  has_header: fc.boolean(),
  null_values: fc.subarray(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?', ' ', '0']),
  trim: fc.boolean(),
  skip_rows: fc.integer({ min: 0, max: 3 }),
  comment_prefix: fc.constantFrom('#', '//', '"', ','),
  column_names: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'sepal_length', 'species', ' x', 'é'), { minLength: 1, maxLength: 6 }),
}, { requiredKeys: [] });

// ------------------------------------------------------------------------------------------------
// Oracles

type Outcome = { table: Table; error?: undefined } | { table?: undefined; error: unknown };

function attempt(fn: () => Table): Outcome {
  try { return { table: fn() }; } catch (error) { return { error }; }
}

/** What fn threw, or undefined */
function thrownBy(fn: () => unknown): unknown {
  try { fn(); return undefined; } catch (e) { return e ?? new Error(String(e)); }
}

function read(bytes: Buffer, opts: ReadOptions = {}): Outcome {
  return attempt(() => readTable('fuzz-input', { ...opts, bytes }));
}

function fail(what: string, input: Buffer, opts: unknown, thrown?: unknown): never {
  const lines = [what, `  input: ${bytesLiteral(input)}`, `  options: ${JSON.stringify(opts)}`];
  if (thrown !== undefined) lines.push(`  thrown: ${describeThrown(thrown)}`);
  throw new Error(lines.join('\n'));
}

/**
 * The contract every read keeps: a table with rows, whose lineOf stays in the input; or a DataError (exit
 * 3) that is not a JavaScript error relabelled, and whose line (when it names one) is in the input.
 */
function checkOutcome(o: Outcome, input: Buffer, opts: unknown): void {
  const lines = physicalLines(input);
  if (o.table === undefined) {
    const e = o.error;
    if (!(e instanceof MlkitError)) fail('not an MlkitError (the CLI would exit 70)', input, opts, e);
    if (e.exitCode !== 3) fail(`an MlkitError of kind ${e.kind} (exit ${e.exitCode}), expected a data error (exit 3)`, input, opts, e);
    if (ENGINE_ERROR.test(e.message)) fail('a JavaScript error relabelled as a data error (a bug in mlkit, exit 70 territory)', input, opts, e);
    const line = e.place.line;
    if (line !== undefined && !(Number.isInteger(line) && line >= 1 && line <= lines)) fail(`the error names line ${line}, the input has ${lines} physical line(s)`, input, opts, e);
    return;
  }
  const t: Table = o.table;
  const unusable = thrownBy(() => t.frame.toRecords());
  if (unusable !== undefined) fail('the table that was read cannot be converted to records', input, opts, unusable);
  if (t.frame.height < 1) fail('a table without rows was returned (the reader refuses those)', input, opts);
  for (const r of [0, t.frame.height - 1]) {
    let n = NaN;
    const e = thrownBy(() => { n = t.lineOf(r); });
    if (e !== undefined) fail(`lineOf(${r}) throws`, input, opts, e);
    if (!(Number.isInteger(n) && n >= 1 && n <= lines)) fail(`lineOf(${r}) = ${n}, the input has ${lines} physical line(s)`, input, opts);
  }
}

/** U+FFFD in a column name or a text value when the input had none: bytes that were not UTF-8 silently replaced. */
function checkNoReplacement(o: Outcome, input: Buffer, opts: unknown): void {
  if (!o.table || input.includes(Buffer.from('\uFFFD'))) return;
  const f = o.table.frame;
  const bad = f.columns.find((c) => c.includes('\uFFFD'));
  if (bad !== undefined) fail(`column name ${JSON.stringify(bad)}: invalid UTF-8 silently replaced by U+FFFD (the reader refuses invalid UTF-8 in values)`, input, opts);
  for (const c of f.columns) {
    const vals = f.getColumn(c).toArray() as unknown[];
    const v = vals.find((x) => typeof x === 'string' && x.includes('\uFFFD'));
    if (v !== undefined) fail(`column ${JSON.stringify(c)}: value ${JSON.stringify(v)}: invalid UTF-8 silently replaced by U+FFFD`, input, opts);
  }
}

/** rows out = rows in: a CSV read with the default options has one row per non-blank record after the header. */
function checkCsvRows(o: Outcome, input: Buffer): void {
  if (!o.table) return; // an error reports the bad row (checked by checkOutcome)
  const { records, quoteProblem } = countCsvRecords(input, 0x2c, 0x22);
  if (quoteProblem) return; // the count is ambiguous; only the exit code is checked
  if (o.table.frame.height !== records - 1) fail(`${o.table.frame.height} row(s) read, the input has ${records - 1} non-blank record(s) after the header (rows silently lost or made up)`, input, {});
}

const JSON_BLANK = /^[ \t\r]*$/;

/** rows out = rows in for NDJSON: a table is read only from lines that are each a JSON object, one row per line. */
function checkNdjsonRows(o: Outcome, input: Buffer): void {
  if (!o.table) return;
  const text = decodeUtf8(input);
  if (text === undefined) fail('NDJSON that is not UTF-8 was read without an error', input, { format: 'ndjson' });
  const lines = text.replace(/^\uFEFF/, '').split('\n').filter((l) => !JSON_BLANK.test(l));
  lines.forEach((l, i) => {
    let v: unknown;
    try { v = JSON.parse(l); } catch (e) { fail(`NDJSON line ${i + 1} (non-blank) is not JSON (${(e as Error).message}), yet a table was read`, input, { format: 'ndjson' }); }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`NDJSON line ${i + 1} is not a JSON object, yet a table was read`, input, { format: 'ndjson' });
  });
  if (o.table.frame.height !== lines.length) fail(`${o.table.frame.height} row(s) read from ${lines.length} non-blank NDJSON line(s)`, input, { format: 'ndjson' });
}

// ------------------------------------------------------------------------------------------------
// Readers in-process

describe('fuzz: table readers, in-process', () => {
  test('random bytes, as CSV, as NDJSON and sniffed: a table or a data error (exit 3)', () => {
    checkProperty(fc.tuple(randomBytesArb, fc.constantFrom<ReadOptions['format']>(undefined, 'csv', 'ndjson')), ([bytes, format]) => {
      checkOutcome(read(bytes, { format }), bytes, { format });
    }, 300);
  });

  test('random bytes with random (schema-valid) data.csv options: a table or a data error (exit 3)', () => {
    checkProperty(fc.tuple(randomBytesArb, csvOptionsArb), ([bytes, csv]) => {
      checkOutcome(read(bytes, { format: 'csv', csv }), bytes, { csv });
    }, 200);
  });

  test('mutated CSV datasets: a table or a data error (exit 3) whose line is in the input', () => {
    checkProperty(fc.tuple(baseArb(CSV_BASES), mutationsArb, fc.boolean()), ([base, ms, viaFile]) => {
      const bytes = mutate(base, ms);
      if (viaFile && bytes.length > 0) {
        // the path branch: polars reads a .csv path itself
        const file = path.join(dir, 'mutated.csv');
        writeFileSync(file, bytes);
        checkOutcome(attempt(() => readTable(file)), bytes, { file: 'mutated.csv' });
      } else {
        checkOutcome(read(bytes, { format: 'csv' }), bytes, { format: 'csv' });
      }
    }, 80);
  });

  test('mutated CSV datasets: rows out = non-blank records in (no row silently lost, merged or made up)', () => {
    checkProperty(fc.tuple(baseArb(CSV_BASES), mutationsArb), ([base, ms]) => {
      const bytes = mutate(base, ms);
      checkCsvRows(read(bytes, { format: 'csv' }), bytes);
    }, 80);
  });

  test('mutated CSV datasets with random (schema-valid) data.csv options: a table or a data error (exit 3)', () => {
    checkProperty(fc.tuple(baseArb(CSV_BASES), fc.array(mutationArb, { maxLength: 3 }), csvOptionsArb), ([base, ms, csv]) => {
      const bytes = mutate(base, ms);
      checkOutcome(read(bytes, { format: 'csv', csv }), bytes, { csv });
    }, 80);
  });

  test('mutated NDJSON (the datasets as records): a table or a data error (exit 3)', () => {
    checkProperty(fc.tuple(baseArb(NDJSON_BASES), mutationsArb, fc.constantFrom<ReadOptions['format']>('ndjson', undefined)), ([base, ms, format]) => {
      const bytes = mutate(base, ms);
      checkOutcome(read(bytes, { format }), bytes, { format });
    }, 200);
  });

  test('mutated NDJSON: a table only from lines that are each a JSON object, one row per line', () => {
    checkProperty(fc.tuple(baseArb(NDJSON_BASES), mutationsArb), ([base, ms]) => {
      const bytes = mutate(base, ms);
      checkNdjsonRows(read(bytes, { format: 'ndjson' }), bytes);
    }, 200);
  });

  test('mutated Parquet (sniffed by its magic number): a table or a data error (exit 3)', () => {
    checkProperty(fc.tuple(baseArb(PARQUET_BASES), mutationsArb), ([base, ms]) => {
      const bytes = mutate(base, ms);
      checkOutcome(read(bytes, {}), bytes, { format: 'sniffed' });
    }, 150);
  });

  test('invalid UTF-8 is never silently replaced by U+FFFD in names or values (CSV and NDJSON)', () => {
    checkProperty(fc.tuple(fc.boolean(), fc.nat(), mutationsArb), ([ndjson, i, ms]) => {
      const bases = ndjson ? NDJSON_BASES : CSV_BASES;
      const bytes = mutate(bases[i % bases.length]!, ms);
      checkNoReplacement(read(bytes, { format: ndjson ? 'ndjson' : 'csv' }), bytes, { format: ndjson ? 'ndjson' : 'csv' });
    }, 100);
  });

  test('generated valid CSV (quoting, delimiters, LF/CRLF/CR/mixed endings, blank lines): every row and value round-trips', () => {
    checkProperty(fc.tuple(validCsvArb), ([g]) => {
      const opts = { format: 'csv' as const, csv: { delimiter: g.delimiter } };
      const o = read(g.bytes, opts);
      if (o.table === undefined) fail('a valid CSV was refused', g.bytes, opts, o.error);
      const t: Table = o.table;
      const f = t.frame;
      if (f.height !== g.rows.length) fail(`${f.height} row(s) read, ${g.rows.length} generated (and ${g.blankLines} blank line(s))`, g.bytes, opts);
      if (f.width !== g.names.length) fail(`${f.width} column(s) read, ${g.names.length} generated`, g.bytes, opts);
      g.names.forEach((name, c) => {
        const got = f.getColumn(f.columns[c]!).toArray() as unknown[];
        g.rows.forEach((row, r) => {
          const want = row[c];
          const v = got[r];
          const same = want === null ? v === null
            : typeof want === 'number' ? (typeof v === 'number' || typeof v === 'bigint') && Number(v) === want
              : v === want;
          if (!same) fail(`row ${r} column ${c} (${g.kinds[c]}): read ${typeof v} ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}, generated ${JSON.stringify(want)}`, g.bytes, opts);
        });
      });
      g.names.forEach((name, c) => {
        if (f.columns[c] !== name) fail(`column ${c} is named ${JSON.stringify(f.columns[c])}, generated ${JSON.stringify(name)}`, g.bytes, opts);
      });
      if (g.innerBlankLines > 0 && !t.notes.some((n) => /blank/.test(n))) fail(`${g.innerBlankLines} blank line(s) between rows skipped without a note (notes: ${JSON.stringify(t.notes)})`, g.bytes, opts);
    }, 80);
  });

  test('generated valid CSV: lineOf(row) is the physical line of the row (errors after reading name it)', () => {
    checkProperty(fc.tuple(validCsvArb), ([g]) => {
      const opts = { format: 'csv' as const, csv: { delimiter: g.delimiter } };
      const o = read(g.bytes, opts);
      const t = o.table;
      if (!t || t.frame.height !== g.rows.length) return; // the round-trip property reports it
      g.lines.forEach((want, r) => {
        const got = t.lineOf(r);
        if (got !== want) fail(`lineOf(${r}) = ${got}, the row is on physical line ${want}`, g.bytes, opts);
      });
    }, 40);
  });

  test('generated valid NDJSON: every row and value round-trips', () => {
    checkProperty(fc.tuple(validNdjsonArb, fc.constantFrom<ReadOptions['format']>('ndjson', undefined)), ([g, format]) => {
      const opts = { format };
      const o = read(g.bytes, opts);
      if (o.table === undefined) fail('a valid NDJSON was refused', g.bytes, opts, o.error);
      const f = o.table.frame;
      if (f.height !== g.rows.length) fail(`${f.height} row(s) read, ${g.rows.length} generated`, g.bytes, opts);
      if (f.width !== g.names.length) fail(`${f.width} column(s) read: ${JSON.stringify(f.columns)}, ${g.names.length} generated`, g.bytes, opts);
      g.names.forEach((name, c) => {
        if (f.columns[c] !== name) fail(`column ${c} is named ${JSON.stringify(f.columns[c])}, generated ${JSON.stringify(name)}`, g.bytes, opts);
        const got = f.getColumn(name).toArray() as unknown[];
        g.rows.forEach((row, r) => {
          const want = row[c];
          const v = got[r];
          const same = want === null ? v === null || v === undefined
            : typeof want === 'number' ? (typeof v === 'number' || typeof v === 'bigint') && Number(v) === want
              : v === want;
          if (!same) fail(`row ${r} column ${c} (${g.kinds[c]}): read ${typeof v} ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}, generated ${JSON.stringify(want)}`, g.bytes, opts);
        });
      });
    }, 100);
  });
});

// ------------------------------------------------------------------------------------------------
// Config loader in-process

const registry = builtinRegistry();
const CONFIGS = ['quickstart.yaml', 'iris.yaml', 'california_housing.yaml', 'air_passengers.yaml'].map((f) => readFileSync(path.join(ROOT, 'configs', f)));

function loadText(text: string, sets: string[] = [], purpose: 'train' | 'preprocess' = 'train'): unknown {
  return loadConfig('fuzz.yaml', { registry, text, sets, cwd: dir, purpose });
}

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).join(',');
const PROTO_KEYS = protoKeys();

/** A loaded config, or a usage/config error (exit 2) that names a line of the text; Object.prototype untouched. */
function checkConfig(text: string, sets: string[], purpose: 'train' | 'preprocess'): void {
  const input = Buffer.from(text);
  const opts = { sets, purpose };
  let thrown: unknown;
  // the yaml library's warnings go to process.emitWarning: through the CLI, more stderr lines beside the error
  const warnings: string[] = [];
  const emitWarning = process.emitWarning;
  process.emitWarning = ((w: string | Error) => { warnings.push(String((w as Error)?.message ?? w)); }) as typeof process.emitWarning;
  try { loadText(text, sets, purpose); } catch (e) { thrown = e; } finally { process.emitWarning = emitWarning; }
  if (protoKeys() !== PROTO_KEYS || ({} as any).polluted !== undefined) fail('Object.prototype was changed by loading a config', input, opts);
  if (!(thrown instanceof MlkitError) && thrown !== undefined) fail('not an MlkitError (the CLI would exit 70)', input, opts, thrown);
  if (warnings.length) {
    const w = warnings[0]!.split('\n')[0]!;
    const outcome = thrown === undefined ? 'the config loaded' : `then ${(thrown as Error).constructor.name}: ${(thrown as Error).message.split('\n')[0]}`;
    fail(`a process warning was emitted (an extra stderr line through the CLI): ${w.replace(/:.*/, '')}\n  warning: ${w}\n  ${outcome}`, input, opts);
  }
  if (thrown === undefined) return;
  if (thrown.exitCode !== 2) fail(`an MlkitError of kind ${thrown.kind} (exit ${thrown.exitCode}), expected a usage or config error (exit 2)`, input, opts, thrown);
  if (ENGINE_ERROR.test(thrown.message)) fail('a JavaScript error relabelled as a config error', input, opts, thrown);
  // a YAML parser may point just past the last line break (the end of the input)
  const line = thrown.place.line;
  const lines = physicalLines(input) + (/[\r\n]$/.test(text) ? 1 : 0);
  if (line !== undefined && thrown.place.file === 'fuzz.yaml' && !(Number.isInteger(line) && line >= 1 && line <= lines)) {
    fail(`the error names line ${line}, the config has ${lines} line(s) (counting the end of the input)`, input, opts, thrown);
  }
}

const purposeArb = fc.constantFrom<'train' | 'preprocess'>('train', 'preprocess');

describe('fuzz: config loader, in-process', () => {
  test('YAML-ish text (keys, tags, anchors, flow collections): a config or exit 2', () => {
    checkProperty(fc.tuple(yamlishArb, purposeArb), ([text, purpose]) => checkConfig(text, [], purpose), 300);
  });

  test('mutations of configs/*.yaml: a config or exit 2', () => {
    checkProperty(fc.tuple(baseArb(CONFIGS), mutationsArb, purposeArb), ([base, ms, purpose]) => {
      // readConfigFile decodes the bytes as UTF-8 (invalid sequences become U+FFFD)
      checkConfig(mutate(base, ms).toString('utf8'), [], purpose);
    }, 300);
  });

  test('anchors and aliases that multiply (billion laughs): a config or exit 2', () => {
    checkProperty(fc.tuple(aliasBombArb), ([text]) => checkConfig(text, [], 'train'), 30);
  });

  test('--set key.path=value on the shipped configs: a config or exit 2, Object.prototype untouched', () => {
    checkProperty(fc.tuple(baseArb(CONFIGS), fc.array(setArb, { minLength: 1, maxLength: 3 }), purposeArb), ([base, sets, purpose]) => {
      checkConfig(base.toString('utf8'), sets, purpose);
    }, 300);
  });
});

// ------------------------------------------------------------------------------------------------
// Through the CLI: a few runs (a process each)

describe('fuzz: mlkit predict on mutated inputs, through the CLI', () => {
  const work = tmpDir('mlkit-fuzz-e2e-');
  const model = path.join(work, 'm');
  const irisCsv = firstLines('iris.csv', 31);
  const irisNdjson = csvToNdjson(irisCsv.toString('utf8'));

  before(() => {
    const r = runCli(['train', path.join(ROOT, 'configs', 'iris.yaml'), '--set', `output.dir=${model}`, '--set', 'model.params.num_round=3', '-q'], { cwd: work });
    assert.equal(r.status, 0, r.stderr);
  });

  test('exit code in {0, 2, 3, 4}; an error is one stderr line; a success has one prediction per input row', () => {
    let n = 0;
    checkProperty(fc.tuple(fc.boolean(), mutationsArb, fc.constantFrom('.csv', '.ndjson', '')), ([ndjson, ms, ext]) => {
      const bytes = mutate(ndjson ? irisNdjson : irisCsv, ms);
      const file = path.join(work, `in-${n++}${ndjson && ext === '.csv' ? '.ndjson' : !ndjson && ext === '.ndjson' ? '.csv' : ext}`);
      writeFileSync(file, bytes);
      const r = runCli(['predict', '-m', model, file], { cwd: work });
      const opts = { ndjson, file: path.basename(file) };
      const why = `exit ${r.status}\n  stderr: ${JSON.stringify(r.stderr.slice(0, 2000))}`;
      if (![0, 2, 3, 4].includes(r.status ?? -1)) fail(`undocumented ${why}`, bytes, opts);
      if (r.status !== 0) {
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        if (lines.length !== 1 || /^\s+at /m.test(r.stderr)) fail(`the error is not one stderr line: ${why}`, bytes, opts);
        return;
      }
      const rowsOut = r.stdout.split('\n').filter((l) => l !== '').length - 1;
      if (ndjson) {
        const text = decodeUtf8(bytes);
        if (text === undefined) fail(`NDJSON that is not UTF-8 was predicted on (${rowsOut} rows)`, bytes, opts);
        const rowsIn = text.split('\n').filter((l) => !JSON_BLANK.test(l)).length;
        if (rowsOut !== rowsIn) fail(`${rowsOut} prediction(s) for ${rowsIn} non-blank NDJSON line(s)`, bytes, opts);
      } else {
        const { records, quoteProblem } = countCsvRecords(bytes, 0x2c, 0x22);
        if (!quoteProblem && rowsOut !== records - 1) fail(`${rowsOut} prediction(s) for ${records - 1} non-blank CSV record(s)`, bytes, opts);
      }
    }, FUZZ_E2E_RUNS, null);
  });
});
