/**
 * Forecast accuracy, pooled over every forecast point (of every series and fold) given:
 * mae, rmse, mape and smape (fractions like scikit-learn's mape: 0.04 = 4%; smape =
 * mean(2|y - f| / (|y| + |f|))), mase (Hyndman & Koehler 2006: each error scaled by its series'
 * in-sample mean absolute seasonal difference, then averaged) and coverage (the share of actual values
 * inside the prediction interval).
 */
export interface ForecastPoints {
  actual: number[];
  forecast: number[];
  lower: number[];
  upper: number[];
  /** the MASE scale of the point's series */
  scale: number[];
}

export const emptyPoints = (): ForecastPoints => ({ actual: [], forecast: [], lower: [], upper: [], scale: [] });

/** The MASE scale of a training series: mean |y_t - y_{t-m}| (m = 1 when the series has no season). */
export function maseScale(y: ArrayLike<number>, m: number): number {
  const lag = m >= 1 && y.length > m ? m : 1;
  let s = 0;
  let k = 0;
  for (let t = lag; t < y.length; t++) {
    s += Math.abs(y[t]! - y[t - lag]!);
    k++;
  }
  return k ? s / k : NaN;
}

export function forecastMetrics(p: ForecastPoints): Record<'mae' | 'rmse' | 'mape' | 'smape' | 'mase' | 'coverage', number> {
  const n = p.actual.length;
  let ae = 0, se = 0, pe = 0, spe = 0, sc = 0, cov = 0, nCov = 0;
  let peNaN = false;
  for (let i = 0; i < n; i++) {
    const y = p.actual[i]!, f = p.forecast[i]!;
    const e = Math.abs(y - f);
    ae += e;
    se += e * e;
    if (y === 0) peNaN = true; else pe += e / Math.abs(y);
    const d = Math.abs(y) + Math.abs(f);
    spe += d === 0 ? 0 : (2 * e) / d;
    sc += e / p.scale[i]!;
    const lo = p.lower[i]!, hi = p.upper[i]!;
    if (Number.isFinite(lo) && Number.isFinite(hi)) {
      nCov++;
      if (y >= lo && y <= hi) cov++;
    }
  }
  return {
    mae: ae / n,
    rmse: Math.sqrt(se / n),
    mape: peNaN ? NaN : pe / n,
    smape: spe / n,
    mase: sc / n,
    coverage: nCov ? cov / nCov : NaN,
  };
}
