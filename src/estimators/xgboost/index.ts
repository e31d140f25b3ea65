/**
 * The `xgboost` estimator: validated params (XGBoost's own names), engine choice (native libxgboost
 * or the ml-xgboost WASM fallback), boosting driven round by round with callbacks and early stopping.
 */
import type { BlobReader, BlobWriter, Callback, ComponentImpl, Estimator, FitContext, Logger, TabularFitData, TabularTask, Tags } from '../../core/types.js';
import { BundleError, NotFittedError, UsageError } from '../../core/errors.js';
import type { DenseMatrix, EngineName, FeatureType, ParamValue, RoundInfo, TrainedBooster, XGBoostEngine } from './engine.js';
import { checkMatrixValues } from '../../core/checks.js';
import { preferPassiveOpenMP } from './openmp.js';

// on the main thread, before any worker thread loads libxgboost (see openmp.ts)
preferPassiveOpenMP();
import { xgboostParamsSchema, xgboostSpec, type XGBoostOptions, type XGBoostParams } from './spec.js';

export { xgboostParamsSchema, type XGBoostParams };



/** XGBoost's aliases: the canonical name wins, both may not be given. */
const ALIASES: [string, string][] = [['learning_rate', 'eta'], ['reg_lambda', 'lambda'], ['reg_alpha', 'alpha'], ['min_split_loss', 'gamma']];

const MAXIMIZE = /^(auc|aucpr|map|ndcg|pre)(@.*)?$/;

export type XGBTask = TabularTask;

export interface XGBoostState {
  engine: EngineName;
  engineDescription: string;
  objective: string;
  numClass: number;
  bestIteration: number;
  roundsTrained: number;
  featureNames: string[];
  featureTypes: FeatureType[];
  importance: Record<string, number>;
  /** the booster file (relative to the estimator's folder in the bundle) */
  modelFile: string;
  history?: { metric: string; valid: number[] };
}

export type FitData = TabularFitData;

/** Loads the engine asked for; `auto` = native when libxgboost is found, else wasm (with a note). */
export async function resolveEngine(choice: 'auto' | EngineName, log: Logger): Promise<XGBoostEngine> {
  if (choice !== 'wasm') {
    const { findNativeLibrary, loadNativeEngine } = await import('./native.js');
    const found = findNativeLibrary();
    if (found.path) return loadNativeEngine(found.path);
    if (choice === 'native') {
      throw new UsageError(`model.engine is "native" but libxgboost was not found (${found.how}); install it (Debian/Ubuntu: apt-get install libxgboost0; macOS: brew install xgboost) or set MLKIT_XGBOOST_LIB`);
    }
    log.warn(`note: libxgboost not found (${found.how}), using the slower WASM engine (ml-xgboost); for the native one: apt-get install libxgboost0 (Debian/Ubuntu), brew install xgboost (macOS), or set MLKIT_XGBOOST_LIB=/path/to/libxgboost`);
  }
  const { loadWasmEngine } = await import('./wasm.js');
  return await loadWasmEngine();
}

export class XGBoostEstimator implements Estimator<XGBoostParams, XGBoostState> {
  readonly kind = 'estimator' as const;
  readonly name = 'xgboost';
  readonly params: Readonly<XGBoostParams>;
  readonly options: Readonly<XGBoostOptions>;
  readonly tags: Tags = xgboostSpec.tags as Tags;
  private engine?: XGBoostEngine;
  private booster?: TrainedBooster;
  private state?: XGBoostState;
  private fitting = false;

  constructor(params: XGBoostParams, options: XGBoostOptions = { engine: 'auto' }) {
    this.params = Object.freeze({ ...params });
    this.options = Object.freeze({ ...options });
  }

  isFitted(): boolean { return this.booster !== undefined; }

  /** Engines differ: only native supports categorical feature types. */
  static supportsNativeCategorical(engine: XGBoostEngine): boolean { return engine.name === 'native'; }

  /** Picks the engine (option `engine`: auto | native | wasm); categorical columns go in natively only on `native`. */
  async prepare(log: Logger): Promise<{ categorical: 'native' | 'onehot'; description: string }> {
    this.engine = await resolveEngine(this.options.engine, log);
    return { categorical: XGBoostEstimator.supportsNativeCategorical(this.engine) ? 'native' : 'onehot', description: this.engine.description };
  }

  /** Uses an engine already resolved (e.g. one for many per-series models). */
  withEngine(engine: XGBoostEngine): this {
    this.engine = engine;
    return this;
  }

