/**
 * Robust location and covariance of a cloud of points (rows of a matrix) and Mahalanobis distances from
 * them, for detectors that combine channels.
 *
 * The estimate is a reweighted minimum-covariance-determinant fit by concentration steps (Rousseeuw &
 * Van Driessen 1999, "C-steps") from one robust start: the coordinate-wise medians and the covariance
 * of the half of the points nearest to them in MAD-scaled units. Each C-step keeps the h = 3n/4 points
 * with the smallest Mahalanobis distances under the current estimate and refits the mean and covariance
 * on them (the determinant never grows). The covariance is then scaled so that the median squared
 * distance is the chi-square median with p degrees of freedom (consistency for normal data), and a
 * ridge (a fraction of each variance, and at least `floor`) keeps it invertible when channels move
 * together or a coordinate hardly moves in the fitted points.
 */

/** A fitted robust location and the inverse of the robust covariance (row-major p x p). */
export interface RobustCov {
  center: number[];
  precision: number[];
}

/** The chi-square median with k degrees of freedom (Wilson-Hilferty). */
function chi2Median(k: number): number {
  const a = 2 / (9 * k);
  return k * (1 - a) ** 3;
}

/**
 * A squared Mahalanobis distance with k degrees of freedom as a standard-normal deviate of the same
 * upper tail probability (Wilson-Hilferty), floored at 0: comparable with the per-channel z-scores.
 */
export function chi2ToZ(d2: number, k: number): number {
  if (!(d2 > 0)) return 0;
  const a = 2 / (9 * k);
  const z = (Math.cbrt(d2 / k) - (1 - a)) / Math.sqrt(a);
  return z > 0 ? z : 0;
}

/** Inverse of a symmetric positive definite matrix (Gauss-Jordan with partial pivoting); null when singular. */
function invert(m: Float64Array, p: number): Float64Array | null {
  const a = Float64Array.from(m);
  const inv = new Float64Array(p * p);
  for (let i = 0; i < p; i++) inv[i * p + i] = 1;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * p + c]!) > Math.abs(a[piv * p + c]!)) piv = r;
    const d = a[piv * p + c]!;
    if (!(Math.abs(d) > 0) || !Number.isFinite(d)) return null;
    if (piv !== c) {
      for (let k = 0; k < p; k++) {
        let t = a[c * p + k]!; a[c * p + k] = a[piv * p + k]!; a[piv * p + k] = t;
        t = inv[c * p + k]!; inv[c * p + k] = inv[piv * p + k]!; inv[piv * p + k] = t;
      }
    }
    for (let k = 0; k < p; k++) { a[c * p + k]! /= d; inv[c * p + k]! /= d; }
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r * p + c]!;
      if (f === 0) continue;
      for (let k = 0; k < p; k++) { a[r * p + k]! -= f * a[c * p + k]!; inv[r * p + k]! -= f * inv[c * p + k]!; }
    }
  }
  return inv;
}

function medianOf(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean and covariance of the rows in `idx` (x is n x p row-major), with a ridge of `ridge` x each variance. */
function meanCov(x: Float64Array, p: number, idx: Int32Array | number[], ridge: number, floor: number): { mean: Float64Array; cov: Float64Array } {
  const h = idx.length;
  const mean = new Float64Array(p);
  for (const i of idx) for (let k = 0; k < p; k++) mean[k]! += x[i * p + k]!;
  for (let k = 0; k < p; k++) mean[k]! /= h;
  const cov = new Float64Array(p * p);
  for (const i of idx) {
    for (let a = 0; a < p; a++) {
      const da = x[i * p + a]! - mean[a]!;
      for (let b = a; b < p; b++) cov[a * p + b]! += da * (x[i * p + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < p; a++) for (let b = a; b < p; b++) { cov[a * p + b]! /= Math.max(1, h - 1); cov[b * p + a] = cov[a * p + b]!; }
  for (let a = 0; a < p; a++) cov[a * p + a] = Math.max(cov[a * p + a]! * (1 + ridge), floor) + 1e-12;
  return { mean, cov };
}

/** Squared Mahalanobis distance of row v (length p) from center with precision P. */
export function mahalanobis2(v: ArrayLike<number>, center: ArrayLike<number>, P: ArrayLike<number>, p: number, scratch: Float64Array): number {
  for (let k = 0; k < p; k++) scratch[k] = v[k]! - center[k]!;
  let d2 = 0;
  for (let a = 0; a < p; a++) {
    const da = scratch[a]!;
    let s = 0;
    for (let b = 0; b < p; b++) s += P[a * p + b]! * scratch[b]!;
    d2 += da * s;
  }
  return d2;
}

/**
 * Robust location and precision of the n rows of x (n x p, row-major, finite). `ridge` is added to each
 * variance as a fraction of it, and each variance is at least `floor`. Null when there are too few rows (fewer than 2p + 2).
 */
export function fitRobustCov(x: Float64Array, n: number, p: number, ridge = 0.01, floor = 0, steps = 10): RobustCov | null {
  if (n < 2 * p + 2) return null;
  // start: coordinate-wise medians, the half of the points nearest in MAD-scaled units
  const med = new Float64Array(p);
  const mad = new Float64Array(p);
  const col = new Float64Array(n);
  for (let k = 0; k < p; k++) {
    for (let i = 0; i < n; i++) col[i] = x[i * p + k]!;
    med[k] = medianOf(col);
    for (let i = 0; i < n; i++) col[i] = Math.abs(x[i * p + k]! - med[k]!);
    mad[k] = medianOf(col) || 1;
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += ((x[i * p + k]! - med[k]!) / mad[k]!) ** 2;
    d[i] = s;
  }
  const order = (dist: Float64Array, h: number) => Array.from(dist.keys()).sort((a, b) => dist[a]! - dist[b]!).slice(0, h);
  let fit = meanCov(x, p, order(d, Math.max(p + 1, n >> 1)), ridge, floor);
  let P = invert(fit.cov, p);
  if (!P) return null;
  const h = Math.max(p + 1, Math.floor(0.75 * n));
  const scratch = new Float64Array(p);
  let prev = '';
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < n; i++) d[i] = mahalanobis2(x.subarray(i * p, i * p + p), fit.mean, P, p, scratch);
    const keep = order(d, h);
    const key = keep.slice().sort((a, b) => a - b).join(',');
    if (key === prev) break;
    prev = key;
    fit = meanCov(x, p, keep, ridge, floor);
    const Pn = invert(fit.cov, p);
    if (!Pn) break;
    P = Pn;
  }
  // consistency: the median squared distance is the chi-square median
  for (let i = 0; i < n; i++) d[i] = mahalanobis2(x.subarray(i * p, i * p + p), fit.mean, P, p, scratch);
  const m = medianOf(d);
  const f = m > 0 ? chi2Median(p) / m : 1;
  return { center: Array.from(fit.mean), precision: Array.from(P, (v) => v * f) };
}
