/**
 * The `predictive` detector (detect.mode predictive): per channel, a one-step-ahead prediction of the
 * next value from the channel's recent history; the score is the absolute prediction error in units of
 * its nominal spread, and the row's score the largest over channels (cause: that channel).
 *
 * - `xgboost`: XGBoost regression of the next change d_t = x_t - x_{t-1} on the `lags` changes before it
 *   (all in units of the nominal spread of the changes), so a level the training never saw is no problem
 *   for the trees; the prediction is x_{t-1} + d^_t. The model is trained on the first 1 - `holdout` of the
 *   nominal rows; its errors on the held-out rows give the error spread (1.4826 x their median absolute
 *   value) and are the scores the threshold is fitted on (fitScores), so the threshold is not set on
 *   errors the model has seen.
 * - `arima`: the arima forecaster (fixed orders or AutoARIMA, model.params as in forecasting) fitted on the
 *   first 1 - `holdout` of the nominal rows; its coefficients then predict each next value by a recursion
 *   on the values and innovations before it (arima.ts); the held-out errors set the error spread and the
 *   threshold as for xgboost. The innovations carry over from batch to batch; a new stream starts them at 0.
 * - `naive`: the prediction is the last value (the error is the change itself); `seasonal_naive`: the
 *   value `s` rows back (the error is the seasonal change), in units of the nominal spread of those changes.
 * Causal: a row's score uses the rows before it only (its own value is what is predicted); the first
 * lags + 1 rows (naive: 1, seasonal_naive: s) of a stream are the warm-up. Every batch is predicted in one call per channel.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError, DataError, NotFittedError, throwIfAborted } from '../../core/errors.js';
import { columnOf, float64Values } from '../../pipeline/frame-columns.js';
import { channelIndex, median, newXGBoost, restoreXGBoost } from '../common.js';
import type { BlobReader, BlobWriter, ComponentImpl, Detector, Estimator, FitContext, Frame, Logger, RowBatch, Scores, Tags } from '../../core/types.js';
import { NEURAL_PREDICTIVE, type PredictiveParams } from './spec.js';
import { defaultWindow, scaleOf, type NeuralForecaster } from '../../estimators/nn/forecaster.js';
import { fitArima, historyOf, oneStepErrors, recursionOf, type ArimaRecursion } from './arima.js';

const MAD_TO_SD = 1.4826;

interface ChannelModel {
  name: string;
  /** spread of the changes (features and target are in its units) */
  changeScale: number;
  /** spread of the prediction errors (in units of changeScale) */
  errorScale: number;
  /** the XGBoost estimator's state (xgboost model), its files under c<k>/ */
  estimator?: unknown;
  /** arima: the fitted recursion */
  arima?: ArimaRecursion;
  /** neural: the input window, the spread its windows are scaled by, and the forecaster's state (files under c<k>/) */
  neural?: { window: number; std: number; state?: unknown };
}

export interface PredictiveState {
  channels: ChannelModel[];
}


function spread(a: ArrayLike<number>, floor: number): number {
  const abs = Float64Array.from(a, (x) => Math.abs(x));
  const s = MAD_TO_SD * median(abs);
  return s > floor ? s : floor;
}

/** The feature rows (lags changes before each target row) of a value sequence, and the targets. */
function lagRows(v: Float64Array, lags: number, scale: number, from: number, to: number): { x: Float32Array; y: Float32Array; rows: number } {
  // row t (t >= lags + 1): features d_{t-1}..d_{t-lags}, target d_t, d_t = (v_t - v_{t-1}) / scale
  const start = Math.max(from, lags + 1);
  const rows = Math.max(0, to - start);
  const x = new Float32Array(rows * lags);
  const y = new Float32Array(rows);
  for (let r = 0, t = start; t < to; r++, t++) {
    y[r] = (v[t]! - v[t - 1]!) / scale;
    for (let k = 1; k <= lags; k++) x[r * lags + k - 1] = (v[t - k]! - v[t - k - 1]!) / scale;
  }
  return { x, y, rows };
}

