/**
 * ARIMA benchmark: ARIMA(2,1,2) fitted per series and forecast 24 steps ahead (90% intervals), mlkit
 * (the `arima` forecaster, ctsa in WASM) versus statsmodels (statsmodels.tsa.arima.model.ARIMA), on
 *   - panel:  1,000 generated series of 200 hourly points (one CSV: id,t,y);
 *   - hourly: one generated 10,000-point hourly series (ds,y). mlkit's arima package fits at most
 *     7,936 values per series (it warns and fits the most recent 7,936), so statsmodels is given the same
 *     most recent 7,936 points.
 * Every run is a whole process under GNU time (wall time, peak RSS): `mlkit train CONFIG` then
 * `mlkit forecast --model DIR --out FILE.csv` (reported separately and summed; mlkit's forecast refits
 * each series from the stored history: the bundle keeps the call, not the coefficients), and
 * `bench/python/arima_bench.py fit` (read_csv, fit + get_forecast per series, to_csv).
 * Target (the issue's): mlkit faster, time ratio mlkit (train + forecast) / statsmodels < 1 on the panel.
 * Untimed afterwards: agreement of the forecasts (mean |mlkit - statsmodels| / the series' scale), the
 * errors of both against the 24 held-out points the generator produced, and mlkit's fallback warnings
 * (one stderr line per series whose fit diverged and was redone differently) next to statsmodels'
 * ConvergenceWarnings.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { busyCores, waitForIdle, type IdleWait } from './lib/idle.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { flagOption, intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { gaussian, rng } from '../src/core/random.js';
import { findPython, type PythonInfo } from './lib/python.js';
import { warmPageCache } from './lib/data.js';

const SEED = 20240601;
/** bump when a generator changes, so cached CSVs from an older generator are not reused */
const GENERATOR_VERSION = 1;
const HORIZON = 24;
const LEVEL = 0.9;
const ORDER = [2, 1, 2] as const;
/** mlkit's cap on the values the arima package fits per series (model.params.max_length default, MAX_STACK_VALUES) */
const MLKIT_MAX_LENGTH = 7936;
const MB = 1024; // KiB per MiB

// ------------------------------------------------------------------------------------------------
// Data

/** Partial autocorrelations (each in (-1, 1)) -> the coefficients of a stationary AR polynomial (Durbin-Levinson). */
export function pacfToAr(k: number[]): number[] {
  let phi: number[] = [];
  for (let m = 0; m < k.length; m++) {
    const km = k[m]!;
    const next = phi.map((v, j) => v - km * phi[m - 1 - j]!);
    next.push(km);
    phi = next;
  }
  return phi;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19); // 2024-01-01T00:00:00 (UTC wall clock)

