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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';
import type { LoadedConfig } from '../config/load.js';
import type { AnyConfig, DetectSettings } from '../config/schema.js';
import { epochNote, type RunContext } from '../core/context.js';
import type { Callback } from '../core/component.js';
import { checkpointOf, dropCheckpoint } from './checkpoint.js';
import type { ColumnInfo, Detector, Frame, RowBatch } from '../core/types.js';
import { BundleError, ConfigError, DataError, MlkitError, UsageError, throwIfAborted } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { dtypeOf, loadTable, readStdinAsync, schemaOf, type Table, type TableFormat } from '../data/read.js';
import { csvFields, isBadRecordError, readBatches, type BadRecord, type StreamStats } from '../data/stream.js';
import type { TableWriter } from '../data/write.js';
import { checkBundleTarget, loadBundle, restoreComponent, saveBundle, saveComponent, type Manifest } from '../bundle/bundle.js';
import { columnOf, float64Values } from '../pipeline/frame-columns.js';
import { fitThreshold, StreamThreshold, type ThresholdConfig, type ThresholdState } from '../detect/thresholds.js';
import { AlarmState } from '../detect/alarms.js';
import { fillValues } from '../forecast/series.js';
import { detectionMetrics, labelsFromWindows, type DetectionMetrics } from '../metrics/detection.js';
import { nabWindows, parseNabTimestamp } from '../metrics/nab.js';
import { innerName } from '../data/compression.js';
import { collectBatchGarbage } from '../core/memory.js';
import { parseDuration, parseIsoDateTime } from '../core/time.js';
import { delimiterName, otherDelimiter } from '../data/csv-options.js';

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
  /** the training data's times were date-times given as text: a stream's time that is not one is a bad row */
  datetimes?: boolean;
}

const ISO_DATETIME = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])([ T]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?)?([zZ]|[+-]\\d{2}:?\\d{2})?$';

