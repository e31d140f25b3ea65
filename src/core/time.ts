/**
 * Timestamps of a series: parsing (ISO-8601 dates and date-times, or plain numbers such as an integer
 * index or R's fractional years), the frequency (inferred or given as `data.freq`), the steps between
 * consecutive timestamps (for gap detection) and the timestamps that continue a series. Pure: no
 * polars, no I/O. Date-times are handled in UTC (a timestamp without a zone is read as UTC wall-clock
 * time, so daylight-saving changes never create gaps or duplicates).
 */

/** A frequency: a fixed duration (ms), a number of calendar months, or a numeric step. */
export type Freq =
  | { unit: 'ms'; step: number }
  | { unit: 'month'; step: number; anchor: 'start' | 'end' }
  | { unit: 'number'; step: number };

/** How the timestamps were written, so the forecast's timestamps are written the same way. */
export type TimeStyle =
  | { kind: 'number'; decimals: number }
  | { kind: 'date' }
  | { kind: 'datetime'; sep: 'T' | ' '; seconds: boolean; millis: boolean; zone: boolean }
  | { kind: 'month' };

export interface ParsedTimes {
  /** epoch milliseconds (UTC) for dates, the value itself for numbers */
  values: Float64Array;
  style: TimeStyle;
}

const ISO = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 date or date-time (`2024-01-31`, `2024-01-31 13:00`, `2024-01-31T13:00:00.5Z`, `+02:00`
 * offsets; a date-time without a zone read as UTC) as epoch milliseconds; NaN for anything else, for a day
 * the month does not have (2024-02-30) and for a time out of range. Never a locale's reading
 * (Date.parse takes 04.03.2024 as 3 April).
 */
export function parseIsoDateTime(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m || m[3] === undefined) return NaN;
  const [, ys, mos, ds, hs, mis, ss, fs, zs] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds);
  const h = hs === undefined ? 0 : Number(hs), mi = mis === undefined ? 0 : Number(mis), sec = ss === undefined ? 0 : Number(ss);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo - 1) || h > 23 || mi > 59 || sec > 59) return NaN;
  let t = Date.UTC(y, mo - 1, d, h, mi, sec) + (fs === undefined ? 0 : Number(`0.${fs}`) * 1000);
  if (zs && zs !== 'Z') {
    const sign = zs[0] === '-' ? -1 : 1;
    const digits = zs.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/** Why one timestamp could not be read (row index within the values given, and the text). */
export class TimeParseError extends Error {
  constructor(readonly row: number, readonly text: string, message: string) { super(message); }
}

/**
 * Parses a column of timestamps: numbers (kept as they are), JS Dates (from Parquet), or ISO strings
 * (`2024-01-31`, `2024-01`, `2024-01-31 13:00`, `2024-01-31T13:00:00.5Z`, `+02:00` offsets). Every value
 * must be present and of the same kind.
 */
export function parseTimes(raw: ArrayLike<unknown>): ParsedTimes {
  const n = raw.length;
  const values = new Float64Array(n);
  if (n === 0) return { values, style: { kind: 'date' } };
  const first = raw[0];
  if (typeof first === 'number' || typeof first === 'bigint') {
    let decimals = 0;
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new TimeParseError(i, String(v), v === null || v === undefined ? 'is empty' : 'is not a number');
      const x = Number(v);
      if (!Number.isFinite(x)) throw new TimeParseError(i, String(v), 'is not a finite number');
      values[i] = x;
      if (!Number.isInteger(x)) decimals = Math.max(decimals, Math.min(12, (String(x).split('.')[1] ?? '').length));
    }
    return { values, style: { kind: 'number', decimals } };
  }
  let style: TimeStyle | undefined;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (v instanceof Date) {
      const t = v.getTime();
      if (!Number.isFinite(t)) throw new TimeParseError(i, String(v), 'is not a valid date');
      values[i] = t;
      style ??= t % 86_400_000 === 0 ? { kind: 'date' } : { kind: 'datetime', sep: ' ', seconds: true, millis: t % 1000 !== 0, zone: false };
      continue;
    }
    if (typeof v !== 'string') throw new TimeParseError(i, String(v), v === null || v === undefined ? 'is empty' : 'is not a date or time');
    const m = ISO.exec(v.trim());
    if (!m) throw new TimeParseError(i, v, 'is not an ISO-8601 date or date-time (e.g. 2024-01-31 or 2024-01-31T13:00:00)');
    const [, ys, mos, ds, hs, mis, ss, fs, zs] = m;
    const y = Number(ys), mo = Number(mos), d = ds === undefined ? 1 : Number(ds);
    const h = hs === undefined ? 0 : Number(hs), mi = mis === undefined ? 0 : Number(mis), s = ss === undefined ? 0 : Number(ss);
    const ms = fs === undefined ? 0 : Math.round(Number(`0.${fs}`) * 1000);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo - 1) || h > 23 || mi > 59 || s > 59) throw new TimeParseError(i, v, 'is not a valid calendar date or time');
    let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (zs && zs !== 'Z') {
      const sign = zs[0] === '-' ? -1 : 1;
      const digits = zs.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    values[i] = t;
    const st: TimeStyle = ds === undefined ? { kind: 'month' }
      : hs === undefined ? { kind: 'date' }
        : { kind: 'datetime', sep: v.includes('T') ? 'T' : ' ', seconds: ss !== undefined, millis: fs !== undefined, zone: zs !== undefined };
    if (!style) style = st;
    else if (style.kind !== st.kind) throw new TimeParseError(i, v, `is written differently from the first timestamp (${describeStyle(style)})`);
    else if (style.kind === 'datetime' && st.kind === 'datetime') {
      // widen: seconds or milliseconds anywhere are kept everywhere
      style = { ...style, seconds: style.seconds || st.seconds, millis: style.millis || st.millis, zone: style.zone || st.zone };
    }
  }
  return { values, style: style! };
}

