/**
 * The `autoencoder` detector (detect.mode unsupervised, detect.detector autoencoder): a neural network
 * learns to reconstruct windows of the nominal rows (all channels together, each standardised by its
 * nominal median and 1.4826 x median absolute deviation); a window it cannot reconstruct is unlike the
 * nominal data. The score of row t is the mean squared reconstruction error of the window of `window` rows
 * ending at t, divided by the median of those errors on held-out nominal rows (so nominal rows score about
 * 1); cause: the channel with the largest error at row t.
 *
 * - network mlp: the window flattened, dense encoder layers (`units`), a `latent` code, the mirror decoder;
 * - network rnn: an LSTM encoder, the `latent` code repeated over the window, an LSTM decoder, a dense
 *   map to the channels at every step;
 * - network cnn: 1-D convolutions over the window (`units` filters each, `kernel` rows, stride 2, valid
 *   padding, relu; as patches x kernel, which trains on wasm), flattened to the `latent` code, then the
 *   mlp's dense decoder (the filters mirrored as units) back to the window.
 * Trained (train: section, as for every neural model) on the windows of the first 1 - `holdout` of the
 * nominal rows; the held-out rows' scores are the ones the threshold is fitted on (fitScores). Causal:
 * a row's score uses it and the rows before it; the first window - 1 rows of a stream are the warm-up.
 */
import { join } from 'node:path';
import { BundleError, ConfigError, DataError, NotFittedError, throwIfAborted, UsageError } from '../../core/errors.js';
import { yieldToLoop } from '../../core/loop.js';
import { columnOf, float64Values } from '../../pipeline/frame-columns.js';
import { channelIndex, median } from '../common.js';
import type { BlobReader, BlobWriter, ComponentImpl, Detector, FitContext, Frame, Logger, RowBatch, Scores, Tags } from '../../core/types.js';
import type { AutoencoderParams } from './spec.js';
import { loadTf, type BackendChoice, type Tf } from '../../estimators/nn/backend.js';
import { autoBatchSize, lossFunction, trainLoop, type EpochLog, type TrainData } from '../../estimators/nn/fit.js';
import { readModel, startFrom, writeModel } from '../../estimators/nn/io.js';
import { mlkitLayers } from '../../estimators/nn/layers.js';
import { recurrentLayer } from '../../estimators/nn/recurrent.js';
import { trainSchema } from '../../estimators/nn/train-spec.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs-layers').SymbolicTensor;

const MAD_TO_SD = 1.4826;

export interface AutoencoderState {
  channels: string[];
  center: number[];
  scale: number[];
  /** median reconstruction error of the held-out nominal windows */
  errorScale: number;
  backend: string;
  history: EpochLog[];
}


/** cnn: the steps left after the convolutions (valid padding, stride 2); a window they use up is a config error. */
function cnnSteps(p: AutoencoderParams): number {
  let steps = p.window;
  p.units.forEach((_, k) => {
    steps = Math.floor((steps - p.kernel) / 2) + 1;
    if (steps < 1) throw new ConfigError(`autoencoder (cnn): a window of ${p.window} rows is used up by convolution ${k + 1} of ${p.units.length} (kernel ${p.kernel}, stride 2): raise detect.params.window, or use a smaller kernel or fewer entries in detect.params.units`, { path: 'detect.params.window' });
  });
  return steps;
}

