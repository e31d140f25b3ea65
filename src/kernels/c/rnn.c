/*
 * Fused recurrent layers (LSTM, GRU): the whole sequence forward, and the whole backward pass, in one call
 * each. Layouts: x [B, T, I] and the output sequence [B, T, H] as tfjs has them; everything saved for the
 * backward pass is step-major ([T, B, *], step s = time t, or t = T - 1 - s when `reverse`), so each step's
 * rows are contiguous and the weight gradients are one matrix product over all steps.
 *
 * LSTM (Keras gate order i, f, c, o; kernel W [I, 4H], recurrent kernel U [H, 4H], bias [4H]):
 *   z = x W + (h m) U + b;  i, f, o = sigmoid(z_i, z_f, z_o);  g = act(z_c)
 *   c = f c' + i g;  h = o act(c)             (m: the recurrent dropout mask [B, H], or none)
 * GRU (Keras reset_after, gate order z, r, h; W [I, 3H], U [H, 3H], bias [2, 3H] = input, recurrent):
 *   a = x W + b_in;  q = (h' m) U + b_rec;  z = sigmoid(a_z + q_z);  r = sigmoid(a_r + q_r)
 *   n = act(a_h + r q_h);  h = z h' + (1 - z) n
 * The initial state is zero. Buffers are the caller's (sizes in the comments), 16-byte aligned; `work`
 * is the matrix product's packing space (8 * ceil(4H / 8) * 256 floats suffice for every product here).
 */
#include "simd.h"

static void zero(float *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = 0.0f; }

/* XT [T, B, I] in step order from x [B, T, I] */
static void to_steps(int B, int T, int I, int reverse, const float *x, float *XT) {
  for (int s = 0; s < T; s++) {
    int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const float *src = x + ((size_t)b * T + t) * I;
      float *dst = XT + ((size_t)s * B + b) * I;
      for (int i = 0; i < I; i++) dst[i] = src[i];
    }
  }
}
/* y [B, T, H] (time order) from S [T, B, H] (step order); accumulate: add */
static void from_steps(int B, int T, int H, int reverse, const float *S, float *y, int ystride, int accumulate) {
  for (int s = 0; s < T; s++) {
    int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const float *src = S + ((size_t)s * B + b) * H;
      float *dst = y + ((size_t)b * T + t) * ystride;
      if (accumulate) for (int i = 0; i < H; i++) dst[i] += src[i];
      else for (int i = 0; i < H; i++) dst[i] = src[i];
    }
  }
}
/* the outputs from the step-major states: the sequence y [B, T, *] and/or the last step [B, *] */
static void write_outputs(int B, int T, int H, int reverse, const float *Hs, float *y, int ystride, float *last, int lstride) {
  if (y) from_steps(B, T, H, reverse, Hs, y, ystride, 0);
  if (last) for (int b = 0; b < B; b++) for (int j = 0; j < H; j++) last[(size_t)b * lstride + j] = Hs[(size_t)(T - 1) * B * H + (size_t)b * H + j];
}
/* dH += the output's gradient at time t (the sequence's, and the last step's at the last step) */
static void add_output_grad(int B, int T, int H, int t, int is_last, const float *dy, int dystride, const float *dlast, int dlstride, float *dH) {
  if (dy) for (int b = 0; b < B; b++) {
    const float *src = dy + ((size_t)b * T + t) * dystride;
    float *d = dH + (size_t)b * H;
    for (int j = 0; j < H; j++) d[j] += src[j];
  }
  if (dlast && is_last) for (int b = 0; b < B; b++) for (int j = 0; j < H; j++) dH[(size_t)b * H + j] += dlast[(size_t)b * dlstride + j];
}
static void bias_rows(float *Z, size_t rows, int n, const float *bias) {
  for (size_t r = 0; r < rows; r++) for (int j = 0; j < n; j++) Z[r * n + j] = bias[j];
}
/*
 * LSTM forward. Saved for the backward pass: XT [T, B, I], G [T, B, 4H] (i, f, g, o after activation),
 * Cs [T, B, H] (cell), TC [T, B, H] (act(cell)), Hs [T, B, H] (output), HM [T, B, H] (h * mask of the
 * steps before the last, only with a mask).
 * y: the output sequence [B, T, H] in time order, written at column offset yoff of rows of ystride values
 * (a bidirectional layer writes both directions into one [B, T, 2H]); null: not wanted.
 * last: h of the last step [B, H] at column offset of rows of lstride values; null: not wanted.
 */
