/**
 * fast-check arbitraries and oracles for tests/fuzz.test.ts: byte mutations of real inputs, generated
 * valid CSV / NDJSON with what a reader must give back, YAML-ish config text, and independent counters
 * (records of a CSV, physical lines) that the readers' answers are checked against.
 */
import fc from 'fast-check';

// ------------------------------------------------------------------------------------------------
// Run settings: a fixed seed by default (reproducible); FUZZ_SEED / FUZZ_RUNS / FUZZ_E2E_RUNS for more

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name}=${v}: expected an integer`);
  return n;
}

export const FUZZ_SEED = envInt('FUZZ_SEED') ?? 20240611;
/** runs of every in-process property (default: each property's own, sized so the file takes ~15 s) */
export const FUZZ_RUNS = envInt('FUZZ_RUNS');
/** runs of the property through the real CLI (a process per run) */
export const FUZZ_E2E_RUNS = envInt('FUZZ_E2E_RUNS') ?? 8;

/**
 * fc.assert's parameters: the seed (printed by fast-check on a failure, with the path to replay it) and
 * the property's own error (the input as a JS expression, what was thrown) in the report.
 * `defaultRuns` is the property's share of the time budget (a CSV read that succeeds costs ~50 ms).
 */
export function params(defaultRuns: number, override: number | null | undefined = FUZZ_RUNS): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: override ?? defaultRuns, includeErrorInReport: true };
}

/**
 * Checks `predicate` on `runs` values of `arb` (fc.assert: stops at the first failure and shrinks it).
 * `override` (default FUZZ_RUNS) replaces `defaultRuns` when set; null keeps `defaultRuns`.
 * With FUZZ_EXPLORE=1 it goes on after a failure, collects the distinct kinds of failure (by message,
 * numbers and quoted text aside), shrinks one counterexample of each kind, and reports them all.
 */
export function checkProperty<T>(arb: fc.Arbitrary<T>, predicate: (v: T) => void, defaultRuns: number, override: number | null | undefined = FUZZ_RUNS): void {
  const p = params(defaultRuns, override);
  if (!process.env.FUZZ_EXPLORE) {
    fc.assert(fc.property(arb, predicate), p);
    return;
  }
  const kinds = new Map<string, string>();
  fc.assert(fc.property(arb, (v) => {
    try { predicate(v); } catch (e) { const k = failureKind(e); if (!kinds.has(k)) kinds.set(k, e instanceof Error ? e.message : String(e)); }
  }), p);
  const reports: string[] = [];
  for (const kind of kinds.keys()) {
    // the same runs again, failing only on this kind: fast-check stops at its first value and shrinks it
    try {
      fc.assert(fc.property(arb, (v) => {
        try { predicate(v); } catch (e) { if (failureKind(e) === kind) throw e; }
      }), p);
      reports.push(`(not reproduced on a second pass, e.g. flaky) ${kinds.get(kind)}`);
    } catch (e) {
      reports.push((e as Error).message);
    }
  }
  if (reports.length) throw new Error(`${reports.length} kind(s) of failure:\n\n${reports.join('\n\n========\n\n')}`);
}

function failureKind(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg.split('\n');
  const thrown = lines.find((l) => l.startsWith('  thrown:')) ?? '';
  const norm = (s: string) => s.replace(/"(?:[^"\\]|\\.)*"/g, 'S').replace(/\d+(\.\d+)?/g, 'N').slice(0, 160);
  return `${norm(lines[0] ?? '')} | ${norm(thrown)}`;
}

// ------------------------------------------------------------------------------------------------
// Reporting

/** A JS expression that rebuilds `bytes`: a string literal when they are valid UTF-8, else Buffer.from(latin1). */
export function bytesLiteral(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  const text = decodeUtf8(b);
  if (text !== undefined) return `Buffer.from(${JSON.stringify(text)})`;
  return `Buffer.from(${JSON.stringify(b.toString('latin1'))}, 'latin1')`;
}

/** What was thrown, in one paragraph: its class, kind, exit code, place, message and the top of its stack. */
export function describeThrown(e: unknown): string {
  if (!(e instanceof Error)) return `a non-Error was thrown: ${String(e)}`;
  const any = e as any;
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 4).map((l) => l.trim());
  return [
    `${e.constructor?.name ?? 'Error'} (kind ${any.kind ?? '-'}, exitCode ${any.exitCode ?? '-'}, place ${JSON.stringify(any.place ?? null)}): ${e.message}`,
    ...frames.map((f) => `    ${f}`),
  ].join('\n');
}

/**
 * Messages a JavaScript engine error carries (a TypeError or RangeError from a bug in mlkit's own code
 * that a catch-all re-labelled as a data or config error).
 */
export const ENGINE_ERROR = /Cannot read propert|Cannot set propert|Cannot access|is not a function|is not iterable|is not a constructor|is not defined|Maximum call stack|Invalid array length|Cannot convert|Cannot mix BigInt|Do not know how to serialize|Invalid (string|typed array) length|Excessive alias count|\binternal:/;

// ------------------------------------------------------------------------------------------------
// Independent oracles

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function decodeUtf8(b: Uint8Array): string | undefined {
  try { return fatal.decode(b); } catch { return undefined; }
}

/** Physical lines of a text (LF, CRLF and lone CR all end a line; a last line without an ending counts). */
export function physicalLines(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 10) n++;
    else if (b[i] === 13) { if (b[i + 1] === 10) i++; n++; }
  }
  const last = b[b.length - 1];
  if (b.length > 0 && last !== 10 && last !== 13) n++;
  return Math.max(n, 1);
}

export interface CsvCount {
  /** records with content (blank lines excepted), the header included when there is one */
  records: number;
  /** a quoting problem (RFC 4180) was found: the record count is then ambiguous */
  quoteProblem: boolean;
}

/**
 * Records of CSV bytes, independently of mlkit's scanner: RFC 4180 quoting; LF or CRLF end a record (a
 * lone CR is data), except in a CR-only input (no LF at all), where CR ends a record (mlkit converts such
 * input). A line with no bytes (or only a CR before its LF) is blank.
 */
export function countCsvRecords(input: Uint8Array, sep: number, quote: number): CsvCount {
  const crOnly = input.includes(13) && !input.includes(10);
  const b = crOnly ? Uint8Array.from(input, (c) => (c === 13 ? 10 : c)) : input;
  let records = 0;
  let quoteProblem = false;
  let i = 0;
  const n = b.length;
  while (i < n) {
    let len = 0; // bytes of the record (CR before LF excepted)
    let fieldStart = true;
    let inQuotes = false;
    let afterClose = false;
    for (; i < n; i++) {
      const c = b[i];
      if (inQuotes) {
        len++;
        if (c === quote) {
          if (b[i + 1] === quote) { i++; len++; continue; }
          inQuotes = false;
          afterClose = true;
        }
        continue;
      }
      if (c === 10) break;
      if (c === 13 && b[i + 1] === 10) continue;
      len++;
      if (afterClose && c !== sep) quoteProblem = true;
      afterClose = false;
      if (c === quote) {
        if (!fieldStart) quoteProblem = true;
        inQuotes = true;
        fieldStart = false;
        continue;
      }
      fieldStart = c === sep;
    }
    if (inQuotes) quoteProblem = true;
    i++;
    if (len > 0) records++;
  }
  return { records, quoteProblem };
}

// ------------------------------------------------------------------------------------------------
// Mutations of real inputs

/** Byte sequences worth inserting: CSV syntax, line endings, NUL, invalid UTF-8, BOM, JSON syntax, number spellings. */
export const INTERESTING: readonly (readonly number[])[] = [
  [0x22], [0x2c], [0x3b], [0x09], [0x20], [0x00], [0x0d], [0x0a], [0x0d, 0x0a], [0x0a, 0x0a],
  [0xff], [0xfe], [0xc3], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80],
  [0xef, 0xbb, 0xbf], [0x22, 0x22], [0x22, 0x2c, 0x22],
  [0x7b], [0x7d], [0x5b], [0x5d], [0x3a], [0x5c], [0x5c, 0x75, 0x64, 0x38, 0x30, 0x30],
  ...['NaN', 'inf', '-inf', 'Infinity', '1e999', '-', '.', 'e', 'NA', '?', 'null', 'true', '0x1F', '9223372036854775808', '1.5', '\u00e9', '\u{1f600}', '#']
    .map((s) => [...Buffer.from(s)]),
];

export type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'bitflip'; at: number; bit: number }
  | { op: 'insert'; at: number; what: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; at: number }
  | { op: 'dupLine'; line: number }
  | { op: 'dropLine'; line: number }
  | { op: 'swapLines'; a: number; b: number }
  | { op: 'crlf' }
  | { op: 'cr' };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('bitflip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), what: fc.nat({ max: INTERESTING.length - 1 }) }) },
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.constant({ op: 'crlf' as const }),
  fc.constant({ op: 'cr' as const }),
);

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < b.length) {
    let end = b.indexOf(10, start);
    end = end < 0 ? b.length : end + 1;
    out.push(b.subarray(start, end));
    start = end;
  }
  return out;
}

export function applyMutation(input: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(input);
  const pos = (at: number, extra = 0) => (b.length + extra === 0 ? 0 : at % (b.length + extra));
  switch (m.op) {
    case 'set': if (b.length) b[pos(m.at)] = m.byte; return b;
    case 'bitflip': if (b.length) b[pos(m.at)] ^= 1 << m.bit; return b;
    case 'insert': { const p = pos(m.at, 1); return Buffer.concat([b.subarray(0, p), Buffer.from(INTERESTING[m.what]!), b.subarray(p)]); }
    case 'delete': { const p = pos(m.at); return Buffer.concat([b.subarray(0, p), b.subarray(p + m.len)]); }
    case 'truncate': return b.subarray(0, pos(m.at, 1));
    case 'crlf': return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    case 'cr': return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1');
    default: break;
  }
  const lines = splitLines(b);
  if (!lines.length) return b;
  const withLf = (l: Buffer) => (l[l.length - 1] === 10 ? l : Buffer.concat([l, Buffer.from('\n')]));
  if (m.op === 'dupLine') { const i = m.line % lines.length; lines.splice(i, 0, withLf(lines[i]!)); }
  if (m.op === 'dropLine') lines.splice(m.line % lines.length, 1);
  if (m.op === 'swapLines') {
    const i = m.a % lines.length, j = m.b % lines.length;
    const li = withLf(lines[i]!), lj = withLf(lines[j]!);
    lines[i] = lj; lines[j] = li;
  }
  return Buffer.concat(lines);
}

export function mutate(input: Buffer, ms: readonly Mutation[]): Buffer {
  return ms.reduce(applyMutation, input);
}

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

// ------------------------------------------------------------------------------------------------
// Generated valid CSV

export type CellKind = 'int' | 'float' | 'text';

export interface ValidCsv {
  bytes: Buffer;
  delimiter: string;
  names: string[];
  kinds: CellKind[];
  /** rows[r][c]: number, string or null, as the reader must give them back */
  rows: (number | string | null)[][];
  /** 1-based physical line of each data row */
  lines: number[];
  /** blank lines inserted before the header and between records */
  blankLines: number;
  /** of which between records (the reader notes those) */
  innerBlankLines: number;
  eol: string;
}

/** Strings that a reader may take for a null, a number or a boolean (never generated as text). */
const NOT_TEXT = /^(na|n\/a|nan|null|inf|infinity|true|false)$/i;

const textChar = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,;|\t"\'#/é名€\u{1f600}'.match(/./gsu)!,
);
const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZé名'.match(/./gsu)!);

function textArb(newlines: boolean): fc.Arbitrary<string> {
  const ch = newlines ? fc.oneof({ weight: 12, arbitrary: textChar }, fc.constant('\n')) : textChar;
  return fc.tuple(letter, fc.array(ch, { maxLength: 12 }))
    .map(([a, rest]) => a + rest.join(''))
    .filter((s) => !NOT_TEXT.test(s.trim()) && s === s.trim());
}

const nameArb = fc.tuple(letter, fc.array(textChar, { maxLength: 10 })).map(([a, rest]) => a + rest.join('')).filter((s) => s === s.trim());

function quoteField(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function render(v: number | string | null, delimiter: string, forceQuote: boolean, nullText: string): string {
  if (v === null) return nullText;
  const s = typeof v === 'number' ? String(v) : v;
  if (forceQuote || /["\r\n]/.test(s) || s.includes(delimiter)) return quoteField(s);
  return s;
}

export const validCsvArb: fc.Arbitrary<ValidCsv> = fc
  .record({
    ncols: fc.integer({ min: 1, max: 6 }),
    nrows: fc.integer({ min: 1, max: 25 }),
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    eol: fc.constantFrom('\n', '\r\n', '\r', 'mixed'),
    finalEol: fc.boolean(),
  })
  .chain(({ ncols, nrows, delimiter, eol, finalEol }) => {
    const newlines = eol !== '\r';
    const cellArb = (kind: CellKind): fc.Arbitrary<number | string> =>
      kind === 'int' ? fc.maxSafeInteger() : kind === 'float' ? fc.double({ noNaN: true, noDefaultInfinity: true }) : textArb(newlines);
    return fc.record({
      names: fc.uniqueArray(nameArb, { minLength: ncols, maxLength: ncols }),
      kinds: fc.array(fc.constantFrom<CellKind>('int', 'float', 'text'), { minLength: ncols, maxLength: ncols }),
      seeds: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.nat()), { minLength: ncols, maxLength: ncols }), { minLength: nrows, maxLength: nrows }),
      blanks: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: nrows, maxLength: nrows }),
      eolPick: fc.array(fc.boolean(), { minLength: nrows + 1, maxLength: nrows + 1 }),
      nullText: fc.constantFrom('', 'NA', 'null'),
      headerQuote: fc.array(fc.boolean(), { minLength: ncols, maxLength: ncols }),
      leadingBlanks: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 2 })),
    }).chain((shape) => {
      const cells = shape.kinds.map((k) => fc.array(cellArb(k), { minLength: nrows, maxLength: nrows }));
      return fc.tuple(fc.constant(shape), fc.tuple(...cells));
    }).map(([shape, columns]) => {
      const { names, kinds, seeds, blanks, eolPick, nullText, headerQuote, leadingBlanks } = shape;
      const rows: (number | string | null)[][] = [];
      for (let r = 0; r < nrows; r++) {
        rows.push(kinds.map((_, c) => {
          const [nullDie] = seeds[r]![c]!;
          // one column: an empty cell would be a blank line
          return ncols > 1 && nullDie === 0 ? null : (columns[c] as (number | string)[])[r]!;
        }));
      }
      const eolOf = (i: number) => (eol === 'mixed' ? (eolPick[i] ? '\r\n' : '\n') : eol);
      let text = '';
      let line = 1;
      const lines: number[] = [];
      let blankLines = 0;
      let innerBlankLines = 0;
      const countLines = (s: string) => (s.match(/\r\n|\r|\n/g) ?? []).length;
      // blank lines before the header (skipped like those between rows)
      for (let i = 0; i < leadingBlanks; i++) { text += eolOf(nrows); line++; blankLines++; }
      const header = names.map((nm, c) => (headerQuote[c] || /["\r\n]/.test(nm) || nm.includes(delimiter) ? quoteField(nm) : nm)).join(delimiter);
      text += header;
      line += countLines(header);
      for (let r = 0; r < nrows; r++) {
        text += eolOf(r);
        line++;
        // blank lines between records (after the header, before the last row)
        if (r > 0 && blanks[r] === 0) { text += eolOf(r); line++; blankLines++; innerBlankLines++; }
        lines.push(line);
        const rec = rows[r]!.map((v, c) => render(v, delimiter, seeds[r]![c]![1] && seeds[r]![c]![2] % 4 === 0, nullText)).join(delimiter);
        text += rec;
        line += countLines(rec);
      }
      if (finalEol) text += eolOf(nrows);
      return { bytes: Buffer.from(text), delimiter, names, kinds, rows, lines, blankLines, innerBlankLines, eol };
    });
  });

// ------------------------------------------------------------------------------------------------
// Generated valid NDJSON

export type JsonKind = 'int' | 'float' | 'string' | 'bool';

export interface ValidNdjson {
  bytes: Buffer;
  names: string[];
  kinds: JsonKind[];
  rows: (number | string | boolean | null)[][];
}

export const validNdjsonArb: fc.Arbitrary<ValidNdjson> = fc
  .record({
    ncols: fc.integer({ min: 1, max: 5 }),
    nrows: fc.integer({ min: 1, max: 20 }),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
  })
  .chain(({ ncols, nrows, eol, finalEol }) => {
    const valueArb = (k: JsonKind): fc.Arbitrary<number | string | boolean> =>
      k === 'int' ? fc.maxSafeInteger() : k === 'float' ? fc.double({ noNaN: true, noDefaultInfinity: true }) : k === 'bool' ? fc.boolean() : fc.string({ unit: 'grapheme', maxLength: 12 });
    return fc.record({
      names: fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { minLength: ncols, maxLength: ncols }),
      kinds: fc.array(fc.constantFrom<JsonKind>('int', 'float', 'string', 'bool'), { minLength: ncols, maxLength: ncols }),
      nulls: fc.array(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: ncols, maxLength: ncols }), { minLength: nrows, maxLength: nrows }),
    }).chain((shape) => fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.kinds.map((k) => fc.array(valueArb(k), { minLength: nrows, maxLength: nrows }))),
    )).map(([{ names, kinds, nulls }, columns]) => {
      const rows = Array.from({ length: nrows }, (_, r) => kinds.map((_, c) => (nulls[r]![c] === 0 ? null : (columns[c] as any[])[r])));
      const objects = rows.map((row) => Object.fromEntries(names.map((n, c) => [n, row[c]])));
      const text = objects.map((o) => JSON.stringify(o)).join(eol) + (finalEol ? eol : '');
      // the order of the keys in the text (JavaScript puts integer-like keys such as "0" first)
      const order = Object.keys(objects[0]!).map((k) => names.indexOf(k));
      return { bytes: Buffer.from(text), names: order.map((c) => names[c]!), kinds: order.map((c) => kinds[c]!), rows: rows.map((row) => order.map((c) => row[c]!)) };
    });
  });

/** NDJSON text of a CSV dataset's first rows (numbers as numbers). */
export function csvToNdjson(csvText: string): Buffer {
  const lines = csvText.trim().split(/\r?\n/);
  const cols = lines[0]!.split(',');
  return Buffer.from(lines.slice(1).map((l) => JSON.stringify(Object.fromEntries(l.split(',').map((v, i) => [cols[i], v === '' ? null : Number.isNaN(Number(v)) ? v : Number(v)])))).join('\n') + '\n');
}

// ------------------------------------------------------------------------------------------------
// YAML-ish config text

const KEYS = [
  'task', 'data', 'train', 'test', 'target', 'drop', 'format', 'csv', 'delimiter', 'null_values', 'has_header',
  'quote_char', 'trim', 'skip_rows', 'comment_prefix', 'column_names', 'split', 'seed', 'stratify', 'validation',
  'time', 'id', 'freq', 'exog', 'fill', 'model', 'type', 'engine', 'params', 'max_depth', 'eta', 'num_round', 'lags',
  'pipeline', 'step', 'columns', 'evaluate', 'metrics', 'backtest', 'folds', 'horizon', 'forecast', 'level', 'transform',
  'output', 'dir', '<<', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '0', '-1', '""', "''", '?', 'a b', 'é',
];
const SCALARS = [
  'classification', 'regression', 'forecast', 'xgboost', 'arima', 'naive', 'auto', 'csv', 'ndjson', 'parquet', 'MS', 'D', '15min', 'h',
  '../datasets/iris.csv', '-', 'species', 'y', 'ds', 'income', '42', '-1', '0', '1e400', '-.inf', '.inf', '.nan', '0x1F', '0o17', '1_000',
  '~', 'null', 'Null', 'true', 'false', 'yes', 'no', 'on', '""', "''", '"\\u0000"', '"\\ud800"', '"\\x"', "'it''s'", '2024-01-01',
  '2024-01-01T00:00:00Z', '12:30:00', '!!str 5', '!!int "x"', '!!float x', '!!binary "@@@"', '!!binary aGVsbG8=', '!!timestamp x', '!!set {a, b}',
  '!!omap [a: 1, a: 2]', '!!pairs [a: 1]', '!!map [1]', '!!seq {a: 1}', '!custom x', '!<tag:yaml.org,2002:int> 3', '&a 1', '*a', '*zz',
  '[]', '{}', '[a, b]', '{a: 1, b: [2, 3]}', '[auc, rmse]', '{ type: xgboost }', '|', '>-', '"unterminated', '[unclosed', '{a: 1',
  '9007199254740993', '123456789012345678901234567890', '-0', '0.1e-400', '"\\t,"', '","', '";;"', '\t', 'x: y', '- a', '@', '`', '%',
];
const INDENTS = ['', '', '', '  ', '  ', '    ', '      ', ' ', '\t', '- ', '  - ', '? ', ': '];

