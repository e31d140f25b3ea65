/**
 * The `native` XGBoost engine: the real libxgboost C API (>= 1.6, developed against 1.7.4) through
 * koffi. Models are bit-identical to Python's xgboost on the same data and parameters, and save() writes
 * the XGBoost JSON model that `xgb.Booster(model_file=...)` loads unchanged.
 *
 * Memory: the caller's Float32Array is handed to libxgboost as a pointer (no JS-side copy); the DMatrix
 * handles are freed as soon as training ends, and the trained booster is copied through its serialised
 * form (as Python's `xgb.train` does) so the training caches are released too.
 *
 * koffi is loaded lazily (createRequire) so that importing this file for findNativeLibrary() never
 * fails or costs anything when the FFI package is unavailable on a platform.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { DataError, InterruptedError, MlkitError, UsageError } from '../../core/errors.js';
import { yieldToLoop } from '../../core/loop.js';
import { releaseNativeMemory } from '../../core/memory.js';
import { preferPassiveOpenMP } from './openmp.js';
import { kernelMode, kernels } from '../../kernels/index.js';
import { packXGBoost, parseXGBoostJSON, probeRows, sameWithinUlps, TreeEnsemble } from '../../kernels/trees.js';
import { TreePool } from '../../kernels/trees-pool.js';
import { availableParallelism } from 'node:os';
import type {
  DenseMatrix,
  FeatureType,
  ParamValue,
  TrainedBooster,
  TrainRequest,
  XGBoostEngine,
} from './engine.js';

type Koffi = typeof import('koffi').default;
type Fn = (...args: unknown[]) => unknown;
/** libxgboost handles (DMatrixHandle, BoosterHandle) come back from koffi as BigInt addresses. */
type Handle = bigint;

/**
 * Parameters the engine sets when the request does not: `tree_method: 'hist'` (fast, handles NaN and
 * categorical features). Python xgboost 1.7 would use `auto` (= `exact` below 2^22 rows, `approx`
 * above), so to reproduce an mlkit model in Python pass `tree_method='hist'` explicitly. With
 * categorical features `auto` also becomes `hist`, and `exact` is refused.
 * nthread is left to libxgboost (all cores), as in Python. `validate_parameters: 1` is added, as
 * Python does (libxgboost then warns on stderr about unused parameters).
 */
export const NATIVE_DEFAULT_PARAMS: Readonly<Record<string, ParamValue>> = Object.freeze({ tree_method: 'hist' });

/** Importance type returned by TrainedBooster.importance() (XGBoost's name for it). */
export const NATIVE_IMPORTANCE_TYPE = 'total_gain';

// ------------------------------------------------------------------------------------------------
// Finding the library

export interface NativeLibraryLocation {
  /** path of a libxgboost that exists and is readable, or null */
  path: string | null;
  /** one human sentence: where it was found, or why nothing was */
  how: string;
  /** every path looked at, in order */
  tried: string[];
}

const SYSTEM_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libxgboost.so.0',
  '/usr/lib/x86_64-linux-gnu/libxgboost.so',
  '/usr/lib/aarch64-linux-gnu/libxgboost.so.0',
  '/usr/lib/aarch64-linux-gnu/libxgboost.so',
  '/usr/lib/libxgboost.so.0',
  '/usr/lib/libxgboost.so',
  '/usr/local/lib/libxgboost.so.0',
  '/usr/local/lib/libxgboost.so',
  '/opt/homebrew/lib/libxgboost.dylib',
  '/usr/local/opt/xgboost/lib/libxgboost.dylib',
  '/usr/local/lib/libxgboost.dylib',
];

const LIB_NAMES = process.platform === 'darwin' ? ['libxgboost.dylib'] : process.platform === 'win32' ? ['xgboost.dll'] : ['libxgboost.so'];

/** Why `p` cannot be a loadable shared library (null when it looks fine): exists, readable, and starts
 * with an ELF / Mach-O / PE header. Reads 4 bytes; never loads the library. */
