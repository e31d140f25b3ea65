/**
 * The Numenta Anomaly Benchmark (NAB) scorer, ported from numenta/NAB @ ea702d75: `nab/sweeper.py`
 * (Sweeper: calcSweepScore, calcScoreByThreshold, scoreDataSet), `nab/scorer.py` (per-file scoring),
 * `nab/optimizer.py` (threshold optimisation over a corpus), `nab/runner.py` (normalize) and
 * `nab/util.py` (getProbationPeriod). The NAB 1.0 `Scorer` class (scorer.py before the sweeper) gives the
 * same score and counts; its per-row "S(t)" layout differs and is returned too (`perRow`).
 *
 * The rules, as in the source:
 * - probationary period: the first min(floor(p * n), p * 5000) rows (p = 0.15: at most 750 rows) are not
 *   scored (detections there are ignored, and they count as neither TN nor FN);
 * - a window is a row range [start, end] (both ends inclusive) whose limits are timestamps that must exist
 *   in the data exactly; a row inside a window, if detected, scores as a true positive
 *   scaledSigmoid(-(end - i + 1) / width) * tpWeight / scaledSigmoid(-1) (the window's first row earns
 *   exactly tpWeight); each window counts once: the best (= earliest) of its detected rows, or -fnWeight
 *   when none of its scorable rows is detected;
 * - a detected row outside every window is a false positive, each one counted:
 *   scaledSigmoid(|prevEnd - i| / (prevWidth - 1)) * fpWeight relative to the preceding window, or
 *   -fpWeight when no window precedes it;
 * - TP/FN/FP/TN count rows (not windows) among the scorable rows;
 * - a detection is anomaly_score >= threshold;
 * - normalised score = 100 * (raw - null) / (perfect - null), with raw, null and perfect totals over the
 *   corpus: null = the score of a detector that never fires (-fnWeight per window), perfect = tpWeight per
 *   window (NAB counts the windows in the label file).
 */
import { DataError, UsageError } from '../core/errors.js';
import { parseIsoDateTime } from '../core/time.js';

export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
  /** unused by the NAB score (true negatives score 0), kept for the cost matrix's shape */
  tnWeight: number;
}

export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

/** NAB's `config/profiles.json` cost matrices. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, Readonly<NabProfile>>> = {
  standard: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11, tnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22, tnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11, tnWeight: 1.0 },
};

/** NAB's default probationary fraction (runner.py). */
export const NAB_PROBATION_PERCENT = 0.15;

/** Standard logistic function, as sweeper.py: 1 / (1 + exp(-x)). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * sweeper.py's scaledSigmoid: 2 * sigmoid(-5 x) - 1 for a relative position x, and -1 past x > 3.
 * x = -1 is a window's left edge (0.98661), 0 its right edge (0), x > 0 after the window (negative).
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3.0) return -1.0;
  return 2 * sigmoid(-5 * relativePosition) - 1.0;
}

/**
 * util.getProbationPeriod / Sweeper._getProbationaryLength: min(floor(p * n), p * 5000). Rows with index
 * >= this value are scored (the value can be fractional only through p * 5000; 750 for p = 0.15).
 */
export function probationaryLength(numRows: number, probationPercent = NAB_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * numRows), probationPercent * 5000);
}

const TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * A NAB timestamp ("2014-04-10 07:15:00" in the data, "2014-04-10 07:15:00.000000" in the label files) as
 * milliseconds since the epoch, the wall-clock time read as UTC (NAB's timestamps carry no zone; only
 * equality and order matter). Sub-millisecond digits are kept as a fraction. Other forms go to Date.parse.
 */
export function parseNabTimestamp(s: string): number {
  const m = TS.exec(s.trim());
  // a day the month has, a time in range (2014-02-30 is not a timestamp)
  if (m && !Number.isNaN(parseIsoDateTime(`${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}`))) {
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0);
    return m[7] ? ms + Number('0.' + m[7]) * 1000 : ms;
  }
  // other ISO 8601 forms (a date, a zone); never a locale's reading of 04.03.2024
  const t = parseIsoDateTime(s);
  if (Number.isNaN(t)) throw new DataError(`not an ISO 8601 date-time: "${s}"`);
  return t;
}

const toTime = (t: number | string): number => (typeof t === 'number' ? t : parseNabTimestamp(t));

/**
 * Anomaly windows (pairs of limit timestamps, as in `labels/combined_windows.json`) as row index ranges
 * [start, end], both inclusive. As NAB's labeler, each limit must equal a timestamp of the data exactly
 * (the first such row is taken, as `timestamps.index(...)` in the sweeper); windows must be ordered and
 * must not overlap (NAB's validateLabels). `parse` turns a timestamp or limit into a number (default: NAB's
 * timestamps as epoch milliseconds, numbers as they are); NaN marks a row without a time.
 */
