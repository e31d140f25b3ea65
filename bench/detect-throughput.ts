/**
 * Detect throughput benchmark: `mlkit detect` streaming a generated telemetry CSV of 1,000,000 and
 * 10,000,000 rows through three bundles (unsupervised statistical, predictive xgboost, supervised
 * xgboost), each run a whole process under GNU time: wall time and peak RSS, plus mlkit's own rows/s
 * (its summary, `--json` on stdout). Also `cat FILE | mlkit detect -m BUNDLE -` (the stdin path) for
 * the statistical detector at 1M rows.
 *
 * Targets (the issue's): on the 10M stream, statistical >= 200,000 rows/s end to end (rows / wall of the
 * whole process), predictive xgboost >= 50,000 rows/s, and per detector peak RSS the same at 1M and 10M
 * rows: peak(10M) / peak(1M) <= 1.2.
 *
 * The data (generated once per size, cached in bench/data, deterministic, every file a prefix of the same
 * stream): `timestamp` (YYYY-MM-DD HH:MM:SS, 1 s steps), `vib` (a sine of period 600 rows + noise), `temp`
 * (a mean-reverting random walk around 50), `pressure` (a noisy level around 100), `fault` 0/1: a
 * 30-row fault every 4,000-6,000 rows (vib noise x4, pressure +2.5, temp +3), preceded by a 20-row
 * precursor (temp ramps up by 0.15 a row). Training (untimed) on the first 50,000 rows.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { waitForIdle, type IdleWait } from './lib/idle.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { mlkitInfo, gitInfo } from './lib/info.js';
import { cachedData, warmPageCache } from './lib/data.js';
import { gaussian, rng } from '../src/core/random.js';

const SEED = 20240701;
/** bump when the generator changes, so a cached CSV from an older generator is not reused */
const GENERATOR_VERSION = 1;
const DEFAULT_SIZES = [1_000_000, 10_000_000];
const BIG = 10_000_000;
const SMALL = 1_000_000;
const TRAIN_ROWS = 50_000;
const MB = 1024; // KiB per MiB
const CHANNELS = ['vib', 'temp', 'pressure'] as const;
const FAULT_ROWS = 30;
const PRECURSOR_ROWS = 20;
const TARGETS = { statistical: 200_000, predictive: 50_000, flat: 1.2 } as const;

type DetectorName = 'statistical' | 'predictive' | 'supervised';
const DETECTORS: DetectorName[] = ['statistical', 'predictive', 'supervised'];

// ------------------------------------------------------------------------------------------------
// Data

const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * Writes `rows` rows of telemetry, 50,000 rows a write (memory stays small; 10M rows are ~600 MB).
 * Deterministic for a seed; the random draws per row do not depend on `rows`, so the first n rows are
 * the same whatever `rows` is.
 */
