/**
 * Tabular tasks (classification, regression): train from a loaded config into a bundle, predict and
 * evaluate from a bundle. The CLI calls these; they never print (notes go through ctx.log).
 */
import pl from 'nodejs-polars';
import type { LoadedConfig } from '../config/load.js';
import { checkpointOf, dropCheckpoint } from './checkpoint.js';
import { DEFAULT_METRICS, type MetricName, type Task } from '../config/schema.js';
import type { ColumnInfo, Estimator, Frame, TabularTask } from '../core/types.js';
import type { RunContext } from '../core/context.js';
import { BundleError, DataError, UsageError, throwIfAborted } from '../core/errors.js';
import { loadTable, schemaOf, type Table, type TableFormat } from '../data/read.js';
import { dtypesFor, readBatches, type StreamStats } from '../data/stream.js';
import type { TableWriter } from '../data/write.js';
import { checkInput } from '../data/schema.js';
import { numericColumn, type Encoded } from '../pipeline/auto.js';
import { ModelInput } from '../pipeline/model-input.js';
import { collectBatchGarbage, releaseNativeMemory, trimNativeHeap } from '../core/memory.js';
import { splitIndices } from '../core/random.js';
import { classificationMetrics, metricsForTask, regressionMetrics, type Metrics } from '../metrics/index.js';
import { checkBundleTarget, loadBundle, restoreComponent, saveBundle, saveComponent, type LoadedBundle, type Manifest } from '../bundle/bundle.js';
import { didYouMean } from '../core/suggest.js';
import type { StepConfig } from '../pipeline/pipeline.js';
import { yieldToLoop } from '../core/loop.js';
import { delimiterName, otherDelimiter } from '../data/csv-options.js';


type TargetState = { kind: 'classification'; classes: string[] } | { kind: 'regression' };

function takeRows(frame: Frame, idx: Int32Array): Frame {
  const mask = new Array<boolean>(frame.height).fill(false);
  for (const i of idx) mask[i] = true;
  return frame.filter(pl.Series('m', mask) as any);
}

function firstNullRow(frame: Frame, col: string): number {
  const nulls = frame.getColumn(col).isNull().toArray() as boolean[];
  return nulls.indexOf(true);
}

/**
 * Target values of a table as labels (classification: class index; regression: value), in float64 so
 * metrics see the exact values (XGBoost gets a float32 copy).
 */
function encodeTarget(table: Table, frame: Frame, target: string, st: TargetState): Float64Array {
  const s = frame.getColumn(target);
  if (s.nullCount() > 0) {
    const row = firstNullRow(frame, target);
    throw new DataError(`target column "${target}" is empty (every row needs a target value)`, { file: table.name, line: table.lineOf(row) });
  }
  if (st.kind === 'regression') {
    return numericColumn(frame, target);
  }
  const index = new Map(st.classes.map((c, i) => [c, i]));
  const raw = s.toArray() as unknown[];
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const k = index.get(String(raw[i]));
    if (k === undefined) {
      throw new DataError(`target column "${target}": class ${JSON.stringify(String(raw[i]))} was not seen in training (known: ${st.classes.join(', ')})`, { file: table.name, line: table.lineOf(i) });
    }
    out[i] = k;
  }
  return out;
}

function fitTarget(table: Table, target: string, task: Task): TargetState {
  const s = table.frame.getColumn(target);
  const dtype = schemaOf(table.frame.select(target))[0].dtype;
  if (task === 'regression') {
    if (dtype === 'string') throw new DataError(`target column "${target}" holds text; task "regression" needs numbers (use task: classification for labels)`, { file: table.name, path: target });
    return { kind: 'regression' };
  }
  let values = s.dropNulls().unique().toArray() as unknown[];
  if (dtype !== 'string') values = (values as number[]).sort((a, b) => Number(a) - Number(b));
  else values = (values as string[]).sort();
  const classes = values.map(String);
  if (classes.length < 2) throw new DataError(`target column "${target}" has only one class (${classes[0] ?? 'none'}); classification needs at least two`, { file: table.name, path: target });
  if (classes.length > 1000) throw new DataError(`target column "${target}" has ${classes.length} distinct values; is this a regression task?`, { file: table.name, path: target });
  return { kind: 'classification', classes };
}