function usableFile(p: string): string | null {
  let fd: number | undefined;
  try {
    const st = statSync(p);
    if (!st.isFile()) return 'not a file';
    fd = openSync(p, 'r');
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    const magic = head.readUInt32BE(0);
    const ok =
      magic === 0x7f454c46 || // ELF
      [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic) || // Mach-O (thin / fat)
      head.readUInt16BE(0) === 0x4d5a; // PE ("MZ")
    return ok ? null : 'not a shared library';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable' : String((e as Error).message);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Directories matching `<base>/python3*<rest>` (e.g. ~/.local/lib/python3.11/site-packages). */
function pythonDirs(base: string, rest: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^python3(\.\d+)?$/.test(n))
    .sort()
    .reverse()
    .flatMap((n) => rest.map((r) => join(base, n, r)));
}

function packageLibCandidates(dirs: string[]): string[] {
  return dirs.flatMap((d) => LIB_NAMES.map((n) => join(d, 'xgboost', 'lib', n)));
}

/**
 * Locate libxgboost. Order: `MLKIT_XGBOOST_LIB`; system library folders (Debian, /usr/local,
 * Homebrew); conda / virtualenv prefixes and the usual site-packages folders of a Python xgboost
 * package; finally (only when nothing was found) the `sys.path` of `python3`, with a 3 s timeout.
 * Cheap: only stat() calls, plus at most one short python3 run. The library is not loaded here.
 */
export function findNativeLibrary(): NativeLibraryLocation {
  const tried: string[] = [];
  const env = process.env.MLKIT_XGBOOST_LIB;
  if (env !== undefined && env !== '') {
    const p = resolve(env);
    tried.push(p);
    const why = usableFile(p);
    if (why) return { path: null, how: `MLKIT_XGBOOST_LIB=${env} is not usable: ${why}`, tried };
    return { path: p, how: `MLKIT_XGBOOST_LIB=${env}`, tried };
  }

  for (const p of SYSTEM_CANDIDATES) {
    tried.push(p);
    if (!usableFile(p)) return { path: p, how: `system library ${p}`, tried };
  }

  const check = (candidates: string[], how: (p: string) => string): NativeLibraryLocation | null => {
    for (const p of candidates) {
      if (tried.includes(p)) continue;
      tried.push(p);
      if (!usableFile(p)) return { path: p, how: how(p), tried };
    }
    return null;
  };
  const pkgHow = (p: string) => `python xgboost package at ${join(p, '..', '..')}`;

  // conda environments ship libxgboost in <prefix>/lib
  const conda = process.env.CONDA_PREFIX;
  if (conda) {
    const found = check(LIB_NAMES.map((n) => join(conda, 'lib', n)), (p) => `conda environment library ${p}`);
    if (found) return found;
  }
  const prefixes = [process.env.VIRTUAL_ENV, join(homedir(), '.local'), '/usr/local', '/usr'].filter(
    (x): x is string => !!x,
  );
  const siteDirs = [
    ...prefixes.flatMap((pre) => pythonDirs(join(pre, 'lib'), ['site-packages', 'dist-packages'])),
    '/usr/lib/python3/dist-packages',
  ];
  const fromSite = check(packageLibCandidates(siteDirs), pkgHow);
  if (fromSite) return fromSite;

  // last resort: ask python3 where its packages live
  const py = spawnSync('python3', ['-c', 'import sys,json;print(json.dumps(sys.path))'], {
    encoding: 'utf8',
    timeout: 3000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (py.status === 0 && py.stdout) {
    try {
      const paths = (JSON.parse(py.stdout) as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '');
      const fromPy = check(packageLibCandidates(paths), pkgHow);
      if (fromPy) return fromPy;
    } catch {
      // not JSON: ignore
    }
  }
  return {
    path: null,
    how: 'libxgboost not found (install libxgboost0 / `brew install xgboost` / `pip install xgboost`, or set MLKIT_XGBOOST_LIB)',
    tried,
  };
}

// ------------------------------------------------------------------------------------------------
// Loading the library

let koffiCache: Koffi | null = null;
function getKoffi(): Koffi {
  if (!koffiCache) {
    try {
      koffiCache = createRequire(import.meta.url)('koffi') as Koffi;
    } catch (e) {
      throw new MlkitError('usage', `the native XGBoost engine needs the koffi package, which failed to load: ${(e as Error).message}`, {}, { cause: e });
    }
  }
  return koffiCache;
}

interface XgbApi {
  koffi: Koffi;
  path: string;
  version: string;
  XGBGetLastError: () => string;
  XGDMatrixCreateFromMat_omp: Fn;
  XGDMatrixFree: Fn;
  XGDMatrixSetFloatInfo: Fn;
  XGDMatrixSetStrFeatureInfo: Fn;
  XGBoosterCreate: Fn;
  XGBoosterFree: Fn;
  XGBoosterSetParam: Fn;
  XGBoosterSetStrFeatureInfo: Fn;
  XGBoosterUpdateOneIter: Fn;
  XGBoosterEvalOneIter: Fn;
  XGBoosterSetAttr: Fn;
  XGBoosterPredictFromDense: Fn;
  XGBoosterFeatureScore: Fn;
  XGBoosterSaveModelToBuffer: Fn;
  XGBoosterLoadModelFromBuffer: Fn;
  XGBoosterSerializeToBuffer: Fn;
  XGBoosterUnserializeFromBuffer: Fn;
  XGBoosterBoostedRounds: Fn;
  XGBoosterGetNumFeature: Fn;
  XGBoosterSaveJsonConfig: Fn;
}

const PROTOTYPES: Record<Exclude<keyof XgbApi, 'koffi' | 'path' | 'version' | 'XGBGetLastError'>, string> = {
  XGDMatrixCreateFromMat_omp:
    'int XGDMatrixCreateFromMat_omp(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out, int nthread)',
  XGDMatrixFree: 'int XGDMatrixFree(void *handle)',
  XGDMatrixSetFloatInfo: 'int XGDMatrixSetFloatInfo(void *handle, const char *field, const float *array, uint64_t len)',
  XGDMatrixSetStrFeatureInfo: 'int XGDMatrixSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)',
  XGBoosterCreate: 'int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)',
  XGBoosterFree: 'int XGBoosterFree(void *handle)',
  XGBoosterSetParam: 'int XGBoosterSetParam(void *handle, const char *name, const char *value)',
  XGBoosterSetStrFeatureInfo: 'int XGBoosterSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)',
  XGBoosterUpdateOneIter: 'int XGBoosterUpdateOneIter(void *handle, int iter, void *dtrain)',
  XGBoosterEvalOneIter:
    'int XGBoosterEvalOneIter(void *handle, int iter, void **dmats, const char **evnames, uint64_t len, _Out_ const char **out_result)',
  XGBoosterSetAttr: 'int XGBoosterSetAttr(void *handle, const char *key, const char *value)',
  XGBoosterPredictFromDense:
    'int XGBoosterPredictFromDense(void *handle, const char *values, const char *config, void *m, _Out_ void **out_shape, _Out_ uint64_t *out_dim, _Out_ void **out_result)',
  XGBoosterFeatureScore:
    'int XGBoosterFeatureScore(void *handle, const char *config, _Out_ uint64_t *out_n_features, _Out_ void **out_features, _Out_ uint64_t *out_dim, _Out_ void **out_shape, _Out_ void **out_scores)',
  XGBoosterSaveModelToBuffer: 'int XGBoosterSaveModelToBuffer(void *handle, const char *config, _Out_ uint64_t *out_len, _Out_ void **out_dptr)',
  XGBoosterLoadModelFromBuffer: 'int XGBoosterLoadModelFromBuffer(void *handle, const void *buf, uint64_t len)',
  XGBoosterSerializeToBuffer: 'int XGBoosterSerializeToBuffer(void *handle, _Out_ uint64_t *out_len, _Out_ void **out_dptr)',
  XGBoosterUnserializeFromBuffer: 'int XGBoosterUnserializeFromBuffer(void *handle, const void *buf, uint64_t len)',
  XGBoosterBoostedRounds: 'int XGBoosterBoostedRounds(void *handle, _Out_ int *out)',
  XGBoosterGetNumFeature: 'int XGBoosterGetNumFeature(void *handle, _Out_ uint64_t *out)',
  XGBoosterSaveJsonConfig: 'int XGBoosterSaveJsonConfig(void *handle, _Out_ uint64_t *out_len, _Out_ void **out_str)',
};

const engines = new Map<string, NativeEngine>();


/**
 * Load libxgboost (from `path`, else from findNativeLibrary()) and return the engine. Cached per
 * resolved path. Throws MlkitError('usage') when there is no usable library.
 */
export function loadNativeEngine(path?: string): XGBoostEngine {
  let libPath: string;
  if (path !== undefined) {
    libPath = resolve(path);
  } else {
    const found = findNativeLibrary();
    if (!found.path) throw new UsageError(`native XGBoost engine unavailable: ${found.how}`);
    libPath = found.path;
  }
  const cached = engines.get(libPath);
  if (cached) return cached;
  const why = usableFile(libPath);
  if (why) throw new UsageError(`cannot load libxgboost at ${libPath}: ${why}`);

  const koffi = getKoffi();
  let lib: ReturnType<Koffi['load']>;
  preferPassiveOpenMP();
  try {
    lib = koffi.load(libPath);
  } catch (e) {
    throw new MlkitError('usage', `cannot load libxgboost at ${libPath}: ${(e as Error).message}`, {}, { cause: e });
  }
  let api: XgbApi;
  try {
    const XGBoostVersion = lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
    const major = [0], minor = [0], patch = [0];
    XGBoostVersion(major, minor, patch);
    const version = `${major[0]}.${minor[0]}.${patch[0]}`;
    if (major[0]! < 1 || (major[0] === 1 && minor[0]! < 6)) {
      throw new UsageError(`libxgboost ${version} at ${libPath} is too old: the native engine needs XGBoost >= 1.6`);
    }
    const lastError = lib.func('const char *XGBGetLastError()') as () => string | null;
    const fns: Record<string, Fn> = {};
    for (const [name, proto] of Object.entries(PROTOTYPES)) fns[name] = lib.func(proto) as Fn;
    api = { koffi, path: libPath, version, XGBGetLastError: () => lastError() ?? '', ...(fns as unknown as Omit<XgbApi, 'koffi' | 'path' | 'version' | 'XGBGetLastError'>) };
  } catch (e) {
    if (e instanceof MlkitError) throw e;
    throw new MlkitError('usage', `libxgboost at ${libPath} is not usable (needs XGBoost >= 1.6): ${(e as Error).message}`, {}, { cause: e });
  }
  const engine = new NativeEngine(api);
  engines.set(libPath, engine);
  return engine;
}

// ------------------------------------------------------------------------------------------------
// Helpers

/** XGBoost's error text without the "[12:00:00] src/file.cc:123: " prefix and the stack trace. */
function cleanError(raw: string): string {
  const firstBlock = raw.split(/\n\s*Stack trace:/)[0] ?? raw;
  const lines = firstBlock.replace(/^\[[\d:]+\]\s+[^\s:]+:\d+:\s*/, '').trim().split('\n');
  // "Unknown objective function: `x`" is followed by one "Objective candidate: y" line per objective
  const candidates = lines.slice(1).map((l) => /^\s*\w+ candidate: (.*)$/.exec(l)?.[1]);
  if (candidates.length > 0 && candidates.every((c) => c !== undefined)) {
    return `${lines[0]} (known: ${candidates.join(', ')})`;
  }
  return lines.join(' ').trim();
}

const DATA_ERROR_PATTERNS = [/label/i, /categor/i, /weight/i, /num_class/i];

function check(api: XgbApi, rc: unknown, what: string): void {
  if (rc === 0) return;
  const msg = cleanError(api.XGBGetLastError());
  if (DATA_ERROR_PATTERNS.some((p) => p.test(msg)) && /UpdateOneIter|DMatrix/.test(what)) {
    throw new DataError(`XGBoost: ${msg}`);
  }
  throw new MlkitError('internal', `XGBoost: ${msg} (in ${what})`);
}

/** A number as text XGBoost's parameter parser reads back exactly (no "1e+21" for integers). */
export function formatParam(v: ParamValue): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return v.toFixed(0);
  return String(v);
}

/** Python's repr() of a float (what Python's xgboost writes into the best_score attribute). */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // shortest round-trip digits (same in JS and Python), then Python's layout rules
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function parseMetricValue(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  return Number(t);
}

/** Parse "[3]\tvalid-auc:0.91\tvalid-logloss:0.3" into {auc: 0.91, logloss: 0.3} for one eval set. */
export function parseEvalLine(line: string, setName: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const tok of line.split('\t').slice(1)) {
    if (!tok.startsWith(setName + '-')) continue;
    const colon = tok.lastIndexOf(':');
    if (colon < 0) continue;
    out.set(tok.slice(setName.length + 1, colon), parseMetricValue(tok.slice(colon + 1)));
  }
  return out;
}

function checkMatrix(m: DenseMatrix, what: string): void {
  if (!(m.data instanceof Float32Array)) throw new DataError(`${what}: expected a Float32Array`);
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
    throw new DataError(`${what}: invalid shape ${m.rows} x ${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new DataError(`${what}: data has ${m.data.length} values, expected ${m.rows} x ${m.cols} = ${m.rows * m.cols}`);
  }
}

function checkLabels(label: Float32Array, rows: number, what: string): void {
  if (!(label instanceof Float32Array)) throw new DataError(`${what} labels: expected a Float32Array`);
  if (label.length !== rows) throw new DataError(`${what} labels: ${label.length} labels for ${rows} rows`);
  for (let i = 0; i < label.length; i++) {
    if (!Number.isFinite(label[i]!)) throw new DataError(`${what} labels: row ${i + 1} has a missing or infinite target (${label[i]})`);
  }
}

/** XGBoost categories are non-negative integer codes below 2^24; NaN means missing. */
function checkCategoricals(m: DenseMatrix, types: FeatureType[], names: string[], what: string): void {
  const catCols: number[] = [];
  types.forEach((t, j) => {
    if (t === 'c') catCols.push(j);
  });
  if (catCols.length === 0) return;
  const { data, rows, cols } = m;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (const j of catCols) {
      const v = data[base + j]!;
      if (v !== v) continue;
      if (v < 0 || v >= 16777216 || !Number.isInteger(v)) {
        throw new DataError(`${what}: row ${i + 1}, categorical feature "${names[j]}": ${v} is not a category code (an integer 0..2^24-1)`, { path: names[j] });
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// The engine

interface BoosterCell {
  handle: Handle | null;
}

const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ api: XgbApi; cell: BoosterCell }>(({ api, cell }) => {
        if (cell.handle !== null) {
          api.XGBoosterFree(cell.handle);
          cell.handle = null;
        }
      })
    : null;

class NativeEngine implements XGBoostEngine {
  readonly name = 'native' as const;
  readonly description: string;

  constructor(private readonly api: XgbApi) {
    this.description = `libxgboost ${api.version} at ${api.path}`;
  }

  private createDMatrix(m: DenseMatrix, label: Float32Array, names: string[], types: FeatureType[], nthread: number, what: string): Handle {
    const { api } = this;
    checkMatrix(m, what);
    checkLabels(label, m.rows, what);
    checkCategoricals(m, types, names, what);
    if (m.rows === 0) throw new DataError(`${what}: no rows`);
    const out: [Handle | null] = [null];
    // The typed array goes to C as a pointer: koffi passes its backing store without copying.
    check(api, api.XGDMatrixCreateFromMat_omp(m.data, m.rows, m.cols, NaN, out, nthread), `XGDMatrixCreateFromMat (${what})`);
    const h = out[0]!;
    try {
      check(api, api.XGDMatrixSetFloatInfo(h, 'label', label, label.length), `XGDMatrixSetFloatInfo (${what})`);
      check(api, api.XGDMatrixSetStrFeatureInfo(h, 'feature_name', names, names.length), `XGDMatrixSetStrFeatureInfo (${what})`);
      check(api, api.XGDMatrixSetStrFeatureInfo(h, 'feature_type', types, types.length), `XGDMatrixSetStrFeatureInfo (${what})`);
    } catch (e) {
      api.XGDMatrixFree(h);
      throw e;
    }
    return h;
  }

  async train(req: TrainRequest): Promise<TrainedBooster> {
    const { api } = this;
    const { train, label, valid, featureNames, featureTypes, numRound } = req;
    if (!Number.isInteger(numRound) || numRound < 1) throw new UsageError(`num_round must be a positive integer, got ${numRound}`);
    if (featureNames.length !== train.cols || featureTypes.length !== train.cols) {
      throw new DataError(`training data has ${train.cols} columns but ${featureNames.length} feature names and ${featureTypes.length} feature types`);
    }
    const badType = featureTypes.find((t) => t !== 'q' && t !== 'c');
    if (badType !== undefined) throw new UsageError(`unknown feature type "${badType}" (expected "q" or "c")`);
    if (new Set(featureNames).size !== featureNames.length) throw new DataError('feature names must be unique');
    if (valid && valid.x.cols !== train.cols) {
      throw new DataError(`validation data has ${valid.x.cols} columns, training data ${train.cols}`);
    }
    const esRounds = req.earlyStoppingRounds ?? 0;
    if (esRounds > 0 && !valid) throw new UsageError('early stopping needs a validation set');
    if (req.signal?.aborted) throw new InterruptedError();

    const params = this.buildParams(req);
    const nthreadParam = params.find(([k]) => k === 'nthread' || k === 'n_jobs');
    const nthread = nthreadParam ? Math.trunc(Number(nthreadParam[1])) || -1 : -1;

    const dmats: Handle[] = [];
    let booster: Handle | null = null;
    try {
      const dtrain = this.createDMatrix(train, label, featureNames, featureTypes, nthread, 'training data');
      dmats.push(dtrain);
      if (req.releaseTrain) {
        // the DMatrix holds its own copy: free the caller's float32 matrix (80 MiB for 1M x 21) now
        train.data = new Float32Array(0);
        await releaseNativeMemory();
      }
      let dvalid: Handle | null = null;
      if (valid) {
        dvalid = this.createDMatrix(valid.x, valid.label, featureNames, featureTypes, nthread, 'validation data');
        dmats.push(dvalid);
      }
      const out: [Handle | null] = [null];
      check(api, api.XGBoosterCreate(dmats, dmats.length, out), 'XGBoosterCreate');
      booster = out[0]!;
      // Python's Booster() copies the DMatrix feature names/types onto the booster (they end up in the JSON)
      check(api, api.XGBoosterSetStrFeatureInfo(booster, 'feature_name', featureNames, featureNames.length), 'XGBoosterSetStrFeatureInfo');
      check(api, api.XGBoosterSetStrFeatureInfo(booster, 'feature_type', featureTypes, featureTypes.length), 'XGBoosterSetStrFeatureInfo');
      for (const [k, v] of params) {
        const rc = api.XGBoosterSetParam(booster, k, v);
        if (rc !== 0) throw new MlkitError('config', `XGBoost parameter ${k}=${v}: ${cleanError(api.XGBGetLastError())}`, { path: `params.${k}` });
      }
      // XGBoost checks parameters lazily; saving the config configures the learner now, so a bad
      // value is reported as a config error before any work starts.
      {
        const len: [number | bigint] = [0];
        const str: [bigint | null] = [null];
        if (api.XGBoosterSaveJsonConfig(booster, len, str) !== 0) {
          const msg = cleanError(api.XGBGetLastError());
          const word = (w: string) => new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
          const named =
            params.find(([k]) => word(k).test(msg))?.[0] ??
            params.find(([, v]) => v.length > 2 && word(v).test(msg))?.[0] ??
            /\bParameter (\w+)/.exec(msg)?.[1];
          throw new MlkitError('config', `XGBoost: ${msg}`, named ? { path: `params.${named}` } : {});
        }
      }

      const maximize = req.maximize;
      const better = (a: number, b: number) => (maximize ? a > b : b > a); // false for NaN, like numpy.greater
      let best = NaN;
      let bestIteration = -1;
      let sinceBest = 0;
      let rounds = 0;
      const evalNames = ['valid'];
      for (let it = 0; it < numRound; it++) {
        if (req.signal?.aborted) throw new InterruptedError();
        check(api, api.XGBoosterUpdateOneIter(booster, it, dtrain), 'XGBoosterUpdateOneIter');
        rounds = it + 1;
        let validScore: number | undefined;
        if (dvalid !== null) {
          const res: [string | null] = [null];
          check(api, api.XGBoosterEvalOneIter(booster, it, [dvalid], evalNames, 1, res), 'XGBoosterEvalOneIter');
          const scores = parseEvalLine(res[0] ?? '', 'valid');
          const name = req.evalMetric || [...scores.keys()].pop() || '';
          validScore = scores.get(name);
          if (validScore === undefined) {
            throw new MlkitError('internal', `XGBoost did not report metric "${name}" for the validation set (got: ${res[0]})`);
          }
          // Python's EarlyStopping: the first round is the first best; then strictly better only
          if (esRounds > 0) {
            if (it === 0 || better(validScore, best)) {
              best = validScore;
              bestIteration = it;
              sinceBest = 0;
              check(api, api.XGBoosterSetAttr(booster, 'best_score', pythonFloatRepr(validScore)), 'XGBoosterSetAttr');
              check(api, api.XGBoosterSetAttr(booster, 'best_iteration', String(it)), 'XGBoosterSetAttr');
            } else {
              sinceBest++;
            }
          }
        }
        if (req.onRound) await req.onRound(validScore === undefined ? { round: it } : { round: it, valid: validScore });
        await yieldToLoop(); // let signals, timers and I/O run between rounds
        if (req.signal?.aborted) throw new InterruptedError();
        if (esRounds > 0 && sinceBest >= esRounds) break;
      }
      // with early stopping the best round is kept even when it never fired (as in Python)
      if (esRounds === 0 || bestIteration < 0) bestIteration = rounds - 1;
      // as Python's xgb.train: best_iteration always, best_ntree_limit = (best + 1) * num_parallel_tree
      const boosterKind = String(params.find(([k]) => k === 'booster')?.[1] ?? 'gbtree');
      const npt = boosterKind === 'gblinear' ? 0 : Number(params.find(([k]) => k === 'num_parallel_tree')?.[1] ?? 1);
      check(api, api.XGBoosterSetAttr(booster, 'best_iteration', String(bestIteration)), 'XGBoosterSetAttr');
      check(api, api.XGBoosterSetAttr(booster, 'best_ntree_limit', String((bestIteration + 1) * npt)), 'XGBoosterSetAttr');

      // Like Python's `bst.copy()` at the end of xgb.train: a fresh booster from the serialised state
      // drops the training caches (histograms, row partitions, prediction cache).
      const copy = this.copyBooster(booster);
      api.XGBoosterFree(booster);
      booster = null;
      return new NativeBooster(api, copy, bestIteration, rounds, featureNames);
    } finally {
      if (booster !== null) api.XGBoosterFree(booster);
      for (const h of dmats) api.XGDMatrixFree(h);
    }
  }

  /** Booster parameters in the order they are set, as text. */
  private buildParams(req: TrainRequest): Array<[string, string]> {
    const merged: Record<string, ParamValue | ParamValue[]> = { ...req.params };
    const hasCat = req.featureTypes.includes('c');
    if (merged.tree_method === undefined) merged.tree_method = NATIVE_DEFAULT_PARAMS.tree_method!;
    // libxgboost 1.7 with `exact` (which `auto` picks below 2^22 rows) silently treats category codes
    // as numbers: choose hist for `auto`, refuse `exact`.
    if (hasCat && merged.tree_method === 'auto') merged.tree_method = 'hist';
    if (hasCat && !['hist', 'approx', 'gpu_hist'].includes(String(merged.tree_method))) {
      throw new UsageError(`categorical features need tree_method hist or approx, not "${String(merged.tree_method)}"`);
    }
    // eval_metric may list several metrics ("auc,logloss" or an array): one SetParam call each,
    // and the early-stopping metric is always among them.
    const rawMetrics = merged.eval_metric;
    delete merged.eval_metric;
    const metrics = (Array.isArray(rawMetrics) ? rawMetrics.map(String) : rawMetrics === undefined ? [] : String(rawMetrics).split(/[\s,]+/)).filter(
      (m) => m !== '',
    );
    if (req.valid && req.evalMetric && !metrics.includes(req.evalMetric)) metrics.push(req.evalMetric);
    const out: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(merged)) {
      if (v === undefined) continue;
      out.push([k, Array.isArray(v) ? v.map(formatParam).join(',') : formatParam(v)]);
    }
    for (const m of metrics) out.push(['eval_metric', m]);
    if (merged.validate_parameters === undefined) out.push(['validate_parameters', '1']);
    return out;
  }

  private copyBooster(src: Handle): Handle {
    const api = this.api;
    const koffi = api.koffi;
    const len: [number | bigint] = [0];
    const ptr: [bigint | null] = [null];
    check(api, api.XGBoosterSerializeToBuffer(src, len, ptr), 'XGBoosterSerializeToBuffer');
    const n = Number(len[0]);
    const bytes = n > 0 ? new Uint8Array(koffi.view(ptr[0], n)).slice() : new Uint8Array(0);
    const out: [Handle | null] = [null];
    check(api, api.XGBoosterCreate([], 0, out), 'XGBoosterCreate');
    const h = out[0]!;
    const rc = api.XGBoosterUnserializeFromBuffer(h, bytes, bytes.length);
    if (rc !== 0) {
      const msg = cleanError(api.XGBGetLastError());
      api.XGBoosterFree(h);
      throw new MlkitError('internal', `XGBoost: ${msg} (in XGBoosterUnserializeFromBuffer)`);
    }
    return h;
  }

  load(
    model: Uint8Array,
    meta: { bestIteration: number; featureNames: string[]; featureTypes: FeatureType[]; numClass: number; objective: string },
  ): TrainedBooster {
    const { api } = this;
    const out: [Handle | null] = [null];
    check(api, api.XGBoosterCreate([], 0, out), 'XGBoosterCreate');
    const h = out[0]!;
    try {
      const rc = api.XGBoosterLoadModelFromBuffer(h, model, model.length);
      if (rc !== 0) throw new MlkitError('bundle', `XGBoost could not load the model: ${cleanError(api.XGBGetLastError())}`);
      const rounds: [number] = [0];
      check(api, api.XGBoosterBoostedRounds(h, rounds), 'XGBoosterBoostedRounds');
      const nfeat: [number | bigint] = [0];
      check(api, api.XGBoosterGetNumFeature(h, nfeat), 'XGBoosterGetNumFeature');
      if (meta.featureNames.length !== Number(nfeat[0])) {
        throw new MlkitError('bundle', `the XGBoost model has ${Number(nfeat[0])} features but the bundle lists ${meta.featureNames.length}`);
      }
      if (!Number.isInteger(meta.bestIteration) || meta.bestIteration < 0 || meta.bestIteration >= rounds[0]) {
        throw new MlkitError('bundle', `best iteration ${meta.bestIteration} is outside the model's ${rounds[0]} rounds`);
      }
      return new NativeBooster(api, h, meta.bestIteration, rounds[0], meta.featureNames);
    } catch (e) {
      api.XGBoosterFree(h);
      throw e;
    }
  }
}

