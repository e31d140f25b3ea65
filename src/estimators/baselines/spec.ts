/**
 * Light specs of the baseline forecasters: naive, seasonal_naive, drift (one implementation module,
 * index.ts, loaded only when a run uses one of them).
 */
import { z } from 'zod';
import type { ComponentSpec, Tags } from '../../core/component.js';

export type BaselineKind = 'naive' | 'seasonal_naive' | 'drift';

export const BASELINE_TAGS: Tags = { allowsNaN: false, exog: false, probabilistic: true, local: false };

const emptyParams = z.strictObject({});
const seasonalParams = z.strictObject({
  /** the season length (default: from the frequency, e.g. 12 for monthly data) */
  s: z.number().int().positive().optional().describe("default: the frequency's season (12 monthly, 24 hourly, ...)"),
});

function spec(name: BaselineKind, params: z.ZodType<{ s?: number }>, description: string): ComponentSpec<{ s?: number }> {
  return {
    name,
    kind: 'forecaster',
    description,
    params,
    tags: BASELINE_TAGS,
    load: async () => (await import('./index.js')).impl(name),
  };
}

export const specs = [
  spec('naive', emptyParams, 'the last value (random walk)'),
  spec('seasonal_naive', seasonalParams, 'the value one season back (params: s)'),
  spec('drift', emptyParams, 'the line through the first and last values'),
];