async function readData(file: string, lc: LoadedConfig, ctx: RunContext, displayName?: string): Promise<Table> {
  const t = await loadTable(file, { format: lc.config.data.format, csv: lc.config.data.csv, displayName: displayName ?? (file === '-' ? '-' : undefined), stdin: ctx.stdin }, ctx.signal, ctx.log);
  for (const n of t.notes) ctx.log.info(n);
  return t;
}

export interface TrainResult {
  bundleDir: string;
  metrics: Metrics;
  /** where the metrics were measured: "test file", "held-out split (20%)" or "none" */
  evaluatedOn: string;
  rows: { train: number; validation: number; test: number };
  engine: string;
  /** best boosting round (0-based) when the estimator has rounds */
  bestIteration?: number;
}

interface Prepared {
  featureCols: ColumnInfo[];
  tstate: TargetState;
  input: ModelInput;
  fit: Encoded & { y: Float64Array };
  valid?: Encoded & { y: Float64Array };
  test?: Encoded & { y: Float64Array };
  evaluatedOn: string;
}

/**
 * Reads and encodes everything training needs. The polars frames die with this function's scope, so
 * their native memory can be released before boosting starts (see releaseNativeMemory).
 */
async function prepareTraining(lc: LoadedConfig, ctx: RunContext, categorical: 'native' | 'onehot', earlyStopping: boolean): Promise<Prepared> {
  const { config } = lc;
  const { data } = config;
  const trainName = data.train === '-' ? '-' : data.train;
  const trainTable = await readData(lc.trainPath, lc, ctx, trainName);
  const cols = trainTable.frame.columns;
  if (!cols.includes(data.target)) {
    throw new DataError(`target column "${data.target}" not found${didYouMean(data.target, cols)} (columns: ${cols.join(', ')})`, { file: trainName, path: 'data.target' });
  }
  for (const d of data.drop) {
    if (!cols.includes(d)) throw new DataError(`data.drop: column "${d}" not found${didYouMean(d, cols)}`, { file: trainName, path: d });
  }
  const featureCols: ColumnInfo[] = schemaOf(trainTable.frame).filter((c) => c.name !== data.target && !data.drop.includes(c.name));
  if (!featureCols.length) throw new DataError('no feature columns left after removing the target and data.drop', { file: trainName });
  const featureNames = featureCols.map((c) => c.name);
  const tstate = fitTarget(trainTable, data.target, config.task);
  const yAll = encodeTarget(trainTable, trainTable.frame, data.target, tstate);
  const all = trainTable.frame.select(...featureNames);
  const splitSeed = data.split.seed ?? config.seed;
  const stratify = (y: Float64Array) => (tstate.kind === 'classification' && data.split.stratify ? y : undefined);

  // test data: a file, or a held-out split of the training file
  let trainFrame = all;
  let yTrain = yAll;
  let testFrame: Frame | undefined;
  let yTest: Float64Array | undefined;
  let evaluatedOn = 'none';
  // a file of labelled rows besides data.train (test or validation): the training columns and target
  const readLabelled = async (file: string, name: string, what: string): Promise<{ frame: Frame; y: Float64Array }> => {
    const table = await readData(file, lc, ctx, name);
    if (!table.frame.columns.includes(data.target!)) {
      const sep = data.csv.delimiter;
      const other = otherDelimiter(table.frame.columns, sep);
      const hint = other ? `; the header is one column "${table.frame.columns[0]}": the file looks ${delimiterName(other)}-separated, and data.csv.delimiter is ${delimiterName(sep)}` : didYouMean(data.target!, table.frame.columns);
      throw new DataError(`target column "${data.target}" not found in the ${what} data${hint}`, { file: name, path: 'data.target' });
    }
    const checked = checkInput(table, featureCols, [data.target!, ...data.drop]);
    for (const n of checked.notes) ctx.log.info(n);
    return { frame: checked.frame, y: encodeTarget(table, table.frame, data.target!, tstate) };
  };
  if (lc.testPath) {
    ({ frame: testFrame, y: yTest } = await readLabelled(lc.testPath, data.test!, 'test'));
    evaluatedOn = `test file ${data.test}`;
  } else if (data.split.test > 0) {
    const [rest, held] = splitIndices(all.height, data.split.test, splitSeed, stratify(yAll));
    if (held.length === 0 || rest.length === 0) throw new DataError(`too few rows (${all.height}) to hold out a test split`, { file: trainName });
    testFrame = takeRows(all, held);
    yTest = pick(yAll, held);
    trainFrame = takeRows(all, rest);
    yTrain = pick(yAll, rest);
    evaluatedOn = `held-out split (${Math.round(data.split.test * 100)}%, seed ${splitSeed})`;
  }

  // validation rows: data.validation's file, else (when the model watches them) a split carved from the
  // training rows; never the test data
  let fitFrame = trainFrame;
  let yFit = yTrain;
  let validFrame: Frame | undefined;
  let yValid: Float64Array | undefined;
  if (lc.validationPath) {
    ({ frame: validFrame, y: yValid } = await readLabelled(lc.validationPath, data.validation!, 'validation'));
  } else if (earlyStopping) {
    const [rest, held] = splitIndices(trainFrame.height, data.split.validation, splitSeed + 1, stratify(yTrain));
    if (!held.length || !rest.length) throw new DataError('too few rows for the early-stopping validation split', { file: trainName });
    validFrame = takeRows(trainFrame, held);
    yValid = pick(yTrain, held);
    fitFrame = takeRows(trainFrame, rest);
    yFit = pick(yTrain, rest);
  }
  throwIfAborted(ctx.signal);
  const input = await ModelInput.create(config.pipeline as StepConfig[] | 'auto', { categorical }, ctx.registry);
  const fitEnc = await input.fitEncode(fitFrame, featureCols, { log: ctx.log, seed: config.seed, signal: ctx.signal });
  return {
    featureCols,
    tstate,
    input,
    fit: { ...fitEnc, y: yFit },
    valid: validFrame ? { ...input.encode(validFrame), y: yValid! } : undefined,
    test: testFrame ? { ...input.encode(testFrame), y: yTest! } : undefined,
    evaluatedOn,
  };
}

