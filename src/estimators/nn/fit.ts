/**
 * The training loop of the neural components, Keras-style but explicit: mini-batches in a seeded order,
 * gradients per variable (tf.variableGrads), the optimizer, decoupled weight decay, the built-in callbacks
 * (early stopping with best-weight restore, reduce-on-plateau, step and cosine schedules), the caller's
 * async callbacks (FitContext.callbacks), Ctrl-C between batches, and a gradient monitor: per dense
 * kernel, the gradient's norm relative to the weights' norm, with a warning naming the layer when the
 * gradients vanish toward the input or explode.
 *
 * One fit at a time per model (the caller's guard); every tensor made here is disposed here.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, throwIfAborted, UsageError } from '../../core/errors.js';
import { rng, shuffleInPlace } from '../../core/random.js';
import type { Callback, FitContext } from '../../core/component.js';
import type { Tf } from './backend.js';
import { parseBytes, type OptimizerSettings, type TrainSettings } from './train-spec.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Scalar = import('@tensorflow/tfjs-core').Scalar;
type Variable = import('@tensorflow/tfjs-core').Variable;
type Optimizer = import('@tensorflow/tfjs-core').Optimizer;
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;

/** Samples, row-major: x is rows x prod(inShape), y is rows x outSize. */
export interface TrainData {
  x: Float32Array;
  y: Float32Array;
  /** per-sample weights of the training loss (class weights), optional */
  w?: Float32Array;
  rows: number;
  inShape: number[];
  outSize: number;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  val_loss?: number;
  lr: number;
  seconds: number;
  /** train.metrics (val_ prefixed when on the validation rows) */
  metrics?: Record<string, number>;
}

export interface History {
  epochs: EpochLog[];
  /** the epoch whose weights the model ends with (restore_best), else the last */
  bestEpoch: number;
  stoppedEarly: boolean;
  batchSize: number;
}

export interface LoopOptions {
  settings: TrainSettings;
  /** mean loss of a batch (yTrue, the model's output, optional per-sample weights) */
  loss: (yTrue: Tensor, yPred: Tensor, weights?: Tensor) => Scalar;
  valid?: TrainData;
  batchSize: number;
  seed: number;
  ctx: FitContext;
  /** metrics after each epoch (train.metrics, computed by the component in its own units), logged with the loss */
  epochMetrics?: () => Promise<Record<string, number>>;
  /** changes a training batch in place (n samples of x and y), e.g. series augmentation; never validation */
  augment?: (x: Float32Array, y: Float32Array, n: number) => void;
}

/** The mean loss of a batch for train.loss (crossentropy takes logits: one column sigmoid, more softmax). */
export function lossFunction(tf: Tf['tf'], loss: NonNullable<TrainSettings['loss']>, huberDelta: number): LoopOptions['loss'] {
  return (yTrue, yPred, w) => {
    // per-sample weights: [n] for softmax cross-entropy, [n, 1] where the loss is per element
    const col = w && w.rank === 1 ? tf.reshape(w, [w.shape[0]!, 1]) : w;
    if (loss === 'crossentropy') return (yPred.shape[yPred.shape.length - 1] === 1 ? tf.losses.sigmoidCrossEntropy(yTrue, yPred, col) : tf.losses.softmaxCrossEntropy(yTrue, yPred, w)) as Scalar;
    if (loss === 'mae') return tf.losses.absoluteDifference(yTrue, yPred, col) as Scalar;
    if (loss === 'huber') return tf.losses.huberLoss(yTrue, yPred, col, huberDelta) as Scalar;
    return tf.losses.meanSquaredError(yTrue, yPred, col) as Scalar;
  };
}

export const DEFAULT_LR: Record<OptimizerSettings['type'], number> = { adam: 0.001, rmsprop: 0.001, sgd: 0.01 };

