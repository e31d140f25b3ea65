/**
 * The batched matrix product kernel (c/gemm.c: B packed into 8-column panels, a 4 x 8 register tile of
 * f32x4 accumulators) over plain arrays: C[i] = op(A[i]) op(B[i]) for i < batch, op a transpose or not.
 */
import type { Kernels } from './index.js';

export interface MatmulShape {
  batch: number;
  /** op(A) is m x k, op(B) is k x n */
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** false: one A (or B) for every batch entry (broadcast) */
  batchedA: boolean;
  batchedB: boolean;
}

/** out (batch x m x n) = op(a) op(b); a and b hold batch (or one) row-major matrices each. */
export function matmul(kr: Kernels, s: MatmulShape, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const { batch, m, n, k } = s;
  const sa = s.batchedA ? m * k : 0, sb = s.batchedB ? k * n : 0;
  if (a.length !== (s.batchedA ? batch : 1) * m * k || b.length !== (s.batchedB ? batch : 1) * k * n || out.length !== batch * m * n) {
    throw new Error(`matmul: buffers of ${a.length}, ${b.length}, ${out.length} floats do not fit ${JSON.stringify(s)}`);
  }
  const ar = kr.arena();
  const pa = ar.alloc(a.length), pb = ar.alloc(b.length), pc = ar.alloc(out.length), pw = ar.alloc(8 * Math.ceil(Math.max(n, 8) / 8) * 256);
  try {
    ar.commit();
    ar.f32(pa, a.length).set(a);
    ar.f32(pb, b.length).set(b);
    kr.exports.mk_matmul(batch, m, n, k, ar.at(pa), sa, s.transA ? 1 : 0, ar.at(pb), sb, s.transB ? 1 : 0, ar.at(pc), ar.at(pw));
    out.set(ar.f32(pc, out.length));
  } finally {
    ar.release();
  }
}

/** out[j] = the sum of column j of x (rows x cols, row-major): a sum over a tensor's leading axes. */
export function colsum(kr: Kernels, rows: number, cols: number, x: Float32Array, out: Float32Array): void {
  if (x.length !== rows * cols || out.length !== cols) throw new Error(`colsum: buffers of ${x.length} and ${out.length} floats do not fit ${rows} x ${cols}`);
  const ar = kr.arena();
  const px = ar.alloc(x.length), po = ar.alloc(cols);
  try {
    ar.commit();
    ar.f32(px, x.length).set(x);
    (kr.exports.mk_colsum as (...a: number[]) => void)(rows, cols, ar.at(px), ar.at(po));
    out.set(ar.f32(po, cols));
  } finally {
    ar.release();
  }
}