/** rows up to which predict() always uses the tree kernel on the calling thread */
const SMALL_BATCH = 4096;
/**
 * rows a booster predicts with libxgboost before it packs the model for the tree kernel: packing and
 * checking cost about 6 ms a booster, more than a few small predictions save (a per_series forecaster's
 * one-row steps on 1,000 series), and well under what the kernel saves on more rows
 */
const KERNEL_AFTER_ROWS = 10_000;

class NativeBooster implements TrainedBooster {
  readonly engine = 'native' as const;
  private readonly cell: BoosterCell;
  private readonly numFeatures: number;
  /** the tree kernel's copy of the model (made on the first prediction), or null: libxgboost predicts */
  private ensemble: TreeEnsemble | null | undefined;
  /** worker threads with the tree kernel, for predictAsync */
  private pool: TreePool | null = null;
  /** rows predicted so far (see KERNEL_AFTER_ROWS) */
  private rowsPredicted = 0;

  constructor(
    private readonly api: XgbApi,
    handle: Handle,
    readonly bestIteration: number,
    readonly roundsTrained: number,
    private readonly featureNames: string[],
  ) {
    this.cell = { handle };
    this.numFeatures = featureNames.length;
    finalizer?.register(this, { api, cell: this.cell }, this.cell);
  }

