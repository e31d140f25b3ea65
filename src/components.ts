/**
 * Importing this module registers every built-in component with the default registry. Each
 * component registers itself in its own file; this list is the only place that names them.
 * Import it lazily (commands that need components), never from the CLI's start-up path.
 */
import './estimators/xgboost/index.js';
import './estimators/xgboost/forecaster.js';
import './estimators/baselines/index.js';
import './estimators/arima/index.js';
import './pipeline/scalers.js';
import './pipeline/imputer.js';
import './pipeline/encoders.js';
import './pipeline/timeseries.js';
import './pipeline/fft.js';

export { defaultRegistry } from './core/registry.js';
