import pl from 'nodejs-polars';
import { checkOutput, writeOutput } from '../../data/write.js';
import type { GlobalOptions } from '../output.js';
import { runContext } from '../context.js';
import { UsageError } from '../../core/errors.js';

export async function forecastCommand(opts: GlobalOptions & { model: string; horizon?: string; input?: string; out: string }, signal: AbortSignal): Promise<number> {
  let horizon: number | undefined;
  if (opts.horizon !== undefined) {
    horizon = Number(opts.horizon);
    if (!(Number.isInteger(horizon) && horizon > 0)) throw new UsageError(`--horizon must be a positive integer, got ${JSON.stringify(opts.horizon)}`);
  }
  checkOutput(opts.out);
  const ctx = await runContext(opts, signal);
  const { log } = ctx;
  const { forecastFromBundle } = await import('../../tasks/forecast.js');
  const run = await forecastFromBundle(opts.model, { horizon, input: opts.input }, ctx);
  const cols: Record<string, unknown[]> = {};
  if (run.idColumn) cols[run.idColumn] = run.rows.map((r) => r.id);
  cols[run.timeColumn] = run.rows.map((r) => r.time);
  cols.forecast = run.rows.map((r) => r.forecast);
  cols.lower = run.rows.map((r) => r.lower);
  cols.upper = run.rows.map((r) => r.upper);
  const frame = pl.DataFrame(Object.entries(cols).map(([name, v]) => (name === run.idColumn || name === run.timeColumn ? pl.Series(name, v as string[], pl.Utf8) : pl.Series(name, v as number[], pl.Float64))));
  if (opts.json) {
    if (opts.out !== '-') writeOutput(frame, opts.out, signal);
    const series = new Map<string, { id?: string; time: string[]; forecast: number[]; lower: (number | null)[]; upper: (number | null)[] }>();
    for (const r of run.rows) {
      let s = series.get(r.id);
      if (!s) series.set(r.id, (s = { ...(run.idColumn ? { id: r.id } : {}), time: [], forecast: [], lower: [], upper: [] }));
      s.time.push(r.time);
      s.forecast.push(r.forecast);
      s.lower.push(Number.isFinite(r.lower) ? r.lower : null);
      s.upper.push(Number.isFinite(r.upper) ? r.upper : null);
    }
    process.stdout.write(JSON.stringify({ model: opts.model, horizon: run.horizon, level: run.level, intervals: run.intervals, ...(opts.out !== '-' ? { out: opts.out } : {}), series: [...series.values()] }) + '\n');
  } else {
    writeOutput(frame, opts.out, signal);
    log.info(`${run.rows.length} forecast(s), horizon ${run.horizon}, ${run.intervals === 'none' ? 'no intervals (train with evaluate.backtest for conformal ones)' : `${Math.round(run.level * 100)}% ${run.intervals} intervals`}${opts.out === '-' ? '' : `, written to ${opts.out}`}`);
  }
  return 0;
}
