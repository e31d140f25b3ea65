/**
 * Neural training speed (issues 13 and 14): seconds per training epoch of small sequence models on
 * 8,192 windows x 64 steps x 1 feature (batch 64, Adam lr 1e-3, MSE, a dense head predicting 1 value),
 *   - through mlkit's own code (the network builder of the rnn forecaster, `trainLoop`, `lossFunction`),
 *     once per TensorFlow.js backend (wasm, the default without tfjs-node, and cpu), each in its own
 *     process (`node dist/bench/nn-epoch.js child SPEC`, so that backends never share a process);
 *   - PyTorch on the CPU (`bench/python/nn_epoch_bench.py`: nn.LSTM / nn.GRU batch_first + nn.Linear,
 *     manual batching of pre-made tensors), with torch.set_num_threads(1) and (2), one process each,
 * side by side in one run, on the same data file (a noisy sine written here, read by both).
 * Each process trains one model: a warm-up epoch (reported, not in the medians), then `--repeat`
 * measured epochs, each a separate one-epoch training call (a fresh optimizer each, as `trainLoop`
 * makes one per call), each after a wait for a quiet machine; the process reports every epoch's wall
 * time, its own CPU time and how many cores the rest of the machine kept busy meanwhile.
 * Ratios per model: mlkit-wasm / best PyTorch (issue 14's targets: at most 1.0x for LSTM and GRU, 2.0x for
 * the Transformer block and the cnn), mlkit-wasm / mlkit-cpu (issue 13's: wasm at least 4x faster than
 * tfjs-cpu; mlkit's fused kernels serve both backends since issue 14, so this ratio now mostly measures
 * what is left to tfjs). The wasm process also times one window through the trained network (the
 * streaming detectors' case), with the kernels and with MLKIT_KERNELS=off.
 *
 * More networks: one entry in MODELS (and, for the PyTorch side, one in nn_epoch_bench.py's MODELS).
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyBetween, cpuSnapshot, waitForIdle, type IdleWait } from './lib/idle.js';
import { gitInfo, mlkitInfo } from './lib/info.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { findPython, type PythonInfo } from './lib/python.js';
import { cachedData } from './lib/data.js';
import { flagOption, intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { gaussian, rng } from '../src/core/random.js';
import type { Tf } from '../src/estimators/nn/backend.js';

type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;

const ROWS = 8192;
const WINDOW = 64;
const BATCH = 64;
const UNITS = 32;
const LR = 1e-3;
const SEED = 20240801;
/** bump when the generator changes, so a cached file from an older generator is not reused */
const GENERATOR_VERSION = 1;
/** the issue's target: the default backend (wasm) at least this many times faster than tfjs-cpu */
const TARGET_CPU_OVER_WASM = 4;
const BACKENDS = ['wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];
const MB = 1024; // KiB per MiB

// ------------------------------------------------------------------------------------------------
// The networks

export interface ModelEntry {
  /** key for --models and in the result */
  id: string;
  label: string;
  /** mlkit's network: input [window, 1] -> 1 value (loaded in the child process only) */
  mlkit: (t: Tf, window: number, seed: number) => Promise<LayersModel>;
  /** the same network on the PyTorch side: a key of MODELS in bench/python/nn_epoch_bench.py and its arguments */
  torch: { kind: string; args: Record<string, number | string | boolean> };
  /** issue 14's target: mlkit-wasm's epoch at most this many times PyTorch's best thread setting */
  overTorch: number;
}

/** mlkit's rnn forecaster network: one recurrent layer (tanh, sigmoid gates) and a dense head. */
const rnn = (cell: 'lstm' | 'gru'): ModelEntry['mlkit'] => async (t, window, seed) => {
  const { buildRnn } = await import('../src/estimators/nn/forecaster.js');
  const { rnnParamsSchema } = await import('../src/estimators/nn/spec.js');
  return buildRnn(t, rnnParamsSchema.parse({ cell, units: UNITS, window }), window, 1, seed);
};

export const MODELS: ModelEntry[] = [
  { id: 'lstm', label: `LSTM(${UNITS})`, mlkit: rnn('lstm'), torch: { kind: 'lstm', args: { units: UNITS } }, overTorch: 1 },
  { id: 'gru', label: `GRU(${UNITS})`, mlkit: rnn('gru'), torch: { kind: 'gru', args: { units: UNITS } }, overTorch: 1 },
  // one pre-norm encoder block (d_model 32, 2 heads, feed-forward 64, position encoding, last step), as
  // the transformer forecaster builds it with layers: 1
  {
    id: 'transformer', label: 'Transformer block (d_model 32, 2 heads)',
    mlkit: async (t, window, seed) => {
      const { buildTransformer } = await import('../src/estimators/nn/forecaster.js');
      const { transformerParamsSchema } = await import('../src/estimators/nn/spec.js');
      return buildTransformer(t, transformerParamsSchema.parse({ d_model: 32, heads: 2, layers: 1, window }), window, 1, seed);
    },
    torch: { kind: 'transformer', args: { d_model: 32, heads: 2 } },
    overTorch: 2,
  },
  // the cnn forecaster: convolutions of 16, 32, 64 filters (kernel 3, relu), max pooling 2 after each,
  // a global average, a dense head
  {
    id: 'cnn', label: 'cnn (filters 16-32-64, kernel 3, pool 2)',
    mlkit: async (t, window, seed) => {
      const { buildCnn } = await import('../src/estimators/nn/forecaster.js');
      const { cnnParamsSchema } = await import('../src/estimators/nn/spec.js');
      return buildCnn(t, cnnParamsSchema.parse({ filters: [16, 32, 64], kernel: 3, pool: 2, window }), window, 1, seed);
    },
    torch: { kind: 'cnn', args: { filters: '16,32,64', kernel: 3, pool: 2 } },
    overTorch: 2,
  },
];

// ------------------------------------------------------------------------------------------------
// Data

/**
 * The series s_t = sin(2 pi t / 50) + 0.5 sin(2 pi t / 11.3 + 1) + 0.2 N(0, 1), t = 0 .. rows + window - 1;
 * window i is s_i .. s_(i+window-1), its target s_(i+window). The file is float32 little-endian: the
 * rows x window inputs, then the rows targets.
 */
function generate(file: string, rows: number, window: number, seed: number): void {
  const normal = gaussian(rng(seed));
  const s = new Float32Array(rows + window);
  for (let t = 0; t < s.length; t++) s[t] = Math.sin((2 * Math.PI * t) / 50) + 0.5 * Math.sin((2 * Math.PI * t) / 11.3 + 1) + 0.2 * normal();
  const x = new Float32Array(rows * window);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    x.set(s.subarray(i, i + window), i * window);
    y[i] = s[i + window]!;
  }
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, new Uint8Array(x.buffer));
    writeSync(fd, new Uint8Array(y.buffer));
  } finally {
    closeSync(fd);
  }
}

