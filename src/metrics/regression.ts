/** Regression metrics (scikit-learn definitions; mape is a fraction, not a percentage). */
export function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}
export function mae(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - p[i]);
  return s / y.length;
}
export function r2(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < y.length; i++) { ssRes += (y[i] - p[i]) ** 2; ssTot += (y[i] - mean) ** 2; }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
export function mape(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const eps = 2.220446049250313e-16;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - p[i]) / Math.max(Math.abs(y[i]), eps);
  return s / y.length;
}
