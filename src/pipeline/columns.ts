/**
 * Shared helpers of the 'columns' transformers (scalers, imputer, encoders): column extraction to
 * Float64Array (missing = NaN), building Float64 output frames, JSON-safe numbers for state,
 * scikit-learn/numpy numerics (pairwise sums, linear-interpolation quantiles) and Python's
 * formatting and ordering rules (feature names, sorted categories).
 */
import pl from 'nodejs-polars';
import type { Frame } from '../core/types.js';
type Expr = ReturnType<typeof pl.col>;
import { BundleError, DataError } from '../core/errors.js';
import { dtypeOf } from '../data/read.js';
import type { Tags, TransformContext, Transformer } from '../core/types.js';
import { NotFittedError } from '../core/errors.js';
import { TRANSFORMER_TAGS } from './spec-helpers.js';
import { columnOf, float64Values } from './frame-columns.js';

// ------------------------------------------------------------------------------------- columns

/** How a transformer sees a column: numbers (ints, floats), booleans, or text (strings, dates, ...). */
export type ColumnKind = 'numeric' | 'bool' | 'text';

export function columnKind(frame: Frame, name: string): ColumnKind {
  const d = dtypeOf(columnOf(frame, name).dtype);
  if (d === 'int64' || d === 'float64') return 'numeric';
  if (d === 'bool') return 'bool';
  return 'text';
}

export function isIntegerColumn(frame: Frame, name: string): boolean {
  return dtypeOf(columnOf(frame, name).dtype) === 'int64';
}

/** A column the transformer was fitted with that is missing from `frame` is a DataError naming it. */
export function requireColumns(frame: Frame, columns: readonly string[], who: string): void {
  const have = new Set(frame.columns);
  for (const c of columns) {
    if (!have.has(c)) throw new DataError(`column "${c}" is missing (${who} was fitted with it)`, { path: c });
  }
}

/** Refuses text columns: `column "x" is text; standard_scaler needs numbers`. */
export function requireNumeric(frame: Frame, columns: readonly string[], who: string): void {
  for (const c of columns) {
    if (columnKind(frame, c) === 'text') throw new DataError(`column "${c}" is text; ${who} needs numbers`, { path: c });
  }
}

/**
 * Infinity in a column a transformer reads is a data error (as scikit-learn's "Input contains
 * infinity"): a scaler would turn the whole column into NaN and the model would silently lose it.
 */
export function rejectInfinity(v: Float64Array, name: string): Float64Array {
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x === Infinity || x === -Infinity) throw new DataError(`row ${i + 1} of the table is ${x}; transformers take missing values (empty or NaN) but not infinity`, { path: name });
  }
  return v;
}

/** A numeric or boolean column as a fresh Float64Array, nulls (and NaN) as NaN; infinity is a DataError. */
export function floatColumn(frame: Frame, name: string): Float64Array {
  // float64Values may return polars' own buffer: copy it, the caller may change the values
  return rejectInfinity(Float64Array.from(float64Values(columnOf(frame, name))), name);
}

/** A numeric or boolean column as a polars Float64 expression, nulls as NaN (the values floatColumn reads). */
export function floatExpr(name: string): Expr {
  return pl.col(name).cast(pl.Float64).fillNull(pl.lit(NaN));
}

/**
 * floatColumn's infinity check for columns a polars expression transforms, in one query for all of
 * them; the first column with an infinity is read by floatColumn, whose error names the row.
 */
export function rejectInfiniteColumns(frame: Frame, names: readonly string[]): void {
  if (!names.length) return;
  const counts = frame.select(pl.col([...names]).cast(pl.Float64).isInfinite().sum()).row(0) as unknown[];
  const i = counts.findIndex((c) => Number(c) > 0);
  if (i >= 0) floatColumn(frame, names[i]!);
}

/**
 * `(x - shift) / scale` per column as polars expressions (float64, nulls as NaN); a null shift or scale
 * skips that step. IEEE subtraction and division, so the numbers a JS loop (and numpy) give, without
 * moving the values into JS and back (~20 ns a value each way).
 */
export function shiftScaleExprs(columns: readonly string[], shift: readonly number[] | null, scale: readonly number[] | null): Expr[] {
  return columns.map((c, j) => {
    let e = floatExpr(c);
    if (shift) e = e.sub(pl.lit(shift[j]!));
    // polars divides by a scalar as a multiplication by its reciprocal (1 ulp off for ~3% of values);
    // a divisor of the column's length divides exactly: x * 0 + s is s (x finite; NaN stays NaN)
    if (scale) e = e.div(e.mul(pl.lit(0)).add(pl.lit(scale[j]!)));
    return e.alias(c);
  });
}

/** A column as strings (null = missing); booleans as Python's `True` / `False`. */
export function textColumn(frame: Frame, name: string): (string | null)[] {
  if (columnKind(frame, name) === 'bool') {
    const v = floatColumn(frame, name);
    const out: (string | null)[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] !== v[i] ? null : v[i] ? 'True' : 'False';
    return out;
  }
  return columnOf(frame, name).cast(pl.Utf8).toArray() as (string | null)[];
}

/** A frame of Float64 columns (one polars Series per array). */
export function floatFrame(names: readonly string[], columns: readonly Float64Array[]): Frame {
  if (names.length === 0) return pl.DataFrame({});
  return pl.DataFrame(names.map((n, i) => pl.Series(n, columns[i], pl.Float64)));
}

// ------------------------------------------------------------------------------- JSON numbers

/** A number in JSON-serializable state: NaN and infinities (which JSON cannot carry) as strings. */
export type JsonNum = number | 'nan' | 'inf' | '-inf';

export function encodeNum(x: number): JsonNum {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return x;
}

