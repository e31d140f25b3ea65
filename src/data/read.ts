/**
 * Table readers on nodejs-polars: CSV (delimiter, header, null markers, CR/CRLF/LF, quotes),
 * Parquet and NDJSON by extension, '-' = stdin. polars is strict here (ignoreErrors off,
 * truncateRaggedLines off) and what it is silent about (short rows, stray text in a numeric column
 * inferred as text) is checked after reading, so no value is silently lost.
 */
import { closeSync, constants as fsConstants, createReadStream, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import net from 'node:net';
import path from 'node:path';
import tty from 'node:tty';
import pl from 'nodejs-polars';
import type { ColumnDtype, ColumnInfo, Frame } from '../core/types.js';
import { DataError, InterruptedError, MlkitError, throwIfAborted } from '../core/errors.js';
import { findQuoteProblem, invalidUtf8At, scanCsv, linesOfRows, type BadLine } from './csvscan.js';

export { invalidUtf8At };
import { compressionOf, decompressSync, innerName } from './compression.js';
import { isStreamPath } from '../core/paths.js';
import { DEFAULT_NULL_VALUES, type CsvOptions } from './csv-options.js';

export type TableFormat = 'csv' | 'parquet' | 'ndjson';

export interface ReadOptions {
  format?: TableFormat;
  csv?: Partial<CsvOptions>;
  /** how the file is named in errors (default: the path as given) */
  displayName?: string;
  /** stdin contents for '-' (tests); default reads process.stdin */
  stdin?: Buffer;
  /** CSV columns read as text whatever they look like (series ids: "02" and "007" stay themselves) */
  textColumns?: string[];
  /**
   * CSV columns read with a given type (by their final names): what a model expects, so that every batch
   * of a stream has the same types; a value that does not parse is a data error naming its line
   */
  dtypes?: Record<string, ColumnDtype>;
  /** maps a line of the bytes read to the line of the whole input (a batch of a stream) */
  lineMap?: (line: number) => number;
  /** no data rows is not an error (a batch of a stream that held only blank or comment lines) */
  allowEmpty?: boolean;
  /** CSV: a blank line after the header is a data error naming its line, not skipped (detect: every line is a row) */
  blankLinesAreRows?: boolean;
  /** the input's bytes, already read (a FIFO, /dev/stdin, process substitution: see loadTable) */
  bytes?: Buffer;
  /**
   * CSV: columns outside `dtypes` and `textColumns` are read as text, without polars' type inference
   * (which costs as much as the parse): for a reader that only uses the columns it types
   */
  untypedAsText?: boolean;
}

export interface Table {
  frame: Frame;
  /** name used in messages */
  name: string;
  format: TableFormat;
  /** physical line (CSV) or record number (NDJSON) or row number (Parquet) of a 0-based data row */
  lineOf(row: number): number;
  /** notes for the user (blank lines skipped, ...) */
  notes: string[];
  /** blank lines skipped (CSV) */
  blankLines?: number;
}


export function dtypeOf(dt: unknown): ColumnDtype {
  const v = String((dt as any)?.variant ?? dt);
  if (/^U?Int\d+$/.test(v)) return 'int64';
  if (/^Float\d+$/.test(v)) return 'float64';
  if (v === 'Bool') return 'bool';
  return 'string';
}

/**
 * Column names and dtypes. Each is read from the frame once: every property access on a polars frame
 * (`columns`, `dtypes`, `getColumn`, ...) lists all its column names, so per-column access through the
 * frame is quadratic on wide data (500 x 5,000: ~10 s here for `frame.dtypes[i]` in the loop).
 */
export function schemaOf(frame: Frame): ColumnInfo[] {
  const names = frame.columns;
  const dtypes = frame.dtypes;
  return names.map((name, i) => ({ name, dtype: dtypeOf(dtypes[i]) }));
}

/**
 * The text columns of a frame as series, with one access to the frame (never frame.getColumn in a loop:
 * O(columns) each; and a series object costs about a millisecond to make, so only these columns).
 */
function textSeries(frame: Frame, skip?: Set<string>): ReturnType<Frame['getColumn']>[] {
  const names = schemaOf(frame).filter((c) => c.dtype === 'string' && !skip?.has(c.name)).map((c) => c.name);
  return names.length ? frame.select(...names).getColumns() : [];
}

/**
 * All bytes of a stream (stdin, a FIFO, a device) without blocking the event loop, so that Ctrl-C is
 * handled while a slow writer is still writing; InterruptedError when `signal` aborts first (the stream
 * is destroyed).
 */
function readAll(stream: NodeJS.ReadableStream & { destroy(): void }, name: string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onData = (c: Buffer) => { chunks.push(c); };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)); };
    const onError = (e: Error) => { cleanup(); reject(new DataError(`cannot read: ${e.message}`, { file: name })); };
    const onAbort = () => { cleanup(); stream.destroy(); reject(new InterruptedError()); };
    if (signal?.aborted) { onAbort(); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Paths that name this process's own stdin: read through process.stdin (a socket there cannot be opened by path). */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export type InputStream = NodeJS.ReadableStream & AsyncIterable<Buffer> & { destroy(err?: Error): void };

/**
 * A readable stream of a data path, for reading it as it comes. A FIFO (a named pipe, `<(process
 * substitution)`, `/dev/stdin` on a pipe) is read through a non-blocking pipe handle, not fs.ReadStream:
 * fs reads a FIFO with a blocking read() in libuv's thread pool that destroy() cannot end, so Ctrl-C
 * waited until the writer wrote again or closed (and the pending read kept the process alive). The
 * FIFO is opened O_NONBLOCK (Linux: the open does not wait for a writer, and the poll waits for the
 * first one rather than reporting end of input). A terminal is read as one; regular files and other
 * devices through fs.
 */
export function openInputStream(file: string): InputStream {
  if (STDIN_PATHS.has(file) && !isRegularFd(0)) return process.stdin as unknown as InputStream;
  const st = statSync(file);
  if (st.isFIFO() && process.platform === 'linux') {
    const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      return new net.Socket({ fd, readable: true, writable: false }) as unknown as InputStream;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }
  if (st.isCharacterDevice()) {
    const fd = openSync(file, 'r');
    if (tty.isatty(fd)) return new tty.ReadStream(fd) as unknown as InputStream;
    return createReadStream(file, { fd, highWaterMark: 1 << 20 }) as unknown as InputStream;
  }
  return createReadStream(file, { highWaterMark: 1 << 20 }) as unknown as InputStream;
}

function isRegularFd(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** All of stdin (see readAll); a terminal on stdin is a data error (nothing was piped in). */
export function readStdinAsync(signal?: AbortSignal): Promise<Buffer> {
  if (process.stdin.isTTY) return Promise.reject(new DataError("no data piped in: '-' reads the table from stdin (e.g. cat data.csv | mlkit ...)", { file: '-' }));
  return readAll(process.stdin, '-', signal);
}

/**
 * readTable for tasks: stdin ('-') is read without blocking the event loop, and the read is skipped when
 * the run was already cancelled.
 */
export async function loadTable(file: string, opts: ReadOptions, signal?: AbortSignal, log?: { debug(m: string): void }): Promise<Table> {
  throwIfAborted(signal);
  log?.debug(file === '-' ? (opts.stdin ? 'reading the table given for stdin' : 'reading stdin') : `reading ${file}`);
  let o = file === '-' && !opts.stdin ? { ...opts, stdin: await readStdinAsync(signal) } : opts;
  if (file !== '-' && !opts.bytes && isStreamPath(file)) {
    // a FIFO, /dev/stdin or <(process substitution): its size says nothing; read it to its end
    o = { ...opts, bytes: await readAll(openInputStream(file), opts.displayName ?? file, signal) };
  }
  throwIfAborted(signal);
  return readTable(file, o);
}

/**
 * Checks that an input path is a readable data file (or a FIFO, a device): not missing, not a folder,
 * not an empty regular file. A missing file's message says where it was looked for, when that differs
 * from the name given (a config's paths are relative to its folder).
 */
export function statInput(file: string, name: string): Stats {
  let st;
  try {
    st = statSync(file);
  } catch (e: any) {
    const abs = path.resolve(file);
    const where = abs !== name ? ` (looked for ${abs})` : '';
    if (e?.code === 'ENOENT' || e?.code === 'ENOTDIR') throw new DataError(`data file not found${where}`, { file: name });
    throw new DataError(`cannot read data file${where}: ${e?.message ?? e}`, { file: name });
  }
  if (st.isDirectory()) throw new DataError('is a folder, expected a data file', { file: name });
  if (st.isFile() && st.size === 0) throw new DataError('the file is empty (no header, no rows)', { file: name });
  return st;
}

/**
 * nodejs-polars' frames are Proxies that answer a property named like a column with that column, before
 * their own members: a column called "height" or "select" makes `frame.height` a series and breaks every
 * use of the frame. The frame members mlkit uses are refused as column names at read time, with the way
 * out, until mlkit renames such columns on the way in and out (a column named like a member mlkit does
 * not use, e.g. "sum", is harmless). Keep this list in step with the frame members src/ calls. The names
 * are read through the Proxy's ownKeys trap, which consults no property.
 */
const FRAME_MEMBERS_USED = new Set([
  'columns', 'dtypes', 'schema', 'height', 'width', 'shape', 'select', 'getColumn', 'getColumns', 'filter',
  'rename', 'slice', 'row', 'rows', 'drop', 'join', 'sort', 'head', 'tail', 'withColumns', 'withColumn',
  'writeCSV', 'writeJSON', 'writeParquet', 'toRecords', 'lazy', 'clone', 'unique', 'hstack', 'vstack',
]);
export function checkColumnNames(frame: Frame, name: string, line?: number): Frame {
  const names = Reflect.ownKeys(frame).map(String);
  // polars renames a repeated header name to NAME_duplicated_K: which of them a config means is unknowable
  const seen = new Set(names);
  const dup = names.map((c) => /^(.*)_duplicated_\d+$/.exec(c)?.[1]).find((b) => b !== undefined && seen.has(b));
  if (dup !== undefined) throw new DataError(`column ${JSON.stringify(dup)} appears more than once in the header; give each column its own name`, { file: name, line });
  const bad = names.find((c) => FRAME_MEMBERS_USED.has(c));
  if (bad !== undefined) {
    throw new DataError(`column name ${JSON.stringify(bad)} cannot be used yet: the table library (nodejs-polars) would take it for its own ${JSON.stringify(bad)}; rename the column (in the file, or with data.csv.column_names)`, { file: name, line });
  }
  return frame;
}

/** Reads the first bytes of a file to sniff line endings. */
function head(file: string, bytes = 65536): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    const n = readSync(fd, b, 0, bytes, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function firstLine(msg: string): string {
  return String(msg).split('\n')[0].trim();
}

/** Extensions that name a table format (case-insensitive); other names are sniffed from their first bytes. */
export const KNOWN_EXTENSIONS: Record<string, TableFormat> = { '.csv': 'csv', '.tsv': 'csv', '.parquet': 'parquet', '.pq': 'parquet', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

/** The format of bytes: Parquet's magic number, NDJSON's opening brace, else CSV. */
export function sniffFormat(bytes: Uint8Array): TableFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31) return 'parquet';
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b ? 'ndjson' : 'csv';
}

export function readTable(file: string, opts: ReadOptions = {}): Table {
  try {
    return readTableCore(file, opts);
  } catch (e) {
    // malformed input is a data error, never an internal one (polars' own messages, one line)
    if (e instanceof MlkitError) throw e;
    throw new DataError(`cannot read the table: ${firstLine((e as Error)?.message ?? String(e))}`, { file: opts.displayName ?? file });
  }
}

function readTableCore(file: string, opts: ReadOptions): Table {
  const name = opts.displayName ?? file;
  let format = opts.format ?? KNOWN_EXTENSIONS[path.extname(innerName(file)).toLowerCase()];
  let buf: Buffer | undefined;
  if (opts.bytes) {
    buf = opts.bytes;
    if (buf.length === 0) throw new DataError('the input is empty (no header, no rows)', { file: name });
  } else if (file === '-') {
    if (!opts.stdin) throw new Error("internal: readTable('-') needs stdin's bytes (loadTable reads them)");
    buf = opts.stdin;
  } else {
    statInput(file, name);
  }
  // gzip or zstd, whatever the name: decompressed first (the table is in memory anyway)
  const kind = compressionOf(buf ?? head(file, 4));
  if (kind) {
    buf = decompressSync(buf ?? readFileSync(file), kind, name);
    if (buf.length === 0) throw new DataError('the input is empty once decompressed', { file: name });
  }
  // stdin and names without a known extension: the format from the first bytes
  format ??= sniffFormat(buf ?? head(file, 64));
  if (format === 'parquet') return readParquet(buf ?? file, name);
  if (format === 'ndjson') return readNdjson(buf ?? file, name, opts);
  return readCsv(file, buf, name, opts);
}

/**
 * What to hand a polars reader: nodejs-polars takes a string for a path only when it ends in one of the
 * reader's extensions (exactly, e.g. ".csv"), and for the data itself otherwise (a file named adult.data,
 * x.txt, x.CSV or with no extension was parsed as its own name). Anything else is passed as its bytes.
 */
function polarsSource(file: string, extensions: readonly string[]): string | Buffer {
  const { base, ext, name } = path.parse(file);
  return base && ext && name && extensions.includes(ext) ? file : readFileSync(file);
}

function readParquet(src: string | Buffer, name: string): Table {
  let frame: Frame;
  try {
    frame = pl.readParquet((typeof src === 'string' ? polarsSource(src, ['.parquet']) : src) as any);
    checkColumnNames(frame, name);
  } catch (e: any) {
    if (e instanceof DataError) throw e;
    throw new DataError(`not a readable Parquet file: ${firstLine(e?.message)}`, { file: name });
  }
  if (frame.height === 0) throw new DataError('the file has no rows', { file: name });
  return { frame, name, format: 'parquet', lineOf: (r) => r + 1, notes: [] };
}

/**
 * NDJSON: one JSON object per line. Blank lines are skipped and counted (or, with blankLinesAreRows, an
 * error naming the line); a line that does not parse, is not an object, or gives a column read as float64
 * (opts.dtypes) a value that is not a number is an error naming its line (polars' own messages name no
 * line, and a blank line of spaces or a `null` line made it panic).
 */
function readNdjson(src: string | Buffer, name: string, opts: ReadOptions = {}): Table {
  const body = typeof src === 'string' ? readFileSync(src) : src;
  const lineMap = opts.lineMap ?? ((l: number) => l);
  const fail = (bad: BadLine): never => { throw new DataError(bad.message, { file: name, line: lineMap(bad.line), col: bad.col }); };
  // a look at each line's first byte: blank lines, and lines that cannot be objects (checked in full, up to
  // the first of those, so that the first bad line in line order is the one named)
  const look = lookAtNdjsonLines(body, opts.blankLinesAreRows === true);
  if (look.suspect >= 0) {
    const first = findBadNdjsonLines(body, { dtypes: opts.dtypes, blankIsBad: opts.blankLinesAreRows === true, first: true, until: look.suspect }).bad[0];
    if (first) fail(first);
  }
  // blank lines are dropped before polars sees them; kept[k] is the line of row k
  let bytes = body;
  let kept: Int32Array | undefined;
  if (look.blank.length) {
    const drop = new Set(look.blank);
    const parts: Buffer[] = [];
    const lines: number[] = [];
    let line = 0;
    for (let start = 0; start < body.length;) {
      const nl = body.indexOf(10, start);
      const end = nl < 0 ? body.length : nl + 1;
      line++;
      if (!drop.has(line)) { parts.push(body.subarray(start, end)); lines.push(line); }
      start = end;
    }
    bytes = Buffer.concat(parts);
    kept = Int32Array.from(lines);
  }
  const lineOf = (r: number): number => lineMap(kept ? kept[r] ?? r + 1 : r + 1);
  const notes = look.blank.length ? [`${name}: skipped ${look.blank.length} blank line(s)`] : [];
  let frame: Frame;
  if (bytes.length === 0) {
    if (!opts.allowEmpty) throw new DataError('the file has no rows', { file: name });
    return { frame: pl.DataFrame({}), name, format: 'ndjson', lineOf, notes, blankLines: look.blank.length };
  }
  const locate = (): BadLine | undefined => {
    const b = findBadNdjsonLines(bytes, { dtypes: opts.dtypes, blankIsBad: false, first: true, conflicts: true }).bad[0];
    return b && { ...b, line: kept ? kept[b.line - 1] ?? b.line : b.line };
  };
  try {
    // nodejs-polars 0.24's path reader for lines calls a missing native function; its buffer reader
    // handles newline-delimited JSON
    frame = pl.readJSON(bytes, { format: 'lines' } as any);
  } catch (e: any) {
    const bad = locate();
    if (bad) fail(bad);
    throw new DataError(`not readable as NDJSON: ${firstLine(e?.message)}`, { file: name });
  }
  checkColumnNames(frame, name); // no line: the names are every line's keys
  // a column read as float64 by the caller that polars made text: a line gives it a value that is not a number
  if (opts.dtypes) {
    const types = new Map(schemaOf(frame).map((c) => [c.name, c.dtype]));
    const numeric = Object.entries(opts.dtypes).some(([c, t]) => (t === 'float64' || t === 'int64') && types.has(c) && types.get(c) !== 'float64' && types.get(c) !== 'int64');
    if (numeric) {
      const bad = locate();
      if (bad) fail(bad);
    }
  }
  if (frame.height === 0 && !opts.allowEmpty) throw new DataError('the file has no rows', { file: name });
  return { frame, name, format: 'ndjson', lineOf, notes, blankLines: look.blank.length };
}

/**
 * The 1-based lines of NDJSON bytes that are blank (spaces, tabs, CR only), and the first line that
 * cannot be a JSON object (its first byte after blanks is not "{"), or -1; `blankIsBad`: a blank line is
 * such a line too.
 */
function lookAtNdjsonLines(body: Buffer, blankIsBad: boolean): { blank: number[]; suspect: number } {
  const blank: number[] = [];
  let line = 0;
  for (let start = 0; start < body.length;) {
    const nl = body.indexOf(10, start);
    const end = nl < 0 ? body.length : nl;
    line++;
    let i = start;
    while (i < end && (body[i] === 32 || body[i] === 9 || body[i] === 13)) i++;
    if (i === end) {
      if (blankIsBad) return { blank, suspect: line };
      blank.push(line);
    } else if (body[i] !== 0x7b && !(line === 1 && i === start && body[i] === 0xef && body[i + 1] === 0xbb && body[i + 2] === 0xbf && body[i + 3] === 0x7b)) {
      return { blank, suspect: line };
    }
    start = end + 1;
  }
  return { blank, suspect: -1 };
}

const JSON_KINDS = ['a number', 'text', 'a boolean', 'an object', 'a list'] as const;
const JSON_KINDS_PLURAL = ['numbers', 'text', 'booleans', 'objects', 'lists'] as const;
function jsonKind(v: unknown): number {
  return typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 4 : 3;
}

/**
 * The lines of NDJSON bytes the reader refuses, with the reason (see readNdjson), and the rows (objects)
 * counted. `first`: stop at the first; `until`: look no further than this line; `conflicts`: also a value
 * of another kind than the column's first one (a boolean where earlier lines have numbers: polars fails
 * without naming the line), text and numbers excepted (polars makes such a column text).
 */
export function findBadNdjsonLines(body: Buffer, o: { dtypes?: Record<string, ColumnDtype>; blankIsBad: boolean; first?: boolean; until?: number; conflicts?: boolean }): { bad: BadLine[]; rows: number } {
  const bad: BadLine[] = [];
  const numeric = o.dtypes ? Object.entries(o.dtypes).filter(([, t]) => t === 'float64' || t === 'int64').map(([c]) => c) : [];
  const utf8 = isUtf8(body);
  const kinds = new Map<string, number>();
  let rows = 0;
  let line = 0;
  for (let start = 0; start < body.length;) {
    const nl = body.indexOf(10, start);
    const end = nl < 0 ? body.length : nl + 1;
    line++;
    if (o.until !== undefined && line > o.until) break;
    const s = start;
    start = end;
    const leave = (message: string, col?: number) => { bad.push({ start: s, end, line, lines: 1, col, message, rowsBefore: rows }); };
    const text = body.toString('utf8', s, end).trim();
    if (text === '') {
      if (o.blankIsBad) leave('an empty line');
      if (bad.length && o.first) break;
      continue;
    }
    const u = utf8 ? -1 : invalidUtf8At(body, s, end);
    if (u >= 0) {
      leave(`not UTF-8 text (byte 0x${body[u]!.toString(16).padStart(2, '0')}); convert the file, e.g. iconv -f latin1 -t utf-8`, u - s + 1);
    } else {
      let v: unknown;
      let ok = true;
      try {
        v = JSON.parse(text);
      } catch (e) {
        ok = false;
        // Node's words without the place (the line is named) or the text again
        leave(`not valid JSON (${(e as Error).message.replace(/ (in|after) JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '')})`);
      }
      if (ok) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          leave(`not a JSON object (each NDJSON line is one record: {"column": value, ...}), found ${text.length > 40 ? text.slice(0, 37) + '...' : text}`);
        } else {
          const rec = v as Record<string, unknown>;
          let why: string | undefined;
          // JSON.parse keeps a repeated key's last value, polars its first: such a record is neither
          const dup = repeatedKey(text);
          if (dup !== undefined) why = `key ${JSON.stringify(dup)} appears twice in the record`;
          for (const c of why === undefined ? numeric : []) {
            const x = rec[c];
            if (x !== undefined && x !== null && typeof x !== 'number') { why = `column "${c}": ${JSON.stringify(x)} is not a number`; break; }
          }
          if (why === undefined && o.conflicts) {
            for (const [k, x] of Object.entries(rec)) {
              if (x === null) continue;
              const kind = jsonKind(x);
              const was = kinds.get(k);
              if (was === undefined) kinds.set(k, kind);
              else if (was !== kind && !(was <= 1 && kind <= 1)) { why = `column "${k}": ${JSON.stringify(x)} is ${JSON_KINDS[kind]} where the lines before have ${JSON_KINDS_PLURAL[was]}`; break; }
            }
          }
          if (why !== undefined) leave(why);
          else rows++;
        }
      }
    }
    if (bad.length && o.first) break;
  }
  return { bad, rows };
}

