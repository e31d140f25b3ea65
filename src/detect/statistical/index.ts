/**
 * The `statistical` detector: unsupervised, fitted on nominal rows only (no labels, no contamination
 * guess). Per channel, three robust z-scores, each in units of its nominal spread:
 *   - local: |x_t - median of the trailing `window` values| / the nominal spread of that difference
 *     (spikes, dips, sudden steps);
 *   - level (`level: true`): |trailing median - nominal median| / the nominal spread of the values
 *     (drift, a channel stuck at an offset);
 *   - spectral (`fft_window` > 0): the largest |log band energy - nominal median| / nominal spread over
 *     `fft_bands` equal-width bands of the spectrum of the trailing `fft_window` values (mean removed),
 *     recomputed every `fft_hop` rows (a changed vibration or noise pattern at the same level).
 * Spreads are 1.4826 x the median absolute deviation (the standard deviation for normal data). The
 * channel's score is the largest of its z-scores; the row's score is the largest over channels and its
 * cause that channel (a fault in one of many channels is not averaged away). A spread that is 0 (a
 * quantized channel) falls back to 1.2533 x the mean absolute deviation.
 * Multivariate (`multivariate`, two or more channels): the vector of the channels' level deviations
 * ((trailing median - nominal level) / nominal spread) is scored by its squared Mahalanobis distance
 * from a robust (MCD-like, see ../robust-cov.ts) fit on the nominal rows, turned into a normal deviate
 * (Wilson-Hilferty) and combined with the per-channel scores by the max (cause: the channel with the
 * largest term of the distance); `per_channel: false` keeps only this distance (sustained faults that
 * move several channels a little, without the per-channel spike scores' heavy tails).
 * Causal: a row's score uses it and earlier rows only; the first max(window, fft_window) rows of a stream
 * are its warm-up (no score). With `adapt`, rows scoring below the 0.99-quantile of the nominal scores
 * update the stream's copy of the statistics (EWMA, rate `adapt_rate`), so slow drift is followed; the
 * fitted statistics in the bundle do not change.
 */
import FFT from 'fft.js';
import { bandEdges, periodicHann } from '../../pipeline/fft-core.js';
import { BundleError, DataError, NotFittedError, throwIfAborted } from '../../core/errors.js';
import { columnOf, float64Values } from '../../pipeline/frame-columns.js';
import { channelIndex } from '../common.js';
import { quantile } from '../thresholds.js';
import { chi2ToZ, fitRobustCov, mahalanobis2, type RobustCov } from '../robust-cov.js';
import type { ComponentImpl, Detector, FitContext, Frame, RowBatch, Scores, Tags } from '../../core/types.js';
import type { StatisticalParams } from './spec.js';

const MAD_TO_SD = 1.4826;
/** mean absolute deviation to standard deviation, for normal data (sqrt(pi / 2)) */
const MEAN_ABS_TO_SD = 1.2533;
/** nominal spreads of log band energies are at least this (a perfectly regular nominal spectrum) */
const MIN_BAND_SCALE = 0.1;
/** ridge of the channels' joint covariance, a fraction of each variance (channels that move together) */
const MULTI_RIDGE = 0.01;

export interface ChannelStats {
  name: string;
  level: number;
  levelScale: number;
  localScale: number;
  bandMean: number[];
  bandScale: number[];
  /** added to band energies before the log (a constant channel has energy 0) */
  energyFloor: number;
}

export interface StatisticalState {
  channels: ChannelStats[];
  /** rows scoring below this adapt the statistics (with adapt) */
  adaptBelow: number;
  /** robust joint distribution of the channels' level deviations (multivariate, two or more channels) */
  multi?: RobustCov | null;
}