  private get handle(): Handle {
    if (this.cell.handle === null) throw new MlkitError('internal', 'XGBoost booster used after dispose()');
    return this.cell.handle;
  }

  predict(x: DenseMatrix): Float64Array {
    checkMatrix(x, 'prediction data');
    if (x.cols !== this.numFeatures) throw new DataError(`prediction data has ${x.cols} columns, the model expects ${this.numFeatures}`);
    if (x.rows === 0) return new Float64Array(0);
    // once the booster has predicted enough rows to pay for packing (or with MLKIT_KERNELS=on), the kernel
    // on this thread for small batches (libxgboost's per-call cost dominates there) and on up to 2 cores
    // (about libxgboost's time on both cores, in half the CPU); beyond, libxgboost's threads win
    const ens = this.kernelWanted(x.rows) && (x.rows <= SMALL_BATCH || availableParallelism() <= 2 || kernelMode() === 'on') ? this.treeKernel() : null;
    if (ens) return Float64Array.from(ens.predict(x.data, x.rows, x.cols, this.bestIteration + 1));
    return this.predictLib(x);
  }

  /** counts the rows; whether the tree kernel is worth packing the model for by now */
  private kernelWanted(rows: number): boolean {
    this.rowsPredicted += rows;
    return this.ensemble !== undefined || this.rowsPredicted >= KERNEL_AFTER_ROWS || kernelMode() === 'on';
  }

