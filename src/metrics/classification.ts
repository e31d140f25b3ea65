/**
 * Classification metrics. Labels are class indices 0..k-1; probabilities are row-major n x k.
 * Binary metrics treat class 1 (the second class in sorted order) as positive; multiclass
 * precision/recall/f1/auc are macro averages (one-vs-rest for auc), as in scikit-learn.
 */

export function argmaxRows(proba: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = proba[i * k];
    for (let j = 1; j < k; j++) if (proba[i * k + j] > bv) { bv = proba[i * k + j]; best = j; }
    out[i] = best;
  }
  return out;
}

export function accuracy(y: ArrayLike<number>, pred: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === pred[i]) ok++;
  return ok / y.length;
}

function confusionFor(y: ArrayLike<number>, pred: ArrayLike<number>, cls: number) {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < y.length; i++) {
    const a = y[i] === cls, b = pred[i] === cls;
    if (a && b) tp++; else if (!a && b) fp++; else if (a && !b) fn++;
  }
  return { tp, fp, fn };
}

/** precision, recall, f1 for a class; 0 where undefined (scikit-learn's zero_division=0) */
function prf(y: ArrayLike<number>, pred: ArrayLike<number>, cls: number) {
  const { tp, fp, fn } = confusionFor(y, pred, cls);
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

export function precisionRecallF1(y: ArrayLike<number>, pred: ArrayLike<number>, k: number) {
  if (k === 2) return prf(y, pred, 1);
  let p = 0, r = 0, f = 0;
  for (let c = 0; c < k; c++) {
    const m = prf(y, pred, c);
    p += m.precision; r += m.recall; f += m.f1;
  }
  return { precision: p / k, recall: r / k, f1: f / k };
}

/** Binary ROC AUC from scores, ties handled by average ranks (Mann-Whitney U). NaN if one class is absent. */
export function binaryAuc(isPos: ArrayLike<boolean | number>, score: ArrayLike<number>): number {
  const n = score.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPos[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[idx[j + 1]] === score[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (isPos[idx[t]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function auc(y: ArrayLike<number>, proba: Float64Array, k: number): number {
  const n = y.length;
  if (k === 2) {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = proba[i * 2 + 1];
    return binaryAuc(Array.from(y, (v) => v === 1), s);
  }
  let sum = 0, count = 0;
  for (let c = 0; c < k; c++) {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = proba[i * k + c];
    const a = binaryAuc(Array.from(y, (v) => v === c), s);
    if (!Number.isNaN(a)) { sum += a; count++; }
  }
  return count ? sum / count : NaN;
}

export function logloss(y: ArrayLike<number>, proba: Float64Array, k: number): number {
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, proba[i * k + y[i]]));
    s -= Math.log(p);
  }
  return s / y.length;
}
