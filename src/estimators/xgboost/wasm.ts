/**
 * The fallback XGBoost engine: the npm package ml-xgboost 1.1.2, XGBoost ~0.7 compiled to WASM with
 * emscripten (single-threaded, 2 GiB heap at most).
 *
 * What the WASM build exports (its C glue, js-interfaces.cpp) and how this file uses it:
 *   _create_model(X*, y*, rows, cols)   DMatrix (missing = -1, hard-coded) + booster. X and y are
 *                                       copied by XGBoost, so our heap copies are freed right after.
 *   _set_param(model, name*, value*)    XGBoosterSetParam
 *   _train_full_model(model, n)         n x XGBoosterUpdateOneIter: called with n = 1, once per round
 *   _save_model(model) -> size          XGBoosterSaveModel to an in-memory file, then
 *   _get_file_content(buf*, size)       copies it out: the old binary model format
 *   _load_model(buf*, size) -> model    XGBoosterLoadModel
 *   _predict_one(model, row*, cols, out*) one row, all trees (no ntree_limit), a DMatrix per row
 *   _free_memory_model(model), _malloc, _free
 * There is no eval call, no dump call and no batch or ntree-limited predict. So this file reads the
 * saved binary model itself (a small, fixed layout) and predicts in JS: limited to the best
 * iteration, bit-identical to XGBoost's own predictor (same float32 sums; expf ported from musl), and
 * ~2x faster than a _predict_one loop. The validation metric for early stopping is computed in JS from
 * those predictions (evalmetrics.ts), in batches of rounds when saving the model each round would
 * cost too much; gain importance comes from the per-node statistics in the same file.
 * `wasmReferencePredict` runs XGBoost's own predictor so tests can check the JS walker against it.
 *
 * Missing values: the build hard-codes missing = -1 and aborts on NaN. NaN is sent as -1; a real -1
 * is sent as -1.0000001 (the next float32 down, so it stays a number) and reported through onWarning;
 * prediction applies the same mapping, so training and prediction agree.
 *
 * Instances: wasm memory never shrinks, and an XGBoost error is a C++ exception this build cannot
 * catch (it unwinds through the module and leaves it in an unknown state). So each training runs on
 * an instance of its own; a small healthy one is kept for the next training, a large or failed one
 * is dropped for the garbage collector (a new instance takes ~20-50 ms). Trained boosters hold only
 * JS arrays: prediction, save and load never need the WASM module.
 */
import { createRequire } from 'node:module';

import { BundleError, DataError, InterruptedError, MlkitError } from '../../core/errors.js';
import type { DenseMatrix, FeatureType, ParamValue, TrainedBooster, TrainRequest, XGBoostEngine } from './engine.js';
import { resolveEvalMetric, SUPPORTED_EVAL_METRICS, type EvalMetric } from './evalmetrics.js';
import { yieldToLoop } from '../../core/loop.js';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The emscripten module

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _create_model(x: number, y: number, rows: number, cols: number): number;
  _train_full_model(model: number, iterations: number): void;
  _save_model(model: number): number;
  _get_file_content(buffer: number, size: number): void;
  _load_model(buffer: number, size: number): number;
  _predict_one(model: number, row: number, cols: number, out: number): number;
  _free_memory_model(model: number): void;
  ccall(name: string, returnType: null | 'number', argTypes: string[], args: unknown[]): unknown;
  print: (s: unknown) => void;
  printErr: (s: unknown) => void;
  onAbort?: (what: unknown) => void;
  noExitRuntime?: boolean;
  isReady: Promise<unknown>;
}

/** The value a real -1 is sent as (the float32 just below -1): -1 is the build's missing marker. */
const MINUS_ONE = Math.fround(-1 - 2 ** -23);
/** Keep an idle instance for reuse only while its heap is at most this big. */
const KEEP_HEAP_BYTES = 256 * 2 ** 20;
/** With a validation set, save the model for evaluation once training time since the last save is
 *  this many times the last save's cost (saving is O(model size); per round it would be quadratic). */
const HARVEST_RATIO = 4;
/** Rows per block in the JS tree walker. */
const PREDICT_BLOCK = 512;

function packageInfo(): { version: string; glue: string } {
  try {
    const pkg = require('ml-xgboost/package.json') as { version?: string };
    return { version: String(pkg.version ?? '?'), glue: require.resolve('ml-xgboost/dist/wasm/xgboost.js') };
  } catch (e) {
    throw new MlkitError('usage', `the wasm XGBoost engine needs the npm package ml-xgboost (npm install ml-xgboost): ${(e as Error).message}`, {}, { cause: e });
  }
}

class WasmRuntime {
  broken = false;
  private readonly output: string[] = [];

  constructor(readonly mod: EmscriptenModule) {
    // the module's output goes to a buffer (used in error messages), never to stdout/stderr
    mod.print = (s) => this.note(s);
    mod.printErr = (s) => this.note(s);
    mod.noExitRuntime = true;
  }

  private note(s: unknown): void {
    this.output.push(String(s));
    if (this.output.length > 40) this.output.shift();
  }

  heapBytes(): number {
    return this.mod.HEAPU8.length;
  }

  /** Runs a call into the module; a failure marks the instance broken and becomes an MlkitError. */
  call<T>(what: string, fn: (m: EmscriptenModule) => T): T {
    if (this.broken) throw new MlkitError('internal', 'the XGBoost WASM instance failed earlier and cannot be used');
    this.output.length = 0;
    try {
      return fn(this.mod);
    } catch (e) {
      this.broken = true;
      throw this.translate(what, e);
    }
  }

