/**
 * XGBoost under CPU contention: the global xgboost forecaster (task: forecast, model.type: xgboost, one
 * model on many series) trained through the real CLI (`node bin/mlkit train CONFIG --json --quiet`, a
 * whole process under GNU time) while other processes keep every core busy (the "hog": one
 * `node -e 'for(;;){}'` per core, started before each measurement and killed after it).
 *
 * Why: mlkit calls libxgboost one boosting round at a time, and libgomp's idle OpenMP threads spin
 * between the calls; with another process on each core, the spinning threads take the cores from the
 * thread with the work. native.ts now sets OMP_WAIT_POLICY=passive before loading libxgboost when the
 * user has not set it. Settings, alternating, `--repeat` times each:
 *   - default:   hog, default settings (after the fix: passive)
 *   - nthread1:  hog, `--set model.params.nthread=1`
 *   - active:    hog, OMP_WAIT_POLICY=active in the environment (libgomp spins until the next call)
 *   - unset:     hog, OMP_WAIT_POLICY= (empty) in the environment: libgomp rejects the value with one
 *                warning line and keeps its built-in default (spin ~300,000 times, then sleep), which is
 *                what every run got before the fix; mlkit leaves a set variable alone, even an empty one
 *   - no-hog:    default settings without the hog (reference)
 * Target (the issue's): default / nthread1 <= 1.5 (medians, with the hog).
 *
 * Data: an M4-style monthly panel (generator v1, seeded, cached in bench/data/): `--series` series of
 * 100-300 monthly points each (uniform), a level log-uniform on [100, 20,000], a local trend (drift
 * plus a random walk in logs), multiplicative yearly seasonality of random amplitude and phase (none
 * for about a fifth of the series), multiplicative noise, start months spread over 1980-1999.
 * Horizon 18 (M4's monthly horizon), default forecaster params (lags 1..12, month, one seasonal
 * difference, 100 rounds). Training runs the calibration backtest first (1 fold at this size), so each
 * run fits the global model twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { waitForIdle, type IdleWait } from './lib/idle.js';
import { hasGnuTime, measure } from './lib/measure.js';
import { cachedData, warmPageCache } from './lib/data.js';
import { flagOption, intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';
import { mlkitInfo } from './lib/info.js';
import { gaussian, rng } from '../src/core/random.js';

const SEED = 20240601;
/** bump when the generator changes, so a cached CSV from an older generator is not reused */
const GENERATOR_VERSION = 1;
const HORIZON = 18;
const TARGET = 1.5;

// ------------------------------------------------------------------------------------------------
// Data

