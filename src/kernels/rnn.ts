/**
 * The fused recurrent kernels (c/rnn.c) over plain Float32Arrays: one call runs a whole layer (one or
 * two directions) forward, one call its whole backward pass. No tfjs here: the layer in
 * estimators/nn/recurrent.ts wraps these as a tfjs op with its own gradient.
 */
import { Block, type Kernels, type Ptr } from './index.js';

export type Cell = 'lstm' | 'gru';
/** the output activations the kernels have (others use the pure tfjs layer) */
export const KERNEL_ACTIVATIONS: Record<string, number> = { tanh: 0, relu: 1, sigmoid: 2, linear: 3 };

export interface RnnShape {
  cell: Cell;
  batch: number;
  steps: number;
  inputs: number;
  units: number;
  activation: string;
  /** the output: every step [batch, steps, dirs * units], or the last step [batch, dirs * units] */
  returnSequences: boolean;
}
export interface Direction {
  /** [inputs, G * units], [units, G * units] (G = 4 for lstm, 3 for gru), bias [4 units] (lstm) or [2, 3 units] (gru) */
  kernel: Float32Array;
  recurrent: Float32Array;
  bias: Float32Array;
  /** the recurrent dropout mask [batch, units] (kept values scaled), or null */
  mask: Float32Array | null;
}
/**
 * What the backward pass needs: the shape, the weights, and each direction's saved state, kept in the
 * kernels' memory (a Block: freed by the backward pass, or when this object is collected without one).
 */
export interface RnnSaved {
  shape: RnnShape;
  dirs: Direction[];
  block: Block;
  /** per direction: the byte offset of its state in the block */
  offsets: number[];
}

const gates = (c: Cell) => (c === 'lstm' ? 4 : 3);

/** floats of each saved buffer, each rounded up to 4 (16 bytes) */
function sizes(s: RnnShape, masked: boolean) {
  const { batch: B, steps: T, inputs: I, units: H } = s;
  const r4 = (n: number) => Math.ceil(n / 4) * 4;
  const xt = r4(T * B * I), g = r4(T * B * 4 * H), c = s.cell === 'lstm' ? r4(T * B * H) : 0, h = r4(T * B * H), hm = masked ? r4(T * B * H) : 0;
  // lstm: the cell and its activation (c, tc); gru: neither
  return { xt, g, c, h, hm, total: xt + g + 2 * c + h + hm };
}
/** addresses of one direction's saved buffers from its start */
function stateAt(at: Ptr, sz: ReturnType<typeof sizes>) {
  const xt = at, g = xt + 4 * sz.xt, c = g + 4 * sz.g, tc = c + 4 * sz.c, h = tc + 4 * sz.c, hm = h + 4 * sz.h;
  return { xt, g, c, tc, h, hm };
}
const workFloats = (s: RnnShape) => 8 * Math.ceil(Math.max(4 * s.units, s.inputs, 8) / 8) * 256;
const biasFloats = (s: RnnShape) => (s.cell === 'lstm' ? 4 * s.units : 6 * s.units);

function check(data: Float32Array, n: number, what: string): void {
  if (data.length !== n) throw new Error(`${what}: ${data.length} floats, expected ${n}`);
}

/**
 * Forward over every direction (the second runs backwards in time; outputs are concatenated, forward
 * first, as Keras's Bidirectional does). `save`: keep the state the backward pass needs.
 */
export function rnnForward(k: Kernels, s: RnnShape, x: Float32Array, dirs: Direction[], save: boolean): { out: Float32Array; saved?: RnnSaved } {
  const { batch: B, steps: T, inputs: I, units: H, cell } = s;
  const G = gates(cell), D = dirs.length;
  const act = KERNEL_ACTIVATIONS[s.activation];
  if (act === undefined) throw new Error(`no kernel for activation ${s.activation}`);
  check(x, B * T * I, 'input');
  const szs = dirs.map((d) => sizes(s, d.mask !== null));
  const stateBytes = 4 * szs.reduce((n, z) => n + z.total, 0);
  // the state: kept in a block for the backward pass, else in the call's arena
  const block = save ? new Block(k, stateBytes) : undefined;
  const offsets = szs.map((_, i) => 4 * szs.slice(0, i).reduce((n, z) => n + z.total, 0));
  const a = k.arena();
  const pstate = block ? 0 : a.alloc(stateBytes / 4);
  const px = a.alloc(B * T * I);
  const pd = dirs.map((d) => {
    check(d.kernel, I * G * H, 'kernel'); check(d.recurrent, H * G * H, 'recurrent kernel'); check(d.bias, biasFloats(s), 'bias');
    if (d.mask) check(d.mask, B * H, 'mask');
    return { w: a.alloc(I * G * H), u: a.alloc(H * G * H), b: a.alloc(biasFloats(s)), m: d.mask ? a.alloc(B * H) : -1 };
  });
  const outLen = s.returnSequences ? B * T * D * H : B * D * H;
  const pout = a.alloc(outLen), pq = a.alloc(B * 3 * H), pwork = a.alloc(workFloats(s));
  try {
    a.commit();
    a.f32(px, x.length).set(x);
    dirs.forEach((d, i) => {
      const p = pd[i]!;
      a.f32(p.w, d.kernel.length).set(d.kernel);
      a.f32(p.u, d.recurrent.length).set(d.recurrent);
      a.f32(p.b, d.bias.length).set(d.bias);
      if (d.mask) a.f32(p.m, d.mask.length).set(d.mask);
      const st = stateAt((block ? block.at : a.at(pstate)) + offsets[i]!, szs[i]!);
      const y = s.returnSequences ? a.at(pout) + 4 * i * H : 0, last = s.returnSequences ? 0 : a.at(pout) + 4 * i * H;
      const m = d.mask ? a.at(p.m) : 0;
      if (cell === 'lstm') k.exports.mk_lstm_forward(B, T, I, H, act, i, a.at(px), a.at(p.w), a.at(p.u), a.at(p.b), m, st.xt, st.g, st.c, st.tc, st.h, st.hm, y, D * H, last, D * H, a.at(pwork));
      else k.exports.mk_gru_forward(B, T, I, H, act, i, a.at(px), a.at(p.w), a.at(p.u), a.at(p.b), m, st.xt, st.g, st.h, st.hm, a.at(pq), y, D * H, last, D * H, a.at(pwork));
    });
    const out = a.f32(pout, outLen).slice();
    return block ? { out, saved: { shape: s, dirs, block, offsets } } : { out };
  } catch (e) {
    block?.free();
    throw e;
  } finally {
    a.release();
  }
}

