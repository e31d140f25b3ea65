/**
 * The config schema (zod). Types of the normalized config come from here; model params are validated
 * by the estimator's own spec (see config/load.ts, "cross-field rules").
 */
import { z } from 'zod';

export const METRIC_NAMES = [
  'accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss',
  'rmse', 'mae', 'r2', 'mape',
  'smape', 'mase', 'coverage',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

import { DEFAULT_NULL_VALUES } from '../data/csv-options.js';
export { DEFAULT_NULL_VALUES };

export const csvOptionsSchema = z.strictObject({
  delimiter: z.string().superRefine((d, ctx) => {
    if (d.length !== 1) ctx.addIssue({ code: 'custom', message: d.trim().length === 1 ? `expected a single character; for ${JSON.stringify(d)}-separated files use delimiter ${JSON.stringify(d.trim())} with trim: true` : 'expected a single character' });
  }).default(','),
  null_values: z.array(z.string()).default(DEFAULT_NULL_VALUES),
  has_header: z.boolean().default(true),
  quote_char: z.string().length(1, 'expected a single character').default('"'),
  /** strip spaces around values (", "-separated files such as UCI Adult's raw adult.data) */
  trim: z.boolean().default(false),
  /** lines to skip before the header (or the first row) */
  skip_rows: z.number().int().gte(0).default(0),
  /** lines starting with this text are skipped (e.g. "#") */
  comment_prefix: z.string().min(1).optional(),
  /** column names: for files without a header (has_header: false), or to replace the header's */
  column_names: z.array(z.string().min(1)).min(1).refine((a) => new Set(a).size === a.length, { message: 'names must not repeat' }).optional(),
});
export type CsvOptions = z.infer<typeof csvOptionsSchema>;

const dataSchema = z.strictObject({
  train: z.string().min(1),
  test: z.string().min(1).optional(),
  /** classification and regression: a file of validation rows (early stopping, per-epoch / per-round validation metrics) instead of data.split.validation carved from data.train */
  validation: z.string().min(1).refine((v) => v !== '-', { message: 'standard input (-) can only be data.train' }).optional(),
  split: z.strictObject({
    /** fraction held out for the test metrics when data.test is not given; 0 = no evaluation */
    test: z.number().gte(0).lt(1).default(0.2),
    /** fraction of the training rows that early stopping watches (only when the model watches validation rows, and without data.validation) */
    validation: z.number().gt(0).lt(1).default(0.1),
    seed: z.number().int().optional(),
    stratify: z.boolean().default(true),
  }).prefault({}),
  /** required for train; optional for preprocess (the target then passes through untouched) */
  target: z.string().min(1).optional(),
  drop: z.array(z.string()).default([]),
  format: z.enum(['csv', 'parquet', 'ndjson']).optional(),
  csv: csvOptionsSchema.prefault({}),
  // task forecast
  /** the timestamp column (ISO dates / date-times, or numbers) */
  time: z.string().min(1).optional(),
  /** many series in one file: the column naming each series */
  id: z.string().min(1).optional(),
  /** the frequency (pandas-style alias: h, 15min, D, W, MS, M, QS, YS, ... or a number for numeric times); inferred when absent */
  freq: z.union([z.string().min(1), z.number().positive()]).optional(),
  /** exogenous regressors (columns known in advance, also over the horizon) */
  exog: z.array(z.string().min(1)).default([]),
  /** missing timestamps and empty target values: an error, or filled */
  fill: z.enum(['error', 'ffill', 'linear', 'zero']).default('error'),
});

export const FORECAST_TRANSFORMS = ['none', 'log'] as const;

const forecastSchema = z.strictObject({
  /** steps ahead */
  horizon: z.number().int().positive(),
  /** prediction interval level */
  level: z.number().gt(0).lt(1).default(0.9),
  /** applied to the target before fitting, inverted on the forecasts and interval bounds */
  transform: z.enum(FORECAST_TRANSFORMS).default('none'),
});
export type ForecastSettings = z.infer<typeof forecastSchema>;

const backtestSchema = z.strictObject({
  folds: z.number().int().positive().default(5),
  /** steps ahead in each fold (default forecast.horizon) */
  horizon: z.number().int().positive().optional(),
  /** steps between fold origins (default the fold horizon) */
  step: z.number().int().positive().optional(),
});

/** A threshold on anomaly scores (see detect/thresholds.ts). */
const thresholdSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('fixed'), value: z.number() }),
  z.strictObject({ method: z.literal('quantile'), q: z.number().gt(0).lt(1).default(0.999) }),
  z.strictObject({
    method: z.literal('dynamic'),
    /** trailing smoothed scores the threshold is computed from (telemanom: 30 batches of 70) */
    window: z.number().int().gte(10).default(2100),
    /** rows between recomputations (telemanom's batch) */
    step: z.number().int().gte(1).default(70),
    /** EWMA span of the scores (telemanom: 5% of the window) */
    smoothing: z.number().gte(1).default(105),
    z_min: z.number().gt(0).default(2.5),
    z_max: z.number().gt(0).default(12),
    /** telemanom's pruning: minimum relative drop between the maxima of kept runs */
    prune: z.number().gte(0).lt(1).default(0.13),
  }),
]);