function readData(file: string, rows: number, window: number): { x: Float32Array; y: Float32Array } {
  const b = readFileSync(file);
  if (b.byteLength !== 4 * rows * (window + 1)) throw new Error(`${file}: ${b.byteLength} bytes, expected ${4 * rows * (window + 1)}`);
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { x: all.subarray(0, rows * window), y: all.subarray(rows * window) };
}

// ------------------------------------------------------------------------------------------------
// One process: one backend (or PyTorch thread count), one model

interface ChildSpec {
  backend: Backend;
  model: string;
  data: string;
  rows: number;
  window: number;
  warmup: number;
  repeat: number;
  waitIdle: number;
  seed: number;
}

interface EpochRecord {
  warmup: boolean;
  /** wall time of the one-epoch training call */
  seconds: number;
  /** mean training loss of the epoch */
  loss: number;
  /** this process's CPU (user + sys) during the epoch */
  cpuSeconds: number;
  /** cores busy on the machine during the epoch, this process included, and without it */
  busyCores: number | null;
  othersBusyCores: number | null;
  /** cores busy just before the epoch, and whether the quiet-machine wait succeeded */
  busyBefore: number | null;
  quietStart: boolean;
  waitedSeconds: number;
  /** mlkit only: the epoch's seconds as trainLoop's history has them */
  loopSeconds?: number;
}

