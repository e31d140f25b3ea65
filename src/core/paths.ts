/**
 * Checks before writing an output path, so that a path that cannot be written is a one-line usage error
 * (exit 2) rather than an internal error, or a panic in polars' native writer (it panics on a missing
 * folder) that prints a Rust backtrace.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

/** A short reason for a failed file-system call: its code (ENOENT, EACCES, ...) and message. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const first = String(err?.message ?? e).split('\n')[0]!;
  return err?.code && !first.startsWith(err.code) ? `${err.code}: ${first}` : first;
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot use ${p}: ${fsReason(e)}`);
  }
}

/** `dir` (an existing path) must be a writable folder for writing `what` at `p`. */
function requireWritableFolder(dir: string, p: string, what: string): void {
  if (!statSync(dir).isDirectory()) throw new UsageError(`cannot write ${what}${p}: ${dir} is a file, not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${what}${p}: folder ${dir} is not writable`);
  }
}

/** The nearest existing ancestor of `p` must be a writable folder (what mkdir -p then needs). */
export function checkCreatable(p: string, what: string): void {
  for (let dir = path.dirname(path.resolve(p)); ; dir = path.dirname(dir)) {
    if (statOrUndefined(dir)) return requireWritableFolder(dir, p, `${what} `);
    if (path.dirname(dir) === dir) return;
  }
}

/** An output file: its folder must exist and be writable, and the path must not be a folder. */
export function checkWritableFile(p: string): void {
  const abs = path.resolve(p);
  const dir = path.dirname(abs);
  if (!statOrUndefined(dir)) throw new UsageError(`cannot write ${p}: folder ${dir} does not exist`);
  requireWritableFolder(dir, p, '');
  if (statOrUndefined(abs)?.isDirectory()) throw new UsageError(`cannot write ${p}: it is a folder`);
}

/** A path that exists and is not a regular file or a folder: a FIFO, a device, a socket (links followed). */
export function isStreamPath(p: string): boolean {
  try {
    const st = statSync(p);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}