function median(a: Float64Array): number {
  if (!a.length) return NaN;
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * 1.4826 x the median absolute deviation from `center`; when that is 0 (a quantized or mostly constant
 * channel: more than half the values at the center), 1.2533 x the mean absolute deviation instead.
 */
function madScale(a: Float64Array, center: number): number {
  const d = new Float64Array(a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) { d[i] = Math.abs(a[i]! - center); sum += d[i]!; }
  const mad = MAD_TO_SD * median(d);
  return mad > 0 || !d.length ? mad : MEAN_ABS_TO_SD * (sum / d.length);
}

/** A trailing window kept sorted, for its median (insert and remove by binary search). */
class RollingMedian {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private n = 0;
  private pos = 0;

  constructor(readonly size: number) {
    this.ring = new Float64Array(size);
    this.sorted = new Float64Array(size);
  }

  get full(): boolean { return this.n === this.size; }

  median(): number {
    const n = this.n;
    if (!n) return NaN;
    const m = n >> 1;
    return n % 2 ? this.sorted[m]! : (this.sorted[m - 1]! + this.sorted[m]!) / 2;
  }

  private lowerBound(x: number): number {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(x: number): void {
    const s = this.sorted;
    if (this.n === this.size) {
      const old = this.ring[this.pos]!;
      const i = this.lowerBound(old);
      s.copyWithin(i, i + 1, this.n);
      this.n--;
    }
    const j = this.lowerBound(x);
    s.copyWithin(j + 1, j, this.n);
    s[j] = x;
    this.n++;
    this.ring[this.pos] = x;
    this.pos = (this.pos + 1) % this.size;
  }
}

/**
 * Log band energies of windows of one length (mean removed, periodic Hann window; plain sums of |X_k|^2
 * over equal-width bands of bins 0..W/2, split as numpy.array_split), with the FFT plan and buffers made
 * once: a stream computes one every fft_hop rows per channel.
 */
class LogBands {
  private readonly fft: FFT;
  private readonly hann: Float64Array;
  private readonly edges: Int32Array;
  private readonly buf: Float64Array;
  private readonly spec: Float64Array;

  constructor(private readonly W: number, private readonly bands: number) {
    this.fft = new FFT(W);
    this.hann = periodicHann(W);
    this.edges = bandEdges(W, bands);
    this.buf = new Float64Array(W);
    this.spec = new Float64Array(2 * W);
  }

  /** the log band energies of `win` (length W, only read), plus `floor` before the log, into `out` */
  compute(win: Float64Array, floor: number, out: Float64Array): void {
    const W = this.W;
    let mean = 0;
    for (let i = 0; i < W; i++) mean += win[i]!;
    mean /= W;
    for (let i = 0; i < W; i++) this.buf[i] = (win[i]! - mean) * this.hann[i]!;
    this.fft.realTransform(this.spec, this.buf);
    const sp = this.spec;
    for (let b = 0; b < this.bands; b++) {
      let e = 0;
      for (let k = this.edges[b]!; k < this.edges[b + 1]!; k++) e += sp[2 * k]! * sp[2 * k]! + sp[2 * k + 1]! * sp[2 * k + 1]!;
      out[b] = Math.log(e + floor);
    }
  }
}

/** One channel's stream state: its trailing windows and (with adapt) its own copy of the statistics. */
class ChannelStream {
  private readonly med: RollingMedian;
  private readonly fftRing?: Float64Array;
  private fftN = 0;
  private fftPos = 0;
  private sinceFft = 0;
  private zFft = 0;
  private readonly win?: Float64Array;
  private readonly bandsNow?: Float64Array;
  private readonly spectra?: LogBands;
  readonly s: ChannelStats;
  /** the last row's level deviation (trailing median - nominal level) / nominal spread; NaN in warm-up */
  dev = NaN;

  constructor(private readonly p: StatisticalParams, stats: ChannelStats) {
    this.s = structuredClone(stats);
    this.med = new RollingMedian(p.window);
    if (p.fft_window > 0) {
      this.fftRing = new Float64Array(p.fft_window);
      this.win = new Float64Array(p.fft_window);
      this.spectra = new LogBands(p.fft_window, p.fft_bands);
      this.bandsNow = new Float64Array(p.fft_bands);
    }
  }

  /** z-score of x from the rows before it (NaN while warming up); then x joins the windows */
  score(x: number, adapt: (z: number) => boolean): number {
    const p = this.p;
    const s = this.s;
    let z = NaN;
    const warm = this.med.full && (!this.fftRing || this.fftN === this.fftRing.length);
    this.dev = NaN;
    if (warm) {
      const m = this.med.median();
      z = Math.abs(x - m) / s.localScale;
      this.dev = (m - s.level) / s.levelScale;
      if (p.level) z = Math.max(z, Math.abs(this.dev));
    }
    this.med.push(x);
    if (this.fftRing) {
      const r = this.fftRing;
      r[this.fftPos] = x;
      this.fftPos = (this.fftPos + 1) % r.length;
      if (this.fftN < r.length) this.fftN++;
      // a spectrum as soon as the window is full, then every fft_hop rows
      if (this.fftN === r.length && (this.sinceFft === 0 || this.sinceFft >= p.fft_hop)) {
        this.sinceFft = 0;
        const w = this.win!;
        w.set(r.subarray(this.fftPos), 0);
        w.set(r.subarray(0, this.fftPos), r.length - this.fftPos);
        this.spectra!.compute(w, s.energyFloor, this.bandsNow!);
        let zf = 0;
        for (let b = 0; b < p.fft_bands; b++) zf = Math.max(zf, Math.abs(this.bandsNow![b]! - s.bandMean[b]!) / s.bandScale[b]!);
        this.zFft = zf;
        if (warm && p.adapt && adapt(z)) this.adaptBands();
      }
      if (this.fftN === r.length) this.sinceFft++;
      if (warm) z = Math.max(z, this.zFft);
    }
    return z;
  }

  /** the statistics follow a row judged normal (adapt) */
  adaptTo(x: number): void {
    const a = this.p.adapt_rate;
    const s = this.s;
    const m = this.med.median();
    s.localScale = (1 - a) * s.localScale + a * MEAN_ABS_TO_SD * Math.abs(x - m) || s.localScale;
    s.level += a * (x - s.level);
    s.levelScale = (1 - a) * s.levelScale + a * MEAN_ABS_TO_SD * Math.abs(x - s.level) || s.levelScale;
  }

  private adaptBands(): void {
    const a = this.p.adapt_rate * this.p.fft_hop;
    const s = this.s;
    for (let b = 0; b < this.p.fft_bands; b++) {
      const e = this.bandsNow![b]!;
      s.bandMean[b]! += a * (e - s.bandMean[b]!);
      s.bandScale[b] = Math.max(MIN_BAND_SCALE, (1 - a) * s.bandScale[b]! + a * MEAN_ABS_TO_SD * Math.abs(e - s.bandMean[b]!));
    }
  }
}

/** The stream scorer over all channels (fresh windows; statistics copied from the fitted state). */
class Stream {
  private readonly ch: ChannelStream[];
  private readonly multi: RobustCov | null;
  private readonly perChannel: boolean;
  /** with `collect`, each scored row's level deviations (C per row) are appended here */
  collected?: number[];

  constructor(private readonly p: StatisticalParams, private readonly st: StatisticalState, private readonly adapt: boolean) {
    this.ch = st.channels.map((c) => new ChannelStream({ ...p, adapt }, c));
    this.multi = p.multivariate && st.multi ? st.multi : null;
    this.perChannel = p.per_channel || !this.multi;
  }

  score(values: Float64Array[], n: number, out: Scores): void {
    const C = this.ch.length;
    const z = new Float64Array(C);
    const u = new Float64Array(C);
    const tmp = new Float64Array(C);
    const multi = this.multi;
    const judged = (zc: number) => !(zc >= this.st.adaptBelow);
    for (let i = 0; i < n; i++) {
      let best = -1;
      let score = NaN;
      for (let c = 0; c < C; c++) {
        z[c] = this.ch[c]!.score(values[c]![i]!, judged);
        if (this.perChannel && z[c]! === z[c]! && !(z[c]! <= score)) { score = z[c]!; best = c; }
      }
      const dev0 = this.ch[0]!.dev;
      if (this.collected && dev0 === dev0) for (let c = 0; c < C; c++) this.collected.push(this.ch[c]!.dev);
      if (multi && dev0 === dev0) {
        for (let c = 0; c < C; c++) u[c] = this.ch[c]!.dev;
        const zm = chi2ToZ(mahalanobis2(u, multi.center, multi.precision, C, tmp), C);
        if (!(zm <= score)) {
          score = zm;
          // cause: the channel with the largest term of the distance
          let top = -Infinity;
          for (let c = 0; c < C; c++) {
            let t = 0;
            for (let k = 0; k < C; k++) t += multi.precision[c * C + k]! * tmp[k]!;
            t *= tmp[c]!;
            if (t > top) { top = t; best = c; }
          }
        }
      }
      out.score[i] = score;
      out.cause![i] = best;
      if (this.adapt && score === score && score < this.st.adaptBelow) {
        for (let c = 0; c < C; c++) this.ch[c]!.adaptTo(values[c]![i]!);
      }
    }
  }
}

export class StatisticalDetector implements Detector<StatisticalParams, StatisticalState> {
  readonly kind = 'detector' as const;
  readonly name = 'statistical';
  readonly tags: Tags = { allowsNaN: false };
  readonly params: Readonly<StatisticalParams>;
  private state?: StatisticalState;
  private stream?: Stream;

  constructor(params: StatisticalParams, state?: StatisticalState) {
    this.params = Object.freeze({ ...params });
    this.state = state;
  }

  isFitted(): boolean { return this.state !== undefined; }

  warmup(): number {
    return Math.max(this.params.window, this.params.fft_window);
  }

  /** the nominal rows fit needs, and the params that decide it */
  minRows(): { rows: number; params: string[] } {
    return { rows: this.warmup() + 1, params: ['window', 'fft_window'] };
  }

  async fit(x: Frame, ctx: FitContext): Promise<this> {
    const p = this.params;
    const names = x.columns;
    if (!names.length) throw new DataError('the statistical detector needs at least one numeric channel');
    const need = this.minRows().rows;
    if (x.height < need) throw new DataError(`the statistical detector needs at least ${need} nominal rows (window ${p.window}, fft_window ${p.fft_window}) to learn from; got ${x.height}`);
    const values = names.map((n) => float64Values(columnOf(x, n)));
    const channels: ChannelStats[] = [];
    for (let c = 0; c < names.length; c++) {
      throwIfAborted(ctx.signal);
      const v = values[c]!;
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i]!)) throw new DataError(`channel "${names[c]}": row ${i + 1} of the nominal data is ${v[i]}; the detector learns from complete rows`, { path: names[c] });
      }
      channels.push(fitChannel(names[c]!, v, p));
    }
    // nominal scores without adaptation: the level below which rows count as normal for `adapt`
    const state: StatisticalState = { channels, adaptBelow: Infinity, multi: null };
    let out: Scores = { score: new Float64Array(x.height), cause: new Int32Array(x.height) };
    if (p.multivariate && (names.length >= 2 || !p.per_channel)) {
      // the joint distribution of the level deviations over the nominal rows
      const s0 = new Stream(p, state, false);
      s0.collected = [];
      s0.score(values, x.height, out);
      const C = names.length;
      state.multi = fitRobustCov(Float64Array.from(s0.collected), s0.collected.length / C, C, MULTI_RIDGE);
      out = { score: new Float64Array(x.height), cause: new Int32Array(x.height) };
    }
    new Stream(p, state, false).score(values, x.height, out);
    state.adaptBelow = quantile(out.score, 0.99);
    this.state = state;
    this.stream = undefined;
    return this;
  }

  async score(batch: RowBatch, ctx?: { signal?: AbortSignal }): Promise<Scores> {
    const st = this.fitted();
    throwIfAborted(ctx?.signal);
    const n = batch.values[0]?.length ?? 0;
    const idx = channelIndex(st.channels.map((c) => c.name), batch);
    this.stream ??= new Stream(this.params, st, this.params.adapt);
    const out: Scores = { score: new Float64Array(n), cause: new Int32Array(n) };
    this.stream.score(idx.map((k) => batch.values[k]!), n, out);
    // cause as an index into batch.columns
    for (let i = 0; i < n; i++) if (out.cause![i]! >= 0) out.cause![i] = idx[out.cause![i]!]!;
    return out;
  }

  /** a new stream starts: windows empty, adapted statistics back to the fitted ones */
  reset(): void {
    this.stream = undefined;
  }

  private fitted(): StatisticalState {
    if (!this.state) throw new NotFittedError(this.name, 'score()');
    return this.state;
  }

  async save(): Promise<StatisticalState> {
    return structuredClone(this.fitted());
  }
}

