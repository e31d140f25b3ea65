/**
 * Neural forecasters: one global network over every series, trained on windows. Each window is taken
 * relative to its own mean, in units of its series' standard deviation (of the history given: the
 * training series at fit, the newer history with `mlkit forecast --input`), so one model serves series
 * of any level and follows a trend beyond the training range. A window of
 * `params.window` scaled values gives `horizon` values at once (direct multi-step, the horizon the run
 * asks for: forecast.horizon and the backtest's); a longer horizon at forecast time feeds the forecasts
 * back as inputs, one trained horizon at a time. No intervals of their own: the forecasting task
 * calibrates conformal ones on a backtest.
 *
 * The network comes from the component's builder (rnn, cnn, transformer, fno); everything else is shared.
 * Validation (for early stopping or reduce-on-plateau on val_loss): the latest 10% of each series'
 * windows, never shuffled into training.
 */
import { ConfigError, DataError, NotFittedError, throwIfAborted, UsageError } from '../../core/errors.js';
import { yieldToLoop } from '../../core/loop.js';
import { checkSeriesValues } from '../../core/checks.js';
import type { BlobReader, BlobWriter, FitContext, Logger } from '../../core/types.js';
import type { Forecaster, ForecastContext, ForecastRequest, SeriesData, SeriesForecast, SeriesMeta, Tags } from '../../core/types.js';
import { loadTf, type Tf } from './backend.js';
import { autoBatchSize, lossFunction, seriesAugment, trainLoop, type EpochLog, type TrainData } from './fit.js';
import { readModel, startFrom, writeModel } from './io.js';
import { mlkitLayers } from './layers.js';
import { recurrentLayer } from './recurrent.js';
import type { CnnParams, FnoParams, NnOptions, RnnParams, TransformerParams } from './spec.js';
import { trainSchema, type TrainSettings } from './train-spec.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs-layers').SymbolicTensor;

export interface NeuralForecasterState {
  window: number;
  horizon: number;
  backend: string;
  batchSize: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochLog[];
}

const TAGS: Tags = { allowsNaN: false, exog: false, probabilistic: false, local: false };

/** The default input window: two seasons, at least 8 steps. */
export const defaultWindow = (season: number) => Math.max(8, 2 * Math.max(1, season));

/** Mean and standard deviation of a series (std 0 -> 1). */
export function scaleOf(y: Float64Array): { mean: number; std: number } {
  let m = 0;
  for (const v of y) m += v;
  m /= y.length;
  let s = 0;
  for (const v of y) s += (v - m) ** 2;
  const sd = y.length > 1 ? Math.sqrt(s / (y.length - 1)) : 0;
  return { mean: m, std: sd > 0 && Number.isFinite(sd) ? sd : 1 };
}

function windowMean(y: ArrayLike<number>, start: number, n: number): number {
  let m = 0;
  for (let j = 0; j < n; j++) m += y[start + j]!;
  return m / n;
}

/** Builds the network: input [window, 1] -> output [horizon]. */
export type NetworkBuilder<P> = (t: Tf, p: P, window: number, horizon: number, seed: number) => LayersModel;

/** rnn: stacked LSTM or GRU layers (optionally bidirectional), dropout between them, a dense head. */
export const buildRnn: NetworkBuilder<RnnParams> = (t, p, window, horizon, seed) => {
  const { tfl } = t;
  const { Dropout, LayerNorm } = mlkitLayers(t);
  const Recurrent = recurrentLayer(t);
  const input = tfl.input({ shape: [window, 1], name: 'input' });
  let h = input as unknown as SymbolicTensor;
  for (let k = 0; k < p.layers; k++) {
    // the fused kernel layer (recurrent.ts): sigmoid gates, zero initial state, masks from the seed
    h = new Recurrent({
      cell: p.cell, units: p.units, returnSequences: k < p.layers - 1, bidirectional: p.bidirectional, activation: p.activation,
      recurrentDropout: p.recurrent_dropout, seed: seed + 10 * k, l1: p.l1, l2: p.l2, name: `${p.cell}_${k + 1}`,
    }).apply(h) as SymbolicTensor;
    if (p.layer_norm) h = new LayerNorm({ name: `layer_norm_${k + 1}` }).apply(h) as SymbolicTensor;
    if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 1000 + k, name: `dropout_${k + 1}` }).apply(h) as SymbolicTensor;
  }
  const out = tfl.layers.dense({ units: horizon, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 999 }), name: 'output' }).apply(h) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'rnn' });
};

