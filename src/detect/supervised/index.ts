/**
 * The `supervised` detector (detect.mode supervised): an XGBoost binary classifier on a 0/1 fault label.
 *
 * Features of row t, per channel: its value x_t and its changes x_t - x_{t-k}, k = 1..lags (causal: rows up
 * to t). Target: with `lead` = 0, the label of row t; with lead L, whether a fault is on at t or at any of
 * the next L rows (max of labels t..t+L), so that the classifier learns to warn ahead of a fault's start.
 * The score is P(fault). The cause of a row is the channel whose value is furthest, in robust z units,
 * from that channel's values on the fault-free training rows. The first `lags` rows of a stream are its
 * warm-up.
 */
import { BundleError, DataError, NotFittedError, throwIfAborted } from '../../core/errors.js';
import { columnOf, float64Values } from '../../pipeline/frame-columns.js';
import { channelIndex, median, newXGBoost, restoreXGBoost } from '../common.js';
import type { BlobReader, BlobWriter, ComponentImpl, Detector, Estimator, FitContext, Frame, Logger, RowBatch, Scores, Tags } from '../../core/types.js';
import type { SupervisedParams } from './spec.js';

const MAD_TO_SD = 1.4826;

interface ChannelStats { name: string; median: number; spread: number }

export interface SupervisedState {
  channels: ChannelStats[];
  /** the XGBoost estimator's state */
  estimator?: unknown;
  /** training rows that were positive (after lead) */
  positives: number;
}


/** Feature rows for t in [from, v[0].length) (t >= lags), channel-major within a row. */
function featureRows(v: Float64Array[], lags: number, from: number): { data: Float32Array; rows: number; cols: number; first: number } {
  const n = v[0]!.length;
  const first = Math.max(from, lags);
  const rows = Math.max(0, n - first);
  const cols = v.length * (1 + lags);
  const data = new Float32Array(rows * cols);
  for (let r = 0, t = first; t < n; r++, t++) {
    let o = r * cols;
    for (const x of v) {
      data[o++] = x[t]!;
      for (let k = 1; k <= lags; k++) data[o++] = x[t]! - x[t - k]!;
    }
  }
  return { data, rows, cols, first };
}

function featureNames(channels: string[], lags: number): string[] {
  return channels.flatMap((c) => [c, ...Array.from({ length: lags }, (_, k) => `${c}_d${k + 1}`)]);
}

export class SupervisedDetector implements Detector<SupervisedParams, SupervisedState> {
  readonly kind = 'detector' as const;
  readonly name = 'supervised';
  readonly tags: Tags = { allowsNaN: false };
  readonly params: Readonly<SupervisedParams>;
  private state?: SupervisedState;
  private model?: Estimator;
  private history?: Float64Array[];

  constructor(params: SupervisedParams, state?: SupervisedState, model?: Estimator) {
    this.params = Object.freeze({ ...params, xgboost: Object.freeze({ ...params.xgboost }) });
    this.state = state;
    this.model = model;
  }

  isFitted(): boolean { return this.state !== undefined; }

  warmup(): number { return this.params.lags; }

  /** the training rows fit needs, and the params that decide it */
  minRows(): { rows: number; params: string[] } {
    return { rows: this.params.lags + 10, params: ['lags'] };
  }

