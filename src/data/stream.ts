/**
 * The streaming table reader: row batches from any source (a file, stdin, a FIFO, process
 * substitution, /dev/stdin) with each row's physical line in the whole input, memory bounded by the
 * batch (about MLKIT_BATCH_BYTES of input, default 4 MiB), not by the input.
 *
 * CSV and NDJSON are cut at record boundaries (quote-aware for CSV) and each batch is parsed by
 * readTable with the header in front of it, so every check of the whole-file reader (quotes, ragged
 * rows, stray text, NUL bytes, UTF-8, infinities) applies to each batch and names the line of the
 * input. Parquet cannot be read in pieces from a pipe: it is read whole and yielded in slices.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { ColumnDtype } from '../core/types.js';
import { DataError, InterruptedError, throwIfAborted } from '../core/errors.js';
import { findBadRecords, findQuoteProblem, type BadLine, type RecordRules } from './csvscan.js';
import { compressionOf, decompressChunks, innerName } from './compression.js';
import { KNOWN_EXTENSIONS, findBadNdjsonLines, headerEnd, openInputStream, readTable, statInput, sniffFormat, type ReadOptions, type Table, type TableFormat } from './read.js';
import { DEFAULT_NULL_VALUES } from './csv-options.js';
import { isUtf8 } from 'node:buffer';

export interface Batch {
  /** this batch's rows; lineOf gives lines of the whole input */
  table: Table;
  /** rows of the input before this batch */
  offset: number;
}

export interface StreamStats {
  rows: number;
  batches: number;
  blankLines: number;
  format?: TableFormat;
  /** a CSV input's column names, from its header record (column_names applied), once it is read */
  columns?: string[];
}

/** A record the reader could not take (ragged, text in a numeric column, bytes that are not text, JSON that does not parse, ...). */
export interface BadRecord {
  /** physical line in the whole input */
  line: number;
  col?: number;
  /** the reason, without the place */
  message: string;
  /** rows of the stream before it (the batch's `offset` + its rows before it): it sat between row before - 1 and row before */
  before: number;
  /** the record's text (its bytes as UTF-8, without the line end) */
  text: string;
}

/** Rows of a batch (with the bad records among them, onBadRecord), or one bad record between tables. */
interface Piece {
  table?: Table;
  inner?: { at: number; bad: Omit<BadRecord, 'before'> }[];
  bad?: Omit<BadRecord, 'before'>;
  error?: DataError;
}

function recordText(buf: Buffer, start: number, end: number): string {
  let e = end;
  if (e > start && buf[e - 1] === 10) e--;
  if (e > start && buf[e - 1] === 13) e--;
  return buf.toString('utf8', start, e);
}

export interface StreamOptions extends ReadOptions {
  /** bytes of input per batch (default: MLKIT_BATCH_BYTES or 4 MiB) */
  batchBytes?: number;
  /**
   * CSV and NDJSON: called for each record that makes its batch fail with a data error naming a line
   * after the header; the record is left out and the stream goes on. The calls come in input order,
   * before the batch that holds the rows after the record is yielded; `before` says where the record was
   * among the rows (a batch may hold rows from both sides of it). Without it, such a record ends the
   * stream with the error, after the rows before it are yielded.
   */
  onBadRecord?: (bad: BadRecord) => void;
  /** filled while reading: rows, batches, blank lines skipped */
  stats?: StreamStats;
}

const DEFAULT_BATCH_BYTES = 4 << 20;
/** a pipe that sends nothing for this long has its complete rows processed at once */
const PAUSE_MS = 25;
/** a CSV record (a quoted field) longer than this is taken for an unclosed quote */
const MAX_RECORD_BYTES = 64 << 20;
/** rows per batch when a whole table (Parquet) is sliced */
const SLICE_ROWS = 100_000;

export function batchBytesFromEnv(): number {
  const raw = process.env.MLKIT_BATCH_BYTES;
  const v = raw ? Number(raw) : NaN;
  return Number.isInteger(v) && v > 0 ? v : DEFAULT_BATCH_BYTES;
}