/** A date-time given as text: ISO 8601 (a space or T, with or without a zone) with a day the month has; never a locale's reading. */
export function isDateTimeText(x: string): boolean {
  return !Number.isNaN(parseIsoDateTime(x));
}
/** rows whose day could be past the month's end (29-31): checked one by one after the ISO pattern passes */
const LATE_DAY = '^\\d{4}-\\d{2}-(29|3[01])';

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
  for (const c of cfg.data.drop) {
    if (!dtype.has(c)) throw new DataError(`data.drop: column "${c}" not found${didYouMean(c, frame.columns)}`, { file, path: c });
  }
  const not = new Set([cfg.data.time, d.label, ...cfg.data.drop].filter((x): x is string => !!x));
  const names = d.channels ?? schema.filter((c) => NUMERIC.has(c.dtype) && !not.has(c.name)).map((c) => c.name);
  if (!names.length) throw new DataError('no numeric column to watch: give detect.channels, or data with numeric columns besides data.time and the label', { file });
  for (const n of names) {
    const t = dtype.get(n);
    if (t === undefined) throw new DataError(`column "${n}" not found${didYouMean(n, frame.columns)}`, { file, path: 'detect.channels' });
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
  if (time !== undefined && !frame.columns.includes(time)) throw new DataError(`column "${time}" not found${didYouMean(time, frame.columns)}`, { file: name, path: 'data.time' });
  if (d.mode === 'predictive' && config.data.target !== undefined) {
    const t = config.data.target;
    if (!frame.columns.includes(t)) throw new DataError(`column "${t}" not found${didYouMean(t, frame.columns)}`, { file: name, path: 'data.target' });
  }
  // predictive with data.target: that channel is predicted; otherwise every channel
  const channels = d.mode === 'predictive' && config.data.target !== undefined ? channelsOf(frame, { ...config, detect: { ...d, channels: [config.data.target] } }, name) : channelsOf(frame, config, name);
  const batch = rowBatch(frame, channels);
  // nominal data is learned from as it is: an incomplete row is an error naming its line, never dropped;
  // data.fill (ffill, linear, zero) fills empty values first, and says how many
  const fill = config.data.fill;
  let filled = 0;
  batch.values.forEach((v, c) => {
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (Number.isFinite(x) || (Number.isNaN(x) && fill !== 'error')) continue;
      throw new DataError(`channel "${channels[c]}" is ${Number.isNaN(x) ? 'empty or NaN' : x} in the training data; the detector learns from complete rows (remove or fill the row${Number.isNaN(x) ? ', or set data.fill to ffill, linear or zero' : ''})`, { file: name, line: table.lineOf(i), path: channels[c] });
    }
    if (fill === 'error') return;
    const before = v.reduce((k, x) => k + (Number.isNaN(x) ? 1 : 0), 0);
    if (!before) return;
    fillValues(v, fill, () => {
      throw new DataError(`channel "${channels[c]}" has no value to fill from: ${fill === 'ffill' ? 'its first row is empty (ffill fills from the row before)' : 'it is empty in every row'}`, { file: name, line: table.lineOf(0), path: channels[c] });
    });
    filled += before;
  });
  if (filled) ctx.log.info(`data.fill ${fill}: ${filled} empty value(s) of the training data filled`);
  batch.values.forEach((v, c) => {
    if (v.length < 3) return;
    let constant = true;
    let rising = true;
    for (let i = 1; i < v.length; i++) {
      if (v[i] !== v[0]) constant = false;
      if (!(v[i]! > v[i - 1]!)) rising = false;
    }
    if (constant) ctx.log.warn(`channel "${channels[c]}" is constant (${v[0]}) in the training data: any other value will score as anomalous (leave it out with data.drop or detect.channels)`);
    else if (rising && time === undefined) ctx.log.warn(`channel "${channels[c]}" rises on every row, like a time or a row index: set data.time: ${channels[c]} if it is one (as a channel, every new value is beyond what training saw)`);
  });
  const kind = d.mode === 'unsupervised' ? d.detector : d.mode;
  const spec = ctx.registry.get('detector', kind);
  const impl = await ctx.registry.load<unknown, unknown, Detector>('detector', kind);
  let lead = 0;
  if (d.mode === 'supervised') {
    const label = d.label!;
    if (!frame.columns.includes(label)) throw new DataError(`column "${label}" not found${didYouMean(label, frame.columns)}`, { file: name, path: 'detect.label' });
    if (!NUMERIC.has(schemaOf(frame.select(label))[0]!.dtype)) throw new DataError(`detect.label: column "${label}" is text; expected 0 or 1`, { file: name, path: 'detect.label' });
    const y = float64Values(columnOf(frame, label));
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new DataError(`detect.label column "${label}": expected 0 or 1, got ${Number.isNaN(y[i]!) ? 'an empty value' : y[i]}`, { file: name, line: table.lineOf(i), path: label });
    }
    lead = durationRows('detect.lead', d.lead, frame, time, name);
    if (typeof d.lead === 'string') ctx.log.info(`detect.lead ${d.lead}: ${lead} row${lead === 1 ? '' : 's'} at the median step of ${time}`);
  }
  const params = d.mode === 'predictive' ? predictiveParams(lc)
    : d.mode === 'supervised' ? { label: d.label, lead, ...d.params, xgboost: lc.modelParams, ...(lc.modelOptions.engine ? { engine: lc.modelOptions.engine } : {}) }
    : { ...d.params, adapt: d.adapt, ...(lc.modelOptions.train ? { train: lc.modelOptions.train } : {}) };
  const detector = (() => {
    try {
      return impl.create(spec.params.parse(params), {});
    } catch (e) {
      // a config key the detector refuses (e.g. detect.params.window): named at its place in the file
      if (e instanceof ConfigError && !e.place.file && e.place.path && /^(detect|model)\./.test(e.place.path)) {
        throw new ConfigError(e.message, { ...lc.placeOf?.(e.place.path.split('.')), path: e.place.path });
      }
      throw e;
    }
  })();
  let features = frame.select(...channels, ...(d.mode === 'supervised' ? [d.label!] : []));
  if (filled) features = features.withColumns(...channels.map((c, k) => pl.Series(c, batch.values[k]!, pl.Float64)));
  // too few nominal rows: named with the data file and the config keys that decide how many are needed
  const min = (detector as Detector & { minRows?(): { rows: number; params: string[] } }).minRows?.();
  if (min && frame.height < min.rows) {
    const { configKeyOf } = await import('../config/describe.js');
    const why = min.params.map((p) => {
      const key = configKeyOf(spec, p) ?? p;
      const keyPath = key.split('.');
      const given = valueAtPath(config, keyPath) !== undefined;
      const place = given ? lc.placeOf?.(keyPath) : undefined;
      const where = place?.file ? `, ${place.file}${place.line !== undefined ? `:${place.line}:${place.col ?? 1}` : ''}` : '';
      return `${key} is ${JSON.stringify((detector.params as Record<string, unknown>)[p])}${given ? where : ' by default'}`;
    });
    throw new DataError(`${frame.height} nominal row${frame.height === 1 ? '' : 's'}; the ${d.mode === 'unsupervised' ? d.detector : `${d.mode} (${lc.config.model!.type})`} detector needs at least ${min.rows}${why.length ? ` (${why.join('; ')})` : ''}`, { file: name });
  }
  // neural detectors: a bar over each fit's epochs on a TTY, else a JSON line per epoch (naming the
  // channel when a predictive detector trains one network per channel)
  let fitNo = 0;
  let bar: ReturnType<NonNullable<RunContext['progress']>> | undefined;
  const epochCallback: Callback = {
    onTrainBegin(logs) {
      fitNo++;
      if (logs.unit === 'epoch' && ctx.progress) bar = ctx.progress(`epochs${channels.length > 1 && d.mode === 'predictive' ? ` (channel ${channels[fitNo - 1]})` : ''}`, Number(logs.steps ?? 0));
    },
    onEpochEnd(epoch, logs) {
      bar?.tick(1, epochNote(logs));
      ctx.epochLines?.(epoch, logs, d.mode === 'predictive' && channels.length > 1 ? `channel ${channels[fitNo - 1]}` : undefined);
    },
    onTrainEnd() { bar?.stop(); bar = undefined; },
  };
  // checkpoints (neural detectors): the channels they were written for, so that --resume with other
  // channels (or the same in another order) cannot hand one channel's network to another
  const ck = checkpointOf(lc, ctx);
  if (ck.checkpoint) {
    const file = path.join(ck.checkpoint.dir, 'channels.json');
    if (!ck.checkpoint.resume) {
      mkdirSync(ck.checkpoint.dir, { recursive: true });
      writeFileSync(file, JSON.stringify(channels) + '\n');
    } else if (existsSync(file)) {
      let saved: string[];
      try {
        saved = JSON.parse(readFileSync(file, 'utf8')) as string[];
        if (!Array.isArray(saved)) throw new Error('not a list');
      } catch (e) {
        throw new BundleError(`the checkpoint's channels.json is damaged (${(e as Error).message}): train without --resume to start over`, { file: ck.checkpoint.dir });
      }
      if (saved.join('\u0000') !== channels.join('\u0000')) throw new BundleError(`the checkpoint was written for the channels ${saved.join(', ')}; this config trains ${channels.join(', ')}${[...saved].sort().join('\u0000') === [...channels].sort().join('\u0000') ? ' (another order)' : ''}: train without --resume to start over`, { file: ck.checkpoint.dir });
    }
  }
  try {
    await detector.fit(features, { signal: ctx.signal, seed: config.seed, log: ctx.log, callbacks: [epochCallback, ...(ctx.callbacks ?? [])], ...ck });
  } catch (e) {
    // the detector's own errors name neither the file nor the config: add them (XGBoost's params are model.params)
    if (e instanceof MlkitError && !e.place.file) {
      const xp = /^params\.(.+)$/.exec(e.place.path ?? '');
      if (xp && config.model) {
        const keyPath = ['model', 'params', ...xp[1]!.split('.')];
        const Err = e.kind === 'data' ? DataError : ConfigError;
        throw new Err(e.message, { ...lc.placeOf?.(keyPath), path: keyPath.join('.') });
      }
      if (e instanceof DataError) throw new DataError(e.message, { ...e.place, file: name });
    }
    throw e;
  }
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
  if (typeof d.suppress === 'string') ctx.log.info(`detect.suppress ${d.suppress}: ${suppress} row${suppress === 1 ? '' : 's'} at the median step of ${time}`);
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
  const timeCol = time !== undefined && dtypeOf(columnOf(frame, time).dtype) === 'string' ? columnOf(frame, time) : undefined;
  const datetimes = timeCol !== undefined && (Number(timeCol.str.contains(ISO_DATETIME).cast(pl.Int32).sum() ?? 0) === timeCol.length
    || (timeCol.toArray() as (string | null)[]).every((x) => x !== null && isDateTimeText(x)));
  const detection: DetectionState = { mode: d.mode, channels, time, threshold, min_duration: d.min_duration, suppress, ...(d.backoff ? { backoff: true } : {}), ...(d.breakthrough > 0 ? { breakthrough: d.breakthrough } : {}), warmup: detector.warmup(), ...(d.mode === 'supervised' ? { lead } : {}), ...(datetimes ? { datetimes } : {}) };
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
  dropCheckpoint(lc);
  return { bundleDir: lc.outputDir, rows: frame.height, channels, threshold: threshold.value, nominalAnomalies: flagged, detector: d.mode === 'unsupervised' ? d.detector : `${d.mode} (${lc.config.model!.type})` };
}

