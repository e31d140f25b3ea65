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
import { UsageError } from '../src/core/errors.js';

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

test('training with the kernels on and off gives the same loss curve (rnn, transformer, cnn); the kernel memory is given back', async () => {
  const t = await loadTf('wasm', log);
  const { buildCnn, buildRnn, buildTransformer } = await import('../src/estimators/nn/forecaster.js');
  const { cnnParamsSchema, rnnParamsSchema, transformerParamsSchema } = await import('../src/estimators/nn/spec.js');
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
  const nets: [string, () => import('@tensorflow/tfjs-layers').LayersModel][] = [
    ['lstm x 2, bidirectional, recurrent dropout', () => buildRnn(t, rnnParamsSchema.parse({ cell: 'lstm', units: 8, layers: 2, bidirectional: true, recurrent_dropout: 0.2, window }), window, 1, 11)],
    ['gru', () => buildRnn(t, rnnParamsSchema.parse({ cell: 'gru', units: 6, window }), window, 1, 11)],
    ['transformer', () => buildTransformer(t, transformerParamsSchema.parse({ d_model: 8, heads: 2, layers: 1, window }), window, 1, 11)],
    ['cnn', () => buildCnn(t, cnnParamsSchema.parse({ filters: [4, 6], kernel: 3, pool: 2, window }), window, 1, 11)],
  ];
  for (const [name, build] of nets) {
    const curve = async (mode: string) => {
      const saved = process.env.MLKIT_KERNELS;
      process.env.MLKIT_KERNELS = mode;
      try {
        const model = build();
        const rec = model.layers.find((l) => l.getClassName() === 'MlkitRecurrent') as any;
        if (rec) assert.equal(rec.usesKernels, mode === 'on', `MLKIT_KERNELS=${mode}`);
        // the kernels' memory in use after each batch: a forward pass's saved state is freed by its backward pass
        const callbacks = [{ onBatchEnd: () => { if (mode === 'on') inUse.push(k.heap.inUse()); } }];
        const h = await trainLoop(t, model, data, { settings: trainSchema.parse({ epochs: 4, batch_size: 16, shuffle: true }), loss: lossFunction(t.tf, 'mse', 1), batchSize: 16, seed: 5, ctx: { signal: new AbortController().signal, seed: 5, log, callbacks } });
        model.dispose();
        return h.epochs.map((e) => e.loss);
      } finally {
        if (saved === undefined) delete process.env.MLKIT_KERNELS;
        else process.env.MLKIT_KERNELS = saved;
      }
    };
    const on = await curve('on'), off = await curve('off');
    on.forEach((l, e) => assert.ok(Math.abs(l - off[e]!) <= 1e-4 * Math.abs(off[e]!), `${name} epoch ${e + 1}: loss ${l} with the kernels, ${off[e]} without`));
    assert.ok(on[3]! < on[0]!, `${name}: the loss falls (${on.join(', ')})`);
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

/** runs f with MLKIT_KERNELS set to mode */
function withKernels<T>(mode: string, f: () => T): T {
  const saved = process.env.MLKIT_KERNELS;
  process.env.MLKIT_KERNELS = mode;
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env.MLKIT_KERNELS;
    else process.env.MLKIT_KERNELS = saved;
  }
}

test('the matmul kernel (the wasm backend\'s BatchMatMul) gives tfjs\'s products: transposes, batches, broadcasting, gradients', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  const g = gaussian(rng(9));
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => g()), shape);
  const shapes: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 9], false, false],
    [[7, 5], [9, 5], false, true],
    [[5, 7], [5, 9], true, false],
    [[5, 7], [9, 5], true, true],
    [[3, 17, 13], [3, 13, 11], false, false],
    [[2, 3, 6, 4], [2, 3, 5, 4], false, true],
    [[4, 33, 8], [8, 31], false, false],
    [[9, 4], [6, 9, 3], true, false],
    [[64, 64, 16], [64, 64, 16], false, true],
  ];
  for (const [sa, sb, ta, tb] of shapes) {
    const a = rand(sa), b = rand(sb), r = rand(tf.matMul(a, b, ta, tb).shape);
    const f = (x: Tensor, y: Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), r));
    // (tfjs's BatchMatMul gradient does not reduce a broadcast batch: products only for those)
    const broadcast = sa.length !== sb.length;
    const both = () => ({ out: tf.matMul(a, b, ta, tb).dataSync().slice(), grads: broadcast ? [] : tf.grads(f)([a, b]).map((d) => d.dataSync().slice()) });
    const on = withKernels('on', both), off = withKernels('off', both);
    const what = `${JSON.stringify(sa)} x ${JSON.stringify(sb)}${ta ? ' transA' : ''}${tb ? ' transB' : ''}`;
    assert.ok(maxDiff(on.out, off.out) < 1e-5 * Math.max(1, maxAbs(off.out)), `${what}: products differ by ${maxDiff(on.out, off.out)}`);
    on.grads.forEach((d, j) => assert.ok(maxDiff(d, off.grads[j]!) < 1e-5 * Math.max(1, maxAbs(off.grads[j]!)), `${what}: gradient ${j} differs by ${maxDiff(d, off.grads[j]!)}`));
  }
});

