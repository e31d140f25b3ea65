/**
 * How busy the machine is, from /proc/stat (Linux): the number of cores in use by anything over a short
 * sample. Benchmarks wait for a quiet machine before each timed run, since other processes on this
 * shared VM (tests, other benchmarks) distort timings badly, especially for OpenMP programs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

function cpuTimes(): { idle: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    return { idle, total: v.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** The machine's CPU counters now (idle and total jiffies, all cores), or null without /proc/stat. */
export function cpuSnapshot(): { idle: number; total: number } | null {
  return existsSync('/proc/stat') ? cpuTimes() : null;
}

/** Cores busy (0..cores) between two snapshots, or null when either is missing. */
export function busyBetween(a: { idle: number; total: number } | null, b: { idle: number; total: number } | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  return (1 - (b.idle - a.idle) / (b.total - a.total)) * cpus().length;
}

/** Cores busy (0..cores) over `ms`, or null when /proc/stat is not available. */
export async function busyCores(ms = 1000): Promise<number | null> {
  if (!existsSync('/proc/stat')) return null;
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total <= a.total) return null;
  return (1 - (b.idle - a.idle) / (b.total - a.total)) * cpus().length;
}

export interface IdleWait {
  /** cores busy in the last sample before starting */
  busyCores: number | null;
  /** seconds spent waiting */
  waitedSeconds: number;
  /** false when the wait gave up (the machine stayed busy) */
  quiet: boolean;
}

/** Waits (up to maxSeconds) until fewer than `threshold` cores are busy. */
export async function waitForIdle(maxSeconds: number, threshold = 0.3, onWait?: (busy: number) => void): Promise<IdleWait> {
  const t0 = Date.now();
  let told = false;
  for (let first = true; ; first = false) {
    const busy = await busyCores(1000);
    const waited = (Date.now() - t0) / 1000;
    if (busy === null) return { busyCores: null, waitedSeconds: 0, quiet: true };
    if (busy < threshold) return { busyCores: busy, waitedSeconds: first ? 0 : Math.round(waited), quiet: true };
    if (waited >= maxSeconds) return { busyCores: busy, waitedSeconds: Math.round(waited), quiet: false };
    if (!told && onWait) {
      onWait(busy);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
