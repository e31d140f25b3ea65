/** Light spec of the `autoencoder` detector (implementation in index.ts; tfjs loads only when a run uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { trainSchema } from '../../estimators/nn/train-spec.js';

export const autoencoderParamsSchema = z.strictObject({
  /** mlp: dense encoder and decoder over the flattened window; rnn: an LSTM encoder, the code repeated, an LSTM decoder; cnn: 1-D convolutions (stride 2) to the code, a dense decoder */
  network: z.enum(['mlp', 'rnn', 'cnn']).default('mlp').meta({ config: 'detect.params.network' }),
  /** rows of each window the network reconstructs (the score of a row is its window's, ending at it) */
  window: z.number().int().gte(2).lte(4096).default(32).meta({ config: 'detect.params.window' }),
  /** mlp: units of the encoder's hidden layers (the decoder mirrors them); rnn: the LSTM units (first entry); cnn: the filters of each convolution (the dense decoder mirrors them as units) */
  units: z.array(z.number().int().gte(1)).min(1).default([64]).meta({ config: 'detect.params.units' }),
  /** cnn: the convolutions' kernel, in rows (each convolution: valid padding, stride 2) */
  kernel: z.number().int().gte(1).lte(64).default(5).meta({ config: 'detect.params.kernel' }),
  /** size of the code the window is squeezed through */
  latent: z.number().int().gte(1).default(8).meta({ config: 'detect.params.latent' }),
  dropout: z.number().gte(0).lt(1).default(0).meta({ config: 'detect.params.dropout' }),
  /** the last fraction of the nominal rows held out of training; their reconstruction errors set the error scale and the threshold */
  holdout: z.number().gt(0).lt(1).default(0.25).meta({ config: null }),
  /** the config's train: section and backend (set by the task) */
  train: trainSchema.optional().meta({ config: null }),
  backend: z.string().optional().meta({ config: null }),
  /** unused (the autoencoder does not adapt); detect.adapt must stay false */
  adapt: z.boolean().default(false).meta({ config: 'detect.adapt' }),
});
export type AutoencoderParams = z.infer<typeof autoencoderParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'autoencoder',
  kind: 'detector',
  description: 'unsupervised, fitted on nominal data: a neural autoencoder (TensorFlow.js; network mlp, rnn or cnn) reconstructs each window of the channels; the score of a row is the reconstruction error of the window ending at it, in units of the nominal errors (cause: the channel with the largest error at that row); train: section as for neural models',
  params: autoencoderParamsSchema,
  tags: { allowsNaN: false },
  train: trainSchema,
  load: async () => (await import('./index.js')).impl,
}];