/**
 * The gradients of every input from the gradient of the output: dx and each direction's dW, dU, db.
 * Frees the saved state (a second backward pass over the same state is an error).
 */
export function rnnBackward(k: Kernels, saved: RnnSaved, dOut: Float32Array): { dx: Float32Array; grads: { kernel: Float32Array; recurrent: Float32Array; bias: Float32Array }[] } {
  const { shape: s, dirs, block } = saved;
  if (!block.alive) throw new Error('rnnBackward: this forward pass\'s state was already used');
  const { batch: B, steps: T, inputs: I, units: H, cell } = s;
  const G = gates(cell), D = dirs.length;
  const act = KERNEL_ACTIVATIONS[s.activation]!;
  check(dOut, s.returnSequences ? B * T * D * H : B * D * H, 'output gradient');
  const a = k.arena();
  const pdo = a.alloc(dOut.length), pdx = a.alloc(B * T * I);
  const pd = dirs.map((d) => ({
    w: a.alloc(I * G * H), u: a.alloc(H * G * H), m: d.mask ? a.alloc(B * H) : -1,
    dw: a.alloc(I * G * H), du: a.alloc(H * G * H), db: a.alloc(biasFloats(s)),
  }));
  const pdh = a.alloc(B * H), ptmp = a.alloc(B * H), pdxt = a.alloc(T * B * I);
  const pda = cell === 'gru' ? a.alloc(T * B * 3 * H) : 0, pdq = cell === 'gru' ? a.alloc(T * B * 3 * H) : 0;
  const pwork = a.alloc(workFloats(s));
  try {
    a.commit();
    a.f32(pdo, dOut.length).set(dOut);
    const grads = dirs.map((d, i) => {
      const p = pd[i]!;
      a.f32(p.w, d.kernel.length).set(d.kernel);
      a.f32(p.u, d.recurrent.length).set(d.recurrent);
      if (d.mask) a.f32(p.m, d.mask.length).set(d.mask);
      const st = stateAt(block.at + saved.offsets[i]!, sizes(s, d.mask !== null));
      const dy = s.returnSequences ? a.at(pdo) + 4 * i * H : 0, dlast = s.returnSequences ? 0 : a.at(pdo) + 4 * i * H;
      const m = d.mask ? a.at(p.m) : 0;
      if (cell === 'lstm') k.exports.mk_lstm_backward(B, T, I, H, act, i, a.at(p.w), a.at(p.u), m, st.xt, st.g, st.c, st.tc, st.h, st.hm, dy, D * H, dlast, D * H, a.at(pdx), i > 0 ? 1 : 0, a.at(p.dw), a.at(p.du), a.at(p.db), a.at(pdh), a.at(ptmp), a.at(pdxt), a.at(pwork));
      else k.exports.mk_gru_backward(B, T, I, H, act, i, a.at(p.w), a.at(p.u), m, st.xt, st.g, st.h, st.hm, dy, D * H, dlast, D * H, a.at(pdx), i > 0 ? 1 : 0, a.at(p.dw), a.at(p.du), a.at(p.db), a.at(pdh), a.at(ptmp), a.at(pda), a.at(pdq), a.at(pdxt), a.at(pwork));
      return { kernel: a.f32(p.dw, I * G * H).slice(), recurrent: a.f32(p.du, H * G * H).slice(), bias: a.f32(p.db, biasFloats(s)).slice() };
    });
    return { dx: a.f32(pdx, B * T * I).slice(), grads };
  } finally {
    a.release();
    block.free();
  }
}
