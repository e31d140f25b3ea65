/** Shared types. Type-only imports of polars: nothing heavy loads from here. */
import type { DataFrame } from 'nodejs-polars';
import type { ZodType } from 'zod';

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
}

export interface Tags {
  allowsNaN?: boolean;
  multivariate?: boolean;
  probabilistic?: boolean;
  minTrainLength?: number;
  nativeCategorical?: boolean;
}

/** A component spec: what the registry holds (the logic of each component lives in its own file). */
export interface ComponentSpec<P = unknown, S = unknown, C = unknown> {
  name: string;
  kind: 'transformer' | 'estimator' | 'forecaster' | 'detector';
  description: string;
  params: ZodType<P>;
  create(params: P): C;
}