export function makeOptimizer(tf: Tf['tf'], o: OptimizerSettings): Optimizer {
  const lr = o.learning_rate ?? DEFAULT_LR[o.type];
  if (o.type === 'adam') return tf.train.adam(lr, o.beta1, o.beta2, o.epsilon);
  if (o.type === 'rmsprop') return tf.train.rmsprop(lr, o.rho, o.momentum, o.epsilon);
  return o.momentum > 0 ? tf.train.momentum(lr, o.momentum, o.nesterov) : tf.train.sgd(lr);
}

function setLearningRate(opt: Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

const LOG_HEADER = 'epoch,loss,val_loss,lr,seconds';

/**
 * train.csv_logger: the file, started with its header; an existing file is replaced only when it is such
 * a log (with --resume it is continued).
 */
function openEpochLog(file: string, resumed = false, metrics: string[] = []): string {
  const header = [LOG_HEADER, ...metrics].join(',');
  if (existsSync(file)) {
    const st = statSync(file);
    let first = '';
    if (st.isFile()) {
      const fd = openSync(file, 'r');
      try {
        const b = Buffer.alloc(4096);
        first = b.subarray(0, readSync(fd, b, 0, b.length, 0)).toString('utf8').split(/\r?\n/)[0]!;
      } finally {
        closeSync(fd);
      }
    }
    if (st.isDirectory()) throw new ConfigError(`${file} is a folder: give a file (e.g. ${path.join(file, 'train_log.csv')})`, { path: 'train.csv_logger' });
    if (!st.isFile() || !first.startsWith(LOG_HEADER)) throw new ConfigError(`${file} exists and is not a training log (its first line is not "${LOG_HEADER}"): choose another file`, { path: 'train.csv_logger' });
    if (resumed) return file;
  }
  try {
    writeFileSync(file, header + '\n');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `its folder ${path.dirname(file)} does not exist` : code === 'ENOTDIR' ? 'a part of its path is a file, not a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new ConfigError(`cannot write the training log ${file}: ${why}`, { path: 'train.csv_logger' });
  }
  return file;
}

/** batch_size auto on the wasm backend: at most this much for one batch's tensors */
const WASM_BUDGET = 2 * 1024 ** 3;

/** Largest power of two <= x, within [1, cap]. */
const pow2 = (x: number, cap: number) => Math.max(1, Math.min(cap, 2 ** Math.floor(Math.log2(Math.max(1, x)))));

/**
 * batch_size auto: the largest power of two whose activations, gradients and optimizer temporaries
 * (`bytesPerSample`) fit `memory` (default half of the free memory), at most 8,192, and at most an eighth
 * of the training rows (an epoch of at least 8 steps: one giant batch per epoch barely trains).
 */
export function autoBatchSize(bytesPerSample: number, rows: number, memory: string | number | undefined, backend?: string): { size: number; note: string } {
  let budget = memory !== undefined ? parseBytes(memory)! : os.freemem() / 2;
  // the wasm backend's memory (tfjs's tensors and mlkit's kernels alike) ends at 4 GiB: a batch that
  // needs more fails part-way, so the budget stays within half of it
  const wasmCap = backend === 'wasm' && budget > WASM_BUDGET;
  if (wasmCap) budget = WASM_BUDGET;
  const fits = pow2(budget / Math.max(1, bytesPerSample), 8192);
  const steps = pow2(rows / 8, 8192);
  const size = Math.min(fits, steps);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 24 ? 1 : 0)} MiB`;
  const why = size < fits ? `at least 8 steps an epoch over ${rows} training rows` : fits === 8192 ? 'the cap of 8192'
    : `the largest power of two within ${mib(budget)}${wasmCap ? " (half of WebAssembly's 4 GiB)" : memory === undefined ? ' (half of the free memory)' : ' (train.memory)'}`;
  return { size, note: `train.batch_size auto: ${size} (about ${(bytesPerSample / 1024).toFixed(1)} KiB a sample; ${why})` };
}

function learningRateAt(s: TrainSettings, base: number, epoch: number): number {
  const sch = s.lr_schedule;
  if (!sch) return base;
  if (sch.type === 'step') return base * sch.gamma ** Math.floor(epoch / sch.step_size);
  const T = Math.max(1, s.epochs - 1);
  return sch.min_lr + 0.5 * (base - sch.min_lr) * (1 + Math.cos((Math.PI * Math.min(epoch, T)) / T));
}

/** Fills `xb`/`yb` with the samples idx[start..start+n) and returns them as tensors. */
function batchTensors(tf: Tf['tf'], d: TrainData, idx: Int32Array | undefined, start: number, n: number, xb: Float32Array, yb: Float32Array, augment?: (x: Float32Array, y: Float32Array, n: number) => void): [Tensor, Tensor] {
  const inSize = d.x.length / d.rows;
  if (idx || augment) {
    for (let k = 0; k < n; k++) {
      const r = idx ? idx[start + k]! : start + k;
      xb.set(d.x.subarray(r * inSize, (r + 1) * inSize), k * inSize);
      yb.set(d.y.subarray(r * d.outSize, (r + 1) * d.outSize), k * d.outSize);
    }
    // augmentation changes the batch's copies, never the data
    augment?.(xb, yb, n);
    return [tf.tensor(xb.slice(0, n * inSize), [n, ...d.inShape]), tf.tensor2d(yb.slice(0, n * d.outSize), [n, d.outSize])];
  }
  return [tf.tensor(d.x.slice(start * inSize, (start + n) * inSize), [n, ...d.inShape]), tf.tensor2d(d.y.slice(start * d.outSize, (start + n) * d.outSize), [n, d.outSize])];
}

/** The mean loss of `model` on `d` (training false), in batches. */
export async function evaluateLoss(t: Tf, model: LayersModel, d: TrainData, loss: LoopOptions['loss'], batch: number): Promise<number> {
  const { tf } = t;
  const inSize = d.x.length / d.rows;
  const xb = new Float32Array(batch * inSize);
  const yb = new Float32Array(batch * d.outSize);
  let sum = 0;
  for (let s = 0; s < d.rows; s += batch) {
    const n = Math.min(batch, d.rows - s);
    const [xs, ys] = batchTensors(tf, d, undefined, s, n, xb, yb);
    const v = tf.tidy(() => loss(ys, model.apply(xs, { training: false }) as Tensor));
    sum += (await v.data())[0]! * n;
    tf.dispose([xs, ys, v]);
  }
  return sum / d.rows;
}

interface Monitor { best: number; wait: number }
const improved = (m: Monitor, v: number, minDelta: number) => v < m.best - minDelta;

export async function trainLoop(t: Tf, model: LayersModel, data: TrainData, o: LoopOptions): Promise<History> {
  const { tf } = t;
  const s = o.settings;
  const { ctx } = o;
  const callbacks: Callback[] = ctx.callbacks ?? [];
  const batch = Math.max(1, Math.min(o.batchSize, data.rows));
  const optimizer = makeOptimizer(tf, s.optimizer);
  const baseLr = s.optimizer.learning_rate ?? DEFAULT_LR[s.optimizer.type];
  let plateauFactor = 1;
  const rand = rng(o.seed);
  const idx = Int32Array.from({ length: data.rows }, (_, i) => i);
  const inSize = data.x.length / data.rows;
  const xb = new Float32Array(batch * inSize);
  const yb = new Float32Array(batch * data.outSize);
  const weights = model.trainableWeights;
  const vars = weights.map((w) => w.read() as Variable);
  // the dense kernels, named by their layer (dense_1/kernel -> dense_1)
  const kernels = weights.map((w, i) => ({ name: w.originalName ?? w.name, i })).filter((k) => /kernel$/.test(k.name)).map((k) => ({ ...k, name: k.name.replace(/\/kernel$/, '') }));
  const decay = s.optimizer.weight_decay;
  const history: History = { epochs: [], bestEpoch: -1, stoppedEarly: false, batchSize: batch };
  const es = s.early_stopping;
  const rl = s.reduce_lr_on_plateau;
  const esState: Monitor = { best: Infinity, wait: 0 };
  const rlState: Monitor = { best: Infinity, wait: 0 };
  let bestWeights: Tensor[] | undefined;
  let warnedGradients = false;
  const ck = s.checkpoint && ctx.checkpoint ? { ...s.checkpoint, dir: ctx.checkpoint.dir } : undefined;
  let startEpoch = 0;
  if (ctx.checkpoint?.resume) {
    if (!ck) throw new UsageError('--resume continues from a checkpoint: this config has no train.checkpoint');
    const saved = await readCheckpoint(t, model, optimizer, ck.dir);
    startEpoch = saved.epoch + 1;
    history.epochs.push(...saved.history);
    history.bestEpoch = saved.bestEpoch;
    Object.assign(esState, saved.es);
    Object.assign(rlState, saved.rl);
    plateauFactor = saved.plateauFactor;
    if (saved.bestWeights) bestWeights = saved.bestWeights;
    // the shuffled order continues where it was: the shuffles of the epochs done, replayed
    if (s.shuffle) for (let e = 0; e < startEpoch; e++) shuffleInPlace(idx, rand);
    ctx.log.info(`--resume: continuing after epoch ${startEpoch} of ${s.epochs} from ${ck.dir}`);
  }
  // the csv log's metric columns: train.metrics, with val_ when a validation set is scored
  const metricNames = (s.metrics ?? []).map((m) => (o.valid ? `val_${m}` : m));
  const logFile = s.csv_logger ? openEpochLog(s.csv_logger, startEpoch > 0, metricNames) : undefined;
  let lastTurn = performance.now();
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.({ steps: s.epochs, unit: 'epoch' });
    for (let epoch = startEpoch; epoch < s.epochs; epoch++) {
      throwIfAborted(ctx.signal);
      const t0 = performance.now();
      const lr = learningRateAt(s, baseLr, epoch) * plateauFactor;
      setLearningRate(optimizer, lr);
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, { lr });
      if (s.shuffle) shuffleInPlace(idx, rand);
      let sum = 0;
      let b = 0;
      let gradRatios: number[] | undefined;
      for (let start = 0; start < data.rows; start += batch, b++) {
        // tfjs's CPU and wasm backends resolve data() as microtasks: without a turn of the event loop now
        // and then, Ctrl-C (a signal event) would wait for the whole training
        if (performance.now() - lastTurn > 50) {
          await new Promise<void>((r) => setImmediate(r));
          lastTurn = performance.now();
        }
        throwIfAborted(ctx.signal);
        const n = Math.min(batch, data.rows - start);
        const last = start + batch >= data.rows;
        for (const cb of callbacks) await cb.onBatchBegin?.(b, { size: n });
        const [xs, ys] = batchTensors(tf, data, s.shuffle ? idx : undefined, start, n, xb, yb, o.augment);
        const ws = data.w ? tf.tensor1d(Float32Array.from({ length: n }, (_, k) => data.w![s.shuffle ? idx[start + k]! : start + k]!)) : undefined;
        const out = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            let l = o.loss(ys, model.apply(xs, { training: true }) as Tensor, ws);
            for (const r of model.calculateLosses()) l = tf.add(l, r);
            return l as Scalar;
          }, vars);
          // the gradient monitor: on the epoch's last batch, |grad| / |weights| per dense kernel
          const ratios = last && kernels.length ? tf.stack(kernels.map((k) => tf.div(tf.norm(grads[vars[k.i]!.name]!), tf.add(tf.norm(vars[k.i]!), 1e-12)))) : undefined;
          optimizer.applyGradients(grads);
          if (decay > 0) for (const k of kernels) vars[k.i]!.assign(tf.mul(vars[k.i]!, 1 - lr * decay));
          return ratios ? [value, ratios] : [value];
        });
        const v = (await out[0]!.data())[0]!;
        if (out[1]) gradRatios = Array.from(await out[1].data());
        tf.dispose([xs, ys, ...(ws ? [ws] : []), ...out]);
        if (!Number.isFinite(v)) {
          throw new ConfigError(`the training loss became ${v} at epoch ${epoch + 1}, batch ${b + 1}: lower train.optimizer.learning_rate (now ${lr}), or check the data for extreme values`, { path: 'train.optimizer.learning_rate' });
        }
        sum += v * n;
        for (const cb of callbacks) await cb.onBatchEnd?.(b, { loss: v, size: n });
      }
      const loss = sum / data.rows;
      const log: EpochLog = { epoch, loss, lr, seconds: 0 };
      if (o.valid) log.val_loss = await evaluateLoss(t, model, o.valid, o.loss, batch);
      if (o.epochMetrics) log.metrics = await o.epochMetrics();
      log.seconds = (performance.now() - t0) / 1000;
      history.epochs.push(log);
      if (gradRatios) {
        ctx.log.debug(`epoch ${epoch + 1}: |gradient| / |weights| ${kernels.map((k, j) => `${k.name} ${gradRatios![j]!.toExponential(1)}`).join(', ')}`);
        const w = gradientWarning(kernels.map((k) => k.name), gradRatios);
        if (w && !warnedGradients) { ctx.log.warn(`epoch ${epoch + 1}: ${w}`); warnedGradients = true; }
      }
      // early stopping and reduce-on-plateau on the monitored loss
      let stop = false;
      if (!es && ck?.best) {
        // best checkpoints without early stopping: the best validation loss (else training loss) so far
        const m = log.val_loss ?? log.loss;
        if (improved(esState, m, 0)) { esState.best = m; history.bestEpoch = epoch; }
      }
      if (es) {
        const m = es.monitor === 'val_loss' ? log.val_loss : log.loss;
        if (m !== undefined && improved(esState, m, es.min_delta)) {
          esState.best = m;
          esState.wait = 0;
          history.bestEpoch = epoch;
          if (es.restore_best) {
            tf.dispose(bestWeights ?? []);
            bestWeights = model.getWeights().map((x) => tf.clone(x));
          }
        } else if (++esState.wait >= es.patience) stop = true;
      }
      if (rl) {
        const m = rl.monitor === 'val_loss' ? log.val_loss : log.loss;
        if (m !== undefined && improved(rlState, m, rl.min_delta)) { rlState.best = m; rlState.wait = 0; }
        else if (++rlState.wait >= rl.patience) {
          const next = Math.max(rl.min_lr, lr * rl.factor);
          if (next < lr) {
            plateauFactor *= next / lr;
            ctx.log.info(`epoch ${epoch + 1}: ${rl.monitor} has not improved for ${rl.patience} epochs; learning rate ${lr.toPrecision(3)} -> ${next.toPrecision(3)}`);
          }
          rlState.wait = 0;
        }
      }
      if (ck && ((ck.every !== undefined && (epoch + 1) % ck.every === 0) || (ck.best && history.bestEpoch === epoch))) {
        await writeCheckpoint(t, model, optimizer, ck.dir, { epoch, history: history.epochs, bestEpoch: history.bestEpoch, es: esState, rl: rlState, plateauFactor }, es?.restore_best ? bestWeights : undefined);
      }
      if (logFile) appendFileSync(logFile, `${epoch + 1},${log.loss},${log.val_loss ?? ''},${lr},${log.seconds.toFixed(3)}${metricNames.map((k) => `,${log.metrics?.[k] ?? ''}`).join('')}\n`);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, { loss: log.loss, val_loss: log.val_loss, ...log.metrics, lr, seconds: log.seconds });
      if (stop) {
        history.stoppedEarly = true;
        break;
      }
    }
    if (es?.restore_best && bestWeights) model.setWeights(bestWeights);
    if (history.bestEpoch < 0 || !es?.restore_best) history.bestEpoch = history.epochs.length - 1;
    for (const cb of callbacks) await cb.onTrainEnd?.({ epochs: history.epochs.length, bestEpoch: history.bestEpoch });
    return history;
  } finally {
    tf.dispose(bestWeights ?? []);
    optimizer.dispose();
  }
}

/**
 * A warning when the gradient relative to the weights falls by 1e4 or more from the output's layer to
 * the input's (vanishing: saturated activations in a deep stack), or exceeds 10 somewhere (exploding).
 * `names` and `ratios` are in model order (input first).
 */
export function gradientWarning(names: string[], ratios: number[]): string | undefined {
  if (ratios.length < 2) return undefined;
  const top = ratios.length - 1;
  const out = ratios[top]!;
  const worst = ratios.reduce((k, r, i) => (r < ratios[k]! ? i : k), 0);
  if (out > 0 && ratios[worst]! / out < 1e-4 && worst < top) {
    return `vanishing gradients: layer ${names[worst]}'s gradient is ${ratios[worst]!.toExponential(1)} of its weights against ${out.toExponential(1)} at ${names[top]} (saturated activations in a deep stack? try activation relu, batch_norm, or fewer layers)`;
  }
  const big = ratios.findIndex((r) => r > 10 || !Number.isFinite(r));
  if (big >= 0) return `exploding gradients: layer ${names[big]}'s gradient is ${ratios[big]!.toExponential(1)} times its weights (lower train.optimizer.learning_rate, or add batch_norm / layer_norm)`;
  return undefined;
}