KEXPORT(mk_lstm_forward)
void mk_lstm_forward(int B, int T, int I, int H, int act, int reverse, const float *x, const float *W,
                     const float *U, const float *bias, const float *mask, float *XT, float *G, float *Cs, float *TC,
                     float *Hs, float *HM, float *y, int ystride, float *last, int lstride, float *work) {
  int H4 = 4 * H;
  size_t BH = (size_t)B * H, BH4 = (size_t)B * H4;
  to_steps(B, T, I, reverse, x, XT);
  bias_rows(G, (size_t)T * B, H4, bias);
  mk_gemm(T * B, H4, I, XT, I, 0, W, H4, 0, G, H4, 1, work);
  for (int s = 0; s < T; s++) {
    float *Z = G + s * BH4, *c = Cs + s * BH, *tc = TC + s * BH, *h = Hs + s * BH;
    const float *cp = s ? Cs + (s - 1) * BH : 0;
    if (s) {
      const float *hp = Hs + (s - 1) * BH;
      if (mask) {
        float *hm = HM + (s - 1) * BH;
        for (size_t j = 0; j < BH; j++) hm[j] = hp[j] * mask[j];
        hp = hm;
      }
      mk_gemm(B, H4, H, hp, H, 0, U, H4, 0, Z, H4, 1, work);
    }
    for (int b = 0; b < B; b++) {
      float *zi = Z + (size_t)b * H4, *zf = zi + H, *zg = zf + H, *zo = zg + H;
      float *cb = c + (size_t)b * H, *tcb = tc + (size_t)b * H, *hb = h + (size_t)b * H;
      const float *cpb = cp ? cp + (size_t)b * H : 0;
      int j = 0;
      for (; j + 4 <= H; j += 4) {
        f4 vi, vf, vg, vo;
        if (act == 0) {
          /* tanh: the four gates with one division */
          f4 rg;
          recip4(dsig(LD(zi + j)), dsig(LD(zf + j)), dsig(LD(zo + j)), dtanh(LD(zg + j)), &vi, &vf, &vo, &rg);
          vg = SUB(SPLAT(1.0f), ADD(rg, rg));
        } else {
          vi = sigmoid4(LD(zi + j)); vf = sigmoid4(LD(zf + j)); vg = act4(act, LD(zg + j)); vo = sigmoid4(LD(zo + j));
        }
        f4 vc = MUL(vi, vg);
        if (cpb) vc = ADD(vc, MUL(vf, LD(cpb + j)));
        f4 vt = act4(act, vc);
        ST(zi + j, vi); ST(zf + j, vf); ST(zg + j, vg); ST(zo + j, vo);
        ST(cb + j, vc); ST(tcb + j, vt);
        ST(hb + j, MUL(vo, vt));
      }
      for (; j < H; j++) {
        float t4[4] __attribute__((aligned(16))) = { zi[j], zf[j], zg[j], zo[j] };
        f4 v = LD(t4);
        f4 sg = sigmoid4(v), ag = act4(act, v);
        float vi = wasm_f32x4_extract_lane(sg, 0), vf = wasm_f32x4_extract_lane(sg, 1), vg = wasm_f32x4_extract_lane(ag, 2), vo = wasm_f32x4_extract_lane(sg, 3);
        float vc = vi * vg + (cpb ? vf * cpb[j] : 0.0f);
        float vt = wasm_f32x4_extract_lane(act4(act, SPLAT(vc)), 0);
        zi[j] = vi; zf[j] = vf; zg[j] = vg; zo[j] = vo; cb[j] = vc; tcb[j] = vt;
        hb[j] = vo * vt;
      }
    }
  }
  write_outputs(B, T, H, reverse, Hs, y, ystride, last, lstride);
}

/*
 * LSTM backward from the saved state. dy: gradient of the output sequence [B, T, *] at column offset
 * (rows of dystride values), or null; dlast: gradient of the last step's h [B, *] (rows of dlstride), or null.
 * Out: dx [B, T, I] (added to when accumulate_dx: a bidirectional layer's two directions), dW [I, 4H],
 * dU [H, 4H], db [4H]. Scratch: dH [B, H], dC [B, H], DXT [T, B, I]; G is overwritten with dz.
 */
