/** Light spec of simple_imputer (implementation in index.ts, loaded only when a pipeline uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { transformerSpec } from '../spec-helpers.js';

export const simpleImputerParams = z.strictObject({
  strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']).default('mean'),
  /** for strategy constant; null = 0 for numeric columns, "missing_value" for text columns */
  fill_value: z.union([z.number(), z.string()]).nullable().default(null),
  add_indicator: z.boolean().default(false),
  keep_empty_features: z.boolean().default(false),
});
export type SimpleImputerParams = z.infer<typeof simpleImputerParams>;

export const specs: ComponentSpec[] = [
  transformerSpec('simple_imputer', 'fill missing values with the mean, median, most frequent value or a constant (add_indicator: missing-value flags)', simpleImputerParams, async () => (await import('./index.js')).impl),
];
