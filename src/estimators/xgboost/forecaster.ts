/**
 * The `xgboost` forecaster: gradient-boosted trees on lag, rolling and calendar features of the
 * series, forecasting recursively (each step's forecast becomes the next step's lag 1).
 *
 * Per series, before the features: differencing (by default one seasonal difference, or a first
 * difference without a season: trees cannot extrapolate, so they forecast changes and the level comes
 * from integrating them back),
 * then standardisation by the (differenced) history's mean and standard deviation (`scale: std`), so
 * one global model can learn from series of different levels. Both are computed from whatever history
 * the model forecasts from, so `mlkit forecast --input` refits them (state) and never the trees.
 *
 * Features of the row at time t (z = the scaled, differenced series):
 * - `y_lag<k>`                z[t-k]                                 (the pipeline layer's `lags`)
 * - `y_lag1_roll<w>_<stat>`   mean/std/min/max of z[t-w..t-1]          (the pipeline's `rolling` over lag 1)
 * - calendar parts of t       season position, hour, weekday, month, quarter, dayofyear
 * - `exog<j>` the exogenous columns at t (their future values come with the forecast request), and
 *   `exog<j>_lag<o>` at t-o for each offset o the differencing reaches back (e.g. o = 12 for
 *   differences [12]): a differenced target depends on the exogenous values at those times too
 * The same function builds training rows and each recursive step's row, so the two never differ; a
 * test checks the training matrix against the pipeline layer's Lags and Rolling transformers.
 *
 * One global model across the series of a file, or one per series with `per_series: true`.
 * No intervals of its own: the forecasting task adds conformal ones from backtest errors.
 */
import type { BlobReader, BlobWriter, ComponentImpl, FitContext, ForecastContext, Forecaster, ForecastRequest, Logger, SeriesData, SeriesForecast, SeriesMeta, Tags } from '../../core/types.js';
import { BundleError, ConfigError, DataError, NotFittedError, throwIfAborted } from '../../core/errors.js';
import { checkSeriesValues } from '../../core/checks.js';
import { addSteps, seasonPosition, type Freq } from '../../core/time.js';
import { resolveEngine, XGBoostEstimator, type XGBoostState } from './index.js';
import { xgboostParamsSchema, xgboostForecasterSpec, ROLL_STATS, type CalendarPart, type XGBForecastParams, type XGBoostOptions, type XGBoostParams } from './spec.js';
import { tagsOf } from '../../core/component.js';
import type { XGBoostEngine } from './engine.js';

export { CALENDAR_PARTS, type CalendarPart } from './spec.js';
type RollStat = (typeof ROLL_STATS)[number];

/** rows of training data a series must give beyond what its lags and differences use */
const MIN_ROWS = 10;

export interface XGBForecastState {
  season: number;
  freq: Freq | null;
  lags: number[];
  differences: number[];
  calendar: CalendarPart[];
  nExog: number;
  /** offsets at which the exogenous columns enter (0 and what the differences reach back) */
  exogOffsets: number[];
  featureNames: string[];
  /** one booster (global) or one per series, in series order */
  models: { id: string; state: XGBoostState }[];
}

/** What the trees see of one series: the scaled, differenced values and how to undo both. */
interface Transformed {
  /** z[j] is the scaled value of the differenced series at y index j + offset */
  z: Float64Array;
  offset: number;
  mu: number;
  sd: number;
  /** the series after each difference (levels[0] = y) */
  levels: Float64Array[];
}

export function transformSeries(y: Float64Array, differences: readonly number[], scale: 'std' | 'none'): Transformed {
  const levels = [y];
  let cur = y;
  for (const k of differences) {
    const next = new Float64Array(Math.max(0, cur.length - k));
    for (let i = 0; i < next.length; i++) next[i] = cur[i + k]! - cur[i]!;
    levels.push(next);
    cur = next;
  }
  let mu = 0, sd = 1;
  if (scale === 'std' && cur.length) {
    let s = 0;
    for (const v of cur) s += v;
    mu = s / cur.length;
    let ss = 0;
    for (const v of cur) ss += (v - mu) * (v - mu);
    sd = Math.sqrt(ss / cur.length);
    if (!(sd > 0) || !Number.isFinite(sd)) sd = 1;
  }
  const zed = new Float64Array(cur.length);
  for (let i = 0; i < cur.length; i++) zed[i] = (cur[i]! - mu) / sd;
  return { z: zed, offset: y.length - cur.length, mu, sd, levels };
}

