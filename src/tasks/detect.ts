/**
 * Task detect: `mlkit train` on a `task: detect` config fits a detector on nominal data (its scores on
 * that data fit the threshold) and writes a bundle; `mlkit detect` streams rows through it, one verdict
 * per input row, in order, written as soon as the row's batch is scored.
 *
 * Output columns: the input's time column (data.time, when the config has one), `score`, `threshold`,
 * `anomaly` (0/1), `cause` (the channel that contributed most, on anomalous rows), and with
 * `--on-bad-row flag` an `error` column. Warm-up rows (not enough history yet) have an empty score and
 * anomaly 0. A bad row (a channel empty, NaN or infinite) is, per `onBadRow`: `fail` a data error
 * naming its line; `skip` counted and left out; `flag` written with an empty score and anomaly and its
 * error. Bad rows never reach the detector, so its windows hold real values only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';
import type { LoadedConfig } from '../config/load.js';
import type { AnyConfig, DetectSettings } from '../config/schema.js';
import type { RunContext } from '../core/context.js';
import type { ColumnInfo, Detector, Frame, RowBatch } from '../core/types.js';
import { BundleError, DataError, UsageError, throwIfAborted } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { loadTable, readStdinAsync, schemaOf, type TableFormat } from '../data/read.js';
import { readBatches, type BadRecord, type StreamStats } from '../data/stream.js';
import type { TableWriter } from '../data/write.js';
import { checkBundleTarget, loadBundle, restoreComponent, saveBundle, saveComponent, type Manifest } from '../bundle/bundle.js';
import { columnOf, float64Values } from '../pipeline/frame-columns.js';
import { fitThreshold, StreamThreshold, type ThresholdConfig, type ThresholdState } from '../detect/thresholds.js';
import { AlarmState } from '../detect/alarms.js';
import { detectionMetrics, labelsFromWindows, type DetectionMetrics } from '../metrics/detection.js';
import { nabWindows } from '../metrics/nab.js';
import { collectBatchGarbage } from '../core/memory.js';
import { parseDuration } from '../core/time.js';

/** What a detect bundle keeps besides the detector node (manifest.detection). */
export interface DetectionState {
  mode: DetectSettings['mode'];
  channels: string[];
  time?: string;
  threshold: ThresholdState;
  min_duration: number;
  /** the hold-off in rows (a duration in the config is converted at training) */
  suppress: number;
  /** alarm rules beyond min_duration and suppress (see detect/alarms.ts); absent = off */
  backoff?: boolean;
  breakthrough?: number;
  /** rows of warm-up a stream starts with */
  warmup: number;
  /** supervised: rows ahead the classifier was trained to warn */
  lead?: number;
}

export type BadRowPolicy = 'fail' | 'skip' | 'flag';

export interface DetectSummary {
  rows: number;
  anomalies: number;
  badRows: number;
  warmupRows: number;
  seconds: number;
  rowsPerSecond: number;
}

const NUMERIC = new Set(['float64', 'int64', 'bool']);

/** A summary at zero, filled while a stream runs (so that an interrupted stream still has one). */
export function newSummary(): DetectSummary {
  return { rows: 0, anomalies: 0, badRows: 0, warmupRows: 0, seconds: 0, rowsPerSecond: 0 };
}

/** The channels a config watches: detect.channels, else every numeric column but time, label and drop. */
function channelsOf(frame: Frame, cfg: AnyConfig, file: string): string[] {
  const d = cfg.detect!;
  const schema = schemaOf(frame);
  const dtype = new Map(schema.map((c) => [c.name, c.dtype]));
  const not = new Set([cfg.data.time, d.label, ...cfg.data.drop].filter((x): x is string => !!x));
  const names = d.channels ?? schema.filter((c) => NUMERIC.has(c.dtype) && !not.has(c.name)).map((c) => c.name);
  if (!names.length) throw new DataError('no numeric column to watch: give detect.channels, or data with numeric columns besides data.time and the label', { file });
  for (const n of names) {
    const t = dtype.get(n);
    if (t === undefined) throw new DataError(`detect.channels: column "${n}" not found${didYouMean(n, frame.columns)}`, { file, path: n });
    if (!NUMERIC.has(t)) throw new DataError(`detect.channels: column "${n}" is ${t === 'string' ? 'text' : t}; a channel must be numeric`, { file, path: n });
    if (not.has(n)) throw new DataError(`detect.channels: "${n}" is ${n === cfg.data.time ? 'data.time' : n === d.label ? 'detect.label' : 'in data.drop'}`, { file, path: n });
  }
  return names;
}

