/** Light spec of the `supervised` detector (implementation in index.ts, loaded only when a run uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';

export const supervisedParamsSchema = z.strictObject({
  /** the 0/1 fault-label column of the training data (detect.label) */
  label: z.string().min(1).meta({ config: 'detect.label', description: 'the 0/1 fault-label column' }),
  /** rows ahead: a row is a positive example when a fault is on at it or within this many rows after it (detect.lead) */
  lead: z.number().int().gte(0).default(0).meta({ config: 'detect.lead', configType: 'integer >= 0 | duration', description: 'rows, or a duration such as 15min: divided by the median step of data.time' }),
  /** features per channel: its value and its changes over the last 1..lags rows */
  lags: z.number().int().gte(0).lte(256).default(4).meta({ config: 'detect.params.lags' }),
  /** XGBoost's own params (num_round, max_depth, eta, ...) */
  xgboost: z.record(z.string(), z.unknown()).default({}).meta({ config: 'model.params', configType: "XGBoost's params", description: 'num_round, max_depth, eta, ... as in mlkit list estimator; objective binary:logistic' }),
  /** the XGBoost engine */
  engine: z.enum(['auto', 'native', 'wasm']).default('auto').meta({ config: 'model.engine' }),
});
export type SupervisedParams = z.infer<typeof supervisedParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'supervised',
  kind: 'detector',
  description: 'detect.mode supervised: an XGBoost classifier on each channel\'s value and recent changes, trained on a 0/1 fault label (shifted by detect.lead to warn ahead); the score is P(fault), the cause the channel furthest (robust z) from its fault-free training values',
  params: supervisedParamsSchema,
  tags: { allowsNaN: false },
  load: async () => (await import('./index.js')).impl,
}];