export async function trainTabular(lc: LoadedConfig, ctx: RunContext): Promise<TrainResult> {
  const { config } = lc;
  checkBundleTarget(lc.outputDir, config.task, ctx.force); // before any work: never train for nothing
  const spec = ctx.registry.get('estimator', config.model.type, 'model.type');
  const impl = await ctx.registry.load<unknown, unknown, Estimator>('estimator', config.model.type);
  const estimator = impl.create(spec.params.parse(lc.modelParams), lc.modelOptions);
  try {
    return await trainWith(estimator, lc, ctx);
  } finally {
    estimator.dispose();
  }
}

async function trainWith(estimator: Estimator, lc: LoadedConfig, ctx: RunContext): Promise<TrainResult> {
  const { config } = lc;
  const runtime = await estimator.prepare(ctx.log);
  const prep = await prepareTraining(lc, ctx, runtime.categorical, estimator.wantsValidation());
  await releaseNativeMemory();
  trimNativeHeap(); // the freed polars tables, still resident in malloc's arenas otherwise

  const { fit, valid, test, tstate, input } = prep;
  ctx.log.debug(`fitting ${estimator.name} on ${fit.matrix.rows} rows x ${fit.matrix.cols} features`);
  const task: TabularTask = tstate.kind === 'classification' ? { kind: 'classification', numClass: tstate.classes.length, labels: tstate.classes } : { kind: 'regression' };
  await estimator.fit({
    x: fit.matrix, y: Float32Array.from(fit.y), featureNames: fit.featureNames, featureTypes: fit.featureTypes,
    valid: valid ? { x: valid.matrix, y: Float32Array.from(valid.y) } : undefined,
    releaseX: true, // only fit.matrix.rows is read afterwards
  }, task, { log: ctx.log, callbacks: ctx.callbacks, signal: ctx.signal, seed: config.seed, ...checkpointOf(lc, ctx) });
  throwIfAborted(ctx.signal);

  let metrics: Metrics = {};
  if (test) {
    const names = config.evaluate.metrics ?? DEFAULT_METRICS[config.task];
    checkMetricNames(names, config.task);
    metrics = computeMetrics(names, tstate, test.y, estimator.predict(test.matrix), test.matrix.rows);
  }
  const files: Record<string, Uint8Array> = {};
  const node = await saveComponent(estimator, 'estimator', files, lc.modelOptions);
  const pipeline = await input.toNode();
  await yieldToLoop(); // a Ctrl-C during synchronous work is handled here: exit 130, no bundle
  throwIfAborted(ctx.signal);
  saveBundle(lc.outputDir, {
    task: config.task,
    config,
    input: { columns: prep.featureCols, target: config.data.target },
    pipeline,
    estimator: node,
    targetState: tstate,
    metrics: metrics as Record<string, number>,
  }, files, { force: ctx.force });
  dropCheckpoint(lc);
  return {
    bundleDir: lc.outputDir,
    metrics,
    evaluatedOn: prep.evaluatedOn,
    rows: { train: fit.matrix.rows, validation: valid?.matrix.rows ?? 0, test: test?.matrix.rows ?? 0 },
    engine: runtime.description,
    bestIteration: estimator.bestIteration?.(),
  };
}

