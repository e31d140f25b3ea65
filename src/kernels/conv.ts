/**
 * The 1-D convolution and max pooling kernels (c/conv.c) over plain arrays, forward and backward.
 * A training forward pass keeps what its backward pass needs (the patches and the output, or the
 * positions of the maxima) in a Block of the kernels' memory, freed by the backward pass.
 */
import { Block, type Kernels } from './index.js';
import { KERNEL_ACTIVATIONS } from './rnn.js';

export interface ConvShape { batch: number; steps: number; channels: number; kernel: number; stride: number; filters: number; activation: string }
export interface ConvSaved { shape: ConvShape; block: Block; kernel: Float32Array }

const outSteps = (s: ConvShape) => Math.floor((s.steps - s.kernel) / s.stride) + 1;
const workFloats = (n: number) => 8 * Math.ceil(Math.max(n, 8) / 8) * 256;

/** y [B, To, F] = act(conv(x, W) + bias); `save`: keep the state for convBackward */
export function convForward(k: Kernels, s: ConvShape, x: Float32Array, W: Float32Array, bias: Float32Array, save: boolean): { y: Float32Array; saved?: ConvSaved } {
  const { batch: B, steps: T, channels: C, kernel: K, stride, filters: F } = s;
  const act = KERNEL_ACTIVATIONS[s.activation];
  if (act === undefined) throw new Error(`no kernel for activation ${s.activation}`);
  const To = outSteps(s), rows = B * To, KC = K * C;
  if (To < 1 || x.length !== B * T * C || W.length !== KC * F || bias.length !== F) throw new Error(`conv1d: buffers do not fit ${JSON.stringify(s)}`);
  const pBytes = 4 * Math.ceil((rows * KC) / 4) * 4;
  // the patches and the output: kept in a block for the backward pass, else in the call's arena
  const block = save ? new Block(k, pBytes + 4 * rows * F) : undefined;
  const a = k.arena();
  const px = a.alloc(x.length), pw = a.alloc(W.length), pb = a.alloc(F), pwork = a.alloc(workFloats(F));
  const pp = block ? 0 : a.alloc(rows * KC), py = block ? 0 : a.alloc(rows * F);
  try {
    a.commit();
    a.f32(px, x.length).set(x);
    a.f32(pw, W.length).set(W);
    a.f32(pb, F).set(bias);
    const P = block ? block.at : a.at(pp), Y = block ? block.at + pBytes : a.at(py);
    (k.exports.mk_conv1d_forward as (...a: number[]) => void)(B, T, C, K, stride, F, act, a.at(px), a.at(pw), a.at(pb), P, Y, a.at(pwork));
    const y = new Float32Array(k.exports.memory.buffer, Y, rows * F).slice();
    return block ? { y, saved: { shape: s, block, kernel: W } } : { y };
  } catch (e) {
    block?.free();
    throw e;
  } finally {
    a.release();
  }
}

/** dx, dW, db from dy; frees the saved state */
export function convBackward(k: Kernels, saved: ConvSaved, dy: Float32Array): { dx: Float32Array; dW: Float32Array; db: Float32Array } {
  const { shape: s, block, kernel: W } = saved;
  if (!block.alive) throw new Error('convBackward: this forward pass\'s state was already used');
  const { batch: B, steps: T, channels: C, kernel: K, stride, filters: F } = s;
  const act = KERNEL_ACTIVATIONS[s.activation]!;
  const To = outSteps(s), rows = B * To, KC = K * C;
  const pBytes = 4 * Math.ceil((rows * KC) / 4) * 4;
  const a = k.arena();
  const pdy = a.alloc(rows * F), pw = a.alloc(W.length), pdx = a.alloc(B * T * C), pdw = a.alloc(KC * F), pdb = a.alloc(F), pdp = a.alloc(rows * KC), pwork = a.alloc(workFloats(Math.max(F, KC)));
  try {
    a.commit();
    a.f32(pdy, rows * F).set(dy);
    a.f32(pw, W.length).set(W);
    (k.exports.mk_conv1d_backward as (...a: number[]) => void)(B, T, C, K, stride, F, act, a.at(pw), block.at, block.at + pBytes, a.at(pdy), a.at(pdx), a.at(pdw), a.at(pdb), a.at(pdp), a.at(pwork));
    return { dx: a.f32(pdx, B * T * C).slice(), dW: a.f32(pdw, KC * F).slice(), db: a.f32(pdb, F).slice() };
  } finally {
    a.release();
    block.free();
  }
}

export interface PoolSaved { batch: number; steps: number; channels: number; pool: number; block: Block }

/** y [B, floor(T / p), C]: the max of each run of p steps; `save`: keep the maxima's positions */
export function maxPoolForward(k: Kernels, B: number, T: number, C: number, p: number, x: Float32Array, save: boolean): { y: Float32Array; saved?: PoolSaved } {
  const To = Math.floor(T / p);
  if (To < 1 || x.length !== B * T * C) throw new Error(`maxpool1d: ${x.length} values do not fit [${B}, ${T}, ${C}] / ${p}`);
  // the maxima's positions: kept in a block for the backward pass, else in the call's arena
  const block = save ? new Block(k, 4 * B * To * C) : undefined;
  const a = k.arena();
  const px = a.alloc(x.length), py = a.alloc(B * To * C), parg = block ? 0 : a.alloc(B * To * C);
  try {
    a.commit();
    a.f32(px, x.length).set(x);
    (k.exports.mk_maxpool1d_forward as (...a: number[]) => void)(B, T, C, p, a.at(px), a.at(py), block ? block.at : a.at(parg));
    const y = a.f32(py, B * To * C).slice();
    return block ? { y, saved: { batch: B, steps: T, channels: C, pool: p, block } } : { y };
  } catch (e) {
    block?.free();
    throw e;
  } finally {
    a.release();
  }
}

/** dx [B, T, C] from dy; frees the saved state */
export function maxPoolBackward(k: Kernels, saved: PoolSaved, dy: Float32Array): Float32Array {
  const { batch: B, steps: T, channels: C, pool: p, block } = saved;
  if (!block.alive) throw new Error('maxPoolBackward: this forward pass\'s state was already used');
  const a = k.arena();
  const pdy = a.alloc(dy.length), pdx = a.alloc(B * T * C);
  try {
    a.commit();
    a.f32(pdy, dy.length).set(dy);
    (k.exports.mk_maxpool1d_backward as (...a: number[]) => void)(B, T, C, p, a.at(pdy), block.at, a.at(pdx));
    return a.f32(pdx, B * T * C).slice();
  } finally {
    a.release();
    block.free();
  }
}
