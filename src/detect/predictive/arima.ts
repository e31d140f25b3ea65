/**
 * ARIMA as the predictive detector's one-step-ahead predictor. The `arima` forecaster fits the model
 * (ctsa in WASM, with its fallbacks, max_length and AutoARIMA); its coefficients then drive a plain
 * recursion that predicts each next value from the values and innovations before it, one row at a time,
 * for as long as the stream lasts (the package itself can only forecast from the end of the series it
 * was fitted on). With the differenced series w_t = x_t - sum_k diff[k] x_{t-1-k}:
 *
 *   w^_t = mean + sum_k ar[k] (w_{t-1-k} - mean) + sum_k ma[k] e_{t-1-k},   e_t = w_t - w^_t
 *
 * where ar and ma are the products of the seasonal and non-seasonal polynomials, and the one-step error
 * of x_t is e_t itself (x^_t = w^_t + the differencing terms, which are known). ctsa's MA coefficients
 * have the Box-Jenkins sign (x_t = ... + e_t - theta e_{t-1}); the forecaster's saved state has them
 * negated already (R's sign, used here). Innovations before the stream's first rows are taken as 0
 * (conditional sum of squares); the package's forecast starts from the exact (state-space) innovations,
 * so the two agree once the MA terms' start-up has decayed: on series of 2,000 points the recursion's
 * prediction after the last value equals the package's one-step forecast to 1e-9 for AR, MA, differenced
 * and seasonal orders (tests/detect-arima.test.ts).
 */
import { ConfigError, DataError } from '../../core/errors.js';
import type { FitContext, Logger } from '../../core/types.js';
import { MemoryBlobs } from '../../core/component.js';

export interface ArimaRecursion {
  /** e.g. "ARIMA(1,1,1)(0,1,1)[24]" */
  order: string;
  /** differencing: w_t = x_t - sum diff[k] x_{t-1-k} */
  diff: number[];
  /** on w: coefficients of w_{t-1-k} - mean */
  ar: number[];
  /** on the innovations e_{t-1-k} */
  ma: number[];
  /** mean of w (the intercept when there is no differencing; a drift's slope times the differencing lag otherwise) */
  mean: number;
}

/** (1 + sum a_i B^i)(1 + sum A_j B^(j s)): the coefficients of B^1.. of the product, with `sign` applied on the way in and out. */
function product(a: number[], A: number[], s: number, sign: 1 | -1): number[] {
  const left = [1, ...a.map((v) => sign * v)];
  const right = new Array<number>(A.length * s + 1).fill(0);
  right[0] = 1;
  A.forEach((v, j) => { right[(j + 1) * s] = sign * v; });
  const out = new Array<number>(left.length + right.length - 1).fill(0);
  for (let i = 0; i < left.length; i++) for (let j = 0; j < right.length; j++) out[i + j]! += left[i]! * right[j]!;
  return out.slice(1).map((v) => sign * v);
}

/** (1 - B)^d (1 - B^s)^D = 1 - sum diff[k] B^(k+1) */
function differencing(d: number, D: number, s: number): number[] {
  let poly = [1];
  const times = (q: number[]) => {
    const r = new Array<number>(poly.length + q.length - 1).fill(0);
    for (let i = 0; i < poly.length; i++) for (let j = 0; j < q.length; j++) r[i + j]! += poly[i]! * q[j]!;
    poly = r;
  };
  for (let i = 0; i < d; i++) times([1, -1]);
  for (let i = 0; i < D; i++) times([1, ...new Array<number>(s - 1).fill(0), -1]);
  return poly.slice(1).map((v) => -v);
}

export interface FittedArima {
  /** [p, d, q, P, D, Q, s] */
  order: number[];
  /** R's sign for ma and sma; exog: one coefficient per exogenous column (the last is the drift when drift) */
  coefficients?: { ar: number[]; ma: number[]; sar: number[]; sma: number[]; exog: number[]; mean?: number };
  drift: boolean;
  describe: string;
}

/** The recursion of a fitted model (orders without AR/MA terms: differencing only). */
export function recursionOf(f: FittedArima): ArimaRecursion {
  const [, d = 0, , , D = 0, , s0 = 0] = f.order;
  const s = D > 0 || (f.coefficients && (f.coefficients.sar.length || f.coefficients.sma.length)) ? s0 : 0;
  const c = f.coefficients ?? { ar: [], ma: [], sar: [], sma: [], exog: [], mean: 0 };
  let mean = c.mean ?? 0;
  if (f.drift) {
    // x_t = slope * t + n_t: differenced once (lag 1 or s), the slope becomes a constant mean of w
    const slope = c.exog[c.exog.length - 1] ?? 0;
    if (d + D !== 1) throw new DataError(`${f.describe}: a drift needs exactly one differencing (d + D = 1) here`);
    mean = slope * (d === 1 ? 1 : s);
  }
  // the package reports one exogenous coefficient (0) even when there are none
  if (c.exog.slice(0, f.drift ? -1 : undefined).some((b) => b !== 0)) throw new DataError('the predictive detector\'s arima takes no exogenous columns');
  return {
    order: f.describe,
    diff: differencing(d, D, s),
    ar: product(c.ar, c.sar, s, -1),
    ma: product(c.ma, c.sma, s, 1),
    mean,
  };
}

