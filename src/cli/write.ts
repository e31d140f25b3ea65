/** Writing result tables: CSV/Parquet/NDJSON by extension, '-' = CSV on stdout; files written atomically. */
import { renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../core/types.js';
import type { TableFormat } from '../data/read.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { checkWritableFile, fsReason } from '../core/paths.js';

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
  if (!fmt) throw new UsageError(`--out ${out}: unknown output format "${path.extname(out) || '(no extension)'}"; use one of ${Object.keys(OUTPUT_EXTENSIONS).join(', ')} (or - for CSV on stdout)`);
  return fmt;
}

/** Checks an output path before any work: its format, and that it can be written. */
export function checkOutput(out: string): void {
  if (out !== '-') checkWritableFile(out);
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
  checkWritableFile(out);
  const fmt = outputFormat(out);
  const abs = path.resolve(out);
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