function rowBatch(frame: Frame, channels: string[]): RowBatch {
  return { columns: channels, values: channels.map((c) => float64Values(columnOf(frame, c))) };
}

export interface TrainDetectResult {
  bundleDir: string;
  rows: number;
  channels: string[];
  threshold: number;
  nominalAnomalies: number;
  detector: string;
}

export async function trainDetect(lc: LoadedConfig<AnyConfig>, ctx: RunContext): Promise<TrainDetectResult> {
  const { config } = lc;
  const d = config.detect!;
  checkBundleTarget(lc.outputDir, 'detect', ctx.force);
  const name = config.data.train;
  const table = await loadTable(lc.trainPath, { format: config.data.format, csv: config.data.csv, displayName: name, stdin: ctx.stdin }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const frame = table.frame;
  const time = config.data.time;
  if (time !== undefined && !frame.columns.includes(time)) throw new DataError(`data.time: column "${time}" not found${didYouMean(time, frame.columns)}`, { file: name, path: 'data.time' });
  if (d.mode === 'predictive' && config.data.target !== undefined) {
    const t = config.data.target;
    if (!frame.columns.includes(t)) throw new DataError(`data.target: column "${t}" not found${didYouMean(t, frame.columns)}`, { file: name, path: 'data.target' });
  }
  // predictive with data.target: that channel is predicted; otherwise every channel
  const channels = d.mode === 'predictive' && config.data.target !== undefined ? channelsOf(frame, { ...config, detect: { ...d, channels: [config.data.target] } }, name) : channelsOf(frame, config, name);
  const batch = rowBatch(frame, channels);
  // nominal data is learned from as it is: an incomplete row is an error naming its line, never dropped
  batch.values.forEach((v, c) => {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) throw new DataError(`channel "${channels[c]}" is ${Number.isNaN(v[i]!) ? 'empty or NaN' : v[i]} in the training data; the detector learns from complete rows (remove or fill the row)`, { file: name, line: table.lineOf(i), path: channels[c] });
    }
  });
  const kind = d.mode === 'unsupervised' ? d.detector : d.mode;
  const spec = ctx.registry.get('detector', kind);
  const impl = await ctx.registry.load<unknown, unknown, Detector>('detector', kind);
  let lead = 0;
  if (d.mode === 'supervised') {
    const label = d.label!;
    if (!frame.columns.includes(label)) throw new DataError(`detect.label: column "${label}" not found${didYouMean(label, frame.columns)}`, { file: name, path: 'detect.label' });
    if (!NUMERIC.has(schemaOf(frame.select(label))[0]!.dtype)) throw new DataError(`detect.label: column "${label}" is text; expected 0 or 1`, { file: name, path: 'detect.label' });
    lead = durationRows('detect.lead', d.lead, frame, time, name);
  }
  const params = d.mode === 'predictive' ? predictiveParams(lc)
    : d.mode === 'supervised' ? { label: d.label, lead, ...d.params, xgboost: lc.modelParams, ...(lc.modelOptions.engine ? { engine: lc.modelOptions.engine } : {}) }
    : { ...d.params, adapt: d.adapt };
  const detector = impl.create(spec.params.parse(params), {});
  const features = frame.select(...channels, ...(d.mode === 'supervised' ? [d.label!] : []));
  await detector.fit(features, { signal: ctx.signal, seed: config.seed, log: ctx.log });
  throwIfAborted(ctx.signal);
  // the threshold from the detector's scores on the nominal rows (a stream of its own, then forgotten)
  // (a detector that holds out part of the nominal rows gives the scores of those instead: fitScores)
  const held = (detector as Detector & { fitScores?(): Float64Array | undefined }).fitScores?.();
  const nominal = held ? { score: held } : await detector.score(batch, { signal: ctx.signal });
  (detector as Detector & { reset?(): void }).reset?.();
  const thresholdConfig: ThresholdConfig = (d.threshold as ThresholdConfig | undefined) ?? (d.mode === 'supervised' ? { method: 'fixed', value: 0.5 } : { method: 'quantile', q: 0.999 });
  const threshold = fitThreshold(thresholdConfig, nominal.score);
  // how many nominal rows the rules would flag: a check of the threshold on data said to be normal
  const th = new StreamThreshold(threshold);
  const suppress = durationRows('detect.suppress', d.suppress, frame, time, name);
  const alarmOptions = { backoff: d.backoff, breakthrough: d.breakthrough };
  const alarms = new AlarmState(d.min_duration, suppress, alarmOptions);
  let flagged = 0;
  for (let i = 0; i < nominal.score.length; i++) {
    const { score, threshold: t } = th.next(nominal.score[i]!);
    flagged += alarms.next(score > t, score);
  }
  const files: Record<string, Uint8Array> = {};
  const node = await saveComponent(detector, 'detector', files);
  const timeInfo = time !== undefined ? schemaOf(frame.select(time))[0] : undefined;
  const columns: ColumnInfo[] = [...channels.map((c): ColumnInfo => ({ name: c, dtype: 'float64' })), ...(timeInfo ? [timeInfo] : [])];
  const detection: DetectionState = { mode: d.mode, channels, time, threshold, min_duration: d.min_duration, suppress, ...(d.backoff ? { backoff: true } : {}), ...(d.breakthrough > 0 ? { breakthrough: d.breakthrough } : {}), warmup: detector.warmup(), ...(d.mode === 'supervised' ? { lead } : {}) };
  await Promise.resolve();
  throwIfAborted(ctx.signal);
  saveBundle(lc.outputDir, {
    task: 'detect',
    config,
    input: { columns, time },
    pipeline: { name: 'none', kind: 'structure', params: {}, state: null },
    detector: node,
    detection,
    metrics: {},
  }, files, { force: ctx.force });
  return { bundleDir: lc.outputDir, rows: frame.height, channels, threshold: threshold.value, nominalAnomalies: flagged, detector: d.mode === 'unsupervised' ? d.detector : `${d.mode} (${lc.config.model!.type})` };
}

