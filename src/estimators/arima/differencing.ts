/**
 * ARIMA(0,d,0)(0,D,0)s: a model of differencing only. The `arima` package returns uninitialised memory
 * for any model without AR or MA terms (and AutoARIMA picks one on most random walks), so mlkit
 * computes these itself: the differenced series is white noise with variance sigma^2 (its mean square;
 * with no differencing, the series is its mean plus noise), forecasts continue the differencing
 * recursion with zero noise, variances are sigma^2 times the sum of the squared psi weights.
 */
export interface DifferencingForecast {
  mean: Float64Array;
  variance: Float64Array;
  sigma2: number;
}

/** Coefficients c of (1 - B)^d (1 - B^s)^D = 1 - sum_j c_j B^j (c[0] unused). */
function differencingPolynomial(d: number, D: number, s: number): Float64Array {
  let poly = [1];
  const mul = (a: number[], b: number[]) => {
    const out = new Array(a.length + b.length - 1).fill(0);
    a.forEach((x, i) => b.forEach((y, j) => { out[i + j] += x * y; }));
    return out;
  };
  for (let i = 0; i < d; i++) poly = mul(poly, [1, -1]);
  const seasonal = new Array(s + 1).fill(0);
  seasonal[0] = 1;
  seasonal[s] = -1;
  for (let i = 0; i < D; i++) poly = mul(poly, seasonal);
  return Float64Array.from(poly, (v, j) => (j === 0 ? 0 : -v));
}

export function differencingForecast(y: Float64Array, d: number, D: number, s: number, horizon: number): DifferencingForecast {
  const n = y.length;
  const mean = new Float64Array(horizon);
  const variance = new Float64Array(horizon);
  if (d + D === 0) {
    let mu = 0;
    for (const v of y) mu += v;
    mu /= n;
    let ss = 0;
    for (const v of y) ss += (v - mu) ** 2;
    const sigma2 = ss / n;
    mean.fill(mu);
    variance.fill(sigma2);
    return { mean, variance, sigma2 };
  }
  const c = differencingPolynomial(d, D, s);
  const order = c.length - 1;
  if (n <= order) throw new RangeError(`differencing of order ${order} needs more than ${order} values`);
  // the differenced series and its mean square
  let ss = 0;
  for (let t = order; t < n; t++) {
    let w = y[t]!;
    for (let j = 1; j <= order; j++) w -= c[j]! * y[t - j]!;
    ss += w * w;
  }
  const sigma2 = ss / (n - order);
  const ext = Float64Array.from({ length: n + horizon }, (_, i) => (i < n ? y[i]! : 0));
  for (let t = n; t < n + horizon; t++) {
    let v = 0;
    for (let j = 1; j <= order; j++) v += c[j]! * ext[t - j]!;
    ext[t] = v;
    mean[t - n] = v;
  }
  // psi weights of 1 / (1 - sum c_j B^j)
  const psi = new Float64Array(horizon);
  let acc = 0;
  for (let k = 0; k < horizon; k++) {
    let v = k === 0 ? 1 : 0;
    for (let j = 1; j <= Math.min(k, order); j++) v += c[j]! * psi[k - j]!;
    psi[k] = v;
    acc += v * v;
    variance[k] = sigma2 * acc;
  }
  return { mean, variance, sigma2 };
}
