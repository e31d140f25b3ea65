/*
 * 1-D convolution ('valid' padding, stride s) with bias and activation, forward and backward, and max
 * pooling over runs of p steps, forward and backward. Layouts as tfjs has them: x [B, T, C], the kernel
 * W [K * C, F] (row j * C + c: tap j, input channel c), y [B, To, F] with To = (T - K) / s + 1.
 * The convolution is im2col (each output step's K taps side by side: P [B * To, K * C]) then one matrix
 * product; the backward pass scatters the patches' gradient back onto the input.
 */
#include "simd.h"

static void im2col(int B, int T, int C, int K, int s, int To, const float *x, float *P) {
  int KC = K * C;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < To; o++) {
      const float *src = x + ((size_t)b * T + (size_t)o * s) * C;
      float *dst = P + ((size_t)b * To + o) * KC;
      if (s == 1) { for (int i = 0; i < KC; i++) dst[i] = src[i]; }
      else for (int j = 0; j < K; j++) for (int c = 0; c < C; c++) dst[j * C + c] = src[(size_t)j * C + c];
    }
}

/*
 * exported: y = act(P W + bias), P the patches (saved for the backward pass, [B * To, K * C]).
 * act: 0 tanh, 1 relu, 2 sigmoid, 3 linear. work: 8 * ceil(F / 8) * 256 floats.
 */
KEXPORT(mk_conv1d_forward)
void mk_conv1d_forward(int B, int T, int C, int K, int s, int F, int act, const float *x, const float *W,
                       const float *bias, float *P, float *y, float *work) {
  int To = (T - K) / s + 1;
  size_t rows = (size_t)B * To;
  im2col(B, T, C, K, s, To, x, P);
  for (size_t r = 0; r < rows; r++) for (int f = 0; f < F; f++) y[r * F + f] = bias[f];
  mk_gemm((int)rows, F, K * C, P, K * C, 0, W, F, 0, y, F, 1, work);
  if (act != 3) {
    size_t n = rows * F, i = 0;
    for (; i + 4 <= n; i += 4) ST(y + i, act4(act, LD(y + i)));
    for (; i < n; i++) y[i] = wasm_f32x4_extract_lane(act4(act, SPLAT(y[i])), 0);
  }
}

/*
 * exported: from dy (overwritten with the pre-activation gradient), the saved patches P and output y:
 * dx [B, T, C], dW [K * C, F], db [F]. dP: scratch [B * To, K * C].
 */
KEXPORT(mk_conv1d_backward)
void mk_conv1d_backward(int B, int T, int C, int K, int s, int F, int act, const float *W, const float *P,
                        const float *y, float *dy, float *dx, float *dW, float *db, float *dP, float *work) {
  int To = (T - K) / s + 1, KC = K * C;
  size_t rows = (size_t)B * To, n = rows * F;
  if (act != 3) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) ST(dy + i, MUL(LD(dy + i), dact4(act, LD(y + i))));
    for (; i < n; i++) dy[i] *= wasm_f32x4_extract_lane(dact4(act, SPLAT(y[i])), 0);
  }
  mk_gemm(KC, F, (int)rows, P, KC, 1, dy, F, 0, dW, F, 0, work);
  for (int f = 0; f < F; f++) db[f] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    const float *d = dy + r * F;
    int f = 0;
    for (; f + 4 <= F; f += 4) ST(db + f, ADD(LD(db + f), LD(d + f)));
    for (; f < F; f++) db[f] += d[f];
  }
  mk_gemm((int)rows, KC, F, dy, F, 0, W, F, 1, dP, KC, 0, work);
  for (size_t i = 0; i < (size_t)B * T * C; i++) dx[i] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < To; o++) {
      float *dst = dx + ((size_t)b * T + (size_t)o * s) * C;
      const float *src = dP + ((size_t)b * To + o) * KC;
      int i = 0;
      for (; i + 4 <= KC; i += 4) ST(dst + i, ADD(LD(dst + i), LD(src + i)));
      for (; i < KC; i++) dst[i] += src[i];
    }
}

/* exported: y [B, T / p, C] = the max of each run of p steps (a last incomplete run dropped); arg: the
   step of each maximum within its run (the first on ties), saved for the backward pass */
KEXPORT(mk_maxpool1d_forward)
void mk_maxpool1d_forward(int B, int T, int C, int p, const float *x, float *y, int *arg) {
  int To = T / p;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < To; o++) {
      const float *src = x + ((size_t)b * T + (size_t)o * p) * C;
      float *dst = y + ((size_t)b * To + o) * C;
      int *a = arg + ((size_t)b * To + o) * C;
      for (int c = 0; c < C; c++) { dst[c] = src[c]; a[c] = 0; }
      for (int j = 1; j < p; j++)
        for (int c = 0; c < C; c++) {
          float v = src[(size_t)j * C + c];
          if (v > dst[c]) { dst[c] = v; a[c] = j; }
        }
    }
}

/* exported: dx [B, T, C] from dy [B, T / p, C] and the saved arg: each maximum gets its run's gradient */
KEXPORT(mk_maxpool1d_backward)
void mk_maxpool1d_backward(int B, int T, int C, int p, const float *dy, const int *arg, float *dx) {
  int To = T / p;
  for (size_t i = 0; i < (size_t)B * T * C; i++) dx[i] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < To; o++) {
      const float *d = dy + ((size_t)b * To + o) * C;
      const int *a = arg + ((size_t)b * To + o) * C;
      float *dst = dx + ((size_t)b * T + (size_t)o * p) * C;
      for (int c = 0; c < C; c++) dst[(size_t)a[c] * C + c] = d[c];
    }
}