function describeStyle(s: TimeStyle): string {
  return s.kind === 'datetime' ? 'a date-time' : s.kind === 'date' ? 'a date' : s.kind === 'month' ? 'a year-month' : 'a number';
}

export function daysInMonth(y: number, m0: number): number {
  return new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
}

const pad = (x: number, w = 2) => String(x).padStart(w, '0');

export function formatTime(t: number, style: TimeStyle): string {
  if (style.kind === 'number') {
    if (style.decimals === 0 && Number.isInteger(t)) return String(t);
    return String(Number(t.toFixed(Math.max(style.decimals, 0))));
  }
  const d = new Date(t);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}`;
  if (style.kind === 'month') return date;
  const ymd = `${date}-${pad(d.getUTCDate())}`;
  if (style.kind === 'date') return ymd;
  let s = `${ymd}${style.sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (style.seconds || style.millis || d.getUTCSeconds() || d.getUTCMilliseconds()) s += `:${pad(d.getUTCSeconds())}`;
  if (style.millis || d.getUTCMilliseconds()) s += `.${pad(d.getUTCMilliseconds(), 3)}`;
  if (style.zone) s += 'Z';
  return s;
}

// ------------------------------------------------------------------------------------------------
// Frequencies

const UNIT_MS: Record<string, number> = {
  ms: 1, L: 1,
  s: 1000, S: 1000, sec: 1000,
  min: 60_000, T: 60_000,
  h: 3_600_000, H: 3_600_000,
  D: 86_400_000, d: 86_400_000,
  W: 7 * 86_400_000, w: 7 * 86_400_000,
};
const UNIT_MONTHS: Record<string, { months: number; anchor: 'start' | 'end' }> = {
  MS: { months: 1, anchor: 'start' }, M: { months: 1, anchor: 'end' }, ME: { months: 1, anchor: 'end' },
  QS: { months: 3, anchor: 'start' }, Q: { months: 3, anchor: 'end' }, QE: { months: 3, anchor: 'end' },
  YS: { months: 12, anchor: 'start' }, AS: { months: 12, anchor: 'start' }, Y: { months: 12, anchor: 'end' }, A: { months: 12, anchor: 'end' }, YE: { months: 12, anchor: 'end' },
};

