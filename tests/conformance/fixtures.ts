/**
 * One fixture per registered component: valid params and small training data of the shape the
 * component takes. The conformance suite (conformance.test.ts) runs every registered component
 * through the same checks with its fixture; a component registered without one fails the suite.
 */
import pl from 'nodejs-polars';
import type { Frame, SeriesData, SeriesMeta, TabularFitData, TabularTask } from '../../src/core/types.js';
import { addSteps, type Freq } from '../../src/core/time.js';

export interface TransformerFixture {
  kind: 'transformer';
  params: Record<string, unknown>;
  /** the training frame with n rows (deterministic) */
  frame(n: number): Frame;
}

export interface EstimatorFixture {
  kind: 'estimator';
  params: Record<string, unknown>;
  options?: Record<string, unknown>;
  task: TabularTask;
  data(n: number): TabularFitData;
}

export interface ForecasterFixture {
  kind: 'forecaster';
  params: Record<string, unknown>;
  options?: Record<string, unknown>;
  /** `k` series of `n` points */
  series(k: number, n: number): SeriesData[];
  meta: SeriesMeta;
  horizon: number;
}

export interface DetectorFixture {
  kind: 'detector';
  params: Record<string, unknown>;
  frame(n: number): Frame;
}

export type Fixture = TransformerFixture | EstimatorFixture | ForecasterFixture | DetectorFixture;

/** A deterministic pseudo-random sequence in [0, 1). */
function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** numeric a, b, c (b with a few nulls), text t, u; n rows */
function mixed(n: number): Frame {
  const r = rand(n + 1);
  const cats = ['red', 'green', 'blue'];
  return pl.DataFrame({
    a: Array.from({ length: n }, (_, i) => i + r()),
    b: Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : 10 * Math.sin(i) + r())),
    c: Array.from({ length: n }, () => Math.round(100 * r())),
    t: Array.from({ length: n }, (_, i) => cats[i % 3]!),
    u: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `k${i % 4}`)),
  });
}

const numeric = (n: number) => mixed(n).select('a', 'b', 'c');
const text = (n: number) => mixed(n).select('t', 'u');

function timed(n: number): Frame {
  return mixed(n).select('a').withColumns(pl.Series('ts', Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString().slice(0, 19))));
}

const MONTHLY: Freq = { unit: 'month', step: 1, anchor: 'start' };

function monthly(k: number, n: number, withExog = false): SeriesData[] {
  return Array.from({ length: k }, (_, j) => {
    const r = rand(31 * j + n);
    let level = 100 + 20 * j;
    const y = Float64Array.from({ length: n }, (_, i) => (level += r() - 0.45) + 8 * Math.sin((2 * Math.PI * i) / 12) + (j + 1) * 0.1 * i);
    const exog = withExog ? [Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0))] : [];
    return { id: `s${j}`, y, exog, times: Float64Array.from({ length: n }, (_, i) => addSteps(Date.UTC(2000, 0, 1), MONTHLY, i)) };
  });
}

function regression(n: number): TabularFitData {
  const r = rand(n + 7);
  const cols = 4;
  const x = new Float32Array(n * cols);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) x[i * cols + j] = r() * 10;
    y[i] = 2 * x[i * cols]! - x[i * cols + 1]! + r();
  }
  return { x: { data: x, rows: n, cols }, y, featureNames: ['f0', 'f1', 'f2', 'f3'], featureTypes: ['q', 'q', 'q', 'q'] };
}

const forecaster = (params: Record<string, unknown>): ForecasterFixture => ({ kind: 'forecaster', params, series: (k, n) => monthly(k, n), meta: { season: 12, freq: MONTHLY }, horizon: 6 });

export const FIXTURES: Record<string, Fixture> = {
  'transformer:standard_scaler': { kind: 'transformer', params: {}, frame: numeric },
  'transformer:min_max_scaler': { kind: 'transformer', params: {}, frame: numeric },
  'transformer:robust_scaler': { kind: 'transformer', params: {}, frame: numeric },
  'transformer:simple_imputer': { kind: 'transformer', params: { strategy: 'median' }, frame: numeric },
  'transformer:one_hot': { kind: 'transformer', params: { handle_unknown: 'ignore' }, frame: text },
  'transformer:ordinal': { kind: 'transformer', params: {}, frame: text },
  'transformer:lags': { kind: 'transformer', params: { columns: ['a', 'b'], lags: 2 }, frame: numeric },
  'transformer:diff': { kind: 'transformer', params: { columns: ['a'] }, frame: numeric },
  'transformer:rolling': { kind: 'transformer', params: { columns: ['a', 'b'], window: 3 }, frame: numeric },
  'transformer:datetime_parts': { kind: 'transformer', params: { column: 'ts' }, frame: timed },
  'transformer:fft': { kind: 'transformer', params: { column: 'a', window: 8, hop: 2 }, frame: numeric },
  'estimator:mlp': { kind: 'estimator', params: { units: [8], dropout: 0.1 }, options: { train: { epochs: 3, batch_size: 16 } }, task: { kind: 'regression' }, data: regression },
  'estimator:xgboost': { kind: 'estimator', params: { num_round: 8, max_depth: 3 }, task: { kind: 'regression' }, data: regression },
  'forecaster:arima': forecaster({ p: 1, d: 1, q: 0 }),
  'forecaster:naive': forecaster({}),
  'forecaster:cnn': { ...forecaster({ filters: [4, 4], kernel: 3, pool: 2, window: 12, dropout: 0.1 }), options: { train: { epochs: 2, batch_size: 16 } } },
  'forecaster:transformer': { ...forecaster({ d_model: 8, heads: 2, layers: 1, window: 12, dropout: 0.1 }), options: { train: { epochs: 2, batch_size: 16 } } },
  'forecaster:fno': { ...forecaster({ modes: 3, width: 4, layers: 2, window: 12 }), options: { train: { epochs: 2, batch_size: 16 } } },
  'forecaster:rnn': { ...forecaster({ units: 4, window: 12, dropout: 0.1, recurrent_dropout: 0.1 }), options: { train: { epochs: 2, batch_size: 16 } } },
  'forecaster:seasonal_naive': forecaster({}),
  'forecaster:drift': forecaster({}),
  'forecaster:xgboost': { ...forecaster({ num_round: 8, lags: 6 }), series: (k, n) => monthly(k, n, true) },
  'detector:predictive': { kind: 'detector', params: { lags: 4, xgboost: { num_round: 5, max_depth: 3 } }, frame: (n) => numeric(n).select('a', 'c') },
  'detector:supervised': { kind: 'detector', params: { label: 'y', lags: 2, xgboost: { num_round: 5, max_depth: 3 } }, frame: (n) => numeric(n).select('a', 'c').withColumns(pl.Series('y', Array.from({ length: n }, (_, i) => (i % 10 === 7 ? 1 : 0)), pl.Float64)) },
  'detector:autoencoder': { kind: 'detector', params: { network: 'mlp', window: 4, units: [4], latent: 2, train: { epochs: 2, batch_size: 16 } }, frame: (n) => numeric(n).select('a', 'c') },
  'detector:statistical': { kind: 'detector', params: { window: 8, fft_window: 8, fft_hop: 2, season: 'auto', tail_risk: 1e-3, adapt: true }, frame: (n) => numeric(n).select('a', 'c') },
};
