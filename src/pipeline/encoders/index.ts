/**
 * Categorical encoders with scikit-learn 1.2's semantics: one_hot (OneHotEncoder) and ordinal
 * (OrdinalEncoder). 'columns' transformers over every column they are given: text columns, and
 * also numeric or boolean columns (each distinct value is a category).
 *
 * Categories are sorted as scikit-learn sorts them (text by code point, numbers ascending); a
 * missing value (null/NaN) seen at fit is a category of its own, `nan`, sorted last. A missing value
 * at transform that was not seen at fit is an unknown category, as in scikit-learn.
 *
 * one_hot output: Float64 0/1 columns `<col>_<category>`; numeric categories are named as Python
 * prints them (`age_41.0` for floats, `age_41` for integer columns without missing values), booleans
 * `True` / `False`. Rare categories (min_frequency / max_categories) are grouped into one column
 * `<col>_infrequent_sklearn`, placed last, with scikit-learn's rules (including its tie-breaking:
 * among equally rare categories the ones sorted first become infrequent first).
 *
 * ordinal output: Float64 codes 0..k-1 named like the input; missing -> encoded_missing_value
 * (default NaN, as scikit-learn 1.2); unknown -> DataError or unknown_value.
 */
import pl from 'nodejs-polars';
import type { Frame } from '../../core/types.js';
import { DataError } from '../../core/errors.js';
import type { TransformContext } from '../transformer.js';
import { columnOf } from '../frame-columns.js';
import {
  ColumnsTransformer, checkState, columnKind, comparePy, decodeNum, encodeNum, floatColumn, floatFrame,
  isIntegerColumn, pyNumber, textColumn, type ColumnKind, type JsonNum,
} from '../columns.js';
import { oneHotParams, ordinalParams, type OneHotParams, type OrdinalParams } from './spec.js';
import type { ComponentImpl } from '../../core/component.js';
export { oneHotParams, ordinalParams, type OneHotParams, type OrdinalParams };

// ------------------------------------------------------------------------------- categories

/** The categories of one column learned at fit. */
export interface CategoryColumn {
  name: string;
  kind: ColumnKind;
  /** numeric categories of an integer column without missing values print as integers */
  integer: boolean;
  /** sorted categories without the missing one: strings (text, bool) or numbers (numeric) */
  categories: (string | JsonNum)[];
  /** a missing value was seen at fit: category `nan`, index categories.length */
  missing: boolean;
}

/** Code of a missing value with no missing category, and of an unknown value. */
const MISSING_UNSEEN = -2;
const UNKNOWN = -1;
/** below this many rows a JS Map maps strings to codes faster than a polars expression */
const POLARS_MIN_ROWS = 20_000;

function numberCompare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Learns the sorted categories of a column and their counts (the missing category last). */
function fitCategories(frame: Frame, name: string): { col: CategoryColumn; counts: number[] } {
  const kind = columnKind(frame, name);
  if (kind === 'numeric') {
    const v = floatColumn(frame, name);
    const counts = new Map<number, number>();
    let nMissing = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== x) nMissing++;
      else counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    const cats = [...counts.keys()].sort(numberCompare);
    const col: CategoryColumn = {
      name, kind, integer: isIntegerColumn(frame, name) && nMissing === 0,
      categories: cats.map(encodeNum), missing: nMissing > 0,
    };
    return { col, counts: [...cats.map((c) => counts.get(c)!), ...(nMissing ? [nMissing] : [])] };
  }
  const counts = new Map<string, number>();
  let nMissing = 0;
  if (kind === 'bool') {
    for (const t of textColumn(frame, name)) {
      if (t === null) nMissing++;
      else counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  } else {
    const vc = columnOf(frame, name).cast(pl.Utf8).alias('v').valueCounts();
    const values = vc.getColumn('v').toArray() as (string | null)[];
    const n = vc.getColumn(vc.columns[1]).toArray() as number[];
    for (let i = 0; i < values.length; i++) {
      if (values[i] === null) nMissing += Number(n[i]);
      else counts.set(values[i]!, Number(n[i]));
    }
  }
  const cats = [...counts.keys()].sort(comparePy);
  const col: CategoryColumn = { name, kind, integer: false, categories: cats, missing: nMissing > 0 };
  return { col, counts: [...cats.map((c) => counts.get(c)!), ...(nMissing ? [nMissing] : [])] };
}

