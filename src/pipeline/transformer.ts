/**
 * The transformer contract of the pipeline layer (scikit-learn's semantics):
 * - params are validated once by the spec's zod schema and never changed by fit();
 * - fit() learns state from a frame; transform() never changes state;
 * - toState() is JSON-serializable and, with the params, restores an identical fitted transformer.
 *
 * Two shapes of transformer:
 * - 'columns' transformers (scalers, imputer, encoders) map every column of the frame they are given to
 *   output columns (a ColumnTransformer chooses which columns they see);
 * - 'append' transformers (lags, rolling windows, differences, datetime parts, FFT features) compute new
 *   columns from named input columns; the Pipeline keeps the input and appends the new columns.
 */
import type { ZodType } from 'zod';
import type { Frame, Logger } from '../core/types.js';

export interface TransformContext {
  log: Logger;
  seed: number;
}

export interface Transformer<P = Record<string, unknown>, S = unknown> {
  readonly kind: 'transformer';
  /** registry key, e.g. 'standard_scaler' */
  readonly name: string;
  readonly mode: 'columns' | 'append';
  readonly params: Readonly<P>;
  isFitted(): boolean;
  fit(x: Frame, ctx: TransformContext): this;
  /**
   * 'columns': returns exactly the output columns (featureNamesOut(), in order), one row per input row.
   * 'append': returns only the new columns, one row per input row.
   * A column the transformer was fitted on that is missing from `x` is a DataError naming it.
   */
  transform(x: Frame): Frame;
  /** optional: fit and transform in one pass (same result as fit(x) then transform(x)) */
  fitTransform?(x: Frame, ctx: TransformContext): Frame;
  /** output column names (after fit) */
  featureNamesOut(): string[];
  toState(): S;
}

export interface TransformerSpec<P = any, S = any> {
  name: string;
  kind: 'transformer';
  description: string;
  params: ZodType<P>;
  create(params: P): Transformer<P, S>;
  restore(params: P, state: S): Transformer<P, S>;
}