/** Future values of y from future values of the last level (unscaled), undoing each difference. */
export function integrate(tr: Transformed, future: Float64Array, differences: readonly number[]): Float64Array {
  let f = future;
  for (let d = differences.length - 1; d >= 0; d--) {
    const k = differences[d]!;
    const base = tr.levels[d]!;
    const n = base.length;
    const up = new Float64Array(f.length);
    for (let h = 0; h < f.length; h++) {
      const i = n + h - k; // index of the value k steps back in base extended by `up`
      up[h] = f[h]! + (i < n ? base[i]! : up[i - n]!);
    }
    f = up;
  }
  return f;
}

function calendarValue(part: CalendarPart, t: number, freq: Freq, season: number): number {
  if (part === 'season') return seasonPosition(t, freq, season);
  const d = new Date(t);
  switch (part) {
    case 'hour': return d.getUTCHours();
    case 'weekday': return (d.getUTCDay() + 6) % 7; // Monday = 0, as pandas
    case 'month': return d.getUTCMonth() + 1;
    case 'quarter': return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'dayofyear': return Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  }
}

/** The calendar parts `auto` picks for a frequency. */
/** A booster's file in the bundle (estimator/...): one global model, or model g of per_series. */
function modelFile(g: number | undefined, engine: string): string {
  return `model${g === undefined ? '' : `-${g}`}.${engine === 'native' ? 'json' : 'bin'}`;
}

/** The offsets a product of differences (1 - B^k) reaches: every sum of a subset of the k's. */
function subsetSums(ks: readonly number[]): number[] {
  let sums = new Set([0]);
  for (const k of ks) sums = new Set([...sums, ...[...sums].map((v) => v + k)]);
  return [...sums].sort((a, b) => a - b);
}

export function autoCalendar(freq: Freq | null, season: number): CalendarPart[] {
  if (!freq) return [];
  if (freq.unit === 'month') return freq.step === 1 ? ['month'] : freq.step === 3 ? ['quarter'] : season > 1 ? ['season'] : [];
  if (freq.unit === 'number') return season > 1 ? ['season'] : [];
  if (freq.step < 86_400_000) return season > 1 ? ['season', 'weekday'] : ['hour', 'weekday'];
  if (freq.step === 86_400_000) return ['weekday', 'month'];
  return season > 1 ? ['season'] : [];
}

export class XGBoostForecaster implements Forecaster<XGBForecastParams, XGBForecastState> {
  readonly kind = 'forecaster' as const;
  readonly name = 'xgboost';
  readonly tags: Tags;
  readonly params: Readonly<XGBForecastParams>;
  readonly options: Readonly<XGBoostOptions>;
  private st?: XGBForecastState;
  private models: XGBoostEstimator[] = [];

  constructor(params: XGBForecastParams, options: XGBoostOptions = { engine: 'auto' }) {
    this.params = Object.freeze({ ...params });
    this.options = Object.freeze({ ...options });
    this.tags = tagsOf(xgboostForecasterSpec, params);
  }

  isFitted(): boolean { return this.st !== undefined; }

  private lagsFor(season: number): number[] {
    const l = this.params.lags ?? Math.max(season, 8);
    return typeof l === 'number' ? Array.from({ length: l }, (_, i) => i + 1) : [...l].sort((a, b) => a - b);
  }
  private windows(): number[] { return this.params.rolling?.windows ?? []; }
  private stats(): RollStat[] { return this.params.rolling ? [...this.params.rolling.stats] : []; }
  /** how many values of z a row needs before it */
  private reach(lags: number[]): number { return Math.max(lags[lags.length - 1]!, ...this.windows()); }
  private diffsFor(season: number): number[] {
    const d = this.params.differences;
    return d === 'auto' ? [season > 1 ? season : 1] : [...d];
  }

  minLength(season: number): number {
    return this.diffsFor(season).reduce((a, b) => a + b, 0) + this.reach(this.lagsFor(season)) + MIN_ROWS;
  }

