/** Light spec of the `supervised` detector (implementation in index.ts, loaded only when a run uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';

export const supervisedParamsSchema = z.strictObject({
  /** the 0/1 fault-label column of the training data (detect.label) */
  label: z.string().min(1),
  /** rows ahead: a row is a positive example when a fault is on at it or within this many rows after it (detect.lead) */
  lead: z.number().int().gte(0).default(0),
  /** features per channel: its value and its changes over the last 1..lags rows */
  lags: z.number().int().gte(0).lte(256).default(4),
  /** XGBoost's own params (num_round, max_depth, eta, ...) */
  xgboost: z.record(z.string(), z.unknown()).default({}),
  /** the XGBoost engine */
  engine: z.enum(['auto', 'native', 'wasm']).default('auto'),
});
export type SupervisedParams = z.infer<typeof supervisedParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'supervised',
  kind: 'detector',
  description: 'detect.mode supervised: an XGBoost classifier on each channel\'s value and recent changes, trained on a 0/1 fault label (shifted by detect.lead to warn ahead); the score is P(fault), the cause the channel with the largest gain among the features of the row',
  params: supervisedParamsSchema,
  tags: { allowsNaN: false },
  load: async () => (await import('./index.js')).impl,
}];