export const DETECT_MODES = ['supervised', 'unsupervised', 'predictive'] as const;

const detectSchema = z.strictObject({
  mode: z.enum(DETECT_MODES),
  /** unsupervised: the detector (a registry name) */
  detector: z.string().min(1).default('statistical'),
  /** unsupervised: the detector's params; supervised: { lags } (the changes each channel's features include) */
  params: z.record(z.string(), z.unknown()).default({}),
  /** the channels (numeric columns) watched; default every numeric column except data.time, the label and data.drop */
  channels: z.array(z.string().min(1)).min(1).optional(),
  /** supervised: the 0/1 fault-label column */
  label: z.string().min(1).optional(),
  /** supervised: predict that a fault starts within this time ahead (a duration such as 15min, or rows as a number) */
  lead: z.union([z.string().min(1), z.number().int().gte(0)]).optional(),
  /** unsupervised: keep updating the nominal statistics from rows judged normal */
  adapt: z.boolean().default(false),
  /** default: quantile 0.999 of the nominal scores; supervised: fixed 0.5 (a probability) */
  threshold: thresholdSchema.optional(),
  /** consecutive rows above the threshold before a row is anomalous */
  min_duration: z.number().int().gte(1).default(1),
  /** rows after an anomalous row that are written as normal (hold-off); or a duration such as 1d (divided by the median step of data.time at training) */
  suppress: z.union([z.string().min(1), z.number().int().gte(0)]).default(0),
  /** an alarm within one hold-off after the previous hold-off ended doubles the next hold-off; a longer quiet stretch resets it */
  backoff: z.boolean().default(false),
  /** > 0: during a hold-off, a row scoring at least this multiple of the last alarm's score raises a new alarm */
  breakthrough: z.number().gte(0).default(0),
});
export type DetectSettings = z.infer<typeof detectSchema>;

export const configSchema = z.strictObject({
  /** required for train */
  task: z.enum(['classification', 'regression', 'forecast', 'detect']).optional(),
  data: dataSchema,
  /** 'auto', or a list of steps (validated step by step in config/pipeline.ts) */
  pipeline: z.union([z.literal('auto'), z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).min(1)]).default('auto'),
  /** required for train */
  model: z.looseObject({
    type: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    // other keys are the component's runtime options (e.g. xgboost's engine), validated by its spec
  }).optional(),
  /** task forecast: horizon, interval level, target transform */
  forecast: forecastSchema.optional(),
  /** task detect: mode, detector, threshold, alarm rules */
  detect: detectSchema.optional(),
  /** neural models: the training loop (epochs, batch_size, optimizer, callbacks), validated by the model's spec */
  train: z.record(z.string(), z.unknown()).optional(),
  evaluate: z.strictObject({
    metrics: z.array(z.enum(METRIC_NAMES)).optional(),
    /** task forecast: rolling-origin backtest (expanding window) */
    backtest: backtestSchema.optional(),
  }).prefault({}),
  output: z.strictObject({
    dir: z.string().min(1),
  }),
  seed: z.number().int().default(42),
});

/** A config as parsed: what `mlkit preprocess` accepts. */
export type AnyConfig = z.infer<typeof configSchema>;
type Req<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };
/** A config that `mlkit train` accepts: task, model and data.target present (checked by loadConfig). */
export type Config = Req<AnyConfig, 'task' | 'model'> & { data: Req<AnyConfig['data'], 'target'> };
export type Task = Config['task'];

export const DEFAULT_METRICS: Record<Task, MetricName[]> = {
  classification: ['accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss'],
  regression: ['rmse', 'mae', 'r2', 'mape'],
  forecast: ['mae', 'rmse', 'mape', 'smape', 'mase', 'coverage'],
  detect: [],
};