  private featureNames(lags: number[], calendar: CalendarPart[], nExog: number, exogOffsets: number[]): string[] {
    return [
      ...lags.map((k) => `y_lag${k}`),
      ...this.windows().flatMap((w) => this.stats().map((s) => `y_lag1_roll${w}_${s}`)),
      ...calendar,
      ...Array.from({ length: nExog }, (_, j) => exogOffsets.map((o) => (o ? `exog${j}_lag${o}` : `exog${j}`))).flat(),
    ];
  }

  /**
   * The feature row of z index t into out (from offset o): z[0..t-1] must hold the values before t.
   * `time` is the row's timestamp; `exog` its exogenous values (per column, at each exogenous offset).
   */
  private row(zb: Float64Array, t: number, lags: number[], calendar: CalendarPart[], time: number, exog: ArrayLike<number>, out: Float32Array, o: number): void {
    const st = this.st!;
    let c = o;
    for (const k of lags) out[c++] = t - k >= 0 ? zb[t - k]! : NaN;
    const stats = this.stats();
    for (const w of this.windows()) {
      const a = t - w;
      const ok = a >= 0;
      let sum = 0, mn = Infinity, mx = -Infinity;
      if (ok) for (let i = a; i < t; i++) { const v = zb[i]!; sum += v; if (v < mn) mn = v; if (v > mx) mx = v; }
      const mean = sum / w;
      for (const s of stats) {
        if (!ok) { out[c++] = NaN; continue; }
        if (s === 'mean') out[c++] = mean;
        else if (s === 'min') out[c++] = mn;
        else if (s === 'max') out[c++] = mx;
        else {
          let ss = 0;
          for (let i = a; i < t; i++) ss += (zb[i]! - mean) * (zb[i]! - mean);
          out[c++] = w > 1 ? Math.sqrt(ss / (w - 1)) : NaN;
        }
      }
    }
    for (const p of calendar) out[c++] = calendarValue(p, time, st.freq!, st.season);
    for (let j = 0; j < exog.length; j++) out[c++] = exog[j]!;
  }

  /** the exogenous features of y index i: each column at each offset */
  private exogAt(exog: Float64Array[], i: number, out: Float64Array): void {
    const offs = this.st!.exogOffsets;
    let c = 0;
    for (const col of exog) for (const o of offs) out[c++] = i - o >= 0 ? col[i - o]! : NaN;
  }

  /** Training matrix of one series (rows from the first with all features to the end). */
  trainingRows(s: SeriesData, tr: Transformed): { x: Float32Array; y: Float32Array; rows: number } {
    const st = this.st!;
    const start = this.reach(st.lags);
    const rows = Math.max(0, tr.z.length - start);
    const cols = st.featureNames.length;
    const x = new Float32Array(rows * cols);
    const y = new Float32Array(rows);
    const ex = new Float64Array(st.nExog * st.exogOffsets.length);
    for (let r = 0; r < rows; r++) {
      const t = start + r;
      const yi = t + tr.offset;
      this.exogAt(s.exog, yi, ex);
      this.row(tr.z, t, st.lags, st.calendar, s.times?.[yi] ?? NaN, ex, x, r * cols);
      y[r] = tr.z[t]!;
    }
    return { x, y, rows };
  }

  private async engine(log: Logger): Promise<XGBoostEngine> {
    return resolveEngine(this.options.engine, log);
  }