export function generateTelemetry(file: string, rows: number, seed: number): void {
  const u = rng(seed);
  const normal = gaussian(u);
  const start = Date.UTC(2024, 0, 1) / 1000;
  let dayIndex = -1;
  let dayPrefix = '';
  let temp = 50;
  // the fault schedule: the next fault starts at nextFault; its precursor PRECURSOR_ROWS rows before
  let nextFault = 4000 + Math.floor(u() * 2000);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `timestamp,${CHANNELS.join(',')},fault\n`);
    const CHUNK = 50_000;
    const lines = new Array<string>(CHUNK);
    for (let s = 0; s < rows; s += CHUNK) {
      const n = Math.min(rows, s + CHUNK) - s;
      for (let k = 0; k < n; k++) {
        const i = s + k;
        if (i >= nextFault + FAULT_ROWS) nextFault = i + 4000 + Math.floor(u() * 2000);
        const t = start + i;
        const day = Math.floor(t / 86400);
        if (day !== dayIndex) {
          dayIndex = day;
          dayPrefix = new Date(day * 86400_000).toISOString().slice(0, 10) + ' ';
        }
        const sod = t - day * 86400;
        const ts = `${dayPrefix}${pad2[Math.floor(sod / 3600)]}:${pad2[Math.floor(sod / 60) % 60]}:${pad2[sod % 60]}`;
        const inFault = i >= nextFault && i < nextFault + FAULT_ROWS;
        const pre = i >= nextFault - PRECURSOR_ROWS && i < nextFault ? i - (nextFault - PRECURSOR_ROWS) + 1 : 0;
        const n1 = normal();
        const n2 = normal();
        const n3 = normal();
        temp += -0.01 * (temp - 50) + 0.1 * n2;
        const vib = 2 * Math.sin((2 * Math.PI * i) / 600) + 0.3 * n1 * (inFault ? 4 : 1);
        const tempOut = temp + 0.15 * pre + (inFault ? 3 : 0);
        const pressure = 100 + 0.5 * n3 + (inFault ? 2.5 : 0);
        lines[k] = `${ts},${vib.toFixed(4)},${tempOut.toFixed(3)},${pressure.toFixed(3)},${inFault ? 1 : 0}`;
      }
      if (n < CHUNK) lines.length = n;
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function ensureData(opts: BenchOptions, rows: number): { file: string; generatedSeconds: number | null } {
  const name = `detect-telemetry-${rows}-seed${SEED}-v${GENERATOR_VERSION}.csv`;
  return cachedData(opts, name, `${rows}-row telemetry CSV`, (file) => generateTelemetry(file, rows, SEED));
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

function configText(det: DetectorName, trainCsv: string, bundleDir: string): string {
  const head = `# generated by bench/detect-throughput.ts\ntask: detect\n`;
  const out = `output: { dir: ${JSON.stringify(bundleDir)} }\nseed: 42\n`;
  switch (det) {
    case 'statistical':
      return `${head}data: { train: ${JSON.stringify(trainCsv)}, time: timestamp }
detect:
  mode: unsupervised
  detector: statistical
  channels: [${CHANNELS.join(', ')}]   # the fault label left out
  threshold: { method: quantile, q: 0.999 }
${out}`;
    case 'predictive':
      return `${head}data: { train: ${JSON.stringify(trainCsv)}, time: timestamp, target: temp }
detect:
  mode: predictive
  threshold: { method: quantile, q: 0.999 }
model: { type: xgboost, params: { lags: 16, num_round: 100 } }
${out}`;
    case 'supervised':
      return `${head}data: { train: ${JSON.stringify(trainCsv)}, time: timestamp }
detect: { mode: supervised, label: fault, lead: 10 }
model: { type: xgboost, params: { num_round: 100 } }
${out}`;
  }
}

// ------------------------------------------------------------------------------------------------
// Runs

interface Run {
  detector: DetectorName;
  input: 'file' | 'stdin';
  rows: number;
  index: number;
  wallSeconds: number;
  /** rows / wall seconds of the whole process (start-up, bundle load, reading, writing included) */
  rowsPerSecond: number | null;
  /** mlkit's own summary: rows/s over its stream (after start-up and the bundle load) */
  mlkitRowsPerSecond: number | null;
  mlkitSeconds: number | null;
  maxRssMiB: number | null;
  userSeconds: number | null;
  sysSeconds: number | null;
  cpuPercent: number | null;
  /** rows in the output file (header excluded) and mlkit's summary */
  rowsOut: number | null;
  summaryRows: number | null;
  anomalies: number | null;
  rowsOk: boolean;
  ok: boolean;
  timedOut?: boolean;
  method: Measurement['method'];
  /** 1-minute load average just before the run (a lagging average) */
  loadBefore: number;
  busyCoresBefore: number | null;
  waitedSeconds: number;
  quietStart: boolean;
  /** the build this run used (others may commit and rebuild while the benchmark runs): HEAD and dist/src's newest .js */
  build: string;
  error?: string;
}

function lastJson(s: string): Record<string, any> | null {
  const lines = s.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l.startsWith('{')) continue;
    try {
      return JSON.parse(l) as Record<string, any>;
    } catch {
      /* not JSON */
    }
  }
  return null;
}