test('a matrix product whose result is beyond WebAssembly\'s 4 GiB is a usage error, not an internal one', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  // 1,100 products of 1,000 x 1 by 1 x 1,000: 4.4 GB of result from 8.8 MB of inputs
  const a = tf.ones([1100, 1000, 1]), b = tf.ones([1100, 1, 1000]);
  for (const mode of ['on', 'off']) {
    assert.throws(() => withKernels(mode, () => tf.matMul(a, b)), (e: unknown) => e instanceof UsageError && /needs 4\.1 GiB for its result, beyond WebAssembly's 4 GiB: use a smaller batch_size or window/.test((e as Error).message), `MLKIT_KERNELS=${mode}`);
  }
  tf.dispose([a, b]);
});

test('the sum kernel (the wasm backend\'s Sum over leading axes) gives tfjs\'s sums', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  const g = gaussian(rng(12));
  const x4 = tf.tensor(Float32Array.from({ length: 3 * 5 * 7 * 19 }, () => g()), [3, 5, 7, 19]);
  const cases: [number | number[], boolean][] = [[0, false], [[0, 1], true], [[1, 0], false], [[0, 1, 2], false], [[-4, -3], true], [1, false], [[0, 2], true], [-1, false], [[0, 1, 2, 3], false]];
  for (const [axis, keepDims] of cases) {
    const on = withKernels('on', () => tf.sum(x4, axis, keepDims));
    const off = withKernels('off', () => tf.sum(x4, axis, keepDims));
    assert.deepEqual(on.shape, off.shape, `axis ${JSON.stringify(axis)}`);
    assert.ok(maxDiff(on.dataSync(), off.dataSync()) < 1e-5 * Math.max(1, maxAbs(off.dataSync())), `axis ${JSON.stringify(axis)} keepDims ${keepDims}`);
  }
});

test('self-attention (per head, no transposes) gives the transposing formulation\'s outputs and gradients', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { SelfAttention } = mlkitLayers(t);
  const [B, T, D, H] = [3, 6, 8, 2];
  const att = new SelfAttention({ heads: H, seed: 4 });
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 5);
  att.apply(x);
  att.setWeights(att.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
  const r = tf.randomNormal([B, T, D], 0, 1, 'float32', 6);
  const dk = D / H;
  // the earlier formulation: [b*t, d] -> [b, h, t, dk] by reshape and transpose, back the same way
  const reference = (v: Tensor, [wq, wk, wv, wo, bo]: Tensor[]) => {
    const flat = tf.reshape(v, [B * T, D]);
    const split = (w: Tensor) => tf.transpose(tf.reshape(tf.matMul(flat, w), [B, T, H, dk]), [0, 2, 1, 3]);
    const a = tf.softmax(tf.div(tf.matMul(split(wq!), split(wk!), false, true), Math.sqrt(dk)));
    const ctx = tf.reshape(tf.transpose(tf.matMul(a, split(wv!)), [0, 2, 1, 3]), [B * T, D]);
    return tf.reshape(tf.add(tf.matMul(ctx, wo!), bo!), [B, T, D]);
  };
  const vars = att.trainableWeights.map((w: any) => w.read());
  const mine = tf.variableGrads(() => tf.sum(tf.mul(att.apply(x) as Tensor, r)) as any, vars);
  const ref = tf.variableGrads(() => tf.sum(tf.mul(reference(x, vars), r)) as any, vars);
  assert.ok(maxDiff((att.apply(x) as Tensor).dataSync(), reference(x, vars).dataSync()) < 1e-5, 'outputs');
  for (const v of vars) assert.ok(maxDiff(mine.grads[v.name]!.dataSync(), ref.grads[v.name]!.dataSync()) < 1e-4, `gradient of ${v.name}`);
  const gx = tf.grad((v: Tensor) => tf.sum(tf.mul(att.apply(v) as Tensor, r)))(x);
  const gr = tf.grad((v: Tensor) => tf.sum(tf.mul(reference(v, vars), r)))(x);
  assert.ok(maxDiff(gx.dataSync(), gr.dataSync()) < 1e-4, 'gradient of the input');
});

