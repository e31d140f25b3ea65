/*
 * Shared SIMD helpers for mlkit's kernels (wasm32 + simd128, freestanding: no libc).
 * Float32 exp is Cephes's expf (range reduction by ln 2 in two parts, a degree-6 polynomial), within about
 * 2 ulp; sigmoid and tanh are built on it.
 */
#ifndef MLKIT_SIMD_H
#define MLKIT_SIMD_H
#include <wasm_simd128.h>
#include <stddef.h>
#include <stdint.h>

typedef v128_t f4;
#define KEXPORT(name) __attribute__((export_name(#name))) 
#define SPLAT(x) wasm_f32x4_splat(x)
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul
#define DIV wasm_f32x4_div

static inline f4 exp4(f4 x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-87.0f)), SPLAT(88.0f));
  /* n = round(x / ln 2) by the 1.5 * 2^23 trick: the sum's low mantissa bits hold n, so 2^n is
     (bits + 127) << 23 with no float-to-int conversion */
  f4 t = ADD(MUL(x, SPLAT(1.44269504088896341f)), SPLAT(12582912.0f));
  f4 n = SUB(t, SPLAT(12582912.0f));
  f4 r = SUB(SUB(x, MUL(n, SPLAT(0.693359375f))), MUL(n, SPLAT(-2.12194440e-4f)));
  f4 p = SPLAT(1.9875691500E-4f);
  p = ADD(MUL(p, r), SPLAT(1.3981999507E-3f));
  p = ADD(MUL(p, r), SPLAT(8.3334519073E-3f));
  p = ADD(MUL(p, r), SPLAT(4.1665795894E-2f));
  p = ADD(MUL(p, r), SPLAT(1.6666665459E-1f));
  p = ADD(MUL(p, r), SPLAT(5.0000001201E-1f));
  p = ADD(ADD(MUL(p, MUL(r, r)), r), SPLAT(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(t, wasm_i32x4_splat(127)), 23);
  return MUL(p, e);
}
static inline f4 sigmoid4(f4 x) { return DIV(SPLAT(1.0f), ADD(SPLAT(1.0f), exp4(wasm_f32x4_neg(x)))); }
/* tanh(x) = 1 - 2 / (exp(2x) + 1): absolute error about 1e-7 */
static inline f4 tanh4(f4 x) { return SUB(SPLAT(1.0f), DIV(SPLAT(2.0f), ADD(exp4(ADD(x, x)), SPLAT(1.0f)))); }

/*
 * Four sigmoids-or-tanhs with one division: each is a / d with d = 1 + exp(+-k x) (arguments clamped so
 * that the product of the four d stays finite: |k x| <= 20), and 1 / d_i is the product of the other
 * three times 1 / (d_0 d_1 d_2 d_3).
 */
static inline f4 dsig(f4 x) { return ADD(SPLAT(1.0f), exp4(wasm_f32x4_min(wasm_f32x4_neg(x), SPLAT(20.0f)))); }
static inline f4 dtanh(f4 x) { return ADD(SPLAT(1.0f), exp4(wasm_f32x4_min(ADD(x, x), SPLAT(20.0f)))); }
static inline void recip4(f4 d0, f4 d1, f4 d2, f4 d3, f4 *r0, f4 *r1, f4 *r2, f4 *r3) {
  f4 d01 = MUL(d0, d1), d23 = MUL(d2, d3);
  f4 r = DIV(SPLAT(1.0f), MUL(d01, d23));
  f4 r01 = MUL(r, d23), r23 = MUL(r, d01);
  *r0 = MUL(r01, d1); *r1 = MUL(r01, d0); *r2 = MUL(r23, d3); *r3 = MUL(r23, d2);
}
static inline void recip2(f4 d0, f4 d1, f4 *r0, f4 *r1) {
  f4 r = DIV(SPLAT(1.0f), MUL(d0, d1));
  *r0 = MUL(r, d1); *r1 = MUL(r, d0);
}

/* the recurrent cells' output activation: 0 tanh, 1 relu, 2 sigmoid, 3 linear */
static inline f4 act4(int a, f4 x) {
  switch (a) {
    case 0: return tanh4(x);
    case 1: return wasm_f32x4_max(x, SPLAT(0.0f));
    case 2: return sigmoid4(x);
    default: return x;
  }
}
/* the derivative of act4 from its output y = act(x) */
static inline f4 dact4(int a, f4 y) {
  switch (a) {
    case 0: return SUB(SPLAT(1.0f), MUL(y, y));
    case 1: return wasm_v128_and(wasm_f32x4_gt(y, SPLAT(0.0f)), SPLAT(1.0f));
    case 2: return MUL(y, SUB(SPLAT(1.0f), y));
    default: return SPLAT(1.0f);
  }
}

/*
 * C (m x n, row stride ldc) = (accumulate ? C : 0) + op(A) op(B), op(A) m x k, op(B) k x n.
 * A is row-major with row stride lda (transA: A is k x m); B likewise (transB: B is n x k).
 * work: at least 8 * ceil(n / 8) * min(k, 256) floats, 16-byte aligned.
 */
void mk_gemm(int m, int n, int k, const float *A, int lda, int transA, const float *B, int ldb, int transB,
             float *C, int ldc, int accumulate, float *work);

#endif
