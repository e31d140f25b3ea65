/**
 * Conformal prediction intervals for forecasters without intervals of their own: split-conformal
 * quantiles of backtest errors per step ahead, each error divided by its series' scale (naiveScale),
 * and the calibration backtest training runs when the config sets none.
 */
import type { SeriesForecast } from '../core/types.js';

/**
 * The backtest that calibrates conformal intervals when the config sets none: enough folds for about
 * CALIBRATION_ERRORS errors per step ahead (each fold gives one per series; at least the
 * level / (1 - level) that a finite interval needs), at most MAX_CALIBRATION_FOLDS, origins spread
 * over the history that is left beyond what the model needs (`spare` values), at most `horizon` apart.
 * Undefined when not even one fold fits.
 */
export function calibrationPlan(spare: number, horizon: number, nSeries: number, level: number): { folds: number; step: number } | undefined {
  const room = spare - horizon; // origins can move back this far from the last one
  if (room < 0) return undefined;
  const want = Math.max(CALIBRATION_ERRORS, minConformalErrors(level));
  const folds = Math.max(1, Math.min(MAX_CALIBRATION_FOLDS, Math.ceil(want / nSeries), room + 1));
  const step = folds > 1 ? Math.max(1, Math.min(horizon, Math.floor(room / (folds - 1)))) : horizon;
  return { folds, step };
}

export const CALIBRATION_ERRORS = 20;

/** The fewest errors for which the conformal rule gives a finite bound: ceil((n + 1) level) <= n. */
export function minConformalErrors(level: number): number {
  let n = 1;
  while (Math.ceil((n + 1) * level) > n) n++;
  return n;
}

export const MAX_CALIBRATION_FOLDS = 20;

export interface ConformalState {
  residualsByStep: number[][];
  /** 'naive_mae': residuals are divided by their series' naiveScale (absent: raw residuals) */
  scaled?: 'naive_mae';
}

/** Conformal interval half-widths need the backtest's absolute errors by step ahead. */
export function conformalState(b: { residualsByStep: number[][] }): ConformalState {
  return { residualsByStep: b.residualsByStep, scaled: 'naive_mae' };
}

/**
 * The scale conformal residuals are measured in: the mean absolute one-step change of the series (on
 * the model's scale), so that one set of residuals fits series of different sizes (1 when constant).
 */
export function naiveScale(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < y.length; i++) s += Math.abs(y[i]! - y[i - 1]!);
  const v = y.length > 1 ? s / (y.length - 1) : 0;
  return v > 0 && Number.isFinite(v) ? v : 1;
}

/**
 * Split-conformal intervals from backtest residuals: the half-width at step h is the
 * ceil((n + 1) * level)-th smallest absolute error at that step (the last step's for longer horizons),
 * times `scale` (the series' naiveScale when the residuals were divided by theirs).
 */
export function conformal(f: SeriesForecast, residualsByStep: number[][], level: number, scale = 1): SeriesForecast {
  const H = f.mean.length;
  const lower = new Float64Array(H);
  const upper = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const r = residualsByStep[Math.min(h, residualsByStep.length - 1)] ?? [];
    const sorted = [...r].sort((a, b) => a - b);
    const k = Math.ceil((sorted.length + 1) * level) - 1;
    const w = sorted.length && k < sorted.length ? sorted[k]! * scale : Infinity;
    lower[h] = f.mean[h]! - w;
    upper[h] = f.mean[h]! + w;
  }
  return { mean: f.mean, lower, upper };
}
