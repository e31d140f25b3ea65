/*
 * Single-precision matrix product with transposes: B is packed into panels of 8 columns per block of
 * 256 rows of k, and a 4 x 8 register tile (8 f32x4 accumulators) runs over them.
 */
#include "simd.h"

#define KC 256

static void pack_b(int k0, int kc, int n, const float *B, int ldb, int transB, float *P) {
  int np = (n + 7) >> 3;
  for (int p = 0; p < np; p++) {
    float *dst = P + (size_t)p * kc * 8;
    int j0 = p * 8, w = n - j0 < 8 ? n - j0 : 8;
    if (!transB && w == 8) {
      for (int kk = 0; kk < kc; kk++) {
        const float *src = B + (size_t)(k0 + kk) * ldb + j0;
        ST(dst + kk * 8, LD(src));
        ST(dst + kk * 8 + 4, LD(src + 4));
      }
    } else {
      for (int kk = 0; kk < kc; kk++) {
        for (int j = 0; j < 8; j++) {
          float v = 0.0f;
          if (j < w) v = transB ? B[(size_t)(j0 + j) * ldb + k0 + kk] : B[(size_t)(k0 + kk) * ldb + j0 + j];
          dst[kk * 8 + j] = v;
        }
      }
    }
  }
}

/* element (i, kk) of op(A) */
#define AEL(i, kk) (transA ? A[(size_t)(kk) * lda + (i)] : A[(size_t)(i) * lda + (kk)])

static void store_tile(float *C, int ldc, int rows, int w, int first, f4 *acc /* rows x 2 */) {
  for (int r = 0; r < rows; r++) {
    float *c = C + (size_t)r * ldc;
    if (w == 8) {
      if (first) { ST(c, acc[2 * r]); ST(c + 4, acc[2 * r + 1]); }
      else { ST(c, ADD(LD(c), acc[2 * r])); ST(c + 4, ADD(LD(c + 4), acc[2 * r + 1])); }
    } else {
      float t[8] __attribute__((aligned(16)));
      ST(t, acc[2 * r]); ST(t + 4, acc[2 * r + 1]);
      for (int j = 0; j < w; j++) c[j] = first ? t[j] : c[j] + t[j];
    }
  }
}

