/**
 * Neural components (TensorFlow.js, wasm backend): the mlp estimator and the training loop. Same seed,
 * identical weights; save -> restore, identical predictions; dropout off at predict time; L2 shrinks the
 * weights; early stopping stops and restores the best weights; batch_size auto picks and reports a
 * size; the gradient monitor warns on a saturated deep sigmoid stack and not on a healthy one; the
 * caller's async callbacks see every epoch and batch; Ctrl-C (the signal) stops between batches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBlobs, type Callback } from '../src/core/component.js';
import { InterruptedError } from '../src/core/errors.js';
import type { Logger } from '../src/core/log.js';
import type { DenseMatrix, TabularFitData, TabularTask } from '../src/core/types.js';
import { gaussian, rng } from '../src/core/random.js';
import { MlpEstimator } from '../src/estimators/nn/mlp.js';
import { mlpParamsSchema, nnOptions } from '../src/estimators/nn/spec.js';
import { autoBatchSize, evaluateLoss, gradientWarning, trainLoop } from '../src/estimators/nn/fit.js';
import { loadTf } from '../src/estimators/nn/backend.js';
import { trainSchema } from '../src/estimators/nn/train-spec.js';

const signal = new AbortController().signal;
function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), debug: () => {} };
}

/** y = 2 x0 - x1 + 0.5 x2 x3 + noise; NaN in a few cells (imputed by the mlp) */
function regression(n: number, seed = 1, cols = 4): TabularFitData {
  const g = gaussian(rng(seed));
  const x = new Float32Array(n * cols);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) x[i * cols + c] = g();
    y[i] = 2 * x[i * cols]! - x[i * cols + 1]! + 0.5 * x[i * cols + 2]! * x[i * cols + 3]! + 0.1 * g();
  }
  x[5] = NaN;
  return { x: { data: x, rows: n, cols }, y, featureNames: Array.from({ length: cols }, (_, c) => `f${c}`), featureTypes: new Array(cols).fill('q') };
}

function mlp(params: Record<string, unknown>, train: Record<string, unknown>): MlpEstimator {
  return new MlpEstimator(mlpParamsSchema.parse(params), nnOptions.parse({ backend: 'wasm', train }));
}

async function kernels(e: MlpEstimator): Promise<Float32Array[]> {
  const blobs = new MemoryBlobs();
  await e.save(blobs);
  const bin = blobs.files['weights.bin']!;
  return [new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength))];
}

const REG: TabularTask = { kind: 'regression' };

test('mlp: the same seed gives identical weights and predictions; another seed does not', async () => {
  const d = regression(300);
  const fit = (seed: number) => mlp({ units: [16, 8], dropout: 0.2 }, { epochs: 4, batch_size: 32, seed }).fit(d, REG, { log: logger(), seed: 0, signal });
  const [a, b, c] = [await fit(5), await fit(5), await fit(6)];
  assert.deepEqual(await kernels(a), await kernels(b));
  assert.notDeepEqual(await kernels(a), await kernels(c));
  assert.deepEqual(a.predict(d.x), b.predict(d.x));
  for (const e of [a, b, c]) e.dispose();
});

test('mlp: learns a regression, saved and restored it predicts identically; dropout is off at predict time', async () => {
  const d = regression(600);
  const e = await mlp({ units: [32, 16], dropout: 0.3 }, { epochs: 40, batch_size: 32, optimizer: { learning_rate: 0.01 } }).fit(d, REG, { log: logger(), seed: 1, signal });
  const test = regression(200, 99);
  const p = e.predict(test.x);
  let se = 0, sv = 0;
  const mean = test.y.reduce((a, b) => a + b, 0) / test.y.length;
  for (let i = 0; i < p.length; i++) { se += (p[i]! - test.y[i]!) ** 2; sv += (test.y[i]! - mean) ** 2; }
  assert.ok(1 - se / sv > 0.9, `r2 ${1 - se / sv}`);
  // predict twice: the same (no dropout mask at predict time)
  assert.deepEqual(e.predict(test.x), p);
  const blobs = new MemoryBlobs();
  const state = JSON.parse(JSON.stringify(await e.save(blobs)));
  const back = await MlpEstimator.restore(e.params as never, state, blobs, nnOptions.parse({ backend: 'wasm' }), logger());
  assert.deepEqual(back.predict(test.x), p);
  // with training on, the same model's outputs change (dropout acts): the predict path has it off
  const { tf } = await loadTf('wasm', logger());
  const model = (e as unknown as { model: import('@tensorflow/tfjs-layers').LayersModel }).model;
  const xs = tf.tensor2d(new Float32Array(8 * 4).fill(0.5), [8, 4]);
  const on = (model.apply(xs, { training: true }) as import('@tensorflow/tfjs-core').Tensor).dataSync();
  const off = (model.apply(xs, { training: false }) as import('@tensorflow/tfjs-core').Tensor).dataSync();
  assert.notDeepEqual(Array.from(on), Array.from(off));
  assert.equal(new Set(Array.from(off)).size, 1, 'eight equal rows give eight equal outputs without dropout');
  tf.dispose(xs);
  e.dispose();
  back.dispose();
});

test('mlp: L2 shrinks the weights against none, same seed', async () => {
  const d = regression(300);
  const norm = async (l2: number) => {
    const e = await mlp({ units: [32], l2 }, { epochs: 15, batch_size: 32 }).fit(d, REG, { log: logger(), seed: 3, signal });
    const [w] = await kernels(e);
    e.dispose();
    return w!.reduce((s, v) => s + v * v, 0);
  };
  const [none, l2] = [await norm(0), await norm(0.05)];
  assert.ok(l2 < 0.8 * none, `sum of squared weights: L2 ${l2}, none ${none}`);
});

