/**
 * mlkit's own tfjs layers, registered with tf.serialization so that saved models reload:
 *
 * - `MlkitDropout`: dropout whose mask comes from a seed and a counter of training calls. tfjs's own
 *   Dropout with a `seed` draws the same mask at every step (its random op is re-seeded each call), and
 *   without one it is not reproducible; this one gives a new mask per step and the same masks for the
 *   same seed, so the same seed trains identical weights. Off at predict time (training: false).
 */
import type { Tf } from './backend.js';
import { kernels } from '../../kernels/index.js';
import { convBackward, convForward, maxPoolBackward, maxPoolForward, type ConvShape } from '../../kernels/conv.js';
import { KERNEL_ACTIVATIONS } from '../../kernels/rnn.js';

type Layers = Tf['tfl'];
type Tensor = import('@tensorflow/tfjs-core').Tensor;

type Shape = import('@tensorflow/tfjs-layers').Shape;
/** a layer's weight variable, as addWeight returns it */
type LayerWeight = ReturnType<InstanceType<Layers['layers']['Layer']>['addWeight']>;
type LayerClass<A> = new (args: A) => InstanceType<Layers['layers']['Layer']>;
export interface Conv1DArgs { filters: number; kernel: number; stride: number; activation: string; seed: number; l1: number; l2: number; name?: string }
let registered: {
  Dropout: LayerClass<{ rate: number; seed: number; name?: string }>;
  LayerNorm: LayerClass<{ epsilon?: number; name?: string }>;
  Conv1D: LayerClass<Conv1DArgs>;
  MaxPool1D: LayerClass<{ pool: number; name?: string }>;
  PositionalEncoding: LayerClass<{ name?: string }>;
  SelfAttention: LayerClass<{ heads: number; seed: number; name?: string }>;
  LastStep: LayerClass<{ name?: string }>;
  SpectralConv1D: LayerClass<{ modes: number; seed: number; name?: string }>;
} | undefined;