KEXPORT(mk_lstm_backward)
void mk_lstm_backward(int B, int T, int I, int H, int act, int reverse, const float *W, const float *U,
                      const float *mask, const float *XT, float *G, const float *Cs, const float *TC, const float *Hs,
                      const float *HM, const float *dy, int dystride, const float *dlast, int dlstride, float *dx, int accumulate_dx,
                      float *dW, float *dU, float *db, float *dH, float *dC, float *DXT, float *work) {
  int H4 = 4 * H;
  size_t BH = (size_t)B * H, BH4 = (size_t)B * H4;
  zero(dH, BH);
  zero(dC, BH);
  for (int s = T - 1; s >= 0; s--) {
    int t = reverse ? T - 1 - s : s;
    float *Z = G + s * BH4;
    const float *tc = TC + s * BH, *cp = s ? Cs + (s - 1) * BH : 0;
    add_output_grad(B, T, H, t, s == T - 1, dy, dystride, dlast, dlstride, dH);
    for (int b = 0; b < B; b++) {
      float *zi = Z + (size_t)b * H4, *zf = zi + H, *zg = zf + H, *zo = zg + H;
      const float *tcb = tc + (size_t)b * H, *cpb = cp ? cp + (size_t)b * H : 0;
      float *dh = dH + (size_t)b * H, *dc = dC + (size_t)b * H;
      int j = 0;
      for (; j + 4 <= H; j += 4) {
        f4 vi = LD(zi + j), vf = LD(zf + j), vg = LD(zg + j), vo = LD(zo + j);
        f4 vdh = LD(dh + j);
        f4 vt = LD(tcb + j);
        f4 vdc = ADD(LD(dc + j), MUL(MUL(vdh, vo), dact4(act, vt)));
        f4 one = SPLAT(1.0f);
        f4 dzo = MUL(MUL(vdh, vt), MUL(vo, SUB(one, vo)));
        f4 dzi = MUL(MUL(vdc, vg), MUL(vi, SUB(one, vi)));
        f4 dzg = MUL(MUL(vdc, vi), dact4(act, vg));
        f4 dzf = cpb ? MUL(MUL(vdc, LD(cpb + j)), MUL(vf, SUB(one, vf))) : SPLAT(0.0f);
        ST(dc + j, MUL(vdc, vf));
        ST(zi + j, dzi); ST(zf + j, dzf); ST(zg + j, dzg); ST(zo + j, dzo);
      }
      for (; j < H; j++) {
        float vi = zi[j], vf = zf[j], vg = zg[j], vo = zo[j], vdh = dh[j];
        float vt = tcb[j];
        float vdc = dc[j] + vdh * vo * wasm_f32x4_extract_lane(dact4(act, SPLAT(vt)), 0);
        zo[j] = vdh * vt * vo * (1.0f - vo);
        zi[j] = vdc * vg * vi * (1.0f - vi);
        zg[j] = vdc * vi * wasm_f32x4_extract_lane(dact4(act, SPLAT(vg)), 0);
        zf[j] = cpb ? vdc * cpb[j] * vf * (1.0f - vf) : 0.0f;
        dc[j] = vdc * vf;
      }
    }
    /* the gradient reaching h of the step before */
    if (s) {
      mk_gemm(B, H, H4, Z, H4, 0, U, H4, 1, dH, H, 0, work);
      if (mask) for (size_t j = 0; j < BH; j++) dH[j] *= mask[j];
    }
  }
  /* weights: dW = XT^T dz, dU = (h m)[0 .. T-2]^T dz[1 .. T-1], db = column sums; dx = dz W^T */
  mk_gemm(I, H4, T * B, XT, I, 1, G, H4, 0, dW, H4, 0, work);
  if (T > 1) mk_gemm(H, H4, (T - 1) * B, mask ? HM : Hs, H, 1, G + BH4, H4, 0, dU, H4, 0, work);
  else zero(dU, (size_t)H * H4);
  zero(db, H4);
  for (size_t r = 0; r < (size_t)T * B; r++) {
    const float *z = G + r * H4;
    int j = 0;
    for (; j + 4 <= H4; j += 4) ST(db + j, ADD(LD(db + j), LD(z + j)));
    for (; j < H4; j++) db[j] += z[j];
  }
  mk_gemm(T * B, I, H4, G, H4, 0, W, H4, 1, DXT, I, 0, work);
  from_steps(B, T, I, reverse, DXT, dx, I, accumulate_dx);
}

