import { checkOutput, writeOutput } from '../write.js';
import { UsageError } from '../../core/errors.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function predictCommand(data: string, opts: GlobalOptions & { model: string; out: string }, signal: AbortSignal): Promise<number> {
  if (opts.json && opts.out === '-') throw new UsageError('predict --json prints a summary on stdout, where the table goes without --out: give --out FILE (or leave --json out)');
  checkOutput(opts.out);
  const ctx = await runContext(opts, signal);
  const { predictTabular } = await import('../../tasks/tabular.js');
  const res = await predictTabular(opts.model, data, ctx);
  writeOutput(res.frame, opts.out, signal);
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.rows }) + '\n');
  else ctx.log.info(`${res.rows} predictions${opts.out === '-' ? '' : ` written to ${opts.out}`}`);
  return 0;
}
