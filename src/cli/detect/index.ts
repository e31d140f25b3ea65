import { checkOutput, openTableWriter } from '../../data/write.js';
import { CheckFailed, InterruptedError } from '../../core/errors.js';
import type { TableFormat } from '../../data/read.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';
import type { BadRowPolicy, DetectSummary } from '../../tasks/detect.js';

/**
 * `mlkit detect`: verdicts stream to --out (default stdout); the summary goes to stderr, or with --json
 * to stdout after the stream. --fail-on-anomaly: exit 1 when any row was anomalous. Ctrl-C ends the
 * stream with the rows scored so far written (exit 130).
 */
export async function detectCommand(data: string, opts: GlobalOptions & { model: string; out: string; format?: TableFormat; failOnAnomaly?: boolean; onBadRow: BadRowPolicy }, signal: AbortSignal): Promise<number> {
  checkOutput(opts.out);
  const ctx = await runContext(opts, signal);
  const { detectStream, newSummary } = await import('../../tasks/detect.js');
  const sink = openTableWriter(opts.out, signal);
  const res: DetectSummary = newSummary();
  const report = () => {
    if (opts.json) {
      if (!sink.gone) process.stdout.write(JSON.stringify({ out: opts.out, ...res }) + '\n');
    } else {
      // the reader of the output went away (| head): the rows scored by then, and that the stream stopped there
      const gone = sink.gone ? '; the output was closed by its reader (e.g. | head), so the stream stopped there' : '';
      ctx.log.info(`${res.rows} rows${sink.gone ? ' scored' : ''}, ${res.anomalies} anomalous, ${res.badRows} bad row${res.badRows === 1 ? '' : 's'}${res.warmupRows ? `, ${res.warmupRows} warm-up` : ''}; ${res.rowsPerSecond} rows/s${opts.out === '-' ? '' : `; written to ${opts.out}`}${gone}`);
    }
  };
  try {
    await detectStream(opts.model, data, sink, ctx, { format: opts.format, onBadRow: opts.onBadRow }, res);
    await sink.close();
  } catch (e) {
    if (e instanceof InterruptedError) {
      // the rows scored so far are kept: a regular --out file is completed, not dropped
      try {
        await sink.finish();
        report();
      } catch {
        sink.abort();
      }
    } else sink.abort();
    throw e;
  }
  report();
  if (opts.failOnAnomaly && res.anomalies > 0) throw new CheckFailed(`${res.anomalies} anomalous row${res.anomalies === 1 ? '' : 's'} (--fail-on-anomaly)`);
  return 0;
}
