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
  /**
   * also compare each value with the same phase of the last `season_periods` periods (the median of the
   * values P, 2P, ... rows back): a period in rows, `auto` (the strongest autocorrelation peak of the nominal
   * rows, at lags 4 .. half of them, if it is at least 0.5; else none) or 0 (none)
   */
  season: z.union([z.literal('auto'), z.number().int().gte(0).lte(1_000_000)]).default(0).meta({ config: 'detect.params.season', description: 'a period in rows, auto or 0 (none)' }),
  /** periods back the seasonal comparison takes the median of */
  season_periods: z.number().int().gte(1).lte(16).default(3).meta({ config: 'detect.params.season_periods' }),
  /**
   * > 0: each component's z-score is divided by its tail level, the value it exceeds with this probability
   * per row under an exponential tail fitted above its `tail_quantile` (on the nominal rows; with adapt, on
   * every row seen so far), so a score of 1 is that risk level for every component (use threshold fixed 1);
   * 0: the components stay in units of their nominal spreads
   */
  tail_risk: z.number().gte(0).lt(1).default(0).meta({ config: 'detect.params.tail_risk', description: '0: z-scores in nominal spreads' }),
  /** the quantile above which the exponential tail is fitted (tail_risk > 0) */
  tail_quantile: z.number().gt(0).lt(1).default(0.8).meta({ config: 'detect.params.tail_quantile', description: 'with tail_risk' }),
  /**
   * keep learning from the stream (follows slow drift); detect.adapt sets it. Without tails: rows judged
   * normal update the levels and spreads (EWMA); with tail_risk: every row updates the tails
   */
  adapt: z.boolean().default(false).meta({ config: 'detect.adapt' }),
  /** weight of each normal row in the adapted statistics (an EWMA rate) */
  adapt_rate: z.number().gt(0).lt(1).default(0.002).meta({ config: 'detect.params.adapt_rate', description: 'with detect.adapt' }),
}).superRefine((p, ctx) => {
  if (p.fft_window > 0 && p.fft_bands > p.fft_window / 2 + 1) ctx.addIssue({ code: 'custom', path: ['fft_bands'], message: `at most fft_window/2 + 1 = ${p.fft_window / 2 + 1}` });
  if (p.tail_risk > 0 && p.tail_risk >= 1 - p.tail_quantile) ctx.addIssue({ code: 'custom', path: ['tail_risk'], message: `below 1 - tail_quantile = ${+(1 - p.tail_quantile).toPrecision(6)} (the tail is fitted above that quantile)` });
});
export type StatisticalParams = z.infer<typeof statisticalParamsSchema>;

export const specs: ComponentSpec[] = [{
  name: 'statistical',
  kind: 'detector',
  description: 'unsupervised, fitted on nominal data: per channel a robust z-score of the value against its trailing median, of that median against the nominal level, of FFT band energies against the nominal spectrum and (season) of the value against the same phase of past periods; optionally each in units of its own tail level (tail_risk); the row score is the largest over channels (cause: that channel), and with several channels also a robust Mahalanobis distance of their level deviations',
  params: statisticalParamsSchema,
  tags: { allowsNaN: false },
  load: async () => (await import('./index.js')).impl,
}];
