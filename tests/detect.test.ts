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

test('alarms: backoff doubles the hold-off while alarms keep coming, and a quiet stretch resets it', () => {
  const at = (a: AlarmState, xs: number[]) => xs.map((x) => a.next(x === 1)).flatMap((v, i) => (v ? [i] : []));
  // always above: hold-offs 2, 4, 8 (each alarm comes right after the hold-off before it)
  assert.deepEqual(at(new AlarmState(1, 2, { backoff: true }), new Array(30).fill(1)), [0, 3, 8, 17]);
  assert.deepEqual(at(new AlarmState(1, 2), new Array(10).fill(1)), [0, 3, 6, 9], 'without backoff: every 3 rows');
  // an alarm more than one hold-off after the last hold-off ended goes back to the base hold-off
  const xs = [1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
  assert.deepEqual(at(new AlarmState(1, 2, { backoff: true }), xs), [0, 7, 10]);
});

test('alarms: breakthrough: during a hold-off a score that many times the last alarm\'s raises a new alarm', () => {
  const run = (a: AlarmState, s: number[]) => s.map((x) => a.next(x > 1, x)).flatMap((v, i) => (v ? [i] : []));
  const scores = [2, 3, 5, 9, 1, 1, 1, 40, 1, 1];
  assert.deepEqual(run(new AlarmState(1, 100), scores), [0], 'plain hold-off: one alarm');
  assert.deepEqual(run(new AlarmState(1, 100, { breakthrough: 4 }), scores), [0, 3, 7], '9 >= 4 x 2, then 40 >= 4 x 9');
  assert.deepEqual(run(new AlarmState(1, 100, { breakthrough: 4 }), scores.map((x) => Math.min(x, 7))), [0], 'nothing 4x the first alarm');
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

for (const params of [{ adapt: true }, { adapt: true, season: 'auto', tail_risk: 3e-4 }] as Record<string, unknown>[]) test(`statistical detector: scores do not depend on how the stream is cut into batches, nor on later rows (causal): ${JSON.stringify(params)}`, async () => {
  const v = signal(600, 7, 400);
  const whole = await (await fitted(params)).score(batchOf(v, 0, 600));
  const d = await fitted(params);
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
  const other = await (await fitted(params)).score(batchOf(changed, 0, 600));
  assert.deepEqual([...other.score.subarray(0, 300)], [...whole.score.subarray(0, 300)]);
  assert.ok(other.score[300]! > (params.tail_risk ? 10 : 1000), "the changed row itself scores high");
});

for (const params of [{}, { adapt: true, season: 50, tail_risk: 3e-4 }] as Record<string, unknown>[]) test(`statistical detector: saved and restored, it scores the same; reset() starts a new stream: ${JSON.stringify(params)}`, async () => {
  const d = await fitted(params);
  const state = await d.save({ write() {} });
  const reg = builtinRegistry();
  const impl = await reg.load<any, any, Detector>('detector', 'statistical');
  const parsed = reg.get('detector', 'statistical').params.parse(params);
  const r = await impl.restore(parsed, JSON.parse(JSON.stringify(state)), { read: () => new Uint8Array() }, { options: undefined, log: ctx.log });
  if (params.tail_risk) {
    const broken = JSON.parse(JSON.stringify(state));
    broken.tails.channels[0].pop();
    await assert.rejects(() => impl.restore(parsed, broken, { read: () => new Uint8Array() }, { options: undefined, log: ctx.log }), /saved state is malformed \(tails\)/);
  }
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

test('tails: the incremental quantile bin and mean excess match a scan; the level is the exponential tail\'s quantile', async () => {
  const { Tail } = await import('../src/detect/statistical/index.js');
  const u = rng(5);
  const t = new Tail(0.8);
  const xs: number[] = [];
  for (let i = 0; i < 20000; i++) {
    // exponential(1) values, with some exact zeros
    const x = i % 10 === 0 ? 0 : -Math.log(1 - u());
    xs.push(x);
    t.add(x);
    if (i % 997 === 0 || i === 19999) {
      // by a scan of the bins: the level as Tail.level computes it
      let cum = 0, j = 0;
      const rank = Math.floor(0.8 * (t.n - 1));
      for (; j < t.counts.length - 1; j++) { cum += t.counts[j]!; if (cum > rank) break; }
      const tq = t.counts[j]! ? t.sums[j]! / t.counts[j]! : 0;
      let k = 0, sum = 0;
      for (let b = j + 1; b < t.counts.length; b++) { k += t.counts[b]!; sum += t.sums[b]!; }
      const want = k ? Math.max(tq + (sum / k - tq) * Math.log(k / t.n / 1e-4), tq) : Math.max(2 * tq, 1e-6);
      assert.ok(Math.abs(t.level(1e-4) - want) < 1e-9 * want, `row ${i}: ${t.level(1e-4)} vs ${want}`);
    }
  }
  // P(x > z) = 0.9 exp(-z) for these values: the 1e-4 level is ln(9000) = 9.1
  assert.ok(Math.abs(t.level(1e-4) - Math.log(9000)) < 0.3, `level ${t.level(1e-4)}`);
  // saved and restored (as JSON), the same level, and it keeps learning the same way
  const r = Tail.restore(JSON.parse(JSON.stringify(t.save())), 0.8);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9 * b, `${a} vs ${b}`);
  close(r.level(1e-4), t.level(1e-4));
  for (const x of [50, 60, 70]) { r.add(x); t.add(x); }
  close(r.level(1e-4), t.level(1e-4));
  assert.equal(new Tail(0.8).level(1e-4), Infinity, 'no values: nothing is exceptional yet');
  const c = new Tail(0.8);
  for (let i = 0; i < 10; i++) c.add(0);
  assert.equal(c.level(1e-4), 1e-6, 'a component that was always 0: anything above 1e-6');
});

test('season: the dominant period of the nominal rows; a missing peak scores high only with it', async () => {
  const { dominantPeriod } = await import('../src/detect/statistical/index.js');
  const u = rng(8);
  const g = gaussian(u);
  const sq = (n: number, skip = -1) => Float64Array.from({ length: n }, (_, i) => ((i % 100) < 40 && Math.floor(i / 100) !== skip ? 10 : 0) + 0.2 * g());
  // the period, not a multiple of it (which autocorrelates about as well)
  assert.equal(dominantPeriod(sq(600)), 100);
  assert.equal(dominantPeriod(Float64Array.from({ length: 900 }, (_, i) => Math.sin((2 * Math.PI * i) / 48) + 0.1 * g())), 48);
  assert.equal(dominantPeriod(Float64Array.from({ length: 600 }, () => g())), 0, 'noise: no period');
  assert.equal(dominantPeriod(new Float64Array(600).fill(3)), 0, 'constant: no period');
  const train = sq(600);
  const test_ = sq(1000, 7); // the peak of cycle 7 (rows 700..739) is missing
  const score = async (params: Record<string, unknown>) => {
    const d = await makeComponent<Detector>('detector', 'statistical', params);
    await d.fit(pl.DataFrame({ a: train }), ctx);
    return (await d.score({ columns: ['a'], values: [test_] })).score;
  };
  const maxOf = (s: Float64Array, a: number, b: number) => { let m = 0; for (let i = a; i < b; i++) if (s[i]! > m) m = s[i]!; return m; };
  // in units of each component's tail level (the edges of the square wave make the local z-scores large)
  const withSeason = await score({ season: 'auto', tail_risk: 1e-3 });
  const without = await score({ tail_risk: 1e-3 });
  assert.ok(maxOf(withSeason, 700, 740) > 1 && maxOf(withSeason, 700, 740) > 3 * maxOf(withSeason, 100, 700), `season: ${maxOf(withSeason, 700, 740)} vs ${maxOf(withSeason, 100, 700)} before`);
  assert.ok(maxOf(without, 700, 740) < 2 * maxOf(without, 100, 700), 'without the season the missing peak looks normal');
  await assert.rejects(async () => {
    const d = await makeComponent<Detector>('detector', 'statistical', { season: 590 });
    await d.fit(pl.DataFrame({ a: train }), ctx);
  }, (e: unknown) => e instanceof DataError && /season 590: the statistical detector needs more than 622 nominal rows/.test((e as Error).message));
});

test('tails: components in units of their own tail level; with adapt the tails learn every row, the bundle keeps the fitted ones', async () => {
  const params = { season: 'auto', tail_risk: 1e-3 };
  const v = signal(4000, 21);
  const d = await fitted(params);
  const nominal = (await d.score(batchOf(v, 0, 4000))).score;
  let over = 0, n = 0;
  for (const x of nominal) if (x === x) { n++; if (x > 1) over++; }
  // a few components per channel, each above its level with probability 1e-3
  assert.ok(over / n < 0.02, `share above 1 on nominal data: ${over / n}`);
  // a new regime: channel b steps up by 4 (8 spreads) for good; without adapt it stays exceptional,
  // with adapt the tails learn it and it stops being news
  const shifted = v.map((x) => Float64Array.from(x));
  for (let i = 1000; i < 4000; i++) shifted[1]![i]! += 4;
  const fixed = await fitted(params);
  const learning = await fitted({ ...params, adapt: true });
  const before = JSON.stringify(await learning.save({ write() {} }));
  const a = (await fixed.score(batchOf(shifted, 0, 4000))).score;
  const b = (await learning.score(batchOf(shifted, 0, 4000))).score;
  assert.ok(a[1000 + d.warmup()]! > 1 && b[1000 + d.warmup()]! > 1, 'the step is exceptional at first');
  const tailShare = (s: Float64Array) => { let k = 0; for (let i = 3000; i < 4000; i++) if (s[i]! > 1) k++; return k / 1000; };
  assert.ok(tailShare(a) > 0.5, `without adapt, still exceptional: ${tailShare(a)}`);
  assert.ok(tailShare(b) < 0.05, `with adapt, learnt: ${tailShare(b)}`);
  assert.equal(JSON.stringify(await learning.save({ write() {} })), before, 'the bundle keeps the fitted tails');
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
  assert.ok(Number.isNaN(none.point_precision) && Number.isNaN(none.event_precision), 'no alarms: precision is n/a, not 0');
  // nothing labelled and nothing flagged: every ratio is n/a; one false alarm: precision 0, recall still n/a
  const quiet = detectionMetrics(new Float64Array(20), new Uint8Array(20));
  for (const k of ['point_precision', 'point_recall', 'point_f1', 'event_precision', 'event_recall', 'event_f05'] as const) assert.ok(Number.isNaN(quiet[k]), k);
  const fa = new Float64Array(20); fa[3] = 1;
  const one = detectionMetrics(fa, new Uint8Array(20));
  assert.deepEqual([one.point_precision, one.point_f1, one.event_precision], [0, 0, 0]);
  assert.ok(Number.isNaN(one.point_recall) && Number.isNaN(one.event_recall));
  // a file without windows: the NAB scores cannot be normalised (n/a), not a raw total under their name
  assert.ok(Number.isNaN(detectionMetrics(fa, new Uint8Array(20), { nabWindows: [] }).nab_standard!));
});
