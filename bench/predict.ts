/**
 * Predict benchmark (issue 11): `mlkit predict` on 1,000,000 and 10,000,000 rows (CSV in, CSV out) with a
 * model trained on 100,000 rows of the same table, beside pandas + Python xgboost (read_csv, booster
 * predict, to_csv) on the same files, each as a whole process under GNU time: wall time and peak RSS.
 *
 * The table (generated once per size, cached in bench/data, deterministic): x0..x9 numeric (each cell
 * empty with p = 0.04), `cat` text with 8 levels, `label` 0/1. Every file is a prefix of the same stream
 * of rows: the training file is the first 100,000 rows, the 1M file the first 1,000,000.
 *
 * Training is untimed: `mlkit train` (generated config, native engine) and `predict_bench.py train`
 * (pandas category dtype + enable_categorical) with the same params. Timed runs alternate mlkit, Python
 * per size after a wait for a quiet machine. Targets: mlkit time <= 0.5x Python's; mlkit peak RSS
 * under 300 MiB and flat (peak at 10M / peak at 1M <= 1.2). Untimed afterwards: the outputs' row counts
 * and, on the 1M file, the agreement of mlkit's and Python's probabilities.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { waitForIdle, type IdleWait } from './lib/idle.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { findPython } from './lib/python.js';
import { flagOption, intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { mlkitInfo, gitInfo } from './lib/info.js';
import { gaussian, rng } from '../src/core/random.js';
import { cachedData, warmPageCache } from './lib/data.js';

const SEED = 20240611;
/** bump when the generator changes, so a cached CSV from an older generator is not reused */
const GENERATOR_VERSION = 1;
const COLS = 12;
const MISSING_RATE = 0.04;
const DEFAULT_SIZES = [1_000_000, 10_000_000];
const BIG = 10_000_000;
const PARAMS = { max_depth: 6, eta: 0.1, num_round: 100, tree_method: 'hist' } as const;
const TARGETS = { timeRatio: 0.5, peakMiB: 300, flat: 1.2 } as const;
const MB = 1024; // KiB per MiB

// ------------------------------------------------------------------------------------------------
// Data

const CAT_LEVELS = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white'];
const CAT_WEIGHTS = [30, 20, 15, 10, 10, 8, 5, 2];
const CAT_EFFECT = [0, 0.4, -0.3, 0.8, -0.6, 0.2, 1.0, -1.0];

/**
 * Writes `rows` rows of the table, chunk by chunk (50,000 rows a write; memory stays small even for
 * 10M rows, ~1 GB): x0..x9 numeric of different scales and shapes (x3 and x7 integers, x9 correlated
 * with x0), each cell empty with probability 0.04; `cat` one of 8 levels (skewed), never empty;
 * `label` ~ Bernoulli(sigmoid(f)), f from x0, x1, x2, x3, x4, x6, x9 and cat (a missing value adds 0)
 * plus noise. Deterministic for a seed, and the first n rows are the same whatever `rows` is.
 */