export class NeuralForecaster<P extends { window?: number }> implements Forecaster<P, NeuralForecasterState> {
  readonly kind = 'forecaster' as const;
  readonly tags = TAGS;
  readonly params: Readonly<P>;
  private readonly options: NnOptions;
  private readonly train: TrainSettings;
  private t?: Tf;
  private model?: LayersModel;
  private state?: NeuralForecasterState;
  private fitting = false;

  constructor(readonly name: string, params: P, options: NnOptions | undefined, private readonly build: NetworkBuilder<P>, private readonly describeNet: (p: P) => string) {
    this.params = Object.freeze({ ...params });
    this.options = Object.freeze({ backend: 'auto', ...options });
    this.train = this.options.train ?? trainSchema.parse({});
  }

  isFitted(): boolean {
    return this.model !== undefined && this.state !== undefined;
  }

  minLength(season: number, horizon = 1): number {
    // a window and the horizon after it (the network is trained direct multi-step)
    return (this.params.window ?? defaultWindow(season)) + Math.max(1, horizon);
  }

  private wantsValidation(): boolean {
    return this.train.early_stopping?.monitor === 'val_loss' || this.train.reduce_lr_on_plateau?.monitor === 'val_loss';
  }

  async fit(series: SeriesData[], ctx: FitContext, meta: SeriesMeta): Promise<this> {
    if (this.fitting) throw new UsageError('fit() is already running on this forecaster');
    this.fitting = true;
    try {
      checkSeriesValues(series, this.name, TAGS);
      const t = (this.t ??= await loadTf(this.options.backend, ctx.log));
      const window = this.params.window ?? defaultWindow(meta.season);
      const horizon = Math.max(1, meta.horizon ?? 1);
      const s = this.train;
      // every window of every series: x = window scaled values, y = the horizon after them
      const per = series.map((sr) => Math.max(0, sr.y.length - window - horizon + 1));
      const total = per.reduce((a, b) => a + b, 0);
      if (total === 0) {
        const longest = Math.max(...series.map((sr) => sr.y.length));
        throw new DataError(`${this.name}: no series is longer than window + horizon (${window} + ${horizon}; the longest has ${longest} values): lower model.params.window or the horizon`, { path: 'model.params.window' });
      }
      const nValid = this.wantsValidation() ? per.map((k) => (k >= 10 ? Math.max(1, Math.floor(k / 10)) : 0)) : per.map(() => 0);
      const vRows = nValid.reduce((a, b) => a + b, 0);
      if (this.wantsValidation() && vRows === 0) throw new DataError(`${this.name}: too few windows to hold out a validation set for val_loss (each series needs at least 10 windows of ${window} + ${horizon} values); monitor loss instead`, { path: 'train.early_stopping.monitor' });
      const tRows = total - vRows;
      const mk = (rows: number): TrainData => ({ x: new Float32Array(rows * window), y: new Float32Array(rows * horizon), rows, inShape: [window, 1], outSize: horizon });
      const train = mk(tRows);
      const valid = vRows ? mk(vRows) : undefined;
      let ti = 0;
      let vi = 0;
      // train.metrics are scored on the validation windows (else the training windows) in the series'
      // units: each window's level and spread map its scaled target back
      const scored = s.metrics?.length ? (valid ?? train) : undefined;
      const scoredLevel = new Float64Array(scored?.rows ?? 0);
      const scoredStd = new Float64Array(scored?.rows ?? 0);
      series.forEach((sr, k) => {
        const { std } = scaleOf(sr.y);
        for (let i = 0; i < per[k]!; i++) {
          const into = i >= per[k]! - nValid[k]! ? valid! : train;
          const r = into === train ? ti++ : vi++;
          // each window relative to its own mean, in units of the series' spread: a trend or a level
          // never seen in training is no problem
          const level = windowMean(sr.y, i, window);
          if (into === scored) { scoredLevel[r] = level; scoredStd[r] = std; }
          for (let j = 0; j < window; j++) into.x[r * window + j] = (sr.y[i + j]! - level) / std;
          for (let j = 0; j < horizon; j++) into.y[r * horizon + j] = (sr.y[i + window + j]! - level) / std;
        }
      });
      const seed = s.seed ?? ctx.seed;
      this.model?.dispose();
      this.model = undefined;
      const model = this.build(t, this.params as P, window, horizon, seed);
      await startFrom(t, model, s, ctx.log);
      let batchSize: number;
      if (s.batch_size === 'auto') {
        // float32 activations kept per step for the backward pass (about 8 gate values a unit), gradients,
        // temporaries; self-attention keeps a window x window matrix per head and layer (scores, softmax,
        // their gradients)
        const p = this.params as { units?: number; d_model?: number; heads?: number; layers?: number };
        const units = Number(p.units ?? p.d_model ?? 32);
        const attention = p.heads ? 4 * 3 * Number(p.heads) * Number(p.layers ?? 1) * window * window : 0;
        const auto = autoBatchSize(4 * 3 * window * (1 + 8 * units) + attention, tRows, s.memory, t.backend);
        ctx.log.info(auto.note);
        batchSize = auto.size;
      } else batchSize = s.batch_size;
      const lossFn = lossFunction(t.tf, s.loss ?? 'mse', s.huber_delta);
      ctx.log.debug(`${this.name}: ${this.describeNet(this.params as P)}, window ${window} -> horizon ${horizon}, ${tRows} training windows${vRows ? ` (+${vRows} validation)` : ''}, batch ${batchSize}, ${t.backend} backend`);
      try {
        const augment = s.augment ? seriesAugment(s.augment, window, horizon, seed) : undefined;
        const epochMetrics = scored ? async () => {
          const { regressionMetrics } = await import('../../metrics/index.js');
          const { tf } = t;
          const truth = new Float64Array(scored.rows * horizon);
          const pred = new Float64Array(scored.rows * horizon);
          const B = 1024;
          for (let b = 0; b < scored.rows; b += B) {
            const m = Math.min(B, scored.rows - b);
            const y = tf.tidy(() => model.predict(tf.tensor3d(scored.x.subarray(b * window, (b + m) * window), [m, window, 1])) as Tensor);
            const d = y.dataSync();
            y.dispose();
            for (let r = 0; r < m; r++) {
              for (let j = 0; j < horizon; j++) {
                const k = (b + r) * horizon + j;
                truth[k] = scored.y[k]! * scoredStd[b + r]! + scoredLevel[b + r]!;
                pred[k] = d[r * horizon + j]! * scoredStd[b + r]! + scoredLevel[b + r]!;
              }
            }
          }
          const m = regressionMetrics(s.metrics as never, truth, pred);
          return Object.fromEntries(Object.entries(m).map(([k, v]) => [(valid ? 'val_' : '') + k, v as number]));
        } : undefined;
        const h = await trainLoop(t, model, train, { settings: s, loss: lossFn, valid, batchSize, seed, ctx, augment, epochMetrics });
        this.model = model;
        this.state = { window, horizon, backend: t.backend, batchSize: h.batchSize, bestEpoch: h.bestEpoch, stoppedEarly: h.stoppedEarly, history: h.epochs };
      } catch (e) {
        model.dispose();
        throw e;
      }
      return this;
    } finally {
      this.fitting = false;
    }
  }

