/**
 * Time-series feature transformers ('append' mode: transform() returns only the new columns, one row
 * per input row, all Float64):
 *
 * - `lags`            `<col>_lag<k>`                 x[i-k]
 * - `rolling`         `<col>_roll<window>_<stat>`    mean / std / min / max over rows i-window+1..i
 * - `diff`            `<col>_diff<p>`                x[i] - x[i-p]
 * - `datetime_parts`  `<col>_<part>`                 year, month, hour, weekday, ... of a datetime
 *
 * Semantics shared by all of them:
 * - Causal: a row's features use only that row and earlier rows, so changing later rows never
 *   changes earlier features (and a prefix of a frame gets the same features as the whole frame).
 * - Missing values are NaN, never null (as in pandas): rows without enough history get NaN, and a null
 *   or NaN input is read as NaN. Rolling statistics skip NaN inputs like pandas (see `rolling`).
 * - The rows are taken in the order given: sort by time before these steps.
 * - They learn nothing from the data but the input columns' presence and types; fit() checks them,
 *   transform() checks them again (a missing or non-numeric column is a DataError naming it).
 *
 * The helpers at the top (input checks, output frames, the shared base class) are also used by fft.ts.
 */
import { createRequire } from 'node:module';
import type * as Polars from 'nodejs-polars';
import type { Frame } from '../../core/types.js';
import { BundleError, DataError } from '../../core/errors.js';
import type { ComponentImpl, Tags, TransformContext, Transformer } from '../../core/types.js';
import { NotFittedError } from '../../core/errors.js';
import { TRANSFORMER_TAGS } from '../spec-helpers.js';
import { rejectInfinity } from '../columns.js';
import { lagsParamsSchema, diffParamsSchema, rollingParamsSchema, datetimePartsParamsSchema, ROLLING_STATS, DATETIME_PARTS, type LagsParams, type DiffParams, type RollingParams, type RollingStat, type DatetimePartsParams, type DatetimePart } from './spec.js';
export { lagsParamsSchema, diffParamsSchema, rollingParamsSchema, datetimePartsParamsSchema, ROLLING_STATS, DATETIME_PARTS, type LagsParams, type DiffParams, type RollingParams, type RollingStat, type DatetimePartsParams };

// ------------------------------------------------------------------------------------------------
// Shared helpers

/**
 * nodejs-polars, loaded on first use rather than at import: the numeric cores here and in fft.ts
 * (rolling statistics, FFT features on Float64Arrays) then load without it (bench/fft.ts times them
 * as a process against numpy). Loading it takes longer than everything else these modules do.
 */
const requireCjs = createRequire(import.meta.url);
let plLoaded: typeof Polars.default | undefined;
export function polars(): typeof Polars.default {
  return (plLoaded ??= (requireCjs('nodejs-polars') as typeof Polars).default);
}

/** polars dtype name, e.g. 'Float64', 'Int64', 'String', 'Datetime' */
export function dtypeName(dt: unknown): string {
  return String((dt as any)?.variant ?? dt);
}

const NUMERIC = /^(U?Int\d+|Float\d+|Bool|Boolean)$/;

function columnDtype(frame: Frame, column: string, who: string): string {
  const i = frame.columns.indexOf(column);
  if (i < 0) throw new DataError(`column "${column}" is missing (needed by ${who})`, { path: column });
  return dtypeName(frame.dtypes[i]);
}

/** Checks that a numeric (integer, float or boolean) column is present; returns its dtype name. */
export function checkNumericColumn(frame: Frame, column: string, who: string): string {
  const dt = columnDtype(frame, column, who);
  if (!NUMERIC.test(dt)) throw new DataError(`column "${column}" is not numeric (${dt}); ${who} needs numbers`, { path: column });
  return dt;
}

/** A numeric column as Float64 with nulls as NaN (read-only: may share polars' memory). */
export function numericInput(frame: Frame, column: string, who: string): Float64Array {
  checkNumericColumn(frame, column, who);
  const pl = polars();
  const s = frame.getColumn(column);
  if (s.nullCount() === 0) return rejectInfinity(s.cast(pl.Float64).toTypedArray() as Float64Array, column);
  return rejectInfinity(frame.select(pl.col(column).cast(pl.Float64).fillNull(pl.lit(NaN))).getColumn(column).toTypedArray() as Float64Array, column);
}

