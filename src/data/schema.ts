/**
 * The input schema a bundle records (column names and dtypes) and the check of new data against it:
 * a missing column or a wrong type is a DataError naming the column; extra columns are noted.
 */
import pl from 'nodejs-polars';
import type { ColumnInfo } from '../core/types.js';
import { DataError } from '../core/errors.js';
import { schemaOf, type Table } from './read.js';
import { didYouMean } from '../core/suggest.js';

export interface CheckResult {
  /** the table's frame restricted to the expected columns, in the recorded order, types aligned */
  frame: Table['frame'];
  notes: string[];
}

const isNumeric = (d: string) => d === 'float64' || d === 'int64' || d === 'bool';

export function checkInput(table: Table, expected: ColumnInfo[], alsoAllowed: string[] = []): CheckResult {
  const { frame, name } = table;
  // names and dtypes read once: every access to a polars frame lists all its columns, so
  // frame.getColumn per expected column is quadratic on wide data
  const schema = schemaOf(frame);
  const have = new Set(schema.map((c) => c.name));
  const dtypeByName = new Map(schema.map((c) => [c.name, c.dtype]));
  const notes: string[] = [];
  for (const c of expected) {
    if (!have.has(c.name)) {
      throw new DataError(`column "${c.name}" is missing (the model was trained with it)${didYouMean(c.name, frame.columns)}`, { file: name, path: c.name });
    }
  }
  const wanted = new Set([...expected.map((c) => c.name), ...alsoAllowed]);
  const extra = frame.columns.filter((c) => !wanted.has(c));
  if (extra.length) notes.push(`${name}: ignoring column(s) the model does not use: ${extra.join(', ')}`);
  // the same schema batch after batch: the expressions are built once (about a millisecond each)
  const signature = expected.map((c) => dtypeByName.get(c.name)).join('\u0000');
  const known = cachedSelects.get(expected);
  if (known?.signature === signature) return { frame: frame.select(...known.exprs), notes };
  let cacheable = true;
  const exprs = expected.map((c) => {
    const got = dtypeByName.get(c.name)!;
    if (isNumeric(c.dtype) && !isNumeric(got)) {
      const s = frame.getColumn(c.name); // the error path only
      cacheable = false; // (a later batch of this schema may have text there)
      if (s.nullCount() === s.len()) return pl.col(c.name).cast(pl.Float64);
      const strs = s.toArray() as (string | null)[];
      const nums = s.cast(pl.Float64, false).toArray() as (number | null)[];
      const idx = strs.findIndex((v, i) => v !== null && nums[i] === null);
      throw new DataError(
        `column "${c.name}": expected numbers (${c.dtype}) as in training, found text ${JSON.stringify(strs[Math.max(idx, 0)])}`,
        { file: name, line: idx >= 0 ? table.lineOf(idx) : undefined },
      );
    }
    if (c.dtype === 'string' && got !== 'string') return pl.col(c.name).cast(pl.Utf8);
    return pl.col(c.name);
  });
  if (cacheable) cachedSelects.set(expected, { signature, exprs });
  return { frame: frame.select(...exprs), notes };
}

/** checkInput's expressions per expected schema, for the dtypes they were built for */
const cachedSelects = new WeakMap<ColumnInfo[], { signature: string; exprs: ReturnType<typeof pl.col>[] }>();
