/**
 * Rolling-origin backtests (expanding window): fit on the history before each origin, forecast the
 * next `horizon` steps, score; the errors by step ahead also calibrate conformal intervals.
 */
import type { Config } from '../config/schema.js';
import type { Callback, SeriesForecast, SeriesMeta } from '../core/types.js';
import { epochNote, type Progress, type RunContext } from '../core/context.js';
import { DataError, throwIfAborted } from '../core/errors.js';
import { yieldToLoop } from '../core/loop.js';
import { emptyPoints, forecastMetrics, maseScale } from '../metrics/forecast.js';
import { createForecaster, fitForecaster, type ModelRef } from './parallel.js';
import { conformal, naiveScale, type ConformalState } from './conformal.js';
import type { PreparedSeries } from './series.js';

export interface BacktestSettings { folds: number; horizon: number; step: number }

export interface FoldResult {
  fold: number;
  /** number of training points before the origin (of the longest series) */
  origin: number;
  metrics: Record<string, number>;
}

export interface BacktestResult {
  settings: BacktestSettings;
  folds: FoldResult[];
  overall: Record<string, number>;
  /**
   * absolute errors of the point forecasts by step ahead, on the model's scale (e.g. log), each divided
   * by its series' naive scale (naiveScale of the fold's training values), for conformal intervals
   */
  residualsByStep: number[][];
}

/**
 * Progress over the fits of a forecaster (`folds` backtest folds, then the final fit if `final`), as one bar: over series fitted for a local forecaster
 * (`onSeries`, ticked by the forecaster, also from worker threads), else over boosting rounds (or epochs)
 * through `callbacks` (the total is known at the first fit's onTrainBegin; forecasters without rounds
 * draw no bar).
 */
export interface FitProgress { onSeries?: () => void; callbacks: Callback[]; stop(): void }

export function fitProgress(ctx: RunContext, local: boolean, nSeries: number, folds: number, final: boolean): FitProgress {
  const fits = folds + (final ? 1 : 0);
  const make = ctx.progress;
  const lines = ctx.epochLines;
  if (local && make) {
    const bar = make('fitting series', nSeries * fits);
    return { onSeries: () => bar.tick(), callbacks: [], stop: () => bar.stop() };
  }
  if (local || (!make && !lines)) return { callbacks: [], stop() {} };
  let bar: Progress | undefined;
  // off a TTY, neural training writes a JSON line per epoch, naming the fit when there are several
  let fit = 0;
  let epochs = false;
  return {
    callbacks: [{
      onTrainBegin(logs) {
        fit++;
        epochs = logs.unit === 'epoch';
        const rounds = Number(logs.steps ?? 0);
        if (make && !bar && Number.isInteger(rounds) && rounds > 0) bar = make(`${epochs ? 'epochs' : 'boosting'}${fits > 1 ? ` (${fits} fits)` : ''}`, rounds * fits);
      },
      onEpochEnd(epoch, logs) {
        bar?.tick(1, epochs ? epochNote(logs) : undefined);
        if (lines && epochs) lines(epoch, logs, folds > 0 ? (fit <= folds ? `backtest fold ${fit} of ${folds}` : 'final') : undefined);
      },
    }],
    stop: () => bar?.stop(),
  };
}

export async function runBacktest(
  ctx: Pick<RunContext, 'registry' | 'log' | 'signal'>, model: ModelRef, series: PreparedSeries[], bt: BacktestSettings, config: Config, meta: SeriesMeta, file: string,
  conf?: ConformalState, progress?: Pick<FitProgress, 'onSeries' | 'callbacks'>,
): Promise<BacktestResult> {
  const onSeries = progress?.onSeries;
  const { log, signal } = ctx;
  const { folds, horizon, step } = bt;
  const { season } = meta;
  const level = config.forecast?.level ?? 0.9;
  const transform = config.forecast?.transform ?? 'none';
  const all = emptyPoints();
  const residualsByStep: number[][] = Array.from({ length: horizon }, () => []);
  const results: FoldResult[] = [];
  const probe = await createForecaster(ctx.registry, model);
  const need = probe.minLength(season, meta.horizon);
  probe.dispose();
  for (const s of series) {
    const shortest = s.y.length - horizon - (folds - 1) * step;
    if (shortest < need) {
      throw new DataError(`${s.id ? `series "${s.id}" ` : 'the series '}has ${s.y.length} values: a backtest of ${folds} fold(s), horizon ${horizon}, step ${step} leaves ${Math.max(0, shortest)} for the first fold's training, and the model needs ${need}; use fewer folds or a smaller horizon/step`, { file });
    }
  }
  for (let k = 0; k < folds; k++) {
    throwIfAborted(signal);
    const back = horizon + (folds - 1 - k) * step;
    const train: PreparedSeries[] = series.map((s) => cut(s, s.y.length - back));
    const { forecaster: f, forecasts } = await fitForecaster(ctx.registry, model, train, meta, { log, signal, seed: config.seed, onProgress: onSeries, callbacks: progress?.callbacks }, {
      horizon, level,
      futureExog: series.map((s) => s.exog.map((x) => x.slice(s.y.length - back, s.y.length - back + horizon))),
    });
    const fc = forecasts!;
    try {
      const pts = emptyPoints();
      series.forEach((s, i) => {
        const origin = s.y.length - back;
        // a bundle's conformal intervals (mlkit evaluate --backtest) where the model has none
        const withIntervals = !fc[i]!.lower && conf ? conformal(fc[i]!, conf.residualsByStep, level, conf.scaled === 'naive_mae' ? naiveScale(s.y.subarray(0, origin)) : 1) : fc[i]!;
        const out = invert(withIntervals, transform);
        const scale = maseScale(original(s.y.subarray(0, origin), transform), season);
        const unit = naiveScale(s.y.subarray(0, origin));
        for (let h = 0; h < horizon; h++) {
          const actual = original1(s.y[origin + h]!, transform);
          for (const p of [pts, all]) {
            p.actual.push(actual);
            p.forecast.push(out.mean[h]!);
            p.lower.push(out.lower?.[h] ?? NaN);
            p.upper.push(out.upper?.[h] ?? NaN);
            p.scale.push(scale);
          }
          // conformal residuals on the model's own scale (transformed target)
          residualsByStep[h]!.push(Math.abs(s.y[origin + h]! - fc[i]!.mean[h]!) / unit);
        }
      });
      results.push({ fold: k + 1, origin: Math.max(...series.map((s) => s.y.length - back)), metrics: forecastMetrics(pts) });
    } finally {
      f.dispose();
    }
    await yieldToLoop();
  }
  return { settings: bt, folds: results, overall: forecastMetrics(all), residualsByStep };
}

export function cut(s: PreparedSeries, n: number): PreparedSeries {
  return { id: s.id, y: s.y.subarray(0, n), exog: s.exog.map((x) => x.subarray(0, n)), times: s.times.subarray(0, n), phase: s.phase };
}

export const original1 = (v: number, t: string) => (t === 'log' ? Math.exp(v) : v);

export const original = (y: Float64Array, t: string) => (t === 'log' ? y.map(Math.exp) : y);

export function invert(f: SeriesForecast, t: string): SeriesForecast {
  if (t !== 'log') return f;
  return { mean: f.mean.map(Math.exp), lower: f.lower?.map(Math.exp), upper: f.upper?.map(Math.exp) };
}
