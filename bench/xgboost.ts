/**
 * XGBoost benchmark: the same model (binary:logistic, hist, max_depth 6, eta 0.1, 100 rounds, no early
 * stopping, no test split) trained on the same generated 1,000,000 x 22 CSV (generator v2): 20 numeric
 * columns with about 4% of their cells empty (missing, NaN), one text column `cat` (12 skewed levels,
 * with an effect on the label) and the label `y`; the text column is a native categorical feature on
 * both sides. Trained by
 *   - `mlkit train` with the native engine (libxgboost through koffi) and `pipeline: auto` (`cat`
 *     becomes the codes of its sorted levels, feature type 'c'; empty cells NaN),
 *   - Python xgboost (pandas.read_csv with `cat` as dtype category, whose levels pandas sorts, +
 *     xgb.DMatrix(enable_categorical=True) + xgb.train), when a python with both is found,
 *   - `mlkit train` with the wasm engine (reported, no target; the wasm engine one-hot encodes `cat`),
 * each as a whole process (start-up and CSV load included) under GNU time: wall time and peak RSS.
 * mlkit and Python runs alternate (this shared VM is noisy); medians and mlkit/python ratios are
 * compared with the targets: time <= 0.9x, peak memory <= 1.2x.
 * After the timed runs (untimed): training-data AUC / logloss of every model, and whether mlkit's
 * native model predicts the same as Python's.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { waitForIdle, type IdleWait } from './lib/idle.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { flagOption, intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { gaussian, rng } from '../src/core/random.js';
import { findPython, type PythonInfo } from './lib/python.js';
import { cachedData, warmPageCache } from './lib/data.js';

/** numeric feature columns x0..x19; the file also has the text column `cat` and the label `y` */
const NUMERIC = 20;
/** columns in the file: the numeric features, `cat` and `y` */
const COLS = NUMERIC + 2;
const SEED = 20240601;
/** bump when the generator changes, so a cached CSV from an older generator is not reused */
const GENERATOR_VERSION = 2;
/** each numeric cell is empty (a missing value, NaN) with this probability */
const MISSING_RATE = 0.04;
/** the text columns, read as categorical features on both sides */
const CATEGORICAL = ['cat'] as const;
const PARAMS = { max_depth: 6, eta: 0.1, num_round: 100, tree_method: 'hist' } as const;
const TARGETS = { time: 0.9, memory: 1.2 } as const;
const MB = 1024; // KiB per MiB

// ------------------------------------------------------------------------------------------------
// Data

/** the levels of `cat` (12, of different lengths), their weights (Zipf-like: 35% down to 2%) and effects on f */
const CAT_LEVELS = ['north', 'south', 'east', 'west', 'central', 'coastal', 'highlands', 'islands', 'lowlands', 'metro', 'rural', 'suburban'];
const CAT_WEIGHTS = CAT_LEVELS.map((_, k) => 1 / (k + 1) ** 1.1);
const CAT_EFFECT = [0, 0.5, -0.4, 0.9, -0.7, 0.3, 1.1, -1.2, 0.6, -0.2, 1.4, -0.9];

/**
 * Writes the CSV (header x0..x19, cat, y): x0..x9 standard normal, x10..x14 uniform on [0, 10),
 * x15..x19 noisy mixtures of earlier columns (correlated features), 6 significant digits; each numeric
 * cell is empty with probability 0.04 (drawn for every cell, so a missing cell does not shift the rest
 * of the stream); `cat` one of 12 text levels, skewed (north 35% ... suburban 2%), never empty;
 * y ~ Bernoulli(sigmoid(f(x) + noise)) with f using x0..x4, x10, x11 (linear terms, an interaction, a
 * threshold and a sine; a missing value adds 0) and a per-level effect of cat.
 */
