/**
 * Thresholds on a stream of anomaly scores, fitted on nominal scores and applied row by row, causally:
 *
 * - `fixed`: a given value.
 * - `quantile`: the q-quantile of the nominal scores (linear interpolation, as numpy's default).
 * - `dynamic`: Hundman et al. 2018 (telemanom), made causal. Scores are smoothed by an EWMA (span
 *   `smoothing`); every `step` rows the threshold is recomputed from the trailing `window` smoothed scores
 *   e_s: epsilon = mean(e_s) + z * std(e_s), with z in [z_min, z_max] (step 0.5) maximising
 *     (delta_mean / mean + delta_std / std) / (|e_a| + |E_seq|^2)
 *   where delta_* is the drop of the mean / std when the scores above epsilon are removed, e_a those
 *   scores and E_seq their contiguous runs. Pruning (telemanom's `p`): the runs' maxima sorted
 *   descending, with the largest score below epsilon appended; runs after the last relative drop
 *   (m_i - m_{i+1}) / m_i above `prune` are not anomalies, so the threshold is raised to the largest of
 *   their maxima. A row is compared with the threshold computed before it (no look-ahead); the window
 *   starts filled with the nominal smoothed scores. What the stream compares (and writes as `score`) is
 *   the smoothed score.
 */
export type ThresholdConfig =
  | { method: 'fixed'; value: number }
  | { method: 'quantile'; q: number }
  | { method: 'dynamic'; window: number; step: number; smoothing: number; z_min: number; z_max: number; prune: number };

export type ThresholdState =
  | { method: 'fixed'; value: number }
  | { method: 'quantile'; q: number; value: number }
  | { method: 'dynamic'; window: number; step: number; smoothing: number; z_min: number; z_max: number; prune: number; /** the last `window` nominal smoothed scores */ history: number[]; /** the EWMA at the end of the nominal scores */ level: number; /** the threshold the history gives */ value: number };

/** The q-quantile of the finite values of `v` (numpy's linear interpolation); NaN when none are finite. */
export function quantile(v: ArrayLike<number>, q: number): number {
  const a: number[] = [];
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) a.push(v[i]!);
  if (!a.length) return NaN;
  a.sort((x, y) => x - y);
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo]! + (a[hi]! - a[lo]!) * (pos - lo);
}

/** EWMA with span s (pandas' ewm(span=s, adjust=False)): alpha = 2 / (s + 1). */
function alphaOf(span: number): number {
  return 2 / (span + 1);
}