/**
 * Series augmentation for train.augment (Um et al. 2017; Le Guennec et al. 2016), seeded: each sample of
 * a batch is a window x (`window` values) and its target y (`horizon` values), both relative to the
 * window's level, so scaling and warping apply to both; jitter and slicing to the window only.
 */
export function seriesAugment(a: NonNullable<TrainSettings['augment']>, window: number, horizon: number, seed: number): (x: Float32Array, y: Float32Array, n: number) => void {
  const rand = rng(seed ^ 0x5bd1e995);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const span = window + horizon;
  const curve = new Float64Array(span);
  const tmp = new Float64Array(window);
  return (x, y, n) => {
    for (let k = 0; k < n; k++) {
      const xo = k * window;
      const yo = k * horizon;
      if (a.window_slice) {
        // the last fraction of the window, stretched back to its length (linear interpolation)
        const len = Math.max(2, Math.round(a.window_slice * window));
        const from = window - len;
        for (let j = 0; j < window; j++) {
          const pos = from + (j * (len - 1)) / (window - 1);
          const i0 = Math.floor(pos);
          const f = pos - i0;
          tmp[j] = x[xo + i0]! * (1 - f) + (i0 + 1 < window ? x[xo + i0 + 1]! : x[xo + i0]!) * f;
        }
        for (let j = 0; j < window; j++) x[xo + j] = tmp[j]!;
      }
      if (a.magnitude_warp) {
        const knots = [0, 1, 2, 3].map(() => 1 + a.magnitude_warp! * normal());
        for (let j = 0; j < span; j++) {
          const pos = (j / Math.max(1, span - 1)) * 3;
          const i0 = Math.min(2, Math.floor(pos));
          const f = pos - i0;
          curve[j] = knots[i0]! * (1 - f) + knots[i0 + 1]! * f;
        }
        for (let j = 0; j < window; j++) x[xo + j]! *= curve[j]!;
        for (let j = 0; j < horizon; j++) y[yo + j]! *= curve[window + j]!;
      }
      if (a.scaling) {
        const f = 1 + a.scaling * normal();
        for (let j = 0; j < window; j++) x[xo + j]! *= f;
        for (let j = 0; j < horizon; j++) y[yo + j]! *= f;
      }
      if (a.jitter) for (let j = 0; j < window; j++) x[xo + j]! += a.jitter * normal();
    }
  };
}

