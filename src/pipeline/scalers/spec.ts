/** Light specs of the scalers (implementations in index.ts, loaded only when a pipeline uses one). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { transformerSpec } from '../spec-helpers.js';

export const standardScalerParams = z.strictObject({
  with_mean: z.boolean().default(true),
  with_std: z.boolean().default(true),
});
export type StandardScalerParams = z.infer<typeof standardScalerParams>;

export const minMaxScalerParams = z.strictObject({
  feature_range: z.tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo < hi, 'the minimum of feature_range must be smaller than its maximum')
    .default([0, 1]),
  clip: z.boolean().default(false),
});
export type MinMaxScalerParams = z.infer<typeof minMaxScalerParams>;

export const robustScalerParams = z.strictObject({
  with_centering: z.boolean().default(true),
  with_scaling: z.boolean().default(true),
  quantile_range: z.tuple([z.number(), z.number()])
    .refine(([a, b]) => a >= 0 && a <= b && b <= 100, 'quantile_range must satisfy 0 <= q_min <= q_max <= 100')
    .default([25, 75]),
  unit_variance: z.boolean().default(false),
});
export type RobustScalerParams = z.infer<typeof robustScalerParams>;

export const specs: ComponentSpec[] = [
  transformerSpec('standard_scaler', 'standardize numeric columns: (x - mean) / std (population std; NaN ignored at fit and kept)', standardScalerParams, async () => (await import('./index.js')).impls.standard_scaler),
  transformerSpec('min_max_scaler', 'scale numeric columns to feature_range (default [0, 1]) from the min and max seen at fit', minMaxScalerParams, async () => (await import('./index.js')).impls.min_max_scaler),
  transformerSpec('robust_scaler', 'center numeric columns on the median and scale by the interquartile range (quantile_range)', robustScalerParams, async () => (await import('./index.js')).impls.robust_scaler),
];
