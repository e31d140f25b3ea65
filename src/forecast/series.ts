/**
 * A table -> the series a forecaster sees: grouped by data.id (first-appearance order), timestamps
 * parsed and checked (increasing, no duplicates, on one frequency grid, no gaps unless data.fill says
 * how to fill them), target and exogenous columns numeric and complete (or filled), the target
 * transform applied. Every problem is a DataError naming the file, line and column.
 */
import type { Frame, SeriesData } from '../core/types.js';
import { DataError, ConfigError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { Table } from '../data/read.js';
import { dtypeOf } from '../data/read.js';
import { addSteps, describeFreq, formatTime, inferFreq, parseFreq, parseTimes, seasonLength, stepsBetween, TimeParseError, type Freq, type TimeStyle } from '../core/time.js';

export type FillMethod = 'error' | 'ffill' | 'linear' | 'zero';
export type TargetTransform = 'none' | 'log';

export interface SeriesSettings {
  time: string;
  target: string;
  id?: string;
  exog: string[];
  /** data.freq (alias or number); inferred when absent */
  freq?: string | number | Freq;
  fill: FillMethod;
  transform: TargetTransform;
  /**
   * rows at the end of a series with an empty target are the future: their exogenous values are the
   * ones the forecast uses (mlkit forecast --input); otherwise such rows are errors (or filled)
   */
  future?: boolean;
}

export interface PreparedSeries extends SeriesData {
  /** timestamps of y (filled ones included) */
  times: Float64Array;
  /** future rows (settings.future): their timestamps and exogenous columns */
  future?: { times: Float64Array; exog: Float64Array[] };
}

export interface PreparedSet {
  series: PreparedSeries[];
  freq: Freq;
  style: TimeStyle;
  season: number;
  /** things the user should know (values filled, ...) */
  notes: string[];
}

function requireColumn(table: Table, col: string, role: string): void {
  if (!table.frame.columns.includes(col)) {
    throw new DataError(`column "${col}" (${role}) is missing${didYouMean(col, table.frame.columns)} (columns: ${table.frame.columns.join(', ')})`, { file: table.name, path: col });
  }
}

/** A numeric column as float64 with NaN for empty values; text that is not a number is an error. */
function numericValues(table: Table, col: string): Float64Array {
  const s = table.frame.getColumn(col);
  const dtype = dtypeOf(s.dtype);
  const raw = s.toArray() as unknown[];
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === null || v === undefined) { out[i] = NaN; continue; }
    if (typeof v === 'number' || typeof v === 'bigint') { out[i] = Number(v); continue; }
    if (typeof v === 'boolean') { out[i] = v ? 1 : 0; continue; }
    const x = dtype === 'string' && String(v).trim() !== '' ? Number(String(v).trim()) : NaN;
    if (!Number.isFinite(x)) throw new DataError(`column "${col}": ${JSON.stringify(String(v))} is not a number`, { file: table.name, line: table.lineOf(i), path: col });
    out[i] = x;
  }
  return out;
}

function idValues(frame: Frame, col: string): string[] {
  return (frame.getColumn(col).toArray() as unknown[]).map((v) => (v === null || v === undefined ? '' : String(v)));
}