export function nabWindows(timestamps: ArrayLike<number | string>, windows: ReadonlyArray<readonly [number | string, number | string]>, parse: (t: number | string) => number = toTime): Array<[number, number]> {
  const index = new Map<number, number>();
  for (let i = 0; i < timestamps.length; i++) {
    const t = parse(timestamps[i]!);
    if (!Number.isNaN(t) && !index.has(t)) index.set(t, i); // NaN: a row without a time
  }
  const out: Array<[number, number]> = [];
  for (const [a, b] of windows) {
    const s = index.get(parse(a));
    const e = index.get(parse(b));
    if (s === undefined || e === undefined) {
      throw new DataError(`anomaly window [${a}, ${b}]: ${s === undefined ? a : b} is not a timestamp of the data (window limits must match the data's timestamps exactly)`);
    }
    if (e < s) throw new DataError(`anomaly window [${a}, ${b}] ends before it starts`);
    const prev = out[out.length - 1];
    if (prev && s <= prev[1]) throw new DataError(`anomaly window [${a}, ${b}] overlaps or precedes the window before it`);
    out.push([s, e]);
  }
  return out;
}

function checkWindowRows(n: number, windowRows: ReadonlyArray<readonly [number, number]>): void {
  let prevEnd = -1;
  for (const [s, e] of windowRows) {
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e >= n || e < s) throw new UsageError(`anomaly window rows [${s}, ${e}] are not a row range of a file with ${n} rows`);
    if (s <= prevEnd) throw new UsageError(`anomaly window rows [${s}, ${e}] overlap or precede the window before them`);
    prevEnd = e;
  }
}

/** The per-row part of the sweeper: what each row would score if it were a detection. */
export interface NabSweep {
  /** rows in the file */
  length: number;
  /** probationary length: rows i < probation are not scored */
  probation: number;
  /** weighted score of each row as a detection (sweeper.calcSweepScore's sweepScore; NAB's current S(t) column) */
  sweep: Float64Array;
  /** the window each row lies in (index into windowRows), -1 outside every window */
  window: Int32Array;
  windowRows: Array<[number, number]>;
}

/**
 * sweeper.calcSweepScore: inside a window, position -(end - i + 1) / width and score
 * scaledSigmoid(position) * tpWeight / scaledSigmoid(-1); outside, relative to the last window that ended
 * before the row: scaledSigmoid(|prevEnd - i| / (prevWidth - 1)) * fpWeight, or -fpWeight before the first
 * window. (A preceding window one row wide divides by zero: NAB raises there; here the position is
 * infinite, so the score is -fpWeight.)
 */
export function calcSweepScore(length: number, windowRows: ReadonlyArray<readonly [number, number]>, profile: NabProfile, probationPercent = NAB_PROBATION_PERCENT): NabSweep {
  checkWindowRows(length, windowRows);
  const sweep = new Float64Array(length);
  const window = new Int32Array(length).fill(-1);
  const maxTP = scaledSigmoid(-1.0);
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < length; i++) {
    const cur = windowRows[w];
    if (cur && i >= cur[0] && i <= cur[1]) {
      const width = cur[1] - cur[0] + 1;
      const position = -(cur[1] - i + 1) / width;
      sweep[i] = (scaledSigmoid(position) * profile.tpWeight) / maxTP;
      window[i] = w;
      if (i === cur[1]) {
        prevEnd = i;
        prevWidth = width;
        w++;
      }
    } else {
      const unweighted = prevEnd < 0 ? -1.0 : scaledSigmoid(Math.abs(prevEnd - i) / (prevWidth - 1));
      sweep[i] = unweighted * profile.fpWeight;
    }
  }
  return { length, probation: probationaryLength(length, probationPercent), sweep, window, windowRows: windowRows.map(([s, e]) => [s, e]) };
}

export interface NabWindowResult {
  start: number;
  end: number;
  /** first detected scorable row of the window, -1 when none (a false negative) */
  detected: number;
  /** the window's contribution: its best TP score, -fnWeight when missed, 0 when it lies wholly in probation */
  score: number;
}

/** A NAB score with its row counts. */
export interface NabCounts {
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  /** scorable rows, tp + tn + fp + fn (current NAB's Total_Count) */
  total: number;
}

