/**
 * The FFT window-feature computation, free of the pipeline machinery (no zod, no polars), so that it
 * can be used and measured on its own (bench/fft-child.ts). The `fft` transformer (fft/index.ts) wraps it.
 * The features come from the float64 SIMD WebAssembly kernel (src/kernels/fft.ts: the windowed samples'
 * rfft, as numpy computes it); with MLKIT_KERNELS=off, from fft.js here (the reference the tests hold
 * the kernel equal to, with the window applied in the frequency domain as described below).
 */
import FFT from 'fft.js';
import { kernels } from '../kernels/index.js';
import { fftWindowFeaturesKernel } from '../kernels/fft.js';

import { isPow2, FFT_WINDOW_FNS, type FftWindowFn } from './fft/constants.js';
export { isPow2, FFT_WINDOW_FNS, type FftWindowFn };

export interface FftFeatureOptions {
  window: number;
  hop: number;
  bins: number;
  windowFn: FftWindowFn;
  bands: number;
}

/** Output names, without the column prefix: bin0.., dom_freq, band0.. */
export function fftFeatureSuffixes(o: Pick<FftFeatureOptions, 'bins' | 'bands'>): string[] {
  const names: string[] = [];
  for (let k = 0; k < o.bins; k++) names.push(`bin${k}`);
  names.push('dom_freq');
  for (let j = 0; j < o.bands; j++) names.push(`band${j}`);
  return names;
}

/** The periodic Hann window of length n (scipy.signal.get_window('hann', n)). */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** First bin of each band (length bands + 1, the last entry = window/2 + 1), as numpy.array_split. */
export function bandEdges(window: number, bands: number): Int32Array {
  const m = window / 2 + 1;
  const q = Math.floor(m / bands);
  const r = m % bands;
  const edges = new Int32Array(bands + 1);
  for (let j = 0; j <= bands; j++) edges[j] = j * q + Math.min(j, r);
  return edges;
}

/*
 * The periodic Hann window is applied in the frequency domain: w[n] = 0.5 - 0.25 e^{2 pi i n/N} -
 * 0.25 e^{-2 pi i n/N}, so the spectrum of w * x is 0.5 X[k] - 0.25 X[k-1] - 0.25 X[k+1], with
 * X[-1] = conj(X[1]) and X[N/2+1] = conj(X[N/2-1]) for a real signal. The same values as transforming
 * the windowed samples (within rounding), without the multiplication pass and the copy of every window;
 * fftWindowFeatures does it in the same pass over the bins as the features.
 */

/** Per-window FFT features: window w ends at row firstEnd + w * hop. */
export interface FftWindowFeatures {
  /** number of windows */
  windows: number;
  /** features per window: bins + 1 + bands, in the order of fftFeatureSuffixes() */
  width: number;
  /** row where the first window ends (window - 1) */
  firstEnd: number;
  hop: number;
  /** windows x width, row-major */
  data: Float64Array;
}

