/**
 * The config schema (zod). Types of the normalized config come from here; model params are validated
 * by the estimator's own spec (see config/load.ts, "cross-field rules").
 */
import { z } from 'zod';

export const METRIC_NAMES = [
  'accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss',
  'rmse', 'mae', 'r2', 'mape',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const DEFAULT_NULL_VALUES = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];

export const csvOptionsSchema = z.strictObject({
  delimiter: z.string().length(1, 'expected a single character').default(','),
  null_values: z.array(z.string()).default(DEFAULT_NULL_VALUES),
  has_header: z.boolean().default(true),
  quote_char: z.string().length(1, 'expected a single character').default('"'),
});
export type CsvOptions = z.infer<typeof csvOptionsSchema>;

const dataSchema = z.strictObject({
  train: z.string().min(1),
  test: z.string().min(1).optional(),
  split: z.strictObject({
    /** fraction held out for the test metrics when data.test is not given; 0 = no evaluation */
    test: z.number().gte(0).lt(1).default(0.2),
    /** fraction of the training rows that early stopping watches (only with early_stopping_rounds) */
    validation: z.number().gt(0).lt(1).default(0.1),
    seed: z.number().int().optional(),
    stratify: z.boolean().default(true),
  }).prefault({}),
  /** required for train; optional for preprocess (the target then passes through untouched) */
  target: z.string().min(1).optional(),
  drop: z.array(z.string()).default([]),
  format: z.enum(['csv', 'parquet', 'ndjson']).optional(),
  csv: csvOptionsSchema.prefault({}),
});

export const configSchema = z.strictObject({
  /** required for train */
  task: z.enum(['classification', 'regression']).optional(),
  data: dataSchema,
  /** 'auto', or a list of steps (validated step by step in config/pipeline.ts) */
  pipeline: z.union([z.literal('auto'), z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).min(1)]).default('auto'),
  /** required for train */
  model: z.strictObject({
    type: z.string().min(1),
    engine: z.enum(['auto', 'native', 'wasm']).default('auto'),
    params: z.record(z.string(), z.unknown()).default({}),
  }).optional(),
  evaluate: z.strictObject({
    metrics: z.array(z.enum(METRIC_NAMES)).optional(),
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
};