type Source = AsyncIterable<Buffer> & { destroy?(err?: Error): void };

function openSource(file: string, opts: StreamOptions, name: string): Source {
  if (file === '-') {
    if (opts.stdin) return (async function* () { yield opts.stdin!; })();
    if (process.stdin.isTTY) throw new DataError("no data piped in: '-' reads the table from stdin (e.g. cat data.csv | mlkit ...)", { file: '-' });
    return process.stdin as unknown as Source;
  }
  statInput(file, name);
  try {
    return openInputStream(file);
  } catch (e) {
    throw new DataError(`cannot read: ${(e as Error)?.message ?? e}`, { file: name });
  }
}

/** Chunks of a source; the source is destroyed when `signal` aborts (a blocked read ends at once). */
async function* chunksOf(src: Source, name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const onAbort = () => src.destroy?.(new InterruptedError());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const c of src) {
      throwIfAborted(signal);
      yield c;
    }
  } catch (e) {
    if (e instanceof InterruptedError || signal?.aborted) throw new InterruptedError();
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read: ${(e as Error)?.message ?? e}`, { file: name });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    src.destroy?.();
  }
}

/** The chunks of a source, decompressed when its first bytes are gzip's or zstd's magic number. */
async function decompressed(raw: AsyncGenerator<Buffer>, name: string): Promise<AsyncGenerator<Buffer>> {
  const first: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < 4) {
    const r = await raw.next();
    if (r.done) { done = true; break; }
    first.push(r.value);
    len += r.value.length;
  }
  const head = first.length === 1 ? first[0]! : Buffer.concat(first);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (!done) yield* raw;
    } finally {
      await raw.return(undefined);
    }
  }
  const kind = compressionOf(head);
  return kind ? decompressChunks(replay(), kind, name) : replay();
}

function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Byte offset where line `k` (0-based) of `buf` starts, or -1 past its end. */
function lineOffset(buf: Buffer, k: number): number {
  let pos = 0;
  for (let i = 0; i < k; i++) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) return -1;
    pos = nl + 1;
  }
  return pos < buf.length ? pos : -1;
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Where to end a batch: just past the last record end (LF outside quotes for CSV) at or before `limit`,
 * else past the first one after it; 0 when buf holds no complete record.
 */
export function recordEnd(buf: Buffer, limit: number, quote: number | undefined): number {
  if (quote === undefined || buf.indexOf(quote) < 0) {
    const before = limit > 0 ? buf.lastIndexOf(10, limit - 1) : -1;
    return before >= 0 ? before + 1 : buf.indexOf(10, limit) + 1;
  }
  let inQuotes = false;
  let end = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === quote) inQuotes = !inQuotes; // a doubled quote toggles twice
    else if (c === 10 && !inQuotes) {
      if (i >= limit && end > 0) return end;
      end = i + 1;
      if (i >= limit) return end;
    }
  }
  return end;
}

/**
 * Where the header record is in the first bytes of a CSV input: after skip_rows lines and comment lines.
 * undefined while the bytes do not hold all of it yet.
 */
function locateHeader(buf: Buffer, opts: StreamOptions, complete: boolean): { start: number; end: number; line: number } | undefined {
  const csv = opts.csv ?? {};
  const skip = csv.skip_rows ?? 0;
  const prefix = csv.comment_prefix ? Buffer.from(csv.comment_prefix) : undefined;
  let pos = 0;
  let line = 1;
  const nextLine = (): boolean => {
    const lf = buf.indexOf(10, pos);
    if (lf < 0) return false;
    pos = lf + 1;
    line++;
    return true;
  };
  for (let k = 0; k < skip; k++) if (!nextLine()) return complete ? { start: buf.length, end: buf.length, line } : undefined;
  // comment lines, and blank lines before the header (the whole-file reader drops those too)
  const skippable = () => (prefix && buf.subarray(pos, pos + prefix.length).equals(prefix)) || buf[pos] === 10 || (buf[pos] === 13 && buf[pos + 1] === 10);
  while (skippable()) if (!nextLine()) return complete ? { start: buf.length, end: buf.length, line } : undefined;
  const rest = buf.subarray(pos);
  const end = headerEnd(rest, (csv.quote_char ?? '"').charCodeAt(0));
  if (end === rest.length && rest[rest.length - 1] !== 10 && !complete) return undefined;
  return { start: pos, end: pos + end, line };
}

/** The fields of one CSV record (the header), quotes removed. */
function splitRecord(rec: Buffer, sep: number, quote: number): string[] {
  return csvFields(recordText(rec, 0, rec.length), String.fromCharCode(sep), String.fromCharCode(quote)).fields;
}

/**
 * The fields of one CSV record's text, quotes removed and doubled quotes undone; `open`: the last field's
 * quote is not closed.
 */
export function csvFields(text: string, delimiter = ',', quote = '"'): { fields: string[]; open: boolean } {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === quote && text[i + 1] === quote) { cur += quote; i++; }
      else if (c === quote) inQuotes = false;
      else cur += c;
    } else if (c === quote && cur === '') inQuotes = true;
    else if (c === delimiter) { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return { fields: out, open: inQuotes };
}

/** The fields of a CSV header record, as written (a byte-order mark dropped). */
function headerFields(header: Buffer, opts: StreamOptions): string[] {
  const csv = opts.csv ?? {};
  const raw = splitRecord(header, (csv.delimiter ?? ',').charCodeAt(0), (csv.quote_char ?? '"').charCodeAt(0));
  if (raw[0]?.startsWith('\uFEFF')) raw[0] = raw[0].slice(1);
  return raw;
}

/**
 * What findBadRecords checks in a CSV part, from its header record: the number of fields, and which
 * fields are read as float64 (opts.dtypes, by their final names). Undefined without a header.
 */
function recordRules(header: Buffer | undefined, part: Buffer, opts: StreamOptions): RecordRules | undefined {
  const csv = opts.csv ?? {};
  if (!header || (csv.has_header ?? true) === false) return undefined;
  const sep = (csv.delimiter ?? ',').charCodeAt(0);
  const quote = (csv.quote_char ?? '"').charCodeAt(0);
  const raw = headerFields(header, opts);
  const names = raw.map((r, i) => csv.column_names?.[i] ?? r);
  const text = new Set(opts.textColumns ?? []);
  // with trim, numbers may come with blanks: read as text and converted after, so not checked here
  const numeric = names.map((c) => {
    const t = opts.dtypes?.[c];
    return !csv.trim && !text.has(c) && (t === 'float64' || t === 'int64') ? c : undefined;
  });
  return {
    sep,
    quote,
    fields: raw.length,
    numeric,
    nullValues: new Set(csv.null_values ?? DEFAULT_NULL_VALUES),
    blankIsBad: opts.blankLinesAreRows === true,
    comment: csv.comment_prefix ? Buffer.from(csv.comment_prefix) : undefined,
    hasNul: part.indexOf(0) >= 0,
    notUtf8: !isUtf8(part),
  };
}

/**
 * Row batches of a table. Each batch's frame has the same columns; give `dtypes` (what a model expects)
 * so that they also have the same types. Rows are never dropped: blank lines are counted in
 * `stats.blankLines`, everything else malformed is a DataError naming the line of the input.
 */
export async function* readBatches(file: string, opts: StreamOptions = {}, signal?: AbortSignal): AsyncGenerator<Batch> {
  throwIfAborted(signal);
  const name = opts.displayName ?? file;
  const stats: StreamStats = opts.stats ?? { rows: 0, batches: 0, blankLines: 0 };
  const batchBytes = opts.batchBytes ?? batchBytesFromEnv();
  let format = opts.format ?? (file === '-' ? undefined : KNOWN_EXTENSIONS[path.extname(innerName(file)).toLowerCase()]);
  const source = openSource(file, opts, name);
  const chunks = await decompressed(chunksOf(source, name, signal), name);

  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let ended = false;
  let next: Promise<IteratorResult<Buffer>> | undefined;
  /**
   * The source failed part-way (a truncated or corrupt .gz/.zst, a read error): the complete lines before
   * the failure are still read and yielded, the cut line is not, then this error ends the stream.
   */
  let failed: DataError | undefined;
  const pull = async (): Promise<boolean> => {
    let r: IteratorResult<Buffer>;
    try {
      r = await (next ?? chunks.next());
    } catch (e) {
      next = undefined;
      if (!(e instanceof DataError)) throw e;
      failed = e;
      ended = true;
      const all = take();
      putBack(all.subarray(0, all.lastIndexOf(10) + 1));
      return false;
    }
    next = undefined;
    if (r.done) { ended = true; return false; }
    pending.push(r.value);
    pendingBytes += r.value.length;
    return true;
  };
  /**
   * A pipe (stdin, a FIFO) that pauses: true when no chunk came within `ms`, so that the rows already
   * here are processed now (`tail -f log.csv | mlkit predict ...` answers each row as it comes) instead
   * of after a whole batch has arrived.
   */
  const live = file === '-' || !isRegularFile(file);
  const paused = async (ms: number): Promise<boolean> => {
    next ??= chunks.next();
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'idle'>((resolve) => { timer = setTimeout(() => resolve('idle'), ms); });
    const won = await Promise.race([next.then(() => 'data' as const, () => 'data' as const), idle]);
    clearTimeout(timer);
    return won === 'idle';
  };
  const fill = async (): Promise<void> => {
    while (!ended && pendingBytes < batchBytes) {
      if (live && pendingBytes > 0 && pending[pending.length - 1]!.includes(10) && (await paused(PAUSE_MS))) return;
      await pull();
    }
  };
  /** the pending bytes as one buffer, after `prefix` (one copy: a CSV batch needs its header in front) */
  const take = (prefix?: Buffer): Buffer => {
    const b = pending.length === 1 && !prefix ? pending[0]! : Buffer.concat(prefix ? [prefix, ...pending] : pending, pendingBytes + (prefix?.length ?? 0));
    pending.length = 0;
    pendingBytes = 0;
    return b;
  };
  const putBack = (b: Buffer) => {
    if (b.length) { pending.push(b); pendingBytes += b.length; }
  };

  try {
    // the format: sniffed from the first bytes when neither given nor named by the extension
    while (!ended && pendingBytes < 64) await pull();
    if (pendingBytes === 0) throw failed ?? new DataError('the input is empty (no header, no rows)', { file: name });
    format ??= sniffFormat(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
    stats.format = format;

    if (format === 'parquet') {
      while (!ended) await pull();
      if (failed) throw failed;
      const whole = readTable(file, { ...opts, format, bytes: take() });
      const frame = whole.frame;
      for (let off = 0; off < frame.height; off += SLICE_ROWS) {
        throwIfAborted(signal);
        const part = frame.slice(off, SLICE_ROWS);
        const o = off;
        stats.rows += part.height;
        stats.batches++;
        yield { table: { ...whole, frame: part, lineOf: (r) => whole.lineOf(r + o) }, offset: off };
      }
      return;
    }

    const isCsv = format === 'csv';
    const quote = (opts.csv?.quote_char ?? '"').charCodeAt(0);
    const hasHeader = opts.csv?.has_header ?? true;
    let crOnly: boolean | undefined;
    let header: Buffer | undefined; // the header record, put in front of every later CSV batch
    let headerLine = 1;
    let startLine = 1; // input line of the first line of the next batch's body
    let first = true;
    /** bad records handed to onBadRecord */
    let reported = 0;

    while (true) {
      await fill();
      if (pendingBytes === 0) break;
      if (isCsv && crOnly === undefined) {
        const sniff = pending[0]!.subarray(0, 65536);
        crOnly = sniff.includes(13) && !sniff.includes(10);
      }
      // later CSV batches: [header][body][rest], cut after the last complete record
      const pre = header && !first ? header : undefined;
      const skip = pre?.length ?? 0;
      const single = pending.length === 1 && !pre;
      let whole = take(pre);
      if (crOnly) {
        if (single) whole = Buffer.from(whole); // never change the caller's bytes
        for (let i = skip; i < whole.length; i++) if (whole[i] === 13) whole[i] = 10;
      }
      const buf = whole.subarray(skip);
      // a batch is about batchBytes even when the source gave more at once (stdin given as one buffer)
      let limit = Math.min(batchBytes, buf.length);
      let located: ReturnType<typeof locateHeader>;
      const needHeader = isCsv && first && hasHeader;
      if (needHeader) {
        // the first batch ends after the header at least (none while the header is incomplete)
        located = locateHeader(buf, opts, ended);
        if (located) limit = Math.max(limit, located.end);
      }
      let cut = needHeader && !located ? 0 : recordEnd(buf, limit, isCsv ? quote : undefined);
      if (ended && (cut === 0 || buf.length <= batchBytes)) cut = buf.length;
      if (cut === 0) {
        if (buf.length > MAX_RECORD_BYTES && isCsv) {
          const q = findQuoteProblem(buf, (opts.csv?.delimiter ?? ',').charCodeAt(0), quote);
          throw new DataError(q ? q.problem : `a record longer than ${MAX_RECORD_BYTES >> 20} MiB (an unclosed quote?)`, { file: name, line: startLine + (q ? q.line - 1 : 0), col: q?.col });
        }
        putBack(Buffer.from(buf));
        await pull();
        continue;
      }
      let body = buf.subarray(0, cut);
      if (cut < buf.length) putBack(Buffer.from(buf.subarray(cut))); // a copy: the batch's buffer is not kept alive by it
      if (cut === buf.length && opts.blankLinesAreRows) {
        // empty lines at the very end of the input (a file ending in "\n\n") are not rows: skipped and
        // counted at the end; before it (more may come) they wait for what follows them
        let e = body.length;
        const floor = first && located ? located.end : 0;
        let k = 0;
        while (e > floor && body[e - 1] === 10) {
          let st = e - 1;
          if (st > 0 && body[st - 1] === 13) st--;
          if (st === 0 || body[st - 1] === 10) { e = st; k++; }
          else break;
        }
        if (e < body.length) {
          if (ended) stats.blankLines += k;
          else putBack(Buffer.from(body.subarray(e)));
          body = body.subarray(0, e);
          if (body.length === 0) {
            if (ended) break;
            await pull();
            continue;
          }
        }
      }
      throwIfAborted(signal);

      // the first batch holds skip_rows, comments and the header: read as the whole-file reader would;
      // later ones get the header in front and their lines mapped to the whole input's
      if (isCsv && first && hasHeader && located) {
        header = Buffer.from(body.subarray(located.start, located.end));
        if (header[header.length - 1] !== 10) header = Buffer.concat([header, Buffer.from('\n')]);
        headerLine = located.line;
        stats.columns = headerFields(header, opts).map((r, i) => opts.csv?.column_names?.[i] ?? r);
      }
      const batchStart = startLine;
      /**
       * A part of the batch read as a table. `map`: line k of the part's bytes (after the header put in
       * front of a later CSV batch) -> line of the input; default: the part's lines follow one another
       * from `partStart`.
       */
      const parse = (part: Buffer, partStart: number, head: boolean, withHeader?: Buffer, map?: (l: number) => number): Table => {
        const lines = map ?? ((l: number) => partStart + l - 1);
        if (!isCsv) return readTable(file, { ...opts, format, bytes: part, displayName: name, allowEmpty: true, lineMap: lines });
        if (head) return readTable(file, { ...opts, format, bytes: part, displayName: name, allowEmpty: true, lineMap: map });
        const hl = headerLine;
        const lineMap = hasHeader ? (l: number) => (l === 1 ? hl : lines(l - 1)) : lines;
        const bytes = withHeader ?? (hasHeader && header ? Buffer.concat([header, part]) : part);
        return readTable(file, { ...opts, format, bytes, displayName: name, allowEmpty: true, lineMap, csv: { ...opts.csv, skip_rows: 0 } });
      };
      const pieces: Piece[] = [];
      /**
       * With onBadRecord: the records of `part` the reader would refuse, found in one pass (findBadRecords,
       * findBadNdjsonLines), and the rest read as one table, so that a batch with many bad lines is still
       * parsed once, and yielded whole (each bad record says where it was: `before`). Undefined when the
       * pass finds nothing, cannot follow the part, or polars still refuses the rest or reads another
       * number of rows than the pass counted: the part is then read piece by piece as before.
       */
      const splitBad = (part: Buffer, partStart: number, head: boolean): Piece[] | undefined => {
        let dataStart = 0;
        let dataLine = 1;
        if (head) {
          if (!located || located.end > part.length) return undefined;
          dataStart = located.end;
          dataLine = 1 + countLines(part.subarray(0, dataStart));
        }
        let found: { bad: BadLine[]; rows: number } | undefined;
        if (isCsv) {
          const rules = recordRules(head ? part.subarray(located!.start, located!.end) : header, part, opts);
          found = rules && findBadRecords(part, dataStart, dataLine, rules);
        } else {
          found = findBadNdjsonLines(part, { dtypes: opts.dtypes, blankIsBad: opts.blankLinesAreRows === true });
        }
        if (!found || !found.bad.length) return undefined;
        // the part without its bad records; segs: where each kept stretch of lines starts (0-based among the
        // kept data lines) and its line in the part
        const parts: Buffer[] = dataStart > 0 ? [part.subarray(0, dataStart)] : [];
        const segs: { from: number; line: number }[] = [];
        let pos = dataStart;
        let line = dataLine;
        let keptLines = 0;
        const keep = (end: number) => {
          if (end <= pos) return;
          const seg = part.subarray(pos, end);
          const k = countLines(seg);
          segs.push({ from: keptLines, line });
          parts.push(seg);
          keptLines += k;
          line += k;
        };
        for (const b of found.bad) {
          keep(b.start);
          line += b.lines;
          pos = b.end;
        }
        keep(part.length);
        const headLines = dataLine - 1;
        const map = (l: number): number => {
          if (l <= headLines) return partStart + l - 1;
          const k = l - headLines - 1;
          let lo = 0;
          let hi = segs.length - 1;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (segs[mid]!.from <= k) lo = mid;
            else hi = mid - 1;
          }
          const seg = segs[lo];
          return seg ? partStart - 1 + seg.line + (k - seg.from) : partStart + l - 1;
        };
        const inner = found.bad.map((b) => ({ at: b.rowsBefore, bad: { line: partStart - 1 + b.line, col: b.col, message: b.message, text: recordText(part, b.start, b.end) } }));
        const kept = Buffer.concat(parts);
        // nothing left (NDJSON, every line bad): the bad records alone
        if (kept.length === 0) return inner.map((x) => ({ bad: x.bad }));
        let table: Table;
        try {
          table = parse(kept, partStart, head, undefined, map);
        } catch (e) {
          if (e instanceof DataError) return undefined;
          throw e;
        }
        if (table.frame.height !== found.rows) return undefined;
        return [{ table, inner }];
      };
      /**
       * `part` parsed, its bad records cut out (onBadRecord; without it, up to the first). After a bad
       * record the rest is parsed in pieces of 8 KiB, doubling while they parse, so that many bad records
       * do not make the batch be parsed again and again.
       */
      const resilient = (part: Buffer, partStart: number, head: boolean, withHeader?: Buffer, whole = false): void => {
        let p = part;
        let ps = partStart;
        let h = head;
        let limit = Infinity;
        while (p.length) {
          let chunk = p;
          if (limit < p.length) {
            const cut = recordEnd(p, limit, isCsv ? quote : undefined);
            if (cut > 0 && cut < p.length) chunk = p.subarray(0, cut);
          }
          try {
            pieces.push({ table: parse(chunk, ps, h, chunk === part ? withHeader : undefined) });
            if (chunk === p) return;
            ps += countLines(chunk);
            p = p.subarray(chunk.length);
            h = false;
            limit *= 2;
          } catch (e) {
            if (!(e instanceof DataError)) throw e;
            // a batch that fails: its bad records found in one pass when they can be (whatever the error
            // says: the rest must then parse, with as many rows as the pass counted)
            if (whole && chunk === part && opts.onBadRecord) {
              const split = splitBad(part, partStart, head);
              if (split) { pieces.push(...split); return; }
            }
            let line = e.place.line;
            if (line === undefined && !isCsv) {
              // polars' NDJSON errors have no line (a repeated key, a type it cannot take): the first bad
              // line from the one-pass check, so that the rows before it still come and the error has a place
              const first = findBadNdjsonLines(chunk, { dtypes: opts.dtypes, blankIsBad: opts.blankLinesAreRows === true, first: true }).bad[0];
              if (first) {
                line = ps - 1 + first.line;
                e = new DataError(first.message, { file: name, line, col: first.col });
              }
            }
            if (line === undefined || line < ps || (isCsv && hasHeader && line <= headerLine)) throw e;
            const ls = lineOffset(chunk, line - ps);
            if (ls < 0) throw e;
            const nl = chunk.indexOf(10, ls);
            const le = nl < 0 ? chunk.length : nl + 1;
            // the rows before it (which may hold an earlier bad record: polars' checks are not in line order)
            if (ls > 0) resilient(chunk.subarray(0, ls), ps, h);
            if (!opts.onBadRecord && pieces.some((x) => x.error)) return;
            pieces.push({ bad: { line, col: (e as DataError).place.col, message: (e as DataError).message, text: recordText(chunk, ls, le) }, error: e as DataError });
            if (!opts.onBadRecord) return;
            p = p.subarray(le);
            ps = line + 1;
            h = false;
            limit = 8 << 10;
          }
        }
      };
      if (!isCsv || first) resilient(body, batchStart, isCsv, undefined, true);
      else resilient(body, batchStart, false, hasHeader ? whole.subarray(0, skip + cut) : undefined, true);
      first = false;
      startLine += countLines(body) + (body[body.length - 1] === 10 ? 0 : 1);
      for (const piece of pieces) {
        if (!piece.table) {
          // without onBadRecord, the first bad record (in input order) ends the stream, after the rows before it
          if (!opts.onBadRecord) throw markBadRecord(piece.error!);
          reported++;
          opts.onBadRecord({ ...piece.bad!, before: stats.rows });
          continue;
        }
        // bad records among the table's rows: each says how many rows of the stream come before it
        for (const x of piece.inner ?? []) { reported++; opts.onBadRecord!({ ...x.bad, before: stats.rows + x.at }); }
        const table = piece.table;
        stats.blankLines += table.blankLines ?? 0;
        if (table.frame.height === 0) continue;
        const offset = stats.rows;
        stats.rows += table.frame.height;
        stats.batches++;
        yield { table, offset };
      }
    }
    if (failed) throw new DataError(`${failed.message} (the input breaks off in this line; every line before it was read)`, { ...failed.place, file: failed.place.file ?? name, line: startLine });
    // every line a bad record (onBadRecord took them): no rows, and that is what the consumer reports
    if (stats.rows === 0 && reported === 0) throw new DataError(isCsv && hasHeader ? 'the input has a header but no data rows' : 'the input has no rows', { file: name, line: isCsv ? headerLine : undefined });
  } finally {
    // a read may be pending (a pipe that paused): end the source first, or return() would wait for it
    source.destroy?.();
    await chunks.return(undefined);
  }
}

/** Errors of one record the reader refused (a caller may say how to go past such records). */
const badRecordErrors = new WeakSet<DataError>();
function markBadRecord(e: DataError): DataError {
  badRecordErrors.add(e);
  return e;
}
/** Whether `e` is about one record the reader refused (ragged, text in a numeric column, bad bytes, ...). */
export function isBadRecordError(e: unknown): boolean {
  return e instanceof DataError && badRecordErrors.has(e);
}

/** ReadOptions.dtypes for a model's input columns (numbers as float64, so every batch agrees). */
export function dtypesFor(columns: { name: string; dtype: ColumnDtype }[]): Record<string, ColumnDtype> {
  const out: Record<string, ColumnDtype> = {};
  for (const c of columns) out[c.name] = c.dtype === 'int64' ? 'float64' : c.dtype;
  return out;
}