export function generateCsv(file: string, rows: number, seed: number): void {
  const u = rng(seed);
  const normal = gaussian(u);
  const cum = new Float64Array(CAT_WEIGHTS.length);
  const total = CAT_WEIGHTS.reduce((a, b) => a + b, 0);
  CAT_WEIGHTS.reduce((s, w, i) => ((cum[i] = s + w / total), s + w / total), 0);
  cum[cum.length - 1] = 1;
  const x = new Float64Array(10);
  const miss = new Uint8Array(10);
  const cells = new Array<string>(COLS);
  const v = (j: number) => (miss[j] ? 0 : x[j]!);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, [...Array.from({ length: 10 }, (_, j) => `x${j}`), 'cat', 'label'].join(',') + '\n');
    const CHUNK = 50_000;
    const lines = new Array<string>(CHUNK);
    for (let start = 0; start < rows; start += CHUNK) {
      const n = Math.min(rows, start + CHUNK) - start;
      for (let i = 0; i < n; i++) {
        x[0] = normal();
        x[1] = 50 + 10 * normal();
        x[2] = u();
        x[3] = Math.floor(1000 * u());
        x[4] = Math.exp(normal());
        x[5] = -10 * Math.log(1 - u());
        x[6] = 200 * u() - 100;
        x[7] = Math.floor(-3 * Math.log(1 - u()));
        x[8] = 1000 * normal();
        x[9] = 0.6 * x[0]! + 0.8 * normal();
        cells[0] = x[0]!.toFixed(4);
        cells[1] = x[1]!.toFixed(3);
        cells[2] = x[2]!.toFixed(5);
        cells[3] = String(x[3]);
        cells[4] = x[4]!.toFixed(4);
        cells[5] = x[5]!.toFixed(3);
        cells[6] = x[6]!.toFixed(2);
        cells[7] = String(x[7]);
        cells[8] = x[8]!.toFixed(2);
        cells[9] = x[9]!.toFixed(4);
        for (let j = 0; j < 10; j++) {
          // always drawn, so a missing cell does not shift the rest of the stream
          miss[j] = u() < MISSING_RATE ? 1 : 0;
          if (miss[j]) cells[j] = '';
        }
        let k = 0;
        const r = u();
        while (r >= cum[k]! && k < cum.length - 1) k++;
        cells[10] = CAT_LEVELS[k]!;
        const f =
          1.1 * v(0) - 0.05 * (miss[1] ? 0 : x[1]! - 50) + 1.5 * (miss[2] ? 0 : x[2]! - 0.5) + (miss[3] ? 0 : x[3]! >= 500 ? 0.5 : -0.5) +
          0.4 * (miss[4] ? 0 : Math.log(x[4]!)) + 0.6 * Math.sin(v(6) / 20) - 0.5 * v(9) + CAT_EFFECT[k]! + 0.5 * normal();
        cells[11] = u() < 1 / (1 + Math.exp(-f)) ? '1' : '0';
        lines[i] = cells.join(',');
      }
      if (n < CHUNK) lines.length = n;
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function dataName(rows: number): string {
  return `predict-${rows}x${COLS}-seed${SEED}-v${GENERATOR_VERSION}.csv`;
}

function ensureData(opts: BenchOptions, rows: number): { file: string; generatedSeconds: number | null } {
  return cachedData(opts, dataName(rows), `${rows} x ${COLS} CSV`, (file) => generateCsv(file, rows, SEED));
}

/** Lines in a file (every line ends with \n). */
async function countLines(file: string): Promise<number> {
  let n = 0;
  await new Promise<void>((res, rej) => {
    const s = createReadStream(file, { highWaterMark: 4 << 20 });
    s.on('data', (b) => {
      const buf = b as Buffer;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    });
    s.on('end', () => res());
    s.on('error', rej);
  });
  return n;
}

function writeConfig(opts: BenchOptions, trainCsv: string, bundleDir: string): string {
  const cfg = join(opts.dataDir, 'predict-bench.yaml');
  writeFileSync(cfg, `# generated by bench/predict.ts: the model mlkit predicts with (Python trains the same: bench/python/predict_bench.py)
task: classification
data:
  train: ${JSON.stringify(trainCsv)}
  target: label
  split: { test: 0 }          # no test split: train on every row, as the Python side does
pipeline: auto                # numeric as-is (empty = NaN), cat as a native categorical feature
model:
  type: xgboost
  engine: native
  params: { max_depth: ${PARAMS.max_depth}, eta: ${PARAMS.eta}, num_round: ${PARAMS.num_round}, tree_method: ${PARAMS.tree_method} }
output: { dir: ${JSON.stringify(bundleDir)} }
seed: 42
`);
  return cfg;
}

// ------------------------------------------------------------------------------------------------
// Runs

interface Run {
  tool: 'mlkit' | 'python';
  rows: number;
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

function toRun(tool: Run['tool'], rows: number, index: number, m: Measurement, loadBefore: number, idle: IdleWait): Run {
  const cpu = m.userSeconds !== null && m.sysSeconds !== null ? (100 * (m.userSeconds + m.sysSeconds)) / m.wallSeconds : null;
  const ok = m.exitCode === 0 && !m.timedOut;
  const run: Run = {
    tool, rows, index, wallSeconds: round(m.wallSeconds, 3)!, maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / MB, 1),
    userSeconds: m.userSeconds, sysSeconds: m.sysSeconds, cpuPercent: round(cpu, 0), ok, method: m.method,
    loadBefore: round(loadBefore, 2)!, busyCoresBefore: round(idle.busyCores, 2), waitedSeconds: idle.waitedSeconds, quietStart: idle.quiet,
  };
  if (m.timedOut) run.timedOut = true;
  if (!ok) run.error = (m.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${m.exitCode} signal ${m.signal}${m.timedOut ? ' (timeout)' : ''}`).slice(0, 2000);
  return run;
}

function stats(runs: Run[]) {
  const ok = runs.filter((r) => r.ok);
  return {
    runs: ok.length,
    failed: runs.length - ok.length,
    wallSeconds: round(median(ok.map((r) => r.wallSeconds)), 3),
    maxRssMiB: round(median(ok.map((r) => r.maxRssMiB ?? NaN)), 1),
    userSeconds: round(median(ok.map((r) => r.userSeconds ?? NaN)), 2),
    sysSeconds: round(median(ok.map((r) => r.sysSeconds ?? NaN)), 2),
    minWallSeconds: ok.length ? round(Math.min(...ok.map((r) => r.wallSeconds)), 3) : null,
    maxWallSeconds: ok.length ? round(Math.max(...ok.map((r) => r.wallSeconds)), 3) : null,
  };
}

function lastJson(s: string): Record<string, unknown> | null {
  try {
    return JSON.parse(s.trim().split('\n').pop()!) as Record<string, unknown>;
  } catch {
    return null;
  }
}



function parseSizes(raw: string | undefined): number[] {
  if (raw === undefined || raw === '') return [...DEFAULT_SIZES];
  const sizes = raw.split(',').map((s) => s.trim().replace(/_/g, '')).filter(Boolean).map((s) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
    if (!m) throw new Error(`--rows-list / BENCH_ROWS_LIST: expected numbers like 1000000,10000000 or 1m,10m, got ${JSON.stringify(s)}`);
    const v = Number(m[1]) * (m[2]!.toLowerCase() === 'm' ? 1e6 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--rows-list: ${JSON.stringify(s)} is not a positive whole number of rows`);
    return v;
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const noBig = flagOption(opts, 'no-10m', 'BENCH_NO_10M');
  const sizes = parseSizes(opts.args['rows-list'] ?? process.env.BENCH_ROWS_LIST).filter((n) => !(noBig && n >= BIG));
  if (!sizes.length) throw new Error('no sizes left to run (--rows-list with --no-10m)');
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 3));
  const repeatBig = Math.max(1, intOption(opts, 'repeat-10m', 'BENCH_REPEAT_10M', 1));
  const trainRows = Math.max(1, intOption(opts, 'train-rows', 'BENCH_TRAIN_ROWS', 100_000));
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 180);
  const timeoutMs = intOption(opts, 'timeout', 'BENCH_TIMEOUT', 1800) * 1000;
  const noPython = flagOption(opts, 'no-python', 'BENCH_NO_PYTHON');
  const quiet = () => waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
  const repeatsFor = (rows: number) => (rows >= BIG ? repeatBig : repeat);
  const notes: string[] = [];

  const tried: string[] = [];
  const py = noPython ? null : findPython(opts, ['xgboost', 'pandas', 'numpy'], tried);
  if (noPython) notes.push('python skipped (--no-python): no ratios');
  else if (!py) notes.push(`no python with xgboost and pandas found (${tried.join('; ')}): ratios skipped`);
  else opts.log(`python: ${py.exe} (Python ${py.version}, xgboost ${py.xgboost}, pandas ${py.pandas}, numpy ${py.numpy})`);
  if (!hasGnuTime()) notes.push('GNU time not found: wall time measured here, peak RSS self-reported by each process');

  // data (cached): the training prefix and every size
  const train = ensureData(opts, trainRows);
  const inputs = sizes.map((rows) => ({ rows, ...ensureData(opts, rows) }));

  const outDir = join(opts.dataDir, 'predict-out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, 'mlkit-model');
  const pyModel = join(outDir, 'python-model.json');
  const cfg = writeConfig(opts, train.file, bundle);
  const mlkitBin = join(opts.root, 'bin', 'mlkit');
  const pyScript = join(opts.root, 'bench', 'python', 'predict_bench.py');

  const info = mlkitInfo(opts.root);
  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...info, python: py, gnuTime: hasGnuTime(), git: gitInfo(opts.root),
  };

  // training (untimed)
  opts.log(`training on ${trainRows} rows (untimed) ...`);
  const training: Record<string, unknown> = {};
  {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [mlkitBin, 'train', cfg, '--json', '--quiet'], { cwd: opts.root, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`mlkit train failed (exit ${r.status}): ${(r.stderr || '').trim().slice(-1000)}`);
    training.mlkit = { seconds: round((performance.now() - t0) / 1000, 2), config: cfg, bundle };
  }
  if (py) {
    const t0 = performance.now();
    const params = JSON.stringify({ target: 'label', ...PARAMS });
    const r = spawnSync(py.exe, [pyScript, 'train', train.file, pyModel, params], { cwd: opts.root, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`python train failed (exit ${r.status}): ${(r.stderr || '').trim().slice(-1000)}`);
    training.python = { seconds: round((performance.now() - t0) / 1000, 2), model: pyModel, report: lastJson(r.stdout) };
  }

  // warm-up (untimed): the libraries both tools load
  spawnSync(process.execPath, [mlkitBin, '--version'], { stdio: 'ignore' });
  if (py) spawnSync(py.exe, ['-c', 'import xgboost, pandas'], { stdio: 'ignore' });

  const outFile = (tool: Run['tool'], rows: number) => join(outDir, `${tool}-${rows}.csv`);
  const runOne = async (tool: Run['tool'], rows: number, input: string, i: number): Promise<Run> => {
    const out = outFile(tool, rows);
    rmSync(out, { force: true });
    spawnSync('sync', { stdio: 'ignore' }); // the previous run's output is not being flushed during this one
    const idle = await quiet();
    const load = loadavg()[0]!;
    const m = tool === 'mlkit'
      ? await measure(process.execPath, [mlkitBin, 'predict', '-m', bundle, input, '--out', out, '--quiet'], { cwd: opts.root, timeoutMs })
      : await measure(py!.exe, [pyScript, 'predict', pyModel, input, out], {
        cwd: opts.root, timeoutMs, rssFromStdout: (s) => (lastJson(s)?.peak_rss_kb as number | undefined) ?? null,
      });
    const r = toRun(tool, rows, i, m, load, idle);
    if (tool === 'python') {
      const st = lastJson(m.stdout)?.seconds as Record<string, number> | undefined;
      if (st) r.stages = st;
    }
    const st = r.stages;
    opts.log(`${rows} rows, ${tool.padEnd(6)} #${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${r.maxRssMiB ?? '?'} MiB, load ${r.loadBefore}` +
      `${st ? `  (read_csv ${st.read_csv} s, DMatrix ${st.dmatrix} s, predict ${st.predict} s, to_csv ${st.to_csv} s)` : ''}${r.ok ? '' : `  FAILED: ${r.error}`}`);
    return r;
  };

  // the timed runs: per size, strictly alternating mlkit, python, mlkit, python, ...
  const runs: Run[] = [];
  for (const { rows, file } of inputs) {
    opts.log(`${rows} rows: warming the page cache (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) ...`);
    await warmPageCache(file);
    for (let i = 0; i < repeatsFor(rows); i++) {
      runs.push(await runOne('mlkit', rows, file, i));
      if (py) runs.push(await runOne('python', rows, file, i));
    }
  }

  // checks (untimed): row counts of the last outputs; agreement on the 1M file (or the smallest)
  opts.log('checking the outputs (untimed) ...');
  const checks: Record<string, unknown> = { rowCounts: {} as Record<string, unknown> };
  for (const { rows } of inputs) {
    const entry: Record<string, unknown> = { input: rows };
    for (const tool of ['mlkit', 'python'] as const) {
      const f = outFile(tool, rows);
      if (existsSync(f)) {
        const n = (await countLines(f)) - 1; // the header
        entry[tool] = n;
        entry[`${tool}Ok`] = n === rows;
      }
    }
    (checks.rowCounts as Record<string, unknown>)[String(rows)] = entry;
  }
  const agreeRows = sizes.includes(1_000_000) ? 1_000_000 : sizes[0]!;
  if (py && existsSync(outFile('mlkit', agreeRows)) && existsSync(outFile('python', agreeRows))) {
    const input = inputs.find((x) => x.rows === agreeRows)!.file;
    const mlkitModel = join(bundle, 'estimator', 'model.json');
    const extra = existsSync(mlkitModel) ? [input, pyModel, mlkitModel] : [];
    const r = spawnSync(py.exe, [pyScript, 'compare', outFile('mlkit', agreeRows), outFile('python', agreeRows), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
    checks.agreement = { inputRows: agreeRows, ...(lastJson(r.stdout) ?? { error: (r.stderr || `exit ${r.status}`).trim().slice(-1000) }) };
  }

  const noisy = runs.filter((r) => !r.quietStart);
  if (noisy.length) notes.push(`${noisy.length} run(s) started while other processes kept the machine busy (after waiting ${waitIdle} s): ${noisy.map((r) => `${r.rows} ${r.tool} #${r.index + 1}`).join(', ')}`);
  if (!sizes.includes(1_000_000) || !sizes.includes(BIG)) notes.push(`sizes ${sizes.join(', ')}: the flatness target compares ${BIG} with 1000000 rows`);

  // medians, ratios, targets
  const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b !== null && b !== undefined && b > 0 ? round(a / b, 3) : null);
  const perSize: Record<string, any> = {};
  for (const rows of sizes) {
    const m = stats(runs.filter((r) => r.rows === rows && r.tool === 'mlkit'));
    const p = py ? stats(runs.filter((r) => r.rows === rows && r.tool === 'python')) : null;
    const pyStages = runs.filter((r) => r.rows === rows && r.tool === 'python' && r.ok && r.stages).map((r) => r.stages!);
    perSize[String(rows)] = {
      mlkit: m, python: p,
      pythonStages: pyStages.length ? Object.fromEntries(Object.keys(pyStages[0]!).map((k) => [k, round(median(pyStages.map((s) => s[k]!)), 3)])) : null,
      ratios: { time: p ? ratio(m.wallSeconds, p.wallSeconds) : null, memory: p ? ratio(m.maxRssMiB, p.maxRssMiB) : null },
    };
  }
  const timeRatios = sizes.map((n) => perSize[String(n)].ratios.time as number | null);
  const peaks = sizes.map((n) => perSize[String(n)].mlkit.maxRssMiB as number | null);
  const small = perSize['1000000']?.mlkit.maxRssMiB as number | null | undefined;
  const big = perSize[String(BIG)]?.mlkit.maxRssMiB as number | null | undefined;
  const flat = small && big ? round(big / small, 3) : null;
  const allMet = (xs: (number | null)[], ok: (x: number) => boolean) => (xs.some((x) => x === null) ? null : xs.every((x) => ok(x!)));
  const targets = {
    time: {
      target: `mlkit wall time <= ${TARGETS.timeRatio}x Python's, at every size`,
      ratios: Object.fromEntries(sizes.map((n, i) => [String(n), timeRatios[i]])),
      met: py ? allMet(timeRatios, (x) => x <= TARGETS.timeRatio) : null,
    },
    memory: {
      target: `mlkit peak RSS < ${TARGETS.peakMiB} MiB, at every size`,
      peakMiB: Object.fromEntries(sizes.map((n, i) => [String(n), peaks[i]])),
      met: allMet(peaks, (x) => x < TARGETS.peakMiB),
    },
    flat: {
      target: `mlkit peak RSS about the same at ${BIG} and 1000000 rows: peak(10M) / peak(1M) <= ${TARGETS.flat}`,
      ratio: flat,
      met: flat === null ? null : flat <= TARGETS.flat,
    },
  };

  const result = {
    machine,
    data: {
      generatorVersion: GENERATOR_VERSION, seed: SEED, cols: COLS, missingRate: MISSING_RATE, categoricalLevels: CAT_LEVELS,
      train: { file: train.file, rows: trainRows, bytes: statSync(train.file).size, generatedSeconds: train.generatedSeconds === null ? 'cached' : round(train.generatedSeconds, 1) },
      inputs: inputs.map((x) => ({ file: x.file, rows: x.rows, bytes: statSync(x.file).size, generatedSeconds: x.generatedSeconds === null ? 'cached' : round(x.generatedSeconds, 1) })),
    },
    params: { objective: 'binary:logistic', ...PARAMS, categorical: 'native (mlkit pipeline auto; Python pandas category dtype + enable_categorical)' },
    training,
    repeat: Object.fromEntries(sizes.map((n) => [String(n), repeatsFor(n)])),
    order: 'per size (ascending): alternating mlkit, python, mlkit, python, ...; each after sync and a wait for a quiet machine',
    commands: {
      mlkit: `node bin/mlkit predict -m ${bundle} <data.csv> --out <out.csv> --quiet`,
      python: py ? `${py.exe} bench/python/predict_bench.py predict ${pyModel} <data.csv> <out.csv>` : null,
    },
    medians: perSize,
    targets,
    checks,
    runs,
    notes,
  };

  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const metS = (m: boolean | null) => (m === null ? 'n/a' : m ? 'MET' : 'MISSED');
  const ag = checks.agreement as any;
  const summary = [
    `${machine.cores} cores, node ${process.version}, ${String(info.libxgboost ?? 'libxgboost ?')}${py ? `; ${py.exe}: xgboost ${py.xgboost}, pandas ${py.pandas}` : ''}; model trained on ${trainRows} rows`,
    `quiet-machine check before each run (wait up to ${waitIdle} s): ${noisy.length ? `${noisy.length} run(s) started busy` : 'all runs started quiet'}`,
    ...sizes.flatMap((n) => {
      const s = perSize[String(n)];
      const rr = (tool: Run['tool']) => runs.filter((r) => r.rows === n && r.tool === tool).map((r) => `${f(r.wallSeconds)}s/${f(r.maxRssMiB, 0)}MiB`).join(', ');
      return [
        `${n} rows: mlkit  median ${f(s.mlkit.wallSeconds)} s, ${f(s.mlkit.maxRssMiB, 0)} MiB peak  (runs: ${rr('mlkit')})`,
        s.python ? `${n} rows: python median ${f(s.python.wallSeconds)} s, ${f(s.python.maxRssMiB, 0)} MiB peak  (runs: ${rr('python')})` : `${n} rows: python absent`,
        `${n} rows: ratio mlkit/python time ${f(s.ratios.time, 3)}, memory ${f(s.ratios.memory, 3)}`,
      ];
    }),
    `time   target (mlkit <= ${TARGETS.timeRatio}x python): ${metS(targets.time.met)}`,
    `memory target (mlkit peak < ${TARGETS.peakMiB} MiB): ${metS(targets.memory.met)}`,
    `flat   target (peak 10M / peak 1M <= ${TARGETS.flat}): ${f(flat, 3)}: ${metS(targets.flat.met)}`,
    `row counts: ${sizes.map((n) => { const e = (checks.rowCounts as any)[String(n)]; return `${n}: mlkit ${e.mlkit ?? 'n/a'}, python ${e.python ?? 'n/a'}`; }).join('; ')}`,
    ag ? `agreement on ${ag.inputRows} rows: max |proba diff| mlkit vs python ${ag.maxAbsDiff ?? 'n/a'}, same class ${ag.predictionAgreement ?? 'n/a'}; mlkit output vs python with mlkit's model ${ag.maxAbsDiffMlkitOutputVsPythonWithMlkitModel ?? 'n/a'}` : 'agreement: n/a',
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'predict',
  description: 'predict, CSV in / CSV out, 1M and 10M x 12 rows: mlkit vs pandas + Python xgboost, whole process',
  run,
};
export default bench;
