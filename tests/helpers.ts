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

// ------------------------------------------------------------------------------------------------
// Components in-process: a registry and a run context per test (no shared module state)

import { builtinRegistry } from '../src/specs.js';
import { silentLogger } from '../src/core/log.js';
import type { RunContext } from '../src/core/context.js';
import type { Registry } from '../src/core/registry.js';

export { builtinRegistry };

/** A RunContext for calling tasks in-process: the built-in registry, no output, a signal never aborted. */
export function testContext(extra: Partial<RunContext> = {}): RunContext {
  return { registry: builtinRegistry(), log: silentLogger, signal: new AbortController().signal, ...extra };
}

/** A new (unfitted) component of a registry, with params validated by its spec. */
export async function makeComponent<C = any>(kind: 'transformer' | 'estimator' | 'forecaster' | 'detector', name: string, params: unknown = {}, options: unknown = {}, registry: Registry = builtinRegistry()): Promise<C> {
  const spec = registry.get(kind, name);
  const impl = await registry.load(kind, name);
  return impl.create(spec.params.parse(params), spec.options ? spec.options.parse(options) : undefined) as C;
}

import { impls as scalerImpls } from '../src/pipeline/scalers/index.js';
import { impl as imputerImpl } from '../src/pipeline/imputer/index.js';
import { impls as encoderImpls } from '../src/pipeline/encoders/index.js';
import { impls as timeseriesImpls } from '../src/pipeline/timeseries/index.js';
import { impl as fftImpl } from '../src/pipeline/fft/index.js';
import type { Transformer } from '../src/core/types.js';

const TRANSFORMER_IMPLS: Record<string, { create(p: any, o: any): any; restore(p: any, s: any, r: any, c: any): Promise<any> }> = {
  ...scalerImpls, simple_imputer: imputerImpl, ...encoderImpls, ...timeseriesImpls, fft: fftImpl,
};

/**
 * A built-in transformer's spec with its implementation at hand (tests of one transformer): create() is
 * synchronous, restore() async as everywhere. The concrete transformers' fit() returns the transformer.
 */
export function transformerSpec(name: string) {
  const spec = builtinRegistry().get('transformer', name);
  const impl = TRANSFORMER_IMPLS[name];
  if (!impl) throw new Error(`no transformer ${name}`);
  type T = Transformer & { fit(x: any, ctx: any): T; toState(): any };
  return {
    name,
    params: spec.params,
    create: (p: unknown): T => impl.create(p, undefined),
    restore: (p: unknown, s: unknown): Promise<T> => impl.restore(p, s, { read() { throw new Error('no files'); } }, { options: undefined, log: silentLogger }),
  };
}