test('mlp: classification gives probabilities that sum to 1; multiclass and binary', async () => {
  const n = 300;
  const g = gaussian(rng(4));
  const x = new Float32Array(n * 2);
  const y3 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y3[i] = c;
    x[2 * i] = c + 0.3 * g();
    x[2 * i + 1] = -c + 0.3 * g();
  }
  const data: TabularFitData = { x: { data: x, rows: n, cols: 2 }, y: y3, featureNames: ['a', 'b'], featureTypes: ['q', 'q'] };
  const e = await mlp({ units: [16] }, { epochs: 30, batch_size: 16, optimizer: { learning_rate: 0.01 } }).fit(data, { kind: 'classification', numClass: 3 }, { log: logger(), seed: 1, signal });
  const p = e.predict(data.x);
  let right = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(p.subarray(3 * i, 3 * i + 3));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    if (row.indexOf(Math.max(...row)) === y3[i]) right++;
  }
  assert.ok(right / n > 0.9, `accuracy ${right / n}`);
  const yb = Float32Array.from(y3, (c) => (c === 2 ? 1 : 0));
  const b = await mlp({ units: [8] }, { epochs: 20, batch_size: 16, optimizer: { learning_rate: 0.01 } }).fit({ ...data, y: yb }, { kind: 'classification', numClass: 2 }, { log: logger(), seed: 1, signal });
  const pb = b.predict(data.x);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(pb[2 * i]! + pb[2 * i + 1]! - 1) < 1e-6);
  e.dispose();
  b.dispose();
});

/** Pure noise: the training loss keeps falling, the validation loss rises once a wide net memorises it. */
async function noiseSetup() {
  const t = await loadTf('wasm', logger());
  const { tf, tfl } = t;
  const g = gaussian(rng(11));
  const mk = (n: number) => ({ x: Float32Array.from({ length: n * 8 }, g), y: Float32Array.from({ length: n }, g), rows: n, inShape: [8], outSize: 1 });
  const net = () => tfl.sequential({ layers: [tfl.layers.dense({ units: 128, inputShape: [8], activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), name: 'hidden' }), tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), name: 'out' })] });
  const loss = (a: import('@tensorflow/tfjs-core').Tensor, b: import('@tensorflow/tfjs-core').Tensor) => tf.losses.meanSquaredError(a, b) as import('@tensorflow/tfjs-core').Scalar;
  return { t, train: mk(64), valid: mk(64), net, loss };
}

test('training loop: early stopping stops and ends with the best epoch\'s weights', async () => {
  const { t, train, valid, net, loss } = await noiseSetup();
  const model = net();
  const settings = trainSchema.parse({ epochs: 300, optimizer: { learning_rate: 0.01 }, early_stopping: { patience: 5 } });
  const h = await trainLoop(t, model, train, { settings, loss, valid, batchSize: 16, seed: 1, ctx: { log: logger(), seed: 1, signal } });
  assert.ok(h.stoppedEarly && h.epochs.length < 300, `ran ${h.epochs.length} epochs`);
  const vals = h.epochs.map((e) => e.val_loss!);
  const best = vals.indexOf(Math.min(...vals));
  assert.equal(h.bestEpoch, best);
  assert.equal(h.epochs.length, best + 1 + 5, 'stopped after patience epochs without improvement');
  const now = await evaluateLoss(t, model, valid, loss, 16);
  assert.ok(Math.abs(now - vals[best]!) < 1e-6, `restored weights give ${now}, the best epoch ${vals[best]}`);
  model.dispose();
});

test('early stopping\'s best weights survive --resume: a run stopped after the best epoch and resumed ends with the best epoch\'s weights', async () => {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { t, train, valid, net, loss } = await noiseSetup();
  const settings = (epochs: number) => trainSchema.parse({ epochs, optimizer: { learning_rate: 0.01 }, early_stopping: { patience: 5 }, checkpoint: { every: 1 } });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlkit-ckbest-'));
  const run = async (epochs: number, ck: string, resume: boolean) => {
    const model = net();
    const h = await trainLoop(t, model, train, { settings: settings(epochs), loss, valid, batchSize: 16, seed: 1, ctx: { log: logger(), seed: 1, signal, checkpoint: { dir: ck, resume } } });
    return { h, model };
  };
  const whole = await run(300, path.join(dir, 'a'), false);
  const best = whole.h.bestEpoch;
  const last = whole.h.epochs.length - 1;
  assert.ok(whole.h.stoppedEarly && last === best + 5, `best ${best}, last ${last}`);
  // stopped (epochs reached) two epochs after the best one, then resumed with the full budget
  (await run(best + 3, path.join(dir, 'b'), false)).model.dispose();
  const resumed = await run(300, path.join(dir, 'b'), true);
  assert.equal(resumed.h.epochs.length, whole.h.epochs.length);
  assert.equal(resumed.h.bestEpoch, best);
  const lw = await evaluateLoss(t, whole.model, valid, loss, 16);
  const lr = await evaluateLoss(t, resumed.model, valid, loss, 16);
  assert.ok(Math.abs(lr - whole.h.epochs[best]!.val_loss!) < 1e-6, `resumed: the model gives ${lr}, the best epoch ${whole.h.epochs[best]!.val_loss} (uninterrupted: ${lw})`);
  whole.model.dispose();
  resumed.model.dispose();
});

test('training loop: callbacks see every epoch and batch in order; the signal stops it between batches', async () => {
  const d = regression(100);
  const events: string[] = [];
  const cb: Callback = {
    async onTrainBegin(l) { events.push(`train ${l.steps}`); },
    async onEpochBegin(e) { events.push(`epoch ${e}`); },
    onBatchEnd(b) { events.push(`batch ${b}`); },
    async onEpochEnd(e, l) { events.push(`end ${e} ${typeof l.loss}`); await new Promise((r) => setTimeout(r, 1)); },
    onTrainEnd() { events.push('done'); },
  };
  const e = await mlp({ units: [4] }, { epochs: 2, batch_size: 50, shuffle: false }).fit(d, REG, { log: logger(), seed: 1, signal, callbacks: [cb] });
  assert.deepEqual(events, ['train 2', 'epoch 0', 'batch 0', 'batch 1', 'end 0 number', 'epoch 1', 'batch 0', 'batch 1', 'end 1 number', 'done']);
  e.dispose();
  const ac = new AbortController();
  const stopper: Callback = { onBatchEnd(b) { if (b === 2) ac.abort(); } };
  await assert.rejects(mlp({ units: [4] }, { epochs: 50, batch_size: 10 }).fit(d, REG, { log: logger(), seed: 1, signal: ac.signal, callbacks: [stopper] }), InterruptedError);
});

