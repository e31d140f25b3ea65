import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, regressionMetrics } from '../src/metrics/index.js';

// Expected values were computed with scikit-learn 1.2.1 on the same arrays (roc_auc_score, log_loss,
// accuracy/precision/recall/f1 with average='binary' or 'macro', multi_class='ovr').
const close = (a: number | undefined, b: number, eps = 1e-12) => assert.ok(a !== undefined && Math.abs(a - b) < eps, `${a} != ${b}`);

test('binary metrics match scikit-learn (class 1 positive, ties in scores)', () => {
  const y = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0];
  const p = [0.1, 0.8, 0.35, 0.4, 0.9, 0.2, 0.6, 0.35, 0.7, 0.05];
  const proba = new Float64Array(p.flatMap((v) => [1 - v, v]));
  const m = classificationMetrics(['auc', 'logloss', 'accuracy', 'precision', 'recall', 'f1'], y, proba, 2);
  close(m.auc, 0.8);
  close(m.logloss, 0.5033569729186895);
  close(m.accuracy, 0.7);
  close(m.precision, 0.75);
  close(m.recall, 0.6);
  close(m.f1, 0.6666666666666665);
});

test('multiclass metrics are macro averages, auc one-vs-rest, as in scikit-learn', () => {
  const y = [0, 1, 2, 2, 1, 0, 2, 1];
  const P = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4], [0.4, 0.4, 0.2], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]];
  const m = classificationMetrics(['auc', 'logloss', 'accuracy', 'precision', 'recall', 'f1'], y, new Float64Array(P.flat()), 3);
  close(m.auc, 1.0);
  close(m.logloss, 0.6025431959566405);
  close(m.accuracy, 0.875);
  close(m.precision, 0.8888888888888888);
  close(m.recall, 0.8888888888888888);
  close(m.f1, 0.8666666666666667);
});

test('regression metrics match scikit-learn (mape as a fraction)', () => {
  const m = regressionMetrics(['rmse', 'mae', 'r2', 'mape'], [3, -0.5, 2, 7], [2.5, 0, 2, 8]);
  close(m.rmse, 0.6123724356957945);
  close(m.mae, 0.5);
  close(m.r2, 0.9486081370449679);
  close(m.mape, 0.3273809523809524);
});

test('auc is NaN when only one class is present', () => {
  const m = classificationMetrics(['auc'], [1, 1], new Float64Array([0.2, 0.8, 0.4, 0.6]), 2);
  assert.ok(Number.isNaN(m.auc));
});