/** A BlobWriter / BlobReader under a sub-folder. */
const under = {
  writer: (w: BlobWriter, dir: string): BlobWriter => ({ write: (rel, data) => w.write(`${dir}/${rel}`, data) }),
  reader: (r: BlobReader, dir: string): BlobReader => ({ read: (rel) => r.read(`${dir}/${rel}`) }),
};

export class PredictiveDetector implements Detector<PredictiveParams, PredictiveState> {
  readonly kind = 'detector' as const;
  readonly name = 'predictive';
  readonly tags: Tags = { allowsNaN: false };
  readonly params: Readonly<PredictiveParams>;
  private state?: PredictiveState;
  private models: (Estimator | undefined)[] = [];
  /** neural models, per channel */
  private nets: (NeuralForecaster<{ window?: number }> | undefined)[] = [];
  private nominal?: Float64Array;
  /** per channel: the last lags + 1 values of the stream */
  private history?: Float64Array[];
  /** arima, per channel: the last innovations of the stream */
  private innovations?: Float64Array[];

  constructor(params: PredictiveParams, state?: PredictiveState, models: (Estimator | undefined)[] = [], nets: (NeuralForecaster<{ window?: number }> | undefined)[] = []) {
    this.params = Object.freeze({ ...params, xgboost: Object.freeze({ ...params.xgboost }), neural: Object.freeze({ ...params.neural }) });
    this.state = state;
    this.models = models;
    this.nets = nets;
  }

  private get neural(): boolean {
    return (NEURAL_PREDICTIVE as readonly string[]).includes(this.params.model);
  }

  /** neural: the input window (from the params before fit, at least 8 rows by default) */
  private get window(): number {
    const w = this.state?.channels[0]?.neural?.window;
    return w ?? ((this.params.neural.window as number | undefined) ?? defaultWindow(1));
  }

  isFitted(): boolean { return this.state !== undefined; }

  private get lags(): number { return this.params.model === 'xgboost' ? this.params.lags : 0; }

  /** the baselines' gap: the value predicted is this many rows back */
  private get gap(): number { return this.params.model === 'seasonal_naive' ? this.params.s ?? 1 : 1; }

  /** values of history a prediction needs (arima: the most any channel's model needs) */
  private get keep(): number {
    if (this.params.model === 'arima') return Math.max(1, ...(this.state?.channels ?? []).map((c) => (c.arima ? historyOf(c.arima) : 1)));
    if (this.neural) return this.window;
    return this.params.model === 'xgboost' ? this.lags + 1 : this.gap;
  }

  warmup(): number { return this.keep; }

  /** the nominal rows fit needs, and the params that decide it */
  minRows(): { rows: number; params: string[] } {
    const p = this.params;
    if (p.model === 'xgboost') return { rows: Math.ceil((2 * (this.lags + 1) + 20) / Math.min(p.holdout, 1 - p.holdout)), params: ['lags'] };
    if (p.model === 'arima') {
      // the arima package's minimum for the orders (fixed: d + sD + max(p + q, 2s, 10); auto: max(2s + d, 20))
      // on the training part, and 20 held-out rows
      const o = p.arima as Record<string, number | boolean | undefined>;
      const num = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
      const seasonal = num('P', 0) + num('D', 0) + num('Q', 0) > 0 || (o.auto === true && num('s', 0) > 1);
      const s = seasonal ? num('s', 0) : 0;
      const base = o.auto === true ? Math.max(2 * s + num('d', 2), 20) : num('d', 0) + s * num('D', 0) + Math.max(num('p', 1) + num('q', 1), 2 * s, 10);
      return { rows: Math.max(Math.ceil(base / (1 - p.holdout)) + 1, Math.ceil(20 / p.holdout)), params: [] };
    }
    if (this.neural) return { rows: Math.max(Math.ceil((this.window + 1 + 20) / (1 - p.holdout)), Math.ceil(20 / p.holdout)), params: [] };
    return { rows: this.gap + 3, params: p.model === 'seasonal_naive' ? ['s'] : [] };
  }

