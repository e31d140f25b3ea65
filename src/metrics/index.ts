import type { MetricName, Task } from '../config/schema.js';
import { accuracy, argmaxRows, auc, logloss, precisionRecallF1 } from './classification.js';
import { mae, mape, r2, rmse } from './regression.js';
import { UsageError } from '../core/errors.js';

export type Metrics = Partial<Record<MetricName, number>>;

const CLASSIFICATION = new Set<MetricName>(['accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss']);
const REGRESSION = new Set<MetricName>(['rmse', 'mae', 'r2', 'mape']);

export function metricsForTask(task: Task): Set<MetricName> {
  return task === 'classification' ? CLASSIFICATION : REGRESSION;
}

export function classificationMetrics(names: MetricName[], y: ArrayLike<number>, proba: Float64Array, k: number): Metrics {
  const pred = argmaxRows(proba, y.length, k);
  const out: Metrics = {};
  let prf: ReturnType<typeof precisionRecallF1> | undefined;
  for (const m of names) {
    if (!CLASSIFICATION.has(m)) throw new UsageError(`metric "${m}" is not a classification metric`);
    if (m === 'accuracy') out.accuracy = accuracy(y, pred);
    else if (m === 'auc') out.auc = auc(y, proba, k);
    else if (m === 'logloss') out.logloss = logloss(y, proba, k);
    else { prf ??= precisionRecallF1(y, pred, k); out[m] = prf[m as "precision" | "recall" | "f1"]; }
  }
  return out;
}

export function regressionMetrics(names: MetricName[], y: ArrayLike<number>, p: ArrayLike<number>): Metrics {
  const out: Metrics = {};
  const fns = { rmse, mae, r2, mape } as const;
  for (const m of names) {
    if (!REGRESSION.has(m)) throw new UsageError(`metric "${m}" is not a regression metric`);
    out[m] = fns[m as keyof typeof fns](y, p);
  }
  return out;
}
