/**
 * Light specs of the neural components (TensorFlow.js): their params, the `backend` option, the `train:`
 * section's schema, and the doctor section. tfjs loads only when a run uses one of them.
 */
import { z } from 'zod';
import type { ComponentSpec, DoctorSection } from '../../core/component.js';
import { BACKENDS } from './backend.js';
import { trainSchema } from './train-spec.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'swish', 'softplus', 'linear'] as const;

/** Layer options shared by the neural components. */
const layerOptions = {
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** dropout rate after each hidden layer (training only) */
  dropout: z.number().gte(0).lt(1).default(0),
  batch_norm: z.boolean().default(false),
  layer_norm: z.boolean().default(false),
  /** L1 / L2 penalties on the kernels (both: L1L2) */
  l1: z.number().gte(0).default(0),
  l2: z.number().gte(0).default(0),
};

export const mlpParamsSchema = z.strictObject({
  /** units of each hidden dense layer, in order ([]: no hidden layer, a linear or logistic model) */
  units: z.array(z.number().int().gte(1)).default([64, 64]),
  ...layerOptions,
}).superRefine((p, ctx) => {
  if (p.batch_norm && p.layer_norm) ctx.addIssue({ code: 'custom', path: ['layer_norm'], message: 'batch_norm and layer_norm are both set: use one of them' });
});
export type MlpParams = z.infer<typeof mlpParamsSchema>;

export const rnnParamsSchema = z.strictObject({
  /** input steps of each window (default: two seasons, at least 8) */
  window: z.number().int().gte(1).optional().describe('default: two seasons, at least 8'),
  cell: z.enum(['lstm', 'gru']).default('lstm'),
  units: z.number().int().gte(1).default(32),
  layers: z.number().int().gte(1).default(1),
  bidirectional: z.boolean().default(false),
  /** the cell's output activation (the gates are sigmoid, as in PyTorch and Keras) */
  activation: z.enum(ACTIVATIONS).default('tanh'),
  /** dropout after each recurrent layer (training only) */
  dropout: z.number().gte(0).lt(1).default(0),
  /** dropout on the recurrent state (training only) */
  recurrent_dropout: z.number().gte(0).lt(1).default(0),
  layer_norm: z.boolean().default(false),
  l1: z.number().gte(0).default(0),
  l2: z.number().gte(0).default(0),
});
export type RnnParams = z.infer<typeof rnnParamsSchema>;

export const cnnParamsSchema = z.strictObject({
  window: z.number().int().gte(1).optional().describe('default: two seasons, at least 8'),
  /** output channels of each 1-D convolution, in order */
  filters: z.array(z.number().int().gte(1)).min(1).default([16, 32]),
  kernel: z.number().int().gte(1).default(3),
  stride: z.number().int().gte(1).default(1),
  /** max pooling after each convolution over runs of this many steps (1: none) */
  pool: z.number().int().gte(1).default(2),
  /** how the last convolution's steps become one vector: avg, max (global pooling) or flatten */
  global_pool: z.enum(['avg', 'max', 'flatten']).default('avg'),
  activation: z.enum(ACTIVATIONS).default('relu'),
  dropout: z.number().gte(0).lt(1).default(0),
  l1: z.number().gte(0).default(0),
  l2: z.number().gte(0).default(0),
});
export type CnnParams = z.infer<typeof cnnParamsSchema>;

export const transformerParamsSchema = z.strictObject({
  window: z.number().int().gte(1).optional().describe('default: two seasons, at least 8'),
  d_model: z.number().int().gte(1).default(32),
  heads: z.number().int().gte(1).default(2),
  layers: z.number().int().gte(1).default(2),
  /** units of each block's feed-forward layer (default: 2 x d_model) */
  ff_dim: z.number().int().gte(1).optional().describe('default: 2 x d_model'),
  dropout: z.number().gte(0).lt(1).default(0),
  /** add the sinusoidal position encoding to the inputs */
  positional_encoding: z.boolean().default(true),
  /** how the steps become one vector: avg (mean over steps) or last (the last step) */
  pooling: z.enum(['avg', 'last']).default('last'),
  l1: z.number().gte(0).default(0),
  l2: z.number().gte(0).default(0),
}).superRefine((p, ctx) => {
  if (p.d_model % p.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], message: `d_model (${p.d_model}) must be a multiple of heads (${p.heads})` });
});
export type TransformerParams = z.infer<typeof transformerParamsSchema>;

