/*
 * Float64 real FFT (one window of N = 2M samples, N a power of two >= 4) and the FFT window features of
 * the pipeline's `fft` transformer, with f64x2 SIMD: one complex value per vector.
 *
 * The N real samples are taken as M complex ones z[n] = x[2n] + i x[2n+1], loaded in bit-reversed order,
 * transformed by an iterative radix-2 decimation-in-time FFT of size M, and split into the N/2 + 1 bins
 * of the real transform: X[k] = E + q_k O with E = (Z[k] + conj Z[M-k]) / 2, O = (Z[k] - conj Z[M-k]) / 2,
 * q_k = -i e^{-2 pi i k / N}. Every cosine and sine comes from the caller's plan (no libm here):
 *   plan: the twiddles (see rfft_one; fft.ts's twiddleDoubles(M) of them), q [M + 1][2], rev [M] (int32).
 */
#include "simd.h"

typedef v128_t d2;
#define DSPLAT(x) wasm_f64x2_splat(x)
#define DADD wasm_f64x2_add
#define DSUB wasm_f64x2_sub
#define DMUL wasm_f64x2_mul
#define SWAP(v) wasm_i64x2_shuffle((v), (v), 1, 0)

/* v * w for w given as (c, c) and (-s, s) */
static inline d2 cmul(d2 v, d2 wc, d2 ws) { return DADD(DMUL(v, wc), DMUL(SWAP(v), ws)); }

static const double NEGIM[2] __attribute__((aligned(16))) = { 1.0, -1.0 };
/* -i v: (im, -re) */
static inline d2 mul_negi(d2 v) { return DMUL(SWAP(v), wasm_v128_load(NEGIM)); }

/*
 * z = the complex FFT of size M of z[n] = x[2n] + i x[2n+1] (times win[] when given): radix-4 decimation-in-time passes (spans L = 1, 4, 16, ..; a block of 4L
 * holds the sub-transforms of the residues 0, 2, 1, 3 mod 4 in that order, from the bit-reversed load),
 * then one radix-2 pass when log2 M is odd. Twiddles (from the plan): per radix-4 pass with L > 1, for
 * each j < L, u^1, u^2, u^3 (u = e^{-2 pi i j / 4L}) as 4 doubles each (cos, cos, -s, s); then the
 * radix-2 pass's e^{-2 pi i j / M}, j < M / 2.
 */
static void cfft(int M, const double *x, const double *win, const double *tw, const int *rev, double *z) {
  /* load in bit-reversed order, windowed */
  if (win) {
    for (int n = 0; n < M; n++) wasm_v128_store(z + 2 * rev[n], DMUL(wasm_v128_load(x + 2 * n), wasm_v128_load(win + 2 * n)));
  } else {
    for (int n = 0; n < M; n++) wasm_v128_store(z + 2 * rev[n], wasm_v128_load(x + 2 * n));
  }
  const double *t = tw;
  int L = 1;
  for (; 4 * L <= M; L *= 4) {
    for (int base = 0; base < M; base += 4 * L) {
      double *p0 = z + 2 * base, *p1 = p0 + 2 * L, *p2 = p1 + 2 * L, *p3 = p2 + 2 * L;
      for (int j = 0; j < L; j++) {
        /* residues 0, 2, 1, 3 at offsets 0, L, 2L, 3L */
        d2 t0 = wasm_v128_load(p0 + 2 * j), t2 = wasm_v128_load(p1 + 2 * j), t1 = wasm_v128_load(p2 + 2 * j), t3 = wasm_v128_load(p3 + 2 * j);
        if (L > 1) {
          const double *w = t + 12 * j;
          t1 = cmul(t1, wasm_v128_load(w), wasm_v128_load(w + 2));
          t2 = cmul(t2, wasm_v128_load(w + 4), wasm_v128_load(w + 6));
          t3 = cmul(t3, wasm_v128_load(w + 8), wasm_v128_load(w + 10));
        }
        d2 s02 = DADD(t0, t2), d02 = DSUB(t0, t2), s13 = DADD(t1, t3), d13 = mul_negi(DSUB(t1, t3));
        wasm_v128_store(p0 + 2 * j, DADD(s02, s13));
        wasm_v128_store(p1 + 2 * j, DADD(d02, d13));
        wasm_v128_store(p2 + 2 * j, DSUB(s02, s13));
        wasm_v128_store(p3 + 2 * j, DSUB(d02, d13));
      }
    }
    if (L > 1) t += 12 * L;
  }
  if (L < M) {
    /* one radix-2 pass: span L = M / 2 */
    double *lo = z, *hi = z + 2 * L;
    for (int j = 0; j < L; j++) {
      d2 b = cmul(wasm_v128_load(hi + 2 * j), wasm_v128_load(t + 4 * j), wasm_v128_load(t + 4 * j + 2));
      d2 a = wasm_v128_load(lo + 2 * j);
      wasm_v128_store(lo + 2 * j, DADD(a, b));
      wasm_v128_store(hi + 2 * j, DSUB(a, b));
    }
  }
}