  async forecast(histories: SeriesData[], req: ForecastRequest, ctx: ForecastContext): Promise<SeriesForecast[]> {
    if (!this.model || !this.state || !this.t) throw new NotFittedError(this.name, 'forecast()');
    checkSeriesValues(histories, this.name, TAGS);
    const { tf } = this.t;
    const { window, horizon } = this.state;
    const n = histories.length;
    const scales = histories.map((h) => {
      if (h.y.length < window) throw new DataError(`${h.id ? `series "${h.id}"` : 'the series'} has ${h.y.length} values; ${this.name} reads the last ${window} (model.params.window)`);
      return scaleOf(h.y);
    });
    // the last window of each history (in the series' units); then one trained horizon at a time, the
    // window sliding over the forecasts
    const buf = histories.map((h) => Float64Array.from(h.y.subarray(h.y.length - window)));
    const out = histories.map(() => new Float64Array(req.horizon));
    for (let done = 0; done < req.horizon; done += horizon) {
      if (ctx.signal?.aborted) break;
      const x = new Float32Array(n * window);
      const levels = buf.map((b) => windowMean(b, 0, window));
      buf.forEach((b, k) => { for (let j = 0; j < window; j++) x[k * window + j] = (b[j]! - levels[k]!) / scales[k]!.std; });
      const y = tf.tidy(() => this.model!.predict(tf.tensor3d(x, [n, window, 1])) as Tensor);
      const d = y.dataSync();
      y.dispose();
      for (let k = 0; k < n; k++) {
        const next = Float64Array.from(d.subarray(k * horizon, (k + 1) * horizon), (v) => v * scales[k]!.std + levels[k]!);
        for (let j = 0; j < horizon && done + j < req.horizon; j++) out[k]![done + j] = next[j]!;
        const joined = new Float64Array(window + horizon);
        joined.set(buf[k]!);
        joined.set(next, window);
        buf[k] = joined.slice(horizon);
      }
    }
    return out.map((mean) => ({ mean }));
  }

