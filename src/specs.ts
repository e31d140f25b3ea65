/**
 * The built-in components: one line per component family. Each family's spec.ts is light (zod and
 * core types only); its implementation loads when a run first uses it (Registry.load). To add a
 * component: a folder with spec.ts + the implementation, and one line here (docs/architecture.md).
 */
import { Registry } from './core/registry.js';
import type { ComponentSpec } from './core/component.js';
import { specs as xgboost } from './estimators/xgboost/spec.js';
import { specs as arima } from './estimators/arima/spec.js';
import { specs as baselines } from './estimators/baselines/spec.js';
import { specs as nn } from './estimators/nn/spec.js';
import { specs as scalers } from './pipeline/scalers/spec.js';
import { specs as imputer } from './pipeline/imputer/spec.js';
import { specs as encoders } from './pipeline/encoders/spec.js';
import { specs as timeseries } from './pipeline/timeseries/spec.js';
import { specs as fft } from './pipeline/fft/spec.js';
import { specs as statistical } from './detect/statistical/spec.js';
import { specs as predictive } from './detect/predictive/spec.js';
import { specs as supervised } from './detect/supervised/spec.js';
import { specs as autoencoder } from './detect/autoencoder/spec.js';

export const BUILTIN_SPECS: readonly ComponentSpec[] = [
  ...xgboost,
  ...arima,
  ...baselines,
  ...nn,
  ...scalers,
  ...imputer,
  ...encoders,
  ...timeseries,
  ...fft,
  ...statistical,
  ...predictive,
  ...supervised,
  ...autoencoder,
];

/** A new registry holding the built-in components (each caller gets its own: no shared state). */
export function builtinRegistry(): Registry {
  const r = new Registry();
  for (const s of BUILTIN_SPECS) r.register(s);
  return r;
}