  async fit(x: Frame, ctx: FitContext): Promise<this> {
    const p = this.params;
    const names = x.columns;
    if (!names.length) throw new DataError('the predictive detector needs at least one numeric channel');
    const L = this.lags;
    const n = x.height;
    const split = Math.floor(n * (1 - p.holdout));
    if (p.model === 'seasonal_naive' && p.s === undefined) throw new DataError('seasonal_naive needs its season length: model.params.s (rows)');
    const need = this.minRows().rows;
    if (n < need) throw new DataError(`the predictive detector (${p.model}${p.model === 'xgboost' ? `, lags ${L}, holdout ${p.holdout}` : ''}) needs at least ${need} nominal rows to learn from; got ${n}`);
    const channels: ChannelModel[] = [];
    const models: (Estimator | undefined)[] = [];
    const nets: (NeuralForecaster<{ window?: number }> | undefined)[] = [];
    const nominal = new Float64Array(n).fill(NaN);
    for (let c = 0; c < names.length; c++) {
      throwIfAborted(ctx.signal);
      const v = float64Values(columnOf(x, names[c]!));
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(v[i]!)) throw new DataError(`channel "${names[c]}": row ${i + 1} of the nominal data is ${v[i]}; the detector learns from complete rows`, { path: names[c] });
      }
      // changes over one row (xgboost, naive) or over the season (seasonal_naive)
      const gap = p.model === 'xgboost' ? 1 : this.gap;
      const diffs = new Float64Array(n - gap);
      for (let i = gap; i < n; i++) diffs[i - gap] = v[i]! - v[i - gap]!;
      const tiny = Math.max(1e-12, 1e-9 * Math.abs(median(v)));
      const changeScale = spread(diffs, tiny);
      let errors: Float64Array;
      let from: number;
      let arima: ArimaRecursion | undefined;
      let neuralInfo: ChannelModel['neural'];
      if (p.model === 'arima') {
        arima = recursionOf(await fitArima(v.slice(0, split), p.arima, names[c]!, ctx));
        const first = historyOf(arima);
        if (n - split < 20 || split <= first) throw new DataError(`the predictive detector (arima, ${arima.order}, holdout ${p.holdout}) needs more nominal rows: ${n} leave ${n - split} held out`);
        const all = oneStepErrors(arima, v, first, new Float64Array(arima.ma.length));
        for (let i = 0; i < all.length; i++) {
          if (!Number.isFinite(all[i]!)) throw new DataError(`channel "${names[c]}": ${arima.order} gives non-finite predictions on the nominal data (an unstable fit); try other orders`, { path: names[c] });
        }
        errors = Float64Array.from(all.subarray(split - first), (e) => Math.abs(e) / changeScale);
        from = split;
        models.push(undefined);
        ctx.log.info(`channel "${names[c]}": ${arima.order}`);
      } else if (this.neural) {
        // the forecaster on the first part (horizon 1), then its next-value errors on the held-out rows
        const { impl } = await import('../../estimators/nn/forecaster.js');
        const { FORECASTER_PARAMS, nnOptions } = await import('../../estimators/nn/spec.js');
        const kind = p.model as (typeof NEURAL_PREDICTIVE)[number];
        const f = impl(kind).create(FORECASTER_PARAMS[kind].parse(p.neural), nnOptions.parse({ ...(p.backend ? { backend: p.backend } : {}), ...(p.train ? { train: p.train } : {}) }));
        const train = v.slice(0, split);
        // checkpoints: one folder per channel; on --resume a channel the stopped run had not reached starts afresh
        const ck = ctx.checkpoint ? { dir: join(ctx.checkpoint.dir, `c${c}`), resume: ctx.checkpoint.resume } : undefined;
        if (ck && c > 0 && ck.resume && !existsSync(join(ck.dir, 'state.json'))) ck.resume = false;
        await f.fit([{ id: names[c]!, y: train, exog: [] }], { ...ctx, ...(ck ? { checkpoint: ck } : {}) }, { season: 1, horizon: 1 });
        const std = scaleOf(train).std;
        const first = Math.max(split, f.window);
        const pred = await f.predictNext(v, first, std, ctx.signal);
        errors = Float64Array.from(pred, (q, r) => Math.abs(v[first + r]! - q) / changeScale);
        from = first;
        models.push(undefined);
        nets[c] = f;
        neuralInfo = { window: f.window, std };
      } else if (p.model === 'xgboost') {
        const est = await newXGBoost(p.xgboost, p.engine, ctx.log);
        const tr = lagRows(v, L, changeScale, 0, split);
        const features = Array.from({ length: L }, (_, k) => `d_lag${k + 1}`);
        await est.fit({ x: { data: tr.x, rows: tr.rows, cols: L }, y: tr.y, featureNames: features, featureTypes: features.map(() => 'q' as const) }, { kind: 'regression' }, { log: ctx.log, seed: ctx.seed, signal: ctx.signal });
        const ho = lagRows(v, L, changeScale, split, n);
        const pred = est.predict({ data: ho.x, rows: ho.rows, cols: L });
        errors = Float64Array.from(ho.y, (y, r) => Math.abs(y - pred[r]!));
        from = n - ho.rows;
        models.push(est);
      } else {
        errors = Float64Array.from(diffs, (d) => Math.abs(d) / changeScale);
        from = gap;
        models.push(undefined);
      }
      const errorScale = spread(errors, 1e-6);
      for (let r = 0; r < errors.length; r++) {
        const s = errors[r]! / errorScale;
        const i = from + r;
        if (!(nominal[i]! >= s)) nominal[i] = s;
      }
      channels.push({ name: names[c]!, changeScale, errorScale, ...(arima ? { arima } : {}), ...(neuralInfo ? { neural: neuralInfo } : {}) });
    }
    this.state = { channels };
    this.models = models;
    for (const old of this.nets) old?.dispose();
    this.nets = nets;
    this.nominal = nominal;
    this.reset();
    return this;
  }

  /** the scores of the held-out nominal rows (NaN elsewhere): what the threshold is fitted on */
  fitScores(): Float64Array | undefined {
    return this.nominal;
  }

  async score(batch: RowBatch, ctx?: { signal?: AbortSignal }): Promise<Scores> {
    const st = this.fitted();
    throwIfAborted(ctx?.signal);
    const n = batch.values[0]?.length ?? 0;
    const idx = channelIndex(st.channels.map((c) => c.name), batch);
    const keep = this.keep;
    this.history ??= st.channels.map(() => new Float64Array(0));
    this.innovations ??= st.channels.map((ch) => new Float64Array(ch.arima?.ma.length ?? 0));
    const out: Scores = { score: new Float64Array(n).fill(NaN), cause: new Int32Array(n).fill(-1) };
    for (let c = 0; c < st.channels.length; c++) {
      const ch = st.channels[c]!;
      const h: Float64Array = this.history[c]!;
      const v = new Float64Array(h.length + n);
      v.set(h);
      v.set(batch.values[idx[c]!]!, h.length);
      // rows of v that get a score: those with `keep` values before them in the stream
      const first = Math.max(h.length, keep);
      let err: Float64Array;
      if (ch.arima) {
        err = oneStepErrors(ch.arima, v, first, this.innovations[c]!).map((e) => Math.abs(e) / ch.changeScale);
      } else if (ch.neural) {
        const pred = await this.nets[c]!.predictNext(v, first, ch.neural.std, ctx?.signal);
        err = Float64Array.from(pred, (q, r) => Math.abs(v[first + r]! - q) / ch.changeScale);
      } else if (this.params.model === 'xgboost') {
        const rows = lagRows(v, this.lags, ch.changeScale, first, v.length);
        const pred = rows.rows ? this.models[c]!.predict({ data: rows.x, rows: rows.rows, cols: this.lags }) : new Float64Array(0);
        err = Float64Array.from(rows.y, (y, r) => Math.abs(y - pred[r]!));
      } else {
        const gap = this.gap;
        err = new Float64Array(Math.max(0, v.length - first));
        for (let t = first; t < v.length; t++) err[t - first] = Math.abs(v[t]! - v[t - gap]!) / ch.changeScale;
      }
      for (let r = 0; r < err.length; r++) {
        const i = first + r - h.length;
        const s = err[r]! / ch.errorScale;
        if (!(out.score[i]! >= s)) { out.score[i] = s; out.cause![i] = idx[c]!; }
      }
      this.history[c] = v.slice(Math.max(0, v.length - keep));
    }
    return out;
  }

  /** a new stream starts: no history */
  reset(): void {
    this.history = undefined;
    this.innovations = undefined;
  }

  private fitted(): PredictiveState {
    if (!this.state) throw new NotFittedError(this.name, 'score()');
    return this.state;
  }

  async save(w: BlobWriter): Promise<PredictiveState> {
    const st = this.fitted();
    const channels: ChannelModel[] = [];
    for (let c = 0; c < st.channels.length; c++) {
      const m = this.models[c];
      const net = this.nets[c];
      const ch = st.channels[c]!;
      channels.push({ ...ch, ...(m ? { estimator: await m.save(under.writer(w, `c${c}`)) } : {}), ...(net && ch.neural ? { neural: { ...ch.neural, state: await net.save(under.writer(w, `c${c}`)) } } : {}) });
    }
    return { channels };
  }

  dispose(): void {
    for (const m of this.models) m?.dispose();
    for (const n of this.nets) n?.dispose();
  }
}

