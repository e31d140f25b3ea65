/** Shared test helpers: paths, a temp folder per test file, running the built CLI. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** repository root (tests compile to dist/tests/*.js) */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'mlkit');
export const DATASETS = path.join(ROOT, 'datasets');
export const SHARED = path.resolve(ROOT, '..', 'shared', 'datasets');
/** skip reason for tests that need ../shared/datasets (present in CI, absent on a user's clone) */
export const NEEDS_SHARED: string | false = existsSync(SHARED) ? false : `../shared/datasets not found at ${SHARED}`;

export function tmpDir(prefix = 'mlkit-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function write(dir: string, name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

export interface CliResult { status: number | null; stdout: string; stderr: string }

export function runCli(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract: exactly one stderr line, no stack trace. */
export function oneLineError(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1 || /^\s+at /m.test(r.stderr)) throw new Error(`expected a one-line error, got:\n${r.stderr}`);
  return lines[0];
}