/** Number of categories including the missing one. */
function nCategories(col: CategoryColumn): number {
  return col.categories.length + (col.missing ? 1 : 0);
}

function categoryName(col: CategoryColumn, idx: number): string {
  if (idx === col.categories.length) return 'nan';
  const c = col.categories[idx];
  return col.kind === 'numeric' ? pyNumber(decodeNum(c as JsonNum), col.integer) : String(c);
}

/**
 * Codes of the values of a column: index into categories (the missing category at
 * categories.length), UNKNOWN for a value not seen at fit, MISSING_UNSEEN for a missing value when
 * none was seen at fit.
 */
function encodeColumn(frame: Frame, col: CategoryColumn): Int32Array {
  const kind = columnKind(frame, col.name);
  const missCode = col.missing ? col.categories.length : MISSING_UNSEEN;
  if (col.kind === 'numeric' && kind !== 'text') {
    const v = floatColumn(frame, col.name);
    const index = new Map<number, number>();
    col.categories.forEach((c, i) => index.set(decodeNum(c as JsonNum), i));
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i] = x !== x ? missCode : index.get(x) ?? UNKNOWN;
    }
    return out;
  }
  if (col.kind === 'numeric' || kind === 'bool' || frame.height < POLARS_MIN_ROWS) {
    // small frames, booleans, or text where numbers were fitted (never equal): compare as text in JS
    const t = textColumn(frame, col.name);
    const index = new Map<string, number>();
    if (col.kind !== 'numeric') col.categories.forEach((c, i) => index.set(String(c), i));
    const out = new Int32Array(t.length);
    for (let i = 0; i < t.length; i++) out[i] = t[i] === null ? missCode : index.get(t[i]!) ?? UNKNOWN;
    return out;
  }
  // text (or numbers where text was fitted): polars maps the strings to codes
  const src = pl.col(col.name).cast(pl.Utf8);
  const cats = col.categories as string[];
  const mapped = cats.length
    ? src.replaceStrict(cats, cats.map((_, i) => i), UNKNOWN, pl.Int32)
    : pl.lit(UNKNOWN);
  const expr = pl.when(pl.col(col.name).isNull()).then(pl.lit(missCode)).otherwise(mapped).cast(pl.Int32).alias('code');
  const s = columnOf(frame, col.name).toFrame().select(expr).getColumn('code'); // not frame.select: O(columns) per call
  return Int32Array.from(s.toTypedArray() as Int32Array);
}

/** DataError for the first unknown value of a column. */
function unknownError(frame: Frame, col: CategoryColumn, codes: Int32Array, who: string, hint: string): DataError {
  let row = 0;
  while (row < codes.length && codes[row] >= 0) row++;
  if (codes[row] === MISSING_UNSEEN) {
    return new DataError(`column "${col.name}": missing value, and ${who} saw none in this column at fit (${hint})`, { path: col.name });
  }
  const raw = columnOf(frame, col.name).get(row);
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return new DataError(`column "${col.name}": unknown category ${shown} (not seen when ${who} was fitted; ${hint})`, { path: col.name });
}

function fitAll(frame: Frame): { cols: CategoryColumn[]; counts: number[][] } {
  const cols: CategoryColumn[] = [];
  const counts: number[][] = [];
  for (const c of frame.columns) {
    const r = fitCategories(frame, c);
    cols.push(r.col);
    counts.push(r.counts);
  }
  return { cols, counts };
}

// ------------------------------------------------------------------------------------ one_hot


export interface OneHotColumn extends CategoryColumn {
  /** indices into categories (+ missing) grouped into `<col>_infrequent_sklearn`; null = none */
  infrequent: number[] | null;
  /** index into the grouped categories that `drop` removes; null = none */
  drop: number | null;
}

export interface OneHotState {
  columns: string[];
  encoders: OneHotColumn[];
}