export interface NabFileScore extends NabCounts {
  /** all rows (NAB 1.0's Total_Count) */
  length: number;
  probation: number;
  windows: NabWindowResult[];
  /**
   * NAB 1.0's S(t) column: each window's contribution at the window's first row, each false positive's at
   * its row, 0 elsewhere; it sums to `score`.
   */
  perRow: Float64Array;
  /** current NAB's S(t) column: the score each row would earn as a detection (sweepScore), for every row */
  sweepScores: Float64Array;
}

export interface ScoreFileOptions {
  /** the file's timestamps (epoch ms or NAB timestamp strings); needed with `windows` */
  timestamps?: ArrayLike<number | string>;
  /** anomaly windows as limit timestamps (matched to `timestamps` exactly) */
  windows?: ReadonlyArray<readonly [number | string, number | string]>;
  /** or anomaly windows as row ranges [start, end], both inclusive */
  windowRows?: ReadonlyArray<readonly [number, number]>;
  /** detections per row (truthy = detected) */
  detections?: ArrayLike<boolean | number>;
  /** or anomaly scores with a threshold: detected = score >= threshold */
  anomalyScores?: ArrayLike<number>;
  threshold?: number;
  profile: NabProfile;
  probationPercent?: number;
}

/** One file's NAB score (sweeper.scoreDataSet at a threshold, or given detections directly). */
export function scoreFile(opts: ScoreFileOptions): NabFileScore {
  const { profile } = opts;
  let detected: (i: number) => boolean;
  let length: number;
  if (opts.detections) {
    const d = opts.detections;
    length = d.length;
    detected = (i) => Boolean(d[i]);
  } else if (opts.anomalyScores && opts.threshold !== undefined) {
    const a = opts.anomalyScores, th = opts.threshold;
    length = a.length;
    detected = (i) => a[i]! >= th;
  } else {
    throw new UsageError('scoreFile needs detections, or anomalyScores and a threshold');
  }
  if (opts.timestamps && opts.timestamps.length !== length) throw new UsageError(`scoreFile: ${opts.timestamps.length} timestamps for ${length} rows`);
  let windowRows: ReadonlyArray<readonly [number, number]>;
  if (opts.windowRows) windowRows = opts.windowRows;
  else if (opts.windows) {
    if (!opts.timestamps) throw new UsageError('scoreFile: windows given as timestamps need the timestamps');
    windowRows = nabWindows(opts.timestamps, opts.windows);
  } else windowRows = [];

  const sw = calcSweepScore(length, windowRows, profile, opts.probationPercent ?? NAB_PROBATION_PERCENT);
  const nw = sw.windowRows.length;
  const winScore = new Float64Array(nw);
  const winFirst = new Int32Array(nw).fill(-1);
  const scorable = new Uint8Array(nw);
  for (let w = 0; w < nw; w++) {
    winScore[w] = -profile.fnWeight;
    scorable[w] = sw.windowRows[w]![1] >= sw.probation ? 1 : 0;
  }
  const perRow = new Float64Array(length);
  let tp = 0, tn = 0, fp = 0, fn = 0, fpScore = 0;
  for (let i = 0; i < length; i++) {
    if (i < sw.probation) continue;
    const w = sw.window[i]!;
    if (detected(i)) {
      if (w >= 0) {
        tp++;
        if (winFirst[w] === -1) winFirst[w] = i;
        winScore[w] = Math.max(winScore[w]!, sw.sweep[i]!);
      } else {
        fp++;
        fpScore += sw.sweep[i]!;
        perRow[i] = sw.sweep[i]!;
      }
    } else if (w >= 0) fn++;
    else tn++;
  }
  let score = fpScore;
  const windows: NabWindowResult[] = [];
  for (let w = 0; w < nw; w++) {
    const [start, end] = sw.windowRows[w]!;
    const s = scorable[w] ? winScore[w]! : 0;
    score += s;
    perRow[start] = s;
    windows.push({ start, end, detected: winFirst[w]!, score: s });
  }
  return { score, tp, tn, fp, fn, total: tp + tn + fp + fn, length, probation: sw.probation, windows, perRow, sweepScores: sw.sweep };
}

// ------------------------------------------------------------------------------------------------
// Scores for every threshold at once (sweeper.calcScoreByThreshold) and threshold optimisation

export interface NabThresholdScore extends NabCounts {
  threshold: number;
}

export interface NabFileInput {
  anomalyScores: ArrayLike<number>;
  windowRows: ReadonlyArray<readonly [number, number]>;
}

/**
 * sweeper.calcScoreByThreshold over the scorable rows of one or more files (a corpus): the rows sorted by
 * anomaly score, highest first (ties in file order, as Python's stable sort), and the score and counts
 * recorded for every distinct anomaly score as the threshold (detections: score >= threshold), starting
 * with a threshold of 1.1 (nothing detected). Each file's windows are distinct.
 */