function pick(a: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

function checkMetricNames(names: MetricName[], task: Task) {
  const ok = metricsForTask(task);
  const bad = names.filter((n) => !ok.has(n));
  if (bad.length) throw new UsageError(`metric(s) ${bad.join(', ')} do not apply to task ${task} (use: ${[...ok].join(', ')})`);
}

function computeMetrics(names: MetricName[], t: TargetState, y: Float64Array, pred: Float64Array, n: number): Metrics {
  if (t.kind === 'classification') return classificationMetrics(names, y, pred, t.classes.length);
  return regressionMetrics(names, y, pred.subarray(0, n));
}

// ------------------------------------------------------------------------------------------------
// From a bundle

export interface LoadedModel {
  bundle: LoadedBundle;
  manifest: Manifest;
  input: ModelInput;
  estimator: Estimator;
  target: TargetState;
}

export async function loadModel(dir: string, ctx: Pick<RunContext, 'registry' | 'log'>): Promise<LoadedModel> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'classification' && m.task !== 'regression') throw new BundleError(`bundle task "${m.task}" is not a trained tabular model`, { file: dir });
  const target = m.targetState as TargetState | undefined;
  if (!target || (target.kind !== 'regression' && !(target.kind === 'classification' && Array.isArray(target.classes)))) throw new BundleError('manifest.json is corrupted: "targetState" is missing or malformed', { file: dir });
  const input = await ModelInput.fromNode(m.pipeline, dir, ctx.registry);
  const estimator = await restoreComponent<Estimator>(ctx.registry, 'estimator', m.estimator, bundle.reader('estimator'), dir, ctx.log);
  return { bundle, manifest: m, input, estimator, target };
}

