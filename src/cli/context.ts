/** The RunContext a command hands its task: the built-in registry, the CLI's logger, signal and progress bars. */
import type { RunContext } from '../core/context.js';
import { epochLineWriter, makeLogger, progressBars, type GlobalOptions } from './output.js';

export async function runContext(opts: GlobalOptions, signal: AbortSignal, extra: Partial<RunContext> = {}): Promise<RunContext> {
  const { builtinRegistry } = await import('../specs.js');
  return { registry: builtinRegistry(), log: makeLogger(opts), signal, progress: await progressBars(opts), epochLines: epochLineWriter(opts), force: opts.force === true, resume: opts.resume === true, ...extra };
}
