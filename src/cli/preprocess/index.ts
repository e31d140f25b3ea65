import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../core/errors.js';
import { writeOutput } from '../write.js';
import { makeLogger, type GlobalOptions } from '../output.js';

export async function preprocessCommand(args: string[], opts: GlobalOptions & { model?: string; out: string }): Promise<number> {
  const log = makeLogger(opts);
  const { preprocessApply, preprocessFit } = await import('../../tasks/preprocess.js');
  let res;
  if (opts.model) {
    if (args.length !== 1) throw new UsageError('usage: mlkit preprocess --model DIR DATA --out FILE|-');
    res = await preprocessApply(opts.model, args[0], { log });
  } else {
    if (args.length !== 1) throw new UsageError('usage: mlkit preprocess CONFIG [--out FILE|-] (or --model DIR DATA to apply a saved pipeline)');
    const { defaultRegistry } = await import('../../components.js');
    const lc = loadConfig(args[0], { purpose: 'preprocess', sets: opts.set, registry: defaultRegistry });
    res = await preprocessFit(lc, { log });
  }
  writeOutput(res.frame, opts.out);
  if (opts.json && opts.out !== '-') process.stdout.write(JSON.stringify({ out: opts.out, rows: res.frame.height, columns: res.frame.columns, bundle: res.bundleDir }) + '\n');
  else log.info(`${res.frame.height} rows x ${res.frame.width} columns${opts.out === '-' ? '' : ` written to ${opts.out}`}${res.bundleDir ? `; fitted pipeline saved in ${res.bundleDir}` : ''}`);
  return 0;
}