function build(t: Tf, p: AutoencoderParams, C: number, seed: number): LayersModel {
  const { tfl } = t;
  const { Dropout } = mlkitLayers(t);
  const W = p.window;
  const glorot = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k });
  // the dense decoder of mlp and cnn: the units mirrored, then the window (flat)
  const denseDecoder = (code: SymbolicTensor): SymbolicTensor => {
    let h = code;
    [...p.units].reverse().forEach((u, k) => {
      h = tfl.layers.dense({ units: u, activation: 'relu', kernelInitializer: glorot(200 + k), name: `decoder_${k + 1}` }).apply(h) as SymbolicTensor;
    });
    return tfl.layers.dense({ units: W * C, kernelInitializer: glorot(300), name: 'output' }).apply(h) as SymbolicTensor;
  };
  if (p.network === 'mlp') {
    const input = tfl.input({ shape: [W * C], name: 'input' });
    let h = input as unknown as SymbolicTensor;
    p.units.forEach((u, k) => {
      h = tfl.layers.dense({ units: u, activation: 'relu', kernelInitializer: glorot(k), name: `encoder_${k + 1}` }).apply(h) as SymbolicTensor;
      if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 500 + k, name: `dropout_${k + 1}` }).apply(h) as SymbolicTensor;
    });
    h = tfl.layers.dense({ units: p.latent, kernelInitializer: glorot(100), name: 'code' }).apply(h) as SymbolicTensor;
    return tfl.model({ inputs: input, outputs: denseDecoder(h), name: 'mlp_autoencoder' });
  }
  if (p.network === 'cnn') {
    const { Conv1D } = mlkitLayers(t);
    const input = tfl.input({ shape: [W, C], name: 'input' });
    let h = input as unknown as SymbolicTensor;
    cnnSteps(p);
    p.units.forEach((f, k) => {
      h = new Conv1D({ filters: f, kernel: p.kernel, stride: 2, activation: 'relu', seed: seed + 10 * k, l1: 0, l2: 0, name: `conv_${k + 1}` }).apply(h) as SymbolicTensor;
      if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 500 + k, name: `dropout_${k + 1}` }).apply(h) as SymbolicTensor;
    });
    h = tfl.layers.flatten({ name: 'flatten' }).apply(h) as SymbolicTensor;
    h = tfl.layers.dense({ units: p.latent, kernelInitializer: glorot(100), name: 'code' }).apply(h) as SymbolicTensor;
    return tfl.model({ inputs: input, outputs: denseDecoder(h), name: 'cnn_autoencoder' });
  }
  const units = p.units[0]!;
  const Recurrent = recurrentLayer(t);
  // the fused kernel LSTM (estimators/nn/recurrent.ts): sigmoid gates, PyTorch's recurrent initializer
  const rec = (k: number, returnSequences: boolean, name: string) => new Recurrent({ cell: 'lstm', units, returnSequences, seed: seed + k, name });
  const input = tfl.input({ shape: [W, C], name: 'input' });
  let h = rec(0, false, 'encoder').apply(input) as SymbolicTensor;
  h = tfl.layers.dense({ units: p.latent, kernelInitializer: glorot(100), name: 'code' }).apply(h) as SymbolicTensor;
  h = tfl.layers.repeatVector({ n: W, name: 'repeat' }).apply(h) as SymbolicTensor;
  h = rec(200, true, 'decoder').apply(h) as SymbolicTensor;
  if (p.dropout > 0) h = new Dropout({ rate: p.dropout, seed: seed + 500, name: 'dropout' }).apply(h) as SymbolicTensor;
  h = tfl.layers.dense({ units: C, kernelInitializer: glorot(300), name: 'output' }).apply(h) as SymbolicTensor;
  const out = tfl.layers.flatten({ name: 'flatten' }).apply(h) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'rnn_autoencoder' });
}

export class AutoencoderDetector implements Detector<AutoencoderParams, AutoencoderState> {
  readonly kind = 'detector' as const;
  readonly name = 'autoencoder';
  readonly tags: Tags = { allowsNaN: false };
  readonly params: Readonly<AutoencoderParams>;
  private state?: AutoencoderState;
  private t?: Tf;
  private model?: LayersModel;
  private nominal?: Float64Array;
  /** per channel: the last window - 1 standardised values of the stream */
  private history?: Float64Array[];

  constructor(params: AutoencoderParams) {
    if (params.adapt) throw new UsageError('the autoencoder detector does not adapt: leave detect.adapt false');
    if (params.network === 'cnn') cnnSteps(params);
    this.params = Object.freeze({ ...params, units: Object.freeze([...params.units]) as number[] });
  }

  isFitted(): boolean { return this.state !== undefined && this.model !== undefined; }

  warmup(): number { return this.params.window - 1; }

  minRows(): { rows: number; params: string[] } {
    // at least 20 training windows, and 20 held-out rows
    const W = this.params.window;
    return { rows: Math.max(Math.ceil((W + 20) / (1 - this.params.holdout)), Math.ceil((W + 20) / this.params.holdout)), params: ['window'] };
  }