function fitChannel(name: string, v: Float64Array, p: StatisticalParams): ChannelStats {
  const level = median(v);
  let levelScale = madScale(v, level);
  const tiny = Math.max(Math.abs(level) * 1e-9, 1e-12);
  if (!(levelScale > tiny)) levelScale = tiny;
  // differences from the trailing median, as the stream computes them
  const rm = new RollingMedian(p.window);
  const r: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (rm.full) r.push(v[i]! - rm.median());
    rm.push(v[i]!);
  }
  let localScale = madScale(Float64Array.from(r), 0);
  if (!(localScale > tiny)) localScale = Math.max(levelScale * 1e-3, tiny);
  const bandMean: number[] = [];
  const bandScale: number[] = [];
  const energyFloor = (1e-3 * localScale) ** 2 * Math.max(1, p.fft_window);
  if (p.fft_window > 0) {
    const W = p.fft_window;
    const per: Float64Array[] = Array.from({ length: p.fft_bands }, () => new Float64Array(Math.floor((v.length - W) / p.fft_hop) + 1));
    const e = new Float64Array(p.fft_bands);
    const spectra = new LogBands(W, p.fft_bands);
    for (let s = 0, k = 0; s + W <= v.length; s += p.fft_hop, k++) {
      spectra.compute(v.subarray(s, s + W), energyFloor, e);
      for (let b = 0; b < p.fft_bands; b++) per[b]![k] = e[b]!;
    }
    for (const a of per) {
      const m = median(a);
      bandMean.push(m);
      bandScale.push(Math.max(MIN_BAND_SCALE, madScale(a, m)));
    }
  }
  return { name, level, levelScale, localScale, bandMean, bandScale, energyFloor };
}

export const impl: ComponentImpl<StatisticalParams, StatisticalState, StatisticalDetector> = {
  create: (p) => new StatisticalDetector(p),
  restore: async (p, s) => {
    if (!Array.isArray(s?.channels) || !s.channels.length || (typeof s.adaptBelow !== 'number' && s.adaptBelow !== null)) throw new BundleError('statistical detector: saved state is malformed');
    // JSON has no Infinity: a null limit means no row adapts
    return new StatisticalDetector(p, { ...s, adaptBelow: s.adaptBelow ?? Infinity, multi: s.multi ?? null });
  },
};