/** Values of history before a row that its prediction needs. */
export const historyOf = (r: ArimaRecursion): number => r.diff.length + r.ar.length;

/**
 * One-step prediction errors x_t - x^_t for t in [first, v.length) (first >= historyOf(r)), with the
 * last ma.length innovations before `first` in `e` (oldest first), which is updated to those before
 * v.length.
 */
export function oneStepErrors(r: ArimaRecursion, v: Float64Array, first: number, e: Float64Array): Float64Array {
  const { diff, ar, ma, mean } = r;
  const nd = diff.length, na = ar.length, nq = ma.length;
  if (first < nd + na) throw new RangeError(`the first row predicted needs ${nd + na} values before it`);
  if (e.length !== nq) throw new RangeError(`expected ${nq} innovations`);
  const count = Math.max(0, v.length - first);
  const E = new Float64Array(nq + count);
  E.set(e);
  const w = (t: number): number => {
    let x = v[t]!;
    for (let k = 0; k < nd; k++) x -= diff[k]! * v[t - 1 - k]!;
    return x;
  };
  // w of the na rows before first, then rolled forward (W[j] = w_{first - na + j})
  const W = new Float64Array(na + count);
  for (let j = 0; j < na; j++) W[j] = w(first - na + j);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let p = mean;
    for (let k = 0; k < na; k++) p += ar[k]! * (W[na + i - 1 - k]! - mean);
    for (let k = 0; k < nq; k++) p += ma[k]! * E[nq + i - 1 - k]!;
    const wt = w(first + i);
    W[na + i] = wt;
    const err = wt - p;
    E[nq + i] = err;
    out[i] = err;
  }
  e.set(E.subarray(E.length - nq));
  return out;
}

/** The one-step prediction after the last value of v (for the test against the package's forecast). */
export function nextValue(r: ArimaRecursion, v: Float64Array, e: Float64Array): number {
  const { diff, ar, ma, mean } = r;
  const n = v.length;
  const w = (t: number): number => {
    let x = v[t]!;
    for (let k = 0; k < diff.length; k++) x -= diff[k]! * v[t - 1 - k]!;
    return x;
  };
  let p = mean;
  for (let k = 0; k < ar.length; k++) p += ar[k]! * (w(n - 1 - k) - mean);
  for (let k = 0; k < ma.length; k++) p += ma[k]! * e[ma.length - 1 - k]!;
  for (let k = 0; k < diff.length; k++) p += diff[k]! * v[n - 1 - k]!;
  return p;
}

/**
 * Fits the `arima` forecaster (params as `model.params` of a forecasting config) on one channel's values
 * and returns what the recursion needs. `name` labels errors and warnings with the channel.
 */
export async function fitArima(v: Float64Array, params: unknown, name: string, ctx: { log: Logger; signal?: AbortSignal; seed?: number }): Promise<FittedArima> {
  const { arimaParamsSchema } = await import('../../estimators/arima/spec.js');
  const parsed = arimaParamsSchema.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`model.params${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`, { path: ['model', 'params', ...issue.path].join('.') });
  }
  const { create, restore } = await import('../../estimators/arima/index.js');
  const { fitOnWorker } = await import('../../forecast/parallel.js');
  let f = create(parsed.data);
  try {
    // season 1: the detector's rows have no frequency; seasonal orders need model.params.s. On a worker
    // thread, so that Ctrl-C stops a long fit (WASM blocks the thread it runs on)
    const series = [{ id: name, y: v, exog: [] }];
    const fitCtx = { log: ctx.log, signal: ctx.signal, seed: ctx.seed ?? 0 } as FitContext;
    ctx.log.debug(`channel "${name}": fitting arima on ${v.length} values`);
    const done = await fitOnWorker({ name: 'arima', params: { ...parsed.data } }, series, { season: 1 }, fitCtx);
    if (done) f = await restore(parsed.data, done.state as Parameters<typeof restore>[1], new MemoryBlobs(done.files), { options: undefined, log: ctx.log });
    else await f.fit(series, fitCtx, { season: 1 });
  } catch (e) {
    if (e instanceof DataError && !e.message.startsWith('channel')) throw new DataError(`channel "${name}": ${e.message.replace(/^series "[^"]*": /, '')}`, { path: name });
    throw e;
  }
  const st = await f.save();
  const s = st.series[0]!;
  const [p, d, q, P, D, Q, season] = s.order;
  if (s.options?.drift === true && d! + D! !== 1) {
    // AutoARIMA's drift without (or with two) differencings is a trend in time, which a stream that
    // starts anywhere cannot continue: the chosen orders are fitted again without it
    const again = await fitArima(v, { ...parsed.data, auto: false, p, d, q, P, D, Q, ...(season ? { s: season } : {}) }, name, ctx);
    ctx.log.info(`channel "${name}": AutoARIMA chose ${f.describe()[0]?.replace(/^AutoARIMA chose /, '').replace(/, sigma.*$/, '')}; the detector fits those orders without the drift (a trend in time)`);
    return again;
  }
  return { order: s.order, coefficients: s.coefficients, drift: s.options?.drift === true, describe: f.describe()[0] ?? 'ARIMA' };
}