export function mlkitLayers(t: Tf) {
  if (registered) return registered;
  const { tf, tfl } = t;
  class MlkitDropout extends tfl.layers.Layer {
    static className = 'MlkitDropout';
    readonly rate: number;
    readonly seed: number;
    private calls = 0;
    constructor(args: { rate: number; seed: number; name?: string }) {
      super(args);
      this.rate = args.rate;
      this.seed = args.seed;
      this.supportsMasking = true;
    }
    override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (!kwargs?.training || this.rate === 0) return x;
      // a distinct, reproducible seed per training step
      const seed = ((this.seed * 1_000_003) ^ this.calls++) >>> 0;
      return tf.dropout(x, this.rate, undefined, seed);
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      return shape;
    }
    override getConfig() {
      return { ...super.getConfig(), rate: this.rate, seed: this.seed };
    }
  }
  tf.serialization.registerClass(MlkitDropout);

  /**
   * 1-D convolution ('valid' padding) as patches x kernel: the k shifted slices of the input side by side
   * ([batch, steps, k * channels]), then one matmul. tfjs's conv1d cannot train on the wasm backend
   * (Conv2DBackpropFilter is missing there); slices, concat and matmul have gradients everywhere.
   */
  class MlkitConv1D extends tfl.layers.Layer {
    static className = 'MlkitConv1D';
    readonly filters: number;
    readonly kernel: number;
    readonly stride: number;
    readonly activationName: string;
    readonly seed: number;
    readonly l1: number;
    readonly l2: number;
    private w?: LayerWeight;
    private b?: LayerWeight;
    constructor(args: Conv1DArgs) {
      super(args);
      this.filters = args.filters;
      this.kernel = args.kernel;
      this.stride = args.stride;
      this.activationName = args.activation;
      this.seed = args.seed;
      this.l1 = args.l1 ?? 0;
      this.l2 = args.l2 ?? 0;
    }
    override build(shape: Shape | Shape[]): void {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
      const cin = s[s.length - 1]!;
      const reg = this.l1 > 0 || this.l2 > 0 ? tfl.regularizers.l1l2({ l1: this.l1, l2: this.l2 }) : undefined;
      this.w = this.addWeight('kernel', [this.kernel * cin, this.filters], 'float32', tfl.initializers.glorotUniform({ seed: this.seed }), reg);
      this.b = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
      this.built = true;
    }
    private steps(t: number): number {
      return Math.floor((t - this.kernel) / this.stride) + 1;
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      return [s[0]!, s[1] === null ? null : this.steps(s[1]!), this.filters] as Shape;
    }
    override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const k = kernels();
      if (k && this.activationName in KERNEL_ACTIVATIONS) {
        // the SIMD kernel as one op with its own gradient (src/kernels/conv.ts); the code below is its reference
        const [B, T, C] = x.shape as [number, number, number];
        const shape: ConvShape = { batch: B, steps: T, channels: C, kernel: this.kernel, stride: this.stride, filters: this.filters, activation: this.activationName };
        const training = kwargs?.training === true;
        const op = tf.customGrad(((xt: Tensor, w: Tensor, b: Tensor) => {
          const xd = xt.dataSync() as Float32Array, wd = w.dataSync() as Float32Array, bd = b.dataSync() as Float32Array;
          const { y, saved } = convForward(k, shape, xd, wd, bd, training);
          const gradFunc = (dy: Tensor) => {
            const state = saved?.block.alive ? saved : convForward(k, shape, xd, wd, bd, true).saved!;
            const g = convBackward(k, state, dy.dataSync() as Float32Array);
            return [tf.tensor(g.dx, xt.shape), tf.tensor(g.dW, w.shape), tf.tensor(g.db, b.shape)];
          };
          return { value: tf.tensor(y, [B, this.steps(T), this.filters]), gradFunc };
        }) as never) as (x: Tensor, w: Tensor, b: Tensor) => Tensor;
        return op(x, this.w!.read(), this.b!.read());
      }
      return this.reference(x);
    }
    reference(x: Tensor): Tensor {
      return tf.tidy(() => {
        const [bsz, t, cin] = x.shape as [number, number, number];
        const out = this.steps(t);
        const span = (out - 1) * this.stride + 1;
        const parts: Tensor[] = [];
        for (let j = 0; j < this.kernel; j++) {
          const part = tf.slice(x, [0, j, 0], [bsz, span, cin]);
          if (this.stride === 1) { parts.push(part); continue; }
          // every stride-th step: padded to out x stride steps, then the first of each run of stride
          // (tfjs has no gradient for stridedSlice; pad, reshape and slice have one everywhere)
          const padded = tf.pad(part, [[0, 0], [0, this.stride - 1], [0, 0]]);
          parts.push(tf.reshape(tf.slice(tf.reshape(padded, [bsz, out, this.stride, cin]), [0, 0, 0, 0], [bsz, out, 1, cin]), [bsz, out, cin]));
        }
        const patches = tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 2), [bsz * out, this.kernel * cin]);
        const y = tf.add(tf.matMul(patches, this.w!.read()), this.b!.read());
        const z = this.activationName === 'linear' ? y : applyActivation(tf, this.activationName, y);
        return tf.reshape(z, [bsz, out, this.filters]);
      });
    }
    override getConfig() {
      return { ...super.getConfig(), filters: this.filters, kernel: this.kernel, stride: this.stride, activation: this.activationName, seed: this.seed, l1: this.l1, l2: this.l2 };
    }
  }
  tf.serialization.registerClass(MlkitConv1D);

  /** Max pooling over non-overlapping runs of `pool` steps (the last incomplete run dropped). */
  class MlkitMaxPool1D extends tfl.layers.Layer {
    static className = 'MlkitMaxPool1D';
    readonly pool: number;
    constructor(args: { pool: number; name?: string }) {
      super(args);
      this.pool = args.pool;
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      return [s[0]!, s[1] === null ? null : Math.floor(s[1]! / this.pool), s[2]!] as Shape;
    }
    override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const k = kernels();
      if (k) {
        // the kernel (src/kernels/conv.ts; the gradient goes to the first maximum of each run), else the reference below
        const [B, T, C] = x.shape as [number, number, number];
        const p = this.pool, training = kwargs?.training === true;
        const op = tf.customGrad(((xt: Tensor) => {
          const xd = xt.dataSync() as Float32Array;
          const { y, saved } = maxPoolForward(k, B, T, C, p, xd, training);
          const gradFunc = (dy: Tensor) => {
            const state = saved?.block.alive ? saved : maxPoolForward(k, B, T, C, p, xd, true).saved!;
            return [tf.tensor(maxPoolBackward(k, state, dy.dataSync() as Float32Array), xt.shape)];
          };
          return { value: tf.tensor(y, [B, Math.floor(T / p), C]), gradFunc };
        }) as never) as (x: Tensor) => Tensor;
        return op(x);
      }
      return this.reference(x);
    }
    reference(x: Tensor): Tensor {
      return tf.tidy(() => {
        const [bsz, t, c] = x.shape as [number, number, number];
        const out = Math.floor(t / this.pool);
        const used = out * this.pool === t ? x : tf.slice(x, [0, 0, 0], [bsz, out * this.pool, c]);
        return tf.max(tf.reshape(used, [bsz, out, this.pool, c]), 2);
      });
    }
    override getConfig() {
      return { ...super.getConfig(), pool: this.pool };
    }
  }
  tf.serialization.registerClass(MlkitMaxPool1D);

  /**
   * Layer normalisation over the last axis: (x - mean) / sqrt(var + epsilon) x gamma + beta, as
   * tfjs-layers' LayerNormalization computes it (same epsilon 1e-3, same weights gamma and beta), but
   * with broadcasting: tfjs-layers tiles gamma and beta to the input's shape, and the gradient of Tile
   * is a loop of one slice per tiled copy (4,096 slices for a batch of 64 x 64 steps; 25 of the 30
   * seconds of a transformer block's training step on wasm).
   */
  class MlkitLayerNorm extends tfl.layers.Layer {
    static className = 'MlkitLayerNorm';
    readonly epsilon: number;
    private gamma?: LayerWeight;
    private beta?: LayerWeight;
    constructor(args: { epsilon?: number; name?: string }) {
      super(args);
      this.epsilon = args.epsilon ?? 1e-3;
    }
    override build(shape: Shape | Shape[]): void {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
      const d = s[s.length - 1]!;
      this.gamma = this.addWeight('gamma', [d], 'float32', tfl.initializers.ones());
      this.beta = this.addWeight('beta', [d], 'float32', tfl.initializers.zeros());
      this.built = true;
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      return shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const eps = this.epsilon;
      // one op with its gradient written out: tfjs's gradient of mean builds a ones tensor of the input's
      // size in JavaScript, twice per layer and step
      const op = tf.customGrad(((xin: Tensor, gamma: Tensor, beta: Tensor, save: (t: Tensor[]) => void) => {
        const { mean, variance } = tf.moments(xin, -1, true);
        const inv = tf.rsqrt(tf.add(variance, eps));
        const z = tf.mul(tf.sub(xin, mean), inv);
        save([z, inv, gamma]);
        const value = tf.add(tf.mul(z, gamma), beta);
        const gradFunc = (dy: Tensor, saved: Tensor[]) => {
          const [zs, is, g] = saved as [Tensor, Tensor, Tensor];
          const d = zs.shape[zs.rank - 1]!;
          const rows = zs.size / d;
          const dy2 = tf.reshape(dy, [rows, d]), z2 = tf.reshape(zs, [rows, d]);
          // dx = inv (dz - mean(dz) - z mean(dz z)) with dz = dy gamma
          const dz = tf.mul(dy, g);
          const dx = tf.mul(is, tf.sub(tf.sub(dz, tf.mean(dz, -1, true)), tf.mul(zs, tf.mean(tf.mul(dz, zs), -1, true))));
          return [dx, tf.sum(tf.mul(dy2, z2), 0), tf.sum(dy2, 0)];
        };
        return { value, gradFunc };
      }) as never) as (x: Tensor, g: Tensor, b: Tensor) => Tensor;
      return op(x, this.gamma!.read(), this.beta!.read());
    }
    override getConfig() {
      return { ...super.getConfig(), epsilon: this.epsilon };
    }
  }
  tf.serialization.registerClass(MlkitLayerNorm);

  /** Adds the fixed sinusoidal position encoding of "Attention is all you need" to [batch, steps, d]. */
  class MlkitPositionalEncoding extends tfl.layers.Layer {
    static className = 'MlkitPositionalEncoding';
    constructor(args: { name?: string } = {}) {
      super(args);
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      return shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        const [, t, d] = x.shape as [number, number, number];
        const pe = new Float32Array(t * d);
        for (let p = 0; p < t; p++) {
          for (let i = 0; i < d; i++) {
            const angle = p / 10000 ** ((2 * Math.floor(i / 2)) / d);
            pe[p * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
          }
        }
        return tf.add(x, tf.tensor3d(pe, [1, t, d]));
      });
    }
  }
  tf.serialization.registerClass(MlkitPositionalEncoding);

  /**
   * Multi-head self-attention over [batch, steps, d_model] (tfjs-layers exports none): per head, softmax(Q
   * K^T / sqrt(d_k)) V with Q, K, V and the output projection as learned d_model x d_model matrices.
   */
  class MlkitSelfAttention extends tfl.layers.Layer {
    static className = 'MlkitSelfAttention';
    readonly heads: number;
    readonly seed: number;
    private wq?: LayerWeight;
    private wk?: LayerWeight;
    private wv?: LayerWeight;
    private wo?: LayerWeight;
    private bo?: LayerWeight;
    constructor(args: { heads: number; seed: number; name?: string }) {
      super(args);
      this.heads = args.heads;
      this.seed = args.seed;
    }
    override build(shape: Shape | Shape[]): void {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
      const d = s[s.length - 1]!;
      if (d % this.heads !== 0) throw new Error(`d_model ${d} is not a multiple of heads ${this.heads}`);
      const init = (k: number) => tfl.initializers.glorotUniform({ seed: this.seed + k });
      this.wq = this.addWeight('query', [d, d], 'float32', init(0));
      this.wk = this.addWeight('key', [d, d], 'float32', init(1));
      this.wv = this.addWeight('value', [d, d], 'float32', init(2));
      this.wo = this.addWeight('output', [d, d], 'float32', init(3));
      this.bo = this.addWeight('output_bias', [d], 'float32', tfl.initializers.zeros());
      this.built = true;
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      return shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        const [b, t, d] = x.shape as [number, number, number];
        const h = this.heads;
        const dk = d / h;
        const flat = tf.reshape(x, [b * t, d]);
        // per head, from column blocks of the weights (no transposes of activations: tfjs's wasm transpose
        // is a scalar loop, and its gradient another): Q_i K_i^T / sqrt(dk), softmax, times V_i, and the
        // output projection as the sum over heads of (A_i V_i) Wo_i (Wo_i: the head's block of rows)
        const cols = (w: Tensor, i: number) => tf.slice(w, [0, i * dk], [d, dk]);
        const wq = tf.mul(this.wq!.read(), 1 / Math.sqrt(dk)), wk = this.wk!.read(), wv = this.wv!.read(), wo = this.wo!.read();
        let out: Tensor | undefined;
        for (let i = 0; i < h; i++) {
          const q = tf.reshape(tf.matMul(flat, cols(wq, i)), [b, t, dk]);
          const k = tf.reshape(tf.matMul(flat, cols(wk, i)), [b, t, dk]);
          const v = tf.reshape(tf.matMul(flat, cols(wv, i)), [b, t, dk]);
          const ctx = tf.reshape(tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v), [b * t, dk]);
          const part = tf.matMul(ctx, tf.slice(wo, [i * dk, 0], [dk, d]));
          out = out ? tf.add(out, part) : part;
        }
        return tf.reshape(tf.add(out!, this.bo!.read()), [b, t, d]);
      });
    }
    override getConfig() {
      return { ...super.getConfig(), heads: this.heads, seed: this.seed };
    }
  }
  tf.serialization.registerClass(MlkitSelfAttention);

  /** The last step of [batch, steps, d], as [batch, d]. */
  class MlkitLastStep extends tfl.layers.Layer {
    static className = 'MlkitLastStep';
    constructor(args: { name?: string } = {}) {
      super(args);
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      return [s[0]!, s[2]!] as Shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        const [b, t, d] = x.shape as [number, number, number];
        return tf.reshape(tf.slice(x, [0, t - 1, 0], [b, 1, d]), [b, d]);
      });
    }
  }
  tf.serialization.registerClass(MlkitLastStep);

  /**
   * The Fourier neural operator's spectral convolution over [batch, steps, width]: the lowest `modes`
   * frequencies of each channel (a real DFT done as matmuls with cos / sin matrices: tfjs has no FFT
   * gradient, and the wasm backend no FFT at all), mixed across channels by complex weights per mode,
   * then back to the steps (the inverse real DFT, also as matmuls).
   */
  class MlkitSpectralConv1D extends tfl.layers.Layer {
    static className = 'MlkitSpectralConv1D';
    readonly modes: number;
    readonly seed: number;
    private wr?: LayerWeight;
    private wi?: LayerWeight;
    private basis?: { t: number; cos: Tensor; sin: Tensor; icos: Tensor; isin: Tensor };
    constructor(args: { modes: number; seed: number; name?: string }) {
      super(args);
      this.modes = args.modes;
      this.seed = args.seed;
    }
    override build(shape: Shape | Shape[]): void {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
      const w = s[s.length - 1]!;
      const scale = 1 / (w * w);
      this.wr = this.addWeight('real', [this.modes, w, w], 'float32', tfl.initializers.randomUniform({ minval: 0, maxval: scale, seed: this.seed }));
      this.wi = this.addWeight('imag', [this.modes, w, w], 'float32', tfl.initializers.randomUniform({ minval: 0, maxval: scale, seed: this.seed + 1 }));
      this.built = true;
    }
    override computeOutputShape(shape: Shape | Shape[]) {
      return shape;
    }
    /** cos / sin matrices of the forward ([t, modes]) and inverse ([modes, t]) real DFT, made once per length */
    private bases(t: number) {
      if (this.basis?.t === t) return this.basis;
      if (this.basis) tf.dispose([this.basis.cos, this.basis.sin, this.basis.icos, this.basis.isin]);
      const M = this.modes;
      const c = new Float32Array(t * M), sn = new Float32Array(t * M), ic = new Float32Array(M * t), is = new Float32Array(M * t);
      for (let k = 0; k < t; k++) {
        for (let m = 0; m < M; m++) {
          const a = (2 * Math.PI * m * k) / t;
          c[k * M + m] = Math.cos(a);
          sn[k * M + m] = -Math.sin(a);
          const weight = (m === 0 || 2 * m === t ? 1 : 2) / t;
          ic[m * t + k] = weight * Math.cos(a);
          is[m * t + k] = -weight * Math.sin(a);
        }
      }
      this.basis = { t, cos: tf.keep(tf.tensor2d(c, [t, M])), sin: tf.keep(tf.tensor2d(sn, [t, M])), icos: tf.keep(tf.tensor2d(ic, [M, t])), isin: tf.keep(tf.tensor2d(is, [M, t])) };
      return this.basis;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      const x0 = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [b, t, w] = x0.shape as [number, number, number];
      if (2 * this.modes > t) throw new Error(`modes ${this.modes} needs at least ${2 * this.modes} steps, got ${t}`);
      const B = this.bases(t);
      return tf.tidy(() => {
        const M = this.modes;
        // [b, t, w] -> [b*w, t] -> spectra [b*w, M] -> [M, b, w]
        const xt = tf.reshape(tf.transpose(x0, [0, 2, 1]), [b * w, t]);
        const toModes = (z: Tensor) => tf.transpose(tf.reshape(z, [b, w, M]), [2, 0, 1]);
        const xr = toModes(tf.matMul(xt, B.cos));
        const xi = toModes(tf.matMul(xt, B.sin));
        const wr = this.wr!.read();
        const wi = this.wi!.read();
        // complex product per mode: [M, b, w] x [M, w, w]
        const yr = tf.sub(tf.matMul(xr, wr), tf.matMul(xi, wi));
        const yi = tf.add(tf.matMul(xr, wi), tf.matMul(xi, wr));
        // back to [b*w, M], then the inverse real DFT -> [b*w, t] -> [b, t, w]
        const fromModes = (z: Tensor) => tf.reshape(tf.transpose(z, [1, 2, 0]), [b * w, M]);
        const y = tf.add(tf.matMul(fromModes(yr), B.icos), tf.matMul(fromModes(yi), B.isin));
        return tf.transpose(tf.reshape(y, [b, w, t]), [0, 2, 1]);
      });
    }
    override getConfig() {
      return { ...super.getConfig(), modes: this.modes, seed: this.seed };
    }
    override dispose() {
      if (this.basis) tf.dispose([this.basis.cos, this.basis.sin, this.basis.icos, this.basis.isin]);
      this.basis = undefined;
      return super.dispose();
    }
  }
  tf.serialization.registerClass(MlkitSpectralConv1D);

  registered = { Dropout: MlkitDropout, LayerNorm: MlkitLayerNorm, Conv1D: MlkitConv1D, MaxPool1D: MlkitMaxPool1D, PositionalEncoding: MlkitPositionalEncoding, SelfAttention: MlkitSelfAttention, LastStep: MlkitLastStep, SpectralConv1D: MlkitSpectralConv1D };
  return registered;
}

/** An activation by its config name, from tf ops (the layers' own table is not exported for tensors). */
export function applyActivation(tf: Tf['tf'], name: string, x: Tensor): Tensor {
  switch (name) {
    case 'relu': return tf.relu(x);
    case 'tanh': return tf.tanh(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'elu': return tf.elu(x);
    case 'selu': return tf.selu(x);
    case 'softplus': return tf.softplus(x);
    case 'swish': return tf.mul(x, tf.sigmoid(x));
    case 'gelu': return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)))));
    default: return x;
  }
}
