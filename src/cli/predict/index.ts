import { writeOutput } from '../write.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function predictCommand(data: string, opts: GlobalOptions & { model: string; out: string }, signal: AbortSignal): Promise<number> {
  const ctx = await runContext(opts, signal);
  const { predictTabular } = await import('../../tasks/tabular.js');
  const res = await predictTabular(opts.model, data, ctx);
  writeOutput(res.frame, opts.out, signal);
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.rows }) + '\n');
  else ctx.log.info(`${res.rows} predictions${opts.out === '-' ? '' : ` written to ${opts.out}`}`);
  return 0;
}