  private translate(what: string, e: unknown): MlkitError {
    const text = [...this.output, typeof e === 'string' ? e : (e as Error)?.message ?? String(e)].join('\n');
    if (/enlarge memory|out of memory|OOM|Cannot allocate/i.test(text)) {
      return new DataError(`the data does not fit in the wasm XGBoost engine's memory (2 GiB at most) while ${what}; use the native engine (libxgboost) or fewer rows`, {}, { cause: e });
    }
    // XGBoost's own message: "[12:00:00] dmlc-core/.../logging.h:300: [12:00:00] src/x.cc:101: Check failed: ..."
    const lines = this.output
      .filter((l) => /Check failed|\.cc:\d+:|Unknown|Invalid|must be|out of range/.test(l))
      .map((l) => l.replace(/\[\d\d:\d\d:\d\d\]\s*/g, '').replace(/^.*?logging\.h:\d+:\s*/, '').replace(/^\S+\.cc:\d+:\s*/, '').trim());
    const msg = lines.length ? lines[lines.length - 1]! : (typeof e === 'string' ? e : (e as Error)?.message ?? String(e)).split('\n')[0]!;
    return new MlkitError('internal', `XGBoost (wasm) failed while ${what}: ${msg}`, {}, { cause: e });
  }

  /** _malloc that throws instead of returning 0. */
  malloc(bytes: number, what: string): number {
    const p = this.call(what, (m) => m._malloc(Math.max(bytes, 1)));
    if (!p) {
      this.broken = true;
      throw new DataError(`the data does not fit in the wasm XGBoost engine's memory (2 GiB at most) while ${what}; use the native engine (libxgboost) or fewer rows`);
    }
    return p;
  }

  setParam(model: number, name: string, value: string): void {
    this.call(`setting ${name}=${value}`, (m) => m.ccall('set_param', null, ['number', 'string', 'string'], [model, name, value]));
  }

  /** The model in XGBoost 0.7's binary format. */
  save(model: number): Uint8Array {
    return this.call('saving the model', (m) => {
      const size = m._save_model(model);
      if (!(size > 0)) throw new Error(`save_model returned ${size}`);
      const buf = m._malloc(size);
      if (!buf) throw new Error('out of memory');
      try {
        m._get_file_content(buf, size);
        return m.HEAPU8.slice(buf, buf + size);
      } finally {
        m._free(buf);
      }
    });
  }
}

async function createRuntime(gluePath: string): Promise<WasmRuntime> {
  // a fresh module object per instance: the glue file is a CommonJS module that builds one on load
  delete require.cache[gluePath];
  const before = new Set(process.listeners('uncaughtException'));
  let mod: EmscriptenModule;
  try {
    mod = require(gluePath) as EmscriptenModule;
  } finally {
    delete require.cache[gluePath];
    // the glue installs a process-wide uncaughtException handler that rethrows: not ours to keep
    for (const l of process.listeners('uncaughtException')) if (!before.has(l)) process.removeListener('uncaughtException', l);
  }
  const rt = new WasmRuntime(mod);
  await new Promise<void>((resolve, reject) => {
    mod.onAbort = (what) => {
      rt.broken = true;
      reject(new MlkitError('internal', `the ml-xgboost WASM module failed to start: ${String(what)}`));
    };
    mod.isReady.then(() => resolve(), reject);
  });
  mod.onAbort = () => {
    rt.broken = true;
  };
  return rt;
}

let idle: WasmRuntime | undefined;

async function acquireRuntime(gluePath: string): Promise<WasmRuntime> {
  const rt = idle;
  idle = undefined;
  if (rt && !rt.broken) return rt;
  return createRuntime(gluePath);
}

function releaseRuntime(rt: WasmRuntime): void {
  if (!rt.broken && idle === undefined && rt.heapBytes() <= KEEP_HEAP_BYTES) idle = rt;
}

// ---------------------------------------------------------------------------------------------
// Objectives and parameters

type Transform = 'identity' | 'sigmoid' | 'softmax';

interface ObjectiveSpec {
  /** the name XGBoost 0.7 knows */
  wasm: string;
  transform: Transform;
  labels: 'real' | 'unit' | 'class';
  defaultMetric: string;
}

const OBJECTIVES: Record<string, ObjectiveSpec> = {
  'reg:squarederror': { wasm: 'reg:linear', transform: 'identity', labels: 'real', defaultMetric: 'rmse' },
  'reg:linear': { wasm: 'reg:linear', transform: 'identity', labels: 'real', defaultMetric: 'rmse' },
  'reg:logistic': { wasm: 'reg:logistic', transform: 'sigmoid', labels: 'unit', defaultMetric: 'rmse' },
  'binary:logistic': { wasm: 'binary:logistic', transform: 'sigmoid', labels: 'unit', defaultMetric: 'logloss' },
  'binary:logitraw': { wasm: 'binary:logitraw', transform: 'identity', labels: 'unit', defaultMetric: 'auc' },
  'multi:softprob': { wasm: 'multi:softprob', transform: 'softmax', labels: 'class', defaultMetric: 'mlogloss' },
};

/** Prediction transform of an objective name as stored in a saved model. */
const TRANSFORM_OF_SAVED: Record<string, Transform> = {
  'reg:linear': 'identity',
  'reg:logistic': 'sigmoid',
  'binary:logistic': 'sigmoid',
  'binary:logitraw': 'identity',
  'multi:softprob': 'softmax',
};

interface NumericParam {
  /** XGBoost's real default, always sent (ml-xgboost's JS wrapper has other defaults) */
  def: number;
  ok: (v: number) => boolean;
  expect: string;
}

