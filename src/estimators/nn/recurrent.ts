/**
 * `MlkitRecurrent`: an LSTM or GRU layer (optionally bidirectional, with recurrent dropout) whose whole
 * sequence runs in one fused SIMD WebAssembly kernel forward and one backward (src/kernels/rnn.ts), as a
 * tfjs op with its own gradient. The same layer in plain tfjs ops (`reference`) serves when the kernels
 * are off (`MLKIT_KERNELS=off`), unavailable, or lack the activation; tests hold the two equal.
 *
 * The cells (zero initial state):
 * - lstm (Keras's gate order i, f, c, o): z = x W + (h m) U + b; c = sigmoid(z_f) c + sigmoid(z_i) act(z_c);
 *   h = sigmoid(z_o) act(c). Weights kernel [I, 4H], recurrent_kernel [H, 4H], bias [4H] (tfjs's LSTM's).
 * - gru (reset after, as PyTorch and Keras 2): a = x W + b_in, q = (h m) U + b_rec; z, r = sigmoid(a + q);
 *   n = act(a_h + r q_h); h = z h + (1 - z) n. Weights kernel [I, 3H], recurrent_kernel [H, 3H], bias [2, 3H].
 * m is the recurrent dropout mask (one per sequence and direction, training only), from the layer's seed
 * and a counter of training calls. Bidirectional: a second set of weights (`backward_*`) runs from the last
 * step to the first; the outputs are concatenated, forward first (Keras's Bidirectional, merge concat).
 */
import { rng } from '../../core/random.js';
import { kernels } from '../../kernels/index.js';
import { KERNEL_ACTIVATIONS, rnnBackward, rnnForward, type Direction, type RnnShape } from '../../kernels/rnn.js';
import type { Tf } from './backend.js';
import { applyActivation } from './layers.js';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Shape = import('@tensorflow/tfjs-layers').Shape;
type Layers = Tf['tfl'];
type LayerWeight = ReturnType<InstanceType<Layers['layers']['Layer']>['addWeight']>;

export interface RecurrentArgs {
  cell: 'lstm' | 'gru';
  units: number;
  activation?: string;
  returnSequences?: boolean;
  bidirectional?: boolean;
  recurrentDropout?: number;
  /** seeds the initializers and the dropout masks */
  seed: number;
  l1?: number;
  l2?: number;
  name?: string;
}

type RecurrentClass = new (args: RecurrentArgs) => InstanceType<Layers['layers']['Layer']> & { readonly usesKernels: boolean };
let registered: RecurrentClass | undefined;

