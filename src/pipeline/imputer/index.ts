/**
 * simple_imputer: scikit-learn 1.2's SimpleImputer, column by column.
 *
 * - strategy mean | median (numeric columns), most_frequent | constant (numeric and text columns);
 *   missing = null or NaN. most_frequent ties go to the smallest value (as scikit-learn).
 * - constant: fill_value, default 0 for numeric columns and "missing_value" for text columns.
 * - Columns with no observed value at fit are dropped for mean/median/most_frequent, as scikit-learn
 *   does with keep_empty_features=False (the default); fit() reports them with ctx.log.warn.
 *   keep_empty_features: true keeps them, filled with 0 (scikit-learn's behaviour).
 * - add_indicator: one 0/1 column `missingindicator_<col>` per column that had missing values at
 *   fit (also for dropped columns), after the imputed columns, as scikit-learn's MissingIndicator.
 *
 * Output: numeric columns as Float64, text columns as text (an imputer feeds encoders); indicators
 * as Float64 0/1.
 */
import pl from 'nodejs-polars';
import type { Frame } from '../../core/types.js';
type Expr = ReturnType<typeof pl.col>;
import { DataError } from '../../core/errors.js';
import type { TransformContext } from '../transformer.js';
import { columnOf } from '../frame-columns.js';
import {
  ColumnsTransformer, checkState, columnKind, comparePy, decodeNum, encodeNum, floatColumn, floatExpr,
  pairwiseSum, medianFinite, rejectInfiniteColumns, textColumn, type JsonNum,
} from '../columns.js';
import { simpleImputerParams, type SimpleImputerParams } from './spec.js';
import type { ComponentImpl } from '../../core/component.js';
export { simpleImputerParams, type SimpleImputerParams };


export interface SimpleImputerState {
  columns: string[];
  /** 'numeric' (ints, floats, booleans: output Float64) or 'text' (output text) */
  kinds: ('numeric' | 'text')[];
  /** the fill value per column: a number (numeric) or a string (text); null = dropped column */
  statistics: (JsonNum | string | null)[];
  /** columns that had missing values at fit (missing-indicator columns, in input order) */
  indicator: string[];
}

/** Most frequent value; ties -> the smallest (scipy.stats.mode / Python's min over the tied values). */
function mostFrequentNumber(v: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue;
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  let best = NaN, bestCount = 0;
  for (const [x, c] of counts) {
    if (c > bestCount || (c === bestCount && x < best)) { best = x; bestCount = c; }
  }
  return best;
}

function mostFrequentText(frame: Frame, name: string): string | null {
  const s = columnOf(frame, name);
  let best: string | null = null, bestCount = 0;
  if (columnKind(frame, name) === 'bool') {
    const counts = new Map<string, number>();
    for (const t of textColumn(frame, name)) if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, c] of counts) if (c > bestCount || (c === bestCount && comparePy(t, best!) < 0)) { best = t; bestCount = c; }
    return best;
  }
  const vc = s.cast(pl.Utf8).alias('v').valueCounts();
  const values = vc.getColumn('v').toArray() as (string | null)[];
  const counts = vc.getColumn(vc.columns[1]).toArray() as number[];
  for (let i = 0; i < values.length; i++) {
    const t = values[i];
    if (t === null) continue;
    const c = Number(counts[i]);
    if (c > bestCount || (c === bestCount && comparePy(t, best!) < 0)) { best = t; bestCount = c; }
  }
  return best;
}

function hasNaN(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) return true;
  return false;
}

export class SimpleImputer extends ColumnsTransformer<SimpleImputerParams, SimpleImputerState> {
  readonly name = 'simple_imputer';