const NUMERIC: Record<string, NumericParam> = {
  eta: { def: 0.3, ok: (v) => v >= 0, expect: 'a number >= 0' },
  gamma: { def: 0, ok: (v) => v >= 0, expect: 'a number >= 0' },
  max_depth: { def: 6, ok: (v) => Number.isInteger(v) && v >= 1, expect: 'an integer >= 1 (0 = unlimited is not available in the wasm engine)' },
  min_child_weight: { def: 1, ok: (v) => v >= 0, expect: 'a number >= 0' },
  max_delta_step: { def: 0, ok: (v) => v >= 0, expect: 'a number >= 0' },
  subsample: { def: 1, ok: (v) => v > 0 && v <= 1, expect: 'a number in (0, 1]' },
  colsample_bytree: { def: 1, ok: (v) => v > 0 && v <= 1, expect: 'a number in (0, 1]' },
  colsample_bylevel: { def: 1, ok: (v) => v > 0 && v <= 1, expect: 'a number in (0, 1]' },
  lambda: { def: 1, ok: (v) => v >= 0, expect: 'a number >= 0' },
  alpha: { def: 0, ok: (v) => v >= 0, expect: 'a number >= 0' },
  scale_pos_weight: { def: 1, ok: (v) => v >= 0, expect: 'a number >= 0' },
  base_score: { def: 0.5, ok: () => true, expect: 'a number' },
  seed: { def: 0, ok: (v) => Number.isInteger(v), expect: 'an integer' },
};

const ALIASES: Record<string, string> = {
  learning_rate: 'eta',
  min_split_loss: 'gamma',
  reg_lambda: 'lambda',
  reg_alpha: 'alpha',
  random_state: 'seed',
};

/** Accepted and ignored without a word: threads, verbosity, metric names (evalMetric drives ours). */
const HARMLESS = new Set(['nthread', 'n_jobs', 'tree_method', 'eval_metric', 'verbosity', 'silent', 'disable_default_eval_metric', 'validate_parameters', 'predictor']);

interface TrainPlan {
  objective: ObjectiveSpec;
  numClass: number;
  /** [name, value] pairs for _set_param, in order */
  params: Array<[string, string]>;
}

function toNumber(name: string, v: ParamValue): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new MlkitError('config', `XGBoost parameter ${name}: expected a number, got ${JSON.stringify(v)}`, { path: `params.${name}` });
  return n;
}

function planParams(raw: Record<string, ParamValue>, warn: (m: string) => void): TrainPlan {
  const given = new Map<string, { from: string; value: ParamValue }>();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const canon = ALIASES[k] ?? k;
    const prev = given.get(canon);
    if (prev && String(prev.value) !== String(v)) {
      throw new MlkitError('config', `XGBoost parameters ${prev.from} and ${k} are the same parameter with different values (${prev.value} vs ${v})`, { path: `params.${k}` });
    }
    given.set(canon, { from: k, value: v });
  }

  const objName = String(given.get('objective')?.value ?? 'reg:squarederror');
  const objective = OBJECTIVES[objName];
  if (!objective) {
    const hint = objName === 'multi:softmax' ? ' (use multi:softprob: the engine returns class probabilities)' : '';
    throw new MlkitError('usage', `objective "${objName}" is not supported by the wasm XGBoost engine (XGBoost 0.7); supported: ${Object.keys(OBJECTIVES).join(', ')}${hint}`, { path: 'params.objective' });
  }
  given.delete('objective');

  let numClass = 1;
  const nc = given.get('num_class');
  given.delete('num_class');
  if (objective.labels === 'class') {
    if (!nc) throw new MlkitError('config', 'objective multi:softprob needs num_class', { path: 'params.num_class' });
    numClass = toNumber('num_class', nc.value);
    if (!Number.isInteger(numClass) || numClass < 2) throw new MlkitError('config', `XGBoost parameter num_class: expected an integer >= 2, got ${nc.value}`, { path: 'params.num_class' });
  } else if (nc && toNumber('num_class', nc.value) > 1) {
    warn(`param num_class is only used by multi:softprob; ignored for ${objName}`);
  }

  const booster = given.get('booster');
  given.delete('booster');
  if (booster && booster.value !== 'gbtree') {
    throw new MlkitError('usage', `booster "${booster.value}" is not supported by the wasm XGBoost engine (only gbtree)`, { path: 'params.booster' });
  }
  const npt = given.get('num_parallel_tree');
  if (npt && toNumber('num_parallel_tree', npt.value) === 1) given.delete('num_parallel_tree');

  const values: Record<string, number> = {};
  for (const [name, spec] of Object.entries(NUMERIC)) {
    const g = given.get(name);
    given.delete(name);
    const v = g ? toNumber(g.from, g.value) : spec.def;
    if (!spec.ok(v)) throw new MlkitError('config', `XGBoost parameter ${g?.from ?? name}: expected ${spec.expect}, got ${g?.value}`, { path: `params.${g?.from ?? name}` });
    // XGBoost 0.7 parses these as C floats/ints and aborts on overflow ("stof: out of range")
    const outOfRange = name === 'seed' ? false : name === 'max_depth' ? v > 2 ** 31 - 1 : v !== 0 && (Math.abs(v) < 2 ** -126 || Math.abs(v) > 3.4e38);
    if (outOfRange) throw new MlkitError('config', `XGBoost parameter ${g?.from ?? name}: ${g?.value} is outside the range the wasm engine can represent`, { path: `params.${g?.from ?? name}` });
    values[name] = v;
  }
  if (objective.transform === 'sigmoid' && !(values.base_score! > 0 && values.base_score! < 1)) {
    throw new MlkitError('config', `XGBoost parameter base_score: must be in (0, 1) for ${objName}, got ${values.base_score}`, { path: 'params.base_score' });
  }
  // XGBoost 0.7 reads the seed as a C int
  values.seed = ((values.seed! % 2 ** 31) + 2 ** 31) % 2 ** 31;

  for (const [name, { from }] of given) {
    if (HARMLESS.has(name)) continue;
    warn(`param ${from} is not supported by the wasm engine; ignored`);
  }

  const params: Array<[string, string]> = [
    ['silent', '1'],
    ['booster', 'gbtree'],
    ['objective', objective.wasm],
  ];
  if (objective.labels === 'class') params.push(['num_class', String(numClass)]);
  for (const [k, v] of Object.entries(values)) params.push([k, String(v)]);
  return { objective, numClass, params };
}

