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

let registered: { Dropout: new (args: { rate: number; seed: number; name?: string }) => InstanceType<Layers['layers']['Layer']> } | undefined;

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
  registered = { Dropout: MlkitDropout };
  return registered;
}