void mk_gemm(int m, int n, int k, const float *A, int lda, int transA, const float *B, int ldb, int transB,
             float *C, int ldc, int accumulate, float *work) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) C[(size_t)i * ldc + j] = 0.0f;
    return;
  }
  if (n < 4 && transB && !transA) {
    /* a few output columns (a layer's input gradient with one or two features): dot products along k */
    for (int i = 0; i < m; i++) {
      const float *a = A + (size_t)i * lda;
      for (int j = 0; j < n; j++) {
        const float *b = B + (size_t)j * ldb;
        f4 acc0 = SPLAT(0), acc1 = SPLAT(0);
        int kk = 0;
        for (; kk + 8 <= k; kk += 8) {
          acc0 = ADD(acc0, MUL(LD(a + kk), LD(b + kk)));
          acc1 = ADD(acc1, MUL(LD(a + kk + 4), LD(b + kk + 4)));
        }
        acc0 = ADD(acc0, acc1);
        float sum = wasm_f32x4_extract_lane(acc0, 0) + wasm_f32x4_extract_lane(acc0, 1) + wasm_f32x4_extract_lane(acc0, 2) + wasm_f32x4_extract_lane(acc0, 3);
        for (; kk < k; kk++) sum += a[kk] * b[kk];
        float *c = C + (size_t)i * ldc + j;
        *c = accumulate ? *c + sum : sum;
      }
    }
    return;
  }
  int np = (n + 7) >> 3;
  for (int k0 = 0; k0 < k; k0 += KC) {
    int kc = k - k0 < KC ? k - k0 : KC;
    int first = !accumulate && k0 == 0;
    pack_b(k0, kc, n, B, ldb, transB, work);
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      for (int p = 0; p < np; p++) {
        const float *P = work + (size_t)p * kc * 8;
        f4 c00 = SPLAT(0), c01 = SPLAT(0), c10 = SPLAT(0), c11 = SPLAT(0);
        f4 c20 = SPLAT(0), c21 = SPLAT(0), c30 = SPLAT(0), c31 = SPLAT(0);
        if (!transA) {
          const float *a0 = A + (size_t)i * lda + k0, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
          for (int kk = 0; kk < kc; kk++) {
            f4 b0 = LD(P + kk * 8), b1 = LD(P + kk * 8 + 4);
            f4 x = SPLAT(a0[kk]); c00 = ADD(c00, MUL(x, b0)); c01 = ADD(c01, MUL(x, b1));
            x = SPLAT(a1[kk]); c10 = ADD(c10, MUL(x, b0)); c11 = ADD(c11, MUL(x, b1));
            x = SPLAT(a2[kk]); c20 = ADD(c20, MUL(x, b0)); c21 = ADD(c21, MUL(x, b1));
            x = SPLAT(a3[kk]); c30 = ADD(c30, MUL(x, b0)); c31 = ADD(c31, MUL(x, b1));
          }
        } else {
          const float *a = A + (size_t)k0 * lda + i;
          for (int kk = 0; kk < kc; kk++, a += lda) {
            f4 b0 = LD(P + kk * 8), b1 = LD(P + kk * 8 + 4);
            f4 x = SPLAT(a[0]); c00 = ADD(c00, MUL(x, b0)); c01 = ADD(c01, MUL(x, b1));
            x = SPLAT(a[1]); c10 = ADD(c10, MUL(x, b0)); c11 = ADD(c11, MUL(x, b1));
            x = SPLAT(a[2]); c20 = ADD(c20, MUL(x, b0)); c21 = ADD(c21, MUL(x, b1));
            x = SPLAT(a[3]); c30 = ADD(c30, MUL(x, b0)); c31 = ADD(c31, MUL(x, b1));
          }
        }
        f4 acc[8] = { c00, c01, c10, c11, c20, c21, c30, c31 };
        int w = n - p * 8 < 8 ? n - p * 8 : 8;
        store_tile(C + (size_t)i * ldc + p * 8, ldc, 4, w, first, acc);
      }
    }
    for (; i < m; i++) {
      for (int p = 0; p < np; p++) {
        const float *P = work + (size_t)p * kc * 8;
        f4 c0 = SPLAT(0), c1 = SPLAT(0);
        for (int kk = 0; kk < kc; kk++) {
          f4 x = SPLAT(AEL(i, k0 + kk));
          c0 = ADD(c0, MUL(x, LD(P + kk * 8))); c1 = ADD(c1, MUL(x, LD(P + kk * 8 + 4)));
        }
        f4 acc[2] = { c0, c1 };
        int w = n - p * 8 < 8 ? n - p * 8 : 8;
        store_tile(C + (size_t)i * ldc + p * 8, ldc, 1, w, first, acc);
      }
    }
  }
}

/* exported: batched C[b] = op(A[b]) op(B[b]) with batch strides (0: broadcast) */
KEXPORT(mk_matmul)
void mk_matmul(int batch, int m, int n, int k, const float *A, int strideA, int transA, const float *B, int strideB,
               int transB, float *C, float *work) {
  int lda = transA ? m : k, ldb = transB ? k : n;
  for (int b = 0; b < batch; b++)
    mk_gemm(m, n, k, A + (size_t)b * strideA, lda, transA, B + (size_t)b * strideB, ldb, transB, C + (size_t)b * m * n, n, 0, work);
}

/* exported: out[j] = sum over i of x[i][j] (x rows x cols, row-major): a sum over leading axes */
KEXPORT(mk_colsum)
void mk_colsum(int rows, int cols, const float *x, float *out) {
  int j = 0;
  for (; j + 16 <= cols; j += 16) {
    f4 a0 = SPLAT(0), a1 = SPLAT(0), a2 = SPLAT(0), a3 = SPLAT(0);
    for (int i = 0; i < rows; i++) {
      const float *r = x + (size_t)i * cols + j;
      a0 = ADD(a0, LD(r)); a1 = ADD(a1, LD(r + 4)); a2 = ADD(a2, LD(r + 8)); a3 = ADD(a3, LD(r + 12));
    }
    ST(out + j, a0); ST(out + j + 4, a1); ST(out + j + 8, a2); ST(out + j + 12, a3);
  }
  for (; j + 4 <= cols; j += 4) {
    f4 a = SPLAT(0);
    for (int i = 0; i < rows; i++) a = ADD(a, LD(x + (size_t)i * cols + j));
    ST(out + j, a);
  }
  for (; j < cols; j++) {
    float a = 0.0f;
    for (int i = 0; i < rows; i++) a += x[(size_t)i * cols + j];
    out[j] = a;
  }
}