test('batch_size auto: the largest power of two that fits, at least 8 steps an epoch; reported', async () => {
  assert.equal(autoBatchSize(1024, 1e6, '1MiB').size, 1024);
  assert.equal(autoBatchSize(1024, 1e6, '1GiB').size, 8192);
  assert.equal(autoBatchSize(1024, 1000, '1GiB').size, 64);
  assert.match(autoBatchSize(1024, 1e6, '1MiB').note, /train\.batch_size auto: 1024 .*within 1\.0 MiB \(train\.memory\)/);
  // the wasm backend ends at 4 GiB: a batch's tensors stay within half of it, whatever the free memory
  assert.equal(autoBatchSize(2 ** 20, 1e7, '64GiB').size, 8192);
  const wasm = autoBatchSize(2 ** 20, 1e7, '64GiB', 'wasm');
  assert.equal(wasm.size, 2048);
  assert.match(wasm.note, /within 2048 MiB \(half of WebAssembly's 4 GiB\)/);
  const log = logger();
  const e = await mlp({ units: [8] }, { epochs: 1, batch_size: 'auto' }).fit(regression(500), REG, { log, seed: 1, signal });
  assert.ok(log.lines.some((l) => /^info train\.batch_size auto: 32 /.test(l)), log.lines.join('\n'));
  e.dispose();
});

test('gradient monitor: warns on a saturated deep sigmoid stack, names the layer; quiet on a healthy one', async () => {
  const d = regression(256);
  const deep = logger();
  (await mlp({ units: new Array(10).fill(32), activation: 'sigmoid' }, { epochs: 2, batch_size: 64 }).fit(d, REG, { log: deep, seed: 1, signal })).dispose();
  assert.ok(deep.lines.some((l) => /^warn epoch 1: vanishing gradients: layer dense_1's gradient/.test(l)), deep.lines.join('\n'));
  const ok = logger();
  (await mlp({ units: [32, 32], activation: 'relu' }, { epochs: 2, batch_size: 64 }).fit(d, REG, { log: ok, seed: 1, signal })).dispose();
  assert.ok(!ok.lines.some((l) => /gradients/.test(l)), ok.lines.join('\n'));
  assert.equal(gradientWarning(['a', 'b'], [1e-3, 1e-2]), undefined);
  assert.match(gradientWarning(['a', 'b'], [50, 1e-2])!, /exploding gradients: layer a/);
});

test('mlp: a missing value is the training mean; predict checks the feature count', async () => {
  const d = regression(200);
  const e = await mlp({ units: [4] }, { epochs: 1 }).fit(d, REG, { log: logger(), seed: 1, signal });
  const x: DenseMatrix = { data: new Float32Array([NaN, NaN, NaN, NaN]), rows: 1, cols: 4 };
  assert.ok(Number.isFinite(e.predict(x)[0]!));
  assert.throws(() => e.predict({ data: new Float32Array(3), rows: 1, cols: 3 }), /expected 4 features, got 3/);
  e.dispose();
});

test('rnn forecaster: learns a trending seasonal series (beats naive and seasonal naive), same seed same forecasts, reloads identically, longer horizons recursively', async () => {
  const { create, restore } = (await import('../src/estimators/nn/forecaster.js')).impl('rnn');
  const { rnnParamsSchema } = await import('../src/estimators/nn/spec.js');
  const g = gaussian(rng(8));
  const n = 132;
  const full = Float64Array.from({ length: n + 12 }, (_, i) => 100 + 0.5 * i + 10 * Math.sin((2 * Math.PI * i) / 12) + g());
  const y = full.subarray(0, n);
  const truth = full.subarray(n);
  const params = rnnParamsSchema.parse({ units: 16, window: 24, cell: 'gru' });
  const options = nnOptions.parse({ backend: 'wasm', train: { epochs: 25, batch_size: 16, optimizer: { learning_rate: 0.01 } } });
  const fit = async () => create(params, options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 2, signal }, { season: 12, horizon: 12 });
  const a = await fit();
  const fa = (await a.forecast([{ id: '', y, exog: [] }], { horizon: 12, level: 0.9 }, { log: logger() }))[0]!.mean;
  const mae = (p: ArrayLike<number>) => Array.from(truth).reduce((s, v, i) => s + Math.abs(v - p[i]!), 0) / 12;
  const naive = new Float64Array(12).fill(y[n - 1]!);
  const snaive = y.slice(n - 12);
  assert.ok(mae(fa) < mae(naive) && mae(fa) < mae(snaive), `mae rnn ${mae(fa)}, naive ${mae(naive)}, seasonal naive ${mae(snaive)}`);
  const b = await fit();
  assert.deepEqual((await b.forecast([{ id: '', y, exog: [] }], { horizon: 12, level: 0.9 }, { log: logger() }))[0]!.mean, fa);
  const blobs = new MemoryBlobs();
  const state = JSON.parse(JSON.stringify(await a.save(blobs)));
  const back = await restore(params, state, blobs, { options, log: logger() });
  assert.deepEqual((await back.forecast([{ id: '', y, exog: [] }], { horizon: 12, level: 0.9 }, { log: logger() }))[0]!.mean, fa);
  // 30 steps from a model trained for 12: the first 12 are the direct forecast, the rest recursive
  const long = (await back.forecast([{ id: '', y, exog: [] }], { horizon: 30, level: 0.9 }, { log: logger() }))[0]!.mean;
  assert.equal(long.length, 30);
  assert.deepEqual(long.subarray(0, 12), fa);
  assert.ok(long.every(Number.isFinite));
  assert.match(a.describe()[0]!, /rnn: GRU\(16\) x 1, window 24 -> horizon 12; 25 epochs; wasm backend/);
  // a history shorter than the window, and series too short to train on, are data errors
  await assert.rejects(back.forecast([{ id: 'x', y: y.subarray(0, 10), exog: [] }], { horizon: 3, level: 0.9 }, { log: logger() }), /series "x" has 10 values; rnn reads the last 24/);
  await assert.rejects(create(params, options).fit([{ id: '', y: y.subarray(0, 30), exog: [] }], { log: logger(), seed: 2, signal }, { season: 12, horizon: 12 }), /no series is longer than window \+ horizon \(24 \+ 12/);
  for (const f of [a, b, back]) f.dispose();
});

test('cnn: the patches x kernel convolution equals tfjs conv1d forward, trains on wasm, and a window too short for the stack is a config error', async () => {
  const t = await loadTf('wasm', logger());
  const { tf, tfl } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { Conv1D, MaxPool1D } = mlkitLayers(t);
  for (const stride of [1, 2]) {
    const conv = new Conv1D({ filters: 3, kernel: 4, stride, activation: 'linear', seed: 1, l1: 0, l2: 0 });
    const x = tf.randomNormal([2, 11, 2], 0, 1, 'float32', 5);
    const mine = conv.apply(x) as import('@tensorflow/tfjs-core').Tensor;
    const [w, b] = conv.getWeights();
    const ref = tf.add(tf.conv1d(x as import('@tensorflow/tfjs-core').Tensor3D, tf.reshape(w!, [4, 2, 3]) as import('@tensorflow/tfjs-core').Tensor3D, stride, 'valid'), b!);
    assert.deepEqual(mine.shape, ref.shape);
    const d = tf.max(tf.abs(tf.sub(mine, ref))).dataSync()[0]!;
    assert.ok(d < 1e-5, `stride ${stride}: max difference ${d}`);
    tf.dispose([x, mine, ref]);
  }
  const pool = new MaxPool1D({ pool: 2 });
  const p = pool.apply(tf.tensor3d([1, 5, 2, 3, 9, 0, 4], [1, 7, 1])) as import('@tensorflow/tfjs-core').Tensor;
  assert.deepEqual(Array.from(p.dataSync()), [5, 3, 9]);
  void tfl;
  const { impl } = await import('../src/estimators/nn/forecaster.js');
  const { cnnParamsSchema } = await import('../src/estimators/nn/spec.js');
  const y = Float64Array.from({ length: 120 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 12) + 0.2 * i);
  const options = nnOptions.parse({ backend: 'wasm', train: { epochs: 1, batch_size: 32 } });
  const f = await impl('cnn').create(cnnParamsSchema.parse({ window: 24 }), options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 });
  assert.ok(Number.isFinite(f.fit !== undefined ? (await f.forecast([{ id: '', y, exog: [] }], { horizon: 6, level: 0.9 }, { log: logger() }))[0]!.mean[5]! : NaN));
  f.dispose();
  // stride 2 trains too, a second convolution passing gradients to the first (tfjs's stridedSlice has none)
  const s2 = await impl('cnn').create(cnnParamsSchema.parse({ window: 24, stride: 2, filters: [4, 4] }), options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 });
  assert.ok(Number.isFinite((await s2.forecast([{ id: '', y, exog: [] }], { horizon: 6, level: 0.9 }, { log: logger() }))[0]!.mean[5]!));
  s2.dispose();
  await assert.rejects(impl('cnn').create(cnnParamsSchema.parse({ window: 8, filters: [4, 4, 4] }), options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 }), /cnn: a window of 8 steps is used up by convolution 2 of 3 \(kernel 3, stride 1, pool 2\)/);
});

test('forecaster train.metrics: per epoch in the series\' units (the series x 1000 + 5000 gives 1000 x the mae and rmse; mape against the values\' range), val_ on the held-out windows', async () => {
  const { impl } = await import('../src/estimators/nn/forecaster.js');
  const { cnnParamsSchema } = await import('../src/estimators/nn/spec.js');
  const y = Float64Array.from({ length: 150 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 12) + 0.2 * i);
  const history = async (ys: Float64Array, train: Record<string, unknown>) => {
    const f = await impl('cnn').create(cnnParamsSchema.parse({ window: 24, filters: [8] }), nnOptions.parse({ backend: 'wasm', train: { epochs: 2, batch_size: 32, ...train } })).fit([{ id: '', y: ys, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 });
    const st = (await f.save(new MemoryBlobs())) as { history: { metrics?: Record<string, number> }[] };
    f.dispose();
    return st.history.map((e) => e.metrics!);
  };
  const a = await history(y, { metrics: ['mae', 'rmse', 'mape'] });
  const b = await history(Float64Array.from(y, (v) => 1000 * v + 5000), { metrics: ['mae', 'rmse'] });
  // the values are 40 to 90, so each point's |error| / |value| is between |error| / 90 and |error| / 40
  // (with each window's level left out, the values would be near 0 and the mape far larger)
  for (const m of a) assert.ok(m.mape! >= m.mae! / 90 && m.mape! <= m.mae! / 40, `mape ${m.mape}, mae ${m.mae}`);
  assert.equal(a.length, 2);
  for (let e = 0; e < 2; e++) {
    for (const k of ['mae', 'rmse']) {
      assert.ok(a[e]![k]! > 0 && Math.abs(b[e]![k]! / a[e]![k]! - 1000) < 1, `epoch ${e + 1} ${k}: ${a[e]![k]} vs ${b[e]![k]}`);
    }
  }
  const v = await history(y, { metrics: ['mae'], early_stopping: { patience: 5 } });
  assert.deepEqual(Object.keys(v[0]!), ['val_mae']);
});

test('LayerNorm equals tfjs-layers\' LayerNormalization, forward and gradients (without its tiling, whose gradient loops over slices)', async () => {
  const t = await loadTf('wasm', logger());
  const { tf, tfl } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { LayerNorm } = mlkitLayers(t);
  const x = tf.randomNormal([3, 5, 4], 2, 3, 'float32', 7);
  const mine = new LayerNorm({});
  const ref = tfl.layers.layerNormalization({});
  mine.apply(x);
  ref.apply(x);
  const w = [tf.randomNormal([4], 1, 0.5, 'float32', 8), tf.randomNormal([4], 0, 0.5, 'float32', 9)];
  mine.setWeights(w);
  ref.setWeights(w);
  const dy = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 10);
  const run = (layer: typeof ref) => tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as import('@tensorflow/tfjs-core').Tensor, dy)) as import('@tensorflow/tfjs-core').Scalar, layer.trainableWeights.map((v) => (v as unknown as { val: import('@tensorflow/tfjs-core').Variable }).val));
  const a = run(mine as never);
  const b = run(ref);
  const maxDiff = (p: import('@tensorflow/tfjs-core').Tensor, q: import('@tensorflow/tfjs-core').Tensor) => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!;
  assert.ok(maxDiff(mine.apply(x) as import('@tensorflow/tfjs-core').Tensor, ref.apply(x) as import('@tensorflow/tfjs-core').Tensor) < 1e-5, 'forward');
  assert.ok(Math.abs(a.value.dataSync()[0]! - b.value.dataSync()[0]!) < 1e-3, 'the same loss');
  const ga = Object.values(a.grads);
  const gb = Object.values(b.grads);
  assert.equal(ga.length, 2);
  for (let k = 0; k < 2; k++) assert.ok(maxDiff(ga[k]!, gb[k]!) < 1e-4, `gradient of ${k === 0 ? 'gamma' : 'beta'}: ${maxDiff(ga[k]!, gb[k]!)}`);
  const gx = tf.grad((v: import('@tensorflow/tfjs-core').Tensor) => tf.sum(tf.mul(mine.apply(v) as import('@tensorflow/tfjs-core').Tensor, dy)));
  const gr = tf.grad((v: import('@tensorflow/tfjs-core').Tensor) => tf.sum(tf.mul(ref.apply(v) as import('@tensorflow/tfjs-core').Tensor, dy)));
  assert.ok(maxDiff(gx(x), gr(x)) < 1e-4, 'gradient of the input');
});

