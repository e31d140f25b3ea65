/**
 * A small CSV record scanner (RFC 4180 quoting) used where polars is silent: it finds ragged rows
 * (polars fills short rows with nulls), blank lines, and maps a data row to its physical line.
 * It runs only on the slow/error paths or when the last column has nulls.
 */
export interface RecordInfo {
  /** 0-based record index, header included (header = record 0 when the file has one) */
  index: number;
  /** 1-based physical line the record starts on */
  line: number;
  /** number of fields; 0 for a blank line */
  fields: number;
}

/**
 * Calls `visit` for every record; stop early by returning true. Handles LF and CRLF line endings
 * (CR-only input must be converted first, see read.ts).
 */
export function scanCsv(buf: Uint8Array, sep: number, quote: number, visit: (r: RecordInfo) => boolean | void): void {
  const LF = 10, CR = 13;
  const n = buf.length;
  let i = 0;
  let line = 1;
  let index = 0;
  while (i < n) {
    const startLine = line;
    let fields = 1;
    let empty = true;
    let inQuotes = false;
    for (; i < n; i++) {
      const c = buf[i];
      if (inQuotes) {
        if (c === quote) {
          if (i + 1 < n && buf[i + 1] === quote) i++;
          else inQuotes = false;
        } else if (c === LF) line++;
        continue;
      }
      if (c === LF) break;
      if (c === CR && (i + 1 >= n || buf[i + 1] === LF)) continue;
      empty = false;
      if (c === quote) inQuotes = true;
      else if (c === sep) fields++;
    }
    // i is at LF or n
    i++;
    line++;
    if (visit({ index, line: startLine, fields: empty ? 0 : fields })) return;
    index++;
  }
}

/** Physical line of each given data row (0-based, header excluded, blank lines counted as rows like polars does). */
export function linesOfRows(buf: Uint8Array, sep: number, quote: number, hasHeader: boolean, rows: number[]): Map<number, number> {
  const wanted = new Set(rows);
  const out = new Map<number, number>();
  if (!wanted.size) return out;
  const max = Math.max(...rows);
  scanCsv(buf, sep, quote, (r) => {
    const dataRow = hasHeader ? r.index - 1 : r.index;
    if (dataRow >= 0 && wanted.has(dataRow)) out.set(dataRow, r.line);
    return dataRow >= max;
  });
  return out;
}

/**
 * The first quoting problem in CSV bytes, with its physical line and column (1-based, in characters of
 * the line's bytes): a quote that opens a field and never closes (`3,"4,y` up to the end of the input),
 * a quote inside an unquoted field (`4"5`), or text after a closing quote (`"4"5`). Undefined when the
 * quoting is sound.
 */
export function findQuoteProblem(buf: Uint8Array, sep: number, quote: number): { line: number; col: number; problem: string } | undefined {
  const LF = 10, CR = 13;
  const n = buf.length;
  let line = 1;
  let lineStart = 0;
  let fieldStart = true;
  let inQuotes = false;
  let open = { line: 0, col: 0 };
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (inQuotes) {
      if (c === quote) {
        if (i + 1 < n && buf[i + 1] === quote) { i++; continue; }
        inQuotes = false;
        const next = i + 1 < n ? buf[i + 1] : LF;
        if (next !== sep && next !== LF && next !== CR) return { line, col: i + 2 - lineStart, problem: `text after a closing quote (a quote inside a quoted field is written twice: "")` };
      } else if (c === LF) { line++; lineStart = i + 1; }
      continue;
    }
    if (c === quote) {
      if (!fieldStart) return { line, col: i + 1 - lineStart, problem: 'a quote inside an unquoted field (quote the whole field and double the quote: "4""5")' };
      inQuotes = true;
      open = { line, col: i + 1 - lineStart };
      fieldStart = false;
      continue;
    }
    if (c === LF) { line++; lineStart = i + 1; fieldStart = true; continue; }
    fieldStart = c === sep;
  }
  if (inQuotes) return { line: open.line, col: open.col, problem: 'a quote opens a field and is never closed' };
  return undefined;
}

