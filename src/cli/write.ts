/** Writing result tables: CSV/Parquet/NDJSON by extension, '-' = CSV on stdout; files written atomically. */
import { accessSync, constants, lstatSync, readlinkSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../core/types.js';
import type { TableFormat } from '../data/read.js';
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