/** Output frame from Float64 columns (names and arrays in the same order). */
export function outputFrame(names: string[], cols: Float64Array[]): Frame {
  const pl = polars();
  if (!names.length) return pl.DataFrame({});
  return pl.DataFrame(names.map((n, j) => pl.Series(n, cols[j]!)));
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Input columns as seen at fit (name and polars dtype): all these transformers learn. */
export interface InputsState {
  inputs: { name: string; dtype: string }[];
}

/**
 * Base of the append transformers here: frozen params, fit() records the input columns' dtypes,
 * transform() re-checks them and delegates to transformCore().
 */
export abstract class AppendTransformer<P> implements Transformer<P, InputsState> {
  readonly kind = 'transformer' as const;
  readonly mode = 'append' as const;
  readonly tags: Tags = TRANSFORMER_TAGS;
  abstract readonly name: string;
  readonly params: Readonly<P>;
  protected state?: InputsState;

  constructor(params: P, state?: InputsState) {
    this.params = deepFreeze(structuredClone(params));
    if (state !== undefined) {
      if (!state || !Array.isArray((state as InputsState).inputs)) throw new BundleError('transformer state is malformed (expected { inputs: [...] })');
      this.state = { inputs: state.inputs.map((c) => ({ name: String(c.name), dtype: String(c.dtype) })) };
    }
  }

  /** the input columns named by the params */
  protected abstract inputColumns(): string[];
  /** checks one input column, returns its dtype name (numeric by default) */
  protected checkColumn(x: Frame, column: string): string {
    return checkNumericColumn(x, column, `${this.name}`);
  }
  protected abstract transformCore(x: Frame): Frame;
  abstract featureNamesOut(): string[];

  isFitted(): boolean {
    return this.state !== undefined;
  }

  fit(x: Frame, _ctx?: TransformContext): this {
    this.state = { inputs: this.inputColumns().map((name) => ({ name, dtype: this.checkColumn(x, name) })) };
    return this;
  }

  transform(x: Frame): Frame {
    if (!this.state) throw new NotFittedError(this.name, 'transform()');
    for (const c of this.inputColumns()) this.checkColumn(x, c);
    return this.transformCore(x);
  }

  toState(): InputsState {
    if (!this.state) throw new NotFittedError(this.name, 'save()');
    return { inputs: this.state.inputs.map((c) => ({ ...c })) };
  }

  async save(): Promise<InputsState> {
    return this.toState();
  }
}


function offsetList(v: number | readonly number[]): number[] {
  return typeof v === 'number' ? Array.from({ length: v }, (_, i) => i + 1) : [...v];
}

// ------------------------------------------------------------------------------------------------
// lags


/** `<col>_lag<k>` = x[i-k]; NaN for the first k rows. */
export class Lags extends AppendTransformer<LagsParams> {
  readonly name = 'lags';
  protected inputColumns() { return [...this.params.columns]; }
  featureNamesOut(): string[] {
    const ks = offsetList(this.params.lags);
    return this.params.columns.flatMap((c) => ks.map((k) => `${c}_lag${k}`));
  }
  protected transformCore(x: Frame): Frame {
    const n = x.height;
    const ks = offsetList(this.params.lags);
    const cols: Float64Array[] = [];
    for (const c of this.params.columns) {
      const v = numericInput(x, c, this.name);
      for (const k of ks) cols.push(lag(v, k, new Float64Array(n)));
    }
    return outputFrame(this.featureNamesOut(), cols);
  }
}

export function lag(v: Float64Array, k: number, out: Float64Array): Float64Array {
  const n = v.length;
  const m = Math.min(k, n);
  out.fill(NaN, 0, m);
  if (k < n) out.set(v.subarray(0, n - k), k);
  return out;
}


// ------------------------------------------------------------------------------------------------
// diff


/** `<col>_diff<p>` = x[i] - x[i-p]; NaN for the first p rows (pandas' diff). */
export class Diff extends AppendTransformer<DiffParams> {
  readonly name = 'diff';
  private periods(): number[] {
    const p = this.params.periods;
    return typeof p === 'number' ? [p] : [...p];
  }
  protected inputColumns() { return [...this.params.columns]; }
  featureNamesOut(): string[] {
    const ps = this.periods();
    return this.params.columns.flatMap((c) => ps.map((p) => `${c}_diff${p}`));
  }
  protected transformCore(x: Frame): Frame {
    const n = x.height;
    const cols: Float64Array[] = [];
    for (const c of this.params.columns) {
      const v = numericInput(x, c, this.name);
      for (const p of this.periods()) {
        const out = new Float64Array(n);
        out.fill(NaN, 0, Math.min(p, n));
        for (let i = p; i < n; i++) out[i] = v[i]! - v[i - p]!;
        cols.push(out);
      }
    }
    return outputFrame(this.featureNamesOut(), cols);
  }
}


// ------------------------------------------------------------------------------------------------
// rolling


/**
 * `<col>_roll<window>_<stat>` over the window of rows i-window+1..i (ending at the current row; at the
 * start, the rows there are), with pandas' `Series.rolling(window, min_periods).<stat>()` semantics:
 * NaN inputs are skipped; a result needs at least min_periods (default: window) valid values in the
 * window, else NaN; std is the sample standard deviation (ddof=1, NaN with fewer than 2 values).
 * O(n) per column: compensated running mean/variance updates (as pandas does) and monotonic deques for
 * min and max.
 */
export class Rolling extends AppendTransformer<RollingParams> {
  readonly name = 'rolling';
  protected inputColumns() { return [...this.params.columns]; }
  featureNamesOut(): string[] {
    const { window, stats } = this.params;
    return this.params.columns.flatMap((c) => stats.map((s) => `${c}_roll${window}_${s}`));
  }
  protected transformCore(x: Frame): Frame {
    const { window, stats } = this.params;
    const minp = this.params.min_periods ?? window;
    const cols: Float64Array[] = [];
    for (const c of this.params.columns) {
      const v = numericInput(x, c, this.name);
      const r = rollingStats(v, window, minp, stats);
      for (const s of stats) cols.push(r[s]!);
    }
    return outputFrame(this.featureNamesOut(), cols);
  }
}

/**
 * Rolling statistics of `v` over trailing windows of `window` rows (pandas semantics, see Rolling).
 * Mean and variance follow pandas' add/remove updates (Kahan-compensated sum for the mean,
 * Welford-style sum of squared deviations; a window of identical values gives exactly that value and
 * std 0). Unlike pandas, the variance updates run on values shifted by a reference re-anchored every
 * `window` rows with an exact two-pass recomputation (O(n) in all), so a large offset or trend does
 * not erode the std's precision over a long series.
 */
export function rollingStats(v: Float64Array, window: number, minp: number, stats: readonly RollingStat[]): Partial<Record<RollingStat, Float64Array>> {
  const n = v.length;
  const want = new Set(stats);
  const out: Partial<Record<RollingStat, Float64Array>> = {};
  if (want.has('mean') || want.has('std')) {
    const mean = want.has('mean') ? new Float64Array(n) : undefined;
    const std = want.has('std') ? new Float64Array(n) : undefined;
    rollingMeanStd(v, window, minp, mean, std);
    if (mean) out.mean = mean;
    if (std) out.std = std;
  }
  if (want.has('min')) out.min = rollingExtreme(v, window, minp, false);
  if (want.has('max')) out.max = rollingExtreme(v, window, minp, true);
  return out;
}

function rollingMeanStd(v: Float64Array, window: number, minp: number, meanOut?: Float64Array, stdOut?: Float64Array): void {
  const n = v.length;
  // pandas' roll_mean: Kahan sums with separate compensations for adds and removes, counts of values
  // and of negative values (a mean of all-positive values is never negative)
  let nobs = 0, negCt = 0, sum = 0, compAdd = 0, compRemove = 0;
  // pandas' roll_var: Welford's mean and sum of squared deviations, Kahan-compensated; here on the
  // values minus a reference `ref`, re-anchored every `window` rows by an exact two-pass recomputation
  // (the updates otherwise lose digits when the values are large compared with their spread)
  let vMean = 0, ssq = 0, vCompAdd = 0, vCompRemove = 0;
  let ref = 0;
  // the run of identical values last added: a window of one repeated value gives that value and std 0
  let same = 0;
  let prev = n ? v[0]! : NaN;
  const reset = () => {
    nobs = negCt = 0;
    sum = compAdd = compRemove = 0;
    vMean = ssq = vCompAdd = vCompRemove = 0;
  };
  for (let i = 0; i < n; i++) {
    if (window === 1) {
      // pandas starts every window afresh when it does not overlap the previous one
      reset();
      same = 0;
      prev = v[i]!;
    } else if (i >= window) {
      const x = v[i - window]!;
      if (x === x) {
        nobs--;
        let y = -x - compRemove;
        let t = sum + y;
        compRemove = t - sum - y;
        sum = t;
        if (x < 0 || Object.is(x, -0)) negCt--;
        if (nobs) {
          const xs = x - ref;
          const prevMean = vMean - vCompRemove;
          y = xs - vCompRemove;
          t = y - vMean;
          vCompRemove = t + vMean - y;
          vMean = vMean - t / nobs;
          ssq = ssq - (xs - prevMean) * (xs - vMean);
        } else {
          vMean = 0;
          ssq = 0;
        }
      }
    }
    const x = v[i]!;
    if (x === x) {
      nobs++;
      let y = x - compAdd;
      let t = sum + y;
      compAdd = t - sum - y;
      sum = t;
      if (x < 0 || Object.is(x, -0)) negCt++;
      if (x === prev) same++;
      else same = 1;
      prev = x;
      if (nobs === 1) {
        // the window was empty: anchor on this value
        ref = x;
        vMean = ssq = vCompAdd = vCompRemove = 0;
      }
      const xs = x - ref;
      const prevMean = vMean - vCompAdd;
      y = xs - vCompAdd;
      t = y - vMean;
      vCompAdd = t + vMean - y;
      vMean = vMean + t / nobs;
      ssq = ssq + (xs - prevMean) * (xs - vMean);
    }
    if (stdOut && window > 1 && (i + 1) % window === 0 && nobs > 0) {
      // re-anchor: ref = the window's mean, then the shifted mean and squared deviations afresh
      let m = 0;
      for (let j = i - window + 1; j <= i; j++) if (v[j]! === v[j]!) m += v[j]!;
      ref = m / nobs;
      let c = 0;
      for (let j = i - window + 1; j <= i; j++) if (v[j]! === v[j]!) c += v[j]! - ref;
      vMean = c / nobs;
      ssq = 0;
      for (let j = i - window + 1; j <= i; j++) {
        if (v[j]! === v[j]!) {
          const d = v[j]! - ref - vMean;
          ssq += d * d;
        }
      }
      vCompAdd = vCompRemove = 0;
    }
    if (meanOut) {
      let r = NaN;
      if (nobs >= minp && nobs > 0) {
        r = sum / nobs;
        if (same >= nobs) r = prev;
        else if (negCt === 0 && r < 0) r = 0;
        else if (negCt === nobs && r > 0) r = 0;
      }
      meanOut[i] = r;
    }
    if (stdOut) {
      let r = NaN;
      if (nobs >= minp && nobs > 1) {
        const var_ = same >= nobs ? 0 : ssq / (nobs - 1);
        r = var_ > 0 ? Math.sqrt(var_) : 0;
      }
      stdOut[i] = r;
    }
  }
}

/** Rolling max (or min) with a monotonic deque of row indices, NaN skipped: O(n). */
function rollingExtreme(v: Float64Array, window: number, minp: number, isMax: boolean): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  const cap = window + 1;
  const dq = new Int32Array(cap);
  let head = 0;
  let size = 0;
  let nobs = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x === x) {
      nobs++;
      // pop dominated values from the back
      while (size > 0) {
        const back = v[dq[(head + size - 1) % cap]!]!;
        if (isMax ? back <= x : back >= x) size--;
        else break;
      }
      dq[(head + size) % cap] = i;
      size++;
    }
    if (i >= window) {
      const old = v[i - window]!;
      if (old === old) nobs--;
    }
    // drop indices that left the window
    while (size > 0 && dq[head]! <= i - window) {
      head = (head + 1) % cap;
      size--;
    }
    out[i] = nobs >= minp && size > 0 ? v[dq[head]!]! : NaN;
  }
  return out;
}


