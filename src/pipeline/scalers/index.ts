/**
 * Scalers with scikit-learn 1.2's numbers: standard_scaler, min_max_scaler, robust_scaler.
 * 'columns' transformers over every column they are given; every column must be numeric (or
 * boolean). NaN (and null) are ignored at fit and kept as NaN by transform. Output: Float64 columns
 * named like the input.
 */
import pl from 'nodejs-polars';
import type { Frame } from '../../core/types.js';
type Expr = ReturnType<typeof pl.col>;
import type { TransformContext } from '../transformer.js';
import {
  ColumnsTransformer, checkState, decodeNum, encodeNum, floatColumn, floatFrame, handleZeroScale, medianSorted,
  pairwiseSum, percentileSorted, rejectInfiniteColumns, requireNumeric, shiftScaleExprs, sortedFinite, type JsonNum,
} from '../columns.js';
import { standardScalerParams, minMaxScalerParams, robustScalerParams, type StandardScalerParams, type MinMaxScalerParams, type RobustScalerParams } from './spec.js';
import type { ComponentImpl } from '../../core/component.js';
export { standardScalerParams, minMaxScalerParams, robustScalerParams, type StandardScalerParams, type MinMaxScalerParams, type RobustScalerParams };

// ------------------------------------------------------------------------------ standard_scaler


export interface StandardScalerState {
  columns: string[];
  /** per column: mean (null when with_mean and with_std are both false) */
  mean: (JsonNum | null)[];
  /** per column: population variance (null when with_std is false) */
  var: (JsonNum | null)[];
  /** per column: the divisor, sqrt(var) with near-constant columns at 1 (null when with_std is false) */
  scale: (JsonNum | null)[];
  /** per column: non-missing values seen */
  n_samples_seen: number[];
}

/**
 * scikit-learn's _incremental_mean_and_var on a first batch: mean = sum/n; variance by the corrected
 * two-pass algorithm (sum((x-m)^2) - (sum(x-m))^2/n) / n; NaN ignored.
 */
function meanVar(v: Float64Array, wantVar: boolean): { mean: number; var: number; n: number } {
  const buf = new Float64Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === x) { buf[i] = x; n++; }
  }
  const sum = pairwiseSum(buf);
  const mean = sum / n;
  if (!wantVar) return { mean, var: NaN, n };
  for (let i = 0; i < v.length; i++) buf[i] = v[i] === v[i] ? v[i] - mean : 0;
  const correction = pairwiseSum(buf);
  for (let i = 0; i < buf.length; i++) buf[i] *= buf[i];
  const unnormalized = pairwiseSum(buf) - (correction * correction) / n;
  return { mean, var: unnormalized / n, n };
}

export class StandardScaler extends ColumnsTransformer<StandardScalerParams, StandardScalerState> {
  readonly name = 'standard_scaler';

  protected fitCore(x: Frame, _ctx: TransformContext): StandardScalerState {
    const columns = x.columns;
    requireNumeric(x, columns, this.name);
    const { with_mean, with_std } = this.params;
    const st: StandardScalerState = { columns: [...columns], mean: [], var: [], scale: [], n_samples_seen: [] };
    for (const c of columns) {
      const v = floatColumn(x, c);
      if (!with_mean && !with_std) {
        let n = 0;
        for (let i = 0; i < v.length; i++) if (v[i] === v[i]) n++;
        st.mean.push(null); st.var.push(null); st.scale.push(null); st.n_samples_seen.push(n);
        continue;
      }
      const m = meanVar(v, with_std);
      st.mean.push(encodeNum(m.mean));
      st.n_samples_seen.push(m.n);
      if (with_std) {
        // near-constant columns (scikit-learn's _is_constant_feature) get scale 1
        const eps = Number.EPSILON;
        const bound = m.n * eps * m.var + (m.n * m.mean * eps) ** 2;
        const scale = m.var <= bound ? 1 : Math.sqrt(m.var);
        st.var.push(encodeNum(m.var));
        st.scale.push(encodeNum(scale));
      } else {
        st.var.push(null);
        st.scale.push(null);
      }
    }
    return st;
  }

  private exprs?: { state: StandardScalerState; exprs: Expr[] };

  protected transformCore(x: Frame, st: StandardScalerState): Frame {
    requireNumeric(x, st.columns, this.name);
    rejectInfiniteColumns(x, st.columns);
    const { with_mean, with_std } = this.params;
    if (this.exprs?.state !== st) {
      // built once per fitted state: each polars expression costs about a millisecond
      const exprs = shiftScaleExprs(st.columns, with_mean ? st.mean.map((m) => decodeNum(m)) : null, with_std ? st.scale.map((s) => decodeNum(s)) : null);
      this.exprs = { state: st, exprs };
    }
    return st.columns.length ? x.select(...this.exprs.exprs) : pl.DataFrame({});
  }

  protected namesOut(st: StandardScalerState): string[] {
    return [...st.columns];
  }
}

// ------------------------------------------------------------------------------- min_max_scaler


export interface MinMaxScalerState {
  columns: string[];
  data_min: JsonNum[];
  data_max: JsonNum[];
  /** x * scale + min */
  scale: JsonNum[];
  min: JsonNum[];
}

export class MinMaxScaler extends ColumnsTransformer<MinMaxScalerParams, MinMaxScalerState> {
  readonly name = 'min_max_scaler';

