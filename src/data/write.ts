/**
 * Writing result tables: CSV/Parquet/NDJSON by extension, '-' = CSV on stdout. A regular file is
 * replaced atomically (temporary file + rename; through a symlink, its target); a device, FIFO or socket
 * is written in place. writeOutput writes a whole table; openTableWriter writes a stream of batches
 * with backpressure (CSV and NDJSON rows leave as they come; Parquet is buffered and written at close).
 */
import { accessSync, constants, createWriteStream, lstatSync, readlinkSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import pl from 'nodejs-polars';
import type { Frame } from '../core/types.js';
import type { TableFormat } from './read.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { checkWritableFile, fsReason, isStreamPath } from '../core/paths.js';

function writeAllStdout(buf: Buffer) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (e: any) {
      if (e?.code === 'EAGAIN') continue;
      if (e?.code === 'EPIPE') return;
      throw e;
    }
  }
}

const OUTPUT_EXTENSIONS: Record<string, TableFormat> = { '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

/**
 * The format of an output path from its extension (case-insensitive); '-' is CSV on stdout. An unknown
 * extension (p.json, p.txt, no extension) is a usage error: writing CSV into it would surprise.
 */
export function outputFormat(out: string): TableFormat {
  if (out === '-') return 'csv';
  const fmt = OUTPUT_EXTENSIONS[path.extname(out).toLowerCase()];
  // a device, FIFO or socket (/dev/stdout, a named pipe) without an extension gets CSV, as '-' does
  if (!fmt && isStreamPath(out)) return 'csv';
  if (!fmt) throw new UsageError(`--out ${out}: unknown output format "${path.extname(out) || '(no extension)'}"; use one of ${Object.keys(OUTPUT_EXTENSIONS).join(', ')} (or - for CSV on stdout)`);
  return fmt;
}


/** Where a regular-file output really is: a symlink (chain) is followed to its target, which may not exist yet. */
function linkTarget(abs: string): string {
  let p = abs;
  for (let i = 0; i < 40; i++) {
    let st;
    try { st = lstatSync(p); } catch { return p; }
    if (!st.isSymbolicLink()) return p;
    p = path.resolve(path.dirname(p), readlinkSync(p));
  }
  throw new UsageError(`cannot write ${abs}: too many levels of symbolic links`);
}

function checkStream(out: string): void {
  try {
    accessSync(out, constants.W_OK);
  } catch (e) {
    throw new UsageError(`cannot write ${out}: ${fsReason(e)}`);
  }
}

/** Checks an output path before any work: that it can be written, and its format. */
export function checkOutput(out: string): void {
  if (out === '-') return;
  if (isStreamPath(out)) checkStream(out);
  else checkWritableFile(linkTarget(path.resolve(out)));
  outputFormat(out);
}

/** Rows per CSV chunk on stdout: bounds the memory of the text form of a large table. */
const STDOUT_CHUNK_ROWS = 65536;

export function writeOutput(frame: Frame, out: string, signal?: AbortSignal): void {
  if (signal?.aborted) throw new InterruptedError();
  if (out === '-') {
    for (let off = 0; off === 0 || off < frame.height; off += STDOUT_CHUNK_ROWS) {
      const part = frame.height > STDOUT_CHUNK_ROWS ? frame.slice(off, STDOUT_CHUNK_ROWS) : frame;
      writeAllStdout(part.writeCSV({ includeHeader: off === 0 }) as Buffer);
    }
    return;
  }
  checkOutput(out);
  const fmt = outputFormat(out);
  if (isStreamPath(out)) {
    // a device, FIFO or socket is written in place (a temporary file renamed onto it would replace the node)
    try {
      writeFileSync(out, fmt === 'parquet' ? frame.writeParquet({ compression: 'snappy' } as any) as any : fmt === 'ndjson' ? frame.writeJSON({ format: 'lines' }) as any : frame.writeCSV() as any);
    } catch (e) {
      throw new UsageError(`cannot write ${out}: ${fsReason(e)}`);
    }
    return;
  }
  // a regular file is replaced atomically; through a symlink, its target is (the link stays)
  const abs = linkTarget(path.resolve(out));
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}`);
  try {
    if (fmt === 'parquet') frame.writeParquet(tmp, { compression: 'snappy' });
    else if (fmt === 'ndjson') writeFileSync(tmp, frame.writeJSON({ format: 'lines' }) as any);
    else frame.writeCSV(tmp); // polars writes the file itself: no text copy of the table in memory
    if (signal?.aborted) throw new InterruptedError(); // a cancelled run leaves no output file
    renameSync(tmp, abs);
  } catch (e: any) {
    rmSync(tmp, { force: true });
    if (e instanceof InterruptedError) throw e;
    if (typeof e?.code === 'string' && e.code.startsWith('E')) throw new UsageError(`cannot write ${out}: ${fsReason(e)}`);
    throw e;
  }
}

export interface TableWriter {
  /** writes a batch (its columns must be the first batch's); resolves when the sink accepts more */
  write(frame: Frame): Promise<void>;
  /** finishes the output: flushes, and renames a regular file's temporary file onto it */
  close(): Promise<void>;
  /** close() after an interrupt: keeps the rows written so far (the run's signal is ignored) */
  finish(): Promise<void>;
  /** drops the output (a regular file is left as it was); stdout and streams keep what was written */
  abort(): void;
  /** the reader of stdout went away (EPIPE, e.g. `| head`): stop producing rows */
  readonly gone: boolean;
  rows: number;
}

function encodeBatch(frame: Frame, fmt: TableFormat, first: boolean): Buffer {
  if (fmt === 'ndjson') return Buffer.from(frame.writeJSON({ format: 'lines' }) as any);
  return frame.writeCSV({ includeHeader: first }) as Buffer;
}

/**
 * A writer of row batches to `out` (checked first with checkOutput). Rows reach a CSV or NDJSON output
 * batch by batch, with backpressure (a slow reader of stdout or a FIFO slows the producer, memory stays
 * bounded); Parquet has to be written whole, so its batches are kept until close.
 */
export function openTableWriter(out: string, signal?: AbortSignal): TableWriter {
  if (signal?.aborted) throw new InterruptedError();
  const fmt = outputFormat(out);
  let sink: Writable;
  let tmp: string | undefined;
  let target: string | undefined;
  if (out === '-') sink = process.stdout;
  else {
    checkOutput(out);
    if (isStreamPath(out)) sink = createWriteStream(out, { flags: 'w' });
    else {
      target = linkTarget(path.resolve(out));
      tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}`);
      sink = createWriteStream(tmp, { flags: 'w', mode: 0o644 });
    }
  }
  let failure: Error | undefined;
  let gone = false;
  let first = true;
  let schema: { names: string[]; dtypes: unknown[] } | undefined;
  const parquet: Frame[] = [];
  const onError = (e: NodeJS.ErrnoException) => {
    if (out === '-' && e?.code === 'EPIPE') { gone = true; return; }
    failure ??= new UsageError(`cannot write ${out}: ${fsReason(e)}`);
  };
  sink.on('error', onError);
  let keepOnAbort = false;
  const check = () => {
    if (failure) throw failure;
    if (signal?.aborted && !keepOnAbort) throw new InterruptedError();
  };
  const drain = () => new Promise<void>((resolve) => {
    const done = () => { sink.off('drain', done); sink.off('error', done); sink.off('close', done); signal?.removeEventListener('abort', done); resolve(); };
    sink.on('drain', done);
    sink.on('error', done);
    sink.on('close', done);
    signal?.addEventListener('abort', done, { once: true });
  });
  const w: TableWriter = {
    rows: 0,
    get gone() { return gone; },
    async write(frame: Frame) {
      check();
      if (gone) return;
      // every batch has the first one's column types (a column that is all empty in one batch, ...)
      if (!schema) schema = { names: frame.columns, dtypes: frame.dtypes };
      else if (frame.dtypes.some((d, i) => String(d) !== String(schema!.dtypes[i]))) {
        frame = frame.select(...schema.names.map((c, i) => pl.col(c).cast(schema!.dtypes[i] as any)));
      }
      w.rows += frame.height;
      if (fmt === 'parquet') { parquet.push(frame); return; }
      const buf = encodeBatch(frame, fmt, first);
      first = false;
      if (!sink.write(buf)) await drain();
      check();
    },
    async close() {
      check();
      if (fmt === 'parquet') {
        const whole = parquet.length === 1 ? parquet[0]! : pl.concat(parquet, { how: 'vertical' });
        parquet.length = 0;
        sink.write(whole.writeParquet({ compression: 'snappy' } as any) as any);
      }
      if (sink === process.stdout) {
        // a reader that went away (`| head`: EPIPE) never drains: then there is nothing left to wait for
        if (!gone && sink.writableNeedDrain) await drain();
        if (gone) return;
        check();
        return;
      }
      sink.end();
      try {
        await finished(sink);
      } catch (e) {
        onError(e as NodeJS.ErrnoException);
      }
      check();
      if (tmp && target) {
        try {
          renameSync(tmp, target);
        } catch (e) {
          rmSync(tmp, { force: true });
          throw new UsageError(`cannot write ${out}: ${fsReason(e)}`);
        }
      }
    },
    finish() {
      keepOnAbort = true;
      return w.close();
    },
    abort() {
      if (sink !== process.stdout) sink.destroy();
      if (tmp) rmSync(tmp, { force: true });
    },
  };
  return w;
}