/** telemanom's threshold (with pruning) on a window of smoothed scores. */
export function dynamicThreshold(e: ArrayLike<number>, zMin: number, zMax: number, prune: number): number {
  const n = e.length;
  if (n === 0) return Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += e[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (e[i]! - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  if (!(sd > 0)) return mean > 0 ? mean * (1 + 1e-9) : Number.MIN_VALUE;
  let best = mean + zMax * sd;
  let bestObj = -Infinity;
  for (let z = zMin; z <= zMax + 1e-9; z += 0.5) {
    const eps = mean + z * sd;
    let sBelow = 0;
    let nBelow = 0;
    let above = 0;
    let runs = 0;
    let inRun = false;
    for (let i = 0; i < n; i++) {
      const x = e[i]!;
      if (x > eps) {
        above++;
        if (!inRun) runs++;
        inRun = true;
      } else {
        sBelow += x;
        nBelow++;
        inRun = false;
      }
    }
    if (above === 0 || nBelow === 0) continue;
    const mB = sBelow / nBelow;
    let ssB = 0;
    for (let i = 0; i < n; i++) if (e[i]! <= eps) ssB += (e[i]! - mB) ** 2;
    const sdB = Math.sqrt(ssB / nBelow);
    const obj = ((mean - mB) / mean + (sd - sdB) / sd) / (above + runs * runs);
    if (obj > bestObj) {
      bestObj = obj;
      best = eps;
    }
  }
  return pruned(e, best, prune);
}

/** The threshold raised past the runs telemanom's pruning would drop. */
function pruned(e: ArrayLike<number>, eps: number, p: number): number {
  const maxima: number[] = [];
  let below = -Infinity;
  let cur = -Infinity;
  for (let i = 0; i < e.length; i++) {
    const x = e[i]!;
    if (x > eps) cur = Math.max(cur, x);
    else {
      if (cur > -Infinity) maxima.push(cur);
      cur = -Infinity;
      below = Math.max(below, x);
    }
  }
  if (cur > -Infinity) maxima.push(cur);
  if (!maxima.length) return eps;
  maxima.sort((a, b) => b - a);
  const m = [...maxima, below];
  let keep = -1;
  for (let i = 0; i < m.length - 1; i++) if (m[i]! > 0 && (m[i]! - m[i + 1]!) / m[i]! > p) keep = i;
  // runs 0..keep stay anomalies; the threshold rises to the largest maximum of the others
  return keep + 1 < maxima.length ? Math.max(eps, maxima[keep + 1]!) : eps;
}

/** Fits a threshold on the scores of nominal data (NaN = warm-up rows, ignored). */
export function fitThreshold(cfg: ThresholdConfig, nominal: Float64Array): ThresholdState {
  if (cfg.method === 'fixed') return { method: 'fixed', value: cfg.value };
  if (cfg.method === 'quantile') {
    const value = quantile(nominal, cfg.q);
    if (!Number.isFinite(value)) throw new RangeError('no nominal scores to take a quantile of (every training row is in the warm-up)');
    return { method: 'quantile', q: cfg.q, value };
  }
  const a = alphaOf(cfg.smoothing);
  const smooth: number[] = [];
  let level = NaN;
  for (let i = 0; i < nominal.length; i++) {
    const x = nominal[i]!;
    if (!Number.isFinite(x)) continue;
    level = Number.isNaN(level) ? x : a * x + (1 - a) * level;
    smooth.push(level);
  }
  if (!smooth.length) throw new RangeError('no nominal scores for the dynamic threshold (every training row is in the warm-up)');
  const history = smooth.slice(-cfg.window);
  return { ...cfg, history, level, value: dynamicThreshold(history, cfg.z_min, cfg.z_max, cfg.prune) };
}

/** A threshold applied to a stream: next(score) gives the (possibly smoothed) score and the threshold of that row. */
export class StreamThreshold {
  private readonly st: ThresholdState;
  private level: number;
  private value: number;
  private ring?: Float64Array;
  private scratch?: Float64Array;
  private pos = 0;
  private filled = 0;
  private sinceUpdate = 0;
  private readonly alpha: number;

  constructor(state: ThresholdState) {
    this.st = state;
    this.value = state.value;
    this.level = state.method === 'dynamic' ? state.level : NaN;
    this.alpha = state.method === 'dynamic' ? alphaOf(state.smoothing) : 0;
    if (state.method === 'dynamic') {
      this.ring = new Float64Array(state.window);
      for (const x of state.history) this.push(x);
    }
  }

  private push(x: number): void {
    const r = this.ring!;
    r[this.pos] = x;
    this.pos = (this.pos + 1) % r.length;
    if (this.filled < r.length) this.filled++;
  }

  /** The threshold the next row would be compared with (a bad row's, which does not move it). */
  get current(): number {
    return this.value;
  }

  /** Scores in order; NaN (warm-up) passes through with the current threshold. */
  next(score: number): { score: number; threshold: number } {
    const st = this.st;
    if (st.method !== 'dynamic') return { score, threshold: this.value };
    if (!Number.isFinite(score)) return { score, threshold: this.value };
    this.level = Number.isNaN(this.level) ? score : this.alpha * score + (1 - this.alpha) * this.level;
    const out = { score: this.level, threshold: this.value };
    this.push(this.level);
    if (++this.sinceUpdate >= st.step) {
      this.sinceUpdate = 0;
      // in time order (runs of high scores are counted): the ring from its oldest entry
      const r = this.ring!;
      let window: Float64Array;
      if (this.filled < r.length) window = r.subarray(0, this.filled);
      else {
        window = this.scratch ??= new Float64Array(r.length);
        window.set(r.subarray(this.pos), 0);
        window.set(r.subarray(0, this.pos), r.length - this.pos);
      }
      this.value = dynamicThreshold(window, st.z_min, st.z_max, st.prune);
    }
    return out;
  }
}
