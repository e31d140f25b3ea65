import type { TableFormat } from '../../data/read.js';
import { METRIC_NAMES, type MetricName } from '../../config/schema.js';
import { CheckFailed, UsageError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { formatMetrics, type GlobalOptions } from '../output.js';
import { runContext } from '../context.js';

interface Gate { metric: MetricName | (typeof DETECT_METRICS)[number]; value: number; dir: 'under' | 'over'; text: string }

/** Metrics of detection bundles (metrics/detection.ts) a gate may name. */
const DETECT_METRICS = [
  'point_precision', 'point_recall', 'point_f1', 'point_f05', 'event_precision', 'event_recall', 'event_f1', 'event_f05',
  'event_tp', 'event_fp', 'event_fn', 'flagged_rows', 'detect_delay_rows', 'detect_delay_seconds',
  'nab_standard', 'nab_reward_low_FP_rate', 'nab_reward_low_FN_rate',
] as const;

function parseGates(list: string[] | undefined, dir: 'under' | 'over', known: readonly string[] = METRIC_NAMES): Gate[] {
  return (list ?? []).map((text) => {
    const m = /^([a-z0-9_]+)\s*=\s*(.+)$/i.exec(text.trim());
    if (!m) throw new UsageError(`--fail-${dir} ${text}: expected metric=value, e.g. auc=0.9`);
    const metric = known.includes(m[1]) ? m[1] : m[1].toLowerCase();
    if (!known.includes(metric)) throw new UsageError(`--fail-${dir} ${text}: unknown metric "${metric}"${didYouMean(metric, known)} (known: ${known.join(', ')})`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new UsageError(`--fail-${dir} ${text}: "${m[2]}" is not a number`);
    return { metric: metric as MetricName, value, dir, text };
  });
}

export async function evaluateCommand(data: string, opts: GlobalOptions & { model: string; failUnder?: string[]; failOver?: string[]; backtest?: boolean; format?: TableFormat; label?: string; windows?: string }, signal: AbortSignal): Promise<number> {
  if (opts.label !== undefined && opts.windows !== undefined) throw new UsageError('--label and --windows both give the labels: use one of them');
  const ctx = await runContext(opts, signal);
  const { log } = ctx;
  const { loadBundle, peekTask } = await import('../../bundle/bundle.js');
  const task = peekTask(opts.model);
  // no readable manifest: the bundle's own error (exit 4), before any flag is judged by the bundle's task
  if (task === undefined) loadBundle(opts.model);
  const detecting = task === 'detect';
  const known = detecting ? DETECT_METRICS : METRIC_NAMES;
  const gates = [...parseGates(opts.failUnder, 'under', known), ...parseGates(opts.failOver, 'over', known)];
  if (!detecting && (opts.label || opts.windows)) throw new UsageError('--label and --windows are for detection bundles (task: detect)');
  if (detecting && opts.backtest) throw new UsageError('--backtest is for forecasting bundles; a detection bundle is evaluated on labels (--label or --windows)');
  const nabGate = gates.find((g) => g.metric.startsWith('nab_'));
  if (detecting && nabGate && opts.windows === undefined) throw new UsageError(`--fail-${nabGate.dir} ${nabGate.text}: the NAB scores come with --windows only`);
  let metrics: Record<string, number | undefined>;
  if (detecting) {
    const { evaluateDetect } = await import('../../tasks/detect.js');
    const res = await evaluateDetect(opts.model, data, ctx, { format: opts.format, label: opts.label, windows: opts.windows });
    metrics = res.metrics as unknown as Record<string, number | undefined>;
    if (opts.json) process.stdout.write(JSON.stringify({ metrics: res.metrics }) + '\n');
    else process.stdout.write(formatMetrics(res.metrics as unknown as Record<string, number>) + '\n');
  } else if (opts.backtest || peekTask(opts.model) === 'forecast') {
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
    const res = await evaluateTabular(opts.model, data, ctx, gates.map((g) => g.metric as MetricName), opts.format);
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