function valueAtPath(obj: unknown, p: string[]): unknown {
  let cur: any = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

/** detect.lead or detect.suppress in rows: a number is rows; a duration is divided by the median step of data.time. */
function durationRows(key: string, lead: string | number | undefined, frame: Frame, time: string | undefined, file: string): number {
  if (lead === undefined) return 0;
  if (typeof lead === 'number') return lead;
  const ms = parseDuration(lead)!;
  const col = columnOf(frame, time!);
  if (dtypeOf(col.dtype) !== 'string') throw new DataError(`${key.replace('detect.', 'a ')} given as a duration (${lead}) needs date-time times, and data.time "${time}" holds numbers; give it in rows (e.g. ${key.replace('detect.', '')}: 15)`, { file, path: key });
  const raw = col.cast(pl.Utf8).toArray() as (string | null)[];
  const t = raw.map((x) => (x === null ? NaN : parseIsoDateTime(x)));
  const notIso = raw.find((x, i) => x !== null && Number.isNaN(t[i]!));
  if (notIso !== undefined) throw new DataError(`${key} ${lead}: a duration needs ISO 8601 times in data.time "${time}" (such as 2024-03-04 10:00), not ${JSON.stringify(notIso)}; or give ${key.replace('detect.', '')} in rows`, { file, path: key });
  const steps: number[] = [];
  for (let i = 1; i < t.length; i++) if (Number.isFinite(t[i]!) && Number.isFinite(t[i - 1]!) && t[i]! > t[i - 1]!) steps.push(t[i]! - t[i - 1]!);
  if (!steps.length) throw new DataError(`${key} ${lead}: data.time "${time}" has no increasing timestamps to measure the step`, { file, path: key });
  steps.sort((a, b) => a - b);
  const step = steps[steps.length >> 1]!;
  return Math.max(0, Math.round(ms / step));
}

/** A field of an NDJSON line as text (undefined when the line does not parse or has no such field). */
function ndjsonField(text: string, key: string): string | undefined {
  try {
    const v = (JSON.parse(text) as Record<string, unknown> | null)?.[key];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  } catch {
    return undefined;
  }
}

/** The predictive detector's params from the config's model: (type, lags, XGBoost's own params, engine). */
function predictiveParams(lc: LoadedConfig<AnyConfig>): Record<string, unknown> {
  // the forecaster schema's defaults for forecasting-only keys are dropped (the config rules refuse them when given)
  const type = lc.config.model!.type;
  if (type === 'arima') return { model: type, arima: lc.modelParams };
  if (['rnn', 'cnn', 'transformer', 'fno'].includes(type)) {
    const { train, backend } = lc.modelOptions as { train?: Record<string, unknown>; backend?: string };
    return { model: type, neural: lc.modelParams, ...(train ? { train } : {}), ...(backend ? { backend } : {}) };
  }
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

/** How the time column is written: as the training data had it (integers stay integers, text stays text). */
type TimeKind = 'int' | 'float' | 'text';

/**
 * The time column of a batch in its output type, and the rows whose time does not fit that type (text
 * where the training data had numbers, a fraction where it had integers). CSV batches read an integer
 * time as text, so that it is converted exactly (epoch nanoseconds do not survive a float).
 */
export function timeColumn(ts: pl.Series, kind: TimeKind, name: string): { series: pl.Series; bad?: Map<number, string> } {
  const target = kind === 'int' ? pl.Int64 : kind === 'float' ? pl.Float64 : pl.Utf8;
  // already of its type (the usual case: no new series, each costs about a millisecond)
  const dtype = String(ts.dtype);
  if (dtype === String(target) || (kind === 'text' && (dtype === 'DataType(String)' || dtype === 'DataType(Utf8)'))) return { series: ts };
  if (kind === 'text') return { series: ts.cast(pl.Utf8).rename(name) };
  const out = ts.cast(target, false).rename(name);
  const lost = out.nullCount() - ts.nullCount();
  let fraction = false;
  if (kind === 'int' && lost === 0 && dtype.includes('Float')) {
    // a float series cast to integers truncates: a value with a fraction is not an integer time
    const a = float64Values(ts);
    fraction = a.some((x) => Number.isFinite(x) && !Number.isInteger(x));
  }
  if (lost === 0 && !fraction) return { series: out };
  const raw = ts.toArray() as unknown[];
  const got = out.toArray() as unknown[];
  const bad = new Map<number, string>();
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (r === null || r === undefined) continue;
    const notInt = kind === 'int' && typeof r === 'number' && !Number.isInteger(r);
    if (got[i] !== null && !notInt) continue;
    bad.set(i, `time column "${name}": ${JSON.stringify(typeof r === 'string' ? r : String(r))} is not ${kind === 'int' ? 'an integer (the training data had integer times)' : 'a number (the training data had numeric times)'}`);
  }
  // rows with a bad time are written with an empty one
  const series = fraction ? pl.Series(name, (got as (number | bigint | null)[]).map((v, i) => (bad.has(i) ? null : v)), target) : out;
  return { series, bad };
}

/**
 * The field `index` of one CSV record's text (quotes removed, doubled quotes undone), or undefined when
 * the record has no such field. For the time of a line the reader could not take.
 */
export function csvField(text: string, index: number, delimiter = ',', quote = '"'): string | undefined {
  const { fields, open } = csvFields(text.replace(/\r?\n$/, ''), delimiter, quote);
  return index < fields.length - 1 || (index === fields.length - 1 && !open) ? fields[index] : undefined;
}

export interface DetectStreamOptions {
  format?: TableFormat;
  onBadRow?: BadRowPolicy;
  /** columns the caller uses itself (a label): not noted as ignored */
  alsoUsed?: string[];
  /** a column the caller needs (evaluate's label column): its absence is an error at the first batch, as a channel's is */
  required?: { column: string; what: string };
  /** what a bad row's error says to do (default: the --on-bad-row policies of mlkit detect) */
  badRowHint?: string;
}

/**
 * Streams `file` through a detect bundle into `sink`: one output row per input row (minus skipped bad
 * rows), in order. Returns the summary; stops early when the reader of stdout goes away. With
 * `onBadRow` fail, the rows before the first bad one are written before its error is thrown.
 */
export async function detectStream(dir: string, file: string, sink: TableWriter, ctx: RunContext, opts: DetectStreamOptions = {}, summary: DetectSummary = newSummary()): Promise<DetectSummary> {
  const { manifest, detector, state } = await loadDetection(dir, ctx);
  const policy = opts.onBadRow ?? 'fail';
  const hint = opts.badRowHint ?? 'use --on-bad-row skip or flag to go on past such rows';
  const { channels, time } = state;
  const timeInfo = manifest.input.columns.find((c) => c.name === time);
  const timeKind: TimeKind = timeInfo?.dtype === 'int64' ? 'int' : timeInfo?.dtype === 'string' ? 'text' : 'float';
  const dtypes: Record<string, 'float64' | 'string'> = {};
  for (const c of manifest.input.columns) dtypes[c.name] = c.dtype === 'string' ? 'string' : 'float64';
  // an integer time is read as text and converted exactly (a float64 would write 1.0, and round epoch nanoseconds)
  if (time && timeKind === 'int') dtypes[time] = 'string';
  const thresholds = new StreamThreshold(state.threshold);
  const alarms = new AlarmState(state.min_duration, state.suppress, { backoff: state.backoff === true, breakthrough: typeof state.breakthrough === 'number' ? state.breakthrough : 0 });
  const t0 = performance.now();
  const stats: StreamStats = { rows: 0, batches: 0, blankLines: 0 };
  const cfg = manifest.config as AnyConfig;
  const csv = cfg?.data?.csv;
  let first = true;
  // records the reader could not take (ragged, text in a channel, not text at all): with skip or flag,
  // reported in input order between batches
  const pendingBad: (BadRecord & { text?: string })[] = [];
  const exprCache = new Map<string, ReturnType<typeof pl.col>[]>();
  const timeDtype = timeKind === 'int' ? pl.Int64 : timeKind === 'text' ? pl.Utf8 : pl.Float64;
  /** the time column's position in the input's records (for the time of a line the reader could not take) */
  let timeIndex = -1;
  /** flag: the output rows of bad records (no score, no verdict; the threshold in force, the line's time when readable, the error) */
  const badRows = (bs: (BadRecord & { text?: string })[], threshold: number | Float64Array): Frame => {
    const k = bs.length;
    let ts: pl.Series | undefined;
    // no batch yet (every line so far bad): the time's place from the header record
    if (time && timeIndex < 0) timeIndex = (stats.columns ?? (csv?.has_header === false ? csv.column_names : undefined) ?? []).indexOf(time);
    if (time) {
      // the time field of the line, when the reader gave the line's text and the field is there
      const nulls = new Set(csv?.null_values ?? []);
      const raw = bs.map((b) => {
        // not from a line that is not text (NUL or control bytes, bytes that are not UTF-8)
        const f = b.text === undefined || /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(b.text) ? undefined : stats.format === 'ndjson' ? ndjsonField(b.text, time) : timeIndex >= 0 ? csvField(b.text, timeIndex, csv?.delimiter, csv?.quote_char) : undefined;
        const v = f === undefined ? undefined : csv?.trim ? f.trim() : f;
        return v === undefined || v === '' || nulls.has(v) ? null : v;
      });
      ts = raw.some((v) => v !== null) ? timeColumn(pl.Series(time, raw, pl.Utf8), timeKind, time).series : pl.Series(time, new Array(k).fill(null), timeDtype);
    }
    return outputFrame(exprCache, ts, new Float64Array(k).fill(NaN), typeof threshold === 'number' ? new Float64Array(k).fill(threshold) : threshold, new Float64Array(k).fill(NaN), new Array(k).fill(null), bs.map((b) => `line ${b.line}${b.col ? `, column ${b.col}` : ''}: ${b.message}`));
  };
  /** the pending bad records that sat before row `row` of the stream (they come in input order) */
  const takeBad = (row: number): BadRecord[] => {
    const k = pendingBad.findIndex((b) => b.before >= row);
    return k < 0 ? pendingBad.splice(0) : pendingBad.splice(0, k);
  };
  const flushBad = async (row = Infinity) => {
    const bs = takeBad(row);
    if (!bs.length) return;
    summary.badRows += bs.length;
    if (policy === 'flag') {
      summary.rows += bs.length;
      await sink.write(badRows(bs, thresholds.current));
    }
  };
  const onBadRecord = policy === 'fail' ? undefined : (b: BadRecord) => { pendingBad.push(b); };
  try {
    for await (const { table, offset } of readBatches(file, { format: opts.format, csv, stdin: ctx.stdin, dtypes, stats, onBadRecord, blankLinesAreRows: true }, ctx.signal)) {
      const frame = table.frame;
      if (time && timeIndex < 0) timeIndex = frame.columns.indexOf(time);
      await flushBad(offset + 1);
      if (sink.gone) break;
      const cols = new Set(frame.columns);
      for (const c of [...channels, ...(time ? [time] : [])]) {
        if (!cols.has(c)) {
          // one column whose name holds another delimiter: the file is not separated as the training data was
          const sep = csv?.delimiter ?? ',';
          const other = stats.format === 'csv' ? otherDelimiter(frame.columns, sep) : undefined;
          const hint = other ? `; the header is one column "${frame.columns[0]}": the file looks ${delimiterName(other)}-separated, and the bundle reads ${delimiterName(sep)}-separated CSV (data.csv.delimiter at training)` : didYouMean(c, frame.columns);
          throw new DataError(`column "${c}" is missing (the detector was trained with it)${hint}`, { file: table.name, path: c });
        }
      }
      if (first && opts.required && !cols.has(opts.required.column)) {
        const c = opts.required.column;
        throw new DataError(`${opts.required.what} "${c}" not found${didYouMean(c, frame.columns)}`, { file: table.name, path: c });
      }
      if (first) {
        const known = new Set([...channels, ...(time ? [time] : []), ...(opts.alsoUsed ?? [])]);
        const extra = frame.columns.filter((c) => !known.has(c));
        if (extra.length) ctx.log.info(`${table.name}: ignoring column(s) the detector does not use: ${extra.join(', ')}`);
        first = false;
      }
      const n = frame.height;
      const batch = rowBatch(frame, channels);
      const tcol = time ? timeColumn(columnOf(frame, time), timeKind, time) : undefined;
      // the training times were date-times: a time that is not one (or is empty) is a bad row (ISO 8601
      // checked by polars at ~60 ns a row; a batch with another form or a bad one row by row in JS)
      if (tcol && state.datetimes && (Number(tcol.series.str.contains(ISO_DATETIME).cast(pl.Int32).sum() ?? 0) < n || Number(tcol.series.str.contains(LATE_DAY).cast(pl.Int32).sum() ?? 0) > 0)) {
        const raw = tcol.series.toArray() as (string | null)[];
        for (let i = 0; i < raw.length; i++) {
          const x = raw[i];
          if (x !== null && x !== undefined && isDateTimeText(x)) continue;
          (tcol.bad ??= new Map()).set(i, x === null || x === undefined ? `time column "${time}" is empty` : `time column "${time}": ${JSON.stringify(x)} is not an ISO 8601 date-time with a day its month has (the training data had date-times such as 2024-03-04 10:00)`);
        }
      }
      // bad rows: a channel empty, NaN or infinite; a time that is not of the training data's type
      let bad: Int32Array | undefined;
      const errors: (string | null)[] = [];
      // fail: the first bad row's error, thrown once the rows before it are written
      let failure: DataError | undefined;
      let m = n;
      for (let i = 0; i < n; i++) {
        let why = tcol?.bad?.get(i);
        let where = time;
        if (why === undefined) {
          for (let c = 0; c < channels.length; c++) {
            const x = batch.values[c]![i]!;
            if (Number.isFinite(x)) continue;
            why = `channel "${channels[c]}" is ${Number.isNaN(x) ? 'empty or NaN' : x}`;
            where = channels[c];
            break;
          }
        }
        if (why === undefined) continue;
        if (policy === 'fail') {
          failure = new DataError(`${why}; ${hint}`, { file: table.name, line: table.lineOf(i), path: where });
          m = i;
          break;
        }
        bad ??= new Int32Array(n).fill(-1);
        bad[i] = errors.length;
        errors.push(`line ${table.lineOf(i)}: ${why}`);
      }
      const good: number[] = [];
      if (bad) for (let i = 0; i < m; i++) { if (bad[i] === -1) good.push(i); }
      summary.badRows += errors.length;
      const part = m < n ? { columns: channels, values: batch.values.map((v) => v.subarray(0, m)) } : batch;
      const scoredBatch = bad ? { columns: channels, values: part.values.map((v) => Float64Array.from(good, (i) => v[i]!)) } : part;
      const scores = m > 0 ? await detector.score(scoredBatch, { signal: ctx.signal }) : { score: new Float64Array(0) };
      throwIfAborted(ctx.signal);
      // per output row (all rows for flag, good rows otherwise)
      const outRows = bad && policy === 'skip' ? good.length : m;
      const score = new Float64Array(outRows).fill(NaN);
      const thr = new Float64Array(outRows).fill(NaN);
      const anomaly = new Float64Array(outRows).fill(NaN);
      const cause: (string | null)[] = new Array(outRows).fill(null);
      const err: (string | null)[] | undefined = policy === 'flag' ? new Array(outRows).fill(null) : undefined;
      for (let o = 0, g = 0, i = 0; i < m; i++) {
        if (bad && bad[i]! >= 0) {
          // flag: written with the threshold in force, no score and no verdict
          if (policy === 'flag') { err![o] = errors[bad[i]!]!; thr[o] = thresholds.current; o++; }
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
      if (tcol) {
        const ts = m < n ? tcol.series.slice(0, m) : tcol.series;
        timeSeries = bad && policy === 'skip' ? ts.gather(good) : ts;
      }
      // bad records among this batch's rows (the reader reads a batch with bad lines whole): counted, and
      // with flag written in place, with the threshold in force at the row before them
      const inside = takeBad(offset + n);
      summary.badRows += inside.length;
      if (outRows > 0) {
        let out = outputFrame(exprCache, timeSeries, score, thr, anomaly, cause, err);
        if (inside.length && policy === 'flag') {
          const order: number[] = [];
          const thrAt = new Float64Array(inside.length);
          for (let i = 0, b = 0; i < n; i++) {
            while (b < inside.length && inside[b]!.before - offset <= i) { thrAt[b] = i > 0 ? thr[i - 1]! : thresholds.current; order.push(n + b++); }
            order.push(i);
          }
          out = pl.concat([out, badRows(inside, thrAt)], { how: 'vertical' }).select(pl.all().gather(order));
        }
        // counted as the writer counts (before waiting for the output to drain): an interruption during
        // that wait leaves the batch written, and the summary says so
        summary.rows += outRows + (policy === 'flag' ? inside.length : 0);
        await sink.write(out);
      }
      if (failure) throw failure;
      if (sink.gone) break;
      collectBatchGarbage(n * (channels.length + 1));
    }
    if (!sink.gone) await flushBad();
  } catch (e) {
    // a line the reader refused (fail mode): the same advice as for a bad value the detector found
    if (isBadRecordError(e)) throw new DataError(`${(e as DataError).message}; ${hint}`, (e as DataError).place);
    throw e;
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
function windowsFor(file: string, data: string): [string | number, string | number][] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read the windows: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const isLimit = (x: unknown) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
  const isList = (v: unknown): v is [string | number, string | number][] => Array.isArray(v) && v.every((w) => Array.isArray(w) && w.length === 2 && w.every(isLimit));
  if (isList(doc)) return doc;
  if (Array.isArray(doc)) throw new DataError('expected a list of [start, end] windows (two timestamps or two numbers each)', { file });
  if (!doc || typeof doc !== 'object') throw new DataError('expected a list of [start, end] windows, or an object of such lists keyed by file name (NAB combined_windows.json)', { file });
  const keys = Object.keys(doc);
  if (data === '-') throw new DataError(`the windows are keyed by file name (keys: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', ...' : ''}), and the data comes from stdin, which has none: pass the data file by name, or give this stream's windows as a plain list ([[start, end], ...])`, { file });
  // the data's name without .gz / .zst: NAB's key realKnownCause/foo.csv names foo.csv.gz too
  const base = path.basename(innerName(data));
  // the key naming the file: the same name, else a name the file's name ends with (nab_x.csv for folder/x.csv)
  let match = keys.filter((k) => k === data || path.basename(k) === base);
  if (!match.length) match = keys.filter((k) => base.endsWith(path.basename(k)));
  if (match.length !== 1) throw new DataError(`${match.length ? 'several keys' : 'no key'} for ${base} (keys: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''})`, { file });
  const w = (doc as Record<string, unknown>)[match[0]!];
  if (!isList(w)) throw new DataError(`"${match[0]}": expected a list of [start, end] windows`, { file });
  return w;
}

/** A date-time as epoch milliseconds (NAB's "YYYY-MM-DD HH:MM:SS" as UTC, ISO forms), NaN when it is not one. */
function epochOf(t: string): number {
  try {
    return parseNabTimestamp(t);
  } catch {
    return NaN;
  }
}

/**
 * The rows' times for --windows: numbers when the data's time column is numeric (window limits are then
 * numbers), epoch milliseconds when it holds date-times; a time that is neither is a data error naming its line.
 */
function windowTimes(table: Table, time: string): { values: Float64Array; numeric: boolean } {
  const s = columnOf(table.frame, time);
  const dtype = schemaOf(table.frame.select(time))[0]!.dtype;
  if (NUMERIC.has(dtype)) return { values: float64Values(s), numeric: true };
  const raw = s.cast(pl.Utf8).toArray() as (string | null)[];
  const values = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i];
    values[i] = t === null || t === '' ? NaN : epochOf(t);
    if (t !== null && t !== '' && Number.isNaN(values[i]!)) {
      throw new DataError(`time column "${time}": ${JSON.stringify(t)} is neither a date-time nor a number; --windows matches window limits with the data's times (use --label for a 0/1 label column)`, { file: table.name, line: table.lineOf(i), path: time });
    }
  }
  return { values, numeric: false };
}

/**
 * Detection metrics of a detect bundle on labelled data: the stream's verdicts (as `mlkit detect` gives
 * them) against a 0/1 label column or NAB-style windows (which also give NAB scores). Every row is
 * scored: a bad row (as `mlkit detect --on-bad-row fail` finds them) is a data error naming its line.
 */
export async function evaluateDetect(dir: string, file: string, ctxIn: RunContext, opts: EvaluateDetectOptions = {}): Promise<{ metrics: DetectionMetrics; rows: number }> {
  if (opts.label !== undefined && opts.windows !== undefined) throw new UsageError('--label and --windows both give the labels: use one of them');
  const bundle = loadBundle(dir);
  // stdin is read twice (the labels, then the stream): held once
  const ctx = file === '-' && !ctxIn.stdin ? { ...ctxIn, stdin: await readStdinAsync(ctxIn.signal) } : ctxIn;
  const cfg = bundle.manifest.config as AnyConfig;
  const time = (bundle.manifest.detection as DetectionState | undefined)?.time;
  const labelColumn = opts.windows ? undefined : opts.label ?? cfg?.detect?.label;
  if (!opts.windows && !labelColumn) throw new UsageError('the labels: give --label COLUMN (a 0/1 column of the data) or --windows FILE (NAB-style anomaly windows)');
  if (opts.windows && !time) throw new UsageError('--windows needs the data\'s time column (the bundle was trained without data.time)');
  const windows = opts.windows ? windowsFor(opts.windows, file) : undefined;
  // the verdicts first, from the same stream `mlkit detect` runs: a bad row is named as detect names it
  const parts: Float64Array[] = [];
  const collect: TableWriter = {
    rows: 0,
    gone: false,
    async write(f: Frame) {
      parts.push(float64Values(columnOf(f, 'anomaly')).slice());
      collect.rows += f.height;
    },
    async close() {},
    async finish() {},
    abort() {},
  };
  // evaluate has no --on-bad-row: every row is compared with its label, so a bad row is an error to fix
  await detectStream(dir, file, collect, ctx, {
    format: opts.format,
    alsoUsed: labelColumn ? [labelColumn] : [],
    required: labelColumn ? { column: labelColumn, what: 'label column' } : undefined,
    badRowHint: 'mlkit evaluate scores every row: fix or remove it (mlkit detect --on-bad-row flag lists every bad row)',
  });
  const anomaly = new Float64Array(collect.rows);
  let at = 0;
  for (const p of parts) { anomaly.set(p, at); at += p.length; }
  // then the labels (and times) from the whole table
  const table = await loadTable(file, { format: opts.format, csv: cfg?.data?.csv, stdin: ctx.stdin }, ctx.signal, ctx.log);
  const n = table.frame.height;
  if (anomaly.length !== n) throw new DataError(`the stream gave ${anomaly.length} verdicts for ${n} rows`, { file: table.name });
  let labels: Uint8Array;
  let nab: [number, number][] | undefined;
  /** epoch ms per row when the times are date-times (delays in seconds), else undefined */
  let epoch: Float64Array | undefined;
  if (windows) {
    const times = windowTimes(table, time!);
    // the rows' times are numbers already (NaN: no time); a limit is a number, or text: a number (numeric
    // times) or a date-time
    const parse = (t: number | string): number => {
      if (typeof t === 'number') return t;
      const v = times.numeric ? (t.trim() === '' ? NaN : Number(t)) : epochOf(t);
      if (Number.isNaN(v)) throw new DataError(times.numeric ? `anomaly window limit ${JSON.stringify(t)}: the data's time column "${time}" is numeric; give the window limits as numbers` : `anomaly window limit ${JSON.stringify(t)} is not a date-time (the data's time column "${time}" holds date-times)`, { file: opts.windows });
      return v;
    };
    try {
      nab = nabWindows(times.values, windows, parse);
    } catch (e) {
      if (e instanceof DataError && !e.place.file) throw new DataError(e.message, { ...e.place, file: opts.windows });
      throw e;
    }
    labels = labelsFromWindows(n, nab);
    if (!times.numeric) epoch = times.values;
  } else {
    const col = labelColumn!;
    if (!NUMERIC.has(schemaOf(table.frame.select(col))[0]!.dtype)) throw new DataError(`label column "${col}" is text; expected 0 or 1`, { file: table.name, path: col });
    const v = float64Values(columnOf(table.frame, col));
    labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (v[i] !== 0 && v[i] !== 1) throw new DataError(`label column "${col}": expected 0 or 1, got ${Number.isNaN(v[i]!) ? 'an empty value' : v[i]}`, { file: table.name, line: table.lineOf(i), path: col });
      labels[i] = v[i]!;
    }
    if (time !== undefined && table.frame.columns.includes(time) && !NUMERIC.has(schemaOf(table.frame.select(time))[0]!.dtype)) {
      const raw = columnOf(table.frame, time).cast(pl.Utf8).toArray() as (string | null)[];
      epoch = Float64Array.from(raw, (t) => (t === null ? NaN : epochOf(t)));
    }
  }
  const lead = (bundle.manifest.detection as DetectionState | undefined)?.lead;
  return { metrics: detectionMetrics(anomaly, labels, { times: epoch, nabWindows: nab, lead }), rows: n };
}
