/**
 * What a benchmark is, for bench/run.ts. A benchmark module default-exports a `Benchmark`; run.ts
 * lists the modules (one line each) and calls the ones asked for.
 */

export interface BenchOptions {
  /** `--key value` / `--key=value` / `--flag` options after the benchmark names (strings; flags are 'true') */
  args: Record<string, string>;
  /** the mlkit repository root (where bin/mlkit and package.json are) */
  root: string;
  /** bench/data (git-ignored, for generated inputs and outputs) */
  dataDir: string;
  /** progress lines (stderr) */
  log: (line: string) => void;
}

export interface BenchOutcome {
  /** short human summary, printed to stderr by run.ts */
  summary: string[];
  /** written to bench/results/<name>.json and printed on stdout */
  result: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<BenchOutcome>;
}

/** An option from the command line (`--name`), else an environment variable, else the default. */
export function intOption(opts: BenchOptions, name: string, env: string, def: number): number {
  const raw = opts.args[name] ?? process.env[env];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} / ${env}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
  return v;
}

export function flagOption(opts: BenchOptions, name: string, env: string): boolean {
  const raw = opts.args[name] ?? process.env[env];
  return raw !== undefined && raw !== '' && raw !== '0' && raw !== 'false';
}

export function median(xs: number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function round(x: number | null | undefined, digits = 3): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