/** detect.lead or detect.suppress in rows: a number is rows; a duration is divided by the median step of data.time. */
function durationRows(key: string, lead: string | number | undefined, frame: Frame, time: string | undefined, file: string): number {
  if (lead === undefined) return 0;
  if (typeof lead === 'number') return lead;
  const ms = parseDuration(lead)!;
  const raw = columnOf(frame, time!).cast(pl.Utf8).toArray() as (string | null)[];
  const t = raw.map((x) => (x === null ? NaN : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(x) ? x : x.replace(' ', 'T') + 'Z')));
  const steps: number[] = [];
  for (let i = 1; i < t.length; i++) if (Number.isFinite(t[i]!) && Number.isFinite(t[i - 1]!) && t[i]! > t[i - 1]!) steps.push(t[i]! - t[i - 1]!);
  if (!steps.length) throw new DataError(`${key} ${lead}: data.time "${time}" has no increasing timestamps to measure the step`, { file, path: key });
  steps.sort((a, b) => a - b);
  const step = steps[steps.length >> 1]!;
  return Math.max(0, Math.round(ms / step));
}

/** The predictive detector's params from the config's model: (type, lags, XGBoost's own params, engine). */
function predictiveParams(lc: LoadedConfig<AnyConfig>): Record<string, unknown> {
  // the forecaster schema's defaults for forecasting-only keys are dropped (the config rules refuse them when given)
  const type = lc.config.model!.type;
  if (type !== 'xgboost') return { model: type, ...(lc.modelParams.s !== undefined ? { s: lc.modelParams.s } : {}) };
  const { lags, rolling: _r, calendar: _c, differences: _d, scale: _s, per_series: _p, ...rest } = lc.modelParams as Record<string, unknown>;
  return { model: type, ...(lags !== undefined ? { lags } : {}), xgboost: rest, ...(lc.modelOptions.engine ? { engine: lc.modelOptions.engine } : {}) };
}

interface LoadedDetection {
  manifest: Manifest;
  detector: Detector;
  state: DetectionState;
}

async function loadDetection(dir: string, ctx: RunContext): Promise<LoadedDetection> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'detect') throw new BundleError(`this is a ${JSON.stringify(m.task)} bundle; mlkit detect needs one trained with task: detect`, { file: dir });
  const state = m.detection as DetectionState | undefined;
  if (!state || !Array.isArray(state.channels) || !state.channels.length || !state.threshold) throw new BundleError('bundle corrupted: the detection settings are missing', { file: dir });
  const detector = await restoreComponent<Detector>(ctx.registry, 'detector', m.detector, bundle.reader('detector'), dir, ctx.log);
  return { manifest: m, detector, state };
}

