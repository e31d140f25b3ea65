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
    const out: ColumnState[] = [];
    for (const c of columns) {
      if (c.dtype === 'string') {
        const s = frame.getColumn(c.name);
        const levels = (s.dropNulls().unique().toArray() as unknown[]).map(String).sort();
        out.push({ name: c.name, kind: 'categorical', levels });
      } else out.push({ name: c.name, kind: 'numeric' });
    }
    this.state = { columns: out };
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
    const st = this.toState();
    const { names, types } = this.featureNames();
    const rows = frame.height;
    const cols = names.length;
    const data = new Float32Array(rows * cols);
    let j = 0;
    for (const c of st.columns) {
      if (!frame.columns.includes(c.name)) throw new DataError(`column "${c.name}" is missing`, { path: c.name });
      if (c.kind === 'numeric') {
        const v = numericColumn(frame, c.name);
        for (let i = 0, o = j; i < rows; i++, o += cols) data[o] = v[i];
        j++;
        continue;
      }
      const raw = frame.getColumn(c.name).toArray() as unknown[];
      const index = new Map<string, number>(c.levels!.map((l, i) => [l, i]));
      if (this.params.categorical === 'native') {
        for (let i = 0, o = j; i < rows; i++, o += cols) {
          const r = raw[i];
          const code = r === null || r === undefined ? undefined : index.get(String(r));
          data[o] = code === undefined ? NaN : code;
        }
        j++;
      } else {
        for (let i = 0; i < rows; i++) {
          const r = raw[i];
          const code = r === null || r === undefined ? undefined : index.get(String(r));
          if (code !== undefined) data[i * cols + j + code] = 1;
        }
        j += c.levels!.length;
      }
    }
    return { matrix: { data, rows, cols }, featureNames: names, featureTypes: types };
  }
}

/** A numeric (or boolean) column as float64 with nulls as NaN, without an extra JS copy where possible. */
export function numericColumn(frame: Frame, name: string): Float64Array {
  const s = frame.getColumn(name);
  if (s.nullCount() === 0) return s.cast(pl.Float64).toTypedArray() as Float64Array;
  const out = frame.select(pl.col(name).cast(pl.Float64).fillNull(pl.lit(NaN)));
  return out.getColumn(name).toTypedArray() as Float64Array;
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
