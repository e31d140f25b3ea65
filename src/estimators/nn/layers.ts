/**
 * mlkit's own tfjs layers, registered with tf.serialization so that saved models reload:
 *
 * - `MlkitDropout`: dropout whose mask comes from a seed and a counter of training calls. tfjs's own
 *   Dropout with a `seed` draws the same mask at every step (its random op is re-seeded each call), and
 *   without one it is not reproducible; this one gives a new mask per step and the same masks for the
 *   same seed, so the same seed trains identical weights. Off at predict time (training: false).
 */
import type { Tf } from './backend.js';

type Layers = Tf['tfl'];
type Tensor = import('@tensorflow/tfjs-core').Tensor;

type LayerClass<A> = new (args: A) => InstanceType<Layers['layers']['Layer']>;
export interface Conv1DArgs { filters: number; kernel: number; stride: number; activation: string; seed: number; l1: number; l2: number; name?: string }
let registered: {
  Dropout: LayerClass<{ rate: number; seed: number; name?: string }>;
  Conv1D: LayerClass<Conv1DArgs>;
  MaxPool1D: LayerClass<{ pool: number; name?: string }>;
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
    override computeOutputShape(shape: import('@tensorflow/tfjs-layers').Shape | import('@tensorflow/tfjs-layers').Shape[]) {
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
    private w?: ReturnType<InstanceType<Layers['layers']['Layer']>['addWeight']>;
    private b?: ReturnType<InstanceType<Layers['layers']['Layer']>['addWeight']>;
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
    override build(shape: import('@tensorflow/tfjs-layers').Shape | import('@tensorflow/tfjs-layers').Shape[]): void {
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
    override computeOutputShape(shape: import('@tensorflow/tfjs-layers').Shape | import('@tensorflow/tfjs-layers').Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      return [s[0]!, s[1] === null ? null : this.steps(s[1]!), this.filters] as import('@tensorflow/tfjs-layers').Shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        const [bsz, t, cin] = x.shape as [number, number, number];
        const out = this.steps(t);
        const span = (out - 1) * this.stride + 1;
        const parts: Tensor[] = [];
        for (let j = 0; j < this.kernel; j++) {
          const part = tf.slice(x, [0, j, 0], [bsz, span, cin]);
          parts.push(this.stride === 1 ? part : tf.stridedSlice(part, [0, 0, 0], [bsz, span, cin], [1, this.stride, 1]));
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
    override computeOutputShape(shape: import('@tensorflow/tfjs-layers').Shape | import('@tensorflow/tfjs-layers').Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      return [s[0]!, s[1] === null ? null : Math.floor(s[1]! / this.pool), s[2]!] as import('@tensorflow/tfjs-layers').Shape;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
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

  registered = { Dropout: MlkitDropout, Conv1D: MlkitConv1D, MaxPool1D: MlkitMaxPool1D };
  return registered;
}

/** An activation by its config name, from tf ops (the layers' own table is not exported for tensors). */
function applyActivation(tf: Tf['tf'], name: string, x: Tensor): Tensor {
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