/**
 * Streams `file` through a detect bundle into `sink`: one output row per input row (minus skipped bad
 * rows), in order. Returns the summary; stops early when the reader of stdout goes away.
 */
export async function detectStream(dir: string, file: string, sink: TableWriter, ctx: RunContext, opts: { format?: TableFormat; onBadRow?: BadRowPolicy; /** columns the caller uses itself (a label): not noted as ignored */ alsoUsed?: string[] } = {}, summary: DetectSummary = newSummary()): Promise<DetectSummary> {
  const { manifest, detector, state } = await loadDetection(dir, ctx);
  const policy = opts.onBadRow ?? 'fail';
  const { channels, time } = state;
  const dtypes: Record<string, 'float64' | 'string'> = {};
  for (const c of manifest.input.columns) dtypes[c.name] = c.dtype === 'string' ? 'string' : 'float64';
  const thresholds = new StreamThreshold(state.threshold);
  const alarms = new AlarmState(state.min_duration, state.suppress, { backoff: state.backoff === true, breakthrough: typeof state.breakthrough === 'number' ? state.breakthrough : 0 });
  const t0 = performance.now();
  const stats: StreamStats = { rows: 0, batches: 0, blankLines: 0 };
  const cfg = manifest.config as AnyConfig;
  let first = true;
  // records the reader could not take (ragged, text in a channel, not text at all): with skip or flag,
  // reported in input order between batches
  const pendingBad: BadRecord[] = [];
  const exprCache = new Map<string, ReturnType<typeof pl.col>[]>();
  const timeDtype = manifest.input.columns.find((c) => c.name === time)?.dtype === 'string' ? pl.Utf8 : pl.Float64;
  const flushBad = async () => {
    if (!pendingBad.length) return;
    summary.badRows += pendingBad.length;
    if (policy === 'flag') {
      const k = pendingBad.length;
      const out = outputFrame(exprCache, time ? pl.Series(time, new Array(k).fill(null), timeDtype) : undefined, new Float64Array(k).fill(NaN), new Float64Array(k).fill(NaN), new Float64Array(k).fill(NaN), new Array(k).fill(null), pendingBad.map((b) => `line ${b.line}${b.col ? `, column ${b.col}` : ''}: ${b.message}`));
      await sink.write(out);
      summary.rows += k;
    }
    pendingBad.length = 0;
  };
  const onBadRecord = policy === 'fail' ? undefined : (b: BadRecord) => { pendingBad.push(b); };
  try {
    for await (const { table } of readBatches(file, { format: opts.format, csv: cfg?.data?.csv, stdin: ctx.stdin, dtypes, stats, onBadRecord, blankLinesAreRows: true }, ctx.signal)) {
      await flushBad();
      if (sink.gone) break;
      const frame = table.frame;
      const cols = new Set(frame.columns);
      for (const c of [...channels, ...(time ? [time] : [])]) {
        if (!cols.has(c)) throw new DataError(`column "${c}" is missing (the detector was trained with it)${didYouMean(c, frame.columns)}`, { file: table.name, path: c });
      }
      if (first) {
        const known = new Set([...channels, ...(time ? [time] : []), ...(opts.alsoUsed ?? [])]);
        const extra = frame.columns.filter((c) => !known.has(c));
        if (extra.length) ctx.log.info(`${table.name}: ignoring column(s) the detector does not use: ${extra.join(', ')}`);
        first = false;
      }
      const n = frame.height;
      const batch = rowBatch(frame, channels);
      // bad rows: a channel empty, NaN or infinite
      let bad: Int32Array | undefined;
      const errors: (string | null)[] = [];
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < channels.length; c++) {
          const x = batch.values[c]![i]!;
          if (Number.isFinite(x)) continue;
          const why = `channel "${channels[c]}" is ${Number.isNaN(x) ? 'empty or NaN' : x}`;
          if (policy === 'fail') throw new DataError(`${why}; use --on-bad-row skip or flag to go on past such rows`, { file: table.name, line: table.lineOf(i), path: channels[c] });
          bad ??= new Int32Array(n).fill(-1);
          if (bad[i] === -1) { bad[i] = errors.length; errors.push(`line ${table.lineOf(i)}: ${why}`); }
          break;
        }
      }
      const good: number[] = [];
      if (bad) for (let i = 0; i < n; i++) { if (bad[i] === -1) good.push(i); }
      summary.badRows += errors.length;
      const scoredBatch = bad ? { columns: channels, values: batch.values.map((v) => Float64Array.from(good, (i) => v[i]!)) } : batch;
      const scores = await detector.score(scoredBatch, { signal: ctx.signal });
      throwIfAborted(ctx.signal);
      // per output row (all rows for flag, good rows otherwise)
      const outRows = bad && policy === 'skip' ? good.length : n;
      const score = new Float64Array(outRows).fill(NaN);
      const thr = new Float64Array(outRows).fill(NaN);
      const anomaly = new Float64Array(outRows).fill(NaN);
      const cause: (string | null)[] = new Array(outRows).fill(null);
      const err: (string | null)[] | undefined = policy === 'flag' ? new Array(outRows).fill(null) : undefined;
      for (let o = 0, g = 0, i = 0; i < n; i++) {
        if (bad && bad[i]! >= 0) {
          if (policy === 'flag') { err![o] = errors[bad[i]!]!; o++; }
          continue;
        }
        const s = scores.score[g]!;
        const r = thresholds.next(s);
        const warm = Number.isNaN(s);
        const a = alarms.next(!warm && r.score > r.threshold, r.score);
        score[o] = r.score;
        thr[o] = r.threshold;
        anomaly[o] = a;
        if (a) cause[o] = channels[scores.cause?.[g] ?? -1] ?? null;
        summary.anomalies += a;
        if (warm) summary.warmupRows++;
        g++;
        o++;
      }
      let timeSeries: pl.Series | undefined;
      if (time) {
        const ts = columnOf(frame, time);
        timeSeries = bad && policy === 'skip' ? ts.gather(good) : ts;
      }
      const out = outputFrame(exprCache, timeSeries, score, thr, anomaly, cause, err);
      await sink.write(out);
      summary.rows += outRows;
      if (sink.gone) break;
      collectBatchGarbage(n * (channels.length + 1));
    }
    if (!sink.gone) await flushBad();
  } finally {
    summary.seconds = (performance.now() - t0) / 1000;
    summary.rowsPerSecond = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : 0;
    detector.dispose?.();
  }
  if (stats.blankLines) ctx.log.info(`${file}: skipped ${stats.blankLines} blank line(s)`);
  return summary;
}