/** scikit-learn 1.2's OneHotEncoder._identify_infrequent, literally (quirks included). */
function identifyInfrequent(counts: number[], nSamples: number, p: OneHotParams): number[] | null {
  const k = counts.length;
  const infrequent = new Array<boolean>(k).fill(false);
  const mf = p.min_frequency;
  if (mf !== null) {
    const threshold = Number.isInteger(mf) ? mf : nSamples * mf;
    for (let i = 0; i < k; i++) infrequent[i] = counts[i] < threshold;
  }
  const nCurrent = k - infrequent.filter(Boolean).length + 1;
  const mc = p.max_categories;
  if (mc !== null && mc < nCurrent) {
    // argsort(counts, kind='mergesort')[:-max_categories + 1]: stable, so among equal counts the
    // categories sorted first become infrequent first; with max_categories=1 the slice is empty
    const order = counts.map((_, i) => i).sort((a, b) => counts[a] - counts[b]);
    const take = mc === 1 ? 0 : Math.max(0, k - mc + 1);
    for (let i = 0; i < take; i++) infrequent[order[i]] = true;
  }
  const idx = infrequent.flatMap((f, i) => (f ? [i] : []));
  return idx.length ? idx : null;
}

/** Map from category index to grouped index, and the number of grouped categories. */
function grouping(col: OneHotColumn): { map: Int32Array; n: number; infrequentIdx: number } {
  const k = nCategories(col);
  const map = new Int32Array(k);
  if (!col.infrequent) {
    for (let i = 0; i < k; i++) map[i] = i;
    return { map, n: k, infrequentIdx: -1 };
  }
  const inf = new Set(col.infrequent);
  let f = 0;
  for (let i = 0; i < k; i++) if (!inf.has(i)) map[i] = f++;
  for (const i of inf) map[i] = f;
  return { map, n: f + 1, infrequentIdx: f };
}

function groupedNames(col: OneHotColumn): string[] {
  const k = nCategories(col);
  const inf = new Set(col.infrequent ?? []);
  const names: string[] = [];
  for (let i = 0; i < k; i++) if (!inf.has(i)) names.push(categoryName(col, i));
  if (inf.size) names.push('infrequent_sklearn');
  if (col.drop !== null) names.splice(col.drop, 1);
  return names;
}

export class OneHotEncoder extends ColumnsTransformer<OneHotParams, OneHotState> {
  readonly name = 'one_hot';

  protected fitCore(x: Frame, _ctx: TransformContext): OneHotState {
    const p = this.params;
    const { cols, counts } = fitAll(x);
    const encoders = cols.map((col, j): OneHotColumn => {
      const enc: OneHotColumn = { ...col, infrequent: null, drop: null };
      if (p.min_frequency !== null || p.max_categories !== null) enc.infrequent = identifyInfrequent(counts[j], x.height, p);
      const n = grouping(enc).n;
      if (p.drop === 'first' && n > 0) enc.drop = 0;
      else if (p.drop === 'if_binary' && n === 2) enc.drop = 0;
      return enc;
    });
    // e.g. the text "nan" beside missing values, or columns "a" (level "b_c") and "a_b" (level "c")
    const seen = new Map<string, string>();
    for (const enc of encoders) {
      for (const n of groupedNames(enc).map((g) => `${enc.name}_${g}`)) {
        const other = seen.get(n);
        if (other !== undefined) {
          throw new DataError(`one_hot would make two output columns named "${n}" (from column "${other}" and column "${enc.name}"); rename a column or recode the category`, { path: enc.name });
        }
        seen.set(n, enc.name);
      }
    }
    return { columns: [...x.columns], encoders };
  }

  /** the output expressions, built once per fitted state (each polars expression costs about a millisecond) */
  private outExprs?: { state: OneHotState; exprs: ReturnType<typeof pl.col>[] };