test('the convolution and max pooling kernels give their tfjs references\' outputs and gradients', async () => {
  const t = await loadTf('wasm', log);
  const { tf } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { Conv1D, MaxPool1D } = mlkitLayers(t);
  const cases = [
    { B: 3, T: 11, C: 1, K: 3, stride: 1, F: 5, activation: 'relu', pool: 2 },
    { B: 2, T: 17, C: 4, K: 5, stride: 2, F: 9, activation: 'tanh', pool: 3 },
    { B: 4, T: 8, C: 3, K: 1, stride: 3, F: 16, activation: 'linear', pool: 1 },
    { B: 1, T: 9, C: 6, K: 9, stride: 1, F: 2, activation: 'sigmoid', pool: 1 },
  ];
  cases.forEach((c, n) => {
    const conv = new Conv1D({ filters: c.F, kernel: c.K, stride: c.stride, activation: c.activation, seed: 30 + n, l1: 0, l2: 0 }) as any;
    const pool = new MaxPool1D({ pool: Math.max(c.pool, 1) }) as any;
    const x = tf.randomNormal([c.B, c.T, c.C], 0, 1, 'float32', 40 + n);
    conv.apply(x);
    conv.setWeights(conv.getWeights().map((w: Tensor, i: number) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 50 + 2 * n + i)));
    const run = (fused: boolean) => {
      const net = (v: Tensor) => {
        const h = fused ? conv.call(v, { training: true }) : conv.reference(v);
        return c.pool > 1 ? (fused ? pool.call(h, { training: true }) : pool.reference(h)) : h;
      };
      const y = net(x);
      const r = tf.randomNormal(y.shape, 0, 1, 'float32', 60 + n);
      const vars = conv.trainableWeights.map((w: any) => w.read());
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(net(x), r)) as any, vars);
      const dx = tf.grad((v: Tensor) => tf.sum(tf.mul(net(v), r)))(x);
      return { y: y.dataSync().slice() as Float32Array, dx: dx.dataSync().slice() as Float32Array, dw: vars.map((v: any) => grads[v.name]!.dataSync().slice() as Float32Array) };
    };
    const a = run(true), b = withKernels('off', () => run(false));
    const what = JSON.stringify(c);
    assert.ok(maxDiff(a.y, b.y) < 1e-5 * Math.max(1, maxAbs(b.y)), `${what}: outputs differ by ${maxDiff(a.y, b.y)}`);
    assert.ok(maxDiff(a.dx, b.dx) < 1e-5 * Math.max(1, maxAbs(b.dx)), `${what}: input gradients differ by ${maxDiff(a.dx, b.dx)}`);
    a.dw.forEach((d: Float32Array, j: number) => assert.ok(maxDiff(d, b.dw[j]!) < 1e-5 * Math.max(1, maxAbs(b.dw[j]!)), `${what}: weight ${j} gradients differ by ${maxDiff(d, b.dw[j]!)}`));
    // finite differences of the kernel's own loss for a few kernel weights (smooth activations only)
    if (c.activation !== 'relu') {
      const r = tf.randomNormal(conv.computeOutputShape(x.shape), 0, 1, 'float32', 70 + n);
      const loss = () => tf.tidy(() => tf.sum(tf.mul(conv.call(x, { training: false }), r)).dataSync()[0]!);
      const w = conv.trainableWeights[0] as any;
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(conv.call(x, { training: true }), r)) as any, [w.read()]);
      const g = grads[w.read().name]!.dataSync();
      const wd = w.read().dataSync().slice() as Float32Array;
      for (const i of [0, Math.floor(wd.length / 2), wd.length - 1]) {
        const keep = wd[i]!, eps = 1e-2;
        wd[i] = keep + eps; w.write(tf.tensor(wd, w.shape)); const up = loss();
        wd[i] = keep - eps; w.write(tf.tensor(wd, w.shape)); const down = loss();
        wd[i] = keep; w.write(tf.tensor(wd, w.shape));
        const fd = (up - down) / (2 * eps);
        assert.ok(Math.abs(fd - g[i]!) < 5e-3 + 1e-2 * Math.abs(fd), `${what}: kernel weight ${i}: finite difference ${fd}, gradient ${g[i]}`);
      }
    }
  });
});
