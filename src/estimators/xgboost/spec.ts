/**
 * Light specs of the xgboost family (no engine, no polars): the tabular estimator and the forecaster,
 * their params (XGBoost's own names), the `engine` option, and the doctor section. The implementations
 * (index.ts, forecaster.ts) load only when a run uses them.
 */
import { z } from 'zod';
import type { ComponentSpec, DoctorSection } from '../../core/component.js';

const frac = z.number().gt(0).lte(1);
const nonneg = z.number().gte(0);

export const xgboostParamsSchema = z.strictObject({
  num_round: z.number().int().gte(1).default(100),
  early_stopping_rounds: z.number().int().gte(1).optional(),
  objective: z.string().optional().describe('default: binary:logistic (2 classes), multi:softprob (more), reg:squarederror (regression)'),
  eval_metric: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  max_depth: z.number().int().gte(0).optional().describe("XGBoost's default: 6"),
  eta: z.number().gt(0).optional().describe("XGBoost's default: 0.3 (alias learning_rate)"),
  learning_rate: z.number().gt(0).optional(),
  subsample: frac.optional().describe("XGBoost's default: 1"),
  colsample_bytree: frac.optional(),
  colsample_bylevel: frac.optional(),
  colsample_bynode: frac.optional(),
  min_child_weight: nonneg.optional().describe("XGBoost's default: 1"),
  lambda: nonneg.optional(),
  reg_lambda: nonneg.optional(),
  alpha: nonneg.optional(),
  reg_alpha: nonneg.optional(),
  gamma: nonneg.optional(),
  min_split_loss: nonneg.optional(),
  max_delta_step: nonneg.optional(),
  scale_pos_weight: z.number().gt(0).optional(),
  base_score: z.number().optional(),
  tree_method: z.enum(['auto', 'exact', 'approx', 'hist']).optional().describe('default: hist (native engine)'),
  grow_policy: z.enum(['depthwise', 'lossguide']).optional(),
  max_leaves: z.number().int().gte(0).optional(),
  max_bin: z.number().int().gte(2).optional(),
  max_cat_to_onehot: z.number().int().gte(1).optional(),
  num_parallel_tree: z.number().int().gte(1).optional(),
  nthread: z.number().int().gte(0).optional().describe('default: all cores'),
  seed: z.number().int().optional().describe("default: the config's seed"),
});
export type XGBoostParams = z.infer<typeof xgboostParamsSchema>;

const posInt = z.number().int().gte(1);
const unique = <T>(a: T[]) => new Set(a).size === a.length;

export const CALENDAR_PARTS = ['season', 'hour', 'weekday', 'month', 'quarter', 'dayofyear'] as const;
export type CalendarPart = (typeof CALENDAR_PARTS)[number];
export const ROLL_STATS = ['mean', 'std', 'min', 'max'] as const;


export const xgbForecastParamsSchema = xgboostParamsSchema
  .omit({ early_stopping_rounds: true, eval_metric: true })
  .extend({
    /** n = lags 1..n, or a list of lags; default: one season (at least 8 steps) */
    lags: z.union([posInt, z.array(posInt).min(1).refine(unique, { message: 'lags must not repeat' })]).optional().describe('default: one season, at least 8 (lags 1..n)'),
    /** rolling statistics over the last w values before the row */
    rolling: z.strictObject({
      windows: z.array(posInt).min(1).refine(unique, { message: 'windows must not repeat' }),
      stats: z.array(z.enum(ROLL_STATS)).min(1).refine(unique, { message: 'stats must not repeat' }).default(['mean']),
    }).optional(),
    /** calendar features: auto (by frequency), none, or a list of parts */
    calendar: z.union([z.enum(['auto', 'none']), z.array(z.enum(CALENDAR_PARTS)).min(1).refine(unique, { message: 'parts must not repeat' })]).default('auto'),
    /** differences applied in order before the features (e.g. [1], [1, 12]; [] for none); auto: one seasonal difference, or [1] without a season */
    differences: z.union([z.literal('auto'), z.array(posInt)]).default('auto'),
    /** per-series standardisation of the (differenced) target */
    scale: z.enum(['std', 'none']).default('std'),
    /** one model per series instead of one global model */
    per_series: z.boolean().default(false),
  });
export type XGBForecastParams = z.infer<typeof xgbForecastParamsSchema>;


/** Runtime options in the config's `model:` mapping. */
export const xgboostOptions = z.strictObject({
  /** auto: native libxgboost when found, else the WASM fallback (with a note) */
  engine: z.enum(['auto', 'native', 'wasm']).default('auto'),
});
export type XGBoostOptions = z.infer<typeof xgboostOptions>;

async function doctor(): Promise<DoctorSection> {
  const { findNativeLibrary, loadNativeEngine } = await import('./native.js');
  const { createRequire } = await import('node:module');
  const found = findNativeLibrary();
  const native: { path: string | null; how: string; version?: string; error?: string } = { path: found.path, how: found.how };
  if (found.path) {
    try {
      native.version = loadNativeEngine(found.path).description;
    } catch (e) {
      native.error = String((e as Error).message).split('\n')[0];
    }
  }
  let wasmVersion: string | null = null;
  try { wasmVersion = createRequire(import.meta.url)('ml-xgboost/package.json').version as string; } catch { /* not installed */ }
  const useNative = Boolean(found.path && native.version);
  const reason = useNative ? `libxgboost found: ${found.how}` : found.path ? `libxgboost at ${found.path} failed to load: ${native.error}` : `libxgboost not found (${found.how}); install it for speed: apt-get install libxgboost0 / brew install xgboost, or set MLKIT_XGBOOST_LIB`;
  const wasm = { available: Boolean(wasmVersion), detail: wasmVersion ? `ml-xgboost ${wasmVersion} (XGBoost ~0.7, single-threaded)` : 'ml-xgboost is not installed' };
  return {
    title: 'xgboost',
    lines: [
      `engine: ${useNative ? 'native' : 'wasm'} - ${reason}`,
      `  native: ${native.version ?? native.error ?? 'not found'}`,
      `  wasm:   ${wasm.detail}`,
    ],
    data: { engine: useNative ? 'native' : 'wasm', reason, native, wasm },
    advice: { family: 'tabular / XGBoost', hardware: 'CPU (all cores); memory about 3x the data as float32' },
  };
}

export const xgboostSpec: ComponentSpec<XGBoostParams, any, any, XGBoostOptions> = {
  name: 'xgboost',
  kind: 'estimator',
  description: 'gradient-boosted trees (libxgboost through FFI, or the ml-xgboost WASM fallback)',
  params: xgboostParamsSchema,
  tags: { allowsNaN: true, probabilistic: true },
  options: xgboostOptions,
  doctor,
  load: () => import('./index.js'),
};

export const xgboostForecasterSpec: ComponentSpec<XGBForecastParams, any, any, XGBoostOptions> = {
  name: 'xgboost',
  kind: 'forecaster',
  description: 'gradient-boosted trees on lags, rolling and calendar features, recursive (params: lags, rolling, calendar, differences, scale, per_series, and XGBoost\'s own)',
  params: xgbForecastParamsSchema,
  tags: (p) => ({ allowsNaN: false, exog: true, probabilistic: false, local: p.per_series }),
  options: xgboostOptions,
  load: () => import('./forecaster.js'),
};

export const specs = [xgboostSpec, xgboostForecasterSpec];
