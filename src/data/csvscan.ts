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

/** A record a reader leaves out or refuses, with its place and reason. */
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
