/**
 * `mlp`: a multilayer perceptron for regression and classification (tabular tasks), on TensorFlow.js.
 *
 * Inputs are standardised with the training rows' means and standard deviations, and a missing value is
 * the training mean (0 once standardised), so `pipeline: auto` (one-hot categoricals) is all it needs.
 * Regression targets are standardised too (predictions are mapped back). The output layer gives logits
 * for classification (sigmoid / softmax applied at predict time; the losses take logits, which is
 * numerically stable). Weights start from glorot-uniform initialisers seeded per layer, dropout masks are
 * seeded (layers.ts) and batches come in a seeded order: the same seed and backend give identical weights.
 */
import { ConfigError, NotFittedError, UsageError } from '../../core/errors.js';
import { checkMatrixValues } from '../../core/checks.js';
import type { BlobReader, BlobWriter, FitContext } from '../../core/component.js';
import type { DenseMatrix, Estimator, TabularFitData, TabularTask, Tags } from '../../core/types.js';
import type { Logger } from '../../core/log.js';
import { loadTf, type Tf } from './backend.js';
import { autoBatchSize, lossFunction, trainLoop, type EpochLog, type TrainData } from './fit.js';
import { readModel, startFrom, writeModel } from './io.js';
import { mlkitLayers } from './layers.js';
import type { MlpParams, NnOptions } from './spec.js';
import { trainSchema, type TrainSettings } from './train-spec.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;

export interface MlpState {
  numClass: number;
  featureNames: string[];
  means: number[];
  stds: number[];
  /** regression: the target's standardisation */
  yMean: number;
  yStd: number;
  backend: string;
  batchSize: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochLog[];
}

const TAGS: Tags = { allowsNaN: true, probabilistic: true };

/** Per-column mean and standard deviation of a row-major matrix, NaN ignored (std 0 or none -> 1). */
export function columnStats(x: DenseMatrix): { means: number[]; stds: number[] } {
  const { data, rows, cols } = x;
  const sum = new Float64Array(cols);
  const sq = new Float64Array(cols);
  const cnt = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (v !== v) continue;
      sum[c]! += v;
      cnt[c]!++;
    }
  }
  const means = Array.from(sum, (s, c) => (cnt[c]! ? s / cnt[c]! : 0));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (v === v) sq[c]! += (v - means[c]!) ** 2;
    }
  }
  const stds = Array.from(sq, (s, c) => {
    const sd = cnt[c]! > 1 ? Math.sqrt(s / (cnt[c]! - 1)) : 0;
    return sd > 0 && Number.isFinite(sd) ? sd : 1;
  });
  return { means, stds };
}

function standardise(x: DenseMatrix, means: number[], stds: number[]): Float32Array {
  const { data, rows, cols } = x;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      out[r * cols + c] = v === v ? (v - means[c]!) / stds[c]! : 0;
    }
  }
  return out;
}

/** Per-row weights for train.class_weight: balanced, or a weight per class label (others 1). */
function classWeights(cw: NonNullable<TrainSettings['class_weight']>, y: Float32Array, task: TabularTask): Float32Array {
  if (task.kind !== 'classification') throw new ConfigError('train.class_weight is for classification', { path: 'train.class_weight' });
  const k = task.numClass;
  const counts = new Float64Array(k);
  for (const c of y) counts[c]!++;
  let per: Float64Array;
  if (cw === 'balanced') per = Float64Array.from(counts, (c) => (c > 0 ? y.length / (k * c) : 0));
  else {
    const labels = task.labels ?? Array.from({ length: k }, (_, i) => String(i));
    per = new Float64Array(k).fill(1);
    for (const [label, w] of Object.entries(cw)) {
      const i = labels.indexOf(label);
      if (i < 0) throw new ConfigError(`class ${JSON.stringify(label)} is not a class of the target (classes: ${labels.join(', ')})`, { path: `train.class_weight.${label}` });
      per[i] = w;
    }
  }
  return Float32Array.from(y, (c) => per[c]!);
}

/** regression: n values; classification: n x k probabilities, row-major (binary as [1 - p, p]). */
function predictWith(t: Tf, model: LayersModel, st: Pick<MlpState, 'numClass' | 'means' | 'stds' | 'yMean' | 'yStd'>, x: DenseMatrix): Float64Array {
  const { tf } = t;
  const k = st.numClass;
  const out = new Float64Array(x.rows * (k > 1 ? k : 1));
  const z = standardise(x, st.means, st.stds);
  const B = 4096;
  for (let s = 0; s < x.rows; s += B) {
    const n = Math.min(B, x.rows - s);
    const v = tf.tidy(() => {
      const logits = model.predict(tf.tensor2d(z.subarray(s * x.cols, (s + n) * x.cols), [n, x.cols])) as Tensor;
      return k > 2 ? tf.softmax(logits) : k === 2 ? tf.sigmoid(logits) : logits;
    });
    const d = v.dataSync();
    v.dispose();
    for (let i = 0; i < n; i++) {
      if (k === 2) { out[2 * (s + i)] = 1 - d[i]!; out[2 * (s + i) + 1] = d[i]!; }
      else if (k > 2) for (let c = 0; c < k; c++) out[(s + i) * k + c] = d[i * k + c]!;
      else out[s + i] = d[i]! * st.yStd + st.yMean;
    }
  }
  return out;
}