/** A record the streaming reader leaves out (see findBadRecords). */
export interface BadLine {
  /** byte range of the record in the buffer, its line end included */
  start: number;
  end: number;
  /** 1-based line of the buffer the problem is on (the record's first line, or the bad byte's) */
  line: number;
  /** physical lines the record spans */
  lines: number;
  /** 1-based column (bytes of the line) when known */
  col?: number;
  /** the reason, as the whole-table reader words it (without the place) */
  message: string;
  /** data rows of the scanned region before this record */
  rowsBefore: number;
}

export interface RecordRules {
  sep: number;
  quote: number;
  /** fields of every record (the header's) */
  fields: number;
  /** per field: the column's name when it is read as float64 (a value must be a number or a null marker) */
  numeric: (string | undefined)[];
  nullValues: ReadonlySet<string>;
  /** an empty line is a bad record; otherwise it is skipped and not a row */
  blankIsBad: boolean;
  /** lines starting with this are skipped (data.csv.comment_prefix) */
  comment?: Uint8Array;
  /** the buffer holds a NUL byte / bytes that are not UTF-8 somewhere (checked per record only then) */
  hasNul: boolean;
  notUtf8: boolean;
}

const enum Num { Ok, Bad, Inf, Unsure }

/** Polars' float grammar: [+-] digits [. digits] [e [+-] digits], or nan / inf / infinity in any case. */
function classifyNumber(b: Uint8Array, s: number, e: number): Num {
  if (s >= e) return Num.Ok; // empty: null
  const first = b[s]!;
  const last = b[e - 1]!;
  // polars takes leading blanks and refuses trailing ones: never decided here
  if (first === 32 || first === 9 || last === 32 || last === 9) return Num.Unsure;
  let i = s;
  if (b[i] === 43 || b[i] === 45) i++; // + -
  const c = b[i] ?? 0;
  if ((c | 32) >= 97 && (c | 32) <= 122) {
    // a word: nan, inf, infinity (case-insensitive)
    let w = '';
    for (let k = i; k < e && k - i < 9; k++) w += String.fromCharCode(b[k]! | 32);
    if (e - i > 8) return Num.Bad;
    if (w === 'nan') return Num.Ok;
    if (w === 'inf' || w === 'infinity') return Num.Inf;
    return Num.Bad;
  }
  let digits = 0;
  while (i < e && b[i]! >= 48 && b[i]! <= 57) { i++; digits++; }
  if (b[i] === 46) { // .
    i++;
    while (i < e && b[i]! >= 48 && b[i]! <= 57) { i++; digits++; }
  }
  if (digits === 0) return Num.Bad;
  let big = digits > 300;
  if (i < e && (b[i] === 101 || b[i] === 69)) { // e E
    i++;
    if (b[i] === 43 || b[i] === 45) i++;
    let exp = 0;
    while (i < e && b[i]! >= 48 && b[i]! <= 57) { i++; exp++; }
    if (exp === 0) return Num.Bad;
    big = true;
  }
  if (i !== e) return Num.Bad;
  if (big && !Number.isFinite(Number(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1')))) return Num.Inf;
  return Num.Ok;
}

/**
 * The records of CSV bytes (from `from`, a record start, on line `fromLine`) that the whole-table reader
 * would refuse, each with the reason it would give: a NUL byte, bytes that are not UTF-8, a ragged row,
 * an empty line (when blank lines are rows), text or an infinite value in a float64 column. Only what is
 * certain is reported: a value polars might take (blanks around it, a doubled quote) is left for polars
 * to judge. Also counts the data rows (blank and comment lines are not rows). Undefined when the
 * quoting cannot be followed (a quote inside an unquoted field, text after a closing quote, a quote
 * never closed): the caller then reads the bytes as before.
 */
export function findBadRecords(buf: Uint8Array, from: number, fromLine: number, rules: RecordRules): { bad: BadLine[]; rows: number } | undefined {
  const LF = 10, CR = 13;
  const { sep, quote, numeric } = rules;
  const n = buf.length;
  const bad: BadLine[] = [];
  let rows = 0;
  let line = fromLine;
  let i = from;
  const b = buf as Buffer;
  while (i < n) {
    const recStart = i;
    const recLine = line;
    let fields = 1;
    let fieldStart = i;
    let quoted = false;
    let inQuotes = false;
    let doubled = false;
    /** the first value problem of the record */
    let problem: { message: string } | undefined;
    const endField = (fe: number) => {
      if (problem || fields > numeric.length) return;
      const name = numeric[fields - 1];
      if (name === undefined) return;
      let s = fieldStart;
      let e = fe;
      if (quoted) {
        if (doubled) return; // polars' to judge
        s++;
        e--; // the closing quote
      }
      const kind = classifyNumber(buf, s, e);
      if (kind === Num.Ok) return;
      if (kind === Num.Unsure) return;
      const value = b.toString('utf8', s, e);
      if (rules.nullValues.has(value)) return;
      problem = kind === Num.Inf
        ? { message: `column "${name}": an infinite value (${value.trimStart().startsWith('-') ? '-Infinity' : 'Infinity'}); give numbers (an empty cell or NaN for a missing value)` }
        : { message: `column "${name}": ${JSON.stringify(value)} is not a number${value === name ? ': a header line again (files joined with their headers?)' : ' (fix the value or add it to data.csv.null_values)'}` };
    };
    let contentEnd = n;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (inQuotes) {
        if (c === quote) {
          if (buf[i + 1] === quote) { doubled = true; i++; continue; }
          inQuotes = false;
          const next = i + 1 < n ? buf[i + 1] : LF;
          if (next !== sep && next !== LF && next !== CR) return undefined; // text after a closing quote
        } else if (c === LF) line++;
        continue;
      }
      if (c === LF) { contentEnd = i > recStart && buf[i - 1] === CR ? i - 1 : i; break; }
      if (c === quote) {
        if (i !== fieldStart) return undefined; // a quote inside an unquoted field
        quoted = true;
        inQuotes = true;
      } else if (c === sep) {
        endField(i);
        fields++;
        fieldStart = i + 1;
        quoted = false;
        doubled = false;
      }
    }
    if (inQuotes) return undefined; // never closed
    if (i >= n && n > recStart && buf[n - 1] === CR) contentEnd = n - 1;
    endField(contentEnd);
    const recEnd = i < n ? i + 1 : n;
    const lines = line - recLine + 1;
    i = recEnd;
    line++;
    const leave = (message: string, at?: { line: number; col: number }) => {
      bad.push({ start: recStart, end: recEnd, line: at?.line ?? recLine, lines, col: at?.col, message, rowsBefore: rows });
    };
    if (rules.hasNul) {
      const z = b.indexOf(0, recStart);
      if (z >= 0 && z < recEnd) { leave('a NUL byte: this is not a text table (a binary file, or the wrong --format?)', placeIn(buf, recStart, recLine, z)); continue; }
    }
    if (rules.notUtf8) {
      const at = invalidUtf8At(buf, recStart, recEnd);
      if (at >= 0) { leave(`not UTF-8 text (byte 0x${buf[at]!.toString(16).padStart(2, '0')}); convert the file, e.g. iconv -f latin1 -t utf-8`, placeIn(buf, recStart, recLine, at)); continue; }
    }
    if (contentEnd === recStart) {
      if (rules.blankIsBad) leave('an empty line');
      continue;
    }
    const cm = rules.comment;
    if (cm && cm.length && b.subarray(recStart, recStart + cm.length).equals(cm)) continue;
    if (fields !== rules.fields) { leave(`ragged row: expected ${rules.fields} fields (as in the header), found ${fields}`); continue; }
    if (problem) { leave(problem.message); continue; }
    rows++;
  }
  return { bad, rows };
}

/** line and column of byte `at` in a record starting at `start` on line `line` */
function placeIn(buf: Uint8Array, start: number, line: number, at: number): { line: number; col: number } {
  let ls = start;
  for (let k = (buf as Buffer).indexOf(10, start); k >= 0 && k < at; k = (buf as Buffer).indexOf(10, k + 1)) { line++; ls = k + 1; }
  return { line, col: at - ls + 1 };
}

/** The first byte offset in [s, e) where `bytes` stop being valid UTF-8 (a sequence cut at e counts), or -1. */
export function invalidUtf8At(bytes: Uint8Array, s = 0, e = bytes.length): number {
  for (let i = s; i < e;) {
    const c = bytes[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const x = i + k < e ? bytes[i + k] : undefined;
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
