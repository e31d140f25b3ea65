/**
 * `mlkit train` (task forecast), `mlkit forecast` and `mlkit evaluate --backtest` end to end, on
 * AirPassengers (tests/golden/forecast/air_passengers.csv): baselines, bundles that reproduce their
 * forecasts, and every bad input as a one-line error with its exit code.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';

const AIR = path.join(ROOT, 'tests', 'golden', 'forecast', 'air_passengers.csv');
const airLines = readFileSync(AIR, 'utf8').trim().split('\n');
const golden = JSON.parse(readFileSync(path.join(ROOT, 'tests', 'golden', 'forecast', 'air_passengers_sarima.json'), 'utf8'));

/** A folder with the training part (through 1959-12) and a config. */
function setup(model: string, extra = ''): { dir: string; config: string } {
  const dir = tmpDir('mlkit-forecast-');
  write(dir, 'train.csv', airLines.slice(0, 133).join('\n') + '\n');
  const config = write(dir, 'config.yaml', `task: forecast
data:
  train: train.csv
  time: ds
  target: y
forecast:
  horizon: 12
model:
${model}
output:
  dir: ${path.join(dir, 'model')}
${extra}`);
  return { dir, config };
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

test('seasonal_naive: forecast CSV continues the monthly timestamps; values and MASE match the golden baselines', () => {
  const { config, dir } = setup('  type: seasonal_naive', 'evaluate:\n  backtest: { folds: 2 }\n');
  const tr = runCli(['train', config, '--json']);
  assert.equal(tr.status, 0, tr.stderr);
  const summary = JSON.parse(tr.stdout);
  assert.equal(summary.series, 1);
  assert.equal(summary.backtest.folds.length, 2);
  const fc = runCli(['forecast', '--model', path.join(dir, 'model')]);
  assert.equal(fc.status, 0, fc.stderr);
  const rows = parseCsv(fc.stdout);
  assert.deepEqual(Object.keys(rows[0]!), ['ds', 'forecast', 'lower', 'upper']);
  assert.deepEqual(rows.map((r) => r.ds), golden.test_ds);
  const expected: number[] = golden.baselines.seasonal_naive.mean;
  rows.forEach((r, i) => {
    assert.equal(Number(r.forecast), expected[i]);
    assert.ok(Number(r.lower) < Number(r.forecast) && Number(r.forecast) < Number(r.upper));
  });
  // evaluate --backtest on the full series: the last fold is exactly the 1960 holdout
  const ev = runCli(['evaluate', '--model', path.join(dir, 'model'), AIR, '--backtest', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const res = JSON.parse(ev.stdout);
  const last = res.folds[res.folds.length - 1].metrics;
  assert.ok(Math.abs(last.mase - golden.baselines.seasonal_naive.mase) < 1e-9, `${last.mase} vs ${golden.baselines.seasonal_naive.mase}`);
  assert.ok(Math.abs(last.mae - golden.baselines.seasonal_naive.mae) < 1e-9);
});

test('forecast --horizon, --input (newer history), --json, --out file', () => {
  const { config, dir } = setup('  type: naive');
  assert.equal(runCli(['train', config]).status, 0);
  const model = path.join(dir, 'model');
  const h3 = runCli(['forecast', '-m', model, '--horizon', '3', '--json']);
  assert.equal(h3.status, 0, h3.stderr);
  const j = JSON.parse(h3.stdout);
  assert.equal(j.horizon, 3);
  assert.deepEqual(j.series[0].time, ['1960-01-01', '1960-02-01', '1960-03-01']);
  assert.deepEqual(j.series[0].forecast, [405, 405, 405]);
  // from the full history: forecasts continue after 1960-12 from its last value (432)
  const out = path.join(dir, 'fc.csv');
  const full = runCli(['forecast', '-m', model, '--input', AIR, '--out', out, '-H', '2']);
  assert.equal(full.status, 0, full.stderr);
  const rows = parseCsv(readFileSync(out, 'utf8'));
  assert.deepEqual(rows.map((r) => [r.ds, Number(r.forecast)]), [['1961-01-01', 432], ['1961-02-01', 432]]);
});

test('bad forecasting input: one line, exit 2 or 3', () => {
  const { config, dir } = setup('  type: naive');
  const bad = (name: string, csv: string, sets: string[] = []) => {
    write(dir, name, csv);
    return runCli(['train', config, '--set', `data.train=${name}`, ...sets]);
  };
  let r = bad('unsorted.csv', 'ds,y\n2020-01-01,1\n2020-03-01,2\n2020-02-01,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /unsorted\.csv:4 ds: timestamps must increase: 2020-02-01 comes after 2020-03-01/);
  r = bad('dup.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n2020-02-01,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /dup\.csv:4 ds: duplicate timestamp 2020-02-01 \(also on line 3\)/);
  r = bad('gap.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n2020-05-01,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /gap\.csv:5 ds: gap in the monthly series: 2020-04-01 is missing before 2020-05-01; set data\.fill/);
  // the explicit fill option
  r = bad('gap.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n2020-05-01,5\n', ['--set', 'data.fill=linear']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 missing value\(s\) filled/);
  r = bad('text.csv', 'ds,y\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /text\.csv:3: column "y": "abc" is not a number/);
  r = bad('alltext.csv', 'ds,y\n2020-01-01,a\n2020-02-01,b\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /alltext\.csv:2 y: column "y": "a" is not a number/);
  r = bad('empty.csv', 'ds,y\n2020-01-01,1\n2020-02-01,\n2020-03-01,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /empty\.csv:3 y: column "y" is empty/);
  r = bad('baddate.csv', 'ds,y\n2020-01-01,1\n2020-02-30,2\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /baddate\.csv:3 ds: column "ds": "2020-02-30" is not a valid calendar date/);
  r = bad('short.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n', ['--set', 'model.type=seasonal_naive']);
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /the series has 3 values; seasonal_naive with these params \(season length 12\) needs at least 13/);
  r = bad('irregular.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-15,3\n');
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /irregular/);
  r = bad('ok.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n', ['--set', 'forecast.horizon=0']);
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /forecast\.horizon: expected number to be >0, got 0/);
  r = bad('ok.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n', ['--set', 'data.freq=fortnight']);
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /data\.freq: unknown frequency "fortnight"/);
  r = bad('ok.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n', ['--set', 'data.time=date']);
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /column "date" \(data\.time\) is missing/);
  r = bad('ok.csv', 'ds,y\n2020-01-01,1\n2020-02-01,2\n', ['--set', 'model.type=arimax']);
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /model\.type: unknown forecaster type "arimax"/);
  r = bad('neg.csv', 'ds,y\n2020-01-01,1\n2020-02-01,0\n', ['--set', 'forecast.transform=log']);
  assert.equal(r.status, 3);
  assert.match(oneLineError(r), /neg\.csv:3 y: forecast\.transform log needs positive values/);

  // forecast: --horizon <= 0, a tabular bundle, a missing bundle
  assert.equal(runCli(['train', config]).status, 0);
  r = runCli(['forecast', '-m', path.join(dir, 'model'), '--horizon', '0']);
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /--horizon must be a positive integer, got "0"/);
  r = runCli(['forecast', '-m', path.join(dir, 'nope')]);
  assert.equal(r.status, 4);
  oneLineError(r);
});

test('many series in one file (data.id): one forecast block per series, ids kept', () => {
  const dir = tmpDir('mlkit-forecast-id-');
  const rows = ['store,ds,sales'];
  for (const [id, base] of [['a', 10], ['b', 100]] as const) {
    for (let i = 0; i < 30; i++) rows.push(`${id},2024-01-${String(i + 1).padStart(2, '0')},${base + (i % 7)}`);
  }
  write(dir, 'sales.csv', rows.join('\n') + '\n');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: sales.csv, time: ds, target: sales, id: store }
forecast: { horizon: 7 }
model: { type: seasonal_naive }
output: { dir: ${path.join(dir, 'm')} }
`);
  const tr = runCli(['train', config]);
  assert.equal(tr.status, 0, tr.stderr);
  const fc = runCli(['forecast', '-m', path.join(dir, 'm')]);
  assert.equal(fc.status, 0, fc.stderr);
  const out = parseCsv(fc.stdout);
  assert.deepEqual(Object.keys(out[0]!), ['store', 'ds', 'forecast', 'lower', 'upper']);
  assert.equal(out.length, 14);
  assert.deepEqual(out.slice(0, 7).map((r) => r.store), Array(7).fill('a'));
  assert.equal(out[0]!.ds, '2024-01-31');
  assert.equal(out[6]!.ds, '2024-02-06');
  // daily data: season 7, so the forecast repeats the last week
  assert.deepEqual(out.slice(7).map((r) => Number(r.forecast)), [102, 103, 104, 105, 106, 100, 101]);

  // ids that look like numbers stay text: "007" and "7" are two series, "02" stays "02"
  const numeric = ['store,ds,sales'];
  for (const [id, base] of [['007', 10], ['7', 100], ['02', 1000]] as const) {
    for (let i = 0; i < 30; i++) numeric.push(`${id},2024-01-${String(i + 1).padStart(2, '0')},${base + (i % 7)}`);
  }
  write(dir, 'numeric.csv', numeric.join('\n') + '\n');
  const tr2 = runCli(['train', config, '--set', 'data.train=numeric.csv']);
  assert.equal(tr2.status, 0, tr2.stderr);
  const fc2 = runCli(['forecast', '-m', path.join(dir, 'm'), '--input', path.join(dir, 'numeric.csv'), '-H', '1']);
  assert.equal(fc2.status, 0, fc2.stderr);
  assert.deepEqual(parseCsv(fc2.stdout).map((r) => [r.store, Number(r.forecast)]), [['007', 12], ['7', 102], ['02', 1002]]);
  const js = runCli(['forecast', '-m', path.join(dir, 'm'), '-H', '1', '--json']);
  assert.deepEqual(JSON.parse(js.stdout).series.map((x: { id: string }) => x.id), ['007', '7', '02']);
});

test('arima bundles reload and reproduce their forecasts exactly (fixed orders with log, and AutoARIMA)', async () => {
  const { makeComponent } = await import('../helpers.js');
  const y = Float64Array.from(airLines.slice(1, 133).map((l) => Math.log(Number(l.split(',')[1]))));
  for (const params of ['{ p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 }', '{ auto: true }']) {
    const { config, dir } = setup(`  type: arima\n  params: ${params}`, '');
    const tr = runCli(['train', config, '--set', 'forecast.transform=log']);
    assert.equal(tr.status, 0, tr.stderr);
    const a = runCli(['forecast', '-m', path.join(dir, 'model'), '--json']);
    const b = runCli(['forecast', '-m', path.join(dir, 'model'), '--json']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    // the same numbers as fitting in this process
    const f = await makeComponent('forecaster', 'arima', params.includes('auto') ? { auto: true } : { p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, s: 12 });
    const log = { info() {}, warn() {}, debug() {} };
    const signal = new AbortController().signal;
    await f.fit([{ id: '', y, exog: [] }], { log, seed: 0, signal }, { season: 12 });
    const [out] = await f.forecast([{ id: '', y, exog: [] }], { horizon: 12, level: 0.9 }, { log });
    const got = JSON.parse(a.stdout).series[0];
    assert.deepEqual(got.forecast, Array.from(out.mean, Math.exp));
    assert.deepEqual(got.lower, Array.from(out.lower, Math.exp));
  }
});

test('SARIMAX through the CLI: future exogenous values come from --input rows with an empty target', () => {
  const dir = tmpDir('mlkit-forecast-exog-');
  const rows = ['t,promo,sales'];
  let seed = 5;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 120; i++) {
    const promo = rand() < 0.3 ? 1 : 0;
    rows.push(`${i},${promo},${(50 + 20 * promo + 2 * (rand() - 0.5)).toFixed(3)}`);
  }
  write(dir, 'hist.csv', rows.join('\n') + '\n');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: hist.csv, time: t, target: sales, exog: [promo] }
forecast: { horizon: 3 }
model: { type: arima, params: { p: 1, d: 0, q: 0 } }
output: { dir: ${path.join(dir, 'm')} }
`);
  assert.equal(runCli(['train', config]).status, 0);
  // without future exogenous values: a usage error that says how to give them
  let r = runCli(['forecast', '-m', path.join(dir, 'm')]);
  assert.equal(r.status, 2);
  assert.match(oneLineError(r), /uses exogenous columns \(promo\): give their future values with --input FILE/);
  write(dir, 'recent.csv', [...rows, '120,1,', '121,0,', '122,1,'].join('\n') + '\n');
  r = runCli(['forecast', '-m', path.join(dir, 'm'), '--input', path.join(dir, 'recent.csv')]);
  assert.equal(r.status, 0, r.stderr);
  const out = parseCsv(r.stdout);
  assert.deepEqual(out.map((o) => o.t), ['120', '121', '122']);
  const f = out.map((o) => Number(o.forecast));
  assert.ok(Math.abs(f[0]! - 70) < 1.5 && Math.abs(f[1]! - 50) < 1.5 && Math.abs(f[2]! - 70) < 1.5, `forecasts ${f}`);
});

test('configs/air_passengers.yaml: train with a stored backtest, forecast 24 months, gate CI on the backtest sMAPE', () => {
  const dir = tmpDir('mlkit-air-');
  const model = path.join(dir, 'air');
  const tr = runCli(['train', path.join(ROOT, 'configs', 'air_passengers.yaml'), '--set', `output.dir=${model}`, '--json']);
  assert.equal(tr.status, 0, tr.stderr);
  const s = JSON.parse(tr.stdout);
  assert.equal(s.backtest.folds.length, 3);
  assert.ok(s.metrics.mape < 0.1, `backtest MAPE ${s.metrics.mape}`);
  const fc = runCli(['forecast', '--model', model, '--horizon', '24']);
  assert.equal(fc.status, 0, fc.stderr);
  const rows = parseCsv(fc.stdout);
  assert.equal(rows.length, 24);
  assert.equal(rows[0]!.ds, '1961-01-01');
  assert.equal(rows[23]!.ds, '1962-12-01');
  const pass = runCli(['evaluate', '--model', model, path.join(ROOT, 'datasets', 'air_passengers.csv'), '--backtest', '--fail-over', 'smape=0.1']);
  assert.equal(pass.status, 0, pass.stderr);
  assert.match(pass.stdout, /overall/);
  const fail = runCli(['evaluate', '--model', model, path.join(ROOT, 'datasets', 'air_passengers.csv'), '--backtest', '--fail-over', 'smape=0.01']);
  assert.equal(fail.status, 1);
  assert.match(fail.stderr, /gate failed: smape .* > 0\.01/);
});

test('xgboost forecaster: log AirPassengers through 1959, conformal intervals calibrated at train time, coverage in evaluate --backtest', () => {
  const dir = tmpDir('mlkit-forecast-xgb-');
  write(dir, 'train.csv', airLines.slice(0, 133).join('\n') + '\n');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: train.csv, time: ds, target: y }
forecast: { horizon: 12, transform: log }
model: { type: xgboost, params: { rolling: { windows: [3] } } }
output: { dir: ${path.join(dir, 'm')} }
`);
  const tr = runCli(['train', config]);
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stderr, /calibrating conformal ones on a backtest of 20 fold\(s\), horizon 12, step 4/);
  assert.match(tr.stderr, /one global model; 14 features: lags 1, 2, 3, \.\.\., 12, rolling 3, calendar month/);
  const fc = runCli(['forecast', '-m', path.join(dir, 'm')]);
  assert.equal(fc.status, 0, fc.stderr);
  assert.match(fc.stderr, /90% conformal intervals/);
  const rows = parseCsv(fc.stdout);
  assert.deepEqual(rows.map((r) => r.ds), golden.test_ds);
  const actual: number[] = golden.actual;
  let ape = 0, covered = 0;
  rows.forEach((r, i) => {
    const [f, lo, hi] = [Number(r.forecast), Number(r.lower), Number(r.upper)];
    assert.ok(Number.isFinite(lo) && Number.isFinite(hi) && lo < f && f < hi, JSON.stringify(r));
    ape += Math.abs(f - actual[i]!) / actual[i]!;
    if (lo <= actual[i]! && actual[i]! <= hi) covered++;
  });
  // measured: MAPE 7.5%, 11 of 12 inside the 90% intervals (SARIMA: 2.9%; trees on one short series are weaker)
  assert.ok(ape / 12 < 0.1, `MAPE ${ape / 12}`);
  assert.ok(covered >= 9, `${covered} of 12 covered`);
  // the bundle's conformal intervals are scored by evaluate --backtest on the full series
  const ev = runCli(['evaluate', '--model', path.join(dir, 'm'), AIR, '--backtest', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const res = JSON.parse(ev.stdout);
  assert.ok(res.metrics.coverage > 0.5 && res.metrics.coverage <= 1, JSON.stringify(res.metrics));
  assert.ok(res.metrics.mase > 0 && res.metrics.mase < 2, JSON.stringify(res.metrics));
});

test('xgboost forecaster with data.id and exogenous columns: global and per_series, futures from --input', () => {
  const dir = tmpDir('mlkit-forecast-xgb-id-');
  const rows = ['store,ds,promo,sales'];
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  for (const [id, base] of [['a', 10], ['b', 1000]] as const) {
    for (let i = 0; i < 200; i++) {
      const promo = rand() < 0.3 ? 1 : 0;
      rows.push(`${id},${day(i)},${promo},${(base * (1 + 0.1 * (i % 7) + 0.5 * promo + 0.02 * (rand() - 0.5))).toFixed(3)}`);
    }
  }
  write(dir, 'sales.csv', rows.join('\n') + '\n');
  const future = (id: string, promos: number[]) => promos.map((p, h) => `${id},${day(200 + h)},${p},`);
  write(dir, 'recent.csv', [...rows, ...future('a', [1, 0, 1, 0, 1, 0, 1]), ...future('b', [0, 1, 0, 1, 0, 1, 0])].join('\n') + '\n');
  for (const perSeries of [false, true]) {
    const config = write(dir, `c${perSeries}.yaml`, `task: forecast
data: { train: sales.csv, time: ds, target: sales, id: store, exog: [promo] }
forecast: { horizon: 7 }
model: { type: xgboost, params: { per_series: ${perSeries}, num_round: 200, eta: 0.1, max_depth: 4 } }
output: { dir: ${path.join(dir, `m${perSeries}`)} }
`);
    const tr = runCli(['train', config]);
    assert.equal(tr.status, 0, tr.stderr);
    assert.match(tr.stderr, perSeries ? /2 models \(one per series\)/ : /one global model/);
    const r = runCli(['forecast', '-m', path.join(dir, `m${perSeries}`), '--input', path.join(dir, 'recent.csv')]);
    assert.equal(r.status, 0, r.stderr);
    const out = parseCsv(r.stdout);
    assert.deepEqual(Object.keys(out[0]!), ['store', 'ds', 'forecast', 'lower', 'upper']);
    assert.equal(out.length, 14);
    for (const [k, id, base, promos] of [[0, 'a', 10, [1, 0, 1, 0, 1, 0, 1]], [7, 'b', 1000, [0, 1, 0, 1, 0, 1, 0]]] as const) {
      for (let h = 0; h < 7; h++) {
        const o = out[k + h]!;
        assert.equal(o.store, id);
        assert.equal(o.ds, day(200 + h));
        const truth = base * (1 + 0.1 * ((200 + h) % 7) + 0.5 * promos[h]!);
        const f = Number(o.forecast);
        assert.ok(Math.abs(f - truth) / truth < 0.08, `${perSeries ? 'per-series' : 'global'} ${id} h=${h + 1}: ${f} vs ${truth}`);
        assert.ok(Number(o.lower) < f && f < Number(o.upper));
      }
    }
  }
  // a per-series model knows only its own series
  write(dir, 'other.csv', ['store,ds,promo,sales', ...rows.slice(1, 201).map((l) => l.replace(/^a,/, 'c,')), ...future('c', [0, 0, 0, 0, 0, 0, 0])].join('\n') + '\n');
  const bad = runCli(['forecast', '-m', path.join(dir, 'mtrue'), '--input', path.join(dir, 'other.csv')]);
  assert.equal(bad.status, 3);
  assert.match(oneLineError(bad), /series "c" was not in the training data/);
});

test('R-style numeric times (fractional years): the season comes from the step, timestamps continue', () => {
  const dir = tmpDir('mlkit-forecast-rts-');
  const rows = ['time,value'];
  for (let i = 0; i < 40; i++) rows.push(`${1960 + i / 4},${100 + i + [5, -3, 8, -10][i % 4]!}`);
  write(dir, 'q.csv', rows.join('\n') + '\n');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: q.csv, time: time, target: value }
forecast: { horizon: 6 }
model: { type: seasonal_naive }
output: { dir: ${path.join(dir, 'm')} }
`);
  const tr = runCli(['train', config]);
  assert.equal(tr.status, 0, tr.stderr);
  const out = parseCsv(runCli(['forecast', '-m', path.join(dir, 'm')]).stdout);
  assert.deepEqual(out.map((o) => o.time), ['1970', '1970.25', '1970.5', '1970.75', '1971', '1971.25']);
  assert.deepEqual(out.map((o) => Number(o.forecast)), [141, 134, 146, 129, 141, 134]);
});

