/**
 * The `train:` section of a config with a neural model: the training loop's settings (epochs, batch
 * size, optimizer, loss, seed, built-in callbacks). Light: zod only. Validated by config/load.ts
 * through the neural specs' `train` schema, so a key is blamed at its place in the file.
 */
import { z } from 'zod';

const pos = z.number().gt(0);
const nonneg = z.number().gte(0);
const int1 = z.number().int().gte(1);
const monitor = z.enum(['val_loss', 'loss']).default('val_loss');

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

const optimizerSchema = z.strictObject({
  type: z.enum(OPTIMIZERS).default('adam'),
  learning_rate: pos.optional().describe('default: 0.001 (adam, rmsprop), 0.01 (sgd)'),
  /** adam */
  beta1: z.number().gte(0).lt(1).default(0.9),
  beta2: z.number().gte(0).lt(1).default(0.999),
  epsilon: pos.default(1e-7),
  /** sgd and rmsprop */
  momentum: z.number().gte(0).lt(1).default(0),
  nesterov: z.boolean().default(false),
  /** rmsprop: the decay of the squared-gradient average */
  rho: z.number().gt(0).lt(1).default(0.9),
  /** decoupled weight decay (AdamW / SGDW): each step multiplies the kernels by 1 - learning_rate x weight_decay */
  weight_decay: nonneg.default(0),
});
export type OptimizerSettings = z.infer<typeof optimizerSchema>;

/** "256MiB", "2GiB", "1.5G", or a number of bytes. */
export function parseBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return v > 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const out = Number(m[1]) * mult;
  return out > 0 ? out : undefined;
}

export const trainSchema = z.strictObject({
  epochs: int1.default(100),
  /** a number, or auto: the largest power of two whose activations and gradients fit `memory` */
  batch_size: z.union([int1, z.literal('auto')]).default(32),
  /** for batch_size auto: a size such as 2GiB (default: half of the free memory) */
  memory: z.union([z.string(), pos]).refine((v) => parseBytes(v) !== undefined, { message: 'expected a size such as 512MiB or 2GiB' }).optional(),
  /** adam, sgd or rmsprop, or a mapping with type and its settings */
  optimizer: z.preprocess((v) => (typeof v === 'string' ? { type: v } : v), optimizerSchema).prefault({}),
  /** regression: mse (default), mae, huber; classification: crossentropy (binary or categorical by the classes) */
  loss: z.enum(['mse', 'mae', 'huber', 'crossentropy']).optional().describe('default: mse (regression), crossentropy (classification)'),
  /** metrics logged after each epoch on the validation rows (else the training rows), in the target's units: classification accuracy, precision, recall, f1, auc, logloss; regression and the forecasters (every horizon step of each window) rmse, mae, r2, mape */
  metrics: z.array(z.enum(['accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss', 'rmse', 'mae', 'r2', 'mape'])).min(1).optional(),
  /** classification: balanced (each class weighs rows / (classes x its rows)) or a weight per class label; the training loss only */
  class_weight: z.union([z.literal('balanced'), z.record(z.string(), z.number().gt(0))]).optional(),
  /** the Huber loss's delta (in units of the standardised target) */
  huber_delta: pos.default(1),
  shuffle: z.boolean().default(true),
  /** default: the config's seed; the same seed and backend give identical weights */
  seed: z.number().int().optional(),
  /** stop when `monitor` has not improved by min_delta for `patience` epochs; restore_best: end with the best epoch's weights */
  early_stopping: z.strictObject({
    monitor,
    patience: int1.default(10),
    min_delta: nonneg.default(0),
    restore_best: z.boolean().default(true),
  }).optional(),
  /** multiply the learning rate by `factor` when `monitor` has not improved for `patience` epochs */
  reduce_lr_on_plateau: z.strictObject({
    monitor,
    factor: z.number().gt(0).lt(1).default(0.1),
    patience: int1.default(5),
    min_delta: nonneg.default(0),
    min_lr: nonneg.default(0),
  }).optional(),
  /**
   * checkpoints beside the bundle (<output.dir>.checkpoint/, replaced atomically): every N epochs and/or
   * at each new best of early stopping's monitor; mlkit train --resume continues from the last one
   */
  checkpoint: z.strictObject({
    every: int1.optional(),
    best: z.boolean().default(false),
  }).refine((c) => c.every !== undefined || c.best, { message: 'give every (epochs) or best: true' }).optional(),
  /** a CSV file that gets one line per epoch (epoch, loss, val_loss, lr, seconds), relative to the current folder; an existing training log is replaced, any other file refused */
  csv_logger: z.string().min(1).optional(),
  /** transfer learning: a bundle (relative to the current folder, like output.dir) whose network's layers start this one, matched by name and shape */
  init_from: z.string().min(1).optional(),
  /** layers kept as they are while training (names, or prefixes such as dense_): with init_from, fine-tuning the rest */
  freeze: z.array(z.string().min(1)).min(1).optional(),
  /**
   * series models, training batches only: jitter (noise of this standard deviation, in units of the
   * series' spread), scaling (window and target times a factor ~ N(1, s)), magnitude_warp (times a smooth
   * random curve through 4 knots ~ N(1, s)), window_slice (the last fraction of the window stretched to
   * its length)
   */
  augment: z.strictObject({
    jitter: z.number().gt(0).lt(10).optional(),
    scaling: z.number().gt(0).lt(1).optional(),
    magnitude_warp: z.number().gt(0).lt(1).optional(),
    window_slice: z.number().gt(0).lt(1).optional(),
  }).optional(),
  /** step: lr x gamma every step_size epochs; cosine: from lr down to min_lr over the epochs */
  lr_schedule: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('step'), step_size: int1, gamma: z.number().gt(0).lte(1).default(0.1) }),
    z.strictObject({ type: z.literal('cosine'), min_lr: nonneg.default(0) }),
  ]).optional(),
});
export type TrainSettings = z.infer<typeof trainSchema>;
