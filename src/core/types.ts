/**
 * Shared data types and the four component interfaces (all extend component.ts's Component). Type-only
 * imports of polars: nothing heavy loads from here.
 */
import type { DataFrame } from 'nodejs-polars';
import type { Freq } from './time.js';
import type { Awaitable, Component, FitContext } from './component.js';
import type { Logger } from './log.js';

export type { Awaitable, BlobReader, BlobWriter, Callback, Component, ComponentImpl, ComponentKind, ComponentNode, ComponentSpec, DoctorSection, FitContext, Logs, Tags } from './component.js';
export type { Logger } from './log.js';
export { silentLogger } from './log.js';

export type Frame = DataFrame;

/** Column types mlkit records in a bundle's input schema. */
export type ColumnDtype = 'float64' | 'int64' | 'bool' | 'string';

export interface ColumnInfo {
  name: string;
  dtype: ColumnDtype;
}

/** Dense row-major float32 matrix; NaN marks a missing value. */
export interface DenseMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** 'q' = numeric (quantitative), 'c' = categorical codes 0..k-1. */
export type FeatureType = 'q' | 'c';

// ------------------------------------------------------------------------------------------------
// Transformers (the pipeline layer)

export interface TransformContext {
  log: Logger;
  seed: number;
  signal?: AbortSignal;
}

/**
 * scikit-learn's transformer semantics. Two shapes:
 * - 'columns' transformers (scalers, imputer, encoders) map every column of the frame they are given to
 *   output columns (a ColumnTransformer chooses which columns they see);
 * - 'append' transformers (lags, rolling windows, differences, datetime parts, FFT features) compute new
 *   columns from named input columns; the Pipeline keeps the input and appends the new columns.
 */
export interface Transformer<P = unknown, S = unknown> extends Component<P, S> {
  readonly kind: 'transformer';
  readonly mode: 'columns' | 'append';
  fit(x: Frame, ctx: TransformContext): Awaitable<this>;
  /**
   * 'columns': exactly the output columns (featureNamesOut(), in order), one row per input row.
   * 'append': only the new columns, one row per input row.
   * A column the transformer was fitted on that is missing from `x` is a DataError naming it.
   */
  transform(x: Frame): Frame;
  /** optional: fit and transform in one pass (same result as fit(x) then transform(x)) */
  fitTransform?(x: Frame, ctx: TransformContext): Awaitable<Frame>;
  /** output column names (after fit) */
  featureNamesOut(): string[];
}

// ------------------------------------------------------------------------------------------------
// Tabular estimators

/** classification: the number of classes and, when known, their labels (index order) */
export type TabularTask = { kind: 'regression' } | { kind: 'classification'; numClass: number; labels?: string[] };

export interface TabularFitData {
  x: DenseMatrix;
  y: Float32Array;
  featureNames: string[];
  featureTypes: FeatureType[];
  /** validation rows for per-round metrics and early stopping */
  valid?: { x: DenseMatrix; y: Float32Array };
  /**
   * the caller no longer needs x's values: the estimator may replace x.data with an empty array once it
   * holds its own copy (XGBoost's DMatrix), so the matrix is freed during training (rows, cols stay)
   */
  releaseX?: boolean;
}

/**
 * What the tabular tasks need of an estimator (XGBoost today; others register the same way).
 * prepare() settles runtime choices (e.g. an engine, from the spec's options) and says which inputs the
 * estimator takes.
 */
export interface Estimator<P = unknown, S = unknown> extends Component<P, S> {
  readonly kind: 'estimator';
  prepare(log: Logger): Promise<{ categorical: 'native' | 'onehot'; description: string }>;
  /** wants a validation split (e.g. early stopping is configured) */
  wantsValidation(): boolean;
  fit(data: TabularFitData, task: TabularTask, ctx: FitContext): Promise<this>;
  /** regression: n values; classification: n x k probabilities, row-major */
  predict(x: DenseMatrix): Float64Array;
  /**
   * predict(), computed off the main thread where the estimator can (streaming commands overlap it with
   * reading the next batch); x may be detached by the call
   */
  predictAsync?(x: DenseMatrix): Promise<Float64Array>;
  /** best boosting round / epoch (0-based) where the model has one */
  bestIteration?(): number | undefined;
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
  /** the longest horizon the run will ask for (direct multi-step forecasters train for it) */
  horizon?: number;
}

/** What forecast() may use besides the histories. */
export interface ForecastContext {
  log: Logger;
  signal?: AbortSignal;
  /** one series forecast (local forecasters) */
  onProgress?: (n?: number) => void;
}

/**
 * fit() learns from the training series; forecast() forecasts from the end of the given histories (the
 * training series, or newer ones with `mlkit forecast --input`: the forecaster then refits its state,
 * never its hyperparameters). Tags: exog, probabilistic (intervals of its own), local.
 */
export interface Forecaster<P = unknown, S = unknown> extends Component<P, S> {
  readonly kind: 'forecaster';
  /**
   * the shortest series the forecaster can fit (with these params, for this season length; `horizon`:
   * the steps it is fitted for, which a direct multi-step model needs after each window)
   */
  minLength(season: number, horizon?: number): number;
  fit(series: SeriesData[], ctx: FitContext, meta: SeriesMeta): Promise<this>;
  forecast(histories: SeriesData[], req: ForecastRequest, ctx: ForecastContext): Promise<SeriesForecast[]>;
  /** a line or two for the user about the fitted model (e.g. the orders AutoARIMA chose) */
  describe(): string[];
  dispose(): void;
}

// ------------------------------------------------------------------------------------------------
// Detection (streaming)

/** Rows of a stream, column-major, with where they came from. */
export interface RowBatch {
  /** channel names, in the order of `values` */
  columns: string[];
  /** one array per channel, all of the batch's length; NaN = missing */
  values: Float64Array[];
  /** the time column (epoch ms or numbers), when the data has one */
  time?: Float64Array;
  /** the physical input line of each row (for messages) */
  lines?: Int32Array;
}

export interface Scores {
  /** one score per row; NaN while warming up (not enough history yet) */
  score: Float64Array;
  /** per row: index into RowBatch.columns of the channel that contributed most, -1 when none */
  cause?: Int32Array;
}

/**
 * Fault detectors: fit() on training data, then score() batches of a stream in order. score() keeps its
 * own causal state between calls (no look-ahead: a row's score depends only on it and earlier rows), and
 * save() / restore() carry that state, so a stream can stop and resume.
 */
export interface Detector<P = unknown, S = unknown> extends Component<P, S> {
  readonly kind: 'detector';
  fit(x: Frame, ctx: FitContext): Promise<this>;
  score(batch: RowBatch, ctx?: { signal?: AbortSignal }): Promise<Scores>;
  /** rows a stream needs before the first score */
  warmup(): number;
  dispose?(): void;
}