export function generateCsv(file: string, rows: number, seed: number): void {
  const u = rng(seed);
  const normal = gaussian(u);
  const total = CAT_WEIGHTS.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(CAT_WEIGHTS.length);
  CAT_WEIGHTS.reduce((s, w, i) => ((cum[i] = s + w / total), s + w / total), 0);
  cum[cum.length - 1] = 1;
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const header = [...Array.from({ length: NUMERIC }, (_, j) => `x${j}`), ...CATEGORICAL, 'y'].join(',') + '\n';
    writeSync(fd, header);
    const x = new Float64Array(NUMERIC);
    const miss = new Uint8Array(NUMERIC);
    const v = (j: number) => (miss[j] ? 0 : x[j]!);
    const CHUNK = 20000;
    for (let start = 0; start < rows; start += CHUNK) {
      const end = Math.min(rows, start + CHUNK);
      const lines: string[] = new Array(end - start);
      for (let i = start; i < end; i++) {
        for (let j = 0; j < 10; j++) x[j] = normal();
        for (let j = 10; j < 15; j++) x[j] = 10 * u();
        for (let j = 15; j < 20; j++) x[j] = 0.6 * x[j - 15]! + 0.4 * x[j - 10]! + 0.5 * normal();
        const vals = new Array<string>(COLS);
        for (let j = 0; j < NUMERIC; j++) {
          // round to the 6 significant digits written, so the label depends on the values as read
          const s = x[j]!.toPrecision(6);
          x[j] = Number(s);
          miss[j] = u() < MISSING_RATE ? 1 : 0;
          vals[j] = miss[j] ? '' : s;
        }
        let k = 0;
        const r = u();
        while (r >= cum[k]! && k < cum.length - 1) k++;
        vals[NUMERIC] = CAT_LEVELS[k]!;
        const f =
          1.2 * v(0) - 0.8 * v(1) + 0.6 * v(2) * v(3) + (miss[4] ? 0 : x[4]! > 0.5 ? 0.9 : -0.3) + 0.8 * Math.sin(v(10)) +
          (miss[11] ? 0 : 0.15 * (x[11]! - 5)) + CAT_EFFECT[k]! + 0.5 * normal();
        vals[NUMERIC + 1] = u() < 1 / (1 + Math.exp(-f)) ? '1' : '0';
        lines[i - start] = vals.join(',');
      }
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function ensureData(opts: BenchOptions, rows: number): { file: string; generatedSeconds: number | null } {
  return cachedData(opts, `xgb-${rows}x${COLS}-seed${SEED}-v${GENERATOR_VERSION}.csv`, `${rows} x ${COLS} CSV`, (file) => generateCsv(file, rows, SEED));
}


function writeConfig(opts: BenchOptions, csv: string, outDir: string): string {
  const cfg = join(opts.dataDir, 'xgboost-bench.yaml');
  const yaml = `# generated by bench/xgboost.ts: same model as bench/python/xgboost_bench.py
task: classification
data:
  train: ${JSON.stringify(csv)}
  target: y
  split: { test: 0 }          # no test split: train on every row, as the Python side does
pipeline: auto                # numeric as-is (empty = NaN), cat as a native categorical feature
model:
  type: xgboost
  engine: native
  params: { max_depth: ${PARAMS.max_depth}, eta: ${PARAMS.eta}, num_round: ${PARAMS.num_round}, tree_method: ${PARAMS.tree_method} }
output: { dir: ${JSON.stringify(outDir)} }
seed: 42
`;
  writeFileSync(cfg, yaml);
  return cfg;
}

// ------------------------------------------------------------------------------------------------
// Python


// ------------------------------------------------------------------------------------------------
// Runs

interface Run {
  tool: 'mlkit-native' | 'python' | 'mlkit-wasm';
  index: number;
  wallSeconds: number;
  maxRssMiB: number | null;
  userSeconds: number | null;
  sysSeconds: number | null;
  cpuPercent: number | null;
  ok: boolean;
  timedOut?: boolean;
  method: Measurement['method'];
  /** 1-minute load average just before the run (a lagging average) */
  loadBefore: number;
  /** cores busy with other work in the 1 s sample just before the run, and how long the run waited for quiet */
  busyCoresBefore: number | null;
  waitedSeconds: number;
  /** false when the machine was still busy after --wait-idle seconds (the run went ahead anyway) */
  quietStart: boolean;
  /** stage timings the Python script reports about itself */
  stages?: Record<string, number>;
  error?: string;
}

function toRun(tool: Run['tool'], index: number, m: Measurement, loadBefore: number, idle: IdleWait): Run {
  const cpu = m.userSeconds !== null && m.sysSeconds !== null ? (100 * (m.userSeconds + m.sysSeconds)) / m.wallSeconds : null;
  const ok = m.exitCode === 0 && !m.timedOut;
  const run: Run = {
    tool, index, wallSeconds: round(m.wallSeconds, 3)!, maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / MB, 1),
    userSeconds: m.userSeconds, sysSeconds: m.sysSeconds, cpuPercent: round(cpu, 0), ok, method: m.method,
    loadBefore: round(loadBefore, 2)!,
    busyCoresBefore: round(idle.busyCores, 2), waitedSeconds: idle.waitedSeconds, quietStart: idle.quiet,
  };
  if (m.timedOut) run.timedOut = true;
  if (!ok) run.error = (m.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${m.exitCode} signal ${m.signal}`).slice(0, 2000);
  return run;
}

function stats(runs: Run[]) {
  const ok = runs.filter((r) => r.ok);
  return {
    runs: ok.length,
    wallSeconds: round(median(ok.map((r) => r.wallSeconds)), 3),
    maxRssMiB: round(median(ok.map((r) => r.maxRssMiB ?? NaN)), 1),
    minWallSeconds: ok.length ? round(Math.min(...ok.map((r) => r.wallSeconds)), 3) : null,
    maxWallSeconds: ok.length ? round(Math.max(...ok.map((r) => r.wallSeconds)), 3) : null,
  };
}

function mlkitInfo(opts: BenchOptions): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(opts.root, 'bin', 'mlkit'), 'doctor', '--json'], { encoding: 'utf8', timeout: 60000 });
  try {
    const d = JSON.parse(r.stdout) as any;
    return { mlkit: d.mlkit, libxgboost: d.xgboost?.native?.version ?? null, xgboostEngine: d.xgboost?.engine, wasm: d.xgboost?.wasm?.detail ?? null, cpu: d.cpu?.model ?? null };
  } catch {
    return { doctorError: (r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 500) };
  }
}

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const rows = intOption(opts, 'rows', 'BENCH_ROWS', 1_000_000);
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 3));
  const wasmRounds = intOption(opts, 'wasm-rounds', 'BENCH_WASM_ROUNDS', PARAMS.num_round);
  const wasmTimeout = intOption(opts, 'wasm-timeout', 'BENCH_WASM_TIMEOUT', 900);
  const noPython = flagOption(opts, 'no-python', 'BENCH_NO_PYTHON');
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 180);
  const quiet = () => waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
  const notes: string[] = [];
  if (rows !== 1_000_000) notes.push(`rows = ${rows}, not the 1,000,000 of the issue's targets`);

  const { file: csv, generatedSeconds } = ensureData(opts, rows);
  const outRoot = join(opts.dataDir, 'xgboost-out');
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  const nativeDir = join(outRoot, 'mlkit-native');
  const wasmDir = join(outRoot, 'mlkit-wasm');
  const pyModel = join(outRoot, 'python-model.json');
  const cfg = writeConfig(opts, csv, nativeDir);
  const mlkitBin = join(opts.root, 'bin', 'mlkit');
  const pyScript = join(opts.root, 'bench', 'python', 'xgboost_bench.py');

  const tried: string[] = [];
  const py = noPython ? null : findPython(opts, ['xgboost', 'pandas', 'numpy'], tried);
  if (noPython) notes.push('python skipped (--no-python)');
  else if (!py) notes.push(`no python with xgboost and pandas found (${tried.join('; ')}): ratios skipped`);
  else opts.log(`python: ${py.exe} (Python ${py.version}, xgboost ${py.xgboost}, pandas ${py.pandas})`);
  if (!hasGnuTime()) notes.push('GNU time not found: wall time measured here, peak RSS self-reported by each process');

  const info = mlkitInfo(opts);
  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...info,
    python: py, gnuTime: hasGnuTime(),
  };

  // warm-up (untimed): page cache for the CSV and the libraries both tools load
  opts.log('warming the page cache ...');
  await warmPageCache(csv);
  spawnSync(process.execPath, [mlkitBin, '--version'], { stdio: 'ignore' });
  if (py) spawnSync(py.exe, ['-c', 'import xgboost, pandas'], { stdio: 'ignore' });

  const pyParams = JSON.stringify({ objective: 'binary:logistic', ...PARAMS, categorical: CATEGORICAL });
  const runMlkit = async (i: number): Promise<Run> => {
    const idle = await quiet();
    const load = loadavg()[0]!;
    const m = await measure(process.execPath, [mlkitBin, 'train', cfg, '--quiet'], { cwd: opts.root });
    const r = toRun('mlkit-native', i, m, load, idle);
    opts.log(`mlkit native #${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${r.maxRssMiB ?? '?'} MiB${r.ok ? '' : `  FAILED: ${r.error}`}`);
    return r;
  };
  const runPython = async (i: number): Promise<Run> => {
    const idle = await quiet();
    const load = loadavg()[0]!;
    const m = await measure(py!.exe, [pyScript, 'train', csv, pyModel, pyParams], {
      cwd: opts.root,
      rssFromStdout: (out) => {
        try {
          return (JSON.parse(out.trim().split('\n').pop()!) as { peak_rss_kb: number }).peak_rss_kb;
        } catch {
          return null;
        }
      },
    });
    const r = toRun('python', i, m, load, idle);
    try {
      r.stages = (JSON.parse(m.stdout.trim().split('\n').pop()!) as { seconds: Record<string, number> }).seconds;
    } catch {
      /* failed run */
    }
    opts.log(`python       #${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${r.maxRssMiB ?? '?'} MiB${r.stages ? `  (read_csv ${r.stages.read_csv} s, DMatrix ${r.stages.dmatrix} s, train ${r.stages.train} s)` : ''}${r.ok ? '' : `  FAILED: ${r.error}`}`);
    return r;
  };

  // the timed pairs, strictly alternating mlkit, python, mlkit, python, ...
  const nativeRuns: Run[] = [];
  const pyRuns: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    nativeRuns.push(await runMlkit(i));
    if (py) pyRuns.push(await runPython(i));
  }

  // the wasm engine, once (XGBoost ~0.7, single-threaded: much slower)
  const wasmRuns: Run[] = [];
  if (wasmRounds > 0) {
    opts.log(`mlkit wasm: ${wasmRounds} rounds (timeout ${wasmTimeout} s) ...`);
    const sets = ['--set', 'model.engine=wasm', '--set', `output.dir=${wasmDir}`];
    if (wasmRounds !== PARAMS.num_round) sets.push('--set', `model.params.num_round=${wasmRounds}`);
    const idle = await quiet();
    const load = loadavg()[0]!;
    const m = await measure(process.execPath, [mlkitBin, 'train', cfg, '--quiet', ...sets], { cwd: opts.root, timeoutMs: wasmTimeout * 1000 });
    const r = toRun('mlkit-wasm', 0, m, load, idle);
    wasmRuns.push(r);
    opts.log(`mlkit wasm: ${r.wallSeconds.toFixed(2)} s, ${r.maxRssMiB ?? '?'} MiB${r.ok ? '' : `  FAILED${r.timedOut ? ' (timeout)' : ''}: ${r.error}`}`);
    if (wasmRounds !== PARAMS.num_round) notes.push(`the wasm run used num_round ${wasmRounds} (not ${PARAMS.num_round}); its time is not comparable 1:1`);
  }

  // quality (untimed): did every model learn, and is mlkit's native model the same as Python's?
  opts.log('checking the models (untimed) ...');
  const quality: Record<string, unknown> = {};
  const evaluate = (dir: string) => {
    const r = spawnSync(process.execPath, [mlkitBin, 'evaluate', '-m', dir, csv, '--json', '--quiet'], { encoding: 'utf8', cwd: opts.root, maxBuffer: 1 << 26 });
    try {
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as unknown;
    } catch {
      return { error: (r.stderr || `exit ${r.status}`).trim().slice(0, 500) };
    }
  };
  if (nativeRuns.some((r) => r.ok)) quality.mlkitNativeEvaluate = evaluate(nativeDir);
  if (wasmRuns.some((r) => r.ok)) quality.mlkitWasmEvaluate = evaluate(wasmDir);
  if (py && pyRuns.some((r) => r.ok)) {
    const models = [pyModel, join(nativeDir, 'estimator', 'model.json')].filter((p) => existsSync(p));
    const r = spawnSync(py.exe, [pyScript, 'check', csv, ...models, '--categorical', CATEGORICAL.join(',')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    try {
      quality.python = JSON.parse(r.stdout.trim().split('\n').pop()!) as unknown;
    } catch {
      quality.python = { error: (r.stderr || `exit ${r.status}`).trim().slice(-500) };
    }
  }

  const noisy = [...nativeRuns, ...pyRuns, ...wasmRuns].filter((r) => !r.quietStart);
  if (noisy.length) {
    notes.push(`${noisy.length} run(s) started while other processes kept the machine busy (after waiting ${waitIdle} s): ${noisy.map((r) => `${r.tool} #${r.index + 1}`).join(', ')}; libxgboost's OpenMP threads slow down badly when another process holds a core, so those times are inflated`);
  }

  // summary
  const native = stats(nativeRuns);
  const python = py ? stats(pyRuns) : null;
  const wasm = wasmRuns.length ? stats(wasmRuns) : null;
  const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b !== null && b !== undefined && b > 0 ? round(a / b, 3) : null);
  const timeRatio = python ? ratio(native.wallSeconds, python.wallSeconds) : null;
  const memRatio = python ? ratio(native.maxRssMiB, python.maxRssMiB) : null;
  const targets = {
    time: { target: TARGETS.time, ratio: timeRatio, met: timeRatio === null ? null : timeRatio <= TARGETS.time },
    memory: { target: TARGETS.memory, ratio: memRatio, met: memRatio === null ? null : memRatio <= TARGETS.memory },
  };
  const pyStages = pyRuns.filter((r) => r.stages).map((r) => r.stages!);
  const stageMedians = pyStages.length
    ? Object.fromEntries(Object.keys(pyStages[0]!).map((k) => [k, round(median(pyStages.map((s) => s[k]!)), 3)]))
    : null;

  const result = {
    machine,
    data: {
      file: csv, rows, cols: COLS, numericCols: NUMERIC, missingRate: MISSING_RATE,
      categorical: Object.fromEntries(CATEGORICAL.map((c) => [c, { levels: CAT_LEVELS.length }])), bytes: statSync(csv).size, seed: SEED, generatorVersion: GENERATOR_VERSION, generatedSeconds: generatedSeconds === null ? 'cached' : round(generatedSeconds, 1) },
    params: { objective: 'binary:logistic', ...PARAMS, earlyStopping: false, testSplit: 0, pipeline: 'auto', categorical: 'native (mlkit auto; pandas category + enable_categorical)' },
    repeat,
    order: 'alternating: mlkit native, python, mlkit native, python, ...; then mlkit wasm once',
    medians: { mlkitNative: native, python, mlkitWasm: wasm ? { ...wasm, rounds: wasmRounds } : null, pythonStages: stageMedians },
    ratios: { time: timeRatio, memory: memRatio, wasmTimeVsNative: wasm ? ratio(wasm.wallSeconds, native.wallSeconds) : null },
    targets,
    quality,
    runs: [...nativeRuns, ...pyRuns, ...wasmRuns].sort((a, b) => (a.tool === 'mlkit-wasm' ? 1 : 0) - (b.tool === 'mlkit-wasm' ? 1 : 0) || a.index - b.index || (a.tool === 'python' ? 1 : 0) - (b.tool === 'python' ? 1 : 0)),
    notes,
  };

  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const auc = (q: any) => (q && typeof q === 'object' && 'metrics' in q ? f(q.metrics?.auc, 4) : 'n/a');
  const pyQ = (quality.python as any)?.models as any[] | undefined;
  const summary = [
    `data: ${rows} x ${COLS} CSV (${NUMERIC} numeric ${Math.round(MISSING_RATE * 100)}% empty, text ${CATEGORICAL.join(', ')}; ${(result.data.bytes / 2 ** 20).toFixed(0)} MiB), ${repeat} alternating pair(s), ${machine.cores} cores, node ${process.version}, ${String(info.libxgboost ?? 'libxgboost ?')}`,
    `quiet-machine check before each run (wait up to ${waitIdle} s): ${noisy.length ? `${noisy.length} run(s) started busy` : 'all runs started quiet'}`,
    `mlkit native: median ${f(native.wallSeconds)} s, ${f(native.maxRssMiB, 0)} MiB peak  (runs: ${nativeRuns.map((r) => `${f(r.wallSeconds)}s/${f(r.maxRssMiB, 0)}MiB`).join(', ')})`,
    python
      ? `python:       median ${f(python.wallSeconds)} s, ${f(python.maxRssMiB, 0)} MiB peak  (runs: ${pyRuns.map((r) => `${f(r.wallSeconds)}s/${f(r.maxRssMiB, 0)}MiB`).join(', ')})`
      : 'python:       absent (no ratios)',
    wasm ? `mlkit wasm:   ${f(wasm.wallSeconds)} s, ${f(wasm.maxRssMiB, 0)} MiB peak (${wasmRounds} rounds${wasmRuns[0]?.ok ? '' : ', FAILED'})` : 'mlkit wasm:   skipped',
    `time   ratio mlkit/python: ${f(timeRatio, 3)} (target <= ${TARGETS.time}): ${targets.time.met === null ? 'n/a' : targets.time.met ? 'MET' : 'MISSED'}`,
    `memory ratio mlkit/python: ${f(memRatio, 3)} (target <= ${TARGETS.memory}): ${targets.memory.met === null ? 'n/a' : targets.memory.met ? 'MET' : 'MISSED'}`,
    `training-data AUC: mlkit native ${auc(quality.mlkitNativeEvaluate)}${wasm ? `, mlkit wasm ${auc(quality.mlkitWasmEvaluate)}` : ''}${pyQ ? `, python ${f(pyQ[0]?.auc, 4)}` : ''}${pyQ?.[1]?.max_abs_diff_vs_first !== undefined ? `; mlkit-vs-python max |prediction diff| ${pyQ[1].max_abs_diff_vs_first}` : ''}`,
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'xgboost',
  description: 'XGBoost 1M x 22 CSV (20 numeric with NaNs, 1 text column as categorical): mlkit (native, wasm) vs Python xgboost + pandas, whole process',
  run,
};
export default bench;
