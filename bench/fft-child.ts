/**
 * The mlkit side of the FFT benchmark's whole-process runs, kept to the FFT core's imports so that the
 * process measures node + fft.js, as the numpy side measures python + numpy:
 *   node dist/bench/fft-child.js windows|rows|transform SIGNAL.f64 WINDOW HOP BINS BANDS WINDOW_FN
 * `transform` goes through the registered `fft` transformer on a polars frame (loaded lazily).
 */
import { readSignal } from './lib/signal.js';
import { fftFeatures, fftWindowFeatures, type FftFeatureOptions } from '../src/pipeline/fft-core.js';


// ------------------------------------------------------------------------------------------------
// The mlkit whole-process run

export async function child(argv: string[]): Promise<void> {
  // node start-up and the static imports: this module and the FFT core (fft.js) only
  const startup = process.uptime();
  const t0 = performance.now();
  const [mode, file, w, hop, bins, bands, fn] = argv;
  const o: FftFeatureOptions = { window: Number(w), hop: Number(hop), bins: Number(bins), bands: Number(bands), windowFn: fn as FftFeatureOptions['windowFn'] };
  const x = readSignal(file!);
  const tLoad = performance.now();
  let shape: number[];
  if (mode === 'windows') {
    const wf = fftWindowFeatures(x, o);
    shape = [wf.windows, wf.width];
  } else if (mode === 'rows') {
    const cols = fftFeatures(x, o);
    shape = [cols[0]!.length, cols.length];
  } else {
    const { default: pl } = await import('nodejs-polars');
    const { impl, fftParamsSchema } = await import('../src/pipeline/fft/index.js');
    const t = impl.create(fftParamsSchema.parse({ column: 'value', window: o.window, hop: o.hop, bins: o.bins, bands: o.bands, window_fn: o.windowFn }), undefined);
    const frame = pl.DataFrame([pl.Series('value', x)]);
    const log = { info() {}, warn() {}, debug() {} };
    const out = t.fit(frame, { log, seed: 0 }).transform(frame);
    shape = [out.height, out.width];
  }
  const tDone = performance.now();
  process.stdout.write(JSON.stringify({ mode, shape, seconds: { startup, load: (tLoad - t0) / 1000, compute: (tDone - tLoad) / 1000 }, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

await child(process.argv.slice(2));