/*
 * GRU forward. Saved: XT [T, B, I], G [T, B, 4H] (z, r, n after activation, and q_h: the recurrent part
 * of the candidate before the reset gate), Hs [T, B, H], HM [T, B, H] (with a mask). Scratch: Q [B, 3H].
 */
KEXPORT(mk_gru_forward)
void mk_gru_forward(int B, int T, int I, int H, int act, int reverse, const float *x, const float *W,
                    const float *U, const float *bias, const float *mask, float *XT, float *G, float *Hs, float *HM,
                    float *Q, float *y, int ystride, float *last, int lstride, float *work) {
  int H3 = 3 * H, H4 = 4 * H;
  size_t BH = (size_t)B * H, BH4 = (size_t)B * H4;
  const float *bin = bias, *brec = bias + H3;
  to_steps(B, T, I, reverse, x, XT);
  /* a = x W + b_in into the first 3H columns of each G row */
  bias_rows(G, (size_t)T * B, H4, bin); /* the 4th block is overwritten below */
  mk_gemm(T * B, H3, I, XT, I, 0, W, H3, 0, G, H4, 1, work);
  for (int s = 0; s < T; s++) {
    float *A = G + s * BH4, *h = Hs + s * BH;
    const float *hp = s ? Hs + (s - 1) * BH : 0;
    const float *hq = hp;
    bias_rows(Q, B, H3, brec);
    if (s) {
      if (mask) {
        float *hm = HM + (s - 1) * BH;
        for (size_t j = 0; j < BH; j++) hm[j] = hp[j] * mask[j];
        hq = hm;
      }
      mk_gemm(B, H3, H, hq, H, 0, U, H3, 0, Q, H3, 1, work);
    }
    for (int b = 0; b < B; b++) {
      float *az = A + (size_t)b * H4, *ar = az + H, *ah = ar + H, *aq = ah + H;
      const float *qz = Q + (size_t)b * H3, *qr = qz + H, *qh = qr + H;
      float *hb = h + (size_t)b * H;
      const float *hpb = hp ? hp + (size_t)b * H : 0;
      int j = 0;
      for (; j + 4 <= H; j += 4) {
        f4 vz, vr;
        recip2(dsig(ADD(LD(az + j), LD(qz + j))), dsig(ADD(LD(ar + j), LD(qr + j))), &vz, &vr);
        f4 vq = LD(qh + j);
        f4 vn = act4(act, ADD(LD(ah + j), MUL(vr, vq)));
        f4 vh = MUL(SUB(SPLAT(1.0f), vz), vn);
        if (hpb) vh = ADD(vh, MUL(vz, LD(hpb + j)));
        ST(az + j, vz); ST(ar + j, vr); ST(ah + j, vn); ST(aq + j, vq); ST(hb + j, vh);
      }
      for (; j < H; j++) {
        float t4[4] __attribute__((aligned(16))) = { az[j] + qz[j], ar[j] + qr[j], 0, 0 };
        f4 sg = sigmoid4(LD(t4));
        float vz = wasm_f32x4_extract_lane(sg, 0), vr = wasm_f32x4_extract_lane(sg, 1);
        float vn = wasm_f32x4_extract_lane(act4(act, SPLAT(ah[j] + vr * qh[j])), 0);
        aq[j] = qh[j];
        az[j] = vz; ar[j] = vr; ah[j] = vn;
        hb[j] = (1.0f - vz) * vn + (hpb ? vz * hpb[j] : 0.0f);
      }
    }
  }
  write_outputs(B, T, H, reverse, Hs, y, ystride, last, lstride);
}

/*
 * GRU backward. Out: dx (added to when accumulate_dx), dW [I, 3H], dU [H, 3H], db [2, 3H].
 * Scratch: dH [B, H], tmp [B, H], DA [T, B, 3H] (input-side dz), DQ [T, B, 3H] (recurrent-side dz), DXT [T, B, I].
 */
