/**
 * Detection building blocks: thresholds (quantile, telemanom's dynamic one made causal), the alarm rules
 * (min_duration, suppress) and the statistical detector (causal, batch-size independent, restorable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { dynamicThreshold, fitThreshold, quantile, StreamThreshold } from '../src/detect/thresholds.js';
import { AlarmState } from '../src/detect/alarms.js';
import { makeComponent, builtinRegistry } from './helpers.js';
import { gaussian, rng } from '../src/core/random.js';
import type { Detector, RowBatch } from '../src/core/types.js';
import { DataError } from '../src/core/errors.js';

const ctx = { signal: new AbortController().signal, seed: 1, log: { info() {}, warn() {}, debug() {} } as any };

test('quantile: numpy linear interpolation, non-finite values ignored', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([4, NaN, 1, 3, 2], 0.25), 1.75);
  assert.equal(quantile([5], 0.999), 5);
  assert.ok(Number.isNaN(quantile([NaN], 0.5)));
});

test('dynamic threshold: separates a burst of large errors from the rest; pruning drops the weak runs', () => {
  const u = rng(3);
  const e = Array.from({ length: 1000 }, () => 0.1 + 0.02 * u());
  for (let i = 500; i < 510; i++) e[i] = 1;
  const eps = dynamicThreshold(e, 2.5, 12, 0.13);
  assert.ok(eps > 0.13 && eps < 1, `threshold ${eps}`);
  // a second run barely above the quiet level is pruned away: its max is far below the big run's
  const f = [...e];
  for (let i = 800; i < 803; i++) f[i] = 0.2;
  const eps2 = dynamicThreshold(f, 2.5, 12, 0.13);
  assert.ok(eps2 >= 0.2 && eps2 < 1, `pruned threshold ${eps2}`);
  // constant errors: just above them (nothing is an anomaly)
  const c = dynamicThreshold(new Array(100).fill(0.5), 2.5, 12, 0.13);
  assert.ok(c > 0.5 && c < 0.5001);
});

test('stream thresholds are causal: the values for the first rows do not change when more rows follow', () => {
  const u = rng(5);
  const nominal = Float64Array.from({ length: 500 }, () => u());
  const state = fitThreshold({ method: 'dynamic', window: 200, step: 10, smoothing: 5, z_min: 2.5, z_max: 12, prune: 0.13 }, nominal);
  const stream = Float64Array.from({ length: 400 }, (_, i) => (i > 250 && i < 260 ? 8 : u()));
  const run = (n: number) => { const t = new StreamThreshold(state); return Array.from(stream.subarray(0, n), (s) => t.next(s)); };
  const whole = run(400);
  assert.deepEqual(run(255), whole.slice(0, 255));
  // the burst is above the threshold computed before it
  assert.ok(whole.slice(252, 258).some((r) => r.score > r.threshold));
  assert.ok(whole.slice(0, 240).every((r) => r.score <= r.threshold * 1.5));
  const q = fitThreshold({ method: 'quantile', q: 0.5 }, Float64Array.from([NaN, 1, 2, 3]));
  assert.equal(q.value, 2);
  assert.throws(() => fitThreshold({ method: 'quantile', q: 0.9 }, Float64Array.from([NaN, NaN])), /warm-up/);
});

test('alarms: min_duration counts consecutive rows above; suppress holds off after an alarm', () => {
  const seq = (a: AlarmState, xs: number[]) => xs.map((x) => a.next(x === 1));
  assert.deepEqual(seq(new AlarmState(1, 0), [0, 1, 1, 0, 1]), [0, 1, 1, 0, 1]);
  assert.deepEqual(seq(new AlarmState(3, 0), [1, 1, 0, 1, 1, 1, 1, 0]), [0, 0, 0, 0, 0, 1, 1, 0]);
  assert.deepEqual(seq(new AlarmState(1, 2), [1, 1, 1, 1, 0, 1]), [1, 0, 0, 1, 0, 0]);
});

function signal(n: number, seed: number, spikeAt = -1): Float64Array[] {
  const u = rng(seed);
  const g = gaussian(u);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = 10 * Math.sin((2 * Math.PI * i) / 50) + g();
    b[i] = 100 + 0.5 * g();
  }
  if (spikeAt >= 0) b[spikeAt] += 12;
  return [a, b];
}

async function fitted(params: Record<string, unknown> = {}): Promise<Detector> {
  const d = await makeComponent<Detector>('detector', 'statistical', params);
  const [a, b] = signal(3000, 11);
  await d.fit(pl.DataFrame({ a, b }), ctx);
  return d;
}

const batchOf = (v: Float64Array[], s: number, e: number): RowBatch => ({ columns: ['a', 'b'], values: v.map((x) => x.subarray(s, e)) });

test('statistical detector: a spike in one channel scores high, names that channel, and nothing before it does', async () => {
  const d = await fitted();
  const v = signal(1000, 99, 700);
  const s = await d.score(batchOf(v, 0, 1000));
  assert.ok(Number.isNaN(s.score[0]!) && Number.isNaN(s.score[d.warmup() - 1]!), 'warm-up rows have no score');
  assert.ok(Number.isFinite(s.score[d.warmup()]!));
  const peak = s.score[700]!;
  let before = 0;
  for (let i = d.warmup(); i < 700; i++) before = Math.max(before, s.score[i]!);
  assert.ok(peak > 2 * before, `spike ${peak} vs max before ${before}`);
  assert.equal(s.cause![700], 1, 'channel b');
});

test('statistical detector: scores do not depend on how the stream is cut into batches, nor on later rows (causal)', async () => {
  const v = signal(600, 7, 400);
  const whole = await (await fitted({ adapt: true })).score(batchOf(v, 0, 600));
  const d = await fitted({ adapt: true });
  const parts: number[] = [];
  const u = rng(2);
  for (let s = 0; s < 600;) {
    const e = Math.min(600, s + 1 + Math.floor(u() * 50));
    parts.push(...(await d.score(batchOf(v, s, e))).score);
    s = e;
  }
  assert.deepEqual(parts, [...whole.score]);
  // the first 300 rows score the same whatever follows them
  const changed = v.map((x) => Float64Array.from(x));
  for (let i = 300; i < 600; i++) changed[1]![i] = 1e6;
  const other = await (await fitted({ adapt: true })).score(batchOf(changed, 0, 600));
  assert.deepEqual([...other.score.subarray(0, 300)], [...whole.score.subarray(0, 300)]);
  assert.ok(other.score[300]! > 1000, "the changed row itself scores high");
});

test('statistical detector: saved and restored, it scores the same; reset() starts a new stream', async () => {
  const d = await fitted();
  const state = await d.save({ write() {} });
  const reg = builtinRegistry();
  const impl = await reg.load<any, any, Detector>('detector', 'statistical');
  const r = await impl.restore(reg.get('detector', 'statistical').params.parse({}), JSON.parse(JSON.stringify(state)), { read: () => new Uint8Array() }, { options: undefined, log: ctx.log });
  const v = signal(300, 4, 200);
  const a = await d.score(batchOf(v, 0, 300));
  const b = await r.score(batchOf(v, 0, 300));
  assert.deepEqual([...a.score], [...b.score]);
  (d as any).reset();
  assert.deepEqual([...(await d.score(batchOf(v, 0, 300))).score], [...a.score]);
});

test('statistical detector: too few or incomplete nominal rows are data errors', async () => {
  const d = await makeComponent<Detector>('detector', 'statistical', {});
  await assert.rejects(() => d.fit(pl.DataFrame({ a: [1, 2, 3] }), ctx), (e: unknown) => e instanceof DataError && /at least 33 nominal rows/.test((e as Error).message));
  const a = Array.from({ length: 100 }, (_, i) => Math.sin(i));
  a[50] = NaN;
  await assert.rejects(() => d.fit(pl.DataFrame({ a }), ctx), (e: unknown) => e instanceof DataError && /row 51/.test((e as Error).message));
});

test('detection metrics: point-wise, event-wise (telemanom counting), delays, NAB for one stream', async () => {
  const { detectionMetrics, runsOf, labelsFromWindows } = await import('../src/metrics/detection.js');
  assert.deepEqual(runsOf([0, 1, 1, 0, 1]), [[1, 2], [4, 4]]);
  const label = labelsFromWindows(20, [[5, 8], [14, 16]]);
  const anomaly = new Float64Array(20);
  anomaly[7] = 1; anomaly[8] = 1; // the first event, 2 rows late
  anomaly[11] = 1; // a false event
  anomaly[13] = NaN; // a row without a verdict counts as not flagged
  const m = detectionMetrics(anomaly, label, { times: Float64Array.from({ length: 20 }, (_, i) => i * 60_000), nabWindows: [[5, 8], [14, 16]] });
  assert.equal(m.point_precision, 2 / 3);
  assert.equal(m.point_recall, 2 / 7);
  assert.deepEqual([m.event_tp, m.event_fp, m.event_fn], [1, 1, 1]);
  assert.equal(m.event_precision, 0.5);
  assert.equal(m.event_recall, 0.5);
  assert.equal(m.event_f05, 0.5);
  assert.equal(m.detect_delay_rows, 2);
  assert.equal(m.detect_delay_seconds, 120);
  // NAB: 20 rows have a probation of 3; one window found late, one missed, one FP after the first window
  assert.ok(m.nab_standard! < 50 && m.nab_standard! > -100);
  const perfect = detectionMetrics(labelsFromWindows(20, [[5, 5], [14, 14]]), label, { nabWindows: [[5, 8], [14, 16]] });
  assert.equal(Math.round(perfect.nab_standard! * 1e9) / 1e9, 100);
  const none = detectionMetrics(new Float64Array(20), label, { nabWindows: [[5, 8], [14, 16]] });
  assert.equal(none.nab_standard, 0);
  assert.equal(none.event_recall, 0);
  assert.equal(none.point_f1, 0);
});
