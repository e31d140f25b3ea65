/**
 * Compressed inputs: gzip (node's zlib) and zstd (fzstd), recognised by their magic bytes, whatever the
 * file is called or wherever it comes from (`zcat`-free pipes: `cat x.csv.gz | mlkit predict -m M -`).
 * The table format is then the inner name's (`x.csv.gz` -> csv) or sniffed from the decompressed bytes.
 */
import path from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Decompress, decompress as zstdDecompress } from 'fzstd';
import { DataError, MlkitError } from '../core/errors.js';

export type Compression = 'gzip' | 'zstd';

const COMPRESSED_EXTENSIONS = new Set(['.gz', '.gzip', '.zst', '.zstd']);

/** The compression of bytes from their magic number (gzip 1f 8b, zstd 28 b5 2f fd), or undefined. */
export function compressionOf(bytes: Uint8Array): Compression | undefined {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) return 'zstd';
  return undefined;
}

/** The name without a compression extension (x.csv.gz -> x.csv), for the table format. */
export function innerName(file: string): string {
  return COMPRESSED_EXTENSIONS.has(path.extname(file).toLowerCase()) ? file.slice(0, -path.extname(file).length) : file;
}

function corrupt(kind: Compression, name: string, e: unknown): DataError {
  return new DataError(`not a valid ${kind} stream: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { file: name });
}

export function decompressSync(bytes: Buffer, kind: Compression, name: string): Buffer {
  try {
    return kind === 'gzip' ? gunzipSync(bytes) : Buffer.from(zstdDecompress(bytes));
  } catch (e) {
    throw corrupt(kind, name, e);
  }
}

/** Decompressed chunks of compressed ones, as they come (memory bounded by the chunks). */
export async function* decompressChunks(chunks: AsyncIterable<Buffer>, kind: Compression, name: string): AsyncGenerator<Buffer> {
  if (kind === 'zstd') {
    const out: Buffer[] = [];
    const d = new Decompress((chunk) => { out.push(Buffer.from(chunk)); });
    let fed = false;
    for await (const c of chunks) {
      try { d.push(c); } catch (e) { throw corrupt(kind, name, e); }
      fed = true;
      while (out.length) yield out.shift()!;
    }
    try { if (fed) d.push(new Uint8Array(0), true); } catch (e) { throw corrupt(kind, name, e); }
    while (out.length) yield out.shift()!;
    return;
  }
  const gz = createGunzip();
  // waits for room in gunzip's input, or for gunzip to be gone (the reader stopped early, e.g. at a bad
  // row): a destroyed stream never drains, and waiting for it hung the run
  const room = () => new Promise<void>((resolve) => {
    const done = () => { gz.off('drain', done); gz.off('close', done); gz.off('error', done); resolve(); };
    gz.on('drain', done);
    gz.on('close', done);
    gz.on('error', done);
  });
  const feed = (async () => {
    try {
      for await (const c of chunks) {
        if (gz.destroyed) break; // (leaving the loop closes the source)
        if (!gz.write(c)) await room();
        if (gz.destroyed) break;
      }
      if (!gz.destroyed) gz.end();
    } catch (e) {
      gz.destroy(e as Error);
    }
  })();
  try {
    for await (const c of gz) yield c as Buffer;
  } catch (e) {
    if (e instanceof MlkitError) throw e; // the source's own error (cancelled, unreadable)
    throw corrupt(kind, name, e);
  } finally {
    await feed;
  }
}
