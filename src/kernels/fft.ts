/**
 * The float64 real FFT kernel (c/fft.c) over plain arrays: `rfft` (numpy.fft.rfft of one window) and
 * `fftWindowFeaturesKernel` (the pipeline's FFT window features, every window in one call per chunk).
 * The cosines and sines come from a plan made here once per window length (Math.cos / Math.sin).
 */
import type { Arena, Kernels } from './index.js';

interface Plan { n: number; doubles: Float64Array; rev: Int32Array; bytes: number; twiddles: number }
const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (!(n >= 4 && (n & (n - 1)) === 0)) throw new RangeError(`rfft: the length must be a power of two >= 4, got ${n}`);
  const M = n / 2;
  // twiddles (see fft.c's cfft), each w = e^{-i theta} as cos, cos, sin, -sin: per radix-4 pass with
  // span L > 1 (4L <= M), u^1, u^2, u^3 for each j < L (u = e^{-2 pi i j / 4L}); then, when log2 M is odd,
  // the final radix-2 pass's e^{-2 pi i j / M}, j < M / 2
  const tw: number[] = [];
  const push = (theta: number) => { const c = Math.cos(theta), s = Math.sin(theta); tw.push(c, c, s, -s); };
  let L = 1;
  for (; 4 * L <= M; L *= 4) {
    if (L > 1) for (let j = 0; j < L; j++) for (let r = 1; r <= 3; r++) push((2 * Math.PI * r * j) / (4 * L));
  }
  if (L < M) for (let j = 0; j < M / 2; j++) push((2 * Math.PI * j) / M);
  const doubles = new Float64Array(tw.length + 2 * (M + 1));
  doubles.set(tw);
  // split factors q_k = -i e^{-2 pi i k / n} = (-sin, -cos)
  const o = tw.length;
  for (let k = 0; k <= M; k++) {
    doubles[o + 2 * k] = -Math.sin((2 * Math.PI * k) / n);
    doubles[o + 2 * k + 1] = -Math.cos((2 * Math.PI * k) / n);
  }
  const bits = Math.log2(M);
  const rev = new Int32Array(M);
  for (let i = 0; i < M; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  p = { n, doubles, rev, bytes: 8 * doubles.length + 4 * M, twiddles: tw.length };
  plans.set(n, p);
  return p;
}

/** the plan into the arena at offset pp (p.bytes): its doubles, then the bit-reversal table */
function putPlan(a: Arena, pp: number, p: Plan): void {
  a.f64(pp, p.doubles.length).set(p.doubles);
  a.i32(pp + 8 * p.doubles.length, p.rev.length).set(p.rev);
}

/** numpy.fft.rfft(x) for a power-of-two length: n/2 + 1 bins, interleaved re, im. */
export function rfft(k: Kernels, x: Float64Array): Float64Array {
  const n = x.length, p = plan(n), M = n / 2;
  const a = k.arena();
  const px = a.alloc(n, 8), pp = a.alloc(p.bytes, 1), pw = a.alloc(2 * M + 2, 8), po = a.alloc(2 * M + 2, 8);
  try {
    a.commit();
    a.f64(px, n).set(x);
    putPlan(a, pp, p);
    (k.exports.mk_rfft as (...a: number[]) => void)(n, p.twiddles, a.at(px), a.at(pp), a.at(pw), a.at(po));
    return a.f64(po, 2 * M + 2).slice();
  } finally {
    a.release();
  }
}

export interface WindowFeatureArgs {
  window: number;
  hop: number;
  bins: number;
  bands: number;
  /** the window function's N values, or null (rectangular) */
  fn: Float64Array | null;
  /** first bin of each band, bands + 1 values (the last: window / 2 + 1) */
  edges: Int32Array;
}

/** windows per call: bounds the kernel memory (the samples and features of one chunk) */
const CHUNK = 8192;

/**
 * The features of `windows` windows of x (window w starts at w * hop) into out (windows x (bins + 1 +
 * bands), row-major): |X_k| for k < bins, the dominant bin / window, the band energies.
 */
export function fftWindowFeaturesKernel(k: Kernels, x: Float64Array, windows: number, o: WindowFeatureArgs, out: Float64Array): void {
  const { window: N, hop, bins, bands } = o;
  const p = plan(N), M = N / 2, width = bins + 1 + bands;
  const chunk = Math.min(CHUNK, windows);
  const span = (chunk - 1) * hop + N;
  const a = k.arena();
  const px = a.alloc(span, 8), pf = a.alloc(N, 8), pe = a.alloc(bands + 1, 4), pp = a.alloc(p.bytes, 1), pw = a.alloc(2 * M, 8), po = a.alloc(chunk * width, 8);
  try {
    a.commit();
    if (o.fn) a.f64(pf, N).set(o.fn);
    a.i32(pe, bands + 1).set(o.edges);
    putPlan(a, pp, p);
    const run = k.exports.mk_fft_window_features as (...a: number[]) => void;
    for (let w0 = 0; w0 < windows; w0 += chunk) {
      const n = Math.min(chunk, windows - w0);
      const s0 = w0 * hop, len = (n - 1) * hop + N;
      a.f64(px, len).set(x.subarray(s0, s0 + len));
      run(N, p.twiddles, n, hop, bins, bands, a.at(px), o.fn ? a.at(pf) : 0, a.at(pe), a.at(pp), a.at(pw), a.at(po));
      out.set(a.f64(po, n * width), w0 * width);
    }
  } finally {
    a.release();
  }
}