export function scoresByThreshold(files: ReadonlyArray<NabFileInput>, profile: NabProfile, probationPercent = NAB_PROBATION_PERCENT): NabThresholdScore[] {
  const scores: number[] = [];
  const sweeps: number[] = [];
  const wins: number[] = [];
  let winBase = 0;
  for (const f of files) {
    const sw = calcSweepScore(f.anomalyScores.length, f.windowRows, profile, probationPercent);
    for (let i = Math.ceil(sw.probation); i < sw.length; i++) {
      scores.push(f.anomalyScores[i]!);
      sweeps.push(sw.sweep[i]!);
      wins.push(sw.window[i]! >= 0 ? winBase + sw.window[i]! : -1);
    }
    winBase += sw.windowRows.length;
  }
  const order = Array.from(scores.keys()).sort((a, b) => {
    const d = scores[b]! - scores[a]!;
    return d !== 0 && !Number.isNaN(d) ? d : a - b;
  });
  // scoreParts: "fp" and one entry per window with scorable rows, -fnWeight until detected
  const part = new Float64Array(winBase);
  const hasPart = new Uint8Array(winBase);
  let fpPart = 0;
  let tn = 0, fn = 0, tp = 0, fp = 0;
  for (let k = 0; k < wins.length; k++) {
    const w = wins[k]!;
    if (w >= 0) { hasPart[w] = 1; part[w] = -profile.fnWeight; fn++; } else tn++;
  }
  const sumParts = () => {
    let s = fpPart;
    for (let w = 0; w < winBase; w++) if (hasPart[w]) s += part[w]!;
    return s;
  };
  const out: NabThresholdScore[] = [];
  let cur = 1.1;
  for (const k of order) {
    const a = scores[k]!;
    if (a !== cur) {
      out.push({ threshold: cur, score: sumParts(), tp, tn, fp, fn, total: tp + tn + fp + fn });
      cur = a;
    }
    const w = wins[k]!;
    if (w >= 0) { tp++; fn--; part[w] = Math.max(part[w]!, sweeps[k]!); } else { fp++; tn--; fpPart += sweeps[k]!; }
  }
  out.push({ threshold: cur, score: sumParts(), tp, tn, fp, fn, total: tp + tn + fp + fn });
  return out;
}

/**
 * sweeper.scoreDataSet's pick from a scoresByThreshold list: the entry with exactly this threshold, else the
 * last entry above it (the same detections as score >= threshold). undefined where NAB finds none (a
 * threshold below every anomaly score).
 */
export function matchThreshold(list: ReadonlyArray<NabThresholdScore>, threshold: number): NabThresholdScore | undefined {
  let prev: NabThresholdScore | undefined;
  for (const row of list) {
    if (row.threshold === threshold) return row;
    if (row.threshold < threshold) return prev;
    prev = row;
  }
  return undefined;
}

/**
 * optimizer.optimizeThreshold: the threshold with the highest corpus score among scoresByThreshold's
 * entries (ties: the first, i.e. the highest threshold, as Python's stable sort).
 */
export function optimizeThreshold(files: ReadonlyArray<NabFileInput>, profile: NabProfile, probationPercent = NAB_PROBATION_PERCENT): NabThresholdScore {
  const list = scoresByThreshold(files, profile, probationPercent);
  let best = list[0]!;
  for (const r of list) if (r.score > best.score) best = r;
  return best;
}

// ------------------------------------------------------------------------------------------------
// Normalisation (runner.normalize)

/** The null detector's score (it never fires): -fnWeight for each window. */
export function nabNullScore(numWindows: number, profile: NabProfile): number {
  return -numWindows * profile.fnWeight;
}

/** NAB's perfect score: tpWeight for each window (a detection on each window's first row). */
export function nabPerfectScore(numWindows: number, profile: NabProfile): number {
  return numWindows * profile.tpWeight;
}

/** 100 * (raw - null) / (perfect - null), all three totals over the same corpus. */
export function normalizedScore(raw: number, nullScore: number, perfectScore: number): number {
  return (100 * (raw - nullScore)) / (perfectScore - nullScore);
}

/** A corpus total normalised NAB's way, given the number of windows in the corpus's labels. */
export function normalizeCorpusScore(rawTotal: number, numWindows: number, profile: NabProfile): number {
  return normalizedScore(rawTotal, nabNullScore(numWindows, profile), nabPerfectScore(numWindows, profile));
}