/**
 * The output batch: [time] score threshold anomaly cause [error]; NaN = empty. `cache` keeps the select
 * expressions of a stream (each polars expression costs about a millisecond; batches may be single rows).
 */
function outputFrame(cache: Map<string, ReturnType<typeof pl.col>[]>, time: pl.Series | undefined, score: Float64Array, thr: Float64Array, anomaly: Float64Array, cause: (string | null)[], err?: (string | null)[]): Frame {
  const cols: pl.Series[] = [];
  if (time) cols.push(time);
  cols.push(pl.Series('score', score, pl.Float64), pl.Series('threshold', thr, pl.Float64), pl.Series('anomaly', anomaly, pl.Float64), pl.Series('cause', cause, pl.Utf8));
  if (err) cols.push(pl.Series('error', err, pl.Utf8));
  const key = `${time ? `t:${time.name}` : '-'}|${err ? 'e' : ''}`;
  let exprs = cache.get(key);
  if (!exprs) {
    exprs = [
      ...(time ? [pl.col(time.name)] : []),
      pl.col('score').fillNan(pl.lit(null)),
      pl.col('threshold').fillNan(pl.lit(null)),
      pl.col('anomaly').fillNan(pl.lit(null)).cast(pl.Int8),
      pl.col('cause'),
      ...(err ? [pl.col('error')] : []),
    ];
    cache.set(key, exprs);
  }
  return pl.DataFrame(cols).select(...exprs);
}

export interface EvaluateDetectOptions {
  format?: TableFormat;
  /** a 0/1 label column of DATA (default: the training config's detect.label) */
  label?: string;
  /** NAB-style anomaly windows: a JSON list of [start, end] timestamps, or an object of such lists keyed by file */
  windows?: string;
}