// ------------------------------------------------------------------------------------------------
// datetime_parts


const DATETIME_DTYPES = /^(Datetime|Date)$/;
const TEXT_DTYPES = /^(String|Utf8)$/;

/**
 * `<col>_<part>` from a Date / Datetime column or from ISO-8601 text (parsed here; a value that does
 * not parse is a DataError naming the column, the row and the value). Parts, as pandas' `.dt`:
 * year; quarter 1-4; month 1-12; day 1-31; hour; minute; second; weekday with Monday=0 .. Sunday=6;
 * dayofyear 1-366; week = ISO-8601 week number (pandas' `isocalendar().week`); is_weekend 1 on
 * Saturday and Sunday, else 0. Missing values (null) give NaN.
 *
 * Text: `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM`, `HH:MM:SS` or
 * `HH:MM:SS.fff...`, optionally followed by `Z` or an offset (`+HH:MM`, `+HHMM`, `+HH`). The parts are
 * those of the clock time as written: an offset is checked but does not shift the time (as pandas does
 * for text with one fixed offset). A Datetime column with a time zone gives the parts in that zone.
 */
export class DatetimeParts extends AppendTransformer<DatetimePartsParams> {
  readonly name = 'datetime_parts';
  protected inputColumns() { return [this.params.column]; }
  protected override checkColumn(x: Frame, column: string): string {
    const dt = columnDtype(x, column, this.name);
    if (!DATETIME_DTYPES.test(dt) && !TEXT_DTYPES.test(dt)) {
      throw new DataError(`column "${column}" is not a datetime or ISO-8601 text column (${dt})`, { path: column });
    }
    return dt;
  }
  featureNamesOut(): string[] {
    return this.params.parts.map((p) => `${this.params.column}_${p}`);
  }
  protected transformCore(x: Frame): Frame {
    const col = this.params.column;
    const dt = this.checkColumn(x, col);
    const parts = this.params.parts;
    const n = x.height;
    const cols = parts.map(() => new Float64Array(n));
    if (TEXT_DTYPES.test(dt)) {
      const raw = x.getColumn(col).toArray() as (string | null)[];
      const f = new Int32Array(FIELDS);
      const cache: DayCache = { key: -1, days: 0, weekday: 0, week: -1 };
      for (let i = 0; i < n; i++) {
        const s = raw[i];
        if (s === null || s === undefined) {
          for (const c of cols) c[i] = NaN;
          continue;
        }
        if (!parseIso(s, f)) {
          throw new DataError(`column "${col}": ${JSON.stringify(s)} is not an ISO-8601 date or datetime (row ${i + 1}; expected e.g. 2024-01-31 or 2024-01-31T13:45:00)`, { path: col });
        }
        civilParts(f, parts, cols, i, cache);
      }
    } else {
      fromPolarsDatetime(x, col, dt, parts, cols);
    }
    return outputFrame(this.featureNamesOut(), cols);
  }
}