/** HEAD's short hash and the newest modification time of dist/src's .js files: which build a run used. */
function buildStamp(root: string): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || '?';
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const f = join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.js')) newest = Math.max(newest, statSync(f).mtimeMs);
    }
  };
  try {
    walk(join(root, 'dist', 'src'));
  } catch {
    /* no dist */
  }
  return `${head} dist ${newest ? new Date(newest).toISOString() : '?'}`;
}

function parseSizes(raw: string | undefined): number[] {
  if (raw === undefined || raw === '' || raw === 'true') return [...DEFAULT_SIZES];
  const sizes = raw.split(',').map((s) => s.trim().replace(/_/g, '')).filter(Boolean).map((s) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
    if (!m) throw new Error(`--sizes / BENCH_SIZES: expected sizes like 1m,10m or 1000000, got ${JSON.stringify(s)}`);
    const v = Number(m[1]) * (m[2]!.toLowerCase() === 'm' ? 1e6 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--sizes: ${JSON.stringify(s)} is not a positive whole number of rows`);
    return v;
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function parseDetectors(raw: string | undefined): DetectorName[] {
  if (raw === undefined || raw === '' || raw === 'true') return [...DETECTORS];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!DETECTORS.includes(n as DetectorName)) throw new Error(`--detectors: unknown detector ${JSON.stringify(n)} (${DETECTORS.join(', ')})`);
  return DETECTORS.filter((d) => names.includes(d));
}

const sizeLabel = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const sizes = parseSizes(opts.args.sizes ?? process.env.BENCH_SIZES);
  const detectors = parseDetectors(opts.args.detectors ?? process.env.BENCH_DETECTORS);
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 1));
  const repeatBig = Math.max(1, intOption(opts, 'repeat-10m', 'BENCH_REPEAT_10M', 1));
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 60);
  const timeoutMs = intOption(opts, 'timeout', 'BENCH_TIMEOUT', 1800) * 1000;
  const noStdin = opts.args['no-stdin'] !== undefined || !!process.env.BENCH_NO_STDIN;
  const stdinRows = sizes.includes(SMALL) ? SMALL : sizes[0]!;
  const quiet = () => waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
  const repeatsFor = (rows: number) => (rows >= BIG ? repeatBig : repeat);
  const notes: string[] = [];
  if (!hasGnuTime()) notes.push('GNU time not found: wall time measured here, peak RSS self-reported by each process (the stdin run measures only what the shell reports)');

  // data (cached): the training prefix and every size
  const train = ensureData(opts, TRAIN_ROWS);
  const inputs = sizes.map((rows) => ({ rows, ...ensureData(opts, rows) }));

  const outDir = join(opts.dataDir, 'detect-throughput-out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const mlkitBin = join(opts.root, 'bin', 'mlkit');
  const info = mlkitInfo(opts.root);
  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...info, gnuTime: hasGnuTime(), git: gitInfo(opts.root),
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };

  // training (untimed)
  const bundles: Record<string, string> = {};
  const training: Record<string, unknown> = {};
  for (const det of detectors) {
    const bundle = join(outDir, `bundle-${det}`);
    const cfg = join(outDir, `${det}.yaml`);
    writeFileSync(cfg, configText(det, train.file, bundle));
    opts.log(`training ${det} on ${TRAIN_ROWS} rows (untimed) ...`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [mlkitBin, 'train', cfg, '--json', '--quiet'], { cwd: opts.root, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`mlkit train (${det}) failed (exit ${r.status}): ${(r.stderr || '').trim().slice(-1000)}`);
    const rep = lastJson(r.stdout);
    training[det] = { seconds: round((performance.now() - t0) / 1000, 2), config: cfg, bundle, report: rep };
    bundles[det] = bundle;
  }

  spawnSync(process.execPath, [mlkitBin, '--version'], { stdio: 'ignore' }); // warm-up (untimed)

  const outFile = (det: DetectorName, rows: number, input: Run['input']) => join(outDir, `${det}-${rows}${input === 'stdin' ? '-stdin' : ''}.csv`);
  const runOne = async (det: DetectorName, rows: number, file: string, input: Run['input'], i: number): Promise<Run> => {
    const out = outFile(det, rows, input);
    rmSync(out, { force: true });
    spawnSync('sync', { stdio: 'ignore' }); // the previous run's output is not being flushed during this one
    const idle: IdleWait = await quiet();
    const load = loadavg()[0]!;
    const build = buildStamp(opts.root);
    const detectArgs = ['detect', '-m', bundles[det]!, input === 'stdin' ? '-' : file, '--out', out, '--json'];
    const env = { ...process.env, NO_COLOR: '1' };
    const m = input === 'file'
      ? await measure(process.execPath, [mlkitBin, ...detectArgs], { cwd: opts.root, timeoutMs, env })
      : await measure('/bin/bash', ['-c', `set -o pipefail; cat ${JSON.stringify(file)} | ${JSON.stringify(process.execPath)} ${JSON.stringify(mlkitBin)} ${detectArgs.map((a) => JSON.stringify(a)).join(' ')}`], { cwd: opts.root, timeoutMs, env });
    const sum = lastJson(m.stdout);
    const ok = m.exitCode === 0 && !m.timedOut;
    const rowsOut = existsSync(out) ? (await countLines(out)) - 1 : null;
    const cpu = m.userSeconds !== null && m.sysSeconds !== null ? (100 * (m.userSeconds + m.sysSeconds)) / m.wallSeconds : null;
    const r: Run = {
      detector: det, input, rows, index: i, wallSeconds: round(m.wallSeconds, 3)!,
      rowsPerSecond: ok ? Math.round(rows / m.wallSeconds) : null,
      mlkitRowsPerSecond: typeof sum?.rowsPerSecond === 'number' ? sum.rowsPerSecond : null,
      mlkitSeconds: typeof sum?.seconds === 'number' ? round(sum.seconds, 3) : null,
      maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / MB, 1),
      userSeconds: m.userSeconds, sysSeconds: m.sysSeconds, cpuPercent: round(cpu, 0),
      rowsOut, summaryRows: typeof sum?.rows === 'number' ? sum.rows : null, anomalies: typeof sum?.anomalies === 'number' ? sum.anomalies : null,
      rowsOk: rowsOut === rows && (sum?.rows ?? rows) === rows,
      ok, method: m.method,
      loadBefore: round(load, 2)!, busyCoresBefore: round(idle.busyCores, 2), waitedSeconds: idle.waitedSeconds, quietStart: idle.quiet, build,
    };
    if (m.timedOut) r.timedOut = true;
    if (!ok) r.error = (m.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${m.exitCode} signal ${m.signal}${m.timedOut ? ' (timeout)' : ''}`).slice(0, 2000);
    opts.log(`${det.padEnd(11)} ${sizeLabel(rows).padStart(4)} ${input.padEnd(5)} #${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${r.rowsPerSecond ?? '?'} rows/s ` +
      `(mlkit's ${r.mlkitRowsPerSecond ?? '?'}), ${r.maxRssMiB ?? '?'} MiB, rows out ${rowsOut ?? '?'}${r.rowsOk ? '' : ' (MISMATCH)'}, load ${r.loadBefore}` +
      `${r.ok ? '' : `  FAILED: ${r.error}`}`);
    rmSync(out, { force: true }); // 10M outputs are ~400 MB each
    return r;
  };

  const runs: Run[] = [];
  for (const { rows, file } of inputs) {
    opts.log(`${sizeLabel(rows)} rows: warming the page cache (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) ...`);
    await warmPageCache(file);
    for (let i = 0; i < repeatsFor(rows); i++) {
      for (const det of detectors) runs.push(await runOne(det, rows, file, 'file', i));
      if (!noStdin && rows === stdinRows && detectors.includes('statistical')) runs.push(await runOne('statistical', rows, file, 'stdin', i));
    }
  }

  const noisy = runs.filter((r) => !r.quietStart);
  if (noisy.length) notes.push(`${noisy.length} run(s) started while other processes kept the machine busy (after waiting ${waitIdle} s): ${noisy.map((r) => `${r.detector} ${sizeLabel(r.rows)} ${r.input} #${r.index + 1}`).join(', ')}`);
  const builds = [...new Set(runs.map((r) => r.build))];
  const dists = new Set(runs.map((r) => r.build.replace(/^\S+ /, '')));
  if (dists.size > 1) notes.push(`dist was rebuilt during the benchmark (others' changes may be in some runs only): ${builds.join('; ')}; see each run's build`);
  else if (builds.length > 1) notes.push(`HEAD moved during the benchmark but dist was not rebuilt (every run used the same build): ${builds.join('; ')}`);
  const bad = runs.filter((r) => !r.rowsOk);
  if (bad.length) notes.push(`rows out != rows in: ${bad.map((r) => `${r.detector} ${sizeLabel(r.rows)} ${r.input}: ${r.rowsOut ?? 'no output'} of ${r.rows}`).join('; ')}`);

  // medians per detector, input and size
  const group = (det: DetectorName, rows: number, input: Run['input']) => runs.filter((r) => r.detector === det && r.rows === rows && r.input === input && r.ok);
  const medianOf = (rs: Run[]) => rs.length ? {
    runs: rs.length,
    wallSeconds: round(median(rs.map((r) => r.wallSeconds)), 3),
    rowsPerSecond: round(median(rs.map((r) => r.rowsPerSecond ?? NaN)), 0),
    mlkitRowsPerSecond: round(median(rs.map((r) => r.mlkitRowsPerSecond ?? NaN)), 0),
    maxRssMiB: round(median(rs.map((r) => r.maxRssMiB ?? NaN)), 1),
  } : null;
  const medians: Record<string, Record<string, unknown>> = {};
  for (const det of detectors) {
    medians[det] = {};
    for (const rows of sizes) {
      medians[det]![String(rows)] = medianOf(group(det, rows, 'file'));
      if (group(det, rows, 'stdin').length) medians[det]![`${rows}-stdin`] = medianOf(group(det, rows, 'stdin'));
    }
  }

  // targets: throughput on the largest size run (the issue's is the 10M stream); flat peak per detector
  const top = sizes[sizes.length - 1]!;
  const throughput = (det: DetectorName, min: number) => {
    const m = medians[det]?.[String(top)] as { rowsPerSecond: number | null } | null | undefined;
    const v = m?.rowsPerSecond ?? null;
    return { target: `${det} >= ${min} rows/s end to end on the ${sizeLabel(BIG)} stream`, atRows: top, rowsPerSecond: v, met: v === null ? null : v >= min, ...(top !== BIG ? { note: `${sizeLabel(BIG)} not run: measured on ${sizeLabel(top)}` } : {}) };
  };
  const flat: Record<string, unknown> = {};
  for (const det of detectors) {
    const small = (medians[det]?.[String(SMALL)] as { maxRssMiB: number | null } | null | undefined)?.maxRssMiB ?? null;
    const big = (medians[det]?.[String(BIG)] as { maxRssMiB: number | null } | null | undefined)?.maxRssMiB ?? null;
    const ratio = small && big ? round(big / small, 3) : null;
    flat[det] = { target: `peak RSS at ${sizeLabel(BIG)} / at ${sizeLabel(SMALL)} <= ${TARGETS.flat}`, peak1MMiB: small, peak10MMiB: big, ratio, met: ratio === null ? null : ratio <= TARGETS.flat };
  }
  const targets = {
    ...(detectors.includes('statistical') ? { statisticalThroughput: throughput('statistical', TARGETS.statistical) } : {}),
    ...(detectors.includes('predictive') ? { predictiveThroughput: throughput('predictive', TARGETS.predictive) } : {}),
    flatPeak: flat,
  };

  const result = {
    machine,
    data: {
      generatorVersion: GENERATOR_VERSION, seed: SEED, columns: ['timestamp', ...CHANNELS, 'fault'],
      faults: `${FAULT_ROWS}-row faults every 4000-6000 rows, ${PRECURSOR_ROWS}-row precursor ramp in temp`,
      train: { file: train.file, rows: TRAIN_ROWS, bytes: statSync(train.file).size, generatedSeconds: train.generatedSeconds === null ? 'cached' : round(train.generatedSeconds, 1) },
      inputs: inputs.map((x) => ({ file: x.file, rows: x.rows, bytes: statSync(x.file).size, generatedSeconds: x.generatedSeconds === null ? 'cached' : round(x.generatedSeconds, 1) })),
    },
    training,
    repeat: Object.fromEntries(sizes.map((n) => [String(n), repeatsFor(n)])),
    order: 'per size (ascending), per repeat: statistical, predictive, supervised from the file, then statistical from stdin (at 1M); each after sync and a wait for a quiet machine',
    commands: {
      file: 'node bin/mlkit detect -m BUNDLE DATA.csv --out OUT.csv --json',
      stdin: 'bash -c "set -o pipefail; cat DATA.csv | node bin/mlkit detect -m BUNDLE - --out OUT.csv --json"',
    },
    medians,
    targets,
    runs,
    loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
    notes,
  };

  const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const metS = (m: boolean | null) => (m === null ? 'n/a' : m ? 'MET' : 'MISSED');
  const summary = [
    `${machine.cores} cores, node ${process.version}, ${String(info.libxgboost ?? 'libxgboost ?')}; trained on ${TRAIN_ROWS} rows; load average at start ${machine.loadAverageAtStart.join(' ')}, at end ${result.loadAverageAtEnd.join(' ')}`,
    `quiet-machine check before each run (wait up to ${waitIdle} s): ${noisy.length ? `${noisy.length} run(s) started busy` : 'all runs started quiet'}`,
    ...runs.map((r) => `${r.detector.padEnd(11)} ${sizeLabel(r.rows).padStart(4)} ${r.input.padEnd(5)}: ${f(r.wallSeconds, 2)} s, ${f(r.rowsPerSecond)} rows/s (mlkit's own ${f(r.mlkitRowsPerSecond)}), peak ${f(r.maxRssMiB, 0)} MiB, rows out ${r.rowsOk ? 'ok' : `${r.rowsOut} != ${r.rows}`}, load ${r.loadBefore}${r.ok ? '' : ' FAILED'}`),
    ...('statisticalThroughput' in targets ? [`statistical >= ${TARGETS.statistical} rows/s at ${sizeLabel(top)}: ${f(targets.statisticalThroughput!.rowsPerSecond)}: ${metS(targets.statisticalThroughput!.met)}`] : []),
    ...('predictiveThroughput' in targets ? [`predictive  >= ${TARGETS.predictive} rows/s at ${sizeLabel(top)}: ${f(targets.predictiveThroughput!.rowsPerSecond)}: ${metS(targets.predictiveThroughput!.met)}`] : []),
    ...detectors.map((d) => { const x = flat[d] as { ratio: number | null; met: boolean | null; peak1MMiB: number | null; peak10MMiB: number | null }; return `flat peak ${d.padEnd(11)} (10M/1M <= ${TARGETS.flat}): ${f(x.peak10MMiB)} / ${f(x.peak1MMiB)} MiB = ${f(x.ratio, 3)}: ${metS(x.met)}`; }),
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'detect-throughput',
  description: 'mlkit detect streaming throughput and peak memory, 1M and 10M telemetry rows: statistical, predictive xgboost, supervised xgboost; whole process',
  run,
};
export default bench;
