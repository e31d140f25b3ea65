/** Light spec of the `predictive` detector (implementation in index.ts, loaded only when a run uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';

export const PREDICTIVE_MODELS = ['xgboost', 'arima', 'naive', 'seasonal_naive', 'rnn', 'cnn', 'transformer', 'fno'] as const;
export const NEURAL_PREDICTIVE = ['rnn', 'cnn', 'transformer', 'fno'] as const;

export const predictiveParamsSchema = z.strictObject({
  /** the one-step-ahead predictor: xgboost on lagged changes, arima, naive (the last value) or seasonal_naive (the value s rows back) */
  model: z.enum(PREDICTIVE_MODELS).default('xgboost').meta({ config: 'model.type', configRequired: true }),
  /** xgboost: lagged changes the prediction of each next change uses */
  lags: z.number().int().gte(1).lte(4096).default(16).meta({ config: 'model.params.lags', description: 'xgboost' }),
  /** xgboost: the last fraction of the nominal rows held out of training; its errors set the error scale and the threshold */
  holdout: z.number().gt(0).lt(1).default(0.25).meta({ config: null }),
  /** seasonal_naive: the season length in rows */
  s: z.number().int().gte(1).optional().meta({ config: 'model.params.s', description: 'seasonal_naive, required: the season length in rows' }),
  /** arima: the arima forecaster's params (p, d, q, P, D, Q, s, auto, method, ...; see mlkit list forecaster) */
  arima: z.record(z.string(), z.unknown()).default({}).meta({ config: null }),
  /** XGBoost's own params (num_round, max_depth, eta, ...) */
  xgboost: z.record(z.string(), z.unknown()).default({}).meta({ config: 'model.params', configType: "the model's params", description: 'xgboost: num_round, max_depth, eta, ... as in mlkit list estimator; objective reg:squarederror (default), reg:absoluteerror or reg:pseudohubererror; arima: p, d, q, P, D, Q, s (rows), auto, method, ... as in mlkit list forecaster' }),
  /** rnn, cnn, transformer, fno: the neural forecaster's params (model.params, see mlkit list forecaster) */
  neural: z.record(z.string(), z.unknown()).default({}).meta({ config: null }),
  /** neural models: the config's train: section and model.backend */
  train: z.record(z.string(), z.unknown()).optional().meta({ config: null }),
  backend: z.string().optional().meta({ config: 'model.backend' }),
  /** the XGBoost engine */
  engine: z.enum(['auto', 'native', 'wasm']).default('auto').meta({ config: 'model.engine' }),
});
export type PredictiveParams = z.infer<typeof predictiveParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'predictive',
  kind: 'detector',
  description: 'detect.mode predictive: each channel\'s next value predicted from its recent changes (model.type xgboost on lags, arima, a neural forecaster (rnn, cnn, transformer, fno), naive or seasonal_naive); the score is the prediction error in units of its nominal spread, the largest over channels (cause: that channel)',
  params: predictiveParamsSchema,
  tags: { allowsNaN: false },
  load: async () => (await import('./index.js')).impl,
}];