/** The features of every window on the hop grid (see the module comment). `x` is only read. */
export function fftWindowFeatures(x: Float64Array, o: FftFeatureOptions): FftWindowFeatures {
  const { window: W, hop, bins, bands } = o;
  if (!isPow2(W) || W < 4) throw new RangeError(`fft window must be a power of two >= 4, got ${W}`);
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`fft hop must be a positive integer, got ${hop}`);
  const M = W / 2 + 1;
  if (!(bins >= 1 && bins <= M) || !(bands >= 0 && bands <= M)) throw new RangeError(`fft bins and bands must be at most window/2 + 1 = ${M}`);
  const n = x.length;
  const width = bins + 1 + bands;
  const windows = n < W ? 0 : Math.floor((n - W) / hop) + 1;
  const data = new Float64Array(windows * width);
  const result = { windows, width, firstEnd: W - 1, hop, data };
  if (!windows) return result;

  // windows that contain a non-finite value: prefix counts, only when there is one
  let bad: Int32Array | undefined;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!)) {
      bad = new Int32Array(n + 1);
      for (let j = 0, c = 0; j < n; j++) {
        if (!Number.isFinite(x[j]!)) c++;
        bad[j + 1] = c;
      }
      break;
    }
  }

  const edges = bandEdges(W, bands);
  const k = kernels();
  if (k) {
    // the SIMD WebAssembly kernel (src/kernels/fft.ts); the code below is its reference (MLKIT_KERNELS=off)
    fftWindowFeaturesKernel(k, x, windows, { window: W, hop, bins, bands, fn: o.windowFn === 'hann' ? periodicHann(W) : null, edges }, data);
    if (bad) for (let w = 0, s = 0; w < windows; w++, s += hop) if (bad[s + W]! - bad[s]! > 0) data.fill(NaN, w * width, (w + 1) * width);
    return result;
  }
  const fft = new FFT(W);
  const hann = o.windowFn === 'hann';
  const spec = new Float64Array(2 * W);
  const invW = 1 / W;

  for (let w = 0, s = 0, f = 0; w < windows; w++, s += hop, f += width) {
    if (bad && bad[s + W]! - bad[s]! > 0) {
      data.fill(NaN, f, f + width);
      continue;
    }
    fft.realTransform(spec, x.subarray(s, s + W));
    // one pass over bins 0..M-1: the (Hann-windowed, see above) bin, its magnitude for the
    // first bins, and from its squared magnitude the dominant bin (largest, k >= 1, first on ties)
    // and the band energies
    let best = 1;
    let bestPow = -1;
    let b = f + bins + 1;
    let bandEnd = bands ? edges[1]! : M;
    let energy = 0;
    // Hann: X'[k] = 0.5 X[k] - 0.25 (X[k-1] + X[k+1]), X[-1] = conj(X[1]), X[M] = conj(X[M-2])
    let pr = spec[2]!;
    let pi = -spec[3]!;
    let cr = spec[0]!;
    let ci = spec[1]!;
    for (let k = 0; k < M; k++) {
      const nr = k < M - 1 ? spec[2 * k + 2]! : pr;
      const ni = k < M - 1 ? spec[2 * k + 3]! : -pi;
      let re = cr;
      let im = ci;
      if (hann) {
        re = 0.5 * cr - 0.25 * (pr + nr);
        im = 0.5 * ci - 0.25 * (pi + ni);
      }
      pr = cr;
      pi = ci;
      cr = nr;
      ci = ni;
      const p = re * re + im * im;
      if (k < bins) data[f + k] = Math.sqrt(p);
      if (k >= 1) {
        if (p > bestPow) {
          bestPow = p;
          best = k;
        }
        if (k === bandEnd) {
          data[b++] = energy;
          bandEnd = edges[b - f - bins]!;
          energy = 0;
        }
      }
      energy += p;
    }
    if (bands) data[b] = energy;
    data[f + bins] = best * invW;
  }
  return result;
}

/**
 * The FFT features of a signal (see the module comment): one Float64Array per feature, in the order of
 * fftFeatureSuffixes(), each with one value per sample (a row carries the most recent window ending at
 * or before it; NaN before the first). `x` is only read.
 */
export function fftFeatures(x: Float64Array, o: FftFeatureOptions): Float64Array[] {
  return expandToRows(fftWindowFeatures(x, o), x.length);
}

/** Per-row columns from per-window features. */
export function expandToRows(wf: FftWindowFeatures, n: number): Float64Array[] {
  const { windows, width, firstEnd, hop, data } = wf;
  const cols: Float64Array[] = [];
  for (let j = 0; j < width; j++) {
    const c = new Float64Array(n);
    c.fill(NaN, 0, Math.min(n, firstEnd));
    if (hop === 1) {
      for (let w = 0, o = j; w < windows; w++, o += width) c[firstEnd + w] = data[o]!;
    } else {
      for (let w = 0, o = j, e = firstEnd; w < windows; w++, o += width, e += hop) c.fill(data[o]!, e, Math.min(n, e + hop));
    }
    cols.push(c);
  }
  return cols;
}