  async fit(series: SeriesData[], ctx: FitContext, meta: SeriesMeta): Promise<this> {
    checkSeriesValues(series, 'the xgboost forecaster', this.tags);
    const season = meta.season;
    const lags = this.lagsFor(season);
    const freq = meta.freq ?? null;
    const calendar = this.params.calendar === 'auto' ? autoCalendar(freq, season) : this.params.calendar === 'none' ? [] : [...this.params.calendar];
    if (calendar.length && !freq) throw new ConfigError('model.params.calendar needs the series frequency', { path: 'model.params.calendar' });
    if (freq?.unit === 'number') {
      const bad = calendar.find((p) => p !== 'season');
      if (bad) throw new ConfigError(`model.params.calendar: "${bad}" needs dated timestamps; these are numbers (only "season" applies)`, { path: 'model.params.calendar' });
    }
    if (calendar.includes('season') && season < 2) throw new ConfigError('model.params.calendar: "season" needs a frequency with a season (e.g. monthly, hourly)', { path: 'model.params.calendar' });
    const nExog = series[0]?.exog.length ?? 0;
    const differences = this.diffsFor(season);
    const exogOffsets = subsetSums(differences);
    this.st = { season, freq, lags, differences, calendar, nExog, exogOffsets, featureNames: this.featureNames(lags, calendar, nExog, exogOffsets), models: [] };
    for (const s of series) {
      if (calendar.length && !s.times) throw new DataError('the xgboost forecaster needs the series timestamps for calendar features');
      const need = this.minLength(season);
      if (s.y.length < need) throw new DataError(`${s.id ? `series "${s.id}"` : 'the series'} has ${s.y.length} values; xgboost with these lags and differences needs at least ${need}`);
    }
    const engine = await this.engine(ctx.log);
    const groups = this.params.per_series ? series.map((s) => [s]) : [series];
    const ids = this.params.per_series ? series.map((s) => s.id) : [''];
    this.disposeModels();
    for (let g = 0; g < groups.length; g++) {
      const parts = groups[g]!.map((s) => this.trainingRows(s, transformSeries(s.y, this.st!.differences, this.params.scale)));
      const rows = parts.reduce((a, p) => a + p.rows, 0);
      const cols = this.st.featureNames.length;
      const x = new Float32Array(rows * cols);
      const y = new Float32Array(rows);
      let r = 0;
      for (const p of parts) { x.set(p.x, r * cols); y.set(p.y, r); r += p.rows; }
      throwIfAborted(ctx.signal);
      const est = new XGBoostEstimator(this.boosterParams(), this.options).withEngine(engine);
      await est.fit(
        { x: { data: x, rows, cols }, y, featureNames: this.st.featureNames, featureTypes: this.st.featureNames.map(() => 'q' as const) },
        { kind: 'regression' },
        { log: ctx.log, seed: ctx.seed, signal: ctx.signal, callbacks: this.params.per_series ? [] : ctx.callbacks },
      );
      this.models.push(est);
      this.st.models.push({ id: ids[g]!, state: { ...est.fittedState(), modelFile: modelFile(this.params.per_series ? g : undefined, engine.name) } });
      if (this.params.per_series) ctx.onProgress?.();
    }
    return this;
  }

  /** the booster's own params (without the forecaster's) */
  private boosterParams(): XGBoostParams {
    const { lags: _l, rolling: _r, calendar: _c, differences: _d, scale: _s, per_series: _p, ...rest } = this.params;
    return xgboostParamsSchema.parse(rest);
  }

  async forecast(histories: SeriesData[], req: ForecastRequest, ctx?: ForecastContext): Promise<SeriesForecast[]> {
    const st = this.st;
    if (!st) throw new NotFittedError('xgboost forecaster', 'forecast()');
    checkSeriesValues(histories, 'the xgboost forecaster', this.tags);
    const H = req.horizon;
    const cols = st.featureNames.length;
    const trs = histories.map((s) => {
      const need = this.minLength(st.season);
      if (s.y.length < need) throw new DataError(`${s.id ? `series "${s.id}"` : 'the series'} has ${s.y.length} values; xgboost with these lags and differences needs at least ${need}`);
      return transformSeries(s.y, st.differences, this.params.scale);
    });
    let modelOf: (i: number) => number = () => 0;
    if (this.params.per_series) {
      const byId = new Map(st.models.map((m, g) => [m.id, g]));
      const idx = histories.map((s) => {
        const g = byId.get(s.id);
        if (g === undefined) throw new DataError(`series "${s.id}" was not in the training data; a per_series model forecasts only the series it was trained on`);
        return g;
      });
      modelOf = (i) => idx[i]!;
    }
    // buffers: z history then the horizon
    const buf = trs.map((tr) => { const b = new Float64Array(tr.z.length + H); b.set(tr.z); return b; });
    const ex = new Float64Array(st.nExog * st.exogOffsets.length);
    const x = new Float32Array(histories.length * cols);
    // exogenous columns over history and horizon
    const exogAll = histories.map((s, i) => s.exog.map((col, j) => {
      const all = new Float64Array(col.length + H).fill(NaN);
      all.set(col);
      const fut = req.futureExog?.[i]?.[j];
      if (fut) all.set(fut.subarray(0, H), col.length);
      return all;
    }));
    for (let h = 0; h < H; h++) {
      histories.forEach((s, i) => {
        const tr = trs[i]!;
        const t = tr.z.length + h;
        this.exogAt(exogAll[i]!, s.y.length + h, ex);
        const last = s.times?.[s.times.length - 1];
        const time = last === undefined || !st.freq ? NaN : addSteps(last, st.freq, h + 1);
        this.row(buf[i]!, t, st.lags, st.calendar, time, ex, x, i * cols);
      });
      if (this.params.per_series) {
        histories.forEach((_, i) => {
          const p = this.models[modelOf(i)]!.predict({ data: x.subarray(i * cols, (i + 1) * cols), rows: 1, cols });
          buf[i]![trs[i]!.z.length + h] = p[0]!;
        });
      } else {
        const p = this.models[0]!.predict({ data: x, rows: histories.length, cols });
        histories.forEach((_, i) => { buf[i]![trs[i]!.z.length + h] = p[i]!; });
      }
    }
    return trs.map((tr, i) => {
      const fut = buf[i]!.slice(tr.z.length).map((v) => v * tr.sd + tr.mu);
      if (this.params.per_series) ctx?.onProgress?.();
      return { mean: integrate(tr, fut, st.differences) };
    });
  }