/** The mlkit child: `node dist/bench/nn-epoch.js child '<ChildSpec JSON>'`; prints one JSON line. */
async function child(argv: string[]): Promise<void> {
  const startup = process.uptime();
  const spec = JSON.parse(argv[0]!) as ChildSpec;
  const entry = MODELS.find((m) => m.id === spec.model);
  if (!entry) throw new Error(`unknown model ${spec.model}`);
  const t0 = performance.now();
  const { loadTf } = await import('../src/estimators/nn/backend.js');
  const { trainLoop, lossFunction } = await import('../src/estimators/nn/fit.js');
  const { trainSchema } = await import('../src/estimators/nn/train-spec.js');
  const log = { info() {}, warn: (m: string) => process.stderr.write(`warn: ${m}\n`), debug() {} };
  const t = await loadTf(spec.backend, log);
  const tLoad = performance.now();
  const { x, y } = readData(spec.data, spec.rows, spec.window);
  const data = { x, y, rows: spec.rows, inShape: [spec.window, 1], outSize: 1 };
  const model = await entry.mlkit(t, spec.window, spec.seed);
  const tBuild = performance.now();
  const settings = trainSchema.parse({ epochs: 1, batch_size: BATCH, shuffle: true });
  const loss = lossFunction(t.tf, 'mse', 1);
  const ctx = { signal: new AbortController().signal, seed: spec.seed, log };
  const epochs: EpochRecord[] = [];
  for (let i = 0; i < spec.warmup + spec.repeat; i++) {
    const idle: IdleWait = await waitForIdle(spec.waitIdle, 0.3);
    const c0 = cpuSnapshot();
    const u0 = process.cpuUsage();
    const w0 = performance.now();
    // a different shuffle each epoch, as one longer training would have
    const h = await trainLoop(t, model, data, { settings, loss, batchSize: BATCH, seed: spec.seed + i, ctx });
    const seconds = (performance.now() - w0) / 1000;
    const u = process.cpuUsage(u0);
    const busy = busyBetween(c0, cpuSnapshot());
    const cpuSeconds = (u.user + u.system) / 1e6;
    epochs.push({
      warmup: i < spec.warmup, seconds, loss: h.epochs[0]!.loss, cpuSeconds,
      busyCores: busy, othersBusyCores: busy === null ? null : Math.max(0, busy - cpuSeconds / seconds),
      busyBefore: idle.busyCores, quietStart: idle.quiet, waitedSeconds: idle.waitedSeconds, loopSeconds: h.epochs[0]!.seconds,
    });
  }
  const tf = t.tf;
  // inference one window at a time (the streaming detectors' case): the median of 200 calls, with the
  // kernels and with MLKIT_KERNELS=off (tfjs alone)
  const one = tf.tensor(x.slice(0, spec.window), [1, spec.window, 1]);
  const latency = (mode: string) => {
    const saved = process.env.MLKIT_KERNELS;
    process.env.MLKIT_KERNELS = mode;
    try {
      const times: number[] = [];
      for (let i = 0; i < 250; i++) {
        const s0 = performance.now();
        tf.tidy(() => (model.apply(one, { training: false }) as import('@tensorflow/tfjs-core').Tensor).dataSync());
        if (i >= 50) times.push(performance.now() - s0);
      }
      return round(median(times)!, 4);
    } finally {
      if (saved === undefined) delete process.env.MLKIT_KERNELS;
      else process.env.MLKIT_KERNELS = saved;
    }
  };
  const inferMs = { kernels: latency('on'), tfjs: latency('off') };
  one.dispose();
  const flags = (names: string[]) => Object.fromEntries(names.map((n) => { try { return [n, tf.env().get(n)]; } catch { return [n, null]; } }));
  process.stdout.write(JSON.stringify({
    tool: `mlkit-${spec.backend}`, model: spec.model, backend: t.backend, tfjs: tf.version_core,
    flags: spec.backend === 'wasm' ? flags(['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT']) : {},
    params: model.countParams(), tensorsLeft: tf.memory().numTensors,
    seconds: { startup, loadTf: (tLoad - t0) / 1000, build: (tBuild - tLoad) / 1000 },
    epochs, inferMs, maxRssKb: process.resourceUsage().maxRSS,
  }) + '\n');
  model.dispose();
}

// ------------------------------------------------------------------------------------------------
// The benchmark