test('a hand-edited series node in manifest.json is a bundle error (exit 4), not bad timestamps', async () => {
  const dir = tmpDir('mlkit-forecast-manifest-');
  const model = path.join(dir, 'm');
  const config = write(dir, 'c.yaml', `task: forecast
data: { train: ${path.join(ROOT, 'datasets', 'air_passengers.csv')}, time: ds, target: y }
model: { type: seasonal_naive }
forecast: { horizon: 3 }
output: { dir: ${model} }
`);
  assert.equal(runCli(['train', config]).status, 0);
  const mpath = path.join(model, 'manifest.json');
  const good = readFileSync(mpath, 'utf8');
  const edits: [(m: any) => void, RegExp][] = [
    [(m) => { m.pipeline.state.freq = 'bogus'; }, /series node's frequency "bogus" is not one mlkit writes/],
    [(m) => { m.pipeline.state.series = []; }, /series node's series are missing/],
    [(m) => { m.pipeline.state.series[0].n = 100; }, /series cover 100 values, but series\/history\.f64 holds 144/],
  ];
  const { sealManifest } = await import('../../src/bundle/bundle.js');
  for (const [edit, why] of edits) {
    const m = JSON.parse(good);
    edit(m);
    // as written: the manifest's own checksum catches the edit
    writeFileSync(mpath, JSON.stringify(m));
    const raw = runCli(['forecast', '-m', model]);
    assert.equal(raw.status, 4, raw.stderr);
    assert.match(oneLineError(raw), /manifest\.json was modified or is damaged \(its checksum does not match\)/);
    // re-sealed (a manifest that is consistent but wrong): the series node's own checks
    writeFileSync(mpath, JSON.stringify(sealManifest(m)));
    const r = runCli(['forecast', '-m', model]);
    assert.equal(r.status, 4, r.stderr);
    assert.match(oneLineError(r), why);
  }
  writeFileSync(mpath, good);
  assert.equal(runCli(['forecast', '-m', model]).status, 0);
});
