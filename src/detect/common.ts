/** What the detectors share: finding their channels in a batch, and the XGBoost models of the predictive and supervised ones. */
import { DataError } from '../core/errors.js';
import type { BlobReader, Estimator, Logger, RowBatch } from '../core/types.js';

/** The index in `batch.columns` of each fitted channel; a missing one is a data error naming it. */
export function channelIndex(channels: readonly string[], batch: RowBatch): number[] {
  const idx = channels.map((c) => batch.columns.indexOf(c));
  const missing = idx.indexOf(-1);
  if (missing >= 0) throw new DataError(`channel "${channels[missing]}" is missing (the detector was fitted with it)`, { path: channels[missing] });
  return idx;
}

/** The median of the values (NaN for none). */
export function median(a: ArrayLike<number>): number {
  const s = Float64Array.from(a).sort();
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

type Engine = 'auto' | 'native' | 'wasm';

/** A new XGBoost estimator (XGBoost's own params validated by its schema), its engine resolved. */
export async function newXGBoost(params: Record<string, unknown>, engine: Engine, log: Logger) {
  const { XGBoostEstimator, resolveEngine } = await import('../estimators/xgboost/index.js');
  const { xgboostParamsSchema } = await import('../estimators/xgboost/spec.js');
  return new XGBoostEstimator(xgboostParamsSchema.parse(params), { engine }).withEngine(await resolveEngine(engine, log));
}

/** An XGBoost estimator saved by a detector, restored. */
export async function restoreXGBoost(params: Record<string, unknown>, state: unknown, reader: BlobReader, log: Logger, engine: Engine): Promise<Estimator> {
  const { XGBoostEstimator } = await import('../estimators/xgboost/index.js');
  const { xgboostParamsSchema } = await import('../estimators/xgboost/spec.js');
  return XGBoostEstimator.restore(xgboostParamsSchema.parse(params), state as any, reader, log, { engine });
}