  protected fitCore(x: Frame, ctx: TransformContext): SimpleImputerState {
    const { strategy, fill_value, add_indicator, keep_empty_features } = this.params;
    const st: SimpleImputerState = { columns: [...x.columns], kinds: [], statistics: [], indicator: [] };
    const dropped: string[] = [];
    for (const c of x.columns) {
      const kind = columnKind(x, c) === 'text' ? 'text' : 'numeric';
      st.kinds.push(kind);
      const v = kind === 'numeric' ? floatColumn(x, c) : undefined;
      if (add_indicator && (v ? hasNaN(v) : columnOf(x, c).nullCount() > 0)) st.indicator.push(c);
      if (strategy === 'constant') {
        if (kind === 'numeric') {
          if (typeof fill_value === 'string') {
            throw new DataError(`column "${c}" is numeric; simple_imputer's fill_value "${fill_value}" must be a number for it`, { path: c });
          }
          st.statistics.push(encodeNum(fill_value ?? 0));
        } else st.statistics.push(fill_value === null ? 'missing_value' : String(fill_value));
        continue;
      }
      let stat: number | string | null;
      if (kind === 'text') {
        if (strategy !== 'most_frequent') {
          throw new DataError(`column "${c}" is text; simple_imputer with strategy ${strategy} needs numbers (use most_frequent or constant)`, { path: c });
        }
        stat = mostFrequentText(x, c);
      } else {
        const vals = v!; // our own copy: the mean below overwrites its NaN with 0
        if (strategy === 'mean') {
          let n = 0;
          for (let i = 0; i < vals.length; i++) if (vals[i] === vals[i]) n++; else vals[i] = 0;
          stat = n === 0 ? null : pairwiseSum(vals) / n;
        } else if (strategy === 'median') {
          const m = medianFinite(vals);
          stat = Number.isNaN(m) ? null : m;
        } else {
          const m = mostFrequentNumber(vals);
          stat = Number.isNaN(m) ? null : m;
        }
      }
      if (stat === null) {
        if (keep_empty_features) stat = kind === 'text' ? '0' : 0;
        else dropped.push(c);
      }
      st.statistics.push(stat === null ? null : typeof stat === 'number' ? encodeNum(stat) : stat);
    }
    if (dropped.length) {
      const list = dropped.map((c) => `"${c}"`).join(', ');
      ctx.log.warn(
        `simple_imputer: dropped ${dropped.length === 1 ? 'column' : 'columns'} ${list}: no value observed at fit, ` +
        `so strategy ${strategy} has nothing to impute from (as scikit-learn; set keep_empty_features: true to keep ` +
        `${dropped.length === 1 ? 'it' : 'them'}, filled with 0)`,
      );
    }
    return st;
  }

  private fills?: { state: SimpleImputerState; numeric: string[]; exprs: Expr[] };

  protected transformCore(x: Frame, st: SimpleImputerState): Frame {
    // numeric columns are filled by polars expressions (moving the values into JS and back costs ~20 ns
    // a value each way), in one query; the other outputs are series
    if (this.fills?.state !== st) {
      // built once per fitted state: each polars expression costs about a millisecond
      const numeric = st.columns.filter((_, j) => st.statistics[j] !== null && st.kinds[j] === 'numeric');
      const exprs = st.columns.flatMap((c, j) => (st.statistics[j] !== null && st.kinds[j] === 'numeric' ? [floatExpr(c).fillNan(pl.lit(decodeNum(st.statistics[j] as JsonNum))).alias(c)] : []));
      this.fills = { state: st, numeric, exprs };
    }
    const { numeric, exprs } = this.fills;
    for (const c of numeric) {
      if (columnKind(x, c) === 'text') throw new DataError(`column "${c}" is text; it was numeric when simple_imputer was fitted`, { path: c });
    }
    rejectInfiniteColumns(x, numeric);
    const filled = new Map(exprs.length ? x.select(...exprs).getColumns().map((s) => [s.name, s]) : []);
    const series: any[] = [];
    for (let j = 0; j < st.columns.length; j++) {
      const c = st.columns[j];
      const stat = st.statistics[j];
      if (stat === null) continue;
      if (st.kinds[j] === 'numeric') {
        series.push(filled.get(c));
      } else {
        const s = columnKind(x, c) === 'bool' ? pl.Series(c, textColumn(x, c), pl.Utf8) : columnOf(x, c).cast(pl.Utf8);
        series.push(s.nullCount() === 0 ? s.alias(c) : pl.DataFrame([s.alias(c)]).select(pl.col(c).fillNull(pl.lit(stat as string))).getColumn(c));
      }
    }
    for (const c of st.indicator) {
      const out = new Float64Array(x.height);
      if (columnKind(x, c) === 'numeric') {
        const v = floatColumn(x, c);
        for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) out[i] = 1;
      } else {
        const m = columnOf(x, c).isNull().toArray() as boolean[];
        for (let i = 0; i < m.length; i++) if (m[i]) out[i] = 1;
      }
      series.push(pl.Series(`missingindicator_${c}`, out, pl.Float64));
    }
    return series.length ? pl.DataFrame(series) : pl.DataFrame({});
  }

  protected namesOut(st: SimpleImputerState): string[] {
    const names = st.columns.filter((_, j) => st.statistics[j] !== null);
    return [...names, ...st.indicator.map((c) => `missingindicator_${c}`)];
  }
}

export const impl: ComponentImpl<SimpleImputerParams, SimpleImputerState, SimpleImputer> = {
  create: (p) => new SimpleImputer(p),
  restore: async (p, s) => new SimpleImputer(p, checkState('simple_imputer', s, ['kinds', 'statistics'])),
};
