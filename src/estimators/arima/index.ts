/**
 * The `arima` forecaster: ARIMA / SARIMA / SARIMAX with fixed orders, or AutoARIMA (`auto: true`), on
 * the `arima` package (ctsa in WASM, see wasm.ts). What the package gets wrong is handled here:
 * - series longer than its 64 KiB stack allows are fitted on their most recent points (`max_length`,
 *   a warning on stderr);
 * - fits that diverge (optimiser failure, non-finite or exploding forecasts, bad variances) fall back to
 *   exact MLE, other optimisers, then simpler orders, with a warning; a diverged forecast is never output;
 * - models without AR/MA terms (which the package cannot forecast) are computed by mlkit
 *   (differencing.ts).
 * The package exposes no way to set coefficients, so the state is what reproduces the fit exactly: for
 * each series, the call that produced it (the options, including `auto`) and a hash of the data it saw.
 * The bundle stores the series; forecasting from that same history refits the same call
 * (deterministic, bit-identical); forecasting from a newer history (--input) refits the chosen orders.
 */
import { createHash } from 'node:crypto';
import { BundleError, DataError, NotFittedError, throwIfAborted } from '../../core/errors.js';
import { intervalZ } from '../../core/stats.js';
import { checkSeriesValues } from '../../core/checks.js';
import type { ComponentImpl, FitContext, ForecastContext, Forecaster, ForecastRequest, Logger, SeriesData, SeriesForecast, SeriesMeta, Tags } from '../../core/types.js';
import { MAX_STACK_VALUES, fitPredict, type CtsaFit, type CtsaOptions } from './wasm.js';
import { differencingForecast } from './differencing.js';
import { yieldToLoop } from '../../core/loop.js';

import { METHODS, OPTIMIZERS, type ArimaParams } from './spec.js';
export { arimaParamsSchema, type ArimaParams } from './spec.js';

type Order = [p: number, d: number, q: number, P: number, D: number, Q: number, s: number];

/** How one series was fitted: the call to repeat (null: differencing only) and what it chose. */
interface SeriesFit {
  id: string;
  used: number;
  hash: string;
  options: CtsaOptions | null;
  order: Order;
  retval?: number;
  /** R's sign for ma and sma (ctsa's negated); mean: the intercept (0 when differenced) */
  coefficients?: { ar: number[]; ma: number[]; sar: number[]; sma: number[]; exog: number[]; mean?: number };
  sigma2: number;
  note?: string;
}

export const describeOrder = (o: Order, drift = false) => `ARIMA(${o[0]},${o[1]},${o[2]})${o[3] + o[4] + o[5] > 0 ? `(${o[3]},${o[4]},${o[5]})[${o[6]}]` : ''}${drift ? ' with drift' : ''}`;

