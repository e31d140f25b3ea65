/** Light specs of the time-series transformers (implementations in index.ts, loaded only when a pipeline uses one). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { transformerSpec } from '../spec-helpers.js';

const columnName = z.string().min(1);
const columnList = z.array(columnName).min(1).refine((a) => new Set(a).size === a.length, { message: 'columns must not repeat' });
const posInt = z.number().int().gte(1);
/** n -> [1..n]; a list must not repeat */
const offsets = z.union([posInt, z.array(posInt).min(1).refine((a) => new Set(a).size === a.length, { message: 'values must not repeat' })]);

export const lagsParamsSchema = z.strictObject({
  columns: columnList,
  /** n means lags 1..n */
  lags: offsets.default(1),
});
export type LagsParams = z.infer<typeof lagsParamsSchema>;

export const diffParamsSchema = z.strictObject({
  columns: columnList,
  /** p, or a list of p's */
  periods: offsets.default(1),
});
export type DiffParams = z.infer<typeof diffParamsSchema>;

export const ROLLING_STATS = ['mean', 'std', 'min', 'max'] as const;
export type RollingStat = (typeof ROLLING_STATS)[number];

export const rollingParamsSchema = z
  .strictObject({
    columns: columnList,
    window: posInt,
    stats: z.array(z.enum(ROLLING_STATS)).min(1).refine((a) => new Set(a).size === a.length, { message: 'stats must not repeat' }).default([...ROLLING_STATS]),
    /** valid (non-NaN) values a window needs for a result; default: the window */
    min_periods: posInt.optional().describe('default: the window'),
  })
  .superRefine((p, ctx) => {
    if (p.min_periods !== undefined && p.min_periods > p.window) {
      ctx.addIssue({ code: 'custom', path: ['min_periods'], message: `min_periods (${p.min_periods}) must be at most the window (${p.window})` });
    }
  });
export type RollingParams = z.infer<typeof rollingParamsSchema>;

export const DATETIME_PARTS = ['year', 'quarter', 'month', 'day', 'hour', 'minute', 'second', 'weekday', 'dayofyear', 'week', 'is_weekend'] as const;
export type DatetimePart = (typeof DATETIME_PARTS)[number];

export const datetimePartsParamsSchema = z.strictObject({
  column: columnName,
  parts: z.array(z.enum(DATETIME_PARTS)).min(1).refine((a) => new Set(a).size === a.length, { message: 'parts must not repeat' }).default(['year', 'month', 'day', 'hour', 'weekday']),
});
export type DatetimePartsParams = z.infer<typeof datetimePartsParamsSchema>;

const load = (name: 'lags' | 'diff' | 'rolling' | 'datetime_parts') => async () => (await import('./index.js')).impls[name];

export const specs: ComponentSpec[] = [
  transformerSpec('lags', 'lagged copies of numeric columns: <col>_lag<k> = value k rows earlier (NaN before)', lagsParamsSchema, load('lags')),
  transformerSpec('diff', 'differences of numeric columns: <col>_diff<p> = value - value p rows earlier (NaN before)', diffParamsSchema, load('diff')),
  transformerSpec('rolling', 'rolling mean / std / min / max over the last `window` rows (pandas rolling semantics): <col>_roll<window>_<stat>', rollingParamsSchema, load('rolling')),
  transformerSpec('datetime_parts', 'calendar parts of a datetime or ISO-8601 text column: <col>_<part> (year, month, hour, weekday Monday=0, ...)', datetimePartsParamsSchema, load('datetime_parts')),
];