  protected fitCore(x: Frame, _ctx: TransformContext): MinMaxScalerState {
    const columns = x.columns;
    requireNumeric(x, columns, this.name);
    const [lo, hi] = this.params.feature_range;
    const st: MinMaxScalerState = { columns: [...columns], data_min: [], data_max: [], scale: [], min: [] };
    for (const c of columns) {
      const v = floatColumn(x, c);
      let mn = Infinity, mx = -Infinity, any = false;
      for (let i = 0; i < v.length; i++) {
        const t = v[i];
        if (t !== t) continue;
        any = true;
        if (t < mn) mn = t;
        if (t > mx) mx = t;
      }
      if (!any) { mn = NaN; mx = NaN; }
      const scale = (hi - lo) / handleZeroScale(mx - mn);
      st.data_min.push(encodeNum(mn));
      st.data_max.push(encodeNum(mx));
      st.scale.push(encodeNum(scale));
      st.min.push(encodeNum(lo - mn * scale));
    }
    return st;
  }

  protected transformCore(x: Frame, st: MinMaxScalerState): Frame {
    requireNumeric(x, st.columns, this.name);
    const [lo, hi] = this.params.feature_range;
    const clip = this.params.clip;
    const out = st.columns.map((c, j) => {
      const v = floatColumn(x, c);
      const s = decodeNum(st.scale[j]), m = decodeNum(st.min[j]);
      for (let i = 0; i < v.length; i++) {
        let t = v[i] * s;
        t += m;
        if (clip && t === t) t = t < lo ? lo : t > hi ? hi : t;
        v[i] = t;
      }
      return v;
    });
    return floatFrame(st.columns, out);
  }

  protected namesOut(st: MinMaxScalerState): string[] {
    return [...st.columns];
  }
}

// -------------------------------------------------------------------------------- robust_scaler


export interface RobustScalerState {
  columns: string[];
  /** median per column (null when with_centering is false) */
  center: (JsonNum | null)[];
  /** interquantile range per column, zero ranges as 1 (null when with_scaling is false) */
  scale: (JsonNum | null)[];
}

/** Inverse of the standard normal CDF (Acklam's algorithm + one Halley step: ~1e-15 relative). */
export function normPpf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5, r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // refine: Halley's method on Phi(x) - p
  for (let k = 0; k < 2; k++) {
    const e = 0.5 * erfc(-x / Math.SQRT2) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

/** Complementary error function (W. J. Cody's rational approximations, ~1e-16 relative). */
function erfc(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    const t = x * x;
    const top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
    const bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
    return 1 - (x * top) / bot;
  } else if (ax < 4) {
    const top = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
    const bot = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942;
    r = Math.exp(-ax * ax) * (top / bot);
  } else {
    const z = 1 / (ax * ax);
    const top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    r = (Math.exp(-ax * ax) / ax) * (1 / Math.sqrt(Math.PI) - (z * top) / bot);
  }
  return x < 0 ? 2 - r : r;
}

export class RobustScaler extends ColumnsTransformer<RobustScalerParams, RobustScalerState> {
  readonly name = 'robust_scaler';

  protected fitCore(x: Frame, _ctx: TransformContext): RobustScalerState {
    const columns = x.columns;
    requireNumeric(x, columns, this.name);
    const { with_centering, with_scaling, quantile_range, unit_variance } = this.params;
    const [qMin, qMax] = quantile_range;
    const adjust = unit_variance ? normPpf(qMax / 100) - normPpf(qMin / 100) : 1;
    const st: RobustScalerState = { columns: [...columns], center: [], scale: [] };
    for (const c of columns) {
      if (!with_centering && !with_scaling) { st.center.push(null); st.scale.push(null); continue; }
      const s = sortedFinite(floatColumn(x, c));
      st.center.push(with_centering ? encodeNum(medianSorted(s)) : null);
      if (with_scaling) {
        let scale = handleZeroScale(percentileSorted(s, qMax) - percentileSorted(s, qMin));
        if (unit_variance) scale = scale / adjust;
        st.scale.push(encodeNum(scale));
      } else st.scale.push(null);
    }
    return st;
  }

  private exprs?: { state: RobustScalerState; exprs: Expr[] };

  protected transformCore(x: Frame, st: RobustScalerState): Frame {
    requireNumeric(x, st.columns, this.name);
    rejectInfiniteColumns(x, st.columns);
    const { with_centering, with_scaling } = this.params;
    if (this.exprs?.state !== st) {
      const exprs = shiftScaleExprs(st.columns, with_centering ? st.center.map((m) => decodeNum(m)) : null, with_scaling ? st.scale.map((s) => decodeNum(s)) : null);
      this.exprs = { state: st, exprs };
    }
    return st.columns.length ? x.select(...this.exprs.exprs) : pl.DataFrame({});
  }

  protected namesOut(st: RobustScalerState): string[] {
    return [...st.columns];
  }
}

// ------------------------------------------------------------------------------------- implementations

export const impls: Record<'standard_scaler' | 'min_max_scaler' | 'robust_scaler', ComponentImpl> = {
  standard_scaler: {
    create: (p: StandardScalerParams) => new StandardScaler(p),
    restore: async (p: StandardScalerParams, s: StandardScalerState) => new StandardScaler(p, checkState('standard_scaler', s, ['mean', 'var', 'scale', 'n_samples_seen'])),
  },
  min_max_scaler: {
    create: (p: MinMaxScalerParams) => new MinMaxScaler(p),
    restore: async (p: MinMaxScalerParams, s: MinMaxScalerState) => new MinMaxScaler(p, checkState('min_max_scaler', s, ['data_min', 'data_max', 'scale', 'min'])),
  },
  robust_scaler: {
    create: (p: RobustScalerParams) => new RobustScaler(p),
    restore: async (p: RobustScalerParams, s: RobustScalerState) => new RobustScaler(p, checkState('robust_scaler', s, ['center', 'scale'])),
  },
};
