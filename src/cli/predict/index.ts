import { checkOutput, openTableWriter } from '../../data/write.js';
import { UsageError } from '../../core/errors.js';
import type { TableFormat } from '../../data/read.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function predictCommand(data: string, opts: GlobalOptions & { model: string; out: string; format?: TableFormat }, signal: AbortSignal): Promise<number> {
  if (opts.json && opts.out === '-') throw new UsageError('predict --json prints a summary on stdout, where the table goes without --out: give --out FILE (or leave --json out)');
  checkOutput(opts.out);
  const ctx = await runContext(opts, signal);
  const { predictTabular } = await import('../../tasks/tabular.js');
  // rows are written as they are predicted; a failed or cancelled run leaves a regular --out file as it was
  const sink = openTableWriter(opts.out, signal);
  let res;
  try {
    res = await predictTabular(opts.model, data, sink, ctx, { format: opts.format });
    await sink.close();
  } catch (e) {
    sink.abort();
    throw e;
  }
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.rows }) + '\n');
  else ctx.log.info(`${res.rows} predictions${opts.out === '-' ? '' : ` written to ${opts.out}`}`);
  return 0;
}
