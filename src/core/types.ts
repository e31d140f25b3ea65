/** Shared types. Type-only imports of polars: nothing heavy loads from here. */
import type { DataFrame } from 'nodejs-polars';
import type { ZodType } from 'zod';
import type { Freq } from '../forecast/time.js';

export type Frame = DataFrame;

/** Column types mlkit records in a bundle's input schema. */
export type ColumnDtype = 'float64' | 'int64' | 'bool' | 'string';

export interface ColumnInfo {
  name: string;
  dtype: ColumnDtype;
}

export interface Logger {
  /** progress and informational lines (stderr; silenced by --quiet) */
  info(msg: string): void;
  /** things the user should know about (stderr; still shown with --quiet) */
  warn(msg: string): void;
  debug(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

export type Awaitable<T> = T | Promise<T>;

export interface Logs { [key: string]: number | string | undefined }

/** Keras-style callback; every hook optional and possibly async. */
export interface Callback {
  onTrainBegin?(logs: Logs): Awaitable<void>;
  onEpochBegin?(epoch: number, logs: Logs): Awaitable<void>;
  onBatchBegin?(batch: number, logs: Logs): Awaitable<void>;
  onBatchEnd?(batch: number, logs: Logs): Awaitable<void>;
  onEpochEnd?(epoch: number, logs: Logs): Awaitable<void>;
  onTrainEnd?(logs: Logs): Awaitable<void>;
}

export interface FitContext {
  callbacks?: Callback[];
  signal?: AbortSignal;
  seed: number;
  log: Logger;
  /** called by forecasters that fit series one by one, after each series (progress) */
  onSeries?: () => void;
}

export interface Tags {
  allowsNaN?: boolean;
  multivariate?: boolean;
  probabilistic?: boolean;
  minTrainLength?: number;
  nativeCategorical?: boolean;
}

/** Dense row-major float32 matrix; NaN marks a missing value. */
export interface DenseMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** 'q' = numeric (quantitative), 'c' = categorical codes 0..k-1. */
export type FeatureType = 'q' | 'c';

/** Reads a file of a bundle (relative path). */
export type BlobReader = (rel: string) => Uint8Array;

/** A component spec: what the registry holds (the logic of each component lives in its own file). */
export interface ComponentSpec<P = unknown, S = unknown, C = unknown> {
  name: string;
  kind: 'transformer' | 'estimator' | 'forecaster' | 'detector';
  description: string;
  params: ZodType<P>;
  create(params: P): C;
  /** rebuild a fitted component from its bundle state and files */
  restore?(params: P, state: S, read: BlobReader, log: Logger): C | Promise<C>;
  /**
   * Forecasters whose series are fitted independently (tags.local): the state and files of one model
   * fitted on all the series, from those of models fitted on consecutive parts of them (in order).
   */
  merge?(params: P, parts: { state: S; files: Record<string, Uint8Array> }[]): { state: S; files: Record<string, Uint8Array> };
}

export type TabularTask = { kind: 'regression' } | { kind: 'classification'; numClass: number };

export interface TabularFitData {
  x: DenseMatrix;
  y: Float32Array;
  featureNames: string[];
  featureTypes: FeatureType[];
  /** validation rows for per-round metrics and early stopping */
  valid?: { x: DenseMatrix; y: Float32Array };
}

/**
 * What the tabular tasks need of an estimator (XGBoost today; others register the same way).
 * prepare() settles runtime choices (e.g. an engine) and says which inputs the estimator takes.
 */
export interface TabularEstimator {
  readonly kind: 'estimator';
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tags: Tags;
  prepare(runtime: { engine?: string }, log: Logger): Promise<{ categorical: 'native' | 'onehot'; description: string }>;
  /** wants a validation split (e.g. early stopping is configured) */
  wantsValidation(): boolean;
  isFitted(): boolean;
  fit(data: TabularFitData, task: TabularTask, ctx: FitContext): Promise<this>;
  /** regression: n values; classification: n x k probabilities, row-major */
  predict(x: DenseMatrix): Float64Array;
  /** what fit() learned (JSON-serializable); bestIteration where the model has one */
  toState(): { bestIteration?: number };
  files(): Record<string, Uint8Array>;
  dispose(): void;
}

// ------------------------------------------------------------------------------------------------
// Forecasting

/** One series as a forecaster sees it: evenly spaced, complete, already transformed (e.g. log). */
export interface SeriesData {
  /** the series' id (data.id), or '' for a file with one series */
  id: string;
  y: Float64Array;
  /** exogenous columns aligned with y (data.exog order) */
  exog: Float64Array[];
  /** calendar position of y[0] within the season (for seasonal features); 0 when unknown */
  phase?: number;
  /** timestamps of y (epoch ms, or the numbers of numeric times), for calendar features */
  times?: Float64Array;
}

export interface ForecastRequest {
  horizon: number;
  /** interval level, e.g. 0.9 */
  level: number;
  /** per series: the exogenous columns over the horizon (horizon values each) */
  futureExog?: Float64Array[][];
}

export interface SeriesForecast {
  mean: Float64Array;
  /** interval bounds; absent when the forecaster has no intervals of its own (conformal ones are added by the task) */
  lower?: Float64Array;
  upper?: Float64Array;
}

/** What a forecaster may want to know about the series it fits. */
export interface SeriesMeta {
  /** the season length of the frequency (12 monthly, 4 quarterly, 24 hourly, 7 daily; 1 = none) */
  season: number;
  /** the series' frequency (for calendar features of future timestamps) */
  freq?: Freq;
  /** model.engine, for forecasters built on an engine with a choice (xgboost) */
  engine?: 'auto' | 'native' | 'wasm';
}

export interface ForecasterTags {
  /** accepts exogenous columns */
  exog: boolean;
  /** has its own (analytic) prediction intervals */
  intervals: boolean;
  /**
   * each series is fitted on its own (one model per series): fit and forecast may split the series
   * across worker threads; the spec then has merge()
   */
  local?: boolean;
}

/**
 * What the forecasting task needs of a forecaster. fit() learns from the training series;
 * forecast() forecasts from the end of the given histories (the training series, or newer ones with
 * `mlkit forecast --input`: the forecaster then refits its state, never its hyperparameters).
 */
export interface Forecaster {
  readonly kind: 'forecaster';
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tags: ForecasterTags;
  /** the shortest series the forecaster can fit (with these params, for this season length) */
  minLength(season: number): number;
  isFitted(): boolean;
  fit(series: SeriesData[], ctx: FitContext, meta: SeriesMeta): Promise<this>;
  /** onSeries: as FitContext's, after each series forecast (local forecasters) */
  forecast(histories: SeriesData[], req: ForecastRequest, log: Logger, onSeries?: () => void): Promise<SeriesForecast[]>;
  /** what fit() learned (JSON-serializable) */
  toState(): Record<string, unknown>;
  files(): Record<string, Uint8Array>;
  /** a line or two for the user about the fitted model (e.g. the orders AutoARIMA chose) */
  describe(): string[];
  dispose(): void;
}
