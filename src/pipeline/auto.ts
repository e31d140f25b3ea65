/**
 * `pipeline: auto` for tabular tasks: numeric and boolean columns pass through as float32 with
 * missing values as NaN (XGBoost learns where missing values go, so it needs no imputation);
 * text columns are categorical: integer codes with feature type 'c' for engines with native
 * categorical support, else one-hot columns `<col>_<level>`. Unknown and missing levels become NaN
 * codes (native) or all-zero one-hot rows. Levels are sorted, as in scikit-learn's encoders.
 * The full pipeline layer (scalers, ColumnTransformer, ...) comes with its own issue.
 */
import pl from 'nodejs-polars';
import type { ColumnInfo, Frame } from '../core/types.js';
import type { DenseMatrix, FeatureType } from '../core/types.js';
import { DataError } from '../core/errors.js';
import { float64Rows, float64Values, seriesOf } from './frame-columns.js';

/** up to this many numeric columns, transform reads them one series each (the old way; fine for tall data) */
const FEW_COLUMNS = 64;
/** otherwise in row-major blocks of about this many values (32 MiB of float64) */
const BLOCK_CELLS = 1 << 22;

export interface AutoParams {
  categorical: 'native' | 'onehot';
}

interface ColumnState {
  name: string;
  kind: 'numeric' | 'categorical';
  levels?: string[];
}

export interface AutoState {
  columns: ColumnState[];
}

export interface Encoded {
  matrix: DenseMatrix;
  featureNames: string[];
  featureTypes: FeatureType[];
}

export class AutoTabular {
  readonly kind = 'transformer' as const;
  readonly name = 'auto';
  readonly params: Readonly<AutoParams>;
  private state?: AutoState;
  /** per chunk size: the expressions of the numeric columns' chunks, built once per encoder */
  private numericExprs = new Map<number, ReturnType<typeof pl.col>[]>();
  /** per text column the expression giving its level codes (built once per encoder) */
  private codeExprs: ReturnType<typeof pl.col>[] | undefined;

  constructor(params: AutoParams, state?: AutoState) {
    this.params = Object.freeze({ ...params });
    this.state = state;
  }

  isFitted(): boolean { return this.state !== undefined; }

  toState(): AutoState {
    if (!this.state) throw new Error('AutoTabular: not fitted');
    return this.state;
  }

  fit(frame: Frame, columns: ColumnInfo[]): this {
    // text columns read in one access to the frame: each access costs O(columns) (frame-columns.ts)
    const text = columns.filter((c) => c.dtype === 'string').map((c) => c.name);
    const have = new Set(frame.columns);
    for (const n of text) if (!have.has(n)) throw new DataError(`column "${n}" is missing`, { path: n });
    const series = new Map(seriesOf(frame, text).map((s) => [s.name, s]));
    const out: ColumnState[] = [];
    for (const c of columns) {
      const s = series.get(c.name);
      if (s) {
        const levels = (s.dropNulls().unique().toArray() as unknown[]).map(String).sort();
        out.push({ name: c.name, kind: 'categorical', levels });
      } else out.push({ name: c.name, kind: 'numeric' });
    }
    this.state = { columns: out };
    this.numericExprs.clear();
    this.codeExprs = undefined;
    return this;
  }

  featureNames(): { names: string[]; types: FeatureType[] } {
    const names: string[] = [];
    const types: FeatureType[] = [];
    for (const c of this.toState().columns) {
      if (c.kind === 'numeric') { names.push(c.name); types.push('q'); }
      else if (this.params.categorical === 'native') { names.push(c.name); types.push('c'); }
      else for (const l of c.levels!) { names.push(`${c.name}_${l}`); types.push('q'); }
    }
    return { names, types };
  }

  transform(frame: Frame): Encoded {
    const steps = this.transformSteps(frame, Infinity);
    for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
  }

