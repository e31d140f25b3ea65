/**
 * Baseline forecasters: naive (the last value), seasonal_naive (the value one season back) and drift
 * (the line through the first and last values). Their intervals are the analytic ones of Hyndman &
 * Athanasopoulos, "Forecasting: Principles and Practice" (3rd ed., 5.5), from the standard deviation
 * of the one-step residuals. seasonal_naive also scales MASE (see metrics/forecast.ts).
 */
import { BundleError, DataError, NotFittedError } from '../../core/errors.js';
import { intervalZ } from '../../core/stats.js';
import { checkSeriesValues } from '../../core/checks.js';
import type { ComponentImpl, FitContext, Forecaster, ForecastRequest, SeriesData, SeriesForecast, SeriesMeta, Tags } from '../../core/types.js';
import { BASELINE_TAGS, type BaselineKind as Kind } from './spec.js';

interface BaselineState { season: number }

class Baseline implements Forecaster<{ s?: number }, BaselineState> {
  readonly kind = 'forecaster' as const;
  readonly tags: Tags = BASELINE_TAGS;
  private season = 0;
  private fitted = false;
  readonly params: Readonly<{ s?: number }>;
  constructor(readonly name: Kind, params: { s?: number }) { this.params = Object.freeze({ ...params }); }

  private period(): number {
    return this.name === 'seasonal_naive' ? (this.params.s ?? this.season) : 1;
  }
  minLength(season: number): number {
    return this.name === 'seasonal_naive' ? Math.max(2, (this.params.s ?? season) + 1) : 2;
  }
  isFitted() { return this.fitted; }

  async fit(series: SeriesData[], _ctx: FitContext, meta: SeriesMeta): Promise<this> {
    checkSeriesValues(series, this.name, this.tags);
    this.season = this.name === 'seasonal_naive' ? (this.params.s ?? meta.season) : 1;
    if (this.name === 'seasonal_naive' && this.season < 2 && this.params.s === undefined) {
      throw new DataError('seasonal_naive needs a season length: the frequency has none by default, set model.params.s');
    }
    for (const s of series) this.check(s);
    this.fitted = true;
    return this;
  }

  private check(s: SeriesData): void {
    const need = this.name === 'seasonal_naive' ? this.period() + 1 : 2;
    if (s.y.length < need) throw new DataError(`${s.id ? `series "${s.id}"` : 'the series'} has ${s.y.length} values; ${this.name}${this.name === 'seasonal_naive' ? ` (s = ${this.period()})` : ''} needs at least ${need}`);
  }

  async forecast(histories: SeriesData[], req: ForecastRequest): Promise<SeriesForecast[]> {
    if (!this.fitted) throw new NotFittedError(this.name, 'forecast()');
    checkSeriesValues(histories, this.name, this.tags);
    const z = intervalZ(req.level);
    return histories.map((s) => {
      this.check(s);
      const { y } = s;
      const T = y.length;
      const H = req.horizon;
      const m = this.period();
      const mean = new Float64Array(H);
      const sd = new Float64Array(H);
      // one-step residuals: y_t - y_{t-m} (drift: minus the mean step)
      const c = this.name === 'drift' ? (y[T - 1]! - y[0]!) / (T - 1) : 0;
      let ss = 0;
      let nres = 0;
      for (let t = m; t < T; t++) {
        const e = y[t]! - y[t - m]! - c;
        ss += e * e;
        nres++;
      }
      const k = this.name === 'drift' ? 1 : 0;
      const sigma = nres - k > 0 ? Math.sqrt(ss / (nres - k)) : NaN;
      for (let h = 1; h <= H; h++) {
        if (this.name === 'naive') {
          mean[h - 1] = y[T - 1]!;
          sd[h - 1] = sigma * Math.sqrt(h);
        } else if (this.name === 'seasonal_naive') {
          mean[h - 1] = y[T - m + ((h - 1) % m)]!;
          sd[h - 1] = sigma * Math.sqrt(Math.floor((h - 1) / m) + 1);
        } else {
          mean[h - 1] = y[T - 1]! + h * c;
          sd[h - 1] = sigma * Math.sqrt(h * (1 + h / (T - 1)));
        }
      }
      const lower = mean.map((v, i) => v - z * sd[i]!);
      const upper = mean.map((v, i) => v + z * sd[i]!);
      return { mean, lower, upper };
    });
  }

  async save(): Promise<BaselineState> {
    if (!this.fitted) throw new NotFittedError(this.name, 'save()');
    return { season: this.season };
  }
  describe() { return this.name === 'seasonal_naive' ? [`season length ${this.period()}`] : []; }
  dispose() {}

  static restore(name: Kind, params: { s?: number }, state: { season?: number }): Baseline {
    if (!state || typeof state !== 'object') throw new BundleError(`the ${name} state is malformed`);
    const b = new Baseline(name, params);
    b.season = Number(state.season ?? params.s ?? 1);
    b.fitted = true;
    return b;
  }
}

/** The implementation of baseline `name` (the three specs share this module). */
export function impl(name: Kind): ComponentImpl<{ s?: number }, BaselineState, Baseline> {
  return {
    create: (p) => new Baseline(name, p),
    restore: async (p, state) => Baseline.restore(name, p, state),
  };
}
