import { writeOutput } from '../write.js';
import { makeLogger, type GlobalOptions } from '../output.js';

export async function predictCommand(data: string, opts: GlobalOptions & { model: string; out: string }): Promise<number> {
  const log = makeLogger(opts);
  const { predictTabular } = await import('../../tasks/tabular.js');
  const res = await predictTabular(opts.model, data, { log });
  writeOutput(res.frame, opts.out);
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.rows }) + '\n');
  else log.info(`${res.rows} predictions${opts.out === '-' ? '' : ` written to ${opts.out}`}`);
  return 0;
}
