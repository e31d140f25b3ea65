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
import { FFT_WINDOW_FNS, bandEdges, expandToRows, fftFeatureSuffixes, fftFeatures, fftWindowFeatures, periodicHann, type FftFeatureOptions, type FftWindowFeatures, type FftWindowFn } from '../fft-core.js';
import type { Frame } from '../../core/types.js';
import type { ComponentImpl } from '../../core/types.js';
import { fftParamsSchema, type FftParams } from './spec.js';
export { fftParamsSchema, type FftParams };
import { AppendTransformer, numericInput, outputFrame, type InputsState } from '../timeseries/index.js';



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


export const impl: ComponentImpl<FftParams, InputsState, FftFeatures> = {
  create: (p) => new FftFeatures(p),
  restore: async (p, s) => new FftFeatures(p, s),
};

export { FFT_WINDOW_FNS, bandEdges, expandToRows, fftFeatureSuffixes, fftFeatures, fftWindowFeatures, periodicHann, type FftFeatureOptions, type FftWindowFeatures, type FftWindowFn };