  async fit(x: Frame, ctx: FitContext): Promise<this> {
    const p = this.params;
    if (!x.columns.includes(p.label)) throw new DataError(`the label column "${p.label}" is missing from the training data`, { path: p.label });
    const names = x.columns.filter((c) => c !== p.label);
    if (!names.length) throw new DataError('the supervised detector needs at least one numeric channel besides the label');
    const n = x.height;
    if (n < this.minRows().rows) throw new DataError(`the supervised detector needs at least ${this.minRows().rows} training rows; got ${n}`);
    const y = float64Values(columnOf(x, p.label));
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new DataError(`label "${p.label}": row ${i + 1} is ${Number.isNaN(y[i]!) ? 'empty' : y[i]}; expected 0 or 1`, { path: p.label });
    }
    const v = names.map((c) => float64Values(columnOf(x, c)));
    v.forEach((a, c) => {
      for (let i = 0; i < n; i++) if (!Number.isFinite(a[i]!)) throw new DataError(`channel "${names[c]}": row ${i + 1} of the training data is ${a[i]}; the detector learns from complete rows`, { path: names[c] });
    });
    // target: a fault on at t or within the next `lead` rows
    const target = new Float32Array(n);
    for (let i = n - 1, next = -1; i >= 0; i--) {
      if (y[i] === 1) next = i;
      target[i] = next >= 0 && next - i <= p.lead ? 1 : 0;
    }
    const f = featureRows(v, p.lags, 0);
    const yt = target.subarray(f.first);
    const positives = yt.reduce((a, b) => a + b, 0);
    if (positives === 0 || positives === yt.length) throw new DataError(`the label "${p.label}" is ${positives ? 'always 1' : 'never 1'} in the training rows; a classifier needs faults and normal rows`, { path: p.label });
    throwIfAborted(ctx.signal);
    const est = await newXGBoost(p.xgboost, p.engine, ctx.log);
    const fn = featureNames(names, p.lags);
    await est.fit({ x: { data: f.data, rows: f.rows, cols: f.cols }, y: Float32Array.from(yt), featureNames: fn, featureTypes: fn.map(() => 'q' as const) }, { kind: 'classification', numClass: 2 }, { log: ctx.log, seed: ctx.seed, signal: ctx.signal });
    const channels = names.map((name, c) => {
      const normal = v[c]!.filter((_, i) => y[i] === 0);
      const m = median(normal);
      const s = MAD_TO_SD * median(Float64Array.from(normal, (a) => Math.abs(a - m)));
      return { name, median: m, spread: s > 1e-12 ? s : Math.max(1e-12, Math.abs(m) * 1e-9) };
    });
    this.model?.dispose();
    this.model = est;
    this.state = { channels, positives };
    this.history = undefined;
    return this;
  }

  async score(batch: RowBatch, ctx?: { signal?: AbortSignal }): Promise<Scores> {
    const st = this.fitted();
    throwIfAborted(ctx?.signal);
    const n = batch.values[0]?.length ?? 0;
    const idx = channelIndex(st.channels.map((c) => c.name), batch);
    const L = this.params.lags;
    this.history ??= st.channels.map(() => new Float64Array(0));
    const h0 = this.history[0]!.length;
    const v = st.channels.map((_, c) => {
      const a = new Float64Array(h0 + n);
      a.set(this.history![c]!);
      a.set(batch.values[idx[c]!]!, h0);
      return a;
    });
    const f = featureRows(v, L, h0);
    const out: Scores = { score: new Float64Array(n).fill(NaN), cause: new Int32Array(n).fill(-1) };
    if (f.rows) {
      const prob = this.model!.predict({ data: f.data, rows: f.rows, cols: f.cols });
      for (let r = 0; r < f.rows; r++) {
        const t = f.first + r;
        const i = t - h0;
        out.score[i] = prob[2 * r + 1]!;
        let best = -1;
        let bz = -1;
        for (let c = 0; c < st.channels.length; c++) {
          const z = Math.abs(v[c]![t]! - st.channels[c]!.median) / st.channels[c]!.spread;
          if (z > bz) { bz = z; best = idx[c]!; }
        }
        out.cause![i] = best;
      }
    }
    this.history = v.map((a) => a.slice(Math.max(0, a.length - L)));
    return out;
  }

  reset(): void {
    this.history = undefined;
  }

  private fitted(): SupervisedState {
    if (!this.state) throw new NotFittedError(this.name, 'score()');
    return this.state;
  }

  async save(w: BlobWriter): Promise<SupervisedState> {
    const st = this.fitted();
    return { ...st, estimator: await this.model!.save(w) };
  }

  dispose(): void {
    this.model?.dispose();
  }
}

async function restore(p: SupervisedParams, s: SupervisedState, reader: BlobReader, log: Logger): Promise<SupervisedDetector> {
  if (!Array.isArray(s?.channels) || !s.channels.length || !s.estimator) throw new BundleError('supervised detector: saved state is malformed');
  const model = await restoreXGBoost(p.xgboost, s.estimator, reader, log, p.engine);
  const { estimator: _e, ...state } = s;
  return new SupervisedDetector(p, state, model);
}

export const impl: ComponentImpl<SupervisedParams, SupervisedState, SupervisedDetector> = {
  create: (p) => new SupervisedDetector(p),
  restore: (p, s, reader, ctx) => restore(p, s, reader, ctx.log),
};
