/**
 * Capability checks that components run before any work (validate, then delegate): values their tags
 * say they cannot take are a one-line data error naming where they are, not a crash deep inside an
 * engine or a silent NaN forecast.
 */
import type { Tags } from './component.js';
import { DataError } from './errors.js';
import type { DenseMatrix, SeriesData } from './types.js';

/** Series values: infinity never; NaN (missing) only when tags.allowsNaN. */
export function checkSeriesValues(series: readonly SeriesData[], who: string, tags: Pick<Tags, 'allowsNaN'>): void {
  for (const s of series) {
    const label = s.id ? `series "${s.id}"` : 'the series';
    const cols: [string, Float64Array][] = [['value', s.y], ...s.exog.map((x, j) => [`exogenous column ${j + 1}`, x] as [string, Float64Array])];
    for (const [what, v] of cols) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x === x && x !== Infinity && x !== -Infinity) continue;
        if (x !== x && tags.allowsNaN) continue;
        throw new DataError(`${label}: ${what} ${i + 1} is ${x !== x ? 'missing (NaN)' : String(x)}; ${who} needs ${x !== x ? 'complete series (data.fill fills gaps)' : 'finite values'}`);
      }
    }
  }
}

/** Matrix values: infinity never; NaN (missing) only when tags.allowsNaN. */
export function checkMatrixValues(x: DenseMatrix, featureNames: readonly string[], who: string, tags: Pick<Tags, 'allowsNaN'>, what = 'row'): void {
  const { data, cols } = x;
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    if (v === v && v !== Infinity && v !== -Infinity) continue;
    if (v !== v && tags.allowsNaN) continue;
    const name = featureNames[k % cols] ?? `feature ${k % cols}`;
    throw new DataError(`${what} ${Math.floor(k / cols) + 1}, feature "${name}": ${v !== v ? 'a missing value' : String(v)}; ${who} takes ${v !== v ? 'no missing values' : 'finite numbers (missing values as empty cells or NaN)'}`, { path: name });
  }
}