test('transformer: self-attention equals a plain computation of softmax(Q K^T / sqrt(d_k)) V per head; the forecaster trains and reloads', async () => {
  const t = await loadTf('wasm', logger());
  const { tf } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { SelfAttention } = mlkitLayers(t);
  const att = new SelfAttention({ heads: 2, seed: 3 });
  const [B, T, D, H] = [2, 5, 4, 2];
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 9);
  const got = (att.apply(x) as import('@tensorflow/tfjs-core').Tensor).arraySync() as number[][][];
  const [wq, wk, wv, wo, bo] = att.getWeights().map((w) => w.arraySync() as number[][]);
  const X = x.arraySync() as number[][][];
  const mm = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
  const dk = D / H;
  for (let b = 0; b < B; b++) {
    const [q, k, v] = [wq!, wk!, wv!].map((w) => mm(X[b]!, w));
    const ctx = X[b]!.map(() => new Array(D).fill(0));
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const s = Array.from({ length: T }, (_, j) => { let d = 0; for (let c = 0; c < dk; c++) d += q![i]![h * dk + c]! * k![j]![h * dk + c]!; return d / Math.sqrt(dk); });
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const sum = e.reduce((a, z) => a + z, 0);
        for (let c = 0; c < dk; c++) ctx[i]![h * dk + c] = e.reduce((a, z, j) => a + (z / sum) * v![j]![h * dk + c]!, 0);
      }
    }
    const want = mm(ctx, wo!).map((r) => r.map((z, j) => z + (bo as unknown as number[])[j]!));
    for (let i = 0; i < T; i++) for (let j = 0; j < D; j++) assert.ok(Math.abs(got[b]![i]![j]! - want[i]![j]!) < 1e-4, `b ${b} i ${i} j ${j}: ${got[b]![i]![j]} vs ${want[i]![j]}`);
  }
  tf.dispose(x);
  const { impl } = await import('../src/estimators/nn/forecaster.js');
  const { transformerParamsSchema } = await import('../src/estimators/nn/spec.js');
  const y = Float64Array.from({ length: 96 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 12));
  const params = transformerParamsSchema.parse({ window: 24, d_model: 8, heads: 2, layers: 1 });
  const options = nnOptions.parse({ backend: 'wasm', train: { epochs: 2, batch_size: 32 } });
  const f = await impl('transformer').create(params, options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 });
  const fc = (await f.forecast([{ id: '', y, exog: [] }], { horizon: 6, level: 0.9 }, { log: logger() }))[0]!.mean;
  const blobs = new MemoryBlobs();
  const back = await impl('transformer').restore(params, JSON.parse(JSON.stringify(await f.save(blobs))), blobs, { options, log: logger() });
  assert.deepEqual((await back.forecast([{ id: '', y, exog: [] }], { horizon: 6, level: 0.9 }, { log: logger() }))[0]!.mean, fc);
  assert.throws(() => transformerParamsSchema.parse({ d_model: 10, heads: 3 }), /d_model \(10\) must be a multiple of heads \(3\)/);
  f.dispose();
  back.dispose();
});

