/** Light spec of the `statistical` detector (implementation in index.ts, loaded only when a run uses it). */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';

const pow2 = (n: number) => n >= 4 && (n & (n - 1)) === 0;

export const statisticalParamsSchema = z.strictObject({
  /** rows of the trailing window whose median is each channel's local level */
  window: z.number().int().gte(3).lte(100_000).default(32).meta({ config: 'detect.params.window' }),
  /** rows of the trailing FFT window (a power of two; 0 = no spectral check) */
  fft_window: z.number().int().gte(0).lte(1 << 16).default(32).refine((n) => n === 0 || pow2(n), { message: 'a power of two >= 4 (or 0 for no spectral check)' }).meta({ config: 'detect.params.fft_window', description: 'a power of two, 0 = no spectral check' }),
  /** equal-width frequency bands compared with the nominal spectrum */
  fft_bands: z.number().int().gte(1).lte(64).default(2).meta({ config: 'detect.params.fft_bands' }),
  /** rows between spectra (the last one holds in between) */
  fft_hop: z.number().int().gte(1).default(4).meta({ config: 'detect.params.fft_hop' }),
  /** also compare each channel's local level with its nominal range (drift, stuck-at-offset faults) */
  level: z.boolean().default(true).meta({ config: 'detect.params.level' }),
  /** also score the robust Mahalanobis distance of the channels' level deviations from their nominal joint distribution (two or more channels) */
  multivariate: z.boolean().default(true).meta({ config: 'detect.params.multivariate', description: 'two or more channels' }),
  /** score each channel's own z-scores (false: only the multivariate distance) */
  per_channel: z.boolean().default(true).meta({ config: 'detect.params.per_channel', description: 'false: the multivariate distance alone' }),
  /** keep updating the nominal statistics from rows judged normal (follows slow drift); detect.adapt sets it */
  adapt: z.boolean().default(false).meta({ config: 'detect.adapt' }),
  /** weight of each normal row in the adapted statistics (an EWMA rate) */
  adapt_rate: z.number().gt(0).lt(1).default(0.002).meta({ config: 'detect.params.adapt_rate', description: 'with detect.adapt' }),
}).superRefine((p, ctx) => {
  if (p.fft_window > 0 && p.fft_bands > p.fft_window / 2 + 1) ctx.addIssue({ code: 'custom', path: ['fft_bands'], message: `at most fft_window/2 + 1 = ${p.fft_window / 2 + 1}` });
});
export type StatisticalParams = z.infer<typeof statisticalParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'statistical',
  kind: 'detector',
  description: 'unsupervised, fitted on nominal data: per channel a robust z-score of the value against its trailing median, of that median against the nominal level, and of FFT band energies against the nominal spectrum; the row score is the largest over channels (cause: that channel), and with several channels also a robust Mahalanobis distance of their level deviations',
  params: statisticalParamsSchema,
  tags: { allowsNaN: false },
  load: async () => (await import('./index.js')).impl,
}];