  /** libxgboost's own prediction (XGBoosterPredictFromDense) */
  private predictLib(x: DenseMatrix): Float64Array {
    const { api } = this;
    const koffi = api.koffi;
    const h = this.handle;
    // __array_interface__ pointing at the typed array's own memory: no copy
    const addr = koffi.address(x.data);
    const iface = `{"data":[${addr.toString()},true],"shape":[${x.rows},${x.cols}],"strides":null,"typestr":"<f4","version":3}`;
    const config = `{"type":0,"training":false,"iteration_begin":0,"iteration_end":${this.bestIteration + 1},"strict_shape":false,"cache_id":0,"missing":NaN}`;
    const shapePtr: [bigint | null] = [null];
    const dim: [number | bigint] = [0];
    const result: [bigint | null] = [null];
    check(api, api.XGBoosterPredictFromDense(h, iface, config, null, shapePtr, dim, result), 'XGBoosterPredictFromDense');
    const d = Number(dim[0]);
    const shape = d > 0 ? Array.from(koffi.decode(shapePtr[0], 'uint64_t', d) as ArrayLike<number | bigint>, Number) : [];
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float64Array(n);
    if (n > 0) out.set(new Float32Array(koffi.view(result[0], n * 4)));
    return out;
  }

  /**
   * predict() off the main thread: the tree kernel on worker threads (kernels/trees-pool.ts), so that a
   * stream reads its next batch meanwhile; libxgboost on this thread when the kernel does not cover the
   * model. x may be detached (handed to a worker).
   */
  async predictAsync(x: DenseMatrix): Promise<Float64Array> {
    checkMatrix(x, 'prediction data');
    if (x.cols !== this.numFeatures) throw new DataError(`prediction data has ${x.cols} columns, the model expects ${this.numFeatures}`);
    if (x.rows === 0) return new Float64Array(0);
    const ens = this.kernelWanted(x.rows) ? this.treeKernel() : null;
    if (!ens) return this.predictLib(x);
    this.pool ??= new TreePool(ens.pack);
    return Float64Array.from(await this.pool.predict(x.data, x.rows, x.cols, this.bestIteration + 1));
  }