KEXPORT(mk_gru_backward)
void mk_gru_backward(int B, int T, int I, int H, int act, int reverse, const float *W, const float *U,
                     const float *mask, const float *XT, const float *G, const float *Hs, const float *HM,
                     const float *dy, int dystride, const float *dlast, int dlstride, float *dx, int accumulate_dx,
                     float *dW, float *dU, float *db, float *dH, float *tmp, float *DA, float *DQ, float *DXT, float *work) {
  int H3 = 3 * H, H4 = 4 * H;
  size_t BH = (size_t)B * H, BH3 = (size_t)B * H3, BH4 = (size_t)B * H4;
  zero(dH, BH);
  for (int s = T - 1; s >= 0; s--) {
    int t = reverse ? T - 1 - s : s;
    const float *A = G + s * BH4;
    const float *hp = s ? Hs + (s - 1) * BH : 0;
    float *da = DA + s * BH3, *dq = DQ + s * BH3;
    add_output_grad(B, T, H, t, s == T - 1, dy, dystride, dlast, dlstride, dH);
    for (int b = 0; b < B; b++) {
      const float *vz_ = A + (size_t)b * H4, *vr_ = vz_ + H, *vn_ = vr_ + H, *vq_ = vn_ + H;
      const float *hpb = hp ? hp + (size_t)b * H : 0;
      float *dh = dH + (size_t)b * H;
      float *daz = da + (size_t)b * H3, *dar = daz + H, *dah = dar + H;
      float *dqz = dq + (size_t)b * H3, *dqr = dqz + H, *dqh = dqr + H;
      int j = 0;
      for (; j + 4 <= H; j += 4) {
        f4 one = SPLAT(1.0f);
        f4 vz = LD(vz_ + j), vr = LD(vr_ + j), vn = LD(vn_ + j), vq = LD(vq_ + j), vdh = LD(dh + j);
        f4 hpv = hpb ? LD(hpb + j) : SPLAT(0.0f);
        f4 dn = MUL(MUL(vdh, SUB(one, vz)), dact4(act, vn));
        f4 dz = MUL(MUL(vdh, SUB(hpv, vn)), MUL(vz, SUB(one, vz)));
        f4 dr = MUL(MUL(dn, vq), MUL(vr, SUB(one, vr)));
        ST(daz + j, dz); ST(dar + j, dr); ST(dah + j, dn);
        ST(dqz + j, dz); ST(dqr + j, dr); ST(dqh + j, MUL(dn, vr));
        ST(dh + j, MUL(vdh, vz)); /* the direct path z h'; the recurrent product is added below */
      }
      for (; j < H; j++) {
        float vz = vz_[j], vr = vr_[j], vn = vn_[j], vq = vq_[j], vdh = dh[j], hpv = hpb ? hpb[j] : 0.0f;
        float dn = vdh * (1.0f - vz) * wasm_f32x4_extract_lane(dact4(act, SPLAT(vn)), 0);
        float dz = vdh * (hpv - vn) * vz * (1.0f - vz);
        float dr = dn * vq * vr * (1.0f - vr);
        daz[j] = dz; dar[j] = dr; dah[j] = dn; dqz[j] = dz; dqr[j] = dr; dqh[j] = dn * vr;
        dh[j] = vdh * vz;
      }
    }
    if (s) {
      if (mask) {
        mk_gemm(B, H, H3, dq, H3, 0, U, H3, 1, tmp, H, 0, work);
        for (size_t j = 0; j < BH; j++) dH[j] += tmp[j] * mask[j];
      } else {
        mk_gemm(B, H, H3, dq, H3, 0, U, H3, 1, dH, H, 1, work);
      }
    } else {
      zero(dH, BH);
    }
  }
  mk_gemm(I, H3, T * B, XT, I, 1, DA, H3, 0, dW, H3, 0, work);
  if (T > 1) mk_gemm(H, H3, (T - 1) * B, mask ? HM : Hs, H, 1, DQ + BH3, H3, 0, dU, H3, 0, work);
  else zero(dU, (size_t)H * H3);
  zero(db, 2 * H3);
  for (size_t r = 0; r < (size_t)T * B; r++) {
    for (int j = 0; j < H3; j++) db[j] += DA[r * H3 + j];
    for (int j = 0; j < H3; j++) db[H3 + j] += DQ[r * H3 + j];
  }
  mk_gemm(T * B, I, H3, DA, H3, 0, W, H3, 1, DXT, I, 0, work);
  from_steps(B, T, I, reverse, DXT, dx, I, accumulate_dx);
}
