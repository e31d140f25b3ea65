import type { TableFormat } from '../../data/read.js';
import { METRIC_NAMES, type MetricName } from '../../config/schema.js';
import { CheckFailed, UsageError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { formatMetrics, type GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

interface Gate { metric: MetricName; value: number; dir: 'under' | 'over'; text: string }

function parseGates(list: string[] | undefined, dir: 'under' | 'over'): Gate[] {
  return (list ?? []).map((text) => {
    const m = /^([a-z0-9_]+)\s*=\s*(.+)$/i.exec(text.trim());
    if (!m) throw new UsageError(`--fail-${dir} ${text}: expected metric=value, e.g. auc=0.9`);
    const metric = m[1].toLowerCase();
    if (!(METRIC_NAMES as readonly string[]).includes(metric)) throw new UsageError(`--fail-${dir} ${text}: unknown metric "${metric}"${didYouMean(metric, METRIC_NAMES)} (known: ${METRIC_NAMES.join(', ')})`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new UsageError(`--fail-${dir} ${text}: "${m[2]}" is not a number`);
    return { metric: metric as MetricName, value, dir, text };
  });
}

export async function evaluateCommand(data: string, opts: GlobalOptions & { model: string; failUnder?: string[]; failOver?: string[]; backtest?: boolean; format?: TableFormat }, signal: AbortSignal): Promise<number> {
  const ctx = await runContext(opts, signal);
  const { log } = ctx;
  const gates = [...parseGates(opts.failUnder, 'under'), ...parseGates(opts.failOver, 'over')];
  let metrics: Record<string, number | undefined>;
  const { peekTask } = await import('../../bundle/bundle.js');
  if (opts.backtest || peekTask(opts.model) === 'forecast') {
    const { backtestBundle } = await import('../../tasks/forecast.js');
    const res = await backtestBundle(opts.model, data, ctx);
    metrics = res.overall;
    const { folds, horizon, step } = res.settings;
    if (opts.json) {
      process.stdout.write(JSON.stringify({ metrics, backtest: { folds, horizon, step }, folds: res.folds }) + '\n');
    } else {
      const names = Object.keys(res.overall);
      const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : String(Number(v.toPrecision(6))));
      const table = [['fold', 'origin', ...names], ...res.folds.map((f) => [String(f.fold), String(f.origin), ...names.map((n) => cell(f.metrics[n]))]), ['overall', '', ...names.map((n) => cell(res.overall[n as keyof typeof res.overall]))]];
      const widths = table[0]!.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
      log.info(`backtest: ${folds} fold(s), horizon ${horizon}, step ${step} (rolling origin, expanding window)`);
      process.stdout.write(table.map((r) => r.map((c, j) => c.padStart(widths[j]!)).join('  ')).join('\n') + '\n');
    }
  } else {
    const { evaluateTabular } = await import('../../tasks/tabular.js');
    const res = await evaluateTabular(opts.model, data, ctx, gates.map((g) => g.metric), opts.format);
    metrics = res.metrics;
    if (opts.json) process.stdout.write(JSON.stringify({ metrics: res.metrics }) + '\n');
    else process.stdout.write(formatMetrics(res.metrics) + '\n');
  }
  const failed: string[] = [];
  for (const g of gates) {
    const v = metrics[g.metric];
    if (v === undefined || Number.isNaN(v)) failed.push(`${g.metric} is not available (n/a), gate ${g.text}`);
    else if (g.dir === 'under' && v < g.value) failed.push(`${g.metric} ${v} < ${g.value}`);
    else if (g.dir === 'over' && v > g.value) failed.push(`${g.metric} ${v} > ${g.value}`);
  }
  if (failed.length) throw new CheckFailed(`gate failed: ${failed.join('; ')}`);
  if (gates.length) log.info(`all ${gates.length} gate(s) passed`);
  return 0;
}
