import { readFileSync } from 'node:fs';

/** A float64 signal stored as raw little-endian bytes. */
export function readSignal(file: string): Float64Array {
  const b = readFileSync(file);
  if (b.byteOffset % 8 === 0) return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  return new Float64Array(new Uint8Array(b).buffer);
}