export class MlpEstimator implements Estimator<MlpParams, MlpState> {
  readonly kind = 'estimator' as const;
  readonly name = 'mlp';
  readonly tags = TAGS;
  private t?: Tf;
  private model?: LayersModel;
  private state?: MlpState;
  private fitting = false;
  private readonly train: TrainSettings;
  readonly params: Readonly<MlpParams>;
  private readonly options: NnOptions;

  constructor(params: MlpParams, options: NnOptions = { backend: 'auto' }) {
    this.params = Object.freeze({ ...params, units: Object.freeze([...params.units]) as number[] });
    this.options = Object.freeze({ ...options });
    this.train = options.train ?? trainSchema.parse({});
  }

  isFitted(): boolean {
    return this.model !== undefined && this.state !== undefined;
  }

  async prepare(log: Logger): Promise<{ categorical: 'native' | 'onehot'; description: string }> {
    this.t ??= await loadTf(this.options.backend, log);
    return { categorical: 'onehot', description: `mlp on TensorFlow.js (${this.t.backend} backend: ${this.t.why})` };
  }

  wantsValidation(): boolean {
    const t = this.train;
    return t.early_stopping?.monitor === 'val_loss' || t.reduce_lr_on_plateau?.monitor === 'val_loss';
  }

  bestIteration(): number | undefined {
    return this.state?.bestEpoch;
  }

