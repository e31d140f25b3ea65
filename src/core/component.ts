/**
 * The one component contract. Transformers, tabular estimators, forecasters and detectors are all
 * Components: a registry name, frozen params (validated once by the spec's zod schema, never changed by
 * fit), one Tags type, isFitted(), and an async save() that returns the JSON state and writes the
 * component's files (an XGBoost model, tfjs weights) through a BlobWriter. The spec's implementation
 * module rebuilds a fitted component with restore(params, state, reader).
 *
 * Specs are light (name, kind, description, params schema, tags, options schema, doctor section) and
 * name their implementation with `load: () => import('./impl.js')`, so config validation, `mlkit list`
 * and `--help` never load polars, arima, XGBoost or tfjs; a run loads exactly the implementations its
 * config names (see registry.ts).
 */
import type { ZodType } from 'zod';
import type { Logger } from './log.js';

export type ComponentKind = 'transformer' | 'estimator' | 'forecaster' | 'detector';
export const COMPONENT_KINDS: readonly ComponentKind[] = ['transformer', 'estimator', 'forecaster', 'detector'];

export type Awaitable<T> = T | Promise<T>;

/**
 * Capabilities, checked before any work starts (e.g. NaN given to a component whose allowsNaN is false
 * is a one-line data error, not a crash deep inside).
 */
export interface Tags {
  /** accepts NaN / missing values in its input */
  allowsNaN: boolean;
  /** estimators: class probabilities; forecasters: prediction intervals of their own */
  probabilistic?: boolean;
  /** forecasters: takes exogenous columns */
  exog?: boolean;
  /**
   * forecasters: each series is fitted on its own (one model per series), so fit and forecast may split
   * the series across worker threads; the implementation then has merge()
   */
  local?: boolean;
}

/** Keras-style callback; every hook optional and possibly async (a plain object literal is valid). */
export interface Logs { [key: string]: number | string | undefined }
export interface Callback {
  /** logs.steps: how many epochs / boosting rounds fit() will run (when known) */
  onTrainBegin?(logs: Logs): Awaitable<void>;
  onEpochBegin?(epoch: number, logs: Logs): Awaitable<void>;
  onBatchBegin?(batch: number, logs: Logs): Awaitable<void>;
  onBatchEnd?(batch: number, logs: Logs): Awaitable<void>;
  onEpochEnd?(epoch: number, logs: Logs): Awaitable<void>;
  onTrainEnd?(logs: Logs): Awaitable<void>;
}

export interface FitContext {
  /** aborted by the CLI on Ctrl-C / SIGTERM: loops check it and throw InterruptedError */
  signal: AbortSignal;
  seed: number;
  log: Logger;
  callbacks?: Callback[];
  /** one unit of counted work done (a series fitted): drives a progress bar over units */
  onProgress?: (n?: number) => void;
  /** neural training with train.checkpoint: where checkpoints go, and whether to start from the last one (--resume) */
  checkpoint?: { dir: string; resume: boolean };
}

/** Writes a component's files (paths relative to the component's own folder in the bundle). */
export interface BlobWriter {
  write(rel: string, data: Uint8Array): Awaitable<void>;
}
/** Reads the files a component wrote (same relative paths). */
export interface BlobReader {
  read(rel: string): Uint8Array;
}

/** An in-memory BlobWriter/Reader pair (worker threads, tests). */
export class MemoryBlobs implements BlobWriter, BlobReader {
  readonly files: Record<string, Uint8Array>;
  constructor(files: Record<string, Uint8Array> = {}) { this.files = files; }
  write(rel: string, data: Uint8Array): void { this.files[rel] = data; }
  read(rel: string): Uint8Array {
    const b = this.files[rel];
    if (!b) throw new Error(`no file ${rel}`);
    return b;
  }
}

export interface Component<P = unknown, S = unknown> {
  readonly kind: ComponentKind;
  /** registry key, e.g. 'standard_scaler', 'xgboost' */
  readonly name: string;
  readonly params: Readonly<P>;
  readonly tags: Tags;
  isFitted(): boolean;
  /** the JSON state (what fit learned); files through the writer. NotFittedError before fit. */
  save(w: BlobWriter): Promise<S>;
  /** releases native memory (engines); idempotent */
  dispose?(): void;
}

/** The section a spec contributes to `mlkit doctor`. */
export interface DoctorSection {
  title: string;
  lines: string[];
  /** machine-readable detail for `doctor --json` (under the title) */
  data?: Record<string, unknown>;
  /** the hardware this family wants */
  advice?: { family: string; hardware: string; batchSize?: number; assumption?: string };
}

/** What a spec's implementation module provides. */
export interface ComponentImpl<P = any, S = any, C = any, O = any> {
  create(params: P, options: O): C;
  restore(params: P, state: S, reader: BlobReader, ctx: { options: O; log: Logger }): Promise<C>;
  /**
   * local forecasters: the state and files of one model fitted on all the series, from those of models
   * fitted on consecutive parts of them (in order)
   */
  merge?(params: P, parts: { state: S; files: Record<string, Uint8Array> }[]): { state: S; files: Record<string, Uint8Array> };
}

/** What the registry holds: light, importing only zod and core types. */
export interface ComponentSpec<P = any, S = any, C = any, O = any> {
  name: string;
  kind: ComponentKind;
  description: string;
  /** the params a config gives (model.params, or a pipeline step's params) */
  params: ZodType<P>;
  /** tags (may depend on the params, e.g. xgboost's per_series) */
  tags: Tags | ((params: P) => Tags);
  /**
   * runtime options the component declares beside `type` and `params` in the config's `model:` mapping
   * (e.g. xgboost's `engine`); absent: no options
   */
  options?: ZodType<O>;
  /**
   * neural components: the schema of the config's top-level `train:` section (epochs, batch size,
   * optimizer, callbacks); config/load.ts validates the section with it and hands it over as options.train
   */
  train?: ZodType;
  /** the section of `mlkit doctor` this component contributes */
  doctor?(): Promise<DoctorSection>;
  load(): Promise<ComponentImpl<P, S, C, O>>;
}

export function tagsOf<P>(spec: ComponentSpec<P>, params: P): Tags {
  return typeof spec.tags === 'function' ? spec.tags(params) : spec.tags;
}

/**
 * The one node shape of a bundle, for every component: its registry name and kind, params, JSON state,
 * the files it wrote (relative to the bundle), and the nodes it is made of (a pipeline's steps).
 */
export interface ComponentNode {
  name: string;
  /** a component kind, or 'structure' for nodes that are not registry components (a series table, the auto encoder) */
  kind: ComponentKind | 'structure';
  params: Record<string, unknown>;
  /** the runtime options it was created with (its spec's options schema), when it has any */
  options?: Record<string, unknown>;
  state: unknown;
  files?: string[];
  children?: ComponentNode[];
}