  protected transformCore(x: Frame, st: OneHotState): Frame {
    const handle = this.params.handle_unknown;
    // per input column, its output column index (-1: all zeros) as one Int32 series; polars then makes
    // the 0/1 Float64 columns (building them from JS arrays costs ~20 ns a value)
    const groups: pl.Series[] = [];
    st.encoders.forEach((col, k) => {
      const codes = encodeColumn(x, col);
      const { map, infrequentIdx } = grouping(col);
      const drop = col.drop;
      const t = new Int32Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        let g: number;
        if (c < 0) {
          if (handle === 'error') {
            throw unknownError(x, col, codes, this.name, 'set handle_unknown: ignore to encode unknown categories as all zeros');
          }
          g = handle === 'infrequent_if_exist' && infrequentIdx >= 0 ? infrequentIdx : -1;
        } else g = map[c];
        if (drop !== null && g >= 0) g = g === drop ? -1 : g > drop ? g - 1 : g;
        t[i] = g;
      }
      groups.push(pl.Series(`g${k}`, t, pl.Int32));
    });
    if (this.outExprs?.state !== st) {
      const exprs = st.encoders.flatMap((col, k) => {
        const g = pl.col(`g${k}`);
        return groupedNames(col).map((n, f) => g.eq(f).cast(pl.Float64).alias(`${col.name}_${n}`));
      });
      this.outExprs = { state: st, exprs };
    }
    const exprs = this.outExprs.exprs;
    return exprs.length ? pl.DataFrame(groups).select(...exprs) : pl.DataFrame({});
  }

  protected namesOut(st: OneHotState): string[] {
    return st.encoders.flatMap((col) => groupedNames(col).map((n) => `${col.name}_${n}`));
  }
}

// ------------------------------------------------------------------------------------ ordinal


export interface OrdinalState {
  columns: string[];
  encoders: CategoryColumn[];
}

function codeOf(v: number | 'nan' | null): number {
  return v === null || v === 'nan' ? NaN : v;
}

export class OrdinalEncoder extends ColumnsTransformer<OrdinalParams, OrdinalState> {
  readonly name = 'ordinal';

  protected fitCore(x: Frame, _ctx: TransformContext): OrdinalState {
    const p = this.params;
    const { cols } = fitAll(x);
    const unknown = codeOf(p.unknown_value);
    const missing = codeOf(p.encoded_missing_value);
    for (const col of cols) {
      const k = nCategories(col);
      if (p.handle_unknown === 'use_encoded_value' && unknown >= 0 && unknown < k) {
        throw new DataError(`column "${col.name}": ordinal's unknown_value ${unknown} is already the code of a category (codes 0..${k - 1}); choose a negative value or one >= ${k}`, { path: col.name });
      }
      if (col.missing && missing >= 0 && missing < k) {
        throw new DataError(`column "${col.name}": ordinal's encoded_missing_value ${missing} is already the code of a category (codes 0..${k - 1})`, { path: col.name });
      }
    }
    return { columns: [...x.columns], encoders: cols };
  }

  protected transformCore(x: Frame, st: OrdinalState): Frame {
    const p = this.params;
    const unknown = codeOf(p.unknown_value);
    const missing = codeOf(p.encoded_missing_value);
    const out = st.encoders.map((col) => {
      const codes = encodeColumn(x, col);
      const missIdx = col.missing ? col.categories.length : -99;
      const v = new Float64Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        if (c < 0) {
          if (p.handle_unknown === 'error') {
            throw unknownError(x, col, codes, this.name, "set handle_unknown: use_encoded_value with an unknown_value to encode them");
          }
          v[i] = unknown;
        } else v[i] = c === missIdx ? missing : c;
      }
      return v;
    });
    return floatFrame(st.columns, out);
  }

  protected namesOut(st: OrdinalState): string[] {
    return [...st.columns];
  }
}

// ------------------------------------------------------------------------------------ implementations

export const impls: Record<'one_hot' | 'ordinal', ComponentImpl> = {
  one_hot: {
    create: (p: OneHotParams) => new OneHotEncoder(p),
    restore: async (p: OneHotParams, s: OneHotState) => new OneHotEncoder(p, checkState('one_hot', s, ['encoders'])),
  },
  ordinal: {
    create: (p: OrdinalParams) => new OrdinalEncoder(p),
    restore: async (p: OrdinalParams, s: OrdinalState) => new OrdinalEncoder(p, checkState('ordinal', s, ['encoders'])),
  },
};
