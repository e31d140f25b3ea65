import { UsageError } from '../../core/errors.js';
import { readConfigFile } from '../../config/file.js';
import { checkOutput, writeOutput } from '../write.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function preprocessCommand(args: string[], opts: GlobalOptions & { model?: string; out: string }, signal: AbortSignal): Promise<number> {
  let res;
  let ctx;
  if (opts.json && opts.out === '-') throw new UsageError('preprocess --json prints a summary on stdout, where the table goes without --out: give --out FILE (or leave --json out)');
  checkOutput(opts.out);
  if (opts.model) {
    if (args.length !== 1) throw new UsageError('usage: mlkit preprocess --model DIR DATA --out FILE|-');
    ctx = await runContext(opts, signal);
    const { preprocessApply } = await import('../../tasks/preprocess.js');
    res = await preprocessApply(opts.model, args[0]!, ctx);
  } else {
    if (args.length !== 1) throw new UsageError('usage: mlkit preprocess CONFIG [--out FILE|-] (or --model DIR DATA to apply a saved pipeline)');
    const text = readConfigFile(args[0]!);
    const { loadConfig } = await import('../../config/load.js');
    ctx = await runContext(opts, signal);
    const lc = loadConfig(args[0]!, { purpose: 'preprocess', sets: opts.set, registry: ctx.registry, text });
    const { preprocessFit } = await import('../../tasks/preprocess.js');
    res = await preprocessFit(lc, ctx);
  }
  // the output table, then the bundle, with no await between: a Ctrl-C is seen before both or after both
  writeOutput(res.frame, opts.out, signal);
  res.commit?.();
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.frame.height, columns: res.frame.columns, bundle: res.bundleDir }) + '\n');
  else ctx.log.info(`${res.frame.height} rows x ${res.frame.width} columns${opts.out === '-' ? '' : ` written to ${opts.out}`}${res.bundleDir ? `; fitted pipeline saved in ${res.bundleDir}` : ''}`);
  return 0;
}