/** The aliases data.freq accepts (pandas-style, with an optional multiple: `15min`, `2h`, `MS`, `3D`). */
export const FREQ_ALIASES = [...Object.keys(UNIT_MS), ...Object.keys(UNIT_MONTHS)];

/** Parses data.freq: an alias with an optional multiple, or a number (the step of numeric times). */
export function parseFreq(f: string | number): Freq | undefined {
  if (typeof f === 'number') return Number.isFinite(f) && f > 0 ? { unit: 'number', step: f } : undefined;
  const m = /^\s*(\d+)?\s*([A-Za-z]+)\s*$/.exec(f);
  if (!m) return undefined;
  const k = m[1] === undefined ? 1 : Number(m[1]);
  if (!(k > 0)) return undefined;
  const u = m[2]!;
  if (u in UNIT_MS) return { unit: 'ms', step: k * UNIT_MS[u]! };
  if (u in UNIT_MONTHS) return { unit: 'month', step: k * UNIT_MONTHS[u]!.months, anchor: UNIT_MONTHS[u]!.anchor };
  return undefined;
}

export function describeFreq(f: Freq): string {
  if (f.unit === 'number') return `every ${f.step}`;
  if (f.unit === 'month') {
    const what = f.step === 12 ? 'yearly' : f.step === 3 ? 'quarterly' : f.step === 1 ? 'monthly' : `every ${f.step} months`;
    return f.anchor === 'end' ? `${what} (month ends)` : what;
  }
  const units: [number, string][] = [[7 * 86_400_000, 'week'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second'], [1, 'ms']];
  for (const [ms, name] of units) {
    if (f.step % ms === 0) {
      const k = f.step / ms;
      return k === 1 ? (name === 'day' ? 'daily' : name === 'week' ? 'weekly' : name === 'hour' ? 'hourly' : `every ${name}`) : `every ${k} ${name}s`;
    }
  }
  return `every ${f.step} ms`;
}

/** The default season length of a frequency (12 for monthly, 4 quarterly, 24 hourly, 7 daily, ...); 1 = none. */
export function seasonLength(f: Freq): number {
  if (f.unit === 'month') return f.step === 1 ? 12 : f.step === 3 ? 4 : 1;
  // numeric times in R's ts convention: the unit is one season (a year), the step 1/k (k = 12 monthly,
  // 4 quarterly, ...), as in R's `time()` of a ts of frequency k
  if (f.unit === 'number') {
    const k = Math.round(1 / f.step);
    return k >= 2 && Math.abs(1 / f.step - k) < 1e-6 ? k : 1;
  }
  if (f.unit === 'ms') {
    if (f.step === 3_600_000) return 24;
    if (f.step === 86_400_000) return 7;
    if (f.step === 7 * 86_400_000) return 52;
    if (f.step === 1_800_000) return 48;
    if (f.step === 900_000) return 96;
  }
  return 1;
}

const monthIndex = (t: number) => {
  const d = new Date(t);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
const isMonthEnd = (t: number) => {
  const d = new Date(t);
  return d.getUTCDate() === daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
};
const withinMonth = (t: number) => t - Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);
const timeOfDay = (t: number) => ((t % 86_400_000) + 86_400_000) % 86_400_000;

/**
 * The position of timestamp `t` within a season of `season` steps, 0..season-1, counted from a fixed
 * origin so that it is the same calendar slot in every series: the month of the year (monthly), the
 * quarter (quarterly), the hour of the day (hourly, UTC), the day of the week (daily; 0 = Thursday
 * 1970-01-01), the cycle position k*t mod k (numeric times with step 1/k).
 */
export function seasonPosition(t: number, f: Freq, season: number): number {
  if (season <= 1) return 0;
  let k: number;
  if (f.unit === 'month') k = Math.floor(monthIndex(t) / f.step);
  else if (f.unit === 'ms') k = Math.floor(t / f.step);
  else k = Math.round(t / f.step);
  return ((k % season) + season) % season;
}

/** The timestamp `k` steps after `t`. */
export function addSteps(t: number, f: Freq, k: number): number {
  if (f.unit !== 'month') return t + k * f.step;
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + k * f.step;
  if (f.anchor === 'end') {
    const dim = daysInMonth(y + Math.floor(m / 12), ((m % 12) + 12) % 12);
    return Date.UTC(y, m, dim) + timeOfDay(t);
  }
  return Date.UTC(y, m, 1) + withinMonth(t);
}

/**
 * How many steps of `f` lie between `a` and `b` (b after a): a positive integer, or NaN when b is not
 * on a's grid.
 */
export function stepsBetween(a: number, b: number, f: Freq): number {
  if (f.unit === 'month') {
    const dm = monthIndex(b) - monthIndex(a);
    if (dm <= 0 || dm % f.step !== 0) return NaN;
    const k = dm / f.step;
    return addSteps(a, f, k) === b ? k : NaN;
  }
  const k = (b - a) / f.step;
  const r = Math.round(k);
  const tol = f.unit === 'number' ? 1e-6 : 0;
  return r >= 1 && Math.abs(k - r) <= tol ? r : NaN;
}

/**
 * Infers the frequency of sorted, distinct timestamps: the smallest step that puts every timestamp on
 * one grid (so a gap shows up as several steps, not as a different frequency). Undefined when there
 * are fewer than two timestamps or no grid fits.
 */
export function inferFreq(t: ArrayLike<number>, kind: 'number' | 'time'): Freq | undefined {
  const n = t.length;
  if (n < 2) return undefined;
  if (kind === 'number') {
    let min = Infinity;
    for (let i = 1; i < n; i++) min = Math.min(min, t[i]! - t[i - 1]!);
    if (!(min > 0)) return undefined;
    // round away floating-point noise such as R's 1949.08333333333 (a step of 1/12)
    const step = Number(min.toPrecision(10));
    const inv = 1 / step;
    const f: Freq = { unit: 'number', step: Math.abs(inv - Math.round(inv)) < 1e-6 ? 1 / Math.round(inv) : step };
    return fits(t, f) ? f : undefined;
  }
  // calendar months: every timestamp on the same day of the month (or on month ends) and time of day
  let sameDay = true;
  let ends = true;
  const w0 = withinMonth(t[0]!);
  const tod0 = timeOfDay(t[0]!);
  for (let i = 0; i < n && (sameDay || ends); i++) {
    if (withinMonth(t[i]!) !== w0) sameDay = false;
    if (!isMonthEnd(t[i]!) || timeOfDay(t[i]!) !== tod0) ends = false;
  }
  if (sameDay || ends) {
    let g = 0;
    for (let i = 1; i < n; i++) g = gcd(g, monthIndex(t[i]!) - monthIndex(t[i - 1]!));
    // a grid of whole months (same day, or month ends); otherwise (e.g. weekly dates that all fall on
    // the 1st) a fixed duration below
    if (g >= 1) {
      const f: Freq = { unit: 'month', step: g, anchor: sameDay ? 'start' : 'end' };
      if (fits(t, f)) return f;
    }
  }
  let g = 0;
  for (let i = 1; i < n; i++) g = gcd(g, t[i]! - t[i - 1]!);
  if (!(g > 0)) return undefined;
  return { unit: 'ms', step: g };
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function fits(t: ArrayLike<number>, f: Freq): boolean {
  for (let i = 1; i < t.length; i++) if (Number.isNaN(stepsBetween(t[i - 1]!, t[i]!, f))) return false;
  return true;
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as "15min", "2h", "30s", "1.5d" in milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|sec|s|min|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]) * DURATION_MS[m[2]!]!;
  return v > 0 ? v : undefined;
}
