import { UsageError } from '../../core/errors.js';
import { readConfigFile } from '../../config/file.js';
import { checkOutput, openTableWriter, writeOutput } from '../../data/write.js';
import type { TableFormat } from '../../data/read.js';
import type { RunContext } from '../../core/context.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

export async function preprocessCommand(args: string[], opts: GlobalOptions & { model?: string; out: string; format?: TableFormat }, signal: AbortSignal): Promise<number> {
  if (opts.json && opts.out === '-') throw new UsageError('preprocess --json prints a summary on stdout, where the table goes without --out: give --out FILE (or leave --json out)');
  checkOutput(opts.out);
  if (opts.model) {
    if (args.length !== 1) throw new UsageError('usage: mlkit preprocess --model DIR DATA --out FILE|-');
    const ctx = await runContext(opts, signal);
    const { preprocessApply } = await import('../../tasks/preprocess.js');
    // streamed: rows are written batch by batch; a failed or cancelled run leaves a regular --out file as it was
    const sink = openTableWriter(opts.out, signal);
    let res;
    try {
      res = await preprocessApply(opts.model, args[0]!, sink, ctx, { format: opts.format });
      await sink.close();
    } catch (e) {
      sink.abort();
      throw e;
    }
    report(opts, ctx, res.rows, res.columns);
    return 0;
  }
  if (opts.format) throw new UsageError('preprocess CONFIG: the data format is data.format in the config (--format is for --model DIR DATA)');
  if (args.length !== 1) throw new UsageError('usage: mlkit preprocess CONFIG [--out FILE|-] (or --model DIR DATA to apply a saved pipeline)');
  const text = readConfigFile(args[0]!);
  const { loadConfig } = await import('../../config/load.js');
  const ctx = await runContext(opts, signal);
  const lc = loadConfig(args[0]!, { purpose: 'preprocess', sets: opts.set, registry: ctx.registry, text });
  const { preprocessFit } = await import('../../tasks/preprocess.js');
  const res = await preprocessFit(lc, ctx);
  // the output table, then the bundle, with no await between: a Ctrl-C is seen before both or after both
  writeOutput(res.frame, opts.out, signal);
  res.commit?.();
  report(opts, ctx, res.frame.height, res.frame.columns, res.bundleDir);
  return 0;
}

function report(opts: GlobalOptions & { out: string }, ctx: RunContext, rows: number, columns: string[], bundleDir?: string): void {
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows, columns, bundle: bundleDir }) + '\n');
  else ctx.log.info(`${rows} rows x ${columns.length} columns${opts.out === '-' ? '' : ` written to ${opts.out}`}${bundleDir ? `; fitted pipeline saved in ${bundleDir}` : ''}`);
}