test('fno: the spectral convolution equals a plain DFT -> complex weights per mode -> inverse real DFT; modes beyond window / 2 are a config error', async () => {
  const t = await loadTf('wasm', logger());
  const { tf } = t;
  const { mlkitLayers } = await import('../src/estimators/nn/layers.js');
  const { SpectralConv1D } = mlkitLayers(t);
  const [T, W, M] = [8, 2, 3];
  const layer = new SpectralConv1D({ modes: M, seed: 4 });
  const x = tf.randomNormal([1, T, W], 0, 1, 'float32', 2);
  const got = (layer.apply(x) as import('@tensorflow/tfjs-core').Tensor).arraySync() as number[][][];
  const [wr, wi] = layer.getWeights().map((w) => w.arraySync() as number[][][]);
  const X = (x.arraySync() as number[][][])[0]!;
  for (let o = 0; o < W; o++) {
    for (let k = 0; k < T; k++) {
      let want = 0;
      for (let m = 0; m < M; m++) {
        let yr = 0, yi = 0;
        for (let c = 0; c < W; c++) {
          let xr = 0, xi = 0;
          for (let s = 0; s < T; s++) { xr += X[s]![c]! * Math.cos((2 * Math.PI * m * s) / T); xi -= X[s]![c]! * Math.sin((2 * Math.PI * m * s) / T); }
          yr += xr * wr![m]![c]![o]! - xi * wi![m]![c]![o]!;
          yi += xr * wi![m]![c]![o]! + xi * wr![m]![c]![o]!;
        }
        // the inverse real DFT of the kept modes (the others are zero): Re(sum over +-m)
        const a = (2 * Math.PI * m * k) / T;
        want += ((m === 0 ? 1 : 2) / T) * (yr * Math.cos(a) - yi * Math.sin(a));
      }
      assert.ok(Math.abs(got[0]![k]![o]! - want) < 1e-5, `step ${k} channel ${o}: ${got[0]![k]![o]} vs ${want}`);
    }
  }
  tf.dispose(x);
  const { impl } = await import('../src/estimators/nn/forecaster.js');
  const { fnoParamsSchema } = await import('../src/estimators/nn/spec.js');
  const y = Float64Array.from({ length: 96 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 12));
  const options = nnOptions.parse({ backend: 'wasm', train: { epochs: 2 } });
  await assert.rejects(impl('fno').create(fnoParamsSchema.parse({ window: 12, modes: 8 }), options).fit([{ id: '', y, exog: [] }], { log: logger(), seed: 1, signal }, { season: 12, horizon: 6 }), /fno: modes 8 needs a window of at least 16 steps/);
});