/** The panel (generator v1): id,ds,y; ids m0001..; ds the first of each month (YYYY-MM-01). */
export function generatePanel(file: string, series: number, seed = SEED): void {
  const rand = rng(seed);
  const norm = gaussian(rand);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, 'id,ds,y\n');
    const width = String(series).length;
    for (let s = 0; s < series; s++) {
      const len = 100 + Math.floor(rand() * 201); // 100..300
      const level = Math.exp(Math.log(100) + rand() * Math.log(200)); // 100..20,000
      const drift = (rand() - 0.3) * 0.01; // per month, in logs
      const walk = 0.005 + rand() * 0.02;
      const amp = rand() < 0.2 ? 0 : rand() * 0.35;
      const phase = rand() * 2 * Math.PI;
      const noise = 0.01 + rand() * 0.07;
      const start = 1980 * 12 + Math.floor(rand() * 240);
      const id = `m${String(s + 1).padStart(Math.max(4, width), '0')}`;
      const lines: string[] = [];
      let lv = 0;
      for (let t = 0; t < len; t++) {
        lv += drift + walk * norm();
        const m = start + t;
        const v = level * Math.exp(lv) * (1 + amp * Math.sin((2 * Math.PI * (m % 12)) / 12 + phase)) * (1 + noise * norm());
        lines.push(`${id},${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01,${Math.max(v, 1).toFixed(2)}`);
      }
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

// ------------------------------------------------------------------------------------------------
// The hog and the machine's load

/** One busy-looping node process per `n`; stop() kills them (SIGKILL) and waits until they are gone. */
function startHog(n: number): { pids: number[]; stop: () => Promise<void> } {
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) kids.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  live.push(...kids);
  return {
    pids: kids.map((k) => k.pid!),
    stop: async () => {
      await Promise.all(
        kids.map(
          (k) =>
            new Promise<void>((res) => {
              if (k.exitCode !== null || k.signalCode !== null) return res();
              k.once('exit', () => res());
              k.kill('SIGKILL');
            }),
        ),
      );
      for (const k of kids) live.splice(live.indexOf(k), 1);
    },
  };
}
/** hogs still running: killed if this process exits early (an exception, Ctrl-C) */
const live: ChildProcess[] = [];
const killLive = () => {
  for (const k of live) {
    try {
      k.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
};
process.on('exit', killLive);

function cpuTimes(): { busy: number; total: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------
// The benchmark

interface Setting {
  id: 'default' | 'nthread1' | 'active' | 'unset' | 'no-hog';
  what: string;
  hog: boolean;
  env: Record<string, string>;
  sets: string[];
}

const SETTINGS: Setting[] = [
  { id: 'default', what: 'CPU hog, default settings (after the fix: OMP_WAIT_POLICY=passive set by mlkit)', hog: true, env: {}, sets: [] },
  { id: 'nthread1', what: 'CPU hog, --set model.params.nthread=1', hog: true, env: {}, sets: ['--set', 'model.params.nthread=1'] },
  { id: 'active', what: 'CPU hog, OMP_WAIT_POLICY=active', hog: true, env: { OMP_WAIT_POLICY: 'active' }, sets: [] },
  {
    id: 'unset',
    what: "CPU hog, OMP_WAIT_POLICY= (empty: libgomp's built-in default, i.e. every run before the fix)",
    hog: true,
    env: { OMP_WAIT_POLICY: '' },
    sets: [],
  },
  { id: 'no-hog', what: 'no hog, default settings (reference)', hog: false, env: {}, sets: [] },
];

interface Run {
  setting: Setting['id'];
  repeat: number;
  ok: boolean;
  wallSeconds: number;
  userSeconds: number | null;
  sysSeconds: number | null;
  maxRssMiB: number | null;
  /** the backtest's MASE from `train --json` (the same model whatever the setting, up to float noise) */
  mase: number | null;
  /** cores busy before the hog started (the quiet-machine check) and over the whole run (hog included) */
  busyCoresBefore: number | null;
  busyCoresDuring: number | null;
  load1Before: number;
  load1After: number;
  waitedSeconds: number;
  startedQuiet: boolean;
  timedOut: boolean;
  error?: string;
}


/** libgomp's own report of the wait policy and spin count it chose (OMP_DISPLAY_ENV=verbose), per setting. */
function openmpReport(opts: BenchOptions, cfg: string, env: NodeJS.ProcessEnv, s: Setting): Record<string, string> | null {
  const out = join(opts.dataDir, 'xgboost-contention-out', 'openmp-check');
  const r = spawnSync(
    process.execPath,
    [join(opts.root, 'bin', 'mlkit'), 'train', cfg, '--quiet', '--set', 'model.params.num_round=1', '--set', `output.dir=${out}`, ...s.sets],
    { encoding: 'utf8', env: { ...env, ...s.env, OMP_DISPLAY_ENV: 'verbose' }, timeout: 120000 },
  );
  const pick = (name: string) => new RegExp(`^\\s*${name} = '([^']*)'`, 'm').exec(r.stderr ?? '')?.[1];
  const policy = pick('OMP_WAIT_POLICY');
  const spin = pick('GOMP_SPINCOUNT');
  return policy === undefined ? null : { OMP_WAIT_POLICY: policy, GOMP_SPINCOUNT: spin ?? '?' };
}

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const series = intOption(opts, 'series', 'BENCH_SERIES', 1000);
  const repeat = Math.max(1, intOption(opts, 'repeat', 'BENCH_REPEAT', 3));
  const hogs = intOption(opts, 'hogs', 'BENCH_HOGS', cpus().length);
  const waitIdle = intOption(opts, 'wait-idle', 'BENCH_WAIT_IDLE', 10);
  const timeout = intOption(opts, 'timeout', 'BENCH_TIMEOUT', 300);
  const skipUnset = flagOption(opts, 'no-unset', 'BENCH_NO_UNSET');
  const settings = SETTINGS.filter((s) => !(skipUnset && s.id === 'unset'));
  const notes: string[] = [];
  if (!hasGnuTime()) notes.push('GNU time not found: wall time measured here, peak RSS self-reported');

  const { file: csv, generatedSeconds } = cachedData(
    opts,
    `xgb-contention-panel-${series}-seed${SEED}-v${GENERATOR_VERSION}.csv`,
    `an M4-style monthly panel of ${series} series`,
    (f) => generatePanel(f, series),
  );
  const outRoot = join(opts.dataDir, 'xgboost-contention-out');
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  const cfg = join(opts.dataDir, 'xgboost-contention.yaml');
  writeFileSync(
    cfg,
    `# generated by bench/xgboost-contention.ts
task: forecast
data: { train: ${JSON.stringify(csv)}, time: ds, target: y, id: id, freq: MS }
forecast: { horizon: ${HORIZON} }
model: { type: xgboost }
output: { dir: ${JSON.stringify(join(outRoot, 'model'))} }
`,
  );
  const mlkitBin = join(opts.root, 'bin', 'mlkit');

  // the environment of every run: the bench's own, without the variables the settings are about
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'OMP_NUM_THREADS', 'OMP_DISPLAY_ENV']) {
    if (baseEnv[k] !== undefined) {
      notes.push(`${k}=${baseEnv[k]} was set in the benchmark's environment; removed for the runs`);
      delete baseEnv[k];
    }
  }

  const info = mlkitInfo(opts.root);
  const machine = {
    cores: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version, platform: `${process.platform} ${process.arch}`, ...info, gnuTime: hasGnuTime(),
  };
  const lines = readFileSync(csv, 'utf8').split('\n').length - 2;

  opts.log('warming the page cache and checking what libgomp chose in each setting ...');
  await warmPageCache(csv);
  const openmp: Record<string, Record<string, string> | null> = {};
  for (const s of settings) openmp[s.id] = openmpReport(opts, cfg, baseEnv, s);
  opts.log(`libgomp (OMP_DISPLAY_ENV=verbose): ${settings.map((s) => `${s.id}: ${openmp[s.id] ? `${openmp[s.id]!.OMP_WAIT_POLICY}, spin ${openmp[s.id]!.GOMP_SPINCOUNT}` : 'n/a'}`).join('; ')}`);

  const runs: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    for (const s of settings) {
      const idle: IdleWait = await waitForIdle(waitIdle, 0.3, (b) => opts.log(`waiting for a quiet machine (${b.toFixed(1)} cores busy; up to ${waitIdle} s) ...`));
      const load1Before = loadavg()[0]!;
      const hog = s.hog ? startHog(hogs) : null;
      if (hog) await new Promise((r) => setTimeout(r, 300)); // let the hogs start spinning
      const c0 = cpuTimes();
      let m;
      try {
        m = await measure(process.execPath, [mlkitBin, 'train', cfg, '--json', '--quiet', '--set', `output.dir=${join(outRoot, s.id)}`, ...s.sets], {
          cwd: opts.root,
          env: { ...baseEnv, ...s.env },
          timeoutMs: timeout * 1000,
        });
      } finally {
        await hog?.stop();
      }
      const c1 = cpuTimes();
      const busyDuring = c0 && c1 && c1.total > c0.total ? ((c1.busy - c0.busy) / (c1.total - c0.total)) * cpus().length : null;
      const ok = m.exitCode === 0 && !m.timedOut;
      let mase: number | null = null;
      try {
        mase = (JSON.parse(m.stdout) as { metrics: Record<string, number> }).metrics.mase ?? null;
      } catch {
        /* failed run */
      }
      const r: Run = {
        setting: s.id, repeat: i, ok,
        wallSeconds: round(m.wallSeconds, 3)!, userSeconds: m.userSeconds, sysSeconds: m.sysSeconds,
        maxRssMiB: m.maxRssKb === null ? null : round(m.maxRssKb / 1024, 1),
        mase: round(mase, 6),
        busyCoresBefore: round(idle.busyCores, 2), busyCoresDuring: round(busyDuring, 2),
        load1Before: round(load1Before, 2)!, load1After: round(loadavg()[0]!, 2)!,
        waitedSeconds: idle.waitedSeconds, startedQuiet: idle.quiet, timedOut: m.timedOut,
        ...(ok ? {} : { error: m.timedOut ? `timed out after ${timeout} s` : (m.stderr.trim().split('\n').pop() ?? `exit ${m.exitCode}`) }),
      };
      runs.push(r);
      opts.log(
        `#${i + 1} ${s.id.padEnd(8)} ${r.wallSeconds.toFixed(2)} s wall, ${r.userSeconds ?? '?'} s user` +
          ` (load ${r.load1Before} before, ${r.busyCoresDuring ?? '?'} cores busy during${idle.quiet ? '' : ', started busy'})${ok ? '' : `  FAILED: ${r.error}`}`,
      );
    }
  }

  const stats = (id: string) => {
    const ok = runs.filter((r) => r.setting === id && r.ok);
    return {
      runs: ok.length,
      wallSeconds: round(median(ok.map((r) => r.wallSeconds)), 3),
      minWallSeconds: ok.length ? round(Math.min(...ok.map((r) => r.wallSeconds)), 3) : null,
      maxWallSeconds: ok.length ? round(Math.max(...ok.map((r) => r.wallSeconds)), 3) : null,
      userSeconds: round(median(ok.map((r) => r.userSeconds ?? NaN)), 2),
      maxRssMiB: round(median(ok.map((r) => r.maxRssMiB ?? NaN)), 1),
      busyCoresDuring: round(median(ok.map((r) => r.busyCoresDuring ?? NaN)), 2),
    };
  };
  const medians = Object.fromEntries(settings.map((s) => [s.id, stats(s.id)]));
  const med = (id: string) => (medians[id]?.wallSeconds ?? null) as number | null;
  const ratio = (a: string, b: string) => {
    const x = med(a), y = med(b);
    return x !== null && y !== null && y > 0 ? round(x / y, 3) : null;
  };
  const ratios = {
    defaultVsNthread1: ratio('default', 'nthread1'),
    activeVsNthread1: ratio('active', 'nthread1'),
    unsetVsNthread1: ratio('unset', 'nthread1'),
    defaultVsNoHog: ratio('default', 'no-hog'),
  };
  const target = { what: 'default / nthread1 (medians, CPU hog beside)', target: TARGET, ratio: ratios.defaultVsNthread1, met: ratios.defaultVsNthread1 === null ? null : ratios.defaultVsNthread1 <= TARGET };
  const busyStarts = runs.filter((r) => !r.startedQuiet).length;
  if (busyStarts) notes.push(`${busyStarts} run(s) started while other processes kept the machine busy (waited up to ${waitIdle} s): other load adds to the hog`);
  const maseSet = [...new Set(runs.filter((r) => r.ok).map((r) => r.mase))];

  const result = {
    machine,
    data: {
      file: csv, series, rows: lines, bytes: statSync(csv).size, lengths: '100-300 (uniform)', frequency: 'monthly', seed: SEED,
      generatorVersion: GENERATOR_VERSION, generatedSeconds: generatedSeconds === null ? 'cached' : round(generatedSeconds, 1),
    },
    model: { task: 'forecast', type: 'xgboost', params: 'defaults (num_round 100, lags 1..12, month, differences [12], scale std)', horizon: HORIZON, fits: 'calibration backtest (1 fold) + final model' },
    hog: { processes: hogs, command: `${process.execPath} -e 'for(;;){}'`, started: 'before each hog measurement (300 ms head start), killed (SIGKILL) after it' },
    repeat,
    order: `alternating: ${settings.map((s) => s.id).join(', ')}; repeated ${repeat} times`,
    settings: settings.map((s) => ({ id: s.id, what: s.what, env: s.env, args: s.sets })),
    openmp,
    medians,
    ratios,
    target,
    maseValues: maseSet,
    runs,
    notes,
  };
  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const summary = [
    `data: ${series} monthly series, ${lines} rows; ${repeat} alternating repeat(s); hog: ${hogs} busy-looping processes; ${machine.cores} cores, node ${process.version}, ${String(info.libxgboost ?? 'libxgboost ?')}`,
    ...settings.map((s) => {
      const m = medians[s.id]!;
      return `${s.id.padEnd(8)} median ${f(m.wallSeconds)} s wall (${runs.filter((r) => r.setting === s.id).map((r) => (r.ok ? f(r.wallSeconds) : 'failed')).join(', ')}), user ${f(m.userSeconds)} s, ${f(m.busyCoresDuring)} cores busy; libgomp: ${openmp[s.id] ? `${openmp[s.id]!.OMP_WAIT_POLICY}, spin count ${openmp[s.id]!.GOMP_SPINCOUNT}` : 'n/a'}`;
    }),
    `default/nthread1 ${f(ratios.defaultVsNthread1, 3)} (target <= ${TARGET}): ${target.met === null ? 'n/a' : target.met ? 'MET' : 'MISSED'}; active/nthread1 ${f(ratios.activeVsNthread1, 3)}; unset (before the fix)/nthread1 ${f(ratios.unsetVsNthread1, 3)}; default hog/no hog ${f(ratios.defaultVsNoHog, 3)}`,
    `backtest MASE of the runs: ${maseSet.join(', ')}`,
    ...notes.map((n) => `note: ${n}`),
  ];
  return { summary, result };
}

const bench: Benchmark = {
  name: 'xgboost-contention',
  description: 'the global xgboost forecaster on an M4-style monthly panel with a CPU hog on every core: default vs nthread 1 vs OpenMP wait policies',
  run,
};
export default bench;
