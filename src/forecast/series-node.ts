/**
 * The bundle's series node (its `pipeline` node in forecasting bundles): how a table became series
 * (settings, frequency, timestamp style, season) and the training history itself (series/history.f64:
 * per series, y then each exogenous column), so that `mlkit forecast` without --input forecasts from it.
 */
import { BundleError } from '../core/errors.js';
import type { ComponentNode } from '../core/types.js';
import { addSteps, type Freq, type TimeStyle } from '../core/time.js';
import type { LoadedBundle } from '../bundle/bundle.js';
import type { PreparedSeries, SeriesSettings } from './series.js';

/** What the bundle's "pipeline" node records: how a table becomes series. */
export interface SeriesNodeState {
  freq: Freq;
  style: TimeStyle;
  season: number;
  /** per series: id, length, first index in history.f64 (values: y then each exog column), last timestamp */
  series: { id: string; n: number; offset: number; last: number }[];
}

export const HISTORY_FILE = 'series/history.f64';

/** What is wrong with a bundle's series node (a hand-edited manifest), or undefined. */
export function badSeriesNode(node: SeriesNodeState | undefined, historyValues: number, nExog: number): string | undefined {
  const f = node?.freq as { unit?: unknown; step?: unknown; anchor?: unknown } | undefined;
  if (f === undefined || f === null) return 'frequency is missing';
  if (typeof f !== 'object') return `frequency ${JSON.stringify(f)} is not one mlkit writes`;
  const stepOk = typeof f.step === 'number' && Number.isFinite(f.step) && f.step > 0;
  if (!stepOk || !(f.unit === 'ms' || f.unit === 'number' || (f.unit === 'month' && (f.anchor === 'start' || f.anchor === 'end')))) return `frequency ${JSON.stringify(f)} is not one mlkit writes`;
  if (!Array.isArray(node!.series) || node!.series.length === 0) return 'series are missing';
  if (!(Number.isInteger(node!.season) && node!.season >= 1)) return `season ${JSON.stringify(node!.season)} is not a positive integer`;
  let next = 0;
  for (const s of node!.series) {
    if (typeof s?.id !== 'string' || !Number.isInteger(s.n) || s.n < 1 || s.offset !== next || !Number.isFinite(s.last)) return `series entry ${JSON.stringify(s)} is not valid`;
    next += s.n * (1 + nExog);
  }
  if (next !== historyValues) return `series cover ${next} values, but ${HISTORY_FILE} holds ${historyValues}`;
  return undefined;
}

/** The training series stored in the bundle. */
export function storedHistory(bundle: Pick<LoadedBundle, 'read'>, node: SeriesNodeState, settings: SeriesSettings): PreparedSeries[] {
  const buf = bundle.read(HISTORY_FILE);
  const all = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const k = settings.exog.length;
  return node.series.map((s) => {
    const y = all.slice(s.offset, s.offset + s.n);
    const exog = Array.from({ length: k }, (_, j) => all.slice(s.offset + (j + 1) * s.n, s.offset + (j + 2) * s.n));
    const times = new Float64Array(s.n);
    for (let i = 0; i < s.n; i++) times[i] = addSteps(s.last, node.freq, i - s.n + 1);
    return { id: s.id, y, exog, times };
  });
}

/** The node and its history file for prepared training series. */
export function seriesBundleNode(prepared: { series: PreparedSeries[]; freq: Freq; style: TimeStyle; season: number }, settings: SeriesSettings): { node: ComponentNode; files: Record<string, Uint8Array> } {
  const parts: Float64Array[] = [];
  let offset = 0;
  const seriesState: SeriesNodeState['series'] = prepared.series.map((s) => {
    const entry = { id: s.id, n: s.y.length, offset, last: s.times[s.times.length - 1]! };
    parts.push(s.y, ...s.exog);
    offset += s.y.length * (1 + s.exog.length);
    return entry;
  });
  const history = new Float64Array(offset);
  let o = 0;
  for (const p of parts) { history.set(p, o); o += p.length; }
  const node: ComponentNode = {
    name: 'series',
    kind: 'structure',
    params: { ...settings } as unknown as Record<string, unknown>,
    state: { freq: prepared.freq, style: prepared.style, season: prepared.season, series: seriesState } satisfies SeriesNodeState,
    files: [HISTORY_FILE],
  };
  return { node, files: { [HISTORY_FILE]: new Uint8Array(history.buffer) } };
}

/** A bundle's series node, checked against its history file (a hand-edited manifest is a bundle error). */
export function readSeriesNode(pipeline: ComponentNode, bundle: Pick<LoadedBundle, 'read'>, dir: string): { node: SeriesNodeState; settings: SeriesSettings } {
  const node = pipeline?.state as SeriesNodeState;
  const bad = badSeriesNode(node, bundle.read(HISTORY_FILE).byteLength / 8, (pipeline?.params as { exog?: unknown[] })?.exog?.length ?? 0);
  if (bad) throw new BundleError(`manifest.json is corrupted: the series node's ${bad}`, { file: dir });
  return { node, settings: { ...(pipeline.params as unknown as SeriesSettings), freq: node.freq } };
}