interface CheckpointState {
  epoch: number;
  history: EpochLog[];
  bestEpoch: number;
  es: { best: number; wait: number };
  rl: { best: number; wait: number };
  plateauFactor: number;
}

/**
 * A checkpoint: the model (layers format), the optimizer's state and the loop's, written to a fresh
 * folder beside `dir` and renamed into place, so a crash leaves the previous checkpoint whole.
 */
async function writeCheckpoint(t: Tf, model: LayersModel, optimizer: Optimizer, dir: string, state: CheckpointState, best?: Tensor[]): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { writeModel } = await import('./io.js');
  await writeModel(t, model, { write: (rel, data) => writeFileSync(path.join(tmp, rel), data) });
  const weights = await optimizer.getWeights();
  const encoded = await t.tf.io.encodeWeights(weights);
  writeFileSync(path.join(tmp, 'optimizer.bin'), new Uint8Array(encoded.data as ArrayBuffer));
  // early stopping's best weights so far (restore_best), so that a resumed run can still end with them
  let bestSpecs: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[] | undefined;
  if (best) {
    const b = await t.tf.io.encodeWeights(Object.fromEntries(best.map((w, i) => [`w${i}`, w])));
    writeFileSync(path.join(tmp, 'best.bin'), new Uint8Array(b.data as ArrayBuffer));
    bestSpecs = b.specs;
  }
  // Infinity (no best yet) is not JSON: kept as null
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify({ ...state, optimizer: encoded.specs, ...(bestSpecs ? { best: bestSpecs } : {}) }, (_k, v) => (v === Infinity ? null : v)));
  // the moments are the optimizer's own variables (kept); only the iteration count is a new tensor
  t.tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

