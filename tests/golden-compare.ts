/** Comparing a transformer's output with a golden CSV written by scikit-learn (tests/golden/sklearn). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../src/core/types.js';
import { ROOT } from './helpers.js';

export const GOLDEN = path.join(ROOT, 'tests', 'golden', 'sklearn');
/** largest relative difference allowed against scikit-learn */
export const TOL = 1e-9;

/** RFC 4180 CSV (quoted fields, doubled quotes) -> rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

export function num(token: string): number {
  if (token === 'nan') return NaN;
  if (token === 'inf') return Infinity;
  if (token === '-inf') return -Infinity;
  const v = Number(token);
  assert.ok(token !== '' && !Number.isNaN(v), `expected a number, got ${JSON.stringify(token)}`);
  return v;
}

export interface Diff { max: number; exact: number; total: number }

/** Compares a transform output with an expected CSV; returns the largest relative difference. */
export function compare(actual: Frame, expectedFile: string, label: string): Diff {
  const rows = parseCsv(readFileSync(path.join(GOLDEN, expectedFile), 'utf8'));
  const header = rows[0];
  const body = rows.slice(1);
  assert.deepEqual(actual.columns, header, `${label}: output columns`);
  assert.equal(actual.height, body.length, `${label}: rows`);
  const diff: Diff = { max: 0, exact: 0, total: 0 };
  header.forEach((name, j) => {
    const s = actual.getColumn(name);
    if (String(s.dtype) === 'String' || String((s.dtype as any).variant) === 'String') {
      const got = s.toArray();
      body.forEach((r, i) => assert.equal(got[i], r[j], `${label}: ${name}[${i}]`));
      diff.exact += body.length; diff.total += body.length;
      return;
    }
    assert.equal(String((s.dtype as any).variant ?? s.dtype), 'Float64', `${label}: ${name} is Float64`);
    const got = s.toTypedArray() as Float64Array;
    body.forEach((r, i) => {
      const e = num(r[j]);
      const a = got[i];
      diff.total++;
      if (Number.isNaN(e) || Number.isNaN(a)) {
        assert.ok(Number.isNaN(e) && Number.isNaN(a), `${label}: ${name}[${i}] = ${a}, scikit-learn ${r[j]}`);
        diff.exact++;
        return;
      }
      if (a === e) { diff.exact++; return; }
      const d = Math.abs(a - e) / Math.max(1, Math.abs(e));
      diff.max = Math.max(diff.max, d);
      assert.ok(d <= TOL, `${label}: ${name}[${i}] = ${a}, scikit-learn ${e} (difference ${d})`);
    });
  });
  return diff;
}
