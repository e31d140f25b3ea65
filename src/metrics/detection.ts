/**
 * Detection metrics on one stream: verdicts (0/1 per row) against labels (0/1 per row, or NAB-style
 * windows turned into rows).
 *
 * - point-wise: precision, recall, F1, F0.5 over rows;
 * - event-wise (telemanom's counting): an event is a run of labelled rows; a predicted event is a run of
 *   anomalous rows. A labelled event overlapped by some predicted event is a TP (else an FN); a predicted
 *   event that overlaps no labelled event is an FP. precision = TP / (TP + FP), recall = TP / (TP + FN);
 * - time to detect: per detected event, rows (and time, when the rows have times) from the event's first
 *   row to its first alarm, averaged; with a lead (rows), alarms up to `lead` rows before an event count
 *   for it (their delay is negative: the lead achieved);
 * - a precision with no alarms, a recall with no labelled rows, an F with neither is n/a (NaN; null in JSON),
 *   never 0: a quiet stream without faults is not a detector that is always wrong;
 * - NAB scores (standard, reward_low_FP_rate, reward_low_FN_rate) from metrics/nab.ts when windows are
 *   given, normalised for this stream alone: 100 (raw - null) / (perfect - null).
 */
import { NAB_PROFILES, nabNullScore, nabPerfectScore, normalizedScore, scoreFile, type NabProfileName } from './nab.js';

export interface Events {
  /** [first, last] row of each run of ones, in order */
  runs: [number, number][];
}

/** The runs of ones of a 0/1 sequence. */
export function runsOf(v: ArrayLike<number>): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= v.length; i++) {
    const on = i < v.length && v[i] === 1;
    if (on && start < 0) start = i;
    else if (!on && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  return runs;
}

/** F-beta from counts: defined whenever there is an alarm or a labelled row (0 when none is right), n/a (NaN) otherwise. */
const fBeta = (tp: number, fp: number, fn: number, b: number) => {
  const d = (1 + b * b) * tp + b * b * fn + fp;
  return d > 0 ? ((1 + b * b) * tp) / d : NaN;
};
/** a ratio with nothing to count is n/a (NaN, JSON null), not 0: no alarms has no precision, no labels no recall */
const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

export interface DetectionMetrics {
  rows: number;
  labelled_rows: number;
  flagged_rows: number;
  point_precision: number;
  point_recall: number;
  point_f1: number;
  point_f05: number;
  events: number;
  event_tp: number;
  event_fp: number;
  event_fn: number;
  event_precision: number;
  event_recall: number;
  event_f1: number;
  event_f05: number;
  /** mean rows from an event's first row to its first alarm, over detected events (negative: the alarm came early, within the lead) */
  detect_delay_rows?: number;
  /** the same in seconds, when the rows have times */
  detect_delay_seconds?: number;
  nab_standard?: number;
  nab_reward_low_FP_rate?: number;
  nab_reward_low_FN_rate?: number;
}

/**
 * Metrics of `anomaly` (0/1 per row; rows without a verdict, e.g. flagged bad rows, as NaN: not flagged)
 * against `label` (0/1 per row). `times` (epoch ms) gives delays in seconds; `nabWindows` (row ranges,
 * inclusive) gives NAB scores.
 */
export function detectionMetrics(anomaly: ArrayLike<number>, label: ArrayLike<number>, opts: { times?: ArrayLike<number>; nabWindows?: [number, number][]; lead?: number } = {}): DetectionMetrics {
  const n = anomaly.length;
  if (label.length !== n) throw new RangeError(`${n} verdicts but ${label.length} labels`);
  let tp = 0, fp = 0, fn = 0, lab = 0, flag = 0;
  for (let i = 0; i < n; i++) {
    const a = anomaly[i] === 1;
    const l = label[i] === 1;
    if (a) flag++;
    if (l) lab++;
    if (a && l) tp++;
    else if (a) fp++;
    else if (l) fn++;
  }
  const pp = ratio(tp, tp + fp);
  const pr = ratio(tp, tp + fn);
  const truth = runsOf(label);
  const pred = runsOf(anomaly);
  let etp = 0;
  const delays: number[] = [];
  const delaySec: number[] = [];
  // with a lead (supervised detectors warn ahead), an alarm up to `lead` rows before an event is for it
  const lead = opts.lead ?? 0;
  for (const [s, e] of truth) {
    const hit = pred.find(([ps, pe]) => ps <= e && pe >= s - lead);
    if (!hit) continue;
    etp++;
    const first = Math.max(s - lead, hit[0]);
    delays.push(first - s);
    if (opts.times) delaySec.push((opts.times[first]! - opts.times[s]!) / 1000);
  }
  const efp = pred.filter(([ps, pe]) => !truth.some(([s, e]) => ps <= e && pe >= s - lead)).length;
  const efn = truth.length - etp;
  const ep = ratio(etp, etp + efp);
  const er = ratio(etp, truth.length);
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : undefined);
  const out: DetectionMetrics = {
    rows: n, labelled_rows: lab, flagged_rows: flag,
    point_precision: pp, point_recall: pr, point_f1: fBeta(tp, fp, fn, 1), point_f05: fBeta(tp, fp, fn, 0.5),
    events: truth.length, event_tp: etp, event_fp: efp, event_fn: efn,
    event_precision: ep, event_recall: er, event_f1: fBeta(etp, efp, efn, 1), event_f05: fBeta(etp, efp, efn, 0.5),
  };
  const d = mean(delays);
  if (d !== undefined) out.detect_delay_rows = d;
  const ds = mean(delaySec);
  if (ds !== undefined && Number.isFinite(ds)) out.detect_delay_seconds = ds;
  if (opts.nabWindows) {
    const detections = Uint8Array.from({ length: n }, (_, i) => (anomaly[i] === 1 ? 1 : 0));
    for (const name of Object.keys(NAB_PROFILES) as NabProfileName[]) {
      const profile = NAB_PROFILES[name];
      const raw = scoreFile({ windowRows: opts.nabWindows, detections, profile }).score;
      const k = opts.nabWindows.length;
      // a file without windows has no perfect score to normalise by: n/a (NAB scores such files only
      // within a corpus), never a raw total under the normalised score's name
      out[`nab_${name}`] = k ? normalizedScore(raw, nabNullScore(k, profile), nabPerfectScore(k, profile)) : NaN;
    }
  }
  return out;
}

/** 0/1 labels from row ranges (inclusive). */
export function labelsFromWindows(n: number, windows: [number, number][]): Uint8Array {
  const y = new Uint8Array(n);
  for (const [s, e] of windows) y.fill(1, Math.max(0, s), Math.min(n, e + 1));
  return y;
}