// ---------------------------------------------------------------------------------------------
// Input checks

function checkMatrix(m: DenseMatrix, what: string): void {
  if (!(m.data instanceof Float32Array)) throw new DataError(`${what}: expected a Float32Array`);
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) throw new DataError(`${what}: invalid shape ${m.rows} x ${m.cols}`);
  if (m.data.length !== m.rows * m.cols) {
    throw new DataError(`${what}: data has ${m.data.length} values, expected ${m.rows} x ${m.cols} = ${m.rows * m.cols}`);
  }
}

function checkLabels(label: Float32Array, rows: number, spec: ObjectiveSpec, numClass: number, what: string): void {
  if (!(label instanceof Float32Array)) throw new DataError(`${what} labels: expected a Float32Array`);
  if (label.length !== rows) throw new DataError(`${what} labels: ${label.length} labels for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const y = label[i]!;
    if (!Number.isFinite(y)) throw new DataError(`${what} labels: row ${i + 1} has a missing or infinite target (${y})`);
    if (spec.labels === 'unit' && !(y >= 0 && y <= 1)) throw new DataError(`${what} labels: row ${i + 1}: label ${y} is not in [0, 1] (needed by a logistic objective)`);
    if (spec.labels === 'class' && !(Number.isInteger(y) && y >= 0 && y < numClass)) {
      throw new DataError(`${what} labels: row ${i + 1}: label ${y} is not a class index 0..${numClass - 1}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The saved model (XGBoost 0.7 binary format) and the JS predictor

/**
 * Layout (little-endian, as XGBoost 0.7 writes it):
 *   LearnerModelParam (136 B: base_score f32 [as a margin], num_feature u32, num_class i32, ...),
 *   objective name and booster name (u64 length + bytes each), GBTreeModelParam (160 B: num_trees i32,
 *   num_roots, num_feature, pad, num_pbuffer i64, num_output_group i32, size_leaf_vector, reserved),
 *   per tree: TreeParam (148 B: num_roots, num_nodes, num_deleted, max_depth, num_feature,
 *   size_leaf_vector, reserved), num_nodes x Node (20 B: parent, cleft, cright, sindex [bit 31 =
 *   default left], split_cond | leaf_value f32), num_nodes x NodeStat (16 B: loss_chg, sum_hess,
 *   base_weight, leaf_child_cnt), [leaf vector]; then tree_info (num_trees x i32 group); then
 *   optional attributes.
 */
interface Forest {
  objective: string;
  transform: Transform;
  /** base score as a margin */
  base: number;
  numFeature: number;
  numGroup: number;
  numTrees: number;
  /** global node index of each tree's root */
  root: Int32Array;
  group: Int32Array;
  /** per node (global indices): left child (-1 = leaf; the right child is left + 1), child for a missing value */
  left: Int32Array;
  missing: Int32Array;
  feature: Int32Array;
  /** split condition or leaf value */
  value: Float64Array;
  /** loss_chg: the split's gain */
  gain: Float64Array;
  /** byte offsets of the GBTreeModelParam, each tree, tree_info and what follows it (for truncation) */
  layout: { gbParam: number; trees: number[]; treeInfo: number; tail: number };
}

function parseModel(bytes: Uint8Array): Forest {
  const bad = (why: string): never => {
    throw new BundleError(`not a model saved by the wasm XGBoost engine (${why})`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) bad(`truncated at byte ${pos}`);
  };
  const i32 = () => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const str = () => {
    need(8);
    const lo = dv.getUint32(pos, true);
    const hi = dv.getUint32(pos + 4, true);
    pos += 8;
    if (hi !== 0 || lo > 256) bad('bad string length');
    need(lo);
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + lo));
    pos += lo;
    return s;
  };
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'binf') pos = 4;
  const start = pos;
  need(136);
  const base = dv.getFloat32(start, true);
  const numFeature = dv.getUint32(start + 4, true);
  pos = start + 136;
  const objective = str();
  const gbm = str();
  if (gbm !== 'gbtree') bad(`booster ${gbm}`);
  const transform = TRANSFORM_OF_SAVED[objective];
  if (!transform) bad(`objective ${objective}`);

  const gbParam = pos;
  need(160);
  const numTrees = dv.getInt32(pos, true);
  const numGroup = Math.max(1, dv.getInt32(pos + 24, true));
  const leafVec = dv.getInt32(pos + 28, true);
  pos += 160;
  if (numTrees < 0 || leafVec !== 0) bad('bad booster header');

  const treeOffsets: number[] = [];
  const nodeCounts: number[] = [];
  let totalNodes = 0;
  for (let t = 0; t < numTrees; t++) {
    treeOffsets.push(pos);
    need(148);
    const numRoots = dv.getInt32(pos, true);
    const numNodes = dv.getInt32(pos + 4, true);
    const sizeLeafVector = dv.getInt32(pos + 20, true);
    if (numRoots !== 1 || numNodes < 1) bad(`tree ${t}: ${numRoots} roots, ${numNodes} nodes`);
    pos += 148;
    need(numNodes * 36);
    pos += numNodes * 36;
    if (sizeLeafVector !== 0) {
      need(8);
      const n = dv.getUint32(pos, true);
      pos += 8;
      need(n * 4);
      pos += n * 4;
    }
    nodeCounts.push(numNodes);
    totalNodes += numNodes;
  }
  const treeInfo = pos;
  need(numTrees * 4);
  const group = new Int32Array(numTrees);
  for (let t = 0; t < numTrees; t++) {
    group[t] = i32();
    if (group[t]! < 0 || group[t]! >= numGroup) bad(`tree ${t}: group ${group[t]}`);
  }
  const tail = pos;

  // Nodes are renumbered breadth-first so that every right child sits just after its left child
  // (the walker then steps to `left + (v >= split)` without a branch); unreachable (deleted) nodes
  // are dropped. Every node must be reachable from the root once, with a known split feature.
  const root = new Int32Array(numTrees);
  const left = new Int32Array(totalNodes);
  const missing = new Int32Array(totalNodes);
  const feature = new Int32Array(totalNodes);
  const value = new Float64Array(totalNodes);
  const gain = new Float64Array(totalNodes);
  let next = 0;
  for (let t = 0; t < numTrees; t++) {
    const n = nodeCounts[t]!;
    const nodes = treeOffsets[t]! + 148;
    const stats = nodes + n * 20;
    const seen = new Uint8Array(n);
    // queue of [file index, new index]
    const queue: number[] = [0, next];
    root[t] = next++;
    for (let q = 0; q < queue.length; q += 2) {
      const k = queue[q]!;
      const at = queue[q + 1]!;
      if (k < 0 || k >= n || seen[k]) bad(`tree ${t}: broken node links`);
      seen[k] = 1;
      const o = nodes + k * 20;
      const cl = dv.getInt32(o + 4, true);
      const cr = dv.getInt32(o + 8, true);
      const sindex = dv.getUint32(o + 12, true);
      value[at] = dv.getFloat32(o + 16, true);
      gain[at] = dv.getFloat32(stats + k * 16, true);
      if (cl === -1) {
        left[at] = -1;
        missing[at] = -1;
        continue;
      }
      const f = sindex & 0x7fffffff;
      if (f >= numFeature) bad(`tree ${t}: split on feature ${f} of ${numFeature}`);
      if (next + 2 > totalNodes) bad(`tree ${t}: broken node links`);
      feature[at] = f;
      left[at] = next;
      missing[at] = sindex >>> 31 ? next : next + 1;
      queue.push(cl, next, cr, next + 1);
      next += 2;
    }
  }
  return {
    objective: objective!,
    transform: transform!,
    base,
    numFeature,
    numGroup,
    numTrees,
    root,
    group,
    left,
    missing,
    feature,
    value,
    gain,
    layout: { gbParam, trees: treeOffsets, treeInfo, tail },
  };
}

