/**
 * XGBoost's evaluation metrics in plain TypeScript, for engines that cannot evaluate a validation
 * set themselves (the wasm engine: ml-xgboost exports no eval call). Definitions follow XGBoost's
 * src/metric/*.cc for unweighted data, so early stopping picks the same round as the native engine.
 *
 * Every metric takes the labels and the *transformed* predictions (probabilities for binary:logistic,
 * row-major rows x numClass probabilities for multi:softprob, values for regression).
 */

export interface EvalMetric {
  /** the name as given (e.g. "error@0.7") */
  readonly name: string;
  /** true when a larger value is better (auc) */
  readonly maximize: boolean;
  /** true for metrics over rows x numClass probability matrices (mlogloss, merror) */
  readonly multiclass: boolean;
  compute(label: ArrayLike<number>, pred: ArrayLike<number>, numClass: number): number;
}

/** XGBoost clips probabilities to [eps, 1 - eps] in its log losses. */
const EPS = 1e-16;

function mean(n: number, f: (i: number) => number): number {
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
}

export function rmse(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  return Math.sqrt(mean(label.length, (i) => (label[i]! - pred[i]!) ** 2));
}

export function rmsle(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  return Math.sqrt(mean(label.length, (i) => (Math.log1p(pred[i]!) - Math.log1p(label[i]!)) ** 2));
}

export function mae(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  return mean(label.length, (i) => Math.abs(label[i]! - pred[i]!));
}

export function mape(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  return mean(label.length, (i) => Math.abs((label[i]! - pred[i]!) / label[i]!));
}

/** Binary log loss: -mean(y log p + (1 - y) log(1 - p)), p clipped to [1e-16, 1 - 1e-16]. */
export function logloss(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  return mean(label.length, (i) => {
    const y = label[i]!;
    const p = Math.min(Math.max(pred[i]!, EPS), 1 - EPS);
    return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  });
}

/** Binary error rate at a threshold: a row counts as wrong by `p > t ? 1 - y : y` (XGBoost's form). */
export function errorRate(label: ArrayLike<number>, pred: ArrayLike<number>, threshold = 0.5): number {
  return mean(label.length, (i) => (pred[i]! > threshold ? 1 - label[i]! : label[i]!));
}

/**
 * Area under the ROC curve; tied predictions count one half (trapezoids over tie groups, as XGBoost).
 * NaN when the labels hold only one class.
 */
export function auc(label: ArrayLike<number>, pred: ArrayLike<number>): number {
  const n = label.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const p = Float64Array.from({ length: n }, (_, i) => pred[i]!);
  order.sort((a, b) => p[b]! - p[a]!);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < n) {
    const v = p[order[i]!]!;
    let gPos = 0;
    let gNeg = 0;
    while (i < n && p[order[i]!] === v) {
      const y = label[order[i]!]!;
      gPos += y;
      gNeg += 1 - y;
      i++;
    }
    area += gNeg * (tp + gPos / 2);
    tp += gPos;
    fp += gNeg;
  }
  if (tp === 0 || fp === 0) return NaN;
  return area / (tp * fp);
}

/** Multiclass log loss over rows x k probabilities; labels are class indices. */
export function mlogloss(label: ArrayLike<number>, pred: ArrayLike<number>, k: number): number {
  return mean(label.length, (i) => -Math.log(Math.max(pred[i * k + label[i]!]!, EPS)));
}

/** Multiclass error: the arg-max class (first on ties) differs from the label. */
export function merror(label: ArrayLike<number>, pred: ArrayLike<number>, k: number): number {
  return mean(label.length, (i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (pred[i * k + c]! > pred[i * k + best]!) best = c;
    return best === label[i] ? 0 : 1;
  });
}

export const SUPPORTED_EVAL_METRICS = ['rmse', 'rmsle', 'mae', 'mape', 'logloss', 'error', 'error@<t>', 'auc', 'mlogloss', 'merror'] as const;

/** The metric for an XGBoost eval_metric name, or undefined when this module has no such metric. */
export function resolveEvalMetric(name: string): EvalMetric | undefined {
  const simple = (maximize: boolean, compute: EvalMetric['compute'], multiclass = false): EvalMetric => ({ name, maximize, multiclass, compute });
  switch (name) {
    case 'rmse': return simple(false, rmse);
    case 'rmsle': return simple(false, rmsle);
    case 'mae': return simple(false, mae);
    case 'mape': return simple(false, mape);
    case 'logloss': return simple(false, logloss);
    case 'error': return simple(false, (y, p) => errorRate(y, p));
    case 'auc': return simple(true, auc);
    case 'mlogloss': return simple(false, mlogloss, true);
    case 'merror': return simple(false, merror, true);
  }
  const m = /^error@(.+)$/.exec(name);
  if (m && m[1]!.trim() !== '' && Number.isFinite(Number(m[1]))) {
    const t = Number(m[1]);
    return simple(false, (y, p) => errorRate(y, p, t));
  }
  return undefined;
}
