/**
 * Run a command and measure its wall time and peak resident memory (the whole process, start-up
 * included). With GNU time (/usr/bin/time -v) the numbers come from the kernel's rusage of the child;
 * without it, wall time is taken here and peak RSS from the process itself: node commands get
 * bench/lib/maxrss-hook.js preloaded, other commands may report it on stdout (`rssFromStdout`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Measurement {
  command: string;
  /** wall time measured by this process around the child (seconds) */
  wallSeconds: number;
  /** peak resident set size (KiB), null when it could not be measured */
  maxRssKb: number | null;
  userSeconds: number | null;
  sysSeconds: number | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  method: 'gnu-time' | 'self-report' | 'none';
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** kill the whole process group after this many ms */
  timeoutMs?: number;
  /** fallback peak RSS (KiB) reported by the command on stdout */
  rssFromStdout?: (stdout: string) => number | null;
}

const GNU_TIME = '/usr/bin/time';
let gnuTimeCache: boolean | undefined;

/** Whether /usr/bin/time is GNU time (supports -v and -o). */
export function hasGnuTime(): boolean {
  if (gnuTimeCache === undefined) {
    gnuTimeCache = false;
    // BENCH_NO_GNU_TIME=1 forces the fallback (to test it)
    if (!process.env.BENCH_NO_GNU_TIME && existsSync(GNU_TIME)) {
      const r = spawnSync(GNU_TIME, ['-v', 'true'], { encoding: 'utf8' });
      gnuTimeCache = r.status === 0 && /Maximum resident set size/.test(r.stderr ?? '');
    }
  }
  return gnuTimeCache;
}

function hookUrl(): string {
  return pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), 'maxrss-hook.js')).href;
}

/** Parses `/usr/bin/time -v` output. */
export function parseGnuTime(text: string): { maxRssKb: number | null; userSeconds: number | null; sysSeconds: number | null; elapsed: number | null } {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  let elapsed: number | null = null;
  const e = /Elapsed \(wall clock\) time[^:]*:\s*([\d:.]+)/.exec(text);
  if (e) elapsed = e[1]!.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
  return {
    maxRssKb: num(/Maximum resident set size \(kbytes\):\s*(\d+)/),
    userSeconds: num(/User time \(seconds\):\s*([\d.]+)/),
    sysSeconds: num(/System time \(seconds\):\s*([\d.]+)/),
    elapsed,
  };
}

export async function measure(cmd: string, args: string[], opts: MeasureOptions = {}): Promise<Measurement> {
  const gnu = hasGnuTime();
  const tmp = mkdtempSync(join(tmpdir(), 'mlkit-bench-'));
  const timeFile = join(tmp, 'time.txt');
  const rssFile = join(tmp, 'rss.json');
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  let argv: string[];
  let exe: string;
  const isNode = cmd === process.execPath || cmd === 'node';
  if (gnu) {
    exe = GNU_TIME;
    argv = ['-v', '-o', timeFile, cmd, ...args];
  } else {
    exe = cmd;
    argv = isNode ? ['--import', hookUrl(), ...args] : args;
    if (isNode) env.BENCH_MAXRSS_FILE = rssFile;
  }
  const command = [cmd, ...args].join(' ');
  const t0 = process.hrtime.bigint();
  const res = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }>((resolvePromise, reject) => {
    const child = spawn(exe, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL'); // the process group: time and its child
          } catch {
            /* already gone */
          }
        }, opts.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let maxRssKb: number | null = null;
  let userSeconds: number | null = null;
  let sysSeconds: number | null = null;
  let method: Measurement['method'] = 'none';
  let exitCode = res.code;
  if (gnu && existsSync(timeFile)) {
    const text = readFileSync(timeFile, 'utf8');
    const t = parseGnuTime(text);
    maxRssKb = t.maxRssKb;
    userSeconds = t.userSeconds;
    sysSeconds = t.sysSeconds;
    method = 'gnu-time';
    // GNU time exits with the child's status; "Command exited with non-zero status N" confirms it
    const m = /Command exited with non-zero status (\d+)/.exec(text);
    if (m) exitCode = Number(m[1]);
    if (/Command terminated by signal (\d+)/.test(text)) exitCode = null;
  } else if (existsSync(rssFile)) {
    const r = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number; userSeconds: number; sysSeconds: number };
    ({ maxRssKb, userSeconds, sysSeconds } = r);
    method = 'self-report';
  } else if (opts.rssFromStdout) {
    maxRssKb = opts.rssFromStdout(res.stdout);
    if (maxRssKb !== null) method = 'self-report';
  }
  rmSync(tmp, { recursive: true, force: true });
  return { command, wallSeconds, maxRssKb, userSeconds, sysSeconds, exitCode, signal: res.signal, timedOut: res.timedOut, method, stdout: res.stdout, stderr: res.stderr };
}
