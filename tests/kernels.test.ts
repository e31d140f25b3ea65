/**
 * The SIMD WebAssembly kernels (src/kernels/) against their pure-tfjs references: the fused recurrent
 * layer (LSTM and GRU; one direction and bidirectional; every step or the last; with and without a
 * recurrent dropout mask; tanh and relu; unit counts that are and are not multiples of 4) gives the
 * reference's outputs and gradients, its gradients pass a finite-difference check, and training with
 * the kernels on and off gives the same loss curve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussian, rng } from '../src/core/random.js';
import { loadTf, type Tf } from '../src/estimators/nn/backend.js';
import { recurrentLayer } from '../src/estimators/nn/recurrent.js';
import { kernels } from '../src/kernels/index.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
const log = { info: () => {}, warn: () => {}, debug: () => {} };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

interface Case { cell: 'lstm' | 'gru'; B: number; T: number; I: number; H: number; bidirectional: boolean; returnSequences: boolean; dropout: number; activation: string }

/** a built layer with random weights (non-zero biases), a random input and a random output weighting */
function setup(t: Tf, c: Case, seed: number) {
  const { tf } = t;
  const Recurrent = recurrentLayer(t);
  const layer = new Recurrent({ cell: c.cell, units: c.H, bidirectional: c.bidirectional, returnSequences: c.returnSequences, recurrentDropout: c.dropout, activation: c.activation, seed }) as any;
  layer.build([c.B, c.T, c.I]);
  const g = gaussian(rng(seed));
  layer.setWeights(layer.getWeights().map((w: Tensor) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.5 * g()), w.shape)));
  const x = tf.tensor(Float32Array.from({ length: c.B * c.T * c.I }, () => g()), [c.B, c.T, c.I]);
  const masks = (layer.bidirectional ? [0, 1] : [0]).map(() => (c.dropout > 0 ? Float32Array.from({ length: c.B * c.H }, () => (g() > 0 ? 1 / (1 - c.dropout) : 0)) : null));
  const width = (c.bidirectional ? 2 : 1) * c.H;
  const r = tf.tensor(Float32Array.from({ length: c.B * (c.returnSequences ? c.T : 1) * width }, () => g()), c.returnSequences ? [c.B, c.T, width] : [c.B, width]);
  return { layer, x, masks, r };
}

/** the layer's output, and the gradients of sum(output * r) for the input and every weight */
function run(t: Tf, s: ReturnType<typeof setup>, fused: boolean) {
  const { tf } = t;
  const f = (x: Tensor) => (fused ? s.layer.fused(x, s.masks, true) : s.layer.reference(x, s.masks)) as Tensor;
  const out = f(s.x).dataSync().slice();
  const vars = s.layer.trainableWeights.map((w: any) => w.read());
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(s.x), s.r)) as any, vars);
  const dx = tf.grad((x: Tensor) => tf.sum(tf.mul(f(x), s.r)))(s.x);
  return { out: out as Float32Array, dx: dx.dataSync().slice() as Float32Array, dw: vars.map((v: any) => grads[v.name]!.dataSync().slice() as Float32Array) };
}

const CASES: Case[] = [];
for (const cell of ['lstm', 'gru'] as const) {
  CASES.push({ cell, B: 3, T: 7, I: 2, H: 5, bidirectional: false, returnSequences: false, dropout: 0, activation: 'tanh' });
  CASES.push({ cell, B: 4, T: 6, I: 3, H: 8, bidirectional: false, returnSequences: true, dropout: 0.3, activation: 'tanh' });
  CASES.push({ cell, B: 5, T: 4, I: 1, H: 6, bidirectional: true, returnSequences: true, dropout: 0, activation: 'relu' });
  CASES.push({ cell, B: 2, T: 9, I: 4, H: 12, bidirectional: true, returnSequences: false, dropout: 0.5, activation: 'tanh' });
  CASES.push({ cell, B: 6, T: 1, I: 2, H: 3, bidirectional: false, returnSequences: true, dropout: 0, activation: 'sigmoid' });
}

test('the fused recurrent kernels give the tfjs reference outputs and gradients', async () => {
  const t = await loadTf('wasm', log);
  assert.ok(kernels(), 'the kernels load');
  CASES.forEach((c, k) => {
    const s = setup(t, c, 100 + k);
    const a = run(t, s, true), b = run(t, s, false);
    const what = `${c.cell} ${JSON.stringify(c)}`;
    assert.ok(maxDiff(a.out, b.out) < 2e-6 * Math.max(1, maxAbs(b.out)), `${what}: outputs differ by ${maxDiff(a.out, b.out)}`);
    assert.ok(maxDiff(a.dx, b.dx) < 1e-5 * Math.max(1, maxAbs(b.dx)), `${what}: input gradients differ by ${maxDiff(a.dx, b.dx)}`);
    a.dw.forEach((g: Float32Array, j: number) => assert.ok(maxDiff(g, b.dw[j]) < 1e-5 * Math.max(1, maxAbs(b.dw[j])), `${what}: weight ${j} gradients differ by ${maxDiff(g, b.dw[j])}`));
  });
});