  /** the input window the model was trained with */
  get window(): number {
    if (!this.state) throw new NotFittedError(this.name, 'window');
    return this.state.window;
  }

  /**
   * The first forecast step for each t in [first, v.length) from the `window` values before t (a
   * detector's next-value predictions for a batch, in one call), with the windows scaled by `std` (a
   * fixed spread, e.g. the training series'); first >= window. Between blocks of windows the event loop
   * runs and `signal` is checked (a big batch through a large network takes minutes).
   */
  async predictNext(v: Float64Array, first: number, std: number, signal?: AbortSignal): Promise<Float64Array> {
    if (!this.model || !this.state || !this.t) throw new NotFittedError(this.name, 'predictNext()');
    const { tf } = this.t;
    const { window, horizon } = this.state;
    if (first < window) throw new RangeError(`the first row predicted needs ${window} values before it`);
    const rows = Math.max(0, v.length - first);
    const out = new Float64Array(rows);
    const B = 4096;
    for (let s = 0; s < rows; s += B) {
      if (s > 0) {
        await yieldToLoop();
        throwIfAborted(signal);
      }
      const n = Math.min(B, rows - s);
      const x = new Float32Array(n * window);
      const levels = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const start = first + s + r - window;
        const level = windowMean(v, start, window);
        levels[r] = level;
        for (let j = 0; j < window; j++) x[r * window + j] = (v[start + j]! - level) / std;
      }
      const y = tf.tidy(() => this.model!.predict(tf.tensor3d(x, [n, window, 1])) as Tensor);
      const d = y.dataSync();
      y.dispose();
      for (let r = 0; r < n; r++) out[s + r] = d[r * horizon]! * std + levels[r]!;
    }
    return out;
  }

  describe(): string[] {
    if (!this.state) return [];
    const st = this.state;
    return [`${this.name}: ${this.describeNet(this.params as P)}, window ${st.window} -> horizon ${st.horizon}; ${st.history.length} epoch${st.history.length === 1 ? '' : 's'}${st.stoppedEarly ? ` (early stopping; weights of epoch ${st.bestEpoch + 1})` : ''}; ${st.backend} backend`];
  }

  async save(w: BlobWriter): Promise<NeuralForecasterState> {
    if (!this.model || !this.state || !this.t) throw new NotFittedError(this.name, 'save()');
    await writeModel(this.t, this.model, w);
    return this.state;
  }

  async restoreFrom(state: NeuralForecasterState, r: BlobReader, log: Logger): Promise<this> {
    this.t = await loadTf(this.options.backend, log);
    this.model = await readModel(this.t, r);
    this.state = state;
    return this;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}

export const describeRnn = (p: RnnParams) => `${p.bidirectional ? 'bidirectional ' : ''}${p.cell.toUpperCase()}(${p.units}) x ${p.layers}`;