// parsed fields: year, month, day, hour, minute, second
const FIELDS = 6;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?$/;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const CUM_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Parses ISO-8601 text into f = [year, month, day, hour, minute, second]; false when it does not parse. */
export function parseIso(s: string, f: Int32Array): boolean {
  // fast path: exactly YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM or YYYY-MM-DD[T ]HH:MM:SS
  const len = s.length;
  if ((len === 10 || len === 16 || len === 19) && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
    const d = (i: number) => s.charCodeAt(i) - 48;
    const two = (i: number) => {
      const a = d(i), b = d(i + 1);
      return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
    };
    const y1 = two(0), y2 = two(2), mo = two(5), dd = two(8);
    let h = 0, mi = 0, se = 0;
    let ok = y1 >= 0 && y2 >= 0 && mo >= 0 && dd >= 0;
    if (ok && len > 10) {
      const sep = s.charCodeAt(10);
      h = two(11);
      mi = two(14);
      ok = (sep === 84 || sep === 32) && s.charCodeAt(13) === 58 && h >= 0 && mi >= 0;
      if (ok && len === 19) {
        se = two(17);
        ok = s.charCodeAt(16) === 58 && se >= 0;
      }
    }
    if (ok) {
      const y = y1 * 100 + y2;
      if (mo < 1 || mo > 12 || dd < 1 || dd > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return false;
      f[0] = y; f[1] = mo; f[2] = dd; f[3] = h; f[4] = mi; f[5] = se;
      return true;
    }
  }
  const m = ISO.exec(s.trim());
  if (!m) return false;
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
  const h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, se = m[6] ? +m[6] : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return false;
  const tz = m[7];
  if (tz && tz !== 'Z') {
    const oh = +tz.slice(1, 3);
    const om = tz.length > 3 ? +tz.slice(-2) : 0;
    if (oh > 23 || om > 59) return false;
  }
  if (tz && !m[4]) return false; // an offset needs a time
  f[0] = y; f[1] = mo; f[2] = d; f[3] = h; f[4] = mi; f[5] = se;
  return true;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function yearOfDays(z0: number): number {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

/** weekday with Monday = 0 (1970-01-01 was a Thursday) */
function weekdayOfDays(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

function isoWeek(days: number): number {
  const thursday = days + 3 - weekdayOfDays(days);
  const y = yearOfDays(thursday);
  return Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
}

/** day-level values of the last date seen (rows in time order mostly repeat the date) */
interface DayCache { key: number; days: number; weekday: number; week: number }

function civilParts(f: Int32Array, parts: readonly DatetimePart[], cols: Float64Array[], i: number, cache: DayCache): void {
  const y = f[0]!, mo = f[1]!, d = f[2]!;
  const key = (y * 16 + mo) * 32 + d;
  if (key !== cache.key) {
    cache.key = key;
    cache.days = daysFromCivil(y, mo, d);
    cache.weekday = weekdayOfDays(cache.days);
    cache.week = -1; // computed when asked for
  }
  for (let j = 0; j < parts.length; j++) {
    let v: number;
    switch (parts[j]!) {
      case 'year': v = y; break;
      case 'quarter': v = ((mo - 1) / 3 | 0) + 1; break;
      case 'month': v = mo; break;
      case 'day': v = d; break;
      case 'hour': v = f[3]!; break;
      case 'minute': v = f[4]!; break;
      case 'second': v = f[5]!; break;
      case 'weekday': v = cache.weekday; break;
      case 'dayofyear': v = CUM_DAYS[mo - 1]! + d + (mo > 2 && isLeap(y) ? 1 : 0); break;
      case 'week': v = cache.week >= 0 ? cache.week : (cache.week = isoWeek(cache.days)); break;
      case 'is_weekend': v = cache.weekday >= 5 ? 1 : 0; break;
    }
    cols[j]![i] = v;
  }
}

/** Parts of a Date / Datetime column with polars' own datetime functions (time zones included). */
function fromPolarsDatetime(x: Frame, col: string, dt: string, parts: readonly DatetimePart[], cols: Float64Array[]): void {
  const pl = polars();
  const c = dt === 'Date' ? pl.col(col).cast(pl.Datetime('ms')) : pl.col(col);
  const exprs = parts.map((p, j) => {
    let e: any;
    switch (p) {
      case 'year': e = c.date.year(); break;
      case 'quarter': e = c.date.month().cast(pl.Float64).sub(1).div(3).floor().add(1); break;
      case 'month': e = c.date.month(); break;
      case 'day': e = c.date.day(); break;
      case 'hour': e = c.date.hour(); break;
      case 'minute': e = c.date.minute(); break;
      case 'second': e = c.date.second(); break;
      case 'weekday': e = c.date.weekday().cast(pl.Int32).sub(1); break; // polars: Monday = 1
      case 'dayofyear': e = c.date.ordinalDay(); break;
      case 'week': e = c.date.week(); break;
      case 'is_weekend': e = c.date.weekday().cast(pl.Int32).gtEq(6).cast(pl.Int32); break;
    }
    return e.cast(pl.Float64).fillNull(pl.lit(NaN)).alias(`p${j}`);
  });
  const out = x.select(...exprs);
  parts.forEach((_, j) => cols[j]!.set(out.getColumn(`p${j}`).toTypedArray() as Float64Array));
}

// ------------------------------------------------------------------------------------------------
// implementations

const implOf = <P>(make: (p: P, s?: InputsState) => Transformer<P, InputsState>): ComponentImpl<P, InputsState> => ({
  create: (p) => make(p),
  restore: async (p, s) => make(p, s),
});

export const impls: Record<'lags' | 'diff' | 'rolling' | 'datetime_parts', ComponentImpl> = {
  lags: implOf<LagsParams>((p, s) => new Lags(p, s)),
  diff: implOf<DiffParams>((p, s) => new Diff(p, s)),
  rolling: implOf<RollingParams>((p, s) => new Rolling(p, s)),
  datetime_parts: implOf<DatetimePartsParams>((p, s) => new DatetimeParts(p, s)),
};
