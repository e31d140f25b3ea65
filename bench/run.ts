/**
 * Benchmark dispatcher: `npm run bench -- [name...] [--option value...]` (or, after a build,
 * `node dist/bench/run.js ...`). Runs the named benchmarks (default: all), prints a summary of each
 * on stderr, writes its JSON result to bench/results/<name>.json and prints that JSON on stdout
 * (one object per benchmark and line).
 *
 * To add a benchmark: create bench/<name>.ts default-exporting a `Benchmark` (bench/lib/types.ts)
 * and add one line to BENCHMARKS below.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchOptions } from './lib/types.js';

const BENCHMARKS: Record<string, () => Promise<{ default: Benchmark }>> = {
  xgboost: () => import('./xgboost.js'),
  'xgboost-contention': () => import('./xgboost-contention.js'),
  preprocess: () => import('./preprocess.js'),
  fft: () => import('./fft.js'),
  arima: () => import('./arima.js'),
  'forecast-accuracy': () => import('./forecast-accuracy.js'),
  startup: () => import('./startup.js'),
  predict: () => import('./predict.js'),
  wide: () => import('./wide.js'),
  'detect-accuracy': () => import('./detect-accuracy.js'),
  'detect-throughput': () => import('./detect-throughput.js'),
  'nn-epoch': () => import('./nn-epoch.js'),
};

/** The repository root: the nearest folder above this file with bin/mlkit and a package.json. */
function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'mlkit'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

function parseCli(argv: string[]): { names: string[]; args: Record<string, string> } {
  const names: string[] = [];
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) args[a.slice(2)] = argv[++i]!;
      else args[a.slice(2)] = 'true';
    } else names.push(a);
  }
  return { names, args };
}

const USAGE = `usage: npm run bench -- [name...] [--option value...]
benchmarks: ${Object.keys(BENCHMARKS).join(', ')} (default: all)
xgboost options (or environment variables):
  --repeat N        native-vs-python pairs, alternating (BENCH_REPEAT, default 3)
  --rows N          rows of the generated CSV (BENCH_ROWS, default 1000000)
  --wasm-rounds N   boosting rounds for the wasm engine run (BENCH_WASM_ROUNDS, default 100; 0 = skip)
  --wasm-timeout S  seconds before the wasm run is killed (BENCH_WASM_TIMEOUT, default 900)
  --no-python       skip Python even when it is available (BENCH_NO_PYTHON=1)
  --wait-idle S     before each timed run, wait up to S seconds for other processes to go quiet
                    (BENCH_WAIT_IDLE, default 180; 0 = never wait)
  --python PATH     the Python interpreter to use (BENCH_PYTHON)
xgboost-contention options:
  --repeat N        alternating rounds over the settings (BENCH_REPEAT, default 3)
  --series N        series in the generated monthly panel (BENCH_SERIES, default 1000)
  --hogs N          busy-looping processes beside the hog runs (BENCH_HOGS, default: one per core)
  --wait-idle S     quiet-machine wait before each run (BENCH_WAIT_IDLE, default 10)
  --timeout S       seconds per run (BENCH_TIMEOUT, default 300)
  --no-unset        skip the OMP_WAIT_POLICY= (before the fix) setting, the slowest (BENCH_NO_UNSET=1)
predict options:
  --rows-list LIST  input sizes, comma-separated (BENCH_ROWS_LIST, default 1000000,10000000; 1m,10m also work)
  --no-10m          skip sizes of 10M rows and more (BENCH_NO_10M=1)
  --repeat N        mlkit-vs-python pairs per size below 10M rows (BENCH_REPEAT, default 3)
  --repeat-10m N    pairs at 10M rows and more (BENCH_REPEAT_10M, default 1)
  --train-rows N    rows the model is trained on (BENCH_TRAIN_ROWS, default 100000)
  --wait-idle S     quiet-machine wait before each run (BENCH_WAIT_IDLE, default 180)
  --timeout S       seconds per run (BENCH_TIMEOUT, default 1800)
  --no-python, --python PATH   as for xgboost
forecast-accuracy options (named apart from the other benchmarks' --series and --timeout):
  --forecast-series LIST  series, comma-separated (BENCH_FORECAST_SERIES, default all; e.g. AirPassengers,nyc_taxi)
  --forecast-models LIST  model labels, comma-separated (BENCH_FORECAST_MODELS, default all: naive,
                    seasonal_naive, AutoARIMA, xgboost, rnn, cnn, transformer, fno)
  --cell-timeout S  seconds per cell before it is killed and recorded as timed out (BENCH_CELL_TIMEOUT,
                    default 3600; nyc_taxi's AutoARIMA has its own limit, 1800)
detect-throughput options:
  --sizes LIST      stream sizes, comma-separated (BENCH_SIZES, default 1m,10m; e.g. --sizes 1m)
  --detectors LIST  statistical,predictive,supervised (BENCH_DETECTORS, default all three)
  --repeat N        runs per detector at sizes below 10M (BENCH_REPEAT, default 1); --repeat-10m N (default 1)
  --no-stdin        skip the cat | mlkit detect - run (statistical, 1M)
  --wait-idle S     quiet-machine wait before each run (BENCH_WAIT_IDLE, default 60)
  --timeout S       seconds per run (BENCH_TIMEOUT, default 1800)
detect-accuracy options:
  --detectors LIST  statistical,rnn_autoencoder,rnn_predictive (default all three; the neural ones ~30-45 min)
  --config-nab FILE, --config-smap FILE, --config-skab FILE   replace that benchmark's detect: section
                    of the one set chosen with --detectors
nn-epoch options:
  --backends LIST   tfjs backends through mlkit, wasm,cpu (BENCH_BACKENDS, default both; tfjs-cpu takes ~100 s an epoch)
  --models LIST     lstm,gru,transformer (BENCH_MODELS, default all)
  --repeat N        measured epochs per backend and model after the warm-up (BENCH_REPEAT, default 2)
  --warmup N        warm-up epochs, timed separately (BENCH_WARMUP, default 1)
  --torch-threads L PyTorch thread counts, one process each (BENCH_TORCH_THREADS, default 1,2)
  --rows N          windows (BENCH_ROWS, default 8192)
  --wait-idle S     quiet-machine wait before each process and each epoch (BENCH_WAIT_IDLE, default 60)
  --timeout S       seconds per process (BENCH_TIMEOUT, default 1800)
  --no-python, --python PATH   as for xgboost
`;

async function main(): Promise<number> {
  const { names, args } = parseCli(process.argv.slice(2));
  if (args.help || args.h) {
    process.stderr.write(USAGE);
    return 0;
  }
  const chosen = names.length ? names : Object.keys(BENCHMARKS);
  const unknown = chosen.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark(s): ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const root = repoRoot();
  const dataDir = join(root, 'bench', 'data');
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  let failed = 0;
  for (const name of chosen) {
    const bench = (await BENCHMARKS[name]!()).default;
    const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
    const opts: BenchOptions = { args, root, dataDir, log };
    const started = new Date();
    try {
      const { summary, result } = await bench.run(opts);
      const full = { benchmark: name, description: bench.description, started: started.toISOString(), finished: new Date().toISOString(), ...result };
      const file = join(resultsDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(full, null, 2) + '\n');
      process.stderr.write(`\n== ${name}: ${bench.description}\n${summary.map((l) => `  ${l}`).join('\n')}\n  results: ${file}\n\n`);
      process.stdout.write(JSON.stringify(full) + '\n');
    } catch (e) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${(e as Error)?.stack ?? e}\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