const yamlLine = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...INDENTS), fc.constantFrom(...KEYS), fc.constantFrom(':', ': ', ' : ', ':: '), fc.option(fc.constantFrom(...SCALARS), { nil: '' }), fc.option(fc.constantFrom(' # c', ' #', '#x'), { nil: '' })).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...INDENTS), fc.constantFrom(...SCALARS)).map((p) => p.join('')) },
  fc.constantFrom('---', '...', '%YAML 1.2', '%YAML 1.1', '%TAG ! tag:x,2024:', '# comment', '', '   ', '\t', '&x', '*x', '<<: *a', '<<: [*a, *b]', '? complex', '- - - x'),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

/** Text that looks like YAML: known keys and values, indentation, anchors and aliases, tags, flow collections. */
export const yamlishArb: fc.Arbitrary<string> = fc.tuple(fc.array(yamlLine, { minLength: 1, maxLength: 25 }), fc.constantFrom('\n', '\r\n', '\r')).map(([ls, eol]) => ls.join(eol));

/** A document whose aliases multiply (a "billion laughs" shape) at a few sizes. */
export const aliasBombArb: fc.Arbitrary<string> = fc.record({ width: fc.integer({ min: 2, max: 12 }), depth: fc.integer({ min: 1, max: 5 }), at: fc.constantFrom('data.drop', 'evaluate.metrics', 'top', 'model.params.x') }).map(({ width, depth, at }) => {
  const lines = ['a0: &a0 [x]'];
  for (let d = 1; d <= depth; d++) lines.push(`a${d}: &a${d} [${Array.from({ length: width }, () => `*a${d - 1}`).join(', ')}]`);
  const last = `*a${depth}`;
  if (at === 'top') lines.push(`boom: ${last}`);
  else if (at === 'data.drop') lines.push('task: classification', `data: { train: x.csv, target: y, drop: ${last} }`, 'model: { type: xgboost }');
  else if (at === 'evaluate.metrics') lines.push('task: classification', 'data: { train: x.csv, target: y }', 'model: { type: xgboost }', `evaluate: { metrics: ${last} }`);
  else lines.push('task: classification', 'data: { train: x.csv, target: y }', `model: { type: xgboost, params: { x: ${last} } }`);
  return lines.join('\n') + '\n';
});

/** --set arguments: dotted paths of known keys (and numeric, empty, prototype segments) = a YAML-ish value. */
export const setArb: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.constantFrom(...KEYS, '', '0', '1', '99', 'x'), { minLength: 1, maxLength: 4 }),
  fc.constantFrom('=', '=', '= ', ' ='),
  fc.constantFrom(...SCALARS, '', '-', ' - ', '[1', '{', '"a', 'a=b'),
).map(([p, eq, v]) => p.join('.') + eq + v);
