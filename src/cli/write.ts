/** Writing result tables: CSV/Parquet/NDJSON by extension, '-' = CSV on stdout; files written atomically. */
import { renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../core/types.js';
import { formatOf } from '../data/read.js';
import { UsageError } from '../core/errors.js';

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

export function writeOutput(frame: Frame, out: string): void {
  if (out === '-') {
    writeAllStdout(frame.writeCSV() as Buffer);
    return;
  }
  const fmt = formatOf(out);
  const abs = path.resolve(out);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}`);
  try {
    if (fmt === 'parquet') frame.writeParquet(tmp);
    else if (fmt === 'ndjson') writeFileSync(tmp, frame.writeJSON({ format: 'lines' }) as any);
    else writeFileSync(tmp, frame.writeCSV() as Buffer);
    renameSync(tmp, abs);
  } catch (e: any) {
    rmSync(tmp, { force: true });
    if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') throw new UsageError(`cannot write ${out}: ${e.code}`);
    throw e;
  }
}
