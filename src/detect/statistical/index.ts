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
 *   - seasonal (`season`): |x_t - median of x_{t-P}, x_{t-2P}, ... (`season_periods` of them)| / the nominal
 *     spread of that difference, P given in rows or found in the nominal rows (`auto`: the highest local
 *     peak of their autocorrelation at lags 4 .. n/2, if it is at least 0.5): a value at the wrong phase
 *     of a daily or weekly pattern (a missing or shifted peak, a plateau at the wrong level).
 * Spreads are 1.4826 x the median absolute deviation (the standard deviation for normal data). The
 * channel's score is the largest of its z-scores; the row's score is the largest over channels and its
 * cause that channel (a fault in one of many channels is not averaged away). A spread that is 0 (a
 * quantized channel) falls back to 1.2533 x the mean absolute deviation.
 * Tails (`tail_risk` > 0): z-scores of different components have different tails (a spiky channel's local
 * z-scores reach 30 on normal data, its level z-scores rarely 3), so each component (per channel, and the
 * multivariate distance) is divided by its own tail level: above the `tail_quantile` t of its values, an
 * exponential tail (a generalised Pareto tail of shape 0, as in peaks-over-threshold / SPOT) with the mean
 * excess sigma; the level is t + sigma ln(P(z > t) / tail_risk), the value exceeded with probability
 * tail_risk per row. The values are kept in a log-spaced histogram (100 bins per decade, with their sums),
 * so the memory is fixed however long the stream.
 * Multivariate (`multivariate`, two or more channels): the vector of the channels' level deviations
 * ((trailing median - nominal level) / nominal spread) is scored by its squared Mahalanobis distance
 * from a robust (MCD-like, see ../robust-cov.ts) fit on the nominal rows, turned into a normal deviate
 * (Wilson-Hilferty) and combined with the per-channel scores by the max (cause: the channel with the
 * largest term of the distance); `per_channel: false` keeps only this distance (sustained faults that
 * move several channels a little, without the per-channel spike scores' heavy tails).
 * Causal: a row's score uses it and earlier rows only; the first max(window, fft_window) rows of a stream
 * are its warm-up (no score). With `adapt`, without tails, rows scoring below the 0.99-quantile of the
 * nominal scores update the stream's copy of the statistics (EWMA, rate `adapt_rate`), so slow drift is
 * followed; with tails, every scored row joins the tails' histograms (the next row is judged with them), so what the
 * stream has shown before, drift, a new regime or a repeated fault, stops being exceptional, while levels
 * and spreads stay the fitted ones. The fitted statistics in the bundle do not change.
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
/** a channel's components, in this order in ChannelStream.comp and in the tails */
const LOCAL = 0, LEVEL = 1, SPECTRAL = 2, SEASON = 3, COMPONENTS = 4;
/** season: 'auto' takes an autocorrelation peak at least this high */
const SEASON_MIN_ACF = 0.5;
/** season: 'auto' takes the shortest peak at least this share of the highest one */
const SEASON_NEAR = 0.9;
/** season: shortest and longest periods 'auto' considers (rows) */
const SEASON_MIN_LAG = 4;
const SEASON_MAX_LAG = 100_000;

export interface ChannelStats {
  name: string;
  level: number;
  levelScale: number;
  localScale: number;
  bandMean: number[];
  bandScale: number[];
  /** added to band energies before the log (a constant channel has energy 0) */
  energyFloor: number;
  /** season: the period in rows (0: none) and the nominal spread of the seasonal differences */
  period?: number;
  seasonScale?: number;
}

/** A tail histogram as saved: the non-empty bins, their counts and the sums of their values. */
export interface TailState {
  bins: number[];
  counts: number[];
  sums: number[];
}

export interface StatisticalState {
  channels: ChannelStats[];
  /** rows scoring below this adapt the statistics (with adapt) */
  adaptBelow: number;
  /** robust joint distribution of the channels' level deviations (multivariate, two or more channels) */
  multi?: RobustCov | null;
  /** tail_risk > 0: per channel the tails of its components (LOCAL, LEVEL, SPECTRAL, SEASON; null = unused), and of the multivariate distance */
  tails?: { channels: (TailState | null)[][]; multi: TailState | null } | null;
}

const TAIL_LO = -6;
const TAIL_PER_DECADE = 100;
const TAIL_BINS = 1 + 12 * TAIL_PER_DECADE;
/** the smallest tail level: a component that was exactly 0 on every row counts any value above 1e-6 */
const TAIL_MIN = 1e-6;

/**
 * The distribution of a component's z-scores (>= 0) in a log-spaced histogram: bin 0 holds values up to
 * 1e-6, then 100 bins per decade up to 1e6 (the last takes everything above). Each bin keeps its count and
 * the sum of its values, so the quantile and the mean excess are exact to within a bin (2.3%). The bin of
 * the q-quantile and the count and sum of the bins above it are kept up to date as values are added, so
 * the level costs O(1) per row.
 */
export class Tail {
  readonly counts = new Float64Array(TAIL_BINS);
  readonly sums = new Float64Array(TAIL_BINS);
  n = 0;
  /** the bin of the q-quantile, the count of the bins below it, and the count and sum of those above */
  private j = 0;
  private below = 0;
  private above = 0;
  private sumAbove = 0;

  constructor(private readonly q: number) {}

  static bin(x: number): number {
    if (!(x > TAIL_MIN)) return 0;
    return Math.min(TAIL_BINS - 1, 1 + Math.floor((Math.log10(x) - TAIL_LO) * TAIL_PER_DECADE));
  }

  add(x: number): void {
    if (!(x >= 0) || x === Infinity) return;
    const b = Tail.bin(x);
    this.counts[b]!++;
    this.sums[b]! += x;
    this.n++;
    if (b < this.j) this.below++;
    else if (b > this.j) { this.above++; this.sumAbove += x; }
    this.settle();
  }

  /** moves j to the first bin whose cumulative count exceeds floor(q (n - 1)) */
  private settle(): void {
    const rank = Math.floor(this.q * (this.n - 1));
    const c = this.counts;
    while (this.j > 0 && rank < this.below) {
      this.above += c[this.j]!;
      this.sumAbove += this.sums[this.j]!;
      this.j--;
      this.below -= c[this.j]!;
    }
    while (this.j < TAIL_BINS - 1 && rank >= this.below + c[this.j]!) {
      this.below += c[this.j]!;
      this.j++;
      this.above -= c[this.j]!;
      this.sumAbove -= this.sums[this.j]!;
    }
    if (this.above <= 0) { this.above = 0; this.sumAbove = 0; }
  }

  /**
   * The value exceeded with probability `risk` per row: t + sigma ln(P(z > t) / risk), t the q-quantile
   * (the mean of its bin), P(z > t) the share of the values in the bins above it and sigma their mean excess
   * over t (an exponential tail). No values above t: 2t (nothing seen was above it). No values: Infinity.
   */
  level(risk: number): number {
    const n = this.n;
    if (!n) return Infinity;
    const c = this.counts[this.j]!;
    const t = c > 0 ? this.sums[this.j]! / c : 0;
    const k = this.above;
    if (k === 0) return Math.max(2 * t, TAIL_MIN);
    const sigma = Math.max(this.sumAbove / k - t, TAIL_MIN);
    return Math.max(t + sigma * Math.log(k / n / risk), t, TAIL_MIN);
  }

  save(): TailState {
    const out: TailState = { bins: [], counts: [], sums: [] };
    for (let b = 0; b < TAIL_BINS; b++) {
      if (this.counts[b]! > 0) { out.bins.push(b); out.counts.push(this.counts[b]!); out.sums.push(this.sums[b]!); }
    }
    return out;
  }

  static restore(s: TailState, q: number): Tail {
    const t = new Tail(q);
    for (let i = 0; i < s.bins.length; i++) {
      t.counts[s.bins[i]!] = s.counts[i]!;
      t.sums[s.bins[i]!] = s.sums[i]!;
      t.n += s.counts[i]!;
    }
    // everything starts above bin 0; settle moves j up to the quantile's bin
    t.above = t.n - t.counts[0]!;
    for (let b = 1; b < TAIL_BINS; b++) t.sumAbove += t.sums[b]!;
    if (t.n) t.settle();
    return t;
  }
}

function validTail(t: unknown): boolean {
  if (t === null) return true;
  const s = t as TailState;
  return !!s && Array.isArray(s.bins) && Array.isArray(s.counts) && Array.isArray(s.sums) && s.bins.length === s.counts.length && s.bins.length === s.sums.length
    && s.bins.every((b) => Number.isInteger(b) && b >= 0 && b < TAIL_BINS) && s.counts.every((c) => typeof c === 'number' && c >= 0);
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
  /** season: the last season_periods x period values */
  private readonly seasonRing?: Float64Array;
  private seasonN = 0;
  private seasonPos = 0;
  private readonly past?: Float64Array;
  readonly s: ChannelStats;
  /** the last row's level deviation (trailing median - nominal level) / nominal spread; NaN in warm-up */
  dev = NaN;
  /** the last row's components (LOCAL, LEVEL, SPECTRAL, SEASON), NaN where unused or not available yet (kept with tails only) */
  readonly comp = new Float64Array(COMPONENTS).fill(NaN);
  private readonly keep: boolean;

  constructor(private readonly p: StatisticalParams, stats: ChannelStats) {
    this.keep = p.tail_risk > 0;
    this.s = structuredClone(stats);
    this.med = new RollingMedian(p.window);
    if (p.fft_window > 0) {
      this.fftRing = new Float64Array(p.fft_window);
      this.win = new Float64Array(p.fft_window);
      this.spectra = new LogBands(p.fft_window, p.fft_bands);
      this.bandsNow = new Float64Array(p.fft_bands);
    }
    if (stats.period) {
      this.seasonRing = new Float64Array(stats.period * p.season_periods);
      this.past = new Float64Array(p.season_periods);
    }
  }

  /** z-score of x from the rows before it (NaN while warming up); then x joins the windows */
  score(x: number, adapt: (z: number) => boolean): number {
    const p = this.p;
    const s = this.s;
    const comp = this.comp;
    const keep = this.keep;
    if (keep) comp.fill(NaN);
    let z = NaN;
    const warm = this.med.full && (!this.fftRing || this.fftN === this.fftRing.length);
    this.dev = NaN;
    if (warm) {
      const m = this.med.median();
      z = Math.abs(x - m) / s.localScale;
      this.dev = (m - s.level) / s.levelScale;
      if (keep) comp[LOCAL] = z;
      if (p.level) {
        const zl = Math.abs(this.dev);
        if (keep) comp[LEVEL] = zl;
        z = Math.max(z, zl);
      }
      if (this.seasonRing) {
        const zs = this.seasonal(x);
        if (zs === zs) {
          if (keep) comp[SEASON] = zs;
          z = Math.max(z, zs);
        }
      }
    }
    this.med.push(x);
    if (this.seasonRing) {
      const r = this.seasonRing;
      r[this.seasonPos] = x;
      this.seasonPos = (this.seasonPos + 1) % r.length;
      if (this.seasonN < r.length) this.seasonN++;
    }
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
      if (warm) {
        z = Math.max(z, this.zFft);
        if (keep) comp[SPECTRAL] = this.zFft;
      }
    }
    return z;
  }

  /** |x - median of the values 1..K periods back (those the stream has)| / nominal spread; NaN without a season or before the first period */
  private seasonal(x: number): number {
    const r = this.seasonRing;
    const P = this.s.period!;
    if (!r || this.seasonN < P) return NaN;
    const past = this.past!;
    let k = 0;
    for (; k < past.length && (k + 1) * P <= this.seasonN; k++) past[k] = r[(this.seasonPos - (k + 1) * P + r.length) % r.length]!;
    return Math.abs(x - medianOf(past, k)) / this.s.seasonScale!;
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

/** The median of the first k values of a (k small; a is reordered). */
function medianOf(a: Float64Array, k: number): number {
  for (let i = 1; i < k; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) { a[j + 1] = a[j]!; j--; }
    a[j + 1] = v;
  }
  const m = k >> 1;
  return k % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** The stream scorer over all channels (fresh windows; statistics copied from the fitted state). */
class Stream {
  private readonly ch: ChannelStream[];
  private readonly multi: RobustCov | null;
  private readonly perChannel: boolean;
  /** with `collect`, each scored row's level deviations (C per row) are appended here */
  collected?: number[];
  /** the tails the components are divided by (tail_risk > 0; copies of the fitted ones), or those being collected (fit) */
  private readonly tails: Tail[][] | null;
  private readonly multiTail: Tail | null;
  /** the tail levels in use, refitted after every row while the tails learn */
  private readonly levels: Float64Array[] = [];
  private multiLevel = Infinity;

  /**
   * `collectTails`: fill fresh tails with the components (the nominal pass of fit) and score as without
   * tails; otherwise, with tail_risk > 0, score in units of the fitted tails (which learn with adapt).
   */
  constructor(private readonly p: StatisticalParams, private readonly st: StatisticalState, private readonly adapt: boolean, private readonly collectTails = false) {
    const tailed = p.tail_risk > 0;
    // with tails, adapt moves the tails, not the statistics
    this.ch = st.channels.map((c) => new ChannelStream({ ...p, adapt: adapt && !tailed }, c));
    this.multi = p.multivariate && st.multi ? st.multi : null;
    this.perChannel = p.per_channel || !this.multi;
    if (collectTails) {
      this.tails = st.channels.map(() => Array.from({ length: COMPONENTS }, () => new Tail(p.tail_quantile)));
      this.multiTail = new Tail(p.tail_quantile);
    } else if (tailed && st.tails) {
      this.tails = st.tails.channels.map((c) => c.map((t) => (t ? Tail.restore(t, p.tail_quantile) : new Tail(p.tail_quantile))));
      this.multiTail = st.tails.multi ? Tail.restore(st.tails.multi, p.tail_quantile) : new Tail(p.tail_quantile);
      this.refit();
    } else {
      this.tails = null;
      this.multiTail = null;
    }
  }

  /** the fitted tails, as saved (after a collecting pass); unused components are null */
  savedTails(): NonNullable<StatisticalState['tails']> {
    return { channels: this.tails!.map((c) => c.map((t) => (t.n ? t.save() : null))), multi: this.multi && this.multiTail!.n ? this.multiTail!.save() : null };
  }

  private refit(): void {
    const r = this.p.tail_risk;
    this.tails!.forEach((c, k) => {
      const l = (this.levels[k] ??= new Float64Array(COMPONENTS));
      for (let j = 0; j < COMPONENTS; j++) l[j] = c[j]!.level(r);
    });
    this.multiLevel = this.multiTail!.level(r);
  }

  score(values: Float64Array[], n: number, out: Scores): void {
    const C = this.ch.length;
    const z = new Float64Array(C);
    const u = new Float64Array(C);
    const tmp = new Float64Array(C);
    const multi = this.multi;
    const judged = (zc: number) => !(zc >= this.st.adaptBelow);
    const normalise = this.tails !== null && !this.collectTails;
    const learn = normalise && this.adapt;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let score = NaN;
      for (let c = 0; c < C; c++) {
        const chan = this.ch[c]!;
        z[c] = chan.score(values[c]![i]!, judged);
        if (normalise) {
          // the largest component in units of its tail level
          const lev = this.levels[c]!;
          let zc = NaN;
          for (let j = 0; j < COMPONENTS; j++) {
            const v = chan.comp[j]! / lev[j]!;
            if (v === v && !(v <= zc)) zc = v;
          }
          z[c] = zc;
        }
        if (this.perChannel && z[c]! === z[c]! && !(z[c]! <= score)) { score = z[c]!; best = c; }
      }
      const dev0 = this.ch[0]!.dev;
      if (this.collected && dev0 === dev0) for (let c = 0; c < C; c++) this.collected.push(this.ch[c]!.dev);
      let zm = NaN;
      if (multi && dev0 === dev0) {
        for (let c = 0; c < C; c++) u[c] = this.ch[c]!.dev;
        zm = chi2ToZ(mahalanobis2(u, multi.center, multi.precision, C, tmp), C);
        const zmScore = normalise ? zm / this.multiLevel : zm;
        if (!(zmScore <= score)) {
          score = zmScore;
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
      if (this.collectTails || learn) {
        for (let c = 0; c < C; c++) {
          const comp = this.ch[c]!.comp;
          const t = this.tails![c]!;
          for (let j = 0; j < COMPONENTS; j++) t[j]!.add(comp[j]!);
        }
        if (zm === zm) this.multiTail!.add(zm);
        if (learn) this.refit();
      } else if (this.adapt && score === score && score < this.st.adaptBelow) {
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
      const ch = fitChannel(names[c]!, v, p);
      channels.push(ch);
      if (p.season === 'auto') ctx.log.info(ch.period ? `channel "${ch.name}": season auto found a period of ${ch.period} rows` : `channel "${ch.name}": season auto found no period (no autocorrelation peak of 0.5 or more)`);
    }
    // nominal scores without adaptation: the level below which rows count as normal for `adapt`
    const state: StatisticalState = { channels, adaptBelow: Infinity, multi: null, tails: null };
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
    if (p.tail_risk > 0) {
      // the tails of the components over the nominal rows
      const s1 = new Stream(p, state, false, true);
      s1.score(values, x.height, out);
      state.tails = s1.savedTails();
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

/**
 * The dominant period of v in rows: among the local maxima of its autocorrelation at lags
 * SEASON_MIN_LAG .. min(n/2, SEASON_MAX_LAG) that reach SEASON_MIN_ACF, the shortest one at least SEASON_NEAR
 * times the highest (not a multiple of the period); 0 when none does. The autocorrelation at lag L
 * is sum (v_i - mean)(v_{i-L} - mean) / sum (v_i - mean)^2 x n / (n - L), computed through an FFT.
 */
export function dominantPeriod(v: Float64Array): number {
  const n = v.length;
  const maxLag = Math.min(Math.floor(n / 2), SEASON_MAX_LAG);
  if (maxLag <= SEASON_MIN_LAG) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i]!;
  mean /= n;
  let size = 4;
  while (size < 2 * n) size *= 2;
  const f = new FFT(size);
  const input = new Float64Array(size);
  for (let i = 0; i < n; i++) input[i] = v[i]! - mean;
  const spec = f.createComplexArray() as number[];
  f.realTransform(spec, input);
  f.completeSpectrum(spec);
  for (let k = 0; k < size; k++) {
    spec[2 * k] = spec[2 * k]! * spec[2 * k]! + spec[2 * k + 1]! * spec[2 * k + 1]!;
    spec[2 * k + 1] = 0;
  }
  const ac = f.createComplexArray() as number[];
  f.inverseTransform(ac, spec);
  const var0 = ac[0]!;
  if (!(var0 > 0)) return 0;
  const acf = (L: number) => (ac[2 * L]! / var0) * (n / (n - L));
  // local peaks that reach SEASON_MIN_ACF; the first within SEASON_NEAR of the highest (a multiple of the
  // period autocorrelates about as well as the period itself)
  const peaks: [number, number][] = [];
  let top = 0;
  let prev = acf(SEASON_MIN_LAG - 1);
  let cur = acf(SEASON_MIN_LAG);
  for (let L = SEASON_MIN_LAG; L < maxLag; L++) {
    const next = acf(L + 1);
    if (cur > prev && cur >= next && cur >= SEASON_MIN_ACF) {
      peaks.push([L, cur]);
      top = Math.max(top, cur);
    }
    prev = cur;
    cur = next;
  }
  const best = peaks.find(([, a]) => a >= SEASON_NEAR * top)?.[0] ?? 0;
  return best;
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
  let period = 0;
  let seasonScale = 0;
  if (p.season !== 0) {
    period = p.season === 'auto' ? dominantPeriod(v) : p.season;
    if (period > 0) {
      if (v.length <= period + p.window) throw new DataError(`season ${period}: the statistical detector needs more than ${period + p.window} nominal rows (the period and the window) to learn the seasonal differences; got ${v.length}`, { path: name });
      // differences from the median of the values 1..K periods back, as the stream computes them
      const r: number[] = [];
      const past = new Float64Array(p.season_periods);
      for (let i = period; i < v.length; i++) {
        let k = 0;
        for (; k < past.length && i - (k + 1) * period >= 0; k++) past[k] = v[i - (k + 1) * period]!;
        r.push(v[i]! - medianOf(past, k));
      }
      seasonScale = madScale(Float64Array.from(r), 0);
      if (!(seasonScale > tiny)) seasonScale = Math.max(levelScale * 1e-3, tiny);
    }
  }
  return { name, level, levelScale, localScale, bandMean, bandScale, energyFloor, ...(p.season !== 0 ? { period, seasonScale } : {}) };
}

export const impl: ComponentImpl<StatisticalParams, StatisticalState, StatisticalDetector> = {
  create: (p) => new StatisticalDetector(p),
  restore: async (p, s) => {
    if (!Array.isArray(s?.channels) || !s.channels.length || (typeof s.adaptBelow !== 'number' && s.adaptBelow !== null)) throw new BundleError('statistical detector: saved state is malformed');
    if (p.season !== 0 && !s.channels.every((c) => Number.isInteger(c.period) && c.period! >= 0 && (!c.period || (typeof c.seasonScale === 'number' && c.seasonScale > 0)))) throw new BundleError('statistical detector: saved state is malformed (season)');
    const tails = s.tails ?? null;
    if (p.tail_risk > 0 && !(tails && Array.isArray(tails.channels) && tails.channels.length === s.channels.length && tails.channels.every((c) => Array.isArray(c) && c.length === COMPONENTS && c.every(validTail)) && validTail(tails.multi ?? null))) throw new BundleError('statistical detector: saved state is malformed (tails)');
    // JSON has no Infinity: a null limit means no row adapts
    return new StatisticalDetector(p, { ...s, adaptBelow: s.adaptBelow ?? Infinity, multi: s.multi ?? null, tails });
  },
};