export function decodeNum(x: JsonNum | null | undefined): number {
  if (typeof x === 'number') return x;
  if (x === 'inf') return Infinity;
  if (x === '-inf') return -Infinity;
  return NaN;
}

// ------------------------------------------------------------------------------ numpy numerics

/** numpy's pairwise summation (as np.add.reduce over a contiguous float64 array). */
export function pairwiseSum(a: Float64Array, start = 0, n = a.length): number {
  if (n < 8) {
    let s = -0;
    for (let i = start; i < start + n; i++) s += a[i];
    return s;
  }
  if (n <= 128) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    const end = start + n - (n % 8);
    let i = start + 8;
    for (; i < end; i += 8) {
      r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
      r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < start + n; i++) res += a[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** The non-NaN values of `v`, sorted ascending. */
export function sortedFinite(v: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) k++;
  const out = new Float64Array(k);
  k = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) out[k++] = v[i];
  return out.sort();
}

/** numpy's (nan)median of sorted values: the middle value, or the mean of the two middle ones. */
export function medianSorted(s: Float64Array): number {
  const n = s.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** numpy's (nan)percentile with method='linear' on sorted values (p in [0, 100]), bit for bit. */
export function percentileSorted(s: Float64Array, p: number): number {
  const n = s.length;
  if (n === 0) return NaN;
  const q = p / 100;
  const virtual = (n - 1) * q;
  let prev: number, next: number, gamma: number;
  if (virtual >= n - 1) {
    prev = next = n - 1;
    gamma = virtual + 1; // numpy: virtual - (-1); irrelevant as both ends are equal
  } else if (virtual < 0) {
    prev = next = 0;
    gamma = virtual;
  } else {
    prev = Math.floor(virtual);
    next = prev + 1;
    gamma = virtual - prev;
  }
  const a = s[prev], b = s[next];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** scikit-learn's _handle_zeros_in_scale without a precomputed mask: scales below 10*eps become 1. */
export function handleZeroScale(scale: number): number {
  return scale < 10 * Number.EPSILON ? 1 : scale;
}

// ---------------------------------------------------------------------------- Python semantics

/** Python's ordering of str (by code point; JS's < compares UTF-16 code units). */
export function comparePy(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff, ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate (astral code point) sorts after any BMP code unit
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Python's repr() of a float (as numpy's str() of a float64): `1.0`, `0.25`, `1e-05`, `1e+16`, `nan`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp >= 0) {
    body = digits.length > exp + 1
      ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
      : `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${body}` : body;
}

/** Python's str() of a number that is integer-valued in an integer column (`7`), else pyFloatRepr. */
export function pyNumber(x: number, integer: boolean): string {
  if (integer && Number.isInteger(x)) return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
  return pyFloatRepr(x);
}

// -------------------------------------------------------------------------------- base class

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as any)[k]);
  }
  return v;
}

export interface ColumnsState {
  /** the input columns seen at fit, in order */
  columns: string[];
}

/**
 * Common shape of the 'columns' transformers: frozen params, state set only by fit(), the
 * missing-column check before transform, JSON-safe copies of the state.
 */
export abstract class ColumnsTransformer<P extends object, S extends ColumnsState> implements Transformer<P, S> {
  readonly kind = 'transformer' as const;
  readonly mode = 'columns' as const;
  readonly tags: Tags = TRANSFORMER_TAGS;
  abstract readonly name: string;
  readonly params: Readonly<P>;
  protected state?: S;

  constructor(params: P, state?: S) {
    this.params = deepFreeze(structuredClone(params));
    if (state !== undefined) this.state = structuredClone(state);
  }

  isFitted(): boolean {
    return this.state !== undefined;
  }

  protected fitted(): S {
    if (!this.state) throw new NotFittedError(this.name);
    return this.state;
  }

  toState(): S {
    return structuredClone(this.fitted());
  }

  async save(): Promise<S> {
    return this.toState();
  }

  fit(x: Frame, ctx: TransformContext): this {
    this.state = this.fitCore(x, ctx);
    return this;
  }

  transform(x: Frame): Frame {
    const st = this.fitted();
    requireColumns(x, st.columns, this.name);
    return this.transformCore(x, st);
  }

  featureNamesOut(): string[] {
    return this.namesOut(this.fitted());
  }

  protected abstract fitCore(x: Frame, ctx: TransformContext): S;
  protected abstract transformCore(x: Frame, st: S): Frame;
  protected abstract namesOut(st: S): string[];
}

/** Light shape check of a state read from a bundle. */
export function checkState<S extends ColumnsState>(who: string, state: S, arrays: string[]): S {
  const s = state as any;
  const n = Array.isArray(s?.columns) ? s.columns.length : -1;
  const bad = n < 0 || arrays.some((k) => !Array.isArray(s[k]) || s[k].length !== n);
  if (bad) throw new BundleError(`${who}: saved state is malformed (expected ${['columns', ...arrays].join(', ')} per column)`);
  return state;
}

/** Reorders `a` so that a[k] is its k-th smallest value, smaller-or-equal values before it (quickselect). */
function selectKth(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo], y = a[mid], z = a[hi];
    const p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * numpy's nanmedian (NaN skipped; NaN when nothing is left), by selection instead of a full sort:
 * the same value as medianSorted(sortedFinite(v)), several times faster on large columns.
 */
export function medianFinite(v: Float64Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) n++;
  if (n === 0) return NaN;
  const s = new Float64Array(n);
  n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) s[n++] = v[i];
  const h = n >> 1;
  selectKth(s, h);
  if (n % 2 === 1) return s[h];
  let below = -Infinity; // the (h-1)-th smallest: the largest of the h values before s[h]
  for (let i = 0; i < h; i++) if (s[i] > below) below = s[i];
  return (below + s[h]) / 2;
}