async function restore(p: PredictiveParams, s: PredictiveState, reader: BlobReader, log: Logger): Promise<PredictiveDetector> {
  if (!Array.isArray(s?.channels) || !s.channels.length || s.channels.some((c) => typeof c?.name !== 'string' || !(c.changeScale > 0) || !(c.errorScale > 0))) {
    throw new BundleError('predictive detector: saved state is malformed');
  }
  const finite = (a: unknown) => Array.isArray(a) && a.every((x) => Number.isFinite(x));
  if (p.model === 'arima' && s.channels.some(({ arima: r }) => !r || !finite(r.diff) || !finite(r.ar) || !finite(r.ma) || !Number.isFinite(r.mean))) {
    throw new BundleError('predictive detector: a channel\'s saved ARIMA model is malformed');
  }
  const models: (Estimator | undefined)[] = [];
  if (p.model === 'xgboost') {
    for (let c = 0; c < s.channels.length; c++) {
      const st = s.channels[c]!.estimator;
      if (!st) throw new BundleError(`predictive detector: channel "${s.channels[c]!.name}" has no model`);
      models.push(await restoreXGBoost(p.xgboost, st, under.reader(reader, `c${c}`), log, p.engine));
    }
  } else s.channels.forEach(() => models.push(undefined));
  const nets: (NeuralForecaster<{ window?: number }> | undefined)[] = [];
  if ((NEURAL_PREDICTIVE as readonly string[]).includes(p.model)) {
    const { impl: nn } = await import('../../estimators/nn/forecaster.js');
    const { FORECASTER_PARAMS, nnOptions } = await import('../../estimators/nn/spec.js');
    const kind = p.model as (typeof NEURAL_PREDICTIVE)[number];
    const netParams = FORECASTER_PARAMS[kind].parse(p.neural);
    const options = nnOptions.parse({ ...(p.backend ? { backend: p.backend } : {}), ...(p.train ? { train: p.train } : {}) });
    for (let c = 0; c < s.channels.length; c++) {
      const ch = s.channels[c]!;
      if (!ch.neural || !(ch.neural.std > 0) || !(ch.neural.window >= 1) || !ch.neural.state) throw new BundleError(`predictive detector: channel "${ch.name}" has no neural model`);
      nets.push(await nn(kind).restore(netParams, ch.neural.state as never, under.reader(reader, `c${c}`), { options, log }));
    }
  }
  const state: PredictiveState = { channels: s.channels.map(({ estimator: _e, neural, ...rest }) => ({ ...rest, ...(neural ? { neural: { window: neural.window, std: neural.std } } : {}) })) };
  return new PredictiveDetector(p, state, models, nets);
}

export const impl: ComponentImpl<PredictiveParams, PredictiveState, PredictiveDetector> = {
  create: (p) => new PredictiveDetector(p),
  restore: (p, s, reader, ctx) => restore(p, s, reader, ctx.log),
};