test('detector checkpoints: the predictive detector keeps one per channel and resumes each (a channel not reached starts afresh); the autoencoder resumes its own', async () => {
  const pl = (await import('nodejs-polars')).default;
  const { existsSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { impl } = await import('../src/detect/predictive/index.js');
  const { predictiveParamsSchema } = await import('../src/detect/predictive/spec.js');
  const ae = (await import('../src/detect/autoencoder/index.js')).impl;
  const { autoencoderParamsSchema } = await import('../src/detect/autoencoder/spec.js');
  const frame = pl.DataFrame({ a: Array.from({ length: 200 }, (_, i) => Math.sin(i / 4)), b: Array.from({ length: 200 }, (_, i) => Math.cos(i / 5)) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlkit-detck-'));
  const params = (epochs: number) => predictiveParamsSchema.parse({ model: 'rnn', neural: { units: 4, window: 8 }, train: { epochs, batch_size: 32, checkpoint: { every: 1 } }, backend: 'wasm' });
  const fit = async (epochs: number, resume: boolean) => {
    const log = logger();
    (await impl.create(params(epochs), undefined).fit(frame, { log, seed: 1, signal, checkpoint: { dir: path.join(dir, 'p'), resume } })).dispose?.();
    return log.lines.filter((l) => l.includes('--resume'));
  };
  assert.deepEqual(await fit(2, false), []);
  for (const c of ['c0', 'c1']) assert.equal(JSON.parse(readFileSync(path.join(dir, 'p', c, 'state.json'), 'utf8')).epoch, 1, c);
  const resumed = await fit(4, true);
  assert.equal(resumed.length, 2);
  assert.ok(resumed.every((l) => /continuing after epoch 2 of 4/.test(l)), resumed.join('; '));
  // a damaged checkpoint is a bundle error, not a crash
  const { renameSync } = await import('node:fs');
  renameSync(path.join(dir, 'p', 'c0', 'optimizer.bin'), path.join(dir, 'p', 'c0', 'optimizer.bin.away'));
  await assert.rejects(fit(4, true), /the checkpoint's optimizer\.bin is missing or damaged/);
  renameSync(path.join(dir, 'p', 'c0', 'optimizer.bin.away'), path.join(dir, 'p', 'c0', 'optimizer.bin'));
  rmSync(path.join(dir, 'p', 'c1'), { recursive: true });
  assert.equal((await fit(5, true)).length, 1, 'channel b has no checkpoint: trained afresh');
  const aeParams = (epochs: number) => autoencoderParamsSchema.parse({ network: 'mlp', window: 8, units: [4], latent: 2, train: { epochs, batch_size: 32, checkpoint: { every: 1 } }, backend: 'wasm' });
  const log = logger();
  (await ae.create(aeParams(2), undefined).fit(frame, { log: logger(), seed: 1, signal, checkpoint: { dir: path.join(dir, 'ae'), resume: false } })).dispose();
  assert.ok(existsSync(path.join(dir, 'ae', 'net', 'state.json')), 'the network\'s checkpoint in a folder of its own');
  (await ae.create(aeParams(3), undefined).fit(frame, { log, seed: 1, signal, checkpoint: { dir: path.join(dir, 'ae'), resume: true } })).dispose();
  assert.ok(log.lines.some((l) => /--resume: continuing after epoch 2 of 3/.test(l)), log.lines.join('; '));
});

test('predictive detector with an rnn: scores do not depend on batch sizes (causal), a spike scores high, saved and restored it scores the same', async () => {
  const pl = (await import('nodejs-polars')).default;
  const { impl } = await import('../src/detect/predictive/index.js');
  const { predictiveParamsSchema } = await import('../src/detect/predictive/spec.js');
  const g = gaussian(rng(5));
  const v = Float64Array.from({ length: 400 }, (_, i) => 20 + 5 * Math.sin((2 * Math.PI * i) / 24) + 0.2 * g());
  const params = predictiveParamsSchema.parse({ model: 'rnn', neural: { units: 8, window: 24 }, train: { epochs: 5, batch_size: 32 }, backend: 'wasm' });
  const det = await impl.create(params, undefined).fit(pl.DataFrame({ temp: Array.from(v) }), { log: logger(), seed: 1, signal });
  assert.equal(det.warmup(), 24);
  const stream = Float64Array.from({ length: 120 }, (_, i) => 20 + 5 * Math.sin((2 * Math.PI * (i + 400)) / 24) + 0.2 * g());
  stream[80] = 40;
  const whole = (await det.score({ columns: ['temp'], values: [stream] })).score;
  det.reset();
  const parts: number[] = [];
  for (const [a, b] of [[0, 1], [1, 30], [30, 31], [31, 120]] as const) parts.push(...(await det.score({ columns: ['temp'], values: [stream.subarray(a, b)] })).score);
  assert.deepEqual(parts.map((x) => (Number.isNaN(x) ? 'NaN' : x.toFixed(9))), Array.from(whole, (x) => (Number.isNaN(x) ? 'NaN' : x.toFixed(9))));
  assert.ok(whole.subarray(0, 24).every(Number.isNaN), 'warm-up: the window');
  const rest = Array.from(whole.subarray(24)).filter((_, i) => i + 24 !== 80);
  assert.ok(whole[80]! > 3 * Math.max(...rest.slice(0, 50)), `spike ${whole[80]} vs ${Math.max(...rest.slice(0, 50))}`);
  const blobs = new MemoryBlobs();
  const state = JSON.parse(JSON.stringify(await det.save(blobs)));
  const back = await impl.restore(params, state, blobs, { options: undefined, log: logger() });
  assert.deepEqual((await back.score({ columns: ['temp'], values: [stream] })).score, whole);
  det.dispose?.();
  back.dispose?.();
});

test('autoencoder detector (mlp, rnn, cnn): causal across batch sizes, a broken pattern scores high and names its channel, saved and restored it scores the same', async () => {
  const pl = (await import('nodejs-polars')).default;
  const { impl } = await import('../src/detect/autoencoder/index.js');
  const { autoencoderParamsSchema } = await import('../src/detect/autoencoder/spec.js');
  const g = gaussian(rng(6));
  const wave = (i: number) => Math.sin((2 * Math.PI * i) / 16);
  const n = 600;
  const a = Array.from({ length: n }, (_, i) => 10 + 2 * wave(i) + 0.05 * g());
  const b = Array.from({ length: n }, (_, i) => 5 - wave(i) + 0.05 * g());
  for (const network of ['mlp', 'rnn', 'cnn'] as const) {
    const params = autoencoderParamsSchema.parse({ network, window: 16, units: network === 'cnn' ? [8, 16] : [16], kernel: 3, latent: 4, train: { epochs: network === 'rnn' ? 12 : 30, batch_size: 32, optimizer: { learning_rate: network === 'rnn' ? 0.02 : 0.005 } }, backend: 'wasm' });
    const det = await impl.create(params, undefined).fit(pl.DataFrame({ a, b }), { log: logger(), seed: 1, signal });
    assert.equal(det.warmup(), 15);
    const m = 200;
    const sa = Float64Array.from({ length: m }, (_, i) => 10 + 2 * wave(i + n) + 0.05 * g());
    const sb = Float64Array.from({ length: m }, (_, i) => 5 - wave(i + n) + 0.05 * g());
    for (let i = 120; i < 128; i++) sb[i] = 5 + wave(i + n); // channel b's wave flips sign for 8 rows
    const whole = await det.score({ columns: ['a', 'b'], values: [sa, sb] });
    det.reset();
    const parts: number[] = [];
    for (const [x, y] of [[0, 3], [3, 17], [17, 18], [18, m]] as const) parts.push(...(await det.score({ columns: ['a', 'b'], values: [sa.subarray(x, y), sb.subarray(x, y)] })).score);
    assert.deepEqual(parts.map((x) => (Number.isNaN(x) ? 'NaN' : x.toFixed(6))), Array.from(whole.score, (x) => (Number.isNaN(x) ? 'NaN' : x.toFixed(6))), network);
    assert.ok(whole.score.subarray(0, 15).every(Number.isNaN));
    const calm = Math.max(...Array.from(whole.score.subarray(15, 110)));
    const peak = Math.max(...Array.from(whole.score.subarray(120, 128)));
    assert.ok(peak > 3 * calm, `${network}: broken pattern ${peak} vs calm ${calm}`);
    const at = 120 + Array.from(whole.score.subarray(120, 128)).indexOf(peak);
    assert.equal(whole.cause![at], 1, `${network}: the cause is channel b`);
    const blobs = new MemoryBlobs();
    const back = await impl.restore(params, JSON.parse(JSON.stringify(await det.save(blobs))), blobs, { options: undefined, log: logger() });
    assert.deepEqual((await back.score({ columns: ['a', 'b'], values: [sa, sb] })).score, whole.score);
    det.dispose();
    back.dispose();
  }
  // cnn: a window the convolutions use up is refused before any training
  assert.throws(() => impl.create(autoencoderParamsSchema.parse({ network: 'cnn', window: 8, units: [4, 4, 4], kernel: 3 }), undefined), /a window of 8 rows is used up by convolution 3 of 3 \(kernel 3, stride 2\)/);
});

test('neural detectors answer an abort while scoring a big batch (between blocks of windows), not only after it', async () => {
  const pl = (await import('nodejs-polars')).default;
  const { impl } = await import('../src/detect/autoencoder/index.js');
  const { autoencoderParamsSchema } = await import('../src/detect/autoencoder/spec.js');
  const { impl: predictive } = await import('../src/detect/predictive/index.js');
  const { predictiveParamsSchema } = await import('../src/detect/predictive/spec.js');
  const wave = (i: number) => Math.sin((2 * Math.PI * i) / 16);
  const a = Array.from({ length: 300 }, (_, i) => 10 + wave(i));
  const big = Float64Array.from({ length: 30000 }, (_, i) => 10 + wave(i));
  const ae = await impl.create(autoencoderParamsSchema.parse({ network: 'mlp', window: 8, units: [4], latent: 2, train: { epochs: 1, batch_size: 32 }, backend: 'wasm' }), undefined).fit(pl.DataFrame({ a }), { log: logger(), seed: 1, signal });
  const pr = await predictive.create(predictiveParamsSchema.parse({ model: 'rnn', neural: { units: 4, window: 8 }, train: { epochs: 1, batch_size: 32 }, backend: 'wasm' }), undefined).fit(pl.DataFrame({ a }), { log: logger(), seed: 1, signal });
  for (const det of [ae, pr]) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0); // fires only if scoring lets the event loop run
    await assert.rejects(det.score({ columns: ['a'], values: [big] }, { signal: ac.signal }), InterruptedError, det.name);
    det.dispose();
  }
});

test('series augmentation: seeded, changes copies only, scaling and warping move window and target together, jitter the window only', async () => {
  const { seriesAugment } = await import('../src/estimators/nn/fit.js');
  const base = () => ({ x: Float32Array.from({ length: 2 * 8 }, (_, i) => Math.sin(i)), y: Float32Array.from({ length: 2 * 2 }, (_, i) => Math.cos(i)) });
  const run = (a: Record<string, number>, seed = 1) => { const b = base(); seriesAugment(a, 8, 2, seed)(b.x, b.y, 2); return b; };
  assert.deepEqual(run({ jitter: 0.1 }), run({ jitter: 0.1 }), 'same seed, same batch');
  assert.notDeepEqual(run({ jitter: 0.1 }, 1).x, run({ jitter: 0.1 }, 2).x);
  const j = run({ jitter: 0.1 });
  assert.deepEqual(j.y, base().y, 'jitter leaves the target');
  assert.notDeepEqual(j.x, base().x);
  const s = run({ scaling: 0.2 });
  const f = s.y[0]! / base().y[0]!;
  assert.ok(Math.abs(s.x[1]! / base().x[1]! - f) < 1e-5, 'scaling: window and target by the same factor');
  const w = run({ window_slice: 0.5 });
  assert.equal(w.x[7], base().x[7], 'window slicing keeps the last value');
  assert.deepEqual(w.y, base().y);
});

test('csv_logger: one line per epoch; an earlier log is replaced, any other file refused', async () => {
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlkit-csvlog-'));
  const file = path.join(dir, 'log.csv');
  const d = regression(100);
  for (let k = 0; k < 2; k++) (await mlp({ units: [4] }, { epochs: 3, csv_logger: file }).fit(d, REG, { log: logger(), seed: 1, signal })).dispose();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'epoch,loss,val_loss,lr,seconds');
  assert.equal(lines.length, 4, 'the second run replaced the first log');
  assert.match(lines[3]!, /^3,\d/);
  const other = path.join(dir, 'data.csv');
  writeFileSync(other, 'a,b\n1,2\n');
  await assert.rejects(mlp({ units: [4] }, { epochs: 1, csv_logger: other }).fit(d, REG, { log: logger(), seed: 1, signal }), /data\.csv exists and is not a training log/);
  assert.equal(readFileSync(other, 'utf8'), 'a,b\n1,2\n', 'untouched');
});

test('mlp: stacked dense layers with a linear activation get a warning that they collapse to one linear map', async () => {
  const d = regression(100);
  const lin = logger();
  (await mlp({ units: [8, 8], activation: 'linear' }, { epochs: 1 }).fit(d, REG, { log: lin, seed: 1, signal })).dispose();
  assert.ok(lin.lines.some((l) => /^warn mlp: activation linear: the 2 hidden dense layers and the output layer collapse to one linear map/.test(l)), lin.lines.join('\n'));
  const ok = logger();
  (await mlp({ units: [8], activation: 'tanh' }, { epochs: 1 }).fit(d, REG, { log: ok, seed: 1, signal })).dispose();
  assert.ok(!ok.lines.some((l) => /collapse/.test(l)));
});

test('class_weight: balanced raises the rare class\'s probabilities; a label that is no class is a config error', async () => {
  const g = gaussian(rng(12));
  const n = 600;
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const rare = i % 12 === 0;
    y[i] = rare ? 1 : 0;
    x[2 * i] = (rare ? 0.8 : 0) + g();
    x[2 * i + 1] = g();
  }
  const data: TabularFitData = { x: { data: x, rows: n, cols: 2 }, y, featureNames: ['a', 'b'], featureTypes: ['q', 'q'] };
  const task: TabularTask = { kind: 'classification', numClass: 2, labels: ['no', 'yes'] };
  const meanRare = async (cw?: unknown) => {
    const e = await mlp({ units: [8] }, { epochs: 20, batch_size: 32, optimizer: { learning_rate: 0.01 }, ...(cw ? { class_weight: cw } : {}) }).fit(data, task, { log: logger(), seed: 1, signal });
    const p = e.predict(data.x);
    e.dispose();
    let s = 0;
    for (let i = 0; i < n; i++) s += p[2 * i + 1]!;
    return s / n;
  };
  const [none, balanced, byLabel] = [await meanRare(), await meanRare('balanced'), await meanRare({ yes: 6 })];
  assert.ok(balanced > 2 * none && byLabel > 2 * none, `mean P(yes): none ${none}, balanced ${balanced}, yes: 6 ${byLabel}`);
  await assert.rejects(mlp({ units: [8] }, { epochs: 1, class_weight: { maybe: 2 } }).fit(data, task, { log: logger(), seed: 1, signal }), /class "maybe" is not a class of the target \(classes: no, yes\)/);
});

test('train.metrics: the task\'s metrics after each epoch, in the target\'s units, reach the callbacks (val_ on validation rows)', async () => {
  const d = regression(300);
  const seen: Record<string, unknown>[] = [];
  const e = await mlp({ units: [16] }, { epochs: 3, metrics: ['r2', 'rmse'] }).fit(d, REG, { log: logger(), seed: 1, signal, callbacks: [{ onEpochEnd(_e, l) { seen.push({ ...l }); } }] });
  assert.equal(seen.length, 3);
  for (const l of seen) assert.ok(typeof l.r2 === 'number' && typeof l.rmse === 'number', JSON.stringify(l));
  assert.ok((seen[2]!.r2 as number) > (seen[0]!.r2 as number), 'r2 improves');
  e.dispose();
  const v = regression(100, 3);
  const seenV: Record<string, unknown>[] = [];
  (await mlp({ units: [4] }, { epochs: 1, metrics: ['mae'], early_stopping: {} }).fit({ ...d, valid: { x: v.x, y: v.y } }, REG, { log: logger(), seed: 1, signal, callbacks: [{ onEpochEnd(_e, l) { seenV.push({ ...l }); } }] })).dispose();
  assert.equal(typeof seenV[0]!.val_mae, 'number');
});