export const fnoParamsSchema = z.strictObject({
  window: z.number().int().gte(1).optional().describe('default: two seasons, at least 8'),
  /** Fourier modes kept by each spectral layer (at most window / 2) */
  modes: z.number().int().gte(1).default(8),
  /** channels of the lifted signal */
  width: z.number().int().gte(1).default(16),
  layers: z.number().int().gte(1).default(2),
  activation: z.enum(ACTIVATIONS).default('gelu'),
  l1: z.number().gte(0).default(0),
  l2: z.number().gte(0).default(0),
});
export type FnoParams = z.infer<typeof fnoParamsSchema>;

export const nnOptions = z.strictObject({
  /** auto: tfjs-node-gpu, tfjs-node when installed, else wasm, else cpu (MLKIT_TF_BACKEND sets it too) */
  backend: z.enum(BACKENDS).default('auto'),
  /** the config's train: section (put here by config/load.ts, validated by trainSchema) */
  train: trainSchema.optional(),
});
export type NnOptions = z.infer<typeof nnOptions>;

async function doctor(): Promise<DoctorSection> {
  const { backendPlan } = await import('./backend.js');
  const { kernelStatus } = await import('../../kernels/index.js');
  const plan = backendPlan();
  const k = kernelStatus();
  return {
    title: 'tfjs',
    lines: [
      `backend: ${plan.backend} - ${plan.why}`,
      `kernels: ${k.on ? 'on' : 'off'} - ${k.why}${k.on ? ' (MLKIT_KERNELS=off: pure tfjs)' : ''}`,
      ...Object.entries(plan.installed).map(([k, v]) => `  ${k.padEnd(30)} ${v ?? 'not installed'}`),
    ],
    data: { backend: plan.backend, reason: plan.why, installed: plan.installed, kernels: k },
  };
}

/** The params schema of each neural forecaster. */
export const FORECASTER_PARAMS = { rnn: rnnParamsSchema, cnn: cnnParamsSchema, transformer: transformerParamsSchema, fno: fnoParamsSchema } as const;

/** A neural forecaster's spec: all share the options, the train: section and the implementation module. */
function forecasterSpec(name: 'rnn' | 'cnn' | 'transformer' | 'fno', what: string, params: z.ZodType): ComponentSpec {
  return {
    name,
    kind: 'forecaster',
    description: `${what}, TensorFlow.js; one model over all series: a window of past values -> the horizon at once; conformal intervals`,
    params,
    tags: { allowsNaN: false, exog: false, probabilistic: false, local: false },
    options: nnOptions,
    train: trainSchema,
    doctor,
    load: async () => (await import('./forecaster.js')).impl(name),
  };
}

export const specs: ComponentSpec[] = [
  {
    name: 'mlp',
    kind: 'estimator',
    description: 'multilayer perceptron (dense layers, TensorFlow.js): regression and classification; inputs standardised and missing values imputed with the training means',
    params: mlpParamsSchema,
    tags: { allowsNaN: true, probabilistic: true },
    options: nnOptions,
    train: trainSchema,
    doctor,
    load: () => import('./mlp.js'),
  },
  forecasterSpec('rnn', 'recurrent network (LSTM or GRU)', rnnParamsSchema),
  forecasterSpec('cnn', '1-D convolutional network', cnnParamsSchema),
  forecasterSpec('transformer', 'Transformer encoder (self-attention)', transformerParamsSchema),
  forecasterSpec('fno', 'Fourier neural operator (spectral convolutions)', fnoParamsSchema),
];
