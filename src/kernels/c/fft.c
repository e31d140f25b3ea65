/*
 * Float64 real FFT (one window of N = 2M samples, N a power of two >= 4) and the FFT window features of
 * the pipeline's `fft` transformer, with f64x2 SIMD: one complex value per vector.
 *
 * The N real samples are taken as M complex ones z[n] = x[2n] + i x[2n+1], loaded in bit-reversed order,
 * transformed by an iterative radix-2 decimation-in-time FFT of size M, and split into the N/2 + 1 bins
 * of the real transform: X[k] = E + q_k O with E = (Z[k] + conj Z[M-k]) / 2, O = (Z[k] - conj Z[M-k]) / 2,
 * q_k = -i e^{-2 pi i k / N}. Every cosine and sine comes from the caller's plan (no libm here):
 *   plan: tw [M - 1][4] (stage twiddles: cos, cos, -s, s with s = -sin), q [M + 1][2], rev [M] (int32).
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

/* the M + 1 complex bins of the real FFT of x[0 .. 2M) (times win[] when given) into out [(M + 1) * 2] */
static void rfft_one(int M, const double *x, const double *win, const double *tw, const double *q, const int *rev,
                     double *z, double *out) {
  /* load in bit-reversed order, windowed */
  if (win) {
    for (int n = 0; n < M; n++) {
      d2 v = DMUL(wasm_v128_load(x + 2 * n), wasm_v128_load(win + 2 * n));
      wasm_v128_store(z + 2 * rev[n], v);
    }
  } else {
    for (int n = 0; n < M; n++) wasm_v128_store(z + 2 * rev[n], wasm_v128_load(x + 2 * n));
  }
  /* radix-2 stages; span 1 has the twiddle 1 */
  for (int i = 0; i < M; i += 2) {
    d2 a = wasm_v128_load(z + 2 * i), b = wasm_v128_load(z + 2 * i + 2);
    wasm_v128_store(z + 2 * i, DADD(a, b));
    wasm_v128_store(z + 2 * i + 2, DSUB(a, b));
  }
  const double *t = tw;
  for (int half = 2; half < M; half *= 2) {
    for (int base = 0; base < M; base += 2 * half) {
      double *lo = z + 2 * base, *hi = lo + 2 * half;
      for (int j = 0; j < half; j++) {
        d2 b = cmul(wasm_v128_load(hi + 2 * j), wasm_v128_load(t + 4 * j), wasm_v128_load(t + 4 * j + 2));
        d2 a = wasm_v128_load(lo + 2 * j);
        wasm_v128_store(lo + 2 * j, DADD(a, b));
        wasm_v128_store(hi + 2 * j, DSUB(a, b));
      }
    }
    t += 4 * half;
  }
  /* split into the real transform's bins */
  const d2 half = DSPLAT(0.5), conj = wasm_f64x2_make(1.0, -1.0);
  for (int k = 0; k <= M; k++) {
    d2 a = wasm_v128_load(z + 2 * (k == M ? 0 : k));
    d2 b = DMUL(wasm_v128_load(z + 2 * (k == 0 ? 0 : M - k)), conj);
    d2 e = DMUL(DADD(a, b), half), o = DMUL(DSUB(a, b), half);
    double qr = q[2 * k], qi = q[2 * k + 1];
    d2 r = cmul(o, DSPLAT(qr), wasm_f64x2_make(-qi, qi));
    wasm_v128_store(out + 2 * k, DADD(e, r));
  }
}

/* exported: the real FFT of one window (numpy.fft.rfft), out [(N/2 + 1) * 2] interleaved re, im */
KEXPORT(mk_rfft)
void mk_rfft(int N, const double *x, const double *plan, double *work, double *out) {
  int M = N / 2;
  const double *tw = plan, *q = tw + 4 * (M - 1);
  const int *rev = (const int *)(q + 2 * (M + 1));
  rfft_one(M, x, 0, tw, q, rev, work, out);
}

/*
 * exported: the features of `windows` windows of N samples, window w starting at x + w * hop: per window
 * |X_k| for k < bins, the dominant bin (largest |X_k|^2 for k >= 1, the first on ties) / N, and the energy
 * sum |X_k|^2 over each band [edges[j], edges[j+1]). win: the window function (N values) or null.
 * out [windows][bins + 1 + bands]; work: 2 * (2M + 2) doubles.
 */
KEXPORT(mk_fft_window_features)
void mk_fft_window_features(int N, int windows, int hop, int bins, int bands, const double *x, const double *win,
                            const int *edges, const double *plan, double *work, double *out) {
  int M = N / 2, width = bins + 1 + bands;
  const double *tw = plan, *q = tw + 4 * (M - 1);
  const int *rev = (const int *)(q + 2 * (M + 1));
  double *z = work, *X = work + 2 * M + 2;
  for (int w = 0; w < windows; w++) {
    rfft_one(M, x + (size_t)w * hop, win, tw, q, rev, z, X);
    double *f = out + (size_t)w * width;
    int best = 1;
    double bestPow = -1.0;
    int band = 0, bandEnd = bands ? edges[1] : M + 1;
    double energy = 0.0;
    for (int k = 0; k <= M; k++) {
      double re = X[2 * k], im = X[2 * k + 1];
      double p = re * re + im * im;
      if (k < bins) f[k] = __builtin_sqrt(p);
      if (k >= 1) {
        if (p > bestPow) { bestPow = p; best = k; }
        while (bands && k == bandEnd && band < bands - 1) {
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