export function prepareSeries(table: Table, st: SeriesSettings): PreparedSet {
  const where = (row: number, col?: string) => ({ file: table.name, line: table.lineOf(row), path: col });
  requireColumn(table, st.time, 'data.time');
  requireColumn(table, st.target, 'data.target');
  if (st.id) requireColumn(table, st.id, 'data.id');
  for (const c of st.exog) requireColumn(table, c, 'data.exog');
  const n = table.frame.height;
  if (n === 0) throw new DataError('the table has no rows', { file: table.name });

  // timestamps
  let parsed;
  try {
    parsed = parseTimes(table.frame.getColumn(st.time).toArray() as unknown[]);
  } catch (e) {
    if (e instanceof TimeParseError) throw new DataError(`column "${st.time}": ${e.text === 'null' || e.text === 'undefined' ? 'the timestamp' : JSON.stringify(e.text)} ${e.message}`, where(e.row, st.time));
    throw e;
  }
  const { values: tAll, style } = parsed;
  const timeKind = style.kind === 'number' ? 'number' : 'time';
  const fmt = (t: number) => formatTime(t, style);

  const y = numericValues(table, st.target);
  const exog = st.exog.map((c) => numericValues(table, c));

  // groups, in order of first appearance
  const groups = new Map<string, number[]>();
  if (st.id) {
    const ids = idValues(table.frame, st.id);
    ids.forEach((id, i) => {
      if (id === '') throw new DataError(`column "${st.id}" (data.id) is empty`, where(i, st.id));
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(i);
    });
  } else {
    groups.set('', Array.from({ length: n }, (_, i) => i));
  }
  const label = (id: string) => (id ? `series "${id}": ` : '');

  // order and duplicates
  for (const [id, rows] of groups) {
    for (let k = 1; k < rows.length; k++) {
      const a = tAll[rows[k - 1]!]!, b = tAll[rows[k]!]!;
      if (b === a) throw new DataError(`${label(id)}duplicate timestamp ${fmt(b)} (also on line ${table.lineOf(rows[k - 1]!)})`, where(rows[k]!, st.time));
      if (b < a) throw new DataError(`${label(id)}timestamps must increase: ${fmt(b)} comes after ${fmt(a)} (line ${table.lineOf(rows[k - 1]!)}); sort the file by ${st.id ? `${st.id}, ` : ''}${st.time}`, where(rows[k]!, st.time));
    }
  }

  // frequency
  let freq: Freq | undefined;
  if (st.freq !== undefined) {
    freq = typeof st.freq === 'object' ? st.freq : parseFreq(st.freq);
    if (!freq) throw new ConfigError(`unknown frequency ${JSON.stringify(st.freq)}`, { path: 'data.freq' });
    if ((freq.unit === 'number') !== (timeKind === 'number')) throw new ConfigError(`data.freq ${JSON.stringify(st.freq)} does not suit ${timeKind === 'number' ? 'numeric timestamps (give a number)' : 'dates (give an alias such as D, h or MS)'}`, { path: 'data.freq' });
  } else {
    for (const rows of groups.values()) {
      if (rows.length < 2) continue;
      freq = inferFreq(rows.map((r) => tAll[r]!), timeKind);
      if (freq) break;
    }
    if (!freq) throw new DataError(`cannot infer the frequency of column "${st.time}" (too few timestamps, or no common step): set data.freq`, { file: table.name, path: st.time });
    // an inferred grid that most timestamps miss is not the series' frequency: irregular timestamps
    let rowsSeen = 0;
    let slots = 0;
    for (const rows of groups.values()) {
      rowsSeen += rows.length;
      for (let k = 1; k < rows.length; k++) slots += stepsBetween(tAll[rows[k - 1]!]!, tAll[rows[k]!]!, freq);
      slots += 1;
    }
    if (slots > 2 * rowsSeen) {
      throw new DataError(`the timestamps of column "${st.time}" are irregular: the only grid that fits them is ${describeFreq(freq)}, on which ${slots - rowsSeen} of ${slots} timestamps would be missing; set data.freq (and data.fill to fill gaps)`, { file: table.name, path: st.time });
    }
  }

  const notes: string[] = [];
  let filled = 0;
  const series: PreparedSeries[] = [];
  for (const [id, rows] of groups) {
    // future rows: trailing rows with an empty target
    let end = rows.length;
    if (st.future) while (end > 0 && Number.isNaN(y[rows[end - 1]!]!)) end--;
    const histRows = rows.slice(0, end);
    const futRows = rows.slice(end);
    if (!histRows.length) throw new DataError(`${label(id)}no values of the target "${st.target}"`, { file: table.name, path: st.target });

    // expand onto the grid
    const times: number[] = [];
    const ys: number[] = [];
    const xs: number[][] = st.exog.map(() => []);
    const srcRow: number[] = []; // table row, or -1 for an inserted timestamp
    for (let k = 0; k < histRows.length; k++) {
      const r = histRows[k]!;
      if (k > 0) {
        const prev = histRows[k - 1]!;
        const steps = stepsBetween(tAll[prev]!, tAll[r]!, freq);
        if (Number.isNaN(steps)) throw new DataError(`${label(id)}timestamp ${fmt(tAll[r]!)} is not on the ${describeFreq(freq)} grid of the series (previous: ${fmt(tAll[prev]!)}, line ${table.lineOf(prev)})${st.freq === undefined ? '; set data.freq' : ''}`, where(r, st.time));
        if (steps > 1) {
          if (st.fill === 'error') {
            const first = fmt(addSteps(tAll[prev]!, freq, 1));
            const what = steps === 2 ? `${first} is missing` : `${steps - 1} timestamps are missing, ${first} to ${fmt(addSteps(tAll[prev]!, freq, steps - 1))}`;
            throw new DataError(`${label(id)}gap in the ${describeFreq(freq)} series: ${what} before ${fmt(tAll[r]!)}; set data.fill to ffill, linear or zero to fill gaps`, where(r, st.time));
          }
          for (let j = 1; j < steps; j++) {
            times.push(addSteps(tAll[prev]!, freq, j));
            ys.push(NaN);
            xs.forEach((x) => x.push(NaN));
            srcRow.push(-1);
          }
        }
      }
      times.push(tAll[r]!);
      ys.push(y[r]!);
      xs.forEach((x, j) => x.push(exog[j]![r]!));
      srcRow.push(r);
    }
    // empty values
    const fillCol = (vals: number[], col: string) => {
      let count = 0;
      for (let k = 0; k < vals.length; k++) {
        if (!Number.isNaN(vals[k]!)) continue;
        if (st.fill === 'error') {
          throw new DataError(`${label(id)}column "${col}" is empty; every timestamp needs a value (or set data.fill to ffill, linear or zero)`, where(srcRow[k]!, col));
        }
        count++;
      }
      if (!count) return 0;
      fillValues(vals, st.fill as Exclude<FillMethod, 'error'>, () => {
        throw new DataError(`${label(id)}column "${col}": the first value is empty and cannot be forward-filled`, srcRow[0]! >= 0 ? where(srcRow[0]!, col) : { file: table.name, path: col });
      });
      return count;
    };
    filled += fillCol(ys, st.target);
    xs.forEach((x, j) => { filled += fillCol(x, st.exog[j]!); });

    const yArr = Float64Array.from(ys);
    if (st.transform === 'log') {
      for (let k = 0; k < yArr.length; k++) {
        if (!(yArr[k]! > 0)) throw new DataError(`${label(id)}forecast.transform log needs positive values of "${st.target}", got ${yArr[k]}`, srcRow[k]! >= 0 ? where(srcRow[k]!, st.target) : { file: table.name, path: st.target });
        yArr[k] = Math.log(yArr[k]!);
      }
    }
    const ps: PreparedSeries = { id, y: yArr, exog: xs.map((x) => Float64Array.from(x)), times: Float64Array.from(times) };
    if (futRows.length) {
      const ft: number[] = [];
      let prev = times[times.length - 1]!;
      for (const r of futRows) {
        const steps = stepsBetween(prev, tAll[r]!, freq);
        if (steps !== 1) throw new DataError(`${label(id)}future rows (empty target) must continue the series step by step: ${fmt(tAll[r]!)} does not follow ${fmt(prev)}`, where(r, st.time));
        for (let j = 0; j < exog.length; j++) {
          if (Number.isNaN(exog[j]![r]!)) throw new DataError(`${label(id)}future row: the exogenous column "${st.exog[j]}" is empty`, where(r, st.exog[j]));
        }
        ft.push(tAll[r]!);
        prev = tAll[r]!;
      }
      ps.future = { times: Float64Array.from(ft), exog: exog.map((x) => Float64Array.from(futRows, (r) => x[r]!)) };
    }
    series.push(ps);
  }
  if (filled) notes.push(`data.fill ${st.fill}: ${filled} missing value(s) filled`);
  return { series, freq, style, season: seasonLength(freq), notes };
}

/** Fills NaN in place: ffill (last value), linear (between neighbours; ends take the nearest), zero. */
export function fillValues(v: number[] | Float64Array, how: Exclude<FillMethod, 'error'>, leadingNaN: () => never): void {
  const n = v.length;
  if (how === 'zero') {
    for (let i = 0; i < n; i++) if (Number.isNaN(v[i]!)) v[i] = 0;
    return;
  }
  if (how === 'ffill') {
    if (Number.isNaN(v[0]!)) leadingNaN();
    for (let i = 1; i < n; i++) if (Number.isNaN(v[i]!)) v[i] = v[i - 1]!;
    return;
  }
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(v[i]!)) continue;
    if (last === -1) for (let j = 0; j < i; j++) v[j] = v[i]!;
    else for (let j = last + 1; j < i; j++) v[j] = v[last]! + ((v[i]! - v[last]!) * (j - last)) / (i - last);
    last = i;
  }
  if (last === -1) leadingNaN();
  for (let j = last + 1; j < n; j++) v[j] = v[last]!;
}