async function readForModel(model: LoadedModel, file: string, ctx: RunContext, format?: TableFormat): Promise<{ table: Table; frame: Frame }> {
  const cfg = model.manifest.config as any;
  const table = await loadTable(file, { format, csv: cfg?.data?.csv, stdin: ctx.stdin }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const target = model.manifest.input.target;
  const drop: string[] = cfg?.data?.drop ?? [];
  const checked = checkInput(table, model.manifest.input.columns, [...(target ? [target] : []), ...drop]);
  for (const n of checked.notes) ctx.log.info(n);
  return { table, frame: checked.frame };
}

/** The model's input matrix for a data file: what the estimator sees (for checks against other tools). */
export async function transformForModel(model: LoadedModel, file: string, ctx: RunContext) {
  return model.input.encode((await readForModel(model, file, ctx)).frame);
}

export function predictionFrame(model: LoadedModel, pred: Float64Array, n: number): Frame {
  const t = model.target;
  if (t.kind === 'regression') return pl.DataFrame({ prediction: pl.Series('prediction', pred.subarray(0, n), pl.Float64) });
  const k = t.classes.length;
  const best = new Uint32Array(n);
  const cols: Record<string, any> = {};
  const probs = t.classes.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 0; j < k; j++) {
      probs[j][i] = pred[i * k + j];
      if (pred[i * k + j] > pred[i * k + b]) b = j;
    }
    best[i] = b;
  }
  cols['\u0000best'] = pl.Series('\u0000best', best as any, pl.UInt32);
  t.classes.forEach((c, j) => { cols[`proba_${c}`] = pl.Series(`proba_${c}`, probs[j], pl.Float64); });
  // the class names by polars from the winning indices (no JS string per row), in one query whose
  // expressions are built once per model
  let exprs = predictionExprs.get(t);
  if (!exprs) {
    exprs = [
      pl.col('\u0000best').replaceStrict(t.classes.map((_, j) => j), t.classes, undefined, pl.Utf8).alias('prediction'),
      ...t.classes.map((c) => pl.col(`proba_${c}`)),
    ];
    predictionExprs.set(t, exprs);
  }
  return pl.DataFrame(cols).select(...exprs);
}

const predictionExprs = new WeakMap<object, ReturnType<typeof pl.col>[]>();

/**
 * A model's input checked batch by batch, for streaming commands: each batch's frame restricted to the
 * model's columns (typed as in training), with its table (lines of the whole input).
 */
export async function* modelBatches(manifest: Manifest, file: string, ctx: RunContext, opts: { format?: TableFormat; stats: StreamStats; untypedAsText?: boolean }): AsyncGenerator<{ table: Table; frame: Frame }> {
  const cfg = manifest.config as any;
  const target = manifest.input.target;
  const drop: string[] = cfg?.data?.drop ?? [];
  ctx.log.debug(file === '-' ? 'reading stdin' : `reading ${file}`);
  let first = true;
  const read = { format: opts.format, csv: cfg?.data?.csv, stdin: ctx.stdin, dtypes: dtypesFor(manifest.input.columns), untypedAsText: opts.untypedAsText, stats: opts.stats };
  for await (const { table } of readBatches(file, read, ctx.signal)) {
    const checked = checkInput(table, manifest.input.columns, [...(target ? [target] : []), ...drop]);
    if (first) for (const n of checked.notes) ctx.log.info(n);
    first = false;
    yield { table, frame: checked.frame };
  }
  if (opts.stats.blankLines) ctx.log.info(`${file}: skipped ${opts.stats.blankLines} blank line(s)`);
}

/** batches being predicted at once (on the tree workers: one queued while another is written) */
const IN_FLIGHT = 2;

/**
 * Predictions for a data file, streamed: batches are predicted (off the main thread where the estimator
 * can: XGBoost's tree kernel on worker threads) while the next ones are read and encoded, and each is
 * written as soon as it is predicted, in order (memory bounded by a few batches). Stops early when the
 * reader of stdout goes away.
 */