  async save(w: BlobWriter): Promise<XGBForecastState> {
    if (!this.st) throw new NotFittedError('xgboost forecaster', 'save()');
    for (let g = 0; g < this.models.length; g++) await w.write(this.st.models[g]!.state.modelFile, this.models[g]!.modelBytes());
    return structuredClone(this.st);
  }

  describe(): string[] {
    const st = this.st;
    if (!st) return [];
    const m = st.models[0]?.state;
    const lagText = st.lags.length > 6 ? `${st.lags.slice(0, 3).join(', ')}, ..., ${st.lags[st.lags.length - 1]}` : st.lags.join(', ');
    return [
      `${this.params.per_series ? `${st.models.length} models (one per series)` : 'one global model'}; ${st.featureNames.length} features: lags ${lagText}${this.windows().length ? `, rolling ${this.windows().join('/')}` : ''}${st.calendar.length ? `, calendar ${st.calendar.join('/')}` : ''}${st.nExog ? `, ${st.nExog} exogenous` : ''}`,
      `differences [${st.differences.join(', ')}], scale ${this.params.scale}${m ? `; engine ${m.engineDescription}` : ''}`,
    ];
  }

  dispose(): void { this.disposeModels(); }
  private disposeModels(): void {
    for (const m of this.models) m.dispose();
    this.models = [];
  }

  static async restore(params: XGBForecastParams, state: XGBForecastState, read: BlobReader, log: Logger, options?: XGBoostOptions): Promise<XGBoostForecaster> {
    if (!state || !Array.isArray(state.models) || !Array.isArray(state.lags) || !Array.isArray(state.differences) || !Array.isArray(state.exogOffsets) || !Array.isArray(state.featureNames)) {
      throw new BundleError('the xgboost forecaster state is malformed');
    }
    const f = new XGBoostForecaster(params, options);
    f.st = structuredClone(state);
    for (const m of state.models) {
      f.models.push(await XGBoostEstimator.restore(f.boosterParams(), m.state, read, log, f.options));
    }
    return f;
  }
}

export const create = (p: XGBForecastParams, o: XGBoostOptions) => new XGBoostForecaster(p, o);
export const restore: ComponentImpl<XGBForecastParams, XGBForecastState, XGBoostForecaster, XGBoostOptions>['restore'] = (p, state, reader, ctx) =>
  XGBoostForecaster.restore(p, state, reader, ctx.log, ctx.options);
// per_series: the parts' models in order, their files renumbered
export const merge: ComponentImpl<XGBForecastParams, XGBForecastState>['merge'] = (_p, parts) => {
  const models: XGBForecastState['models'] = [];
  const files: Record<string, Uint8Array> = {};
  for (const part of parts) {
    for (const m of part.state.models) {
      const file = modelFile(models.length, m.state.engine);
      files[file] = part.files[m.state.modelFile]!;
      models.push({ id: m.id, state: { ...m.state, modelFile: file } });
    }
  }
  return { state: { ...parts[0]!.state, models }, files };
};