function hashOf(y: Float64Array, exog: Float64Array[]): string {
  const h = createHash('sha256');
  for (const a of [y, ...exog]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

interface Outcome { mean: Float64Array; variance: Float64Array; options: CtsaOptions | null; order: Order; retval?: number; fit?: CtsaFit; sigma2: number }

/** Why a fit's forecasts cannot be used, or undefined. */
function insanity(f: CtsaFit, y: Float64Array): string | undefined {
  if (f.model.retval !== 1 && f.model.retval !== 4) return `the optimiser failed (return code ${f.model.retval})`;
  let lo = Infinity, hi = -Infinity;
  for (const v of y) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const range = Math.max(hi - lo, Math.abs(hi), 1e-12);
  const last = y[y.length - 1]!;
  for (let h = 0; h < f.mean.length; h++) {
    const m = f.mean[h]!, v = f.variance[h]!;
    if (!Number.isFinite(m) || !Number.isFinite(v)) return 'the forecasts are not finite';
    if (!(v > 0)) return 'the forecast variances are not positive';
    if (h > 0 && v < f.variance[h - 1]! * (1 - 1e-9)) return 'the forecast variances decrease';
    if (Math.abs(m - last) > 10 * range * (1 + h / y.length)) return 'the forecasts explode';
  }
  return undefined;
}

interface ArimaState { season: number; series: SeriesFit[] }

class ArimaForecaster implements Forecaster<ArimaParams, ArimaState> {
  readonly kind = 'forecaster' as const;
  readonly name = 'arima';
  readonly tags: Tags = { allowsNaN: false, exog: true, probabilistic: true, local: true };
  private fits: SeriesFit[] = [];
  private fitted = false;
  private season = 0;
  /** series already warned about the length cap */
  private readonly capped = new Set<string>();
  /**
   * this process's probe forecasts from fit() (series without exogenous columns), by id: a forecast
   * from the same data and at most as many steps is their prefix (the package's forecasts are
   * prefix-consistent, bit for bit), so backtests and train-then-forecast do not fit twice
   */
  private readonly probes = new Map<string, { hash: string; mean: Float64Array; variance: Float64Array }>();

  readonly params: Readonly<ArimaParams>;
  constructor(params: ArimaParams) { this.params = Object.freeze({ ...params }); }

  isFitted(): boolean { return this.fitted; }

  /** The options of the first call, with the season length resolved. */
  private baseOptions(season: number): CtsaOptions {
    const p = this.params;
    const method = METHODS.indexOf(p.method);
    const optimizer = OPTIMIZERS.indexOf(p.optimizer);
    if (p.auto) {
      const s = p.s ?? (season >= 2 ? season : 0);
      return { p: p.p ?? 5, d: p.d ?? 2, q: p.q ?? 5, P: s ? (p.P ?? 2) : 0, D: s ? (p.D ?? 1) : 0, Q: s ? (p.Q ?? 2) : 0, s, method, optimizer, auto: true, approximation: p.approximation ? 1 : 0, search: p.stepwise ? 1 : 0 };
    }
    const P = p.P ?? 0, D = p.D ?? 0, Q = p.Q ?? 0;
    const seasonal = P + D + Q > 0;
    const s = seasonal ? (p.s ?? season) : 0;
    if (seasonal && s < 2) throw new DataError('seasonal orders (P, D, Q) need a season length: the frequency has none by default, set model.params.s');
    return { p: p.p ?? 1, d: p.d ?? 0, q: p.q ?? 1, P, D, Q, s, method, optimizer, auto: false, approximation: 0, search: 1 };
  }

  /** The package's own minimum (load.js): auto max(2s + d, 20), fixed d + sD + max(p + q, 2s, 10). */
  private minFor(o: CtsaOptions): number {
    const s = o.P + o.D + o.Q > 0 ? o.s : 0;
    return o.auto ? Math.max(2 * o.s + o.d, 20) : o.d + s * o.D + Math.max(o.p + o.q, 2 * s, 10);
  }

  minLength(season: number): number {
    try {
      return this.minFor(this.baseOptions(this.params.s ?? season));
    } catch {
      return 20;
    }
  }

  private tail(s: SeriesData, log: Logger): { y: Float64Array; exog: Float64Array[] } {
    const cap = Math.floor(this.params.max_length / (1 + s.exog.length));
    if (s.y.length <= cap) return { y: s.y, exog: s.exog };
    if (!this.capped.has(s.id)) log.warn(`${s.id ? `series "${s.id}": ` : ''}${s.y.length} points; the arima package fits at most ${this.params.max_length} values (model.params.max_length, points x (1 + exogenous columns)): fitting the most recent ${cap}`);
    this.capped.add(s.id);
    return { y: s.y.subarray(s.y.length - cap), exog: s.exog.map((x) => x.subarray(x.length - cap)) };
  }

  /** Fit + forecast with the fallbacks. */
  private run(y: Float64Array, exog: Float64Array[], first: CtsaOptions, horizon: number, futureExog: Float64Array[], label: string, log: Logger): Outcome {
    const need = this.minFor(first);
    if (y.length < need) throw new DataError(`${label || 'the series '}has ${y.length} values; ${first.auto ? 'AutoARIMA' : describeOrder(orderOf(first))} needs at least ${need}`);
    const tried: string[] = [];
    const attempt = (o: CtsaOptions): Outcome | string => {
      if (!o.auto && o.p + o.q + o.P + o.Q === 0) return differencing(o);
      let f: CtsaFit;
      try {
        f = fitPredict(y, exog, o, horizon, futureExog);
      } catch (e) {
        return `the arima package failed (${String((e as Error)?.message ?? e).split('\n')[0]})`;
      }
      const chosen: Order = [f.model.p, f.model.d, f.model.q, f.model.P, f.model.D, f.model.Q, f.model.s];
      if (o.auto && f.model.p + f.model.q + f.model.P + f.model.Q === 0) return differencing({ ...o, auto: false, p: 0, q: 0, P: 0, Q: 0, d: chosen[1], D: chosen[4], s: chosen[6] });
      // AutoARIMA chose a drift (one more regressor than the exogenous columns): its predict ignores it
      if (o.auto && f.model.exog.length > exog.length) {
        const withDrift: CtsaOptions = { ...o, auto: false, drift: true, p: chosen[0], d: chosen[1], q: chosen[2], P: chosen[3], D: chosen[4], Q: chosen[5], s: chosen[6] };
        if (y.length * (2 + exog.length) <= MAX_STACK_VALUES) return attempt(withDrift);
      }
      const bad = insanity(f, y);
      if (bad) return bad;
      return { mean: f.mean, variance: f.variance, options: o, order: chosen, retval: f.model.retval, fit: f, sigma2: f.model.sigma2 };
    };
    const differencing = (o: CtsaOptions): Outcome => {
      const r = differencingForecast(y, o.d, o.D, o.s, horizon);
      return { ...r, options: null, order: [0, o.d, 0, 0, o.D, 0, o.D ? o.s : 0] };
    };
    let out = attempt(first);
    if (typeof out !== 'string') return out;
    tried.push(`${first.auto ? 'AutoARIMA' : describeOrder(orderOf(first))}: ${out}`);
    if (!this.params.fallback) throw new DataError(`${label}${tried[0]} (model.params.fallback is false)`);
    // AutoARIMA: continue from the order it chose, as a fixed order
    let base: CtsaOptions = first;
    if (first.auto) {
      try {
        const f = fitPredict(y, exog, first, horizon, futureExog);
        base = { ...first, auto: false, p: f.model.p, d: f.model.d, q: f.model.q, P: f.model.P, D: f.model.D, Q: f.model.Q, s: f.model.s, drift: f.model.exog.length > exog.length && y.length * (2 + exog.length) <= MAX_STACK_VALUES };
      } catch {
        base = { ...first, auto: false, p: 1, d: 1, q: 1, P: 0, D: first.s ? 1 : 0, Q: 0 };
      }
    }
    const chain: CtsaOptions[] = [];
    if (first.auto) chain.push(base);
    if (base.method !== 1) chain.push({ ...base, method: 1 });
    chain.push({ ...base, method: 1, optimizer: 5 }, { ...base, method: 1, optimizer: 0 });
    // simpler orders: seasonal AR/MA first, then the larger of p and q, down to differencing only
    let o = { ...base };
    while (o.p + o.q + o.P + o.Q > 0) {
      if (o.Q > 0) o = { ...o, Q: o.Q - 1 };
      else if (o.P > 0) o = { ...o, P: o.P - 1 };
      else if (o.p >= o.q) o = { ...o, p: o.p - 1 };
      else o = { ...o, q: o.q - 1 };
      chain.push(o);
    }
    for (const c of chain) {
      if (this.minFor(c) > y.length && c.p + c.q + c.P + c.Q > 0) continue;
      out = attempt(c);
      if (typeof out !== 'string') {
        const used = out.options ? describeOrder(orderOf(out.options)) + (out.options.method !== first.method || out.options.optimizer !== first.optimizer ? ` (${METHODS[out.options.method]}, ${OPTIMIZERS[out.options.optimizer]})` : '') : `${describeOrder(out.order)} (differencing only)`;
        log.warn(`${label}${tried[0]}; used ${used} instead`);
        (out as Outcome & { note?: string }).note = `${tried[0]}; used ${used}`;
        return out;
      }
      tried.push(out);
    }
    throw new DataError(`${label}no ARIMA fit converged (${tried.join('; ')})`);
  }

  async fit(series: SeriesData[], ctx: FitContext, meta: SeriesMeta): Promise<this> {
    checkSeriesValues(series, 'arima', this.tags);
    this.season = meta.season;
    const first = this.baseOptions(meta.season);
    this.fits = [];
    this.fitted = false;
    for (const s of series) {
      throwIfAborted(ctx.signal);
      const { y, exog } = this.tail(s, ctx.log);
      // a probe forecast to check the fit (the exogenous columns held at their last values)
      const h = Math.max(24, 2 * first.s);
      const fut = exog.map((x) => new Float64Array(h).fill(x[x.length - 1]!));
      const label = s.id ? `series "${s.id}": ` : '';
      const out = this.run(y, exog, first, h, fut, label, ctx.log);
      const m = out.fit?.model;
      const hash = hashOf(y, exog);
      if (!exog.length) this.probes.set(s.id, { hash, mean: out.mean, variance: out.variance });
      this.fits.push({
        id: s.id,
        used: y.length,
        hash,
        options: out.options,
        order: out.order,
        retval: out.retval,
        sigma2: out.sigma2,
        ...(m ? { coefficients: { ar: m.phi, ma: m.theta.map((v) => -v), sar: m.PHI, sma: m.THETA.map((v) => -v), exog: m.exog, mean: m.mean } } : {}),
        ...((out as { note?: string }).note ? { note: (out as { note?: string }).note } : {}),
      });
      ctx.onProgress?.();
      await yieldToLoop();
    }
    this.fitted = true;
    return this;
  }

  async forecast(histories: SeriesData[], req: ForecastRequest, ctx: ForecastContext): Promise<SeriesForecast[]> {
    if (!this.fitted) throw new NotFittedError('arima', 'forecast()');
    checkSeriesValues(histories, 'arima', this.tags);
    const { log } = ctx;
    const z = intervalZ(req.level);
    const byId = new Map(this.fits.map((f) => [f.id, f]));
    const out: SeriesForecast[] = [];
    for (let i = 0; i < histories.length; i++) {
      throwIfAborted(ctx.signal);
      try {
        out.push(this.forecastOne(histories[i]!, i, byId, req, z, log));
      } finally {
        ctx.onProgress?.();
      }
      await yieldToLoop();
    }
    return out;
  }

  private forecastOne(s: SeriesData, i: number, byId: Map<string, SeriesFit>, req: ForecastRequest, z: number, log: Logger): SeriesForecast {
    const fitted = byId.get(s.id);
    if (!fitted) throw new DataError(`series "${s.id}" was not in the training data (the arima forecaster fits one model per series)`);
    const { y, exog } = this.tail(s, log);
    const fut = req.futureExog?.[i] ?? [];
    const label = s.id ? `series "${s.id}": ` : '';
    const hash = hashOf(y, exog);
    const probe = this.probes.get(s.id);
    if (probe && probe.hash === hash && hash === fitted.hash && !exog.length && req.horizon <= probe.mean.length) {
      return this.interval(probe.mean.slice(0, req.horizon), probe.variance.slice(0, req.horizon), z);
    }
    let o: CtsaOptions;
    if (hash === fitted.hash && fitted.options) {
      o = fitted.options; // the same data: the same call, the same model
    } else {
      const [p, d, q, P, D, Q, sl] = fitted.order;
      const base = this.baseOptions(this.season);
      o = { ...(fitted.options ?? base), auto: false, p, d, q, P, D, Q, s: sl };
    }
    const out = this.run(y, exog, o, req.horizon, fut, label, log);
    return this.interval(out.mean, out.variance, z);
  }

  private interval(mean: Float64Array, variance: Float64Array, z: number): SeriesForecast {
    const sd = variance.map(Math.sqrt);
    return { mean, lower: mean.map((m, h) => m - z * sd[h]!), upper: mean.map((m, h) => m + z * sd[h]!) };
  }

  async save(): Promise<ArimaState> {
    if (!this.fitted) throw new NotFittedError('arima', 'save()');
    return structuredClone({ season: this.season, series: this.fits });
  }
  describe(): string[] {
    if (this.fits.length === 1) {
      const f = this.fits[0]!;
      return [`${this.params.auto ? 'AutoARIMA chose ' : ''}${describeOrder(f.order, f.options?.drift)}${f.options === null ? ' (differencing only)' : ''}, sigma^2 ${Number(f.sigma2.toPrecision(6))}`];
    }
    const counts = new Map<string, number>();
    for (const f of this.fits) counts.set(describeOrder(f.order), (counts.get(describeOrder(f.order)) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([o, c]) => `${o} x${c}`).join(', ');
    const fallbacks = this.fits.filter((f) => f.note).length;
    return [`orders: ${top}${counts.size > 5 ? ', ...' : ''}`, ...(fallbacks ? [`${fallbacks} series fell back to a simpler fit (see the warnings)`] : [])];
  }
  dispose() {}

  static restore(params: ArimaParams, state: { season?: number; series?: SeriesFit[] }): ArimaForecaster {
    const f = new ArimaForecaster(params);
    if (!state || !Array.isArray(state.series)) throw new BundleError('the arima state is malformed (no series)');
    f.season = Number(state.season ?? 0);
    f.fits = structuredClone(state.series);
    f.fitted = true;
    return f;
  }
}

function orderOf(o: CtsaOptions): Order {
  return [o.p, o.d, o.q, o.P, o.D, o.Q, o.s];
}

export const create = (p: ArimaParams) => new ArimaForecaster(p);
export const restore: ComponentImpl<ArimaParams, ArimaState, ArimaForecaster>['restore'] = async (p, state) => ArimaForecaster.restore(p, state);
/** one model per series: the parts' series in order */
export const merge: ComponentImpl<ArimaParams, ArimaState>['merge'] = (_p, parts) => ({ state: { season: parts[0]?.state.season ?? 0, series: parts.flatMap((x) => x.state.series ?? []) }, files: {} });