test('the fused recurrent gradients pass a finite-difference check', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  for (const cell of ['lstm', 'gru'] as const) {
    const c: Case = { cell, B: 3, T: 5, I: 2, H: 6, bidirectional: true, returnSequences: true, dropout: 0.25, activation: 'tanh' };
    const s = setup(t, c, cell === 'lstm' ? 7 : 8);
    const a = run(t, s, true);
    const f = () => tf.tidy(() => tf.sum(tf.mul(s.layer.fused(s.x, s.masks, false), s.r)).dataSync()[0]!);
    const probe = (data: Float32Array, write: () => void, analytic: Float32Array, what: string) => {
      const pick = rng(data.length);
      for (let n = 0; n < 6; n++) {
        const i = Math.floor(pick() * data.length);
        const keep = data[i]!;
        const eps = 1e-2;
        data[i] = keep + eps; write(); const up = f();
        data[i] = keep - eps; write(); const down = f();
        data[i] = keep; write();
        const fd = (up - down) / (2 * eps);
        assert.ok(Math.abs(fd - analytic[i]!) < 5e-3 + 1e-2 * Math.abs(fd), `${cell} ${what}[${i}]: finite difference ${fd}, gradient ${analytic[i]}`);
      }
    };
    const xd = s.x.dataSync().slice() as Float32Array;
    probe(xd, () => { s.x = tf.tensor(xd, s.x.shape); }, a.dx, 'input');
    s.layer.trainableWeights.forEach((w: any, j: number) => {
      const wd = w.read().dataSync().slice() as Float32Array;
      probe(wd, () => w.write(tf.tensor(wd, w.shape)), a.dw[j], w.name);
    });
  }
});

test('training with the kernels on and off gives the same loss curve; the kernel memory is given back', async () => {
  const t = await loadTf('wasm', log);
  const { buildRnn } = await import('../src/estimators/nn/forecaster.js');
  const { rnnParamsSchema } = await import('../src/estimators/nn/spec.js');
  const { lossFunction, trainLoop } = await import('../src/estimators/nn/fit.js');
  const { trainSchema } = await import('../src/estimators/nn/train-spec.js');
  const rows = 96, window = 12;
  const g = gaussian(rng(3));
  const series = Float32Array.from({ length: rows + window }, (_, i) => Math.sin(i / 4) + 0.1 * g());
  const x = new Float32Array(rows * window), y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) { x.set(series.subarray(i, i + window), i * window); y[i] = series[i + window]!; }
  const data = { x, y, rows, inShape: [window, 1], outSize: 1 };
  const k = kernels()!;
  const inUse: number[] = [];
  for (const params of [{ cell: 'lstm', units: 8, layers: 2, bidirectional: true, recurrent_dropout: 0.2 }, { cell: 'gru', units: 6, layers: 1, window }]) {
    const curve = async (mode: string) => {
      const saved = process.env.MLKIT_KERNELS;
      process.env.MLKIT_KERNELS = mode;
      try {
        const model = buildRnn(t, rnnParamsSchema.parse({ ...params, window }), window, 1, 11);
        const uses = (model.layers.find((l) => l.getClassName() === 'MlkitRecurrent') as any).usesKernels;
        assert.equal(uses, mode === 'on', `MLKIT_KERNELS=${mode}`);
        // the kernels' memory in use after each batch: a forward pass's saved state is freed by its backward pass
        const callbacks = [{ onBatchEnd: () => { inUse.push(k.heap.inUse()); } }];
        const h = await trainLoop(t, model, data, { settings: trainSchema.parse({ epochs: 4, batch_size: 16, shuffle: true }), loss: lossFunction(t.tf, 'mse', 1), batchSize: 16, seed: 5, ctx: { signal: new AbortController().signal, seed: 5, log, callbacks } });
        model.dispose();
        return h.epochs.map((e) => e.loss);
      } finally {
        if (saved === undefined) delete process.env.MLKIT_KERNELS;
        else process.env.MLKIT_KERNELS = saved;
      }
    };
    const on = await curve('on'), off = await curve('off');
    on.forEach((l, e) => assert.ok(Math.abs(l - off[e]!) <= 1e-4 * Math.abs(off[e]!), `${params.cell} epoch ${e + 1}: loss ${l} with the kernels, ${off[e]} without`));
    assert.ok(on[3]! < on[0]!, `${params.cell}: the loss falls (${on.join(', ')})`);
  }
  // (blocks of the earlier tests' forward-only calls may be collected meanwhile: the use never grows)
  assert.ok(inUse.length > 20 && inUse.every((b) => b <= inUse[0]!), `the kernel memory in use grows during training: ${inUse.join(', ')}`);
});

test('MLKIT_KERNELS: a bad value is a usage error naming the choices', async () => {
  const saved = process.env.MLKIT_KERNELS;
  process.env.MLKIT_KERNELS = 'fast';
  try {
    assert.throws(() => kernels(), /MLKIT_KERNELS must be one of auto, on, off, got "fast"/);
  } finally {
    if (saved === undefined) delete process.env.MLKIT_KERNELS;
    else process.env.MLKIT_KERNELS = saved;
  }
});