/** The same model with only its first `keep` trees. */
function truncateModel(bytes: Uint8Array, f: Forest, keep: number): Uint8Array {
  if (keep >= f.numTrees) return bytes;
  const { gbParam, trees, treeInfo, tail } = f.layout;
  const treesEnd = keep < trees.length ? trees[keep]! : treeInfo;
  const parts = [bytes.subarray(0, treesEnd), bytes.subarray(treeInfo, treeInfo + keep * 4), bytes.subarray(tail)];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  new DataView(out.buffer).setInt32(gbParam, keep, true);
  return out;
}

/**
 * Adds the leaf values of trees [t0, t1) to psum (rows x numGroup, float32 sums like XGBoost's
 * predictor). NaN is missing; -1 is read as MINUS_ONE (what training saw).
 */
function accumulate(f: Forest, x: DenseMatrix, t0: number, t1: number, psum: Float32Array): void {
  const { root, group, left, missing, feature, value, numGroup } = f;
  const data = x.data;
  const cols = x.cols;
  const rows = x.rows;
  const block = new Float64Array(Math.min(rows, PREDICT_BLOCK) * cols);
  // blocks of rows through each tree (tree and rows stay in cache); per row the trees add up in order
  for (let i0 = 0; i0 < rows; i0 += PREDICT_BLOCK) {
    const nb = Math.min(rows, i0 + PREDICT_BLOCK) - i0;
    let hasNaN = false;
    for (let k = 0, o = i0 * cols, n = nb * cols; k < n; k++) {
      const v = data[o + k]!;
      if (v !== v) hasNaN = true;
      block[k] = v === -1 ? MINUS_ONE : v; // what training saw for a real -1
    }
    for (let t = t0; t < t1; t++) {
      const r = root[t]!;
      const out = i0 * numGroup + group[t]!;
      for (let i = 0; i < nb; i++) {
        const rowBase = i * cols;
        let n = r;
        let l = left[n]!;
        if (hasNaN) {
          while (l !== -1) {
            const v = block[rowBase + feature[n]!]!;
            n = v !== v ? missing[n]! : l + Number(v >= value[n]!); // right child = left + 1
            l = left[n]!;
          }
        } else {
          while (l !== -1) {
            n = l + Number(block[rowBase + feature[n]!]! >= value[n]!);
            l = left[n]!;
          }
        }
        const o = out + i * numGroup;
        psum[o] = psum[o]! + value[n]!; // Float32Array store rounds like XGBoost's float sum
      }
    }
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const fr = Math.fround;

/**
 * expf exactly as the WASM build computes it (a port of musl libc's expf, MIT licence), so that
 * transformed predictions are bit-identical to XGBoost's own; Math.exp rounded to float32 is off by
 * one unit in the last place for ~4% of inputs. (Subnormal results may differ in their last bit.)
 */
function expf(xin: number): number {
  let x = fr(xin);
  F32[0] = x;
  let hx = U32[0]!;
  const sign = hx >>> 31;
  hx &= 0x7fffffff;
  if (hx >= 0x42aeac50) {
    if (x !== x) return x;
    if (hx >= 0x42b17218 && !sign) return Infinity;
    if (sign && hx >= 0x42cff1b5) return 0;
  }
  let k: number;
  let hi: number;
  let lo: number;
  if (hx > 0x3eb17218) {
    k = hx > 0x3f851592 ? Math.trunc(fr(fr(fr(1.4426950216) * x) + (sign ? -0.5 : 0.5))) : 1 - sign - sign;
    hi = fr(x - fr(k * fr(6.9314575195e-1)));
    lo = fr(k * fr(1.4286067653e-6));
    x = fr(hi - lo);
  } else if (hx > 0x39000000) {
    k = 0;
    hi = x;
    lo = 0;
  } else {
    return fr(1 + x);
  }
  const xx = fr(x * x);
  const c = fr(x - fr(xx * fr(fr(1.666662544e-1) + fr(xx * fr(-2.7667332906e-3)))));
  const y = fr(1 + fr(fr(fr(fr(x * c) / fr(2 - c)) - lo) + hi));
  return k === 0 ? y : fr(y * 2 ** k);
}

/** Margins (base + tree sum, float32) to the objective's output, in place into `out`. */
function transformInto(f: Forest, psum: Float32Array, rows: number, out: Float64Array): void {
  const k = f.numGroup;
  const base = f.base;
  if (f.transform === 'softmax') {
    const m = new Float32Array(k);
    for (let i = 0; i < rows; i++) {
      let wmax = -Infinity;
      for (let c = 0; c < k; c++) {
        m[c] = base + psum[i * k + c]!;
        if (m[c]! > wmax) wmax = m[c]!;
      }
      let wsum = 0;
      for (let c = 0; c < k; c++) {
        m[c] = expf(m[c]! - wmax);
        wsum += m[c]!;
      }
      const s = Math.fround(wsum);
      for (let c = 0; c < k; c++) out[i * k + c] = Math.fround(m[c]! / s);
    }
    return;
  }
  const n = rows * k;
  if (f.transform === 'sigmoid') {
    for (let i = 0; i < n; i++) {
      const margin = Math.fround(base + psum[i]!);
      out[i] = fr(1 / fr(1 + expf(-margin)));
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = Math.fround(base + psum[i]!);
  }
}

function predictForest(f: Forest, x: DenseMatrix, numTrees: number): Float64Array {
  checkMatrix(x, 'prediction data');
  if (x.cols !== f.numFeature) throw new DataError(`prediction data has ${x.cols} columns, the model expects ${f.numFeature}`);
  const out = new Float64Array(x.rows * f.numGroup);
  if (x.rows === 0) return out;
  const psum = new Float32Array(x.rows * f.numGroup);
  accumulate(f, x, 0, Math.min(numTrees, f.numTrees), psum);
  transformInto(f, psum, x.rows, out);
  return out;
}

function gainImportance(f: Forest, numTrees: number, names: string[]): Record<string, number> {
  const total = new Float64Array(f.numFeature);
  const used = new Uint8Array(f.numFeature);
  for (let t = 0; t < Math.min(numTrees, f.numTrees); t++) {
    const stack = [f.root[t]!];
    while (stack.length) {
      const n = stack.pop()!;
      if (f.left[n] === -1) continue;
      total[f.feature[n]!] += f.gain[n]!;
      used[f.feature[n]!] = 1;
      stack.push(f.left[n]!, f.left[n]! + 1);
    }
  }
  const out: Record<string, number> = {};
  for (let j = 0; j < f.numFeature; j++) if (used[j]) out[names[j] ?? `f${j}`] = total[j]!;
  return out;
}

class WasmBooster implements TrainedBooster {
  readonly engine = 'wasm' as const;
  private forest: Forest | null;
  private bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    forest: Forest,
    readonly bestIteration: number,
    readonly roundsTrained: number,
    private readonly featureNames: string[],
  ) {
    this.bytes = bytes;
    this.forest = forest;
  }

  private live(): Forest {
    if (!this.forest) throw new MlkitError('internal', 'XGBoost booster used after dispose()');
    return this.forest;
  }

  predict(x: DenseMatrix): Float64Array {
    const f = this.live();
    return predictForest(f, x, (this.bestIteration + 1) * f.numGroup);
  }

  importance(): Record<string, number> {
    const f = this.live();
    // over all trees, like the native engine (XGBoosterFeatureScore) and Python's get_score
    return gainImportance(f, f.numTrees, this.featureNames);
  }

  save(): Uint8Array {
    this.live();
    return this.bytes.slice();
  }

  dispose(): void {
    this.forest = null;
    this.bytes = new Uint8Array(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Training

async function trainOn(rt: WasmRuntime, req: TrainRequest, plan: TrainPlan, metric: EvalMetric | undefined): Promise<WasmBooster> {
  const { train, label } = req;
  const { rows, cols } = train;
  const ng = plan.objective.labels === 'class' ? plan.numClass : 1;
  let model = 0;
  try {
    // data onto the module heap (not the 5 MiB stack the package's own API uses)
    let px = 0;
    let py = 0;
    try {
      px = rt.malloc(rows * cols * 4, 'copying the training data');
      py = rt.malloc(rows * 4, 'copying the labels');
      const heap = rt.mod.HEAPF32; // after the mallocs: growing the memory replaces the views
      const src = train.data;
      const at = px >> 2;
      let minusOnes: Uint32Array | undefined;
      for (let i = 0, n = rows * cols; i < n; i++) {
        const v = src[i]!;
        if (v !== v) heap[at + i] = -1;
        else if (v === -1) {
          heap[at + i] = MINUS_ONE;
          (minusOnes ??= new Uint32Array(cols))[i % cols]++;
        } else heap[at + i] = v;
      }
      heap.set(label, py >> 2);
      if (minusOnes) {
        const list = [...minusOnes].map((c, j) => [req.featureNames[j], c] as const).filter(([, c]) => c > 0);
        const count = list.reduce((s, [, c]) => s + c, 0);
        req.onWarning?.(
          `${count} training value(s) are exactly -1 (${list.slice(0, 5).map(([n, c]) => `${n}: ${c}`).join(', ')}${list.length > 5 ? ', ...' : ''}); ` +
            'the XGBoost 0.7 build in ml-xgboost reserves -1 as its missing-value marker, so the wasm engine passes them as -1.0000001 ' +
            '(the nearest float below) in training and prediction: they stay numbers, not missing values',
        );
      }
      model = rt.call('creating the training matrix', (m) => m._create_model(px, py, rows, cols));
      if (!model) throw new MlkitError('internal', 'XGBoost (wasm) could not create the training matrix');
    } finally {
      if (!rt.broken) {
        if (px) rt.mod._free(px);
        if (py) rt.mod._free(py);
      }
    }
    for (const [k, v] of plan.params) rt.setParam(model, k, v);

    const valid = req.valid;
    const esr = valid && req.earlyStoppingRounds && req.earlyStoppingRounds > 0 ? req.earlyStoppingRounds : 0;
    const vpsum = valid ? new Float32Array(valid.x.rows * ng) : undefined;
    const vpred = valid ? new Float64Array(valid.x.rows * ng) : undefined;
    const maximize = req.evalMetric ? req.maximize : metric?.maximize ?? false;
    const better = (a: number, b: number) => (maximize ? a > b : b > a); // false for NaN
    let best = NaN;
    let bestRound = -1;
    let sinceBest = 0;
    let evaluated = 0;
    let stoppedAt = 0;
    let trained = 0;
    let bytes: Uint8Array | undefined;
    let forest: Forest | undefined;
    let lastSaveMs = 0;
    let trainMs = 0;

    for (let it = 0; it < req.numRound && !stoppedAt; it++) {
      if (req.signal?.aborted) throw new InterruptedError();
      const t0 = performance.now();
      rt.call(`boosting round ${it}`, (m) => m._train_full_model(model, 1));
      trainMs += performance.now() - t0;
      trained = it + 1;
      if (!valid) {
        if (req.onRound) await req.onRound({ round: it });
        else await yieldToLoop(); // let signals and timers run
        continue;
      }
      if (it < req.numRound - 1 && trainMs < HARVEST_RATIO * lastSaveMs) {
        await yieldToLoop();
        continue;
      }
      // evaluate every round trained since the last look, in order
      const t1 = performance.now();
      bytes = rt.save(model);
      forest = parseModel(bytes);
      lastSaveMs = performance.now() - t1;
      trainMs = 0;
      if (forest.numTrees !== trained * ng) {
        throw new MlkitError('internal', `XGBoost (wasm) has ${forest.numTrees} trees after ${trained} rounds, expected ${trained * ng}`);
      }
      for (let r = evaluated; r < trained; r++) {
        accumulate(forest, valid.x, r * ng, (r + 1) * ng, vpsum!);
        transformInto(forest, vpsum!, valid.x.rows, vpred!);
        const score = metric!.compute(valid.label, vpred!, ng);
        evaluated = r + 1;
        if (esr) {
          if (r === 0) {
            best = score;
            bestRound = 0;
          } else if (better(score, best)) {
            best = score;
            bestRound = r;
            sinceBest = 0;
          } else sinceBest++;
        }
        if (req.onRound) await req.onRound({ round: r, valid: score });
        if (req.signal?.aborted) throw new InterruptedError();
        if (esr && sinceBest >= esr) {
          stoppedAt = r + 1;
          break;
        }
      }
    }

    const rounds = stoppedAt || trained;
    if (!bytes || !forest || forest.numTrees !== trained * ng) {
      bytes = rt.save(model);
      forest = parseModel(bytes);
    }
    if (forest.numTrees !== trained * ng) {
      throw new MlkitError('internal', `XGBoost (wasm) has ${forest.numTrees} trees after ${trained} rounds, expected ${trained * ng}`);
    }
    if (rounds < trained) {
      // rounds trained past the stopping point (evaluation runs in batches) are dropped
      bytes = truncateModel(bytes, forest, rounds * ng);
      forest = parseModel(bytes);
    }
    const bestIteration = esr && bestRound >= 0 ? bestRound : rounds - 1;
    return new WasmBooster(bytes, forest, bestIteration, rounds, [...req.featureNames]);
  } finally {
    if (model && !rt.broken) rt.mod._free_memory_model(model);
  }
}

class WasmEngine implements XGBoostEngine {
  readonly name = 'wasm' as const;
  readonly description: string;

  constructor(
    version: string,
    private readonly gluePath: string,
  ) {
    this.description = `ml-xgboost ${version} (XGBoost ~0.7, WASM, single-threaded)`;
  }

  async train(req: TrainRequest): Promise<TrainedBooster> {
    const warn = (m: string) => req.onWarning?.(m);
    checkMatrix(req.train, 'training data');
    if (req.train.rows === 0) throw new DataError('training data: no rows');
    if (req.train.cols === 0) throw new DataError('training data: no columns');
    const { cols } = req.train;
    if (req.featureNames.length !== cols || req.featureTypes.length !== cols) {
      throw new DataError(`training data has ${cols} columns but ${req.featureNames.length} feature names and ${req.featureTypes.length} feature types`);
    }
    if (new Set(req.featureNames).size !== cols) throw new DataError('feature names must be unique');
    const categorical = req.featureNames.filter((_, j) => req.featureTypes[j] === 'c');
    if (categorical.length) {
      throw new MlkitError(
        'usage',
        `the wasm XGBoost engine (XGBoost 0.7) has no categorical features (${categorical.slice(0, 5).join(', ')}${categorical.length > 5 ? ', ...' : ''}); ` +
          "one-hot encode them first, or use the native engine (libxgboost), which splits on categories",
      );
    }
    if (!Number.isInteger(req.numRound) || req.numRound < 1) throw new MlkitError('config', `num_round: expected an integer >= 1, got ${req.numRound}`);
    if (req.earlyStoppingRounds && !req.valid) throw new MlkitError('usage', 'early stopping needs a validation set');

    const plan = planParams(req.params, warn);
    checkLabels(req.label, req.train.rows, plan.objective, plan.numClass, 'training');
    let metric: EvalMetric | undefined;
    if (req.valid) {
      checkMatrix(req.valid.x, 'validation data');
      if (req.valid.x.cols !== cols) throw new DataError(`validation data has ${req.valid.x.cols} columns, training data ${cols}`);
      if (req.valid.x.rows === 0) throw new DataError('validation data: no rows');
      checkLabels(req.valid.label, req.valid.x.rows, plan.objective, plan.numClass, 'validation');
      const name = req.evalMetric || plan.objective.defaultMetric;
      metric = resolveEvalMetric(name);
      if (!metric) {
        throw new MlkitError('usage', `eval metric "${name}" is not available with the wasm XGBoost engine (available: ${SUPPORTED_EVAL_METRICS.join(', ')})`, { path: 'params.eval_metric' });
      }
      if (metric.multiclass !== (plan.objective.labels === 'class')) {
        throw new MlkitError('config', `eval metric "${name}" does not fit objective ${String(req.params.objective ?? 'reg:squarederror')}`, { path: 'params.eval_metric' });
      }
    }
    if (req.signal?.aborted) throw new InterruptedError();

    const rt = await acquireRuntime(this.gluePath);
    try {
      return await trainOn(rt, req, plan, metric);
    } finally {
      releaseRuntime(rt);
    }
  }

  load(model: Uint8Array, meta: { bestIteration: number; featureNames: string[]; featureTypes: FeatureType[]; numClass: number; objective: string }): TrainedBooster {
    const forest = parseModel(model);
    const expected = OBJECTIVES[meta.objective]?.wasm;
    if (expected !== undefined && expected !== forest.objective) {
      throw new BundleError(`the wasm XGBoost model has objective ${forest.objective}, the bundle says ${meta.objective}`);
    }
    if (meta.featureNames.length !== forest.numFeature) {
      throw new BundleError(`the XGBoost model has ${forest.numFeature} features but the bundle lists ${meta.featureNames.length}`);
    }
    if (forest.transform === 'softmax' && meta.numClass > 1 && meta.numClass !== forest.numGroup) {
      throw new BundleError(`the XGBoost model has ${forest.numGroup} classes, the bundle says ${meta.numClass}`);
    }
    const rounds = forest.numTrees / forest.numGroup;
    if (!Number.isInteger(meta.bestIteration) || meta.bestIteration < 0 || meta.bestIteration >= rounds) {
      throw new BundleError(`best iteration ${meta.bestIteration} is outside the model's ${rounds} rounds`);
    }
    return new WasmBooster(model.slice(), forest, meta.bestIteration, rounds, [...meta.featureNames]);
  }
}

let engine: Promise<WasmEngine> | undefined;

/**
 * The wasm engine (loaded once; later calls return the same engine). Rejects with
 * MlkitError('usage') when ml-xgboost is not installed.
 */
export function loadWasmEngine(): Promise<XGBoostEngine> {
  engine ??= (async () => {
    const { version, glue } = packageInfo();
    const rt = await createRuntime(glue); // fail here, not at the first training, when the module is unusable
    releaseRuntime(rt);
    return new WasmEngine(version, glue);
  })().catch((e: unknown) => {
    engine = undefined;
    throw e;
  });
  return engine;
}

/**
 * XGBoost's own predictions for a saved wasm model (all trees, transformed; rows x numGroup):
 * one `_predict_one` call per row over the data on the module heap. Slow (a DMatrix per row);
 * tests use it to check the JS tree walker behind TrainedBooster.predict.
 */
export async function wasmReferencePredict(model: Uint8Array, x: DenseMatrix): Promise<Float64Array> {
  const forest = parseModel(model);
  checkMatrix(x, 'prediction data');
  if (x.cols !== forest.numFeature) throw new DataError(`prediction data has ${x.cols} columns, the model expects ${forest.numFeature}`);
  const { glue } = packageInfo();
  const rt = await acquireRuntime(glue);
  let handle = 0;
  let buf = 0;
  let px = 0;
  let pout = 0;
  try {
    buf = rt.malloc(model.length, 'loading the model');
    rt.mod.HEAPU8.set(model, buf);
    handle = rt.call('loading the model', (m) => m._load_model(buf, model.length));
    if (!handle) throw new BundleError('XGBoost (wasm) could not load the model');
    const k = forest.numGroup;
    px = rt.malloc(Math.max(1, x.rows * x.cols) * 4, 'copying the data');
    pout = rt.malloc(k * 4, 'predicting');
    const heap = rt.mod.HEAPF32;
    for (let i = 0; i < x.rows * x.cols; i++) {
      const v = x.data[i]!;
      heap[(px >> 2) + i] = v !== v ? -1 : v === -1 ? MINUS_ONE : v;
    }
    const out = new Float64Array(x.rows * k);
    rt.call('predicting', (m) => {
      for (let i = 0; i < x.rows; i++) {
        const n = m._predict_one(handle, px + i * x.cols * 4, x.cols, pout);
        if (n !== k) throw new Error(`predict_one returned ${n} values, expected ${k}`);
        for (let c = 0; c < k; c++) out[i * k + c] = m.HEAPF32[(pout >> 2) + c]!;
      }
    });
    return out;
  } finally {
    if (!rt.broken) {
      if (handle) rt.mod._free_memory_model(handle);
      for (const p of [buf, px, pout]) if (p) rt.mod._free(p);
    }
    releaseRuntime(rt);
  }
}