/* the real transform's bin k (0 < k < M) from the complex one's Z[k] and Z[M - k] */
static inline d2 split_bin(const double *z, const double *q, int M, int k) {
  const d2 half = DSPLAT(0.5), conj = wasm_f64x2_make(1.0, -1.0);
  d2 a = wasm_v128_load(z + 2 * k);
  d2 b = DMUL(wasm_v128_load(z + 2 * (M - k)), conj);
  d2 e = DMUL(DADD(a, b), half), o = DMUL(DSUB(a, b), half);
  return DADD(e, cmul(o, DSPLAT(q[2 * k]), wasm_f64x2_make(-q[2 * k + 1], q[2 * k + 1])));
}

/* the M + 1 complex bins of the real FFT of x[0 .. 2M) (times win[] when given) into out [(M + 1) * 2] */
static void rfft_one(int M, const double *x, const double *win, const double *tw, const double *q, const int *rev,
                     double *z, double *out) {
  cfft(M, x, win, tw, rev, z);
  out[0] = z[0] + z[1]; out[1] = 0.0;
  out[2 * M] = z[0] - z[1]; out[2 * M + 1] = 0.0;
  for (int k = 1; k < M; k++) wasm_v128_store(out + 2 * k, split_bin(z, q, M, k));
}

/* exported: the real FFT of one window (numpy.fft.rfft), out [(N/2 + 1) * 2] interleaved re, im; ntw: the
   number of twiddle doubles at the plan's start */
KEXPORT(mk_rfft)
void mk_rfft(int N, int ntw, const double *x, const double *plan, double *work, double *out) {
  int M = N / 2;
  const double *tw = plan, *q = tw + ntw;
  const int *rev = (const int *)(q + 2 * (M + 1));
  rfft_one(M, x, 0, tw, q, rev, work, out);
}

/*
 * exported: the features of `windows` windows of N samples, window w starting at x + w * hop: per window
 * |X_k| for k < bins, the dominant bin (largest |X_k|^2 for k >= 1, the first on ties) / N, and the energy
 * sum |X_k|^2 over each band [edges[j], edges[j+1]). win: the window function (N values) or null.
 * out [windows][bins + 1 + bands]; work: 2M doubles.
 */
KEXPORT(mk_fft_window_features)
void mk_fft_window_features(int N, int ntw, int windows, int hop, int bins, int bands, const double *x, const double *win,
                            const int *edges, const double *plan, double *work, double *out) {
  int M = N / 2, width = bins + 1 + bands;
  const double *tw = plan, *q = tw + ntw;
  const int *rev = (const int *)(q + 2 * (M + 1));
  double *z = work;
  for (int w = 0; w < windows; w++) {
    cfft(M, x + (size_t)w * hop, win, tw, rev, z);
    double *f = out + (size_t)w * width;
    /* one pass over the bins: the split, |X_k|^2, the first bins' magnitudes, the dominant bin (largest
       power for k >= 1, the first on ties) and the band energies */
    int best = 1, band = 0, bandEnd = bands ? edges[1] : M + 1;
    double bestPow = -1.0, energy = 0.0;
    for (int k = 0; k <= M; k++) {
      double p;
      if (k == 0 || k == M) {
        double r = k == 0 ? z[0] + z[1] : z[0] - z[1];
        p = r * r;
      } else {
        d2 X = split_bin(z, q, M, k);
        d2 sq = DMUL(X, X);
        p = wasm_f64x2_extract_lane(sq, 0) + wasm_f64x2_extract_lane(sq, 1);
      }
      if (k < bins) f[k] = __builtin_sqrt(p);
      if (k >= 1) {
        if (p > bestPow) { bestPow = p; best = k; }
        if (bands && k == bandEnd && band < bands - 1) {
          f[bins + 1 + band] = energy;
          band++;
          bandEnd = edges[band + 1];
          energy = 0.0;
        }
      }
      energy += p;
    }
    if (bands) f[bins + 1 + band] = energy;
    f[bins] = (double)best / N;
  }
}