/** The windows of a NAB-style JSON file for `data`: a list, or the entry of an object keyed by file name. */
function windowsFor(file: string, data: string): [string, string][] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read the windows: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const isList = (v: unknown): v is [string, string][] => Array.isArray(v) && v.every((w) => Array.isArray(w) && w.length === 2);
  if (isList(doc)) return doc;
  if (!doc || typeof doc !== 'object') throw new DataError('expected a list of [start, end] windows, or an object of such lists keyed by file name (NAB combined_windows.json)', { file });
  const keys = Object.keys(doc);
  const base = path.basename(data);
  // the key naming the file: the same name, else a name the file's name ends with (nab_x.csv for folder/x.csv)
  let match = keys.filter((k) => k === data || path.basename(k) === base);
  if (!match.length) match = keys.filter((k) => base.endsWith(path.basename(k)));
  if (match.length !== 1) throw new DataError(`${match.length ? 'several keys' : 'no key'} for ${base} (keys: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''})`, { file });
  const w = (doc as Record<string, unknown>)[match[0]!];
  if (!isList(w)) throw new DataError(`"${match[0]}": expected a list of [start, end] windows`, { file });
  return w;
}

/**
 * Detection metrics of a detect bundle on labelled data: the stream's verdicts (as `mlkit detect` gives
 * them) against a 0/1 label column or NAB-style windows (which also give NAB scores).
 */
export async function evaluateDetect(dir: string, file: string, ctxIn: RunContext, opts: EvaluateDetectOptions = {}): Promise<{ metrics: DetectionMetrics; rows: number }> {
  const bundle = loadBundle(dir);
  // stdin is read twice (the labels, then the stream): held once
  const ctx = file === '-' && !ctxIn.stdin ? { ...ctxIn, stdin: await readStdinAsync(ctxIn.signal) } : ctxIn;
  const cfg = bundle.manifest.config as AnyConfig;
  const time = (bundle.manifest.detection as DetectionState | undefined)?.time;
  const table = await loadTable(file, { format: opts.format, csv: cfg?.data?.csv, stdin: ctx.stdin }, ctx.signal, ctx.log);
  const n = table.frame.height;
  let labels: Uint8Array;
  let labelColumn: string | undefined;
  let nab: [number, number][] | undefined;
  const times = time && table.frame.columns.includes(time) ? (columnOf(table.frame, time).cast(pl.Utf8).toArray() as (string | null)[]) : undefined;
  if (opts.windows) {
    if (!times) throw new UsageError(`--windows needs the data's time column${time ? ` "${time}"` : ' (the bundle was trained without data.time)'}`);
    nab = nabWindows(times.map((t) => t ?? ''), windowsFor(opts.windows, file));
    labels = labelsFromWindows(n, nab);
  } else {
    const col = opts.label ?? cfg?.detect?.label;
    labelColumn = col;
    if (!col) throw new UsageError('the labels: give --label COLUMN (a 0/1 column of the data) or --windows FILE (NAB-style anomaly windows)');
    if (!table.frame.columns.includes(col)) throw new DataError(`label column "${col}" not found${didYouMean(col, table.frame.columns)}`, { file: table.name, path: col });
    if (!NUMERIC.has(schemaOf(table.frame.select(col))[0]!.dtype)) throw new DataError(`label column "${col}" is text; expected 0 or 1`, { file: table.name, path: col });
    const v = float64Values(columnOf(table.frame, col));
    labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (v[i] !== 0 && v[i] !== 1) throw new DataError(`label column "${col}": expected 0 or 1, got ${Number.isNaN(v[i]!) ? 'an empty value' : v[i]}`, { file: table.name, line: table.lineOf(i), path: col });
      labels[i] = v[i]!;
    }
  }
  // the verdicts, from the same stream `mlkit detect` runs
  const anomaly = new Float64Array(n).fill(NaN);
  let at = 0;
  const collect: TableWriter = {
    rows: 0,
    gone: false,
    async write(f: Frame) {
      const a = float64Values(columnOf(f, 'anomaly'));
      anomaly.set(a.subarray(0, Math.min(a.length, n - at)), at);
      at += a.length;
      collect.rows += f.height;
    },
    async close() {},
    async finish() {},
    abort() {},
  };
  await detectStream(dir, file, collect, ctx, { format: opts.format, alsoUsed: labelColumn ? [labelColumn] : [] });
  if (at !== n) throw new DataError(`the stream gave ${at} verdicts for ${n} rows`, { file: table.name });
  const epoch = times?.map((t) => (t === null ? NaN : Date.parse(t.includes('T') || t.endsWith('Z') ? t : t.replace(' ', 'T') + 'Z')));
  const lead = (bundle.manifest.detection as DetectionState | undefined)?.lead;
  return { metrics: detectionMetrics(anomaly, labels, { times: epoch, nabWindows: nab, lead }), rows: n };
}