  /** [rows, window * C] windows (time-major) ending at rows t in [from, to), from the standardised values z[c] */
  private windows(z: Float64Array[], from: number, to: number): Float32Array {
    const W = this.params.window;
    const C = z.length;
    const n = Math.max(0, to - from);
    const x = new Float32Array(n * W * C);
    for (let r = 0; r < n; r++) {
      const start = from + r - W + 1;
      for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) x[(r * W + j) * C + c] = z[c]![start + j]!;
    }
    return x;
  }

  /** Mean squared reconstruction error per window, and the channel with the largest error at the last step. */
  /** reconstruction errors of n windows, a block at a time; between blocks the event loop runs and `signal` is checked */
  private async reconstruct(x: Float32Array, n: number, C: number, signal?: AbortSignal): Promise<{ err: Float64Array; cause: Int32Array }> {
    const { tf } = this.t!;
    const W = this.params.window;
    const err = new Float64Array(n);
    const cause = new Int32Array(n);
    const B = 2048;
    for (let s = 0; s < n; s += B) {
      if (s > 0) {
        await yieldToLoop();
        throwIfAborted(signal);
      }
      const m = Math.min(B, n - s);
      const xs = x.subarray(s * W * C, (s + m) * W * C);
      const y = tf.tidy(() => this.model!.predict(this.params.network === 'mlp' ? tf.tensor2d(xs, [m, W * C]) : tf.tensor3d(xs, [m, W, C])) as Tensor);
      const d = y.dataSync();
      y.dispose();
      for (let r = 0; r < m; r++) {
        let sum = 0;
        let worst = 0;
        let at = 0;
        for (let k = 0; k < W * C; k++) {
          const e = (d[r * W * C + k]! - xs[r * W * C + k]!) ** 2;
          sum += e;
          if (k >= (W - 1) * C && e > worst) { worst = e; at = k - (W - 1) * C; }
        }
        err[s + r] = sum / (W * C);
        cause[s + r] = at;
      }
    }
    return { err, cause };
  }

  async fit(x: Frame, ctx: FitContext): Promise<this> {
    const p = this.params;
    const names = x.columns;
    const C = names.length;
    if (!C) throw new DataError('the autoencoder detector needs at least one numeric channel');
    const n = x.height;
    const need = this.minRows().rows;
    if (n < need) throw new DataError(`the autoencoder detector needs at least ${need} nominal rows (window ${p.window}, holdout ${p.holdout}); got ${n}`);
    const t = (this.t ??= await loadTf(p.backend as BackendChoice | undefined, ctx.log));
    const center: number[] = [];
    const scale: number[] = [];
    const z = names.map((name) => {
      const v = float64Values(columnOf(x, name));
      for (let i = 0; i < n; i++) if (!Number.isFinite(v[i]!)) throw new DataError(`channel "${name}": row ${i + 1} of the nominal data is ${v[i]}; the detector learns from complete rows`, { path: name });
      const m = median(v);
      let sc = MAD_TO_SD * median(Float64Array.from(v, (a) => Math.abs(a - m)));
      if (!(sc > 0)) {
        // a channel that barely moves: its standard deviation, else 1
        const mean = v.reduce((a, b) => a + b, 0) / n;
        const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
        sc = sd > 0 ? sd : 1;
      }
      center.push(m);
      scale.push(sc);
      return Float64Array.from(v, (a) => (a - m) / sc);
    });
    const split = Math.floor(n * (1 - p.holdout));
    const W = p.window;
    const rows = split - W + 1;
    const data: TrainData = { x: this.windows(z, W - 1, split), y: new Float32Array(0), rows, inShape: p.network === 'mlp' ? [W * C] : [W, C], outSize: W * C };
    data.y = data.x;
    const s = p.train ?? trainSchema.parse({});
    const seed = s.seed ?? ctx.seed;
    this.model?.dispose();
    this.model = build(t, p, C, seed);
    throwIfAborted(ctx.signal);
    ctx.log.debug(`autoencoder (${p.network}): ${rows} training windows of ${W} rows x ${C} channels, ${t.backend} backend`);
    // init_from / freeze, as for every neural model
    await startFrom(t, this.model, s, ctx.log);
    let batch: number;
    if (s.batch_size === 'auto') {
      // float32 activations per window kept for the backward pass (the window in and out, the layers' units), gradients, temporaries
      const auto = autoBatchSize(4 * 3 * W * (2 * C + 8 * Math.max(...p.units, p.latent)), rows, s.memory, t.backend);
      ctx.log.info(auto.note);
      batch = auto.size;
    } else batch = s.batch_size;
    // checkpoints in a folder of their own under the task's (which also keeps the channels they are for)
    const fitCtx = ctx.checkpoint ? { ...ctx, checkpoint: { ...ctx.checkpoint, dir: join(ctx.checkpoint.dir, 'net') } } : ctx;
    const h = await trainLoop(t, this.model, data, { settings: s, loss: lossFunction(t.tf, 'mse', 1), batchSize: batch, seed, ctx: fitCtx });
    // the held-out rows: their windows' errors set the scale; their scores are what the threshold is fitted on
    const from = Math.max(split, W - 1);
    const held = await this.reconstruct(this.windows(z, from, n), n - from, C, ctx.signal);
    const errorScale = Math.max(median(held.err), 1e-12);
    const nominal = new Float64Array(n).fill(NaN);
    held.err.forEach((e, r) => { nominal[from + r] = e / errorScale; });
    this.state = { channels: names, center, scale, errorScale, backend: t.backend, history: h.epochs };
    this.nominal = nominal;
    this.reset();
    return this;
  }

  fitScores(): Float64Array | undefined {
    return this.nominal;
  }

  async score(batch: RowBatch, ctx?: { signal?: AbortSignal }): Promise<Scores> {
    if (!this.state || !this.model) throw new NotFittedError(this.name, 'score()');
    throwIfAborted(ctx?.signal);
    const st = this.state;
    const C = st.channels.length;
    const W = this.params.window;
    const n = batch.values[0]?.length ?? 0;
    const idx = channelIndex(st.channels, batch);
    this.history ??= st.channels.map(() => new Float64Array(0));
    const h0 = this.history[0]!.length;
    const z = st.channels.map((_, c) => {
      const v = new Float64Array(h0 + n);
      v.set(this.history![c]!);
      const col = batch.values[idx[c]!]!;
      for (let i = 0; i < n; i++) v[h0 + i] = (col[i]! - st.center[c]!) / st.scale[c]!;
      return v;
    });
    const out: Scores = { score: new Float64Array(n).fill(NaN), cause: new Int32Array(n).fill(-1) };
    const first = Math.max(h0, W - 1);
    const total = h0 + n;
    if (total > first) {
      const { err, cause } = await this.reconstruct(this.windows(z, first, total), total - first, C, ctx?.signal);
      for (let r = 0; r < err.length; r++) {
        const i = first + r - h0;
        out.score[i] = err[r]! / st.errorScale;
        out.cause![i] = idx[cause[r]!]!;
      }
    }
    this.history = z.map((v) => v.slice(Math.max(0, v.length - (W - 1))));
    return out;
  }

  reset(): void {
    this.history = undefined;
  }

  async save(w: BlobWriter): Promise<AutoencoderState> {
    if (!this.state || !this.model || !this.t) throw new NotFittedError(this.name, 'save()');
    await writeModel(this.t, this.model, w);
    return this.state;
  }

  static async restore(p: AutoencoderParams, s: AutoencoderState, r: BlobReader, log: Logger): Promise<AutoencoderDetector> {
    if (!Array.isArray(s?.channels) || !s.channels.length || !Array.isArray(s.center) || !Array.isArray(s.scale) || !(s.errorScale > 0)) throw new BundleError('autoencoder detector: saved state is malformed');
    const d = new AutoencoderDetector(p);
    d.t = await loadTf(p.backend as BackendChoice | undefined, log);
    d.model = await readModel(d.t, r);
    d.state = s;
    return d;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}

export const impl: ComponentImpl<AutoencoderParams, AutoencoderState, AutoencoderDetector> = {
  create: (p) => new AutoencoderDetector(p),
  restore: (p, s, reader, ctx) => AutoencoderDetector.restore(p, s, reader, ctx.log),
};
