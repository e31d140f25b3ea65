/**
 * The NAB scorer (src/metrics/nab.ts) against NAB's own stored results (numenta/NAB @ ea702d75, cut to four
 * folders in ../shared/datasets/nab): fed each detector's stored anomaly_score column and the threshold in
 * config/thresholds.json, it must give NAB's per-file Score, TP/TN/FP/FN and Total_Count, and the per-row
 * S(t) columns. numenta and windowedGaussian were scored by NAB 1.0's Scorer (Total_Count = all rows; S(t) =
 * each window's score at its first row, each FP's at its row); ARTime by the current sweeper (Total_Count =
 * scorable rows; S(t) = every row's score as if it were a detection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  calcSweepScore, matchThreshold, nabNullScore, nabPerfectScore, nabWindows, NAB_PROFILES, normalizeCorpusScore,
  normalizedScore, optimizeThreshold, parseNabTimestamp, probationaryLength, scaledSigmoid, scoreFile,
  scoresByThreshold, type NabFileInput, type NabProfileName,
} from '../src/metrics/nab.js';
import { NEEDS_SHARED, SHARED } from './helpers.js';

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

// ------------------------------------------------------------------------------------------------
// The formulas on small cases (no shared data needed)

test('NAB: scaled sigmoid, probationary length and timestamps as in the source', () => {
  assert.ok(close(scaledSigmoid(-1), 2 / (1 + Math.exp(-5)) - 1));
  assert.ok(close(scaledSigmoid(-1), 0.98661, 1e-5));
  assert.ok(close(scaledSigmoid(-0.5), 0.84828, 1e-5));
  assert.equal(scaledSigmoid(0), 0);
  assert.ok(close(scaledSigmoid(1), -0.98661, 1e-5));
  assert.equal(scaledSigmoid(3.0001), -1);
  // min(floor(0.15 n), 0.15 * 5000)
  assert.equal(probationaryLength(4032), 604);
  assert.equal(probationaryLength(1538), 230);
  assert.equal(probationaryLength(5000), 750);
  assert.equal(probationaryLength(22695), 750);
  assert.equal(parseNabTimestamp('2014-04-10 07:15:00.000000'), parseNabTimestamp('2014-04-10 07:15:00'));
  assert.equal(parseNabTimestamp('2011-07-01 00:00:01'), Date.UTC(2011, 6, 1, 0, 0, 1));
  assert.deepEqual(nabWindows(['2014-01-01 00:00:00', '2014-01-01 00:05:00', '2014-01-01 00:10:00'], [['2014-01-01 00:05:00.000000', '2014-01-01 00:10:00.000000']]), [[1, 2]]);
  assert.throws(() => nabWindows(['2014-01-01 00:00:00', '2014-01-01 00:05:00'], [['2014-01-01 00:01:00', '2014-01-01 00:05:00']]), /exactly/);
});

test('NAB: first detection in a window counts, each FP counts, probation ignored, missed window = -fnWeight', () => {
  const p = NAB_PROFILES.standard;
  const n = 100; // probation: 15 rows
  const windowRows: [number, number][] = [[40, 49], [70, 79]];
  const det = new Uint8Array(n);
  det[5] = 1; // in probation: ignored
  det[20] = 1; // FP before any window: -fpWeight
  det[42] = 1; det[45] = 1; // window 0: the first (row 42) scores, both count as TP rows
  det[55] = 1; // FP 6 rows after window 0 (width 10): scaledSigmoid(6 / 9) * fpWeight
  const r = scoreFile({ detections: det, windowRows, profile: p });
  const tp0 = scaledSigmoid(-(49 - 42 + 1) / 10) / scaledSigmoid(-1);
  const fp55 = scaledSigmoid(6 / 9) * p.fpWeight;
  assert.ok(close(r.score, -p.fpWeight + tp0 + fp55 - p.fnWeight));
  assert.deepEqual([r.tp, r.fp, r.fn, r.tn, r.total, r.length], [2, 2, 18, 63, 85, 100]);
  assert.deepEqual(r.windows.map((w) => w.detected), [42, -1]);
  assert.ok(close(r.perRow[40]!, tp0) && r.perRow[70] === -p.fnWeight && close(r.perRow[55]!, fp55));
  assert.ok(close(r.perRow.reduce((a, b) => a + b, 0), r.score));
  // a detection on a window's first row earns exactly tpWeight
  assert.ok(close(calcSweepScore(n, windowRows, p).sweep[40]!, p.tpWeight));
  // the all-threshold sweep agrees at every threshold of a random score series
  const scores = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 100);
  const list = scoresByThreshold([{ anomalyScores: scores, windowRows }], p);
  for (const th of [0.05, 0.5, 0.9, 0.99, 1.0]) {
    const m = matchThreshold(list, th)!;
    const d = scoreFile({ anomalyScores: scores, threshold: th, windowRows, profile: p });
    assert.ok(close(m.score, d.score), `threshold ${th}`);
    assert.deepEqual([m.tp, m.tn, m.fp, m.fn], [d.tp, d.tn, d.fp, d.fn]);
  }
  assert.equal(normalizedScore(-2, -2, 2), 0);
  assert.equal(normalizedScore(2, -2, 2), 100);
});

// ------------------------------------------------------------------------------------------------
// NAB's stored results

const NAB = path.join(SHARED, 'nab');
const DETECTORS = ['numenta', 'ARTime', 'windowedGaussian'] as const;
const PROFILES: NabProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];
/** which NAB scorer wrote each detector's stored results (see the file comment) */
const VINTAGE: Record<(typeof DETECTORS)[number], 'nab1' | 'sweeper'> = { numenta: 'nab1', windowedGaussian: 'nab1', ARTime: 'sweeper' };