/** cnn: 1-D convolutions (patches x kernel, layers.ts) with max pooling, a global pooling, a dense head. */
export const buildCnn: NetworkBuilder<CnnParams> = (t, p, window, horizon, seed) => {
  const { tfl } = t;
  const { Dropout, Conv1D, MaxPool1D } = mlkitLayers(t);
  // the steps left after each convolution and pooling: the window must leave at least one
  let steps = window;
  p.filters.forEach((_, k) => {
    steps = Math.floor((steps - p.kernel) / p.stride) + 1;
    if (steps >= 1 && p.pool > 1) steps = Math.floor(steps / p.pool);
    if (steps < 1) throw new ConfigError(`cnn: a window of ${window} steps is used up by convolution ${k + 1} of ${p.filters.length} (kernel ${p.kernel}, stride ${p.stride}, pool ${p.pool}): raise model.params.window or use fewer filters`, { path: 'model.params.window' });
  });
  const input = tfl.input({ shape: [window, 1], name: 'input' });
  let h = input as unknown as SymbolicTensor;
  p.filters.forEach((f, k) => {
    h = new Conv1D({ filters: f, kernel: p.kernel, stride: p.stride, activation: p.activation, seed: seed + 10 * k, l1: p.l1, l2: p.l2, name: `conv_${k + 1}` }).apply(h) as SymbolicTensor;
    if (p.pool > 1) h = new MaxPool1D({ pool: p.pool, name: `pool_${k + 1}` }).apply(h) as SymbolicTensor;
    if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 1000 + k, name: `dropout_${k + 1}` }).apply(h) as SymbolicTensor;
  });
  h = (p.global_pool === 'avg' ? tfl.layers.globalAveragePooling1d({ name: 'global_pool' }) : p.global_pool === 'max' ? tfl.layers.globalMaxPooling1d({ name: 'global_pool' }) : tfl.layers.flatten({ name: 'flatten' })).apply(h) as SymbolicTensor;
  const out = tfl.layers.dense({ units: horizon, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 999 }), name: 'output' }).apply(h) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'cnn' });
};
export const describeCnn = (p: CnnParams) => `conv1d ${p.filters.join('-')} (kernel ${p.kernel}${p.stride > 1 ? `, stride ${p.stride}` : ''}${p.pool > 1 ? `, pool ${p.pool}` : ''}), ${p.global_pool}`;

/**
 * transformer: the values projected to d_model, the position encoding added, `layers` pre-norm encoder
 * blocks (x + attention(norm(x)), then x + feed-forward(norm(x))), the last step (or the mean), a dense head.
 */
export const buildTransformer: NetworkBuilder<TransformerParams> = (t, p, window, horizon, seed) => {
  const { tfl } = t;
  const { Dropout, LastStep, LayerNorm, PositionalEncoding, SelfAttention } = mlkitLayers(t);
  const reg = p.l1 > 0 || p.l2 > 0 ? () => tfl.regularizers.l1l2({ l1: p.l1, l2: p.l2 }) : () => undefined;
  const ff = p.ff_dim ?? 2 * p.d_model;
  const input = tfl.input({ shape: [window, 1], name: 'input' });
  let h = tfl.layers.dense({ units: p.d_model, kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: 'embed' }).apply(input) as SymbolicTensor;
  if (p.positional_encoding) h = new PositionalEncoding({ name: 'position' }).apply(h) as SymbolicTensor;
  for (let k = 0; k < p.layers; k++) {
    const s0 = seed + 100 * (k + 1);
    let a = new LayerNorm({ name: `norm_${k + 1}a` }).apply(h) as SymbolicTensor;
    a = new SelfAttention({ heads: p.heads, seed: s0, name: `attention_${k + 1}` }).apply(a) as SymbolicTensor;
    if (p.dropout > 0) a = new Dropout({ rate: p.dropout, seed: s0 + 10, name: `dropout_${k + 1}a` }).apply(a) as SymbolicTensor;
    h = tfl.layers.add({ name: `residual_${k + 1}a` }).apply([h, a]) as SymbolicTensor;
    let f = new LayerNorm({ name: `norm_${k + 1}b` }).apply(h) as SymbolicTensor;
    f = tfl.layers.dense({ units: ff, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: s0 + 20 }), kernelRegularizer: reg(), name: `ff_${k + 1}a` }).apply(f) as SymbolicTensor;
    f = tfl.layers.dense({ units: p.d_model, kernelInitializer: tfl.initializers.glorotUniform({ seed: s0 + 21 }), kernelRegularizer: reg(), name: `ff_${k + 1}b` }).apply(f) as SymbolicTensor;
    if (p.dropout > 0) f = new Dropout({ rate: p.dropout, seed: s0 + 11, name: `dropout_${k + 1}b` }).apply(f) as SymbolicTensor;
    h = tfl.layers.add({ name: `residual_${k + 1}b` }).apply([h, f]) as SymbolicTensor;
  }
  h = new LayerNorm({ name: 'norm_out' }).apply(h) as SymbolicTensor;
  h = (p.pooling === 'avg' ? tfl.layers.globalAveragePooling1d({ name: 'pool' }) : new LastStep({ name: 'last_step' })).apply(h) as SymbolicTensor;
  const out = tfl.layers.dense({ units: horizon, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 999 }), name: 'output' }).apply(h) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'transformer' });
};
export const describeTransformer = (p: TransformerParams) => `${p.layers} encoder block${p.layers === 1 ? '' : 's'} (d_model ${p.d_model}, ${p.heads} heads, ff ${p.ff_dim ?? 2 * p.d_model}), ${p.pooling} pooling`;

