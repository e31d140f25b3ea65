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