function writeLines(file: string, header: string, lines: Iterable<string>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header + '\n');
    let buf: string[] = [];
    for (const l of lines) {
      buf.push(l);
      if (buf.length >= 20000) {
        writeSync(fd, buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length) writeSync(fd, buf.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * The panel (generator v1): `series` series of `length` hourly points from 2024-01-01T00:00:00, ids
 * s0001..; each is an ARIMA(2,1,2) without constant: the differences w follow
 * w_t = phi1 w_t-1 + phi2 w_t-2 + e_t + theta1 e_t-1 + theta2 e_t-2, e ~ N(0, sigma^2), with phi from
 * partial autocorrelations uniform on (-0.8, 0.8) (stationary) and theta = -(the same map of two more)
 * (invertible), sigma log-uniform on [0.2, 5], 100 burn-in steps; y starts at a level uniform on
 * [20, 1000]. Values are written with 4 decimals. The next `horizon` points of each series are written
 * to `actuals` (same columns), for scoring the forecasts; they are not in the data.
 */
export function generatePanel(file: string, actuals: string, series: number, length: number, horizon: number, seed: number): void {
  const u = rng(seed);
  const normal = gaussian(u);
  const t0 = Date.UTC(2024, 0, 1);
  const stamps = Array.from({ length: length + horizon }, (_, i) => iso(t0 + i * HOUR));
  const width = String(series).length;
  const data: string[] = [];
  const future: string[] = [];
  const n = length + horizon;
  for (let s = 0; s < series; s++) {
    const id = `s${String(s + 1).padStart(Math.max(4, width), '0')}`;
    const uni = (a: number, b: number) => a + (b - a) * u();
    const phi = pacfToAr([uni(-0.8, 0.8), uni(-0.8, 0.8)]);
    const theta = pacfToAr([uni(-0.8, 0.8), uni(-0.8, 0.8)]).map((v) => -v);
    const sigma = Math.exp(uni(Math.log(0.2), Math.log(5)));
    let y = uni(20, 1000);
    let w1 = 0, w2 = 0, e1 = 0, e2 = 0;
    for (let i = -100; i < n; i++) {
      const e = sigma * normal();
      const w = phi[0]! * w1 + phi[1]! * w2 + e + theta[0]! * e1 + theta[1]! * e2;
      w2 = w1; w1 = w; e2 = e1; e1 = e;
      if (i < 0) continue;
      y += w;
      (i < length ? data : future).push(`${id},${stamps[i]},${y.toFixed(4)}`);
    }
  }
  writeLines(actuals, 'id,t,y', future);
  writeLines(file, 'id,t,y', data); // last: its presence means both files are complete
}

/**
 * The hourly series (generator v1): `points` hourly values from 2023-01-01T00:00:00,
 * y_t = 200 + 15 sin(2 pi t/24) + 6 cos(4 pi t/24 + 0.3) + 4 sin(2 pi t/168) + r_t + a_t, with r a
 * random walk (steps N(0, 0.3^2)) and a an AR(1) (phi 0.7, innovations N(0, 2^2)); 4 decimals. The next
 * `horizon` values go to `actuals`.
 */
export function generateHourly(file: string, actuals: string, points: number, horizon: number, seed: number): void {
  const u = rng(seed);
  const normal = gaussian(u);
  const t0 = Date.UTC(2023, 0, 1);
  const data: string[] = [];
  const future: string[] = [];
  let r = 0, a = 0;
  for (let t = 0; t < points + horizon; t++) {
    r += 0.3 * normal();
    a = 0.7 * a + 2 * normal();
    const y = 200 + 15 * Math.sin((2 * Math.PI * t) / 24) + 6 * Math.cos((4 * Math.PI * t) / 24 + 0.3) + 4 * Math.sin((2 * Math.PI * t) / 168) + r + a;
    (t < points ? data : future).push(`${iso(t0 + t * HOUR)},${y.toFixed(4)}`);
  }
  writeLines(actuals, 'ds,y', future);
  writeLines(file, 'ds,y', data);
}

interface DataFiles { file: string; actuals: string; generatedSeconds: number | null }

function cached(opts: BenchOptions, base: string, what: string, gen: (file: string, actuals: string) => void): DataFiles {
  const file = join(opts.dataDir, `${base}.csv`);
  const actuals = join(opts.dataDir, `${base}-actuals.csv`);
  if (existsSync(file) && existsSync(actuals)) return { file, actuals, generatedSeconds: null };
  opts.log(`generating ${what} (cached in ${file}) ...`);
  const t0 = performance.now();
  gen(file, actuals);
  const s = (performance.now() - t0) / 1000;
  opts.log(`generated ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB in ${s.toFixed(1)} s`);
  return { file, actuals, generatedSeconds: s };
}

// ------------------------------------------------------------------------------------------------
// Cases

interface Case {
  name: 'panel' | 'hourly';
  data: DataFiles;
  /** columns */
  id: string | null;
  time: string;
  target: string;
  series: number;
  points: number;
  /** ARIMA orders: [p, d, q] and [P, D, Q, s] (zeros: none) */
  order: number[];
  seasonal: number[];
  /** points statsmodels is given per series (mlkit's cap), null = all */
  tail: number | null;
  cfg: string;
  bundle: string;
  mlkitOut: string;
  pyOut: string;
}

function writeConfig(c: Omit<Case, 'cfg'>, cfg: string): void {
  const [p, d, q] = c.order;
  const [P, D, Q, s] = c.seasonal;
  const params = `{ p: ${p}, d: ${d}, q: ${q}${P! + D! + Q! > 0 ? `, P: ${P}, D: ${D}, Q: ${Q}, s: ${s}` : ''} }`;
  const yaml = `# generated by bench/arima.ts (${c.name}): the same model as bench/python/arima_bench.py
task: forecast
data:
  train: ${JSON.stringify(c.data.file)}
  time: ${c.time}
  target: ${c.target}
${c.id ? `  id: ${c.id}\n` : ''}  freq: h
model:
  type: arima
  params: ${params}
forecast: { horizon: ${HORIZON}, level: ${LEVEL} }
output: { dir: ${JSON.stringify(c.bundle)} }
`;
  writeFileSync(cfg, yaml);
}

const describe = (order: number[], seasonal: number[]) =>
  `ARIMA(${order.join(',')})${seasonal[0]! + seasonal[1]! + seasonal[2]! > 0 ? `(${seasonal.slice(0, 3).join(',')})[${seasonal[3]}]` : ''}`;

function parseOrder(raw: string | undefined, n: number, what: string): number[] | null {
  if (raw === undefined || raw === '') return null;
  const v = raw.split(',').map((x) => Number(x.trim()));
  if (v.length !== n || v.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--${what}: expected ${n} non-negative integers separated by commas, got ${JSON.stringify(raw)}`);
  return v;
}

// ------------------------------------------------------------------------------------------------
// Runs

type Tool = 'mlkit-train' | 'mlkit-forecast' | 'python';

interface Run {
  case: Case['name'];
  tool: Tool;
  index: number;
  wallSeconds: number;
  maxRssMiB: number | null;
  userSeconds: number | null;
  sysSeconds: number | null;
  ok: boolean;
  timedOut?: boolean;
  method: Measurement['method'];
  /** 1-minute load average just before the run */
  loadBefore: number;
  /** cores busy in the 1 s sample before the run, the wait for a quiet machine, and whether it came */
  busyCoresBefore: number | null;
  waitedSeconds: number;
  quietStart: boolean;
  /** mlkit: stderr warning lines, by kind */
  fallbackWarnings?: number;
  capWarnings?: number;
  otherWarnings?: number;
  fallbackIds?: string[];
  /** fallback warnings by "what failed -> what was used" */
  fallbackKinds?: Record<string, number>;
  otherWarningSample?: string[];
  capNote?: string;
  /** python: what the script reports about itself */
  python?: { seconds: Record<string, number>; warnings: Record<string, number>; warningMessages: Record<string, number>; seriesWithConvergenceWarning: number; convergenceIds: string[]; failures: unknown[] };
  error?: string;
}

const FALLBACK_RE = /; used .+ instead$/;
const CAP_RE = /the arima package fits at most (\d+) values.*fitting the most recent (\d+)/;

/** mlkit's warning lines on stderr (the info lines are the summary: "arima: N series, ...", "model bundle: ..."). */
function mlkitWarnings(stderr: string) {
  const lines = stderr.split('\n').map((l) => l.replace(/\u001b\[[0-9;]*m/g, '')).filter((l) => l.trim());
  const fallback = lines.filter((l) => FALLBACK_RE.test(l));
  const cap = lines.filter((l) => CAP_RE.test(l));
  const ids = fallback.map((l) => /^series "(.*?)": /.exec(l)?.[1] ?? '');
  // what failed and what was used instead: 'ARIMA(2,1,2): the optimiser failed (return code 15); used ARIMA(2,1,2) (mle, lbfgs) instead'
  const kinds: Record<string, number> = {};
  for (const l of fallback) {
    const m = /^(?:series ".*?": )?(.*?): (.*); used (.+) instead$/.exec(l);
    const k = m ? `${m[2]} -> ${m[3]}` : l;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  const info = /^(arima: |  orders: |  ARIMA|  AutoARIMA|  \d+ series fell back|model bundle: |\d+ forecast\(s\))/;
  const other = lines.filter((l) => !FALLBACK_RE.test(l) && !CAP_RE.test(l) && !info.test(l));
  return { fallback: fallback.length, cap: cap.length, capLine: cap[0], ids, kinds, other: other.length, otherSample: other.slice(0, 3) };
}

function toRun(c: Case, tool: Tool, index: number, m: Measurement, loadBefore: number, idle: IdleWait): Run {
  const ok = m.exitCode === 0 && !m.timedOut;
  const run: Run = {
    case: c.name, tool, index, wallSeconds: round(m.wallSeconds, 3)!, maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / MB, 1),
    userSeconds: m.userSeconds, sysSeconds: m.sysSeconds, ok, method: m.method, loadBefore: round(loadBefore, 2)!,
    busyCoresBefore: round(idle.busyCores, 2), waitedSeconds: idle.waitedSeconds, quietStart: idle.quiet,
  };
  if (m.timedOut) run.timedOut = true;
  if (tool !== 'python') {
    const w = mlkitWarnings(m.stderr);
    run.fallbackWarnings = w.fallback;
    run.capWarnings = w.cap;
    run.otherWarnings = w.other;
    run.fallbackIds = w.ids;
    run.fallbackKinds = w.kinds;
    if (w.other) run.otherWarningSample = w.otherSample;
    if (w.capLine) run.capNote = w.capLine;
  } else {
    try {
      const j = JSON.parse(m.stdout.trim().split('\n').pop()!) as { seconds: Record<string, number>; warnings: Record<string, number>; warning_messages: Record<string, number>; series_with_convergence_warning: number; convergence_warning_ids: string[]; failures: unknown[] };
      run.python = { seconds: j.seconds, warnings: j.warnings, warningMessages: j.warning_messages, seriesWithConvergenceWarning: j.series_with_convergence_warning, convergenceIds: j.convergence_warning_ids, failures: j.failures };
    } catch {
      /* failed run */
    }
  }
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

function mlkitInfo(opts: BenchOptions): { mlkit: string | null; arimaPackage: string | null } {
  const r = spawnSync(process.execPath, [join(opts.root, 'bin', 'mlkit'), '--version'], { encoding: 'utf8', timeout: 60000 });
  let arima: string | null = null;
  try {
    arima = (JSON.parse(readFileSync(join(opts.root, 'node_modules', 'arima', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    /* unknown */
  }
  return { mlkit: r.stdout.trim() || null, arimaPackage: arima };
}

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 2));
  const nSeries = Math.max(1, intOption(opts, 'series', 'BENCH_SERIES', 1000));
  const length = Math.max(30, intOption(opts, 'length', 'BENCH_LENGTH', 200));
  const hourlyPoints = intOption(opts, 'hourly-points', 'BENCH_HOURLY_POINTS', 10_000);
  const noPython = flagOption(opts, 'no-python', 'BENCH_NO_PYTHON');
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 120);
  const timeout = intOption(opts, 'timeout', 'BENCH_TIMEOUT', 1800);
  const hourlyOrder = parseOrder(opts.args['hourly-order'] ?? process.env.BENCH_HOURLY_ORDER, 3, 'hourly-order') ?? [...ORDER];
  const hourlySeasonal = parseOrder(opts.args['hourly-seasonal'] ?? process.env.BENCH_HOURLY_SEASONAL, 4, 'hourly-seasonal') ?? [0, 0, 0, 0];
  const quiet = () => waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
  const notes: string[] = [];
  if (hourlyOrder.join(',') !== ORDER.join(',') || hourlySeasonal.some((x) => x > 0)) notes.push(`hourly: ${describe(hourlyOrder, hourlySeasonal)} (--hourly-order / --hourly-seasonal), not the default ARIMA(2,1,2)`);
  if (nSeries !== 1000 || length !== 200) notes.push(`panel: ${nSeries} series x ${length} points, not the issue's 1,000 x 200`);

  const panelData = cached(opts, `arima-panel-${nSeries}x${length}-h${HORIZON}-seed${SEED}-v${GENERATOR_VERSION}`, `${nSeries} ARIMA(2,1,2) series of ${length} points`,
    (f, a) => generatePanel(f, a, nSeries, length, HORIZON, SEED));
  const hourlyData = hourlyPoints > 0
    ? cached(opts, `arima-hourly-${hourlyPoints}-h${HORIZON}-seed${SEED + 1}-v${GENERATOR_VERSION}`, `a ${hourlyPoints}-point hourly series`,
      (f, a) => generateHourly(f, a, hourlyPoints, HORIZON, SEED + 1))
    : null;

  const outRoot = join(opts.dataDir, 'arima-out');
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  const cases: Case[] = [];
  const mk = (c: Omit<Case, 'cfg' | 'bundle' | 'mlkitOut' | 'pyOut'>): Case => {
    const full = { ...c, bundle: join(outRoot, `${c.name}-mlkit-bundle`), mlkitOut: join(outRoot, `${c.name}-mlkit-forecast.csv`), pyOut: join(outRoot, `${c.name}-python-forecast.csv`) };
    const cfg = join(opts.dataDir, `arima-bench-${c.name}.yaml`);
    writeConfig(full, cfg);
    return { ...full, cfg };
  };
  cases.push(mk({ name: 'panel', data: panelData, id: 'id', time: 't', target: 'y', series: nSeries, points: length, order: [...ORDER], seasonal: [0, 0, 0, 0], tail: null }));
  if (hourlyData) {
    cases.push(mk({ name: 'hourly', data: hourlyData, id: null, time: 'ds', target: 'y', series: 1, points: hourlyPoints, order: hourlyOrder, seasonal: hourlySeasonal, tail: hourlyPoints > MLKIT_MAX_LENGTH ? MLKIT_MAX_LENGTH : null }));
  }
  const mlkitBin = join(opts.root, 'bin', 'mlkit');
  const pyScript = join(opts.root, 'bench', 'python', 'arima_bench.py');

  const tried: string[] = [];
  const py: PythonInfo | null = noPython ? null : findPython(opts, ['statsmodels', 'pandas', 'numpy'], tried);
  if (noPython) notes.push('python skipped (--no-python)');
  else if (!py) notes.push(`no python with statsmodels, pandas and numpy found (${tried.join('; ')}): ratios skipped`);
  else opts.log(`python: ${py.exe} (Python ${py.version}, statsmodels ${py.statsmodels}, pandas ${py.pandas}, numpy ${py.numpy})`);
  if (py && tried.length) notes.push(`python: skipped ${tried.join('; ')}`);
  if (!hasGnuTime()) notes.push('GNU time not found: wall time measured here, peak RSS self-reported by each process');

  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...mlkitInfo(opts), python: py, gnuTime: hasGnuTime(),
  };
  const loadAtStart = { loadavg: loadavg().map((x) => round(x, 2)), busyCores: round(await busyCores(1000), 2) };

  // warm-up (untimed): page cache, node + the CLI, python's imports
  opts.log('warming the page cache ...');
  for (const c of cases) await warmPageCache(c.data.file);
  spawnSync(process.execPath, [mlkitBin, '--version'], { stdio: 'ignore' });
  if (py) spawnSync(py.exe, ['-c', 'import pandas, statsmodels.tsa.arima.model'], { stdio: 'ignore' });

  const runs: Run[] = [];
  const timed = async (c: Case, tool: Tool, i: number, exe: string, args: string[]): Promise<Run> => {
    const idle = await quiet();
    const load = loadavg()[0]!;
    const m = await measure(exe, args, {
      cwd: opts.root,
      timeoutMs: timeout * 1000,
      rssFromStdout: (out) => {
        try {
          return (JSON.parse(out.trim().split('\n').pop()!) as { peak_rss_kb: number }).peak_rss_kb ?? null;
        } catch {
          return null;
        }
      },
    });
    const r = toRun(c, tool, i, m, load, idle);
    runs.push(r);
    const extra = tool === 'python'
      ? (r.python ? `  (import ${r.python.seconds.import} s, read_csv ${r.python.seconds.read_csv} s, fit+forecast ${r.python.seconds.fit_forecast} s; ${r.python.seriesWithConvergenceWarning} series with ConvergenceWarning${r.python.failures.length ? `, ${r.python.failures.length} failed` : ''})` : '')
      : `  (${r.fallbackWarnings} fallback warning(s)${r.capWarnings ? `, ${r.capWarnings} length-cap warning(s)` : ''})`;
    opts.log(`${c.name} ${tool.padEnd(14)} #${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${r.maxRssMiB ?? '?'} MiB, load ${r.loadBefore}${extra}${r.ok ? '' : `  FAILED${r.timedOut ? ' (timeout)' : ''}: ${r.error}`}`);
    return r;
  };

  for (let i = 0; i < repeat; i++) {
    for (const c of cases) {
      rmSync(c.bundle, { recursive: true, force: true });
      const tr = await timed(c, 'mlkit-train', i, process.execPath, [mlkitBin, 'train', c.cfg]);
      if (tr.ok) await timed(c, 'mlkit-forecast', i, process.execPath, [mlkitBin, 'forecast', '--model', c.bundle, '--out', c.mlkitOut]);
      if (py) {
        const spec = { id: c.id, target: c.target, order: c.order, seasonal_order: c.seasonal, horizon: HORIZON, level: LEVEL, tail: c.tail };
        await timed(c, 'python', i, py.exe, [pyScript, 'fit', c.data.file, c.pyOut, JSON.stringify(spec)]);
      }
    }
  }

  // untimed: agreement, errors against the held-out points, fallbacks
  opts.log('comparing the forecasts (untimed) ...');
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b > 0 ? round(a / b, 3) : null);
  const perCase: Record<string, unknown> = {};
  const summaryLines: string[] = [];
  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  for (const c of cases) {
    const of = (tool: Tool) => runs.filter((r) => r.case === c.name && r.tool === tool);
    const train = of('mlkit-train'), fc = of('mlkit-forecast'), pyRuns = of('python');
    // per repeat: train + forecast, and the larger peak of the two processes
    const sums: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t = train.find((r) => r.index === i && r.ok), g = fc.find((r) => r.index === i && r.ok);
      if (t && g) {
        sums.push(t.wallSeconds + g.wallSeconds);
        peaks.push(Math.max(t.maxRssMiB ?? NaN, g.maxRssMiB ?? NaN));
      }
    }
    const mlkit = {
      train: stats(train),
      forecast: stats(fc),
      trainPlusForecastSeconds: round(median(sums), 3),
      peakRssMiB: round(median(peaks), 1),
    };
    const python = py ? stats(pyRuns) : null;
    const lastTrain = [...train].reverse().find((r) => r.ok);
    const lastFc = [...fc].reverse().find((r) => r.ok);
    const lastPy = [...pyRuns].reverse().find((r) => r.ok);
    const fallback = {
      train: lastTrain?.fallbackWarnings ?? null,
      forecast: lastFc?.fallbackWarnings ?? null,
      perRun: train.map((r) => r.fallbackWarnings ?? null),
      kinds: lastTrain?.fallbackKinds ?? null,
      ids: (lastTrain?.fallbackIds ?? []).slice(0, 50),
      lengthCapWarning: lastTrain?.capNote ?? null,
      otherWarningLines: lastTrain?.otherWarnings ?? null,
      otherWarningSample: lastTrain?.otherWarningSample ?? [],
    };
    const pyWarn = lastPy?.python
      ? { seriesWithConvergenceWarning: lastPy.python.seriesWithConvergenceWarning, warningsByCategory: lastPy.python.warnings, warningMessages: lastPy.python.warningMessages, failures: lastPy.python.failures, convergenceIds: lastPy.python.convergenceIds.slice(0, 50) }
      : null;
    let agreement: Record<string, unknown> | null = null;
    if (py && lastFc && lastPy && existsSync(c.mlkitOut) && existsSync(c.pyOut)) {
      const spec = {
        data: c.data.file, actuals: c.data.actuals, mlkit: c.mlkitOut, python: c.pyOut, id: c.id, target: c.target, horizon: HORIZON, tail: c.tail,
        mlkit_fallback_ids: lastTrain?.fallbackIds ?? [], python_convergence_ids: lastPy.python?.convergenceIds ?? [],
      };
      const r = spawnSync(py.exe, [pyScript, 'compare', JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 26 });
      try {
        agreement = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      } catch {
        agreement = { error: (r.stderr || `exit ${r.status}`).trim().slice(-500) };
      }
    }
    const timeRatio = python ? ratio(mlkit.trainPlusForecastSeconds, python.wallSeconds) : null;
    const trainOnlyRatio = python ? ratio(mlkit.train.wallSeconds, python.wallSeconds) : null;
    const memRatio = python ? ratio(mlkit.peakRssMiB, python.maxRssMiB) : null;
    const capped = c.tail !== null;
    if (capped && lastTrain && !lastTrain.capNote) notes.push(`${c.name}: expected mlkit's length-cap warning (${MLKIT_MAX_LENGTH} points) and saw none`);
    const capMatch = lastTrain?.capNote ? CAP_RE.exec(lastTrain.capNote) : null;
    if (capMatch && Number(capMatch[2]) !== c.tail) notes.push(`${c.name}: mlkit fitted the most recent ${capMatch[2]} points, statsmodels ${c.tail}: not the same data`);
    perCase[c.name] = {
      data: {
        file: c.data.file, actuals: c.data.actuals, bytes: statSync(c.data.file).size, series: c.series, pointsPerSeries: c.points,
        generatedSeconds: c.data.generatedSeconds === null ? 'cached' : round(c.data.generatedSeconds, 2),
      },
      model: describe(c.order, c.seasonal),
      pointsFitted: capped
        ? { mlkit: capMatch ? Number(capMatch[2]) : MLKIT_MAX_LENGTH, statsmodels: c.tail, note: `mlkit's arima package fits at most ${MLKIT_MAX_LENGTH} values per series (it warns and fits the most recent ${MLKIT_MAX_LENGTH}); statsmodels is given the same most recent ${c.tail} points (arima_bench.py spec "tail")` }
        : { mlkit: c.points, statsmodels: c.points },
      config: c.cfg,
      mlkit,
      python,
      pythonStages: median(pyRuns.filter((r) => r.python).map((r) => r.python!.seconds.fit_forecast!)) === null ? null
        : Object.fromEntries(Object.keys(pyRuns.find((r) => r.python)!.python!.seconds).map((k) => [k, round(median(pyRuns.filter((r) => r.python).map((r) => r.python!.seconds[k]!)), 3)])),
      ratios: { timeTrainPlusForecast: timeRatio, timeTrainOnly: trainOnlyRatio, peakMemory: memRatio },
      mlkitFallbackWarnings: fallback,
      pythonWarnings: pyWarn,
      agreement,
    };
    const ag = agreement as any;
    summaryLines.push(
      `${c.name}: ${c.series} series x ${c.points} points${capped ? ` (both fit the most recent ${c.tail})` : ''}, ${describe(c.order, c.seasonal)}, horizon ${HORIZON}`,
      `  mlkit:  train ${f(mlkit.train.wallSeconds)} s / ${f(mlkit.train.maxRssMiB, 0)} MiB, forecast ${f(mlkit.forecast.wallSeconds)} s / ${f(mlkit.forecast.maxRssMiB, 0)} MiB, sum ${f(mlkit.trainPlusForecastSeconds)} s`,
      python ? `  python: ${f(python.wallSeconds)} s / ${f(python.maxRssMiB, 0)} MiB (statsmodels ARIMA, fit + get_forecast)` : '  python: absent (no ratios)',
      `  ratio mlkit/statsmodels: time ${f(timeRatio, 3)} (train only ${f(trainOnlyRatio, 3)}), peak memory ${f(memRatio, 3)}`,
      `  mlkit fallback warnings: train ${fallback.train ?? 'n/a'}, forecast ${fallback.forecast ?? 'n/a'}; statsmodels: ${pyWarn ? `${pyWarn.seriesWithConvergenceWarning} series with ConvergenceWarning, ${pyWarn.failures.length} failed` : 'n/a'}`,
      ...Object.entries(fallback.kinds ?? {}).map(([k, n]) => `    ${n} x ${k}`),
      ag && !ag.error
        ? `  agreement: mean |mlkit - statsmodels| / scale: mean ${f(ag.relMeanAbsDiff?.mean, 3)}, median ${f(ag.relMeanAbsDiff?.median, 3)}, p90 ${f(ag.relMeanAbsDiff?.p90, 3)}, max ${f(ag.relMeanAbsDiff?.max, 3)}${ag.vsActuals ? `; MASE vs held-out: mlkit ${f(ag.vsActuals.maseMlkit?.mean, 3)}, statsmodels ${f(ag.vsActuals.masePython?.mean, 3)} (mean)` : ''}`
        : `  agreement: ${ag?.error ? `failed: ${ag.error}` : 'n/a'}`,
    );
  }

  const noisy = runs.filter((r) => !r.quietStart);
  if (noisy.length) notes.push(`${noisy.length} run(s) started while other processes kept the machine busy (after waiting ${waitIdle} s): ${noisy.map((r) => `${r.case} ${r.tool} #${r.index + 1} (busy cores ${r.busyCoresBefore})`).join(', ')}; their times are inflated`);
  const failed = runs.filter((r) => !r.ok);
  if (failed.length) notes.push(`${failed.length} run(s) failed: ${failed.map((r) => `${r.case} ${r.tool} #${r.index + 1}`).join(', ')}`);

  const panel = perCase.panel as { ratios: { timeTrainPlusForecast: number | null } };
  const tr = panel.ratios.timeTrainPlusForecast;
  const target = {
    description: "the issue's: ARIMA(2,1,2) on 1,000 series of length 200 with 24-step forecasts, mlkit faster than statsmodels: whole-process wall time of mlkit train + mlkit forecast over python (read_csv, fit + get_forecast per series, to_csv)",
    target: 1,
    ratio: tr,
    met: tr === null ? null : tr < 1,
  };
  const result = {
    machine,
    loadAtStart,
    seed: SEED,
    generatorVersion: GENERATOR_VERSION,
    horizon: HORIZON,
    level: LEVEL,
    repeat,
    order: 'per repeat and case (panel, then hourly): mlkit train, mlkit forecast, python; each after a wait for a quiet machine',
    sides: {
      mlkit: '`node bin/mlkit train CONFIG` (task forecast, model arima with fixed orders, defaults: css-mle, lbfgs, fallback on), then `node bin/mlkit forecast --model BUNDLE --out FILE.csv` (which refits each series from the stored history: the bundle keeps the call and a hash of the data, not the coefficients)',
      python: 'bench/python/arima_bench.py fit: pandas.read_csv, per series statsmodels.tsa.arima.model.ARIMA(y, order, seasonal_order).fit() (defaults: state-space exact MLE, L-BFGS, no constant with d > 0), get_forecast(24) mean + conf_int(alpha=0.1), to_csv; warnings recorded and counted, not printed',
    },
    target,
    cases: perCase,
    runs,
    notes,
  };
  const summary = [
    `${machine.cores} cores, node ${process.version}, mlkit ${String(machine.mlkit)}, arima ${String(machine.arimaPackage)}${py ? `, python ${py.version} statsmodels ${py.statsmodels} (${py.exe})` : ''}; load average at start ${loadAtStart.loadavg.join(' ')}`,
    ...summaryLines,
    `target (panel, mlkit train + forecast / statsmodels < 1): ${f(tr, 3)}: ${target.met === null ? 'n/a' : target.met ? 'MET' : 'MISSED'}`,
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'arima',
  description: 'ARIMA(2,1,2) on 1,000 x 200 series (+ one 10,000-point hourly series), 24-step forecasts: mlkit vs statsmodels, whole process',
  run,
};
export default bench;