/**
 * fno: the window lifted to `width` channels, `layers` Fourier layers (activation(spectral(v) + W v), Li et
 * al. 2021), each step projected to one value, and a dense map from the window's steps to the horizon.
 */
export const buildFno: NetworkBuilder<FnoParams> = (t, p, window, horizon, seed) => {
  const { tfl } = t;
  const { SpectralConv1D } = mlkitLayers(t);
  if (2 * p.modes > window) throw new ConfigError(`fno: modes ${p.modes} needs a window of at least ${2 * p.modes} steps (model.params.window is ${window})`, { path: 'model.params.modes' });
  const reg = p.l1 > 0 || p.l2 > 0 ? () => tfl.regularizers.l1l2({ l1: p.l1, l2: p.l2 }) : () => undefined;
  const input = tfl.input({ shape: [window, 1], name: 'input' });
  let v = tfl.layers.dense({ units: p.width, kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: 'lift' }).apply(input) as SymbolicTensor;
  for (let k = 0; k < p.layers; k++) {
    const s0 = seed + 100 * (k + 1);
    const spectral = new SpectralConv1D({ modes: p.modes, seed: s0, name: `spectral_${k + 1}` }).apply(v) as SymbolicTensor;
    const local = tfl.layers.dense({ units: p.width, kernelInitializer: tfl.initializers.glorotUniform({ seed: s0 + 2 }), kernelRegularizer: reg(), name: `pointwise_${k + 1}` }).apply(v) as SymbolicTensor;
    v = tfl.layers.add({ name: `sum_${k + 1}` }).apply([spectral, local]) as SymbolicTensor;
    if (k < p.layers - 1) v = tfl.layers.activation({ activation: p.activation as never, name: `activation_${k + 1}` }).apply(v) as SymbolicTensor;
  }
  v = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 998 }), name: 'project' }).apply(v) as SymbolicTensor;
  v = tfl.layers.flatten({ name: 'flatten' }).apply(v) as SymbolicTensor;
  const out = tfl.layers.dense({ units: horizon, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 999 }), name: 'output' }).apply(v) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'fno' });
};
export const describeFno = (p: FnoParams) => `${p.layers} Fourier layer${p.layers === 1 ? '' : 's'} (${p.modes} modes, width ${p.width})`;

const NETWORKS = {
  rnn: { build: buildRnn, describe: describeRnn },
  cnn: { build: buildCnn, describe: describeCnn },
  transformer: { build: buildTransformer, describe: describeTransformer },
  fno: { build: buildFno, describe: describeFno },
} as const;

/** The implementation module of one neural forecaster (the registry's load()). */
export function impl(name: keyof typeof NETWORKS) {
  const n = NETWORKS[name] as { build: NetworkBuilder<any>; describe: (p: any) => string };
  const create = (p: any, o: NnOptions) => new NeuralForecaster(name, p, o, n.build, n.describe);
  return {
    create,
    restore: async (p: any, s: NeuralForecasterState, r: BlobReader, ctx: { options: NnOptions; log: Logger }) => create(p, ctx.options).restoreFrom(s, r, ctx.log),
  };
}