async function readCheckpoint(t: Tf, model: LayersModel, optimizer: Optimizer, dir: string): Promise<CheckpointState & { bestWeights?: Tensor[] }> {
  const { BundleError } = await import('../../core/errors.js');
  if (!existsSync(path.join(dir, 'state.json'))) throw new UsageError(`--resume: no checkpoint at ${dir} (train.checkpoint writes one during training)`);
  let state: CheckpointState & { optimizer: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[]; best?: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[] };
  try {
    state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'), (_k, v) => v);
  } catch (e) {
    throw new BundleError(`the checkpoint's state.json does not parse: ${(e as Error).message}`, { file: dir });
  }
  // a checkpoint file that is missing or damaged (a folder edited by hand, a disk error): a bundle error
  const damaged = (what: string, e: unknown) => new BundleError(`the checkpoint's ${what} is missing or damaged (${(e as Error).message}): train without --resume to start over`, { file: dir });
  const decode = (file: string, specs: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[]) => {
    try {
      const b = readFileSync(path.join(dir, file));
      return t.tf.io.decodeWeights(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), specs);
    } catch (e) {
      throw damaged(file, e);
    }
  };
  const { readModel } = await import('./io.js');
  let saved: LayersModel;
  try {
    saved = await readModel(t, { read: (rel) => readFileSync(path.join(dir, rel)) });
  } catch (e) {
    throw damaged('network (model.json, weights.bin)', e);
  }
  try {
    const shapes = (m: LayersModel) => m.weights.map((w) => `${w.originalName ?? w.name}:${w.shape.join('x')}`.replace(/_\d+(?=:)/, '')).sort().join(',');
    if (shapes(saved) !== shapes(model)) throw new BundleError('the checkpoint is of another network (other layers or sizes): train without --resume to start over', { file: dir });
    const byName = new Map(saved.layers.map((l) => [l.name, l]));
    for (const layer of model.layers) {
      const src = byName.get(layer.name);
      if (src && layer.getWeights().length) layer.setWeights(src.getWeights());
    }
  } finally {
    saved.dispose();
  }
  const named = decode('optimizer.bin', state.optimizer);
  await optimizer.setWeights(Object.entries(named).map(([name, tensor]) => ({ name, tensor })));
  let bestWeights: Tensor[] | undefined;
  if (state.best) {
    const best = decode('best.bin', state.best);
    bestWeights = state.best.map((e) => best[e.name]!);
    const want = model.getWeights();
    if (bestWeights.length !== want.length || bestWeights.some((w, i) => w.shape.join('x') !== want[i]!.shape.join('x'))) throw new BundleError('the checkpoint\'s best weights do not fit the network: train without --resume to start over', { file: dir });
  }
  const inf = (m: { best: number | null; wait: number }) => ({ best: m.best === null ? Infinity : m.best, wait: m.wait });
  return { ...state, es: inf(state.es as never), rl: inf(state.rl as never), ...(bestWeights ? { bestWeights } : {}) };
}