/** The first key that appears twice at the top level of one JSON object's text, if any. */
export function repeatedKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (text[k] === ' ' || text[k] === '\t' || text[k] === '\r' || text[k] === '\n') k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

const PARSE_ERR = /could not parse `([^`]*)` as dtype `(\w+)` at column '([^']*)'/;

/** per float column the count of infinite values (built once: an expression costs about a millisecond) */
let INF_COUNTS: ReturnType<typeof pl.col> | undefined;

function readCsv(file: string, stdinBuf: Buffer | undefined, name: string, opts: ReadOptions): Table {
  const csvOpts: Partial<CsvOptions> = opts.csv ?? {};
  const textColumns = opts.textColumns ?? [];
  const sep = csvOpts.delimiter ?? ',';
  const quote = csvOpts.quote_char ?? '"';
  const hasHeader = csvOpts.has_header ?? true;
  const nullValues = csvOpts.null_values ?? DEFAULT_NULL_VALUES;
  let buf: Buffer | undefined = stdinBuf;
  // CR-only line endings (old Mac style): polars cannot split them; convert to LF.
  const sniff = buf ? buf.subarray(0, 65536) : head(file);
  if (sniff.length === 0) throw new DataError('the input is empty (no header, no rows)', { file: name });
  if (sniff.includes(13) && !sniff.includes(10)) {
    buf = Buffer.from(buf ?? readFileSync(file));
    for (let i = 0; i < buf.length; i++) if (buf[i] === 13) buf[i] = 10;
  }
  // a path polars would take for CSV text is read into memory first (see polarsSource)
  if (!buf) {
    const src = polarsSource(file, ['.csv', '.tsv']);
    if (typeof src !== 'string') buf = src;
  }
  // skip_rows and comment lines are dropped here, keeping each kept line's physical number for messages
  let physical: Int32Array | undefined;
  // blank lines before the header: polars skips them, the line scanner would count them as rows; drop them
  // here like skipped lines (their physical numbers kept)
  const leading = leadingBlankLines(buf ?? sniff, csvOpts.skip_rows ?? 0);
  if ((csvOpts.skip_rows ?? 0) > 0 || csvOpts.comment_prefix || leading > 0) {
    const kept = dropLines(buf ?? readFileSync(file), (csvOpts.skip_rows ?? 0) + leading, csvOpts.comment_prefix);
    buf = kept.bytes;
    physical = kept.physical;
    if (buf.length === 0) throw new DataError('no header and no rows (only skipped, comment or blank lines)', { file: name });
  }
  let fileBuf: Buffer | undefined = buf;
  const bytes = (): Buffer => (fileBuf ??= readFileSync(file));
  const sepCode = sep.charCodeAt(0);
  const quoteCode = quote.charCodeAt(0);
  const lineMap = opts.lineMap ?? ((l: number) => l);
  const toPhysical = (line: number): number => lineMap(physical ? physical[line - 1] ?? line : line);
  // rows as polars counts them (a blank line is a row until dropped below) and as kept
  const lineOfRaw = (row: number): number => toPhysical(linesOfRows(bytes(), sepCode, quoteCode, hasHeader, [row]).get(row) ?? row + (hasHeader ? 2 : 1));
  let keptRows: Int32Array | undefined;
  const lineOf = (row: number): number => lineOfRaw(keptRows ? keptRows[row] ?? row : row);

  // text never carries a NUL byte: a binary file or a broken export, not data
  if (fileBuf) {
    const nul = fileBuf.indexOf(0);
    if (nul >= 0) throw nulError(fileBuf, nul, name, toPhysical);
  }
  const dtypes: Record<string, any> = {};
  const forced = new Set(textColumns);
  for (const c of textColumns) dtypes[c] = pl.Utf8;
  if (opts.dtypes) {
    const rename = csvOpts.column_names ? rawNames(buf ?? file, csvOpts, sep, quote) : undefined;
    for (const [c, dt] of Object.entries(opts.dtypes)) {
      const raw = rename ? rename.get(c) : c;
      // with trim, numbers may come with spaces: read as text, trimmed and converted below
      if (raw === undefined || (csvOpts.trim && dt !== 'string')) continue;
      dtypes[raw] = POLARS_DTYPES[dt];
      if (dt === 'string') forced.add(c);
    }
  }
  // (not with trim: its typed numeric columns are read untyped, then converted, see trimColumns)
  const untypedAsText = opts.untypedAsText === true && !csvOpts.trim;
  const base = {
    sep, quoteChar: quote, hasHeader, nullValues,
    ignoreErrors: false, truncateRaggedLines: false, inferSchemaLength: untypedAsText ? 0 : 10000, raiseIfEmpty: true,
  };
  let frame: Frame | undefined;
  for (let attempt = 0; attempt < 1000 && !frame; attempt++) {
    try {
      frame = pl.readCSV((buf ?? file) as any, { ...base, dtypes } as any);
    } catch (e: any) {
      const msg = String(e?.message ?? e);
      const m = PARSE_ERR.exec(msg);
      if (m) {
        const [, value, , col] = m;
        if (value.trim() !== '' && Number.isFinite(Number(value)) && dtypes[col] === undefined) {
          // an integer column with a float further down than schema inference looked: widen and retry
          dtypes[col] = pl.Float64;
          continue;
        }
      }
      // a quoting problem misleads polars' messages (no line, "expected 1 rows"): name it first
      const q = findQuoteProblem(bytes(), sepCode, quoteCode);
      if (q) throw new DataError(q.problem, { file: name, line: toPhysical(q.line), col: q.col });
      // a byte that is not UTF-8 in a number ("2.03\xe9"): polars shows it as U+FFFD in its parse error,
      // and re-reading the column as text fails without a line; the bad byte names the line
      if (m && m[1]!.includes('\uFFFD') && invalidUtf8At(bytes()) >= 0) throw utf8Error(bytes(), name, toPhysical);
      if (m) {
        const stray = strayValueError(file, buf, name, base, m[3]!, lineOfRaw, m[1]);
        // the column could not be re-read as text: bytes that are not UTF-8 elsewhere (they name a line)
        if (stray.place.line === undefined && invalidUtf8At(bytes()) >= 0) throw utf8Error(bytes(), name, toPhysical);
        throw stray;
      }
      if (/more fields than defined/i.test(msg)) throw raggedError(bytes(), sepCode, quoteCode, name, hasHeader, toPhysical);
      if (/empty CSV|no data/i.test(msg)) throw new DataError('the input is empty (no header, no rows)', { file: name });
      if (/invalid utf-8/i.test(msg)) throw utf8Error(bytes(), name, toPhysical);
      throw new DataError(`cannot parse CSV: ${firstLine(msg)}`, { file: name });
    }
  }
  if (!frame) throw new DataError('cannot parse CSV', { file: name });
  if (csvOpts.column_names) {
    // first, so that column_names can rename a column the frame cannot carry (checkColumnNames)
    const names = csvOpts.column_names;
    const raw = Reflect.ownKeys(frame).map(String);
    if (names.length !== raw.length) throw new DataError(`data.csv.column_names has ${names.length} name(s), but the rows have ${raw.length} field(s)`, { file: name, line: toPhysical(1) });
    frame = frame.rename(Object.fromEntries(raw.map((c, i) => [c, names[i]!])));
  }
  checkColumnNames(frame, name, toPhysical(1));

  if (frame.height === 0 && !opts.allowEmpty) throw new DataError('the file has a header but no data rows', { file: name, line: toPhysical(1) });
  const notes: string[] = [];
  let blankLines = 0;
  // polars fills short rows with nulls and turns blank lines into all-null rows; both leave a null in
  // the last column, so only then scan the text.
  const last = frame.getColumn(frame.columns[frame.width - 1]);
  if (last.nullCount() > 0) {
    const expected = frame.width;
    const blanks: number[] = [];
    let bad: { line: number; fields: number } | undefined;
    let blankAt: number | undefined;
    scanCsv(bytes(), sepCode, quoteCode, (r) => {
      if (r.fields === 0 && opts.blankLinesAreRows && (!hasHeader || r.index > 0)) { blankAt = r.line; return true; }
      if (r.fields === 0) { blanks.push(hasHeader ? r.index - 1 : r.index); return false; }
      if (r.fields !== expected) { bad = { line: r.line, fields: r.fields }; return true; }
      return false;
    });
    if (bad) throw new DataError(`ragged row: expected ${expected} fields (as in the header), found ${bad.fields}`, { file: name, line: toPhysical(bad.line) });
    if (blankAt !== undefined) throw new DataError('an empty line', { file: name, line: toPhysical(blankAt) });
    if (blanks.length) {
      const drop = new Set(blanks.filter((b) => b >= 0 && b < frame!.height));
      if (drop.size) {
        const keep = pl.Series('keep', Array.from({ length: frame.height }, (_, i) => !drop.has(i)));
        keptRows = Int32Array.from({ length: frame.height }, (_, i) => i).filter((i) => !drop.has(i));
        frame = frame.filter(keep as any);
        notes.push(`${name}: skipped ${drop.size} blank line(s)`);
        blankLines = drop.size;
      }
    }
    if (frame.height === 0 && !opts.allowEmpty) throw new DataError(`the file has ${hasHeader ? 'a header but ' : ''}no data rows (only blank lines)`, { file: name, line: toPhysical(1) });
  }
  // names: polars keeps the doubled quotes of a quoted header name, and turns bytes that are not UTF-8
  // into U+FFFD; the first are unescaped, the second is an error as anywhere else in the file
  if (frame.columns.some((c) => c.includes('\uFFFD')) && invalidUtf8At(bytes()) >= 0) throw utf8Error(bytes(), name, toPhysical);
  const doubled = quote + quote;
  if (frame.columns.some((c) => c.includes(doubled))) {
    const names = frame.columns.map((c) => c.split(doubled).join(quote));
    if (new Set(names).size === names.length) frame = frame.rename(Object.fromEntries(frame.columns.map((c, i) => [c, names[i]!])));
  }
  // without the input's bytes (polars read the file itself), a NUL can only be in a text value
  if (!fileBuf) checkNulInText(frame, name, lineOf);
  // columns read as text on purpose (untypedAsText: the reader does not use them) are not checked for numbers
  if (untypedAsText) for (const c of schemaOf(frame)) if (c.dtype === 'string' && opts.dtypes?.[c.name] === undefined) forced.add(c.name);
  // Spaces after the delimiter (", "-separated files such as UCI Adult's raw format) make numbers text:
  // with csv.trim they are stripped (and null markers matched again); without it such a column is an
  // error, never silently text (a categorical feature).
  frame = trimColumns(frame, csvOpts.trim === true, nullValues, name, lineOf, forced);
  // Infinity ("inf" is a number to polars) is not data: say where it is, before a transformer or an
  // engine finds it at some row of a shuffled matrix. One query over every float column (one frame access, not one per column: see schemaOf); the first
  // column with one is then looked at alone.
  const floats = schemaOf(frame).filter((c) => c.dtype === 'float64').map((c) => c.name);
  // (selected by dtype: the same columns in the same order, and twice as fast as 5,000 names)
  const infCounts = floats.length ? (frame.select((INF_COUNTS ??= pl.col(pl.Float64).isInfinite().sum())).row(0) as unknown[]) : [];
  const k = infCounts.findIndex((v) => Number(v) > 0);
  if (k >= 0) {
    const col = floats[k]!;
    const s = frame.getColumn(col);
    const idx = Number(s.isInfinite().argTrue().toArray()[0]);
    throw new DataError(`column "${col}": an infinite value (${s.get(idx)}); give numbers (an empty cell or NaN for a missing value)`, { file: name, line: lineOf(idx) });
  }
  // A column of numbers with a few stray words is read as text by polars' inference: refuse it.
  for (const s of textSeries(frame, forced)) { // columns in `forced` are read as text on purpose
    const col = s.name;
    const nonNull = s.len() - s.nullCount();
    if (nonNull === 0) continue;
    const asNum = s.cast(pl.Float64, false);
    const failed = asNum.nullCount() - s.nullCount();
    if (failed === 0) {
      // every value is a number, yet polars inferred text: "Inf"/"Infinity" spellings it does not take as
      // Float64 when inferring; never let such a column become text (categorical)
      const nums = asNum.toArray() as (number | null)[];
      const idx = nums.findIndex((v) => v === Infinity || v === -Infinity);
      if (idx >= 0) {
        const strs = s.toArray() as (string | null)[];
        throw new DataError(`column "${col}": ${JSON.stringify(strs[idx])} is infinite; give numbers (an empty cell or NaN for a missing value)`, { file: name, line: lineOf(idx) });
      }
    }
    if (failed > 0 && failed <= Math.max(1, Math.floor(nonNull * 0.1)) && nonNull - failed >= 2 * failed) {
      const strs = s.toArray() as (string | null)[];
      const nums = asNum.toArray() as (number | null)[];
      let idx = 0;
      while (idx < strs.length && !(strs[idx] !== null && nums[idx] === null)) idx++;
      throw new DataError(
        `column "${col}": ${JSON.stringify(strs[idx])} is not a number (the column is otherwise numeric; fix the value or add it to data.csv.null_values)`,
        { file: name, line: lineOf(idx) },
      );
    }
  }
  return { frame, name, format: 'csv', lineOf, notes, blankLines };
}

const POLARS_DTYPES: Record<ColumnDtype, unknown> = { float64: pl.Float64, int64: pl.Float64, bool: pl.Bool, string: pl.Utf8 };

/** final column name -> the name polars gives it (header's, or column_N), when data.csv.column_names renames */
function rawNames(src: string | Buffer, csvOpts: Partial<CsvOptions>, sep: string, quote: string): Map<string, string> {
  const names = csvOpts.column_names ?? [];
  let raw: string[];
  if (csvOpts.has_header ?? true) {
    const bytes = typeof src === 'string' ? head(src) : src;
    // the header alone: polars' own parse of it (quoting included)
    const end = headerEnd(bytes, quote.charCodeAt(0));
    raw = Reflect.ownKeys(pl.readCSV(Buffer.concat([bytes.subarray(0, end), Buffer.from("\n")]), { sep, quoteChar: quote, hasHeader: true } as any)).map(String);
  } else {
    raw = names.map((_, i) => `column_${i + 1}`);
  }
  return new Map(names.map((n, i) => [n, raw[i] ?? n]));
}

/** The byte offset just past the first record (the header), quote-aware. */
export function headerEnd(bytes: Uint8Array, quote: number): number {
  let inQuotes = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === quote) inQuotes = !inQuotes;
    else if (c === 10 && !inQuotes) return i + 1;
  }
  return bytes.length;
}

/** 1-based line and column (in bytes) of a byte offset. */
function lineColOf(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = (bytes as Buffer).indexOf(10); i >= 0 && i < offset; i = (bytes as Buffer).indexOf(10, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function nulError(bytes: Buffer, offset: number, name: string, toPhysical: (line: number) => number): DataError {
  const { line, col } = lineColOf(bytes, offset);
  return new DataError('a NUL byte: this is not a text table (a binary file, or the wrong --format?)', { file: name, line: toPhysical(line), col });
}

function checkNulInText(frame: Frame, name: string, lineOf: (row: number) => number): void {
  const badName = frame.columns.find((c) => c.includes('\0'));
  if (badName !== undefined) throw new DataError(`a NUL byte in the column name ${JSON.stringify(badName)}: this is not a text table`, { file: name, line: 1 });
  for (const s of textSeries(frame)) {
    const col = s.name;
    const where = s.str.contains('\x00' as any).argTrue();
    if (where.len() === 0) continue;
    const row = Number(where.toArray()[0]);
    throw new DataError(`column "${col}": a NUL byte in a value; this is not a text table (a binary file, or the wrong --format?)`, { file: name, line: lineOf(row) });
  }
}

function utf8Error(bytes: Buffer, name: string, toPhysical: (line: number) => number): DataError {
  const at = invalidUtf8At(bytes);
  if (at < 0) return new DataError('the input is not valid UTF-8 text', { file: name });
  const { line, col } = lineColOf(bytes, at);
  return new DataError(`not UTF-8 text (byte 0x${bytes[at]!.toString(16).padStart(2, '0')}); convert the file, e.g. iconv -f latin1 -t utf-8`, { file: name, line: toPhysical(line), col });
}

/** A text column's values as numbers when every non-empty value is one (Int64 when all are integers), else undefined. */
function asNumbers(s: ReturnType<Frame['getColumn']>): ReturnType<Frame['getColumn']> | undefined {
  const nonNull = s.len() - s.nullCount();
  if (nonNull === 0) return undefined;
  const f = s.cast(pl.Float64, false);
  if (f.nullCount() !== s.nullCount()) return undefined;
  const vals = f.toArray() as (number | null)[];
  const ints = vals.every((v) => v === null || Number.isInteger(v));
  return ints ? s.cast(pl.Int64, false) : f;
}

function trimColumns(frame: Frame, trim: boolean, nullValues: string[], name: string, lineOf: (row: number) => number, forced: Set<string>): Frame {
  const nulls = new Set(nullValues);
  let out = frame;
  if (trim && frame.columns.some((c) => c !== c.trim())) {
    const names = frame.columns.map((c) => c.trim());
    const dup = names.find((c, i) => names.indexOf(c) !== i);
    if (dup !== undefined) throw new DataError(`two columns are named ${JSON.stringify(dup)} once trimmed`, { file: name, line: 1 });
    out = out.rename(Object.fromEntries(frame.columns.map((c, i) => [c, names[i]!])));
  }
  frame = out;
  // without trim, a column read as text on purpose needs no look: its spaces stay, it is never numbers
  for (const s of textSeries(frame, trim ? undefined : forced)) {
    const col = s.name;
    // a vectorized look first: most text columns have no value with spaces around it
    if (s.str.contains('^\\s|\\s$' as any).argTrue().len() === 0) continue;
    const raw = s.toArray() as (string | null)[];
    if (!raw.some((v) => v !== null && v !== v.trim())) continue;
    const trimmed = pl.Series(col, raw.map((v) => (v === null ? null : nulls.has(v.trim()) ? null : v.trim())), pl.Utf8);
    const numeric = forced.has(col) ? undefined : asNumbers(trimmed);
    if (!trim) {
      if (numeric) {
        const idx = raw.findIndex((v) => v !== null && v !== v.trim());
        throw new DataError(`column "${col}": numbers with spaces around them (${JSON.stringify(raw[idx])}) are read as text; set data.csv.trim: true (e.g. for ", "-separated files)`, { file: name, line: lineOf(idx) });
      }
      continue;
    }
    out = out.withColumns((numeric ?? trimmed).rename(col));
  }
  return out;
}

/** How many empty lines (LF or CRLF) follow the first `skip` lines of `src`. */
function leadingBlankLines(src: Uint8Array, skip: number): number {
  let pos = 0;
  for (let k = 0; k < skip; k++) {
    const lf = (src as Buffer).indexOf(10, pos);
    if (lf < 0) return 0;
    pos = lf + 1;
  }
  let n = 0;
  while (pos < src.length) {
    if (src[pos] === 10) pos += 1;
    else if (src[pos] === 13 && src[pos + 1] === 10) pos += 2;
    else break;
    n++;
  }
  return n;
}

/**
 * The input without its first `skip` lines and without lines starting with `comment`, and for each kept
 * line its 1-based physical line number.
 */
function dropLines(src: Buffer, skip: number, comment: string | undefined): { bytes: Buffer; physical: Int32Array } {
  const prefix = comment ? Buffer.from(comment) : undefined;
  const parts: Buffer[] = [];
  const lines: number[] = [];
  let line = 0;
  for (let start = 0; start < src.length;) {
    let end = src.indexOf(10, start);
    end = end < 0 ? src.length : end + 1;
    line++;
    const text = src.subarray(start, end);
    if (line > skip && !(prefix && text.subarray(0, prefix.length).equals(prefix))) {
      parts.push(text);
      lines.push(line);
    }
    start = end;
  }
  return { bytes: Buffer.concat(parts), physical: Int32Array.from(lines) };
}

function strayValueError(
  file: string, buf: Buffer | undefined, name: string, base: Record<string, unknown>, col: string,
  lineOf: (row: number) => number, value?: string,
): DataError {
  // re-read the one column as text and find the value polars named (its CSV parser takes " 2", which a
  // cast to numbers refuses), else the first value that is neither null nor a number
  let s;
  try {
    s = pl.readCSV((buf ?? file) as any, { ...base, columns: [col], inferSchemaLength: 0 } as any).getColumn(col);
  } catch {
    return new DataError(`column "${col}": a value is not a number`, { file: name });
  }
  const strs = s.toArray() as (string | null)[];
  // (a quoted field is named with its quotes)
  const q = String(base.quoteChar ?? '"');
  const named = value !== undefined && value.length >= 2 && value.startsWith(q) && value.endsWith(q) ? value.slice(1, -1).split(q + q).join(q) : value;
  let idx = named === undefined ? -1 : strs.indexOf(named);
  if (idx < 0) {
    const nums = s.cast(pl.Float64, false).toArray() as (number | null)[];
    idx = 0;
    while (idx < strs.length && !(strs[idx] !== null && nums[idx] === null)) idx++;
  }
  if (idx >= strs.length) return new DataError(`column "${col}": a value is not a number`, { file: name });
  return new DataError(`column "${col}": ${JSON.stringify(strs[idx])} is not a number${strs[idx] === col ? ': a header line again (files joined with their headers?)' : ' (fix the value or add it to data.csv.null_values)'}`, { file: name, line: lineOf(idx) });
}

function raggedError(bytes: Buffer, sep: number, quote: number, name: string, hasHeader: boolean, toPhysical: (line: number) => number): DataError {
  let expected = -1;
  let bad: { line: number; fields: number } | undefined;
  scanCsv(bytes, sep, quote, (r) => {
    if (r.fields === 0) return false;
    if (expected < 0) { expected = r.fields; return false; }
    if (r.fields !== expected) { bad = { line: r.line, fields: r.fields }; return true; }
    return false;
  });
  if (!bad) return new DataError('a row has more fields than the header', { file: name });
  return new DataError(`ragged row: expected ${expected} fields (as in the ${hasHeader ? 'header' : 'first row'}), found ${bad.fields}`, { file: name, line: toPhysical(bad.line) });
}
