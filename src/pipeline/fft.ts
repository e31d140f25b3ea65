/**
 * `fft`: spectral features of one numeric column over sliding windows ('append' mode), on fft.js
 * (radix-4 real FFT; see bench/fft.ts for the comparison with numpy's rfft).
 *
 * Windows of `window` samples end at rows window-1, window-1+hop, window-1+2*hop, ... (the hop grid
 * starts at the first row of the frame). For each window, X = rfft(w * x[window rows]) with
 * k = 0..window/2, unnormalized like numpy.fft.rfft, where w is the window function:
 *   - `hann` (default): the periodic Hann window w[n] = 0.5 - 0.5 cos(2 pi n / window), n = 0..window-1,
 *     i.e. scipy.signal.get_window('hann', window) (the DFT-even form used for spectral analysis; not
 *     numpy.hanning, which is the symmetric form);
 *   - `none`: w = 1 (rectangular).
 * Features (output names, the Pipeline adds `<step>__`):
 *   - `<col>_bin<k>`, k = 0..bins-1: the magnitude |X_k|;
 *   - `<col>_dom_freq`: the dominant frequency in cycles per sample, k* / window, where k* is the bin
 *     of largest magnitude among k = 1..window/2 (DC excluded; the lowest k on ties, like numpy.argmax);
 *   - `<col>_band<j>`, j = 0..bands-1: band energies sum |X_k|^2 over `bands` contiguous bands of the
 *     bins 0..window/2, split like numpy.array_split (the first (window/2+1) mod bands bands have one bin
 *     more than the others). Plain sums of squared magnitudes: no scaling, no one-sided doubling.
 * Causal: every row gets the features of the most recent window ending at or before it; rows before the
 * first full window (rows 0..window-2) get NaN. A window that contains a missing value (null, NaN) or an
 * infinite value gives NaN for all its features (until the next window on the grid).
 * Params: window (a power of two >= 4, default 256), hop (default 1), bins (default 16, or window/2+1
 * when smaller), window_fn (default hann), bands (default 4, or window/2+1 when smaller; 0 = none).
 * Cost: one FFT per window, i.e. rows / hop FFTs (1M rows, window 256: ~0.1 s with hop 32, ~3 s with
 * hop 1). The Hann window is applied in the frequency domain (see fft-core.ts).
 * The expected values in tests/golden/fft/ come from numpy (tests/golden/fft/gen_fft.py).
 */
import { FFT_WINDOW_FNS, isPow2, bandEdges, expandToRows, fftFeatureSuffixes, fftFeatures, fftWindowFeatures, periodicHann, type FftFeatureOptions, type FftWindowFeatures, type FftWindowFn } from './fft-core.js';
import { z } from 'zod';
import type { Frame } from '../core/types.js';
import { registerTransformer } from './registry.js';
import type { TransformerSpec } from './transformer.js';
import { AppendTransformer, numericInput, outputFrame, type InputsState } from './timeseries.js';


export const fftParamsSchema = z
  .strictObject({
    column: z.string().min(1),
    /** samples per window: a power of two, at least 4 */
    window: z.number().int().gte(4).lte(1 << 24).default(256),
    /** rows between the ends of consecutive windows */
    hop: z.number().int().gte(1).default(1),
    /** magnitudes of bins 0..bins-1 (at most window/2 + 1; default 16, or window/2 + 1 when smaller) */
    bins: z.number().int().gte(1).optional(),
    window_fn: z.enum(FFT_WINDOW_FNS).default('hann'),
    /** equal-width band energies over bins 0..window/2 (0 = none; at most window/2 + 1; default 4, or window/2 + 1 when smaller) */
    bands: z.number().int().gte(0).optional(),
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

/** The options a params object stands for (defaults of bins and bands filled in). */
export function fftOptions(p: FftParams): FftFeatureOptions {
  const m = p.window / 2 + 1;
  return { window: p.window, hop: p.hop, bins: p.bins ?? Math.min(16, m), windowFn: p.window_fn, bands: p.bands ?? Math.min(4, m) };
}

/** See the module comment. */
export class FftFeatures extends AppendTransformer<FftParams> {
  readonly name = 'fft';
  protected inputColumns() { return [this.params.column]; }
  featureNamesOut(): string[] {
    return fftFeatureSuffixes(fftOptions(this.params)).map((s) => `${this.params.column}_${s}`);
  }
  protected transformCore(x: Frame): Frame {
    const p = this.params;
    const v = numericInput(x, p.column, this.name);
    const cols = fftFeatures(v, fftOptions(p));
    return outputFrame(this.featureNamesOut(), cols);
  }
}

const spec: TransformerSpec<FftParams, InputsState> = {
  name: 'fft',
  kind: 'transformer',
  description: 'FFT features of a numeric column over sliding windows (causal): bin magnitudes <col>_bin<k>, <col>_dom_freq, band energies <col>_band<j>',
  params: fftParamsSchema,
  create: (p) => new FftFeatures(p),
  restore: (p, s) => new FftFeatures(p, s),
};
registerTransformer(spec);

export { FFT_WINDOW_FNS, bandEdges, expandToRows, fftFeatureSuffixes, fftFeatures, fftWindowFeatures, periodicHann, type FftFeatureOptions, type FftWindowFeatures, type FftWindowFn };