  private build(t: Tf, inputs: number, outputs: number, seed: number): LayersModel {
    const { tfl } = t;
    const p = this.params;
    const { Dropout, LayerNorm } = mlkitLayers(t);
    const reg = p.l1 > 0 || p.l2 > 0 ? () => tfl.regularizers.l1l2({ l1: p.l1, l2: p.l2 }) : () => undefined;
    const input = tfl.input({ shape: [inputs], name: 'input' });
    let h = input as unknown as import('@tensorflow/tfjs-layers').SymbolicTensor;
    p.units.forEach((u, k) => {
      const norm = p.batch_norm || p.layer_norm;
      h = tfl.layers.dense({ units: u, activation: norm ? 'linear' : p.activation, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + k }), kernelRegularizer: reg(), name: `dense_${k + 1}` }).apply(h) as typeof h;
      if (p.batch_norm) h = tfl.layers.batchNormalization({ name: `batch_norm_${k + 1}` }).apply(h) as typeof h;
      if (p.layer_norm) h = new LayerNorm({ name: `layer_norm_${k + 1}` }).apply(h) as typeof h;
      if (norm) h = tfl.layers.activation({ activation: p.activation, name: `activation_${k + 1}` }).apply(h) as typeof h;
      if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 1000 + k, name: `dropout_${k + 1}` }).apply(h) as typeof h;
    });
    const out = tfl.layers.dense({ units: outputs, activation: 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 999 }), name: 'output' }).apply(h) as typeof h;
    return tfl.model({ inputs: input, outputs: out, name: 'mlp' });
  }

  async fit(data: TabularFitData, task: TabularTask, ctx: FitContext): Promise<this> {
    if (this.fitting) throw new UsageError('fit() is already running on this estimator');
    this.fitting = true;
    try {
      const t = (this.t ??= await loadTf(this.options.backend, ctx.log));
      const { tf } = t;
      checkMatrixValues(data.x, data.featureNames, 'mlp', TAGS, 'training row');
      const s = this.train;
      const classification = task.kind === 'classification';
      const numClass = classification ? task.numClass : 1;
      const loss = s.loss ?? (classification ? 'crossentropy' : 'mse');
      if (classification !== (loss === 'crossentropy')) throw new UsageError(`train.loss ${loss} is for ${classification ? 'regression; classification trains with crossentropy' : 'classification; regression takes mse, mae or huber'}`);
      const outSize = classification && numClass > 2 ? numClass : 1;
      const { means, stds } = columnStats(data.x);
      let yMean = 0;
      let yStd = 1;
      if (!classification) ({ means: [yMean], stds: [yStd] } = columnStats({ data: data.y, rows: data.y.length, cols: 1 }) as { means: [number]; stds: [number] });
      const target = (y: Float32Array): Float32Array => {
        if (!classification) return Float32Array.from(y, (v) => (v - yMean) / yStd);
        if (outSize === 1) return y;
        const out = new Float32Array(y.length * outSize);
        y.forEach((c, i) => { out[i * outSize + c] = 1; });
        return out;
      };
      const rows = data.x.rows;
      const cols = data.x.cols;
      const train: TrainData = { x: standardise(data.x, means, stds), y: target(data.y), rows, inShape: [cols], outSize, ...(s.class_weight ? { w: classWeights(s.class_weight, data.y, task) } : {}) };
      const valid: TrainData | undefined = data.valid ? { x: standardise(data.valid.x, means, stds), y: target(data.valid.y), rows: data.valid.x.rows, inShape: [cols], outSize } : undefined;
      const seed = s.seed ?? ctx.seed;
      this.model?.dispose();
      this.model = undefined;
      const model = this.build(t, cols, outSize, seed);
      await startFrom(t, model, s, ctx.log);
      let batchSize: number;
      if (s.batch_size === 'auto') {
        // float32 activations of every layer, kept for the backward pass, their gradients and temporaries
        const widths = [cols, ...this.params.units.flatMap((u) => [u, u]), outSize];
        const auto = autoBatchSize(4 * 3 * widths.reduce((a, b) => a + b, 0), rows, s.memory, t.backend);
        ctx.log.info(auto.note);
        batchSize = auto.size;
      } else batchSize = s.batch_size;
      const lossFn = lossFunction(tf, loss, s.huber_delta);
      // stacked dense layers without a nonlinearity between them are one linear map (a larger model for nothing)
      if (this.params.activation === 'linear' && this.params.units.length) ctx.log.warn(`mlp: activation linear: the ${this.params.units.length} hidden dense layer${this.params.units.length === 1 ? '' : 's'} and the output layer collapse to one linear map (a linear model); use a nonlinear activation such as relu, or units: [] for a linear model`);
      ctx.log.debug(`mlp: ${cols} inputs -> ${this.params.units.join(' -> ')} -> ${outSize}, ${rows} rows, batch ${batchSize}, ${s.epochs} epochs, ${t.backend} backend`);
      try {
        // train.metrics: the task's metrics after each epoch, in the target's own units, on the validation
        // rows (else the training rows)
        const on = data.valid ?? { x: data.x, y: data.y };
        const epochMetrics = s.metrics?.length ? async () => {
          const { classificationMetrics, regressionMetrics } = await import('../../metrics/index.js');
          const p = predictWith(t, model, { numClass, means, stds, yMean, yStd }, on.x);
          const m = classification ? classificationMetrics(s.metrics as never, on.y, p, numClass) : regressionMetrics(s.metrics as never, on.y, p);
          const prefix = data.valid ? 'val_' : '';
          return Object.fromEntries(Object.entries(m).map(([k, v]) => [prefix + k, v as number]));
        } : undefined;
        const h = await trainLoop(t, model, train, { settings: s, loss: lossFn, valid, batchSize, seed, ctx, epochMetrics });
        this.model = model;
        this.state = { numClass, featureNames: data.featureNames, means, stds, yMean, yStd, backend: t.backend, batchSize: h.batchSize, bestEpoch: h.bestEpoch, stoppedEarly: h.stoppedEarly, history: h.epochs };
        if (h.stoppedEarly) ctx.log.info(`early stopping after epoch ${h.epochs.length}; the weights of epoch ${h.bestEpoch + 1} are kept`);
      } catch (e) {
        model.dispose();
        throw e;
      }
      return this;
    } finally {
      this.fitting = false;
    }
  }

  /** regression: n values; classification: n x k probabilities, row-major (binary as [1 - p, p]). */
  predict(x: DenseMatrix): Float64Array {
    if (!this.model || !this.state || !this.t) throw new NotFittedError('mlp', 'predict()');
    if (x.cols !== this.state.means.length) throw new UsageError(`mlp: expected ${this.state.means.length} features, got ${x.cols}`);
    return predictWith(this.t, this.model, this.state, x);
  }

  async save(w: BlobWriter): Promise<MlpState> {
    if (!this.model || !this.state || !this.t) throw new NotFittedError('mlp', 'save()');
    await writeModel(this.t, this.model, w);
    return this.state;
  }

  static async restore(params: MlpParams, state: MlpState, r: BlobReader, options: NnOptions, log: Logger): Promise<MlpEstimator> {
    const e = new MlpEstimator(params, options);
    e.t = await loadTf(options.backend, log);
    e.model = await readModel(e.t, r);
    e.state = state;
    return e;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}

export const create = (p: MlpParams, o: NnOptions) => new MlpEstimator(p, o);
export const restore = async (p: MlpParams, s: MlpState, r: BlobReader, ctx: { options: NnOptions; log: Logger }) => MlpEstimator.restore(p, s, r, ctx.options ?? { backend: 'auto' }, ctx.log);