function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

function column(csv: { header: string[]; rows: string[][] }, name: string): string[] {
  const j = csv.header.indexOf(name);
  assert.ok(j >= 0, `no column ${name}`);
  return csv.rows.map((r) => r[j]!);
}

test('NAB: per-file Score, counts and per-row S(t) equal NAB\'s stored results; normalised totals', { skip: NEEDS_SHARED }, (t) => {
  const windowsJson = JSON.parse(readFileSync(path.join(NAB, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const thresholds = JSON.parse(readFileSync(path.join(NAB, 'config', 'thresholds.json'), 'utf8')) as Record<string, Record<string, { threshold: number }>>;
  const profilesJson = JSON.parse(readFileSync(path.join(NAB, 'config', 'profiles.json'), 'utf8')) as Record<string, { CostMatrix: Record<string, number> }>;
  for (const p of PROFILES) {
    const cm = profilesJson[p]!.CostMatrix;
    assert.deepEqual({ tpWeight: cm.tpWeight, fpWeight: cm.fpWeight, fnWeight: cm.fnWeight, tnWeight: cm.tnWeight }, { ...NAB_PROFILES[p] });
  }
  const files = Object.keys(windowsJson).sort();
  const numWindows = files.reduce((s, f) => s + windowsJson[f]!.length, 0);
  assert.equal(files.length, 24);

  // the data files: timestamps and window rows
  const data = new Map<string, { timestamps: number[]; windowRows: [number, number][] }>();
  for (const f of files) {
    const ts = column(readCsv(path.join(NAB, 'data', f)), 'timestamp').map(parseNabTimestamp);
    data.set(f, { timestamps: ts, windowRows: nabWindows(ts, windowsJson[f]!) });
  }

  // NAB's null and perfect: a detector that never fires, and one that fires on each window's first row
  for (const p of PROFILES) {
    let nul = 0, perfect = 0;
    for (const f of files) {
      const { timestamps, windowRows } = data.get(f)!;
      nul += scoreFile({ detections: new Uint8Array(timestamps.length), windowRows, profile: NAB_PROFILES[p] }).score;
      const first = new Uint8Array(timestamps.length);
      for (const [s] of windowRows) first[s] = 1;
      perfect += scoreFile({ detections: first, windowRows, profile: NAB_PROFILES[p] }).score;
    }
    assert.ok(close(nul, nabNullScore(numWindows, NAB_PROFILES[p])), `null ${p}: ${nul}`);
    assert.ok(close(perfect, nabPerfectScore(numWindows, NAB_PROFILES[p])), `perfect ${p}: ${perfect}`);
  }

  let checkedFiles = 0, checkedRows = 0, maxScoreDiff = 0, maxRowDiff = 0;
  const summary: string[] = [];
  for (const det of DETECTORS) {
    const results = new Map<string, { csv: ReturnType<typeof readCsv>; anomaly: Float64Array }>();
    for (const f of files) {
      const [folder, name] = f.split('/');
      const csv = readCsv(path.join(NAB, 'results', det, folder!, `${det}_${name}`));
      const anomaly = Float64Array.from(column(csv, 'anomaly_score'), Number);
      assert.equal(anomaly.length, data.get(f)!.timestamps.length, `${det} ${f}: rows`);
      results.set(f, { csv, anomaly });
    }
    for (const p of PROFILES) {
      const profile = NAB_PROFILES[p];
      const threshold = thresholds[det]![p]!.threshold;
      const stored = readCsv(path.join(NAB, 'results', det, `${det}_${p}_scores.csv`));
      const byFile = new Map(stored.rows.map((r) => [r[stored.header.indexOf('File')]!, r]));
      assert.equal(byFile.size, files.length, `${det} ${p}: files in the scores file`);
      const get = (row: string[], name: string) => Number(row[stored.header.indexOf(name)]);
      let storedTotal = 0, total = 0;
      const inputs: NabFileInput[] = [];
      for (const f of files) {
        const row = byFile.get(f);
        assert.ok(row, `${det} ${p}: no stored score for ${f}`);
        const { timestamps, windowRows } = data.get(f)!;
        const { csv, anomaly } = results.get(f)!;
        const r = scoreFile({ timestamps, windows: windowsJson[f]!, anomalyScores: anomaly, threshold, profile });
        const where = `${det} ${p} ${f}`;
        assert.ok(Math.abs(get(row, 'Threshold') - threshold) < 1e-9, `${where}: threshold`);
        maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.score - get(row, 'Score')));
        assert.ok(close(r.score, get(row, 'Score')), `${where}: score ${r.score} vs NAB ${get(row, 'Score')}`);
        assert.deepEqual([r.tp, r.tn, r.fp, r.fn], ['TP', 'TN', 'FP', 'FN'].map((k) => get(row, k)), `${where}: counts`);
        assert.equal(VINTAGE[det] === 'sweeper' ? r.total : r.length, get(row, 'Total_Count'), `${where}: Total_Count`);
        // per-row S(t)
        const st = Float64Array.from(column(csv, `S(t)_${p}`), Number);
        const mine = VINTAGE[det] === 'sweeper' ? r.sweepScores : r.perRow;
        for (let i = 0; i < st.length; i++) {
          maxRowDiff = Math.max(maxRowDiff, Math.abs(mine[i]! - st[i]!));
          if (!close(mine[i]!, st[i]!)) assert.fail(`${where}: S(t) row ${i}: ${mine[i]} vs NAB ${st[i]}`);
        }
        checkedRows += st.length;
        // the all-thresholds sweep (what NAB's scorer and optimizer use) gives the same at this threshold
        const m = matchThreshold(scoresByThreshold([{ anomalyScores: anomaly, windowRows }], profile), threshold)!;
        assert.ok(close(m.score, r.score) && m.tp === r.tp && m.fp === r.fp && m.fn === r.fn && m.tn === r.tn, `${where}: sweep`);
        storedTotal += get(row, 'Score');
        total += r.score;
        inputs.push({ anomalyScores: anomaly, windowRows });
        checkedFiles++;
      }
      // corpus: the normalised total from NAB's per-file scores and from ours
      const nabNorm = normalizeCorpusScore(storedTotal, numWindows, profile);
      const norm = normalizeCorpusScore(total, numWindows, profile);
      assert.ok(close(norm, nabNorm, 1e-9), `${det} ${p}: normalised ${norm} vs ${nabNorm}`);
      // the corpus sweep at the stored threshold is the sum of the files; the optimum on these files is no worse
      const list = scoresByThreshold(inputs, profile);
      const atTh = matchThreshold(list, threshold)!;
      assert.ok(close(atTh.score, total), `${det} ${p}: corpus sweep ${atTh.score} vs ${total}`);
      const best = optimizeThreshold(inputs, profile);
      assert.ok(best.score >= atTh.score - 1e-12);
      summary.push(`${det} ${p}: raw ${total.toFixed(6)} (NAB ${storedTotal.toFixed(6)}), normalised ${norm.toFixed(4)}; ` +
        `best threshold on these files ${best.threshold} -> raw ${best.score.toFixed(6)}, normalised ${normalizeCorpusScore(best.score, numWindows, profile).toFixed(4)}`);
    }
  }
  t.diagnostic(`${checkedFiles} file scores and ${checkedRows} S(t) rows matched (largest differences: score ${maxScoreDiff.toExponential(2)}, S(t) ${maxRowDiff.toExponential(2)}); ${numWindows} windows in ${files.length} files`);
  for (const s of summary) t.diagnostic(s);
});
