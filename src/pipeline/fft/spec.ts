/** Light spec of the fft transformer (implementation in index.ts, loaded only when a pipeline uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';
import { transformerSpec } from '../spec-helpers.js';

import { FFT_WINDOW_FNS, isPow2 } from './constants.js';

export const fftParamsSchema = z
  .strictObject({
    column: z.string().min(1),
    /** samples per window: a power of two, at least 4 */
    window: z.number().int().gte(4).lte(1 << 24).default(256),
    /** rows between the ends of consecutive windows */
    hop: z.number().int().gte(1).default(1),
    /** magnitudes of bins 0..bins-1 (at most window/2 + 1; default 16, or window/2 + 1 when smaller) */
    bins: z.number().int().gte(1).optional().describe('default: 16, or window/2 + 1 when smaller'),
    window_fn: z.enum(FFT_WINDOW_FNS).default('hann'),
    /** equal-width band energies over bins 0..window/2 (0 = none; at most window/2 + 1; default 4, or window/2 + 1 when smaller) */
    bands: z.number().int().gte(0).optional().describe('default: 4, or window/2 + 1 when smaller'),
  })
  .superRefine((p, ctx) => {
    if (!isPow2(p.window)) {
      ctx.addIssue({ code: 'custom', path: ['window'], message: `window must be a power of two (4, 8, 16, ..., 256, ...), got ${p.window}` });
      return;
    }
    const m = p.window / 2 + 1;
    if (p.bins !== undefined && p.bins > m) ctx.addIssue({ code: 'custom', path: ['bins'], message: `bins must be at most window/2 + 1 = ${m} for window ${p.window}, got ${p.bins}` });
    if (p.bands !== undefined && p.bands > m) ctx.addIssue({ code: 'custom', path: ['bands'], message: `bands must be at most window/2 + 1 = ${m} for window ${p.window}, got ${p.bands}` });
  });
export type FftParams = z.infer<typeof fftParamsSchema>;

export const specs: ComponentSpec[] = [
  transformerSpec('fft', 'FFT features of a numeric column over sliding windows (causal): bin magnitudes <col>_bin<k>, <col>_dom_freq, band energies <col>_band<j>', fftParamsSchema, async () => (await import('./index.js')).impl),
];