  wantsValidation(): boolean { return this.params.early_stopping_rounds !== undefined; }

  /** XGBoost booster params for a task (what goes to XGBoosterSetParam), num_round etc. removed. */
  boosterParams(task: XGBTask, seed: number): { params: Record<string, ParamValue>; evalMetric: string; maximize: boolean } {
    const p = { ...this.params } as Record<string, unknown>;
    for (const [alias, canon] of ALIASES) {
      if (p[alias] !== undefined && p[canon] !== undefined) throw new UsageError(`model.params: give either ${alias} or ${canon}, not both`);
      if (p[alias] !== undefined) { p[canon] = p[alias]; delete p[alias]; }
    }
    delete p.num_round;
    delete p.early_stopping_rounds;
    let objective = p.objective as string | undefined;
    if (task.kind === 'regression') {
      objective ??= 'reg:squarederror';
      if (/^(binary|multi):/.test(objective)) throw new UsageError(`model.params.objective "${objective}" is a classification objective but task is regression`);
    } else {
      const binary = task.numClass === 2;
      objective ??= binary ? 'binary:logistic' : 'multi:softprob';
      if (binary && objective !== 'binary:logistic') throw new UsageError(`model.params.objective: classification with 2 classes needs "binary:logistic" (probabilities), got "${objective}"`);
      if (!binary && objective !== 'multi:softprob') throw new UsageError(`model.params.objective: classification with ${task.numClass} classes needs "multi:softprob" (probabilities), got "${objective}"`);
      if (!binary) p.num_class = task.numClass;
    }
    p.objective = objective;
    p.seed ??= seed;
    const metrics = p.eval_metric === undefined ? [] : Array.isArray(p.eval_metric) ? (p.eval_metric as string[]) : [p.eval_metric as string];
    const evalMetric = metrics.length ? metrics[metrics.length - 1]
      : objective.startsWith('binary:') ? 'logloss' : objective.startsWith('multi:') ? 'mlogloss' : 'rmse';
    if (!metrics.length) p.eval_metric = evalMetric;
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) continue;
      params[k] = Array.isArray(v) ? v.join(',') : (v as ParamValue);
    }
    return { params, evalMetric, maximize: MAXIMIZE.test(evalMetric) };
  }

  async fit(data: FitData, task: XGBTask, ctx: FitContext): Promise<this> {
    if (this.fitting) throw new UsageError('fit() is already running on this estimator');
    const engine = this.engine ?? (await resolveEngine(this.options.engine, ctx.log));
    this.engine = engine;
    if (data.featureTypes.includes('c') && !XGBoostEstimator.supportsNativeCategorical(engine)) {
      throw new UsageError(`the ${engine.name} XGBoost engine has no categorical features; one-hot encode them`);
    }
    checkMatrixValues(data.x, data.featureNames, 'XGBoost', this.tags, 'training row');
    if (data.valid) checkMatrixValues(data.valid.x, data.featureNames, 'XGBoost', this.tags, 'validation row');
    if (this.params.early_stopping_rounds !== undefined && !data.valid) {
      throw new UsageError('model.params.early_stopping_rounds needs a validation set');
    }
    this.fitting = true;
    const callbacks: Callback[] = ctx.callbacks ?? [];
    try {
      const { params, evalMetric, maximize } = this.boosterParams(task, ctx.seed);
      const history: number[] = [];
      for (const cb of callbacks) await cb.onTrainBegin?.({ steps: this.params.num_round, metric: evalMetric });
      const booster = await engine.train({
        train: data.x,
        label: data.y,
        valid: data.valid ? { x: data.valid.x, label: data.valid.y } : undefined,
        featureNames: data.featureNames,
        featureTypes: data.featureTypes,
        releaseTrain: data.releaseX,
        params,
        numRound: this.params.num_round,
        earlyStoppingRounds: this.params.early_stopping_rounds,
        evalMetric,
        maximize,
        signal: ctx.signal,
        onWarning: (m: string) => ctx.log.warn(`xgboost (${engine.name}): ${m}`),
        onRound: async (info: RoundInfo) => {
          if (info.valid !== undefined) history.push(info.valid);
          for (const cb of callbacks) await cb.onEpochEnd?.(info.round, { [`valid_${evalMetric}`]: info.valid, [`train_${evalMetric}`]: info.train });
        },
      } as any);
      this.booster?.dispose();
      this.booster = booster;
      this.state = {
        engine: engine.name,
        engineDescription: engine.description,
        objective: String(params.objective),
        numClass: task.kind === 'classification' ? task.numClass : 1,
        bestIteration: booster.bestIteration,
        roundsTrained: booster.roundsTrained,
        featureNames: data.featureNames,
        featureTypes: data.featureTypes,
        importance: booster.importance(),
        modelFile: engine.name === 'native' ? 'model.json' : 'model.bin',
        history: history.length ? { metric: evalMetric, valid: history } : undefined,
      };
      for (const cb of callbacks) await cb.onTrainEnd?.({ bestIteration: booster.bestIteration, roundsTrained: booster.roundsTrained });
      return this;
    } finally {
      this.fitting = false;
    }
  }

  /**
   * Predictions: regression -> n values; classification -> n x k probabilities (row-major; binary
   * expanded to [1-p, p]).
   */
  predict(x: DenseMatrix): Float64Array {
    if (!this.booster || !this.state) throw new NotFittedError('xgboost', 'predict()');
    checkMatrixValues(x, this.state.featureNames, 'XGBoost', this.tags);
    return this.expand(this.booster.predict(x), x.rows);
  }

  async predictAsync(x: DenseMatrix): Promise<Float64Array> {
    if (!this.booster || !this.state) throw new NotFittedError('xgboost', 'predict()');
    checkMatrixValues(x, this.state.featureNames, 'XGBoost', this.tags);
    const rows = x.rows;
    return this.expand(this.booster.predictAsync ? await this.booster.predictAsync(x) : this.booster.predict(x), rows);
  }

  /** binary:logistic's probability p of class 1 as [1 - p, p] per row */
  private expand(raw: Float64Array, rows: number): Float64Array {
    if (this.state!.objective !== 'binary:logistic') return raw;
    const out = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) { out[2 * i] = 1 - raw[i]!; out[2 * i + 1] = raw[i]!; }
    return out;
  }

  /** what fit() learned; the booster in the engine's format */
  fittedState(): XGBoostState {
    if (!this.state || !this.booster) throw new NotFittedError('xgboost', 'save()');
    return structuredClone(this.state);
  }

  /** the booster in the engine's format (XGBoost JSON for native) */
  modelBytes(): Uint8Array {
    if (!this.booster) throw new NotFittedError('xgboost', 'save()');
    return this.booster.save();
  }

  async save(w: BlobWriter): Promise<XGBoostState> {
    const st = this.fittedState();
    await w.write(st.modelFile, this.modelBytes());
    return st;
  }

  bestIteration(): number | undefined { return this.state?.bestIteration; }

  static async restore(params: XGBoostParams, state: XGBoostState, read: BlobReader, log: Logger, options: XGBoostOptions = { engine: 'auto' }): Promise<XGBoostEstimator> {
    if (!state || typeof state.modelFile !== 'string' || !Array.isArray(state.featureNames) || (state.engine !== 'native' && state.engine !== 'wasm')) {
      throw new BundleError('the xgboost estimator state is malformed');
    }
    let engine: XGBoostEngine;
    if (state.engine === 'native') {
      const { findNativeLibrary, loadNativeEngine } = await import('./native.js');
      const found = findNativeLibrary();
      if (!found.path) {
        throw new BundleError(`this model was trained with the native XGBoost engine and needs libxgboost to load (${found.how}); install it (apt-get install libxgboost0 / brew install xgboost) or set MLKIT_XGBOOST_LIB`);
      }
      engine = loadNativeEngine(found.path);
    } else {
      engine = await resolveEngine('wasm', log);
    }
    const est = new XGBoostEstimator(params, options);
    est.engine = engine;
    est.booster = engine.load(read.read(state.modelFile), {
      bestIteration: state.bestIteration,
      featureNames: state.featureNames,
      featureTypes: state.featureTypes,
      numClass: state.numClass,
      objective: state.objective,
    });
    est.state = state;
    return est;
  }

  dispose(): void {
    this.booster?.dispose();
    this.booster = undefined;
  }
}

export const create = (p: XGBoostParams, o: XGBoostOptions) => new XGBoostEstimator(p, o);
export const restore: ComponentImpl<XGBoostParams, XGBoostState, XGBoostEstimator, XGBoostOptions>['restore'] = (p, state, reader, ctx) =>
  XGBoostEstimator.restore(p, state, reader, ctx.log, ctx.options);
