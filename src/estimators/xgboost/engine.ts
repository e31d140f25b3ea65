/**
 * The one interface both XGBoost engines implement: `native` (libxgboost through koffi) and
 * `wasm` (ml-xgboost). Everything above this file (estimator, bundle, CLI) sees only these types.
 */

import type { DenseMatrix, FeatureType } from '../../core/types.js';
export type { DenseMatrix, FeatureType };

export type ParamValue = string | number | boolean;

export interface RoundInfo {
  /** 0-based boosting round just finished */
  round: number;
  /** value of the eval metric on the validation set after this round (when a validation set was given) */
  valid?: number;
  /** value of the eval metric on the training set (when the engine computes it cheaply) */
  train?: number;
}

export interface TrainRequest {
  train: DenseMatrix;
  label: Float32Array;
  /** optional validation set, used for per-round metrics and early stopping */
  valid?: { x: DenseMatrix; label: Float32Array };
  featureNames: string[];
  featureTypes: FeatureType[];
  /** the engine may empty train.data once it holds its own copy (see TabularFitData.releaseX) */
  releaseTrain?: boolean;
  /**
   * Booster parameters with XGBoost names (objective, num_class, max_depth, eta, subsample, lambda,
   * eval_metric, nthread, seed, ...). num_round and early_stopping_rounds are NOT in here.
   */
  params: Record<string, ParamValue>;
  numRound: number;
  /** stop when the validation metric has not improved for this many rounds; keep the best iteration */
  earlyStoppingRounds?: number;
  /** name of the metric used for early stopping (the last of params.eval_metric) and its direction */
  evalMetric: string;
  maximize: boolean;
  /** called after each round; may be async (progress bars, callbacks) */
  onRound?: (info: RoundInfo) => void | Promise<void>;
  signal?: AbortSignal;
  /**
   * Optional: things the user should know that do not stop training (a parameter the engine ignores,
   * data values the engine treats specially). Engines never print; they report here.
   */
  onWarning?: (message: string) => void;
}

export interface TrainedBooster {
  readonly engine: EngineName;
  /**
   * 0-based index of the last round predictions use (XGBoost's best_iteration): the best round when
   * early stopping was asked for, else roundsTrained - 1. Rounds kept for prediction = bestIteration + 1.
   */
  readonly bestIteration: number;
  readonly roundsTrained: number;
  /**
   * Transformed predictions using rounds [0, bestIteration]: for binary:logistic the probability of
   * class 1 (length rows), for multi:softprob rows*num_class probabilities (row-major), for
   * regression the value (length rows).
   */
  predict(x: DenseMatrix): Float64Array;
  /** predict() computed off the main thread where the engine can (x may be detached) */
  predictAsync?(x: DenseMatrix): Promise<Float64Array>;
  /** Feature importance by total gain, keyed by feature name (features never used are absent). */
  importance(): Record<string, number>;
  /**
   * The model in the engine's save format: for `native`, XGBoost JSON that Python's xgboost loads
   * unchanged; for `wasm`, the old binary format of ml-xgboost.
   */
  save(): Uint8Array;
  /** Release engine memory (idempotent). */
  dispose(): void;
}

export type EngineName = 'native' | 'wasm';

export interface XGBoostEngine {
  readonly name: EngineName;
  /** e.g. "libxgboost 1.7.4 at /usr/lib/x86_64-linux-gnu/libxgboost.so.0" */
  readonly description: string;
  train(req: TrainRequest): Promise<TrainedBooster>;
  /** Load a model saved by save() of the same engine; bestIteration is restored from meta. */
  load(model: Uint8Array, meta: { bestIteration: number; featureNames: string[]; featureTypes: FeatureType[]; numClass: number; objective: string }): TrainedBooster;
}