interface Run {
  tool: string;
  model: string;
  ok: boolean;
  warmupSeconds: number | null;
  epochSeconds: number[];
  medianEpochSeconds: number | null;
  losses: number[];
  params: number | null;
  cpuPerWall: number | null;
  othersBusyCoresMax: number | null;
  quietEpochs: number;
  epochs: EpochRecord[];
  processWallSeconds: number;
  maxRssMiB: number | null;
  loadBefore: number;
  busyCoresBefore: number | null;
  quietStart: boolean;
  waitedSeconds: number;
  info?: Record<string, unknown>;
  timedOut?: boolean;
  error?: string;
}

function lastJson(s: string): any {
  try {
    return JSON.parse(s.trim().split('\n').pop()!);
  } catch {
    return null;
  }
}

function parseList<T extends string>(raw: string | undefined, all: readonly T[], what: string): T[] {
  if (raw === undefined || raw === '' || raw === 'true') return [...all];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!all.includes(n as T)) throw new Error(`--${what}: unknown ${JSON.stringify(n)} (${all.join(', ')})`);
  return all.filter((a) => names.includes(a));
}

/** "others busy" above this during an epoch marks it as not quiet */
const BUSY_LIMIT = 0.3;

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const backends = parseList(opts.args.backends ?? process.env.BENCH_BACKENDS, BACKENDS, 'backends');
  const models = parseList(opts.args.models ?? process.env.BENCH_MODELS, MODELS.map((m) => m.id), 'models').map((id) => MODELS.find((m) => m.id === id)!);
  const threadsRaw = opts.args['torch-threads'] ?? process.env.BENCH_TORCH_THREADS ?? '1,2';
  const torchThreads = [...new Set(threadsRaw.split(',').map((s) => Number(s.trim())))].filter((n) => Number.isInteger(n) && n >= 1);
  if (!torchThreads.length) throw new Error(`--torch-threads: expected a list like 1,2, got ${JSON.stringify(threadsRaw)}`);
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 2));
  const warmup = intOption(opts, 'warmup', 'BENCH_WARMUP', 1);
  const rows = Math.max(BATCH, intOption(opts, 'rows', 'BENCH_ROWS', ROWS));
  const noPython = flagOption(opts, 'no-python', 'BENCH_NO_PYTHON');
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 60);
  const timeoutMs = intOption(opts, 'timeout', 'BENCH_TIMEOUT', 1800) * 1000;
  const quiet = () => waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
  const notes: string[] = [];
  if (rows !== ROWS) notes.push(`rows = ${rows}, not the issue's ${ROWS}`);
  if (!backends.includes('cpu')) notes.push('tfjs-cpu skipped (--backends): no wasm / cpu ratio');

  const { file: dataFile, generatedSeconds } = cachedData(opts, `nn-epoch-${rows}x${WINDOW}-seed${SEED}-v${GENERATOR_VERSION}.f32`, `${rows} windows of ${WINDOW} steps`, (f) => generate(f, rows, WINDOW, SEED));

  const tried: string[] = [];
  const py: PythonInfo | null = noPython ? null : findPython(opts, ['torch', 'numpy'], tried);
  let pythonUnavailable: string | null = null;
  if (noPython) pythonUnavailable = 'skipped (--no-python)';
  else if (!py) pythonUnavailable = `no python with torch and numpy found (${tried.join('; ')}); on Debian: apt-get install python3-torch`;
  else opts.log(`python: ${py.exe} (Python ${py.version}, torch ${py.torch}, numpy ${py.numpy})`);
  if (pythonUnavailable) notes.push(`PyTorch unavailable: ${pythonUnavailable}`);
  const pyScript = join(opts.root, 'bench', 'python', 'nn_epoch_bench.py');
  const childJs = fileURLToPath(import.meta.url);

  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...mlkitInfo(opts.root), python: py, gnuTime: hasGnuTime(), git: gitInfo(opts.root),
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };

  const tools = [
    ...backends.map((b) => ({ tool: `mlkit-${b}`, backend: b as Backend, threads: 0 })),
    ...(py ? torchThreads.map((n) => ({ tool: `pytorch-${n}t`, backend: null, threads: n })) : []),
  ];

  const runOne = async (entry: ModelEntry, tool: (typeof tools)[number]): Promise<Run> => {
    const idle = await quiet();
    const load = loadavg()[0]!;
    const common = { model: entry.id, data: dataFile, rows, window: WINDOW, warmup, repeat, waitIdle, seed: SEED };
    let m: Measurement;
    if (tool.backend) {
      const spec: ChildSpec = { backend: tool.backend, ...common };
      m = await measure(process.execPath, [childJs, 'child', JSON.stringify(spec)], { cwd: opts.root, timeoutMs, rssFromStdout: (s) => lastJson(s)?.maxRssKb ?? null });
    } else {
      const spec = { ...common, kind: entry.torch.kind, args: entry.torch.args, threads: tool.threads, batch: BATCH, lr: LR };
      m = await measure(py!.exe, [pyScript, 'run', JSON.stringify(spec)], { cwd: opts.root, timeoutMs, rssFromStdout: (s) => lastJson(s)?.maxRssKb ?? null });
    }
    const out = lastJson(m.stdout);
    const ok = m.exitCode === 0 && !m.timedOut && Array.isArray(out?.epochs);
    const epochs: EpochRecord[] = ok ? out.epochs : [];
    const measured = epochs.filter((e) => !e.warmup);
    const cpu = measured.reduce((a, e) => a + e.cpuSeconds, 0);
    const wall = measured.reduce((a, e) => a + e.seconds, 0);
    const others = measured.map((e) => e.othersBusyCores).filter((v): v is number => v !== null);
    const r: Run = {
      tool: tool.tool, model: entry.id, ok,
      warmupSeconds: round(epochs.find((e) => e.warmup)?.seconds, 3),
      epochSeconds: measured.map((e) => round(e.seconds, 3)!),
      medianEpochSeconds: round(median(measured.map((e) => e.seconds)), 3),
      losses: epochs.map((e) => round(e.loss, 5)!),
      params: typeof out?.params === 'number' ? out.params : null,
      cpuPerWall: wall > 0 ? round(cpu / wall, 2) : null,
      othersBusyCoresMax: others.length ? round(Math.max(...others), 2) : null,
      quietEpochs: measured.filter((e) => e.quietStart && (e.othersBusyCores ?? 0) < BUSY_LIMIT).length,
      epochs: epochs.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v])) as unknown as EpochRecord),
      processWallSeconds: round(m.wallSeconds, 2)!,
      maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / MB, 1),
      loadBefore: round(load, 2)!, busyCoresBefore: round(idle.busyCores, 2), quietStart: idle.quiet, waitedSeconds: idle.waitedSeconds,
    };
    if (ok) {
      const { epochs: _e, maxRssKb: _m, tool: _t, model: _mo, params: _p, ...info } = out;
      r.info = info;
    }
    if (m.timedOut) r.timedOut = true;
    if (!ok) r.error = (m.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${m.exitCode} signal ${m.signal}${m.timedOut ? ' (timeout)' : ''}`).slice(0, 2000);
    opts.log(`${entry.label.padEnd(9)} ${tool.tool.padEnd(11)}: ${r.ok ? `warm-up ${r.warmupSeconds ?? '-'} s, epochs ${r.epochSeconds.join(', ')} s (median ${r.medianEpochSeconds}), loss ${r.losses.at(-1)}, ${r.maxRssMiB ?? '?'} MiB, CPU / wall ${r.cpuPerWall ?? '?'}, others busy <= ${r.othersBusyCoresMax ?? '?'} cores` : `FAILED: ${r.error}`}, load ${r.loadBefore}`);
    return r;
  };

  // per model, the tools side by side: mlkit-wasm, mlkit-cpu, pytorch 1 thread, 2 threads
  const runs: Run[] = [];
  for (const entry of models) for (const tool of tools) runs.push(await runOne(entry, tool));

  // medians and ratios per model
  const sec = (model: string, tool: string) => runs.find((r) => r.model === model && r.tool === tool && r.ok)?.medianEpochSeconds ?? null;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? round(a / b, 3) : null);
  const perModel: Record<string, Record<string, unknown>> = {};
  for (const entry of models) {
    const wasm = sec(entry.id, 'mlkit-wasm');
    const cpu = sec(entry.id, 'mlkit-cpu');
    const torch = torchThreads.map((n) => ({ threads: n, s: sec(entry.id, `pytorch-${n}t`) })).filter((x) => x.s !== null);
    const best = torch.length ? torch.reduce((a, b) => (b.s! < a.s! ? b : a)) : null;
    const speedup = ratio(cpu, wasm);
    perModel[entry.id] = {
      label: entry.label,
      secondsPerEpoch: Object.fromEntries(tools.map((t) => [t.tool, sec(entry.id, t.tool)])),
      warmupSeconds: Object.fromEntries(tools.map((t) => [t.tool, runs.find((r) => r.model === entry.id && r.tool === t.tool)?.warmupSeconds ?? null])),
      cpuPerWall: Object.fromEntries(tools.map((t) => [t.tool, runs.find((r) => r.model === entry.id && r.tool === t.tool)?.cpuPerWall ?? null])),
      bestPytorch: best ? { tool: `pytorch-${best.threads}t`, seconds: best.s } : null,
      ratios: { wasmOverBestPytorch: ratio(wasm, best?.s ?? null), wasmOverCpu: ratio(wasm, cpu), cpuOverWasm: speedup },
      target: { target: `mlkit-wasm at least ${TARGET_CPU_OVER_WASM}x faster than mlkit-cpu (cpu / wasm >= ${TARGET_CPU_OVER_WASM})`, cpuOverWasm: speedup, met: speedup === null ? null : speedup >= TARGET_CPU_OVER_WASM },
      torchTarget: { target: `mlkit-wasm at most ${entry.overTorch}x PyTorch's best thread setting (issue 14)`, ratio: ratio(wasm, best?.s ?? null), met: best && wasm !== null ? wasm / best.s! <= entry.overTorch : null },
      // one window through the trained network, ms (median of 200), in the wasm process
      inferMsPerWindow: runs.find((r) => r.model === entry.id && r.tool === 'mlkit-wasm' && r.ok)?.info?.inferMs ?? null,
    };
  }
  const mets = models.map((m) => (perModel[m.id]!.target as { met: boolean | null }).met);
  const targetMet = mets.some((x) => x === null) ? null : mets.every(Boolean);
  const torchMets = models.map((m) => (perModel[m.id]!.torchTarget as { met: boolean | null }).met);
  const torchTargetMet = torchMets.some((x) => x === null) ? null : torchMets.every(Boolean);

  const noisy = runs.filter((r) => r.ok && r.quietEpochs < r.epochSeconds.length);
  if (noisy.length) notes.push(`${noisy.length} run(s) had measured epochs that were not quiet (the wait for quiet before the epoch gave up, or other processes kept more than ${BUSY_LIMIT} cores busy during it): ${noisy.map((r) => `${r.model} ${r.tool} (${r.epochSeconds.length - r.quietEpochs} of ${r.epochSeconds.length}, others busy up to ${r.othersBusyCoresMax} cores)`).join(', ')}`);
  const failed = runs.filter((r) => !r.ok);
  if (failed.length) notes.push(`failed: ${failed.map((r) => `${r.model} ${r.tool}: ${r.error?.split('\n').pop()}`).join('; ')}`);
  const leaks = runs.filter((r) => r.ok && typeof r.info?.tensorsLeft === 'number' && r.info.tensorsLeft !== (runs.find((x) => x.model === r.model && x.ok && x.tool.startsWith('mlkit'))?.info?.tensorsLeft));
  if (leaks.length) notes.push(`tensors left after training differ between backends: ${leaks.map((r) => `${r.model} ${r.tool} ${String(r.info?.tensorsLeft)}`).join(', ')}`);

  const result = {
    machine,
    data: {
      file: dataFile, rows, window: WINDOW, features: 1, bytes: statSync(dataFile).size, seed: SEED, generatorVersion: GENERATOR_VERSION,
      generator: 'float32: s_t = sin(2 pi t / 50) + 0.5 sin(2 pi t / 11.3 + 1) + 0.2 N(0,1); window i = s_i..s_(i+63), target s_(i+64); the rows x 64 inputs, then the rows targets',
      generatedSeconds: generatedSeconds === null ? 'cached' : round(generatedSeconds, 2),
    },
    training: {
      batchSize: BATCH, stepsPerEpoch: Math.ceil(rows / BATCH), optimizer: `adam lr ${LR}`, loss: 'mse', shuffle: true, warmupEpochs: warmup, measuredEpochs: repeat,
      mlkit: 'buildRnn(t, rnnParamsSchema.parse({cell, units: 32, window: 64}), 64, 1, seed); trainLoop(t, model, data, {settings: trainSchema.parse({epochs: 1, batch_size: 64, shuffle: true}), loss: lossFunction(tf, "mse", 1), batchSize: 64, seed: seed + epoch}) per epoch, timed around the call',
      pytorch: 'nn.LSTM / nn.GRU(1, 32, batch_first=True), the last step\'s output -> nn.Linear(32, 1); torch.optim.Adam(lr 1e-3) made per epoch (as trainLoop does), MSELoss; per batch x[idx], y[idx] of pre-made tensors from a seeded randperm, zero_grad, backward, step, loss.item(); torch.set_num_threads(n) and OPENBLAS_NUM_THREADS=n (unless set): Debian\'s torch calls OpenBLAS, whose own threads set_num_threads does not limit',
      models: models.map((m) => ({ id: m.id, label: m.label, torch: m.torch })),
    },
    tools: tools.map((t) => t.tool),
    pythonUnavailable,
    order: 'per model: mlkit-wasm, mlkit-cpu, then PyTorch with 1 and 2 threads; one process each, after a wait for a quiet machine; inside it a wait for quiet before every epoch',
    perModel,
    target: { target: `wasm at least ${TARGET_CPU_OVER_WASM}x faster than tfjs-cpu, every model`, met: targetMet },
    torchTarget: { target: 'issue 14: mlkit-wasm at most 1.0x PyTorch\'s best (LSTM, GRU), 2.0x (Transformer block, cnn)', met: torchTargetMet },
    runs,
    loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
    notes,
  };

  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const summary = [
    `${rows} windows x ${WINDOW} steps, batch ${BATCH} (${Math.ceil(rows / BATCH)} steps an epoch), Adam, MSE; ${machine.cores} cores, node ${process.version}; load average at start ${machine.loadAverageAtStart.join(' ')}, at end ${result.loadAverageAtEnd.join(' ')}`,
    `python: ${py ? `${py.exe} (torch ${py.torch})` : `unavailable: ${pythonUnavailable}`}`,
    `quiet machine (wait up to ${waitIdle} s before each process and each epoch): ${noisy.length ? `${noisy.length} run(s) with busy epochs` : 'every measured epoch quiet'}`,
    ...models.flatMap((m) => {
      const p = perModel[m.id]! as any;
      return [
        `${m.label}: s/epoch (median of ${repeat}; warm-up): ${tools.map((t) => `${t.tool} ${f(p.secondsPerEpoch[t.tool])} (${f(p.warmupSeconds[t.tool])})`).join(', ')}`,
        `${m.label}: wasm / best PyTorch${p.bestPytorch ? ` (${p.bestPytorch.tool})` : ''} ${f(p.ratios.wasmOverBestPytorch, 3)} (target <= ${m.overTorch}: ${p.torchTarget.met === null ? 'n/a' : p.torchTarget.met ? 'MET' : 'MISSED'}); one window ${p.inferMsPerWindow ? `${f(p.inferMsPerWindow.kernels, 3)} ms (MLKIT_KERNELS=off ${f(p.inferMsPerWindow.tfjs, 3)} ms)` : 'n/a'}; wasm / cpu ${f(p.ratios.wasmOverCpu, 3)} (cpu / wasm ${p.ratios.cpuOverWasm === null ? 'n/a' : `${f(p.ratios.cpuOverWasm, 2)}x`}, target >= ${TARGET_CPU_OVER_WASM}x: ${p.target.met === null ? 'n/a' : p.target.met ? 'MET' : 'MISSED'})`,
      ];
    }),
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'nn-epoch',
  description: 'seconds per training epoch, LSTM(32), GRU(32), a Transformer block (d_model 32, 2 heads) and a cnn (16-32-64) on 8,192 windows x 64 steps (batch 64, Adam, MSE): mlkit (its SIMD kernels) on tfjs wasm and cpu vs PyTorch CPU (1 and 2 threads)',
  run,
};
export default bench;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === 'child') {
  await child(process.argv.slice(3));
}