export async function predictTabular(dir: string, file: string, sink: TableWriter, ctx: RunContext, opts: { format?: TableFormat } = {}): Promise<{ rows: number }> {
  const model = await loadModel(dir, ctx);
  const est = model.estimator;
  const queue: Array<{ pred: Promise<Float64Array>; rows: number }> = [];
  const flush = async () => {
    const p = queue.shift()!;
    const pred = await p.pred;
    throwIfAborted(ctx.signal);
    await sink.write(predictionFrame(model, pred, p.rows));
  };
  // only the model's columns are used (typed as in training): the others are read as text, not inferred
  const batches = modelBatches(model.manifest, file, ctx, { ...opts, stats: { rows: 0, batches: 0, blankLines: 0 }, untypedAsText: true });
  // the read of the next batch runs while earlier ones are predicted and written: a batch is written as
  // soon as it is predicted, also when the next is slow to arrive (a live pipe), and the rows before a bad
  // batch are written before its error stops the run
  const read = () => {
    const p = batches.next();
    p.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    return p;
  };
  const settled = (p: Promise<unknown>, tag: string) => p.then(() => tag, () => tag);
  let next = read();
  try {
    for (;;) {
      // the oldest prediction is written whenever it is ready before the next batch is
      while (queue.length && (await Promise.race([settled(next, 'read'), settled(queue[0]!.pred, 'pred')])) === 'pred') {
        await flush();
        if (sink.gone) return { rows: sink.rows };
      }
      // with no prediction ready to write, wait for the batch (the queue is empty or the read won)
      let r: IteratorResult<{ frame: Frame }>;
      try {
        r = await next;
      } catch (e) {
        // a bad batch (or a failed read): the batches before it are written first, as without the overlap
        if (!ctx.signal?.aborted) while (queue.length && !sink.gone) await flush();
        throw e;
      }
      if (r.done) break;
      const { frame } = r.value;
      const matrix = model.input.encode(frame).matrix;
      const pred = est.predictAsync ? est.predictAsync(matrix) : Promise.resolve().then(() => est.predict(matrix));
      pred.catch(() => {}); // awaited by flush(); not an unhandled rejection when the loop stops first
      queue.push({ pred, rows: frame.height });
      next = read();
      collectBatchGarbage(frame.height * model.manifest.input.columns.length);
      while (queue.length > IN_FLIGHT) {
        await flush();
        if (sink.gone) return { rows: sink.rows };
      }
    }
    while (queue.length && !sink.gone) await flush();
    return { rows: sink.rows };
  } finally {
    // not awaited: a read in progress may be waiting for input that never comes
    batches.return(undefined).catch(() => {});
    est.dispose();
  }
}

/** Metrics of a bundle on labelled data: the bundle's configured metrics plus `extra` (e.g. gated ones). */
export async function evaluateTabular(dir: string, file: string, ctx: RunContext, extra: MetricName[] = [], format?: TableFormat): Promise<{ metrics: Metrics; rows: number; task: Task }> {
  const model = await loadModel(dir, ctx);
  try {
    const { table, frame } = await readForModel(model, file, ctx, format);
    throwIfAborted(ctx.signal);
    const target = model.manifest.input.target!;
    if (!table.frame.columns.includes(target)) throw new DataError(`target column "${target}" not found; evaluate needs the true values`, { file: table.name, path: target });
    const task = model.manifest.task as Task;
    const configured: MetricName[] = (model.manifest.config as any)?.evaluate?.metrics ?? DEFAULT_METRICS[task];
    const names = [...new Set([...configured, ...extra])];
    checkMetricNames(names, task);
    const y = encodeTarget(table, table.frame, target, model.target);
    const pred = model.estimator.predict(model.input.encode(frame).matrix);
    return { metrics: computeMetrics(names, model.target, y, pred, frame.height), rows: frame.height, task };
  } finally {
    model.estimator.dispose();
  }
}