  /**
   * The tree kernel for this model (kernels/trees.ts: XGBoost's predictions, margins bit-identical, in
   * less CPU time than libxgboost's predictor), unless MLKIT_KERNELS=off, the kernels do not load, or the
   * model is one it does not cover (then libxgboost predicts, as before).
   */
  private treeKernel(): TreeEnsemble | null {
    if (this.ensemble !== undefined) return this.ensemble;
    const k = kernels();
    this.ensemble = null;
    if (!k) return null;
    const pack = packXGBoost(parseXGBoostJSON(Buffer.from(this.save()).toString('utf8')), this.numFeatures);
    if ('unsupported' in pack) return null;
    const ens = new TreeEnsemble(k, pack);
    // a check against libxgboost itself on rows that reach every kind of branch: a model file of another
    // XGBoost version whose format the packer misreads is left to libxgboost rather than mispredicted
    const probe = probeRows(pack);
    const want = this.predictLib(probe);
    const got = ens.predict(probe.data, probe.rows, probe.cols, this.bestIteration + 1);
    if (!sameWithinUlps(want, got, 2)) {
      ens.dispose();
      return null;
    }
    this.ensemble = ens;
    return ens;
  }

  importance(): Record<string, number> {
    const { api } = this;
    const koffi = api.koffi;
    const config = JSON.stringify({ importance_type: NATIVE_IMPORTANCE_TYPE, feature_map: '', feature_names: this.featureNames });
    const nFeat: [number | bigint] = [0];
    const feats: [bigint | null] = [null];
    const dim: [number | bigint] = [0];
    const shapePtr: [bigint | null] = [null];
    const scores: [bigint | null] = [null];
    check(api, api.XGBoosterFeatureScore(this.handle, config, nFeat, feats, dim, shapePtr, scores), 'XGBoosterFeatureScore');
    const n = Number(nFeat[0]);
    const out: Record<string, number> = {};
    if (n === 0) return out;
    const names = koffi.decode(feats[0], 'const char *', n) as string[];
    const d = Number(dim[0]);
    const shape = Array.from(koffi.decode(shapePtr[0], 'uint64_t', d) as ArrayLike<number | bigint>, Number);
    const total = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(koffi.view(scores[0], total * 4));
    // trees: shape [n]; gblinear with several classes: [n, groups] -> summed over groups
    const per = total / n;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += values[i * per + j]!;
      // defineProperty: a feature called "__proto__" stays an ordinary key
      Object.defineProperty(out, names[i]!, { value: s, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  save(): Uint8Array {
    const { api } = this;
    const len: [number | bigint] = [0];
    const ptr: [bigint | null] = [null];
    check(api, api.XGBoosterSaveModelToBuffer(this.handle, '{"format":"json"}', len, ptr), 'XGBoosterSaveModelToBuffer');
    const n = Number(len[0]);
    return n > 0 ? new Uint8Array(api.koffi.view(ptr[0], n)).slice() : new Uint8Array(0);
  }

  dispose(): void {
    this.ensemble?.dispose();
    this.ensemble = undefined;
    void this.pool?.close();
    this.pool = null;
    if (this.cell.handle === null) return;
    finalizer?.unregister(this.cell);
    this.api.XGBoosterFree(this.cell.handle);
    this.cell.handle = null;
  }
}