  /**
   * transform for one large frame (training): the numeric columns are copied in chunks of about
   * BLOCK_CELLS cells, and between chunks `between` runs (a full collection and a turn of the event
   * loop): the polars series of a chunk and their typed-array copies live in native memory that only
   * napi finalizers free, and those never run inside a synchronous transform, so without this every
   * chunk's copies (2 x 80 MiB of float32 for 1M x 20) stay allocated until the matrix is complete.
   */
  async transformAsync(frame: Frame, between: () => Promise<void>): Promise<Encoded> {
    const steps = this.transformSteps(frame, BLOCK_CELLS);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      await between();
    }
  }

  /** The transform; yields between chunks of numeric columns of about `chunkCells` cells each. */
  private *transformSteps(frame: Frame, chunkCells: number): Generator<void, Encoded, void> {
    const st = this.toState();
    const { names, types } = this.featureNames();
    const rows = frame.height;
    const cols = names.length;
    const data = new Float32Array(rows * cols);
    // The frame is read a bounded number of times, never once per column: every access to a polars
    // frame costs O(columns) and every series object about a millisecond (see frame-columns.ts).
    const have = new Set(frame.columns);
    const offsets: number[] = [];
    let j = 0;
    for (const c of st.columns) {
      if (!have.has(c.name)) throw new DataError(`column "${c.name}" is missing`, { path: c.name });
      offsets.push(j);
      j += c.kind === 'numeric' || this.params.categorical === 'native' ? 1 : c.levels!.length;
    }
    const numeric = st.columns.flatMap((c, k) => (c.kind === 'numeric' ? [k] : []));
    if (numeric.length <= FEW_COLUMNS) {
      // one query per chunk of columns (one chunk for a stream's batches and for transform), with
      // expressions built once per encoder and chunk size (building a polars expression costs about a
      // millisecond per node; a stream encodes many batches): float32 columns, nulls as NaN. The NaN
      // literal is cast too: a float64 literal makes fillNull's result float64 again (twice the memory).
      const per = Math.max(1, Math.min(numeric.length, Math.floor(chunkCells / Math.max(1, rows))));
      let exprs = this.numericExprs.get(per);
      if (!exprs) {
        exprs = [];
        for (let b = 0; b < numeric.length; b += per) {
          exprs.push(pl.col(numeric.slice(b, b + per).map((k) => st.columns[k]!.name)).cast(pl.Float32).fillNull(pl.lit(NaN).cast(pl.Float32)));
        }
        this.numericExprs.set(per, exprs);
      }
      for (let b = 0, e = 0; b < numeric.length; b += per, e++) {
        const series = frame.select(exprs[e]!).getColumns();
        numeric.slice(b, b + per).forEach((k, q) => {
          const v = series[q]!.toTypedArray() as Float32Array;
          for (let i = 0, o = offsets[k]!; i < rows; i++, o += cols) data[o] = v[i]!;
        });
        if (b + per < numeric.length) yield;
      }
    } else {
      // many columns: row-major blocks of a bounded number of cells (tall data is not held twice)
      const per = Math.max(1, Math.floor(BLOCK_CELLS / Math.max(1, rows)));
      for (let b = 0; b < numeric.length; b += per) {
        const part = numeric.slice(b, b + per);
        const block = float64Rows(frame, part.map((k) => st.columns[k]!.name));
        const w = part.length;
        for (let q = 0; q < w; q++) {
          for (let i = 0, src = q, o = offsets[part[q]!]!; i < rows; i++, src += w, o += cols) data[o] = block[src]!;
        }
      }
    }
    const text = st.columns.flatMap((c, k) => (c.kind === 'numeric' ? [] : [k]));
    if (text.length) {
      // each text column's level codes (float32, NaN for a missing or unknown level), mapped by polars in
      // one query: no JS string per cell
      // (a column without levels, all missing in training: NaN, or no one-hot columns)
      const coded = text.filter((k) => st.columns[k]!.levels!.length > 0);
      let exprs = this.codeExprs;
      if (!exprs) {
        exprs = coded.map((k) => {
          const c = st.columns[k]!;
          const nan = pl.lit(NaN).cast(pl.Float32);
          return pl.col(c.name).cast(pl.Utf8).replaceStrict(c.levels!, c.levels!.map((_, i) => i), nan, pl.Float32).fillNull(nan).alias(c.name);
        });
        this.codeExprs = exprs;
      }
      const codes = exprs.length ? frame.select(...exprs).getColumns() : [];
      text.forEach((k) => {
        const c = st.columns[k]!;
        const j = offsets[k]!;
        const t = coded.indexOf(k);
        const v = t < 0 ? new Float32Array(rows).fill(NaN) : (codes[t]!.toTypedArray() as Float32Array);
        if (v.length !== rows) throw new DataError(`column "${c.name}": ${v.length} codes for ${rows} rows`);
        if (this.params.categorical === 'native') {
          for (let i = 0, o = j; i < rows; i++, o += cols) data[o] = v[i]!;
        } else {
          for (let i = 0; i < rows; i++) {
            const code = v[i]!;
            if (code === code) data[i * cols + j + code] = 1;
          }
        }
      });
    }
    return { matrix: { data, rows, cols }, featureNames: names, featureTypes: types };
  }
}

/** A numeric (or boolean) column as float64 with nulls as NaN, without an extra JS copy where possible. */
export function numericColumn(frame: Frame, name: string): Float64Array {
  return float64Values(frame.getColumn(name));
}

/** An encoded matrix as a table (float64 columns named by feature), e.g. for `mlkit preprocess`. */
export function encodedToFrame(enc: Encoded): Frame {
  const { data, rows, cols } = enc.matrix;
  const series = enc.featureNames.map((name, j) => {
    const col = new Float64Array(rows);
    for (let i = 0, o = j; i < rows; i++, o += cols) col[i] = data[o];
    return pl.Series(name, col, pl.Float64);
  });
  return pl.DataFrame(series);
}