export function recurrentLayer(t: Tf): RecurrentClass {
  if (registered) return registered;
  const { tf, tfl } = t;

  class MlkitRecurrent extends tfl.layers.Layer {
    static className = 'MlkitRecurrent';
    readonly cell: 'lstm' | 'gru';
    readonly units: number;
    readonly activationName: string;
    readonly returnSequences: boolean;
    readonly bidirectional: boolean;
    readonly recurrentDropout: number;
    readonly seed: number;
    readonly l1: number;
    readonly l2: number;
    private weightsOf: { kernel: LayerWeight; recurrent: LayerWeight; bias: LayerWeight }[] = [];
    private calls = 0;

    constructor(args: RecurrentArgs) {
      super(args);
      this.cell = args.cell;
      this.units = args.units;
      this.activationName = args.activation ?? 'tanh';
      this.returnSequences = args.returnSequences ?? false;
      this.bidirectional = args.bidirectional ?? false;
      this.recurrentDropout = args.recurrentDropout ?? 0;
      this.seed = args.seed;
      this.l1 = args.l1 ?? 0;
      this.l2 = args.l2 ?? 0;
    }

    /** whether calls run the fused kernels (else the tfjs reference) */
    get usesKernels(): boolean {
      return this.activationName in KERNEL_ACTIVATIONS && kernels() !== null;
    }

    override build(shape: Shape | Shape[]): void {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
      const inputs = s[s.length - 1]!, H = this.units, G = this.cell === 'lstm' ? 4 : 3;
      const reg = this.l1 > 0 || this.l2 > 0 ? tfl.regularizers.l1l2({ l1: this.l1, l2: this.l2 }) : undefined;
      const dirs = this.bidirectional ? ['', 'backward_'] : [''];
      this.weightsOf = dirs.map((p, d) => ({
        kernel: this.addWeight(`${p}kernel`, [inputs, G * H], 'float32', tfl.initializers.glorotUniform({ seed: this.seed + 100 * d }), reg),
        // PyTorch's U(-1/sqrt(units), 1/sqrt(units)) (Keras's orthogonal is slow beyond 2,000 values in tfjs)
        recurrent: this.addWeight(`${p}recurrent_kernel`, [H, G * H], 'float32', tfl.initializers.randomUniform({ minval: -1 / Math.sqrt(H), maxval: 1 / Math.sqrt(H), seed: this.seed + 100 * d + 1 })),
        bias: this.addWeight(`${p}bias`, this.cell === 'lstm' ? [4 * H] : [2, 3 * H], 'float32', tfl.initializers.zeros()),
      }));
      this.built = true;
    }

    override computeOutputShape(shape: Shape | Shape[]) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
      const width = (this.bidirectional ? 2 : 1) * this.units;
      return (this.returnSequences ? [s[0]!, s[1]!, width] : [s[0]!, width]) as Shape;
    }

    /** the recurrent dropout masks of one training call, one [batch, units] per direction, or null */
    private masks(batch: number, training: boolean): (Float32Array | null)[] {
      const dirs = this.weightsOf.length;
      if (!training || this.recurrentDropout <= 0) return new Array<null>(dirs).fill(null);
      const rand = rng(((this.seed * 7_368_787) ^ this.calls++) >>> 0);
      const keep = 1 - this.recurrentDropout, scale = 1 / keep;
      return Array.from({ length: dirs }, () => Float32Array.from({ length: batch * this.units }, () => (rand() < keep ? scale : 0)));
    }

    override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const masks = this.masks(x.shape[0]!, kwargs?.training === true);
      return this.usesKernels ? this.fused(x, masks, kwargs?.training === true) : this.reference(x, masks);
    }

    /** The kernels as one tfjs op; the gradient comes from the kernels' backward pass. */
    private fused(x: Tensor, masks: (Float32Array | null)[], training: boolean): Tensor {
      const k = kernels()!;
      const [B, T, I] = x.shape as [number, number, number];
      const shape: RnnShape = { cell: this.cell, batch: B, steps: T, inputs: I, units: this.units, activation: this.activationName, returnSequences: this.returnSequences };
      const D = this.weightsOf.length;
      const outShape = this.returnSequences ? [B, T, D * this.units] : [B, D * this.units];
      const vars = this.weightsOf.flatMap((w) => [w.kernel.read(), w.recurrent.read(), w.bias.read()]);
      const op = tf.customGrad(((...args: Tensor[]) => {
        const [xt, ...ws] = args.slice(0, 1 + 3 * D) as Tensor[];
        const xd = xt!.dataSync() as Float32Array;
        const dirs: Direction[] = Array.from({ length: D }, (_, d) => ({
          kernel: ws[3 * d]!.dataSync() as Float32Array, recurrent: ws[3 * d + 1]!.dataSync() as Float32Array, bias: ws[3 * d + 2]!.dataSync() as Float32Array, mask: masks[d]!,
        }));
        // inference keeps nothing: a gradient asked for anyway reruns the forward pass with its state
        const { out, saved } = rnnForward(k, shape, xd, dirs, training);
        const value = tf.tensor(out, outShape);
        const gradFunc = (dy: Tensor) => {
          const state = saved?.block.alive ? saved : rnnForward(k, shape, xd, dirs, true).saved!;
          const g = rnnBackward(k, state, dy.dataSync() as Float32Array);
          return [tf.tensor(g.dx, [B, T, I]), ...g.grads.flatMap((gd, d) => [
            tf.tensor(gd.kernel, ws[3 * d]!.shape), tf.tensor(gd.recurrent, ws[3 * d + 1]!.shape), tf.tensor(gd.bias, ws[3 * d + 2]!.shape),
          ])];
        };
        return { value, gradFunc };
      }) as never) as (...a: Tensor[]) => Tensor;
      return op(x, ...vars);
    }

    /** The same layer in tfjs ops: one step at a time, tfjs's own gradients. */
    reference(x: Tensor, masks: (Float32Array | null)[]): Tensor {
      return tf.tidy(() => {
        const [B, T, I] = x.shape as [number, number, number];
        const H = this.units;
        // slices, not unstack: tfjs's Unpack gradient fails when a step's gradient is missing
        const steps = Array.from({ length: T }, (_, s) => tf.reshape(tf.slice(x, [0, s, 0], [B, 1, I]), [B, I]));
        const outs = this.weightsOf.map((w, d) => {
          const W = w.kernel.read(), U = w.recurrent.read(), bias = w.bias.read();
          const m = masks[d] ? tf.tensor2d(masks[d]!, [B, H]) : undefined;
          let h: Tensor = tf.zeros([B, H]);
          let c: Tensor = tf.zeros([B, H]);
          const seq: Tensor[] = new Array<Tensor>(T);
          for (let s = 0; s < T; s++) {
            const tt = d === 1 ? T - 1 - s : s;
            const hm = m ? tf.mul(h, m) : h;
            if (this.cell === 'lstm') {
              const z = tf.add(tf.add(tf.matMul(steps[tt]!, W), tf.matMul(hm, U)), bias);
              const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
              c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), applyActivation(tf, this.activationName, zg)));
              h = tf.mul(tf.sigmoid(zo), applyActivation(tf, this.activationName, c));
            } else {
              const [bin, brec] = tf.unstack(bias, 0) as [Tensor, Tensor];
              const [az, ar, ah] = tf.split(tf.add(tf.matMul(steps[tt]!, W), bin), 3, 1) as [Tensor, Tensor, Tensor];
              const [qz, qr, qh] = tf.split(tf.add(tf.matMul(hm, U), brec), 3, 1) as [Tensor, Tensor, Tensor];
              const z = tf.sigmoid(tf.add(az, qz)), r = tf.sigmoid(tf.add(ar, qr));
              const n = applyActivation(tf, this.activationName, tf.add(ah, tf.mul(r, qh)));
              h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n));
            }
            seq[tt] = h;
          }
          return this.returnSequences ? tf.stack(seq, 1) : h;
        });
        return outs.length === 1 ? outs[0]! : tf.concat(outs, outs[0]!.rank - 1);
      });
    }

    override getConfig() {
      return {
        ...super.getConfig(), cell: this.cell, units: this.units, activation: this.activationName, returnSequences: this.returnSequences,
        bidirectional: this.bidirectional, recurrentDropout: this.recurrentDropout, seed: this.seed, l1: this.l1, l2: this.l2,
      };
    }
  }
  tf.serialization.registerClass(MlkitRecurrent);
  registered = MlkitRecurrent as unknown as RecurrentClass;
  return registered;
}
