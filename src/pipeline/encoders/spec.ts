/** Light specs of the encoders (implementations in index.ts, loaded only when a pipeline uses one). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { transformerSpec } from '../spec-helpers.js';

const minFrequency = z.number().positive()
  .refine((v) => (Number.isInteger(v) ? v >= 1 : v < 1), 'min_frequency is a count (an integer >= 1) or a fraction of the rows (0 < f < 1)');

export const oneHotParams = z.strictObject({
  handle_unknown: z.enum(['error', 'ignore', 'infrequent_if_exist']).default('error'),
  drop: z.enum(['first', 'if_binary']).nullable().default(null),
  /** categories seen fewer times (count) or in a smaller fraction of the rows are infrequent */
  min_frequency: minFrequency.nullable().default(null),
  /** at most this many output columns per input column (the infrequent column included) */
  max_categories: z.number().int().gte(1).nullable().default(null),
});
export type OneHotParams = z.infer<typeof oneHotParams>;

const codeValue = z.union([z.number().int(), z.literal('nan')]);

export const ordinalParams = z.strictObject({
  handle_unknown: z.enum(['error', 'use_encoded_value']).default('error'),
  /** the code of unknown categories (handle_unknown: use_encoded_value): an integer or 'nan' */
  unknown_value: codeValue.nullable().default(null),
  /** the code of missing values: an integer or 'nan' (scikit-learn 1.2's default) */
  encoded_missing_value: codeValue.default('nan'),
}).superRefine((p, ctx) => {
  if (p.handle_unknown === 'use_encoded_value' && p.unknown_value === null) {
    ctx.addIssue({ code: 'custom', path: ['unknown_value'], message: "handle_unknown use_encoded_value needs unknown_value (an integer or 'nan')" });
  }
  if (p.handle_unknown === 'error' && p.unknown_value !== null) {
    ctx.addIssue({ code: 'custom', path: ['unknown_value'], message: 'unknown_value is only used with handle_unknown: use_encoded_value' });
  }
});
export type OrdinalParams = z.infer<typeof ordinalParams>;

export const specs: ComponentSpec[] = [
  transformerSpec('one_hot', 'one 0/1 column per category (<col>_<category>); rare categories can be grouped (min_frequency, max_categories)', oneHotParams, async () => (await import('./index.js')).impls.one_hot),
  transformerSpec('ordinal', 'categories as integer codes 0..k-1 in sorted order (missing: encoded_missing_value, default NaN)', ordinalParams, async () => (await import('./index.js')).impls.ordinal),
];
