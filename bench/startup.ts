/**
 * Start-up cost of a failing command: `mlkit train missing.yaml` (the config is read before YAML, zod,
 * the component specs or polars load) against `mlkit --help` (commander only), as whole processes,
 * alternating, N runs each. CPU (user + sys, from GNU time when present) and wall medians, and their
 * ratios; the target is train-missing <= 1.5x --help. Also `mlkit list --json` (loads every spec, no
 * implementation) for reference.
 */
import { join } from 'node:path';
import { measure, type Measurement } from './lib/measure.js';
import { intOption, median, round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';

const CASES: { label: string; args: string[]; expectExit: number }[] = [
  { label: 'help', args: ['--help'], expectExit: 0 },
  { label: 'trainMissingConfig', args: ['train', 'no-such-config.yaml'], expectExit: 2 },
  { label: 'listJson', args: ['list', '--json'], expectExit: 0 },
];

const cpu = (m: Measurement) => (m.userSeconds === null || m.sysSeconds === null ? null : m.userSeconds + m.sysSeconds);

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const repeat = Math.max(3, intOption(opts, 'repeat', 'BENCH_REPEAT', 15));
  const bin = join(opts.root, 'bin', 'mlkit');
  const runs: Record<string, Measurement[]> = Object.fromEntries(CASES.map((c) => [c.label, []]));
  for (let r = 0; r < repeat; r++) {
    for (const c of CASES) {
      const m = await measure(process.execPath, [bin, ...c.args], { cwd: opts.dataDir, env: { ...process.env, NO_COLOR: '1' } });
      if (m.exitCode !== c.expectExit) throw new Error(`mlkit ${c.args.join(' ')} exited ${m.exitCode}, expected ${c.expectExit}: ${m.stderr.trim().slice(0, 300)}`);
      runs[c.label]!.push(m);
    }
    opts.log(`round ${r + 1}/${repeat}`);
  }
  const stats = Object.fromEntries(CASES.map((c) => {
    const ms = runs[c.label]!;
    const cpus = ms.map(cpu).filter((v): v is number => v !== null);
    return [c.label, {
      command: `mlkit ${c.args.join(' ')}`,
      medianWallSeconds: round(median(ms.map((m) => m.wallSeconds)), 4),
      medianCpuSeconds: cpus.length ? round(median(cpus), 4) : null,
      medianMaxRssMiB: round(median(ms.map((m) => (m.maxRssKb ?? NaN) / 1024).filter(Number.isFinite)), 1),
      method: ms[0]!.method,
    }];
  }));
  const h = stats.help!;
  const t = stats.trainMissingConfig!;
  const ratioCpu = h.medianCpuSeconds && t.medianCpuSeconds ? round(t.medianCpuSeconds / h.medianCpuSeconds, 3) : null;
  const ratioWall = h.medianWallSeconds && t.medianWallSeconds ? round(t.medianWallSeconds / h.medianWallSeconds, 3) : null;
  const met = (ratioCpu ?? ratioWall ?? Infinity) <= 1.5;
  return {
    summary: [
      `mlkit --help: wall ${h.medianWallSeconds} s, cpu ${h.medianCpuSeconds} s (median of ${repeat})`,
      `mlkit train missing.yaml: wall ${t.medianWallSeconds} s, cpu ${t.medianCpuSeconds} s; ratio to --help: cpu ${ratioCpu}, wall ${ratioWall} (target <= 1.5: ${met ? 'met' : 'MISSED'})`,
      `mlkit list --json: wall ${stats.listJson!.medianWallSeconds} s, cpu ${stats.listJson!.medianCpuSeconds} s`,
    ],
    result: {
      benchmark: 'startup',
      date: new Date().toISOString(),
      node: process.version,
      repeat,
      cases: stats,
      ratios: { trainMissingVsHelpCpu: ratioCpu, trainMissingVsHelpWall: ratioWall },
      target: { trainMissingVsHelp: 1.5, met },
    },
  };
}

const bench: Benchmark = {
  name: 'startup',
  description: 'start-up cost: mlkit train missing.yaml vs mlkit --help, whole processes (target <= 1.5x)',
  run,
};
export default bench;
