/**
 * Neural models through the built CLI: configs/adult_mlp.yaml trains (one JSON line per epoch on stderr
 * off a TTY), predicts and evaluates with the same metrics; the train: section is checked like the rest
 * of a config (unknown keys with their place, a loss that does not fit the task, train: for a model
 * that has none, train: inside model:).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DATASETS, ROOT, oneLineError, runCli, tmpDir, write } from '../helpers.js';

const dir = tmpDir('mlkit-nn-e2e-');

test('configs/adult_mlp.yaml: trains with epoch lines, then predict and evaluate agree with training', () => {
  const model = path.join(dir, 'adult');
  const r = runCli(['train', path.join(ROOT, 'configs', 'adult_mlp.yaml'), '--set', `output.dir=${model}`, '--set', 'train.epochs=3', '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const epochs = r.stderr.split('\n').filter((l) => l.startsWith('{"epoch"')).map((l) => JSON.parse(l));
  assert.equal(epochs.length, 3);
  assert.deepEqual(Object.keys(epochs[0]), ['epoch', 'loss', 'val_loss', 'lr', 'seconds']);
  const { metrics } = JSON.parse(r.stdout);
  assert.ok(metrics.auc > 0.85, `auc ${metrics.auc}`);
  const ev = runCli(['evaluate', '-m', model, path.join(DATASETS, 'adult_test_5k.csv'), '--json'], { cwd: dir });
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).metrics.auc, metrics.auc, 'the reloaded model scores the test file as training did');
  const pr = runCli(['predict', '-m', model, path.join(DATASETS, 'adult_test_5k.csv')], { cwd: dir });
  assert.equal(pr.status, 0, pr.stderr);
  const lines = pr.stdout.trim().split('\n');
  assert.equal(lines[0], 'prediction,proba_<=50K,proba_>50K');
  assert.equal(lines.length, 5001);
});

test('train: section errors are one line with their place; exit 2', () => {
  const text = (train: string) => `task: classification
data: { train: ${path.join(DATASETS, 'iris.csv')}, target: species }
model: { type: mlp, params: { units: [8] } }
train: { ${train} }
output: { dir: m }
`;
  const typo = write(dir, 'typo.yaml', text('epochs: 2, batch_sise: 8'));
  const cfg = write(dir, 'iris.yaml', text('epochs: 2'));
  const cases: [string[], RegExp][] = [
    [[typo], /typo\.yaml:4:21 train\.batch_sise: unknown key "batch_sise"; did you mean "batch_size"\?/],
    [[cfg, '--set', 'train.loss=mse'], /train\.loss: loss mse does not fit task classification/],
    [[cfg, '--set', 'model.type=xgboost', '--set', 'model.params={}'], /iris\.yaml:4:8 train: train: is the training loop of neural models \(model\.type mlp, cnn, fno, rnn, transformer; detect\.detector autoencoder\)/],
    [[cfg, '--set', 'train.optimizer=adamw'], /train\.optimizer: expected one of "adam" \| "sgd" \| "rmsprop", got "adamw"; did you mean "adam"\?/],
    [[cfg, '--set', 'model.train.epochs=3'], /model\.train: train: goes at the top level/],
    [[cfg, '--set', 'train.augment.jitter=0.1'], /train\.augment: train\.augment is for series models/],
  ];
  for (const [extra, want] of cases) {
    const r = runCli(['train', ...extra], { cwd: dir });
    assert.equal(r.status, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r), want);
  }
});

test('rnn forecaster through the CLI: trains with a backtest, forecasts past the trained horizon, reloads from the bundle', () => {
  const cfg = write(dir, 'air_rnn.yaml', `task: forecast
data: { train: ${path.join(DATASETS, 'air_passengers.csv')}, time: ds, target: y }
model: { type: rnn, params: { units: 8, window: 24 } }
train: { epochs: 5, batch_size: 32, metrics: [mae], augment: { jitter: 0.05, scaling: 0.1, magnitude_warp: 0.1, window_slice: 0.9 } }
forecast: { horizon: 12 }
evaluate: { backtest: { folds: 1, horizon: 12 } }
output: { dir: ${path.join(dir, 'air_rnn')} }
`);
  const r = runCli(['train', cfg, '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.model, 'rnn');
  assert.ok(Number.isFinite(out.metrics.mase), JSON.stringify(out.metrics));
  const f = runCli(['forecast', '-m', path.join(dir, 'air_rnn'), '--horizon', '20', '--json'], { cwd: dir });
  assert.equal(f.status, 0, f.stderr);
  const fc = JSON.parse(f.stdout);
  assert.equal(fc.series[0].forecast.length, 20);
  assert.equal(fc.intervals, 'conformal');
  assert.ok(fc.series[0].forecast.every((v: number) => Number.isFinite(v) && v > 100), fc.series[0].forecast.join(','));
  // the same bundle without the kernels (pure tfjs) forecasts the same; a bad MLKIT_KERNELS is exit 2
  const off = runCli(['forecast', '-m', path.join(dir, 'air_rnn'), '--horizon', '20', '--json'], { cwd: dir, env: { MLKIT_KERNELS: 'off' } });
  assert.equal(off.status, 0, off.stderr);
  JSON.parse(off.stdout).series[0].forecast.forEach((v: number, i: number) => assert.ok(Math.abs(v - fc.series[0].forecast[i]) <= 1e-4 * Math.abs(v), `step ${i + 1}: ${v} without the kernels, ${fc.series[0].forecast[i]} with`));
  const bad = runCli(['forecast', '-m', path.join(dir, 'air_rnn'), '--horizon', '20'], { cwd: dir, env: { MLKIT_KERNELS: 'fast' } });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(oneLineError(bad), /MLKIT_KERNELS must be one of auto, on, off, got "fast"/);
  // one JSON line per epoch off a TTY, naming the fit (the backtest's fold, then the final one); with
  // train.metrics, the mae of the training windows' forecasts, in passengers
  const epochs = r.stderr.split('\n').filter((l) => l.startsWith('{"fit"')).map((l) => JSON.parse(l));
  assert.deepEqual(epochs.map((e) => `${e.fit} ${e.epoch}`), [1, 2, 3, 4, 5].map((k) => `backtest fold 1 of 1 ${k}`).concat([1, 2, 3, 4, 5].map((k) => `final ${k}`)));
  assert.ok(epochs.every((e) => e.mae > 1 && e.mae < 500), JSON.stringify(epochs.at(-1)));
  const acc = runCli(['train', cfg, '--set', 'train.metrics=[accuracy]'], { cwd: dir });
  assert.equal(acc.status, 2, acc.stderr);
  assert.match(oneLineError(acc), /--set train\.metrics=\[accuracy\] train\.metrics\.0: accuracy is a classification metric; model\.type rnn forecasts values \(rmse, mae, r2, mape\)/);
});

test('window forecasters without evaluate.backtest: the conformal calibration leaves window + horizon values for every fit; a shorter series needs that many', () => {
  // (the calibration's folds were planned for window + 1 values: "no series is longer than window +
  // horizon (36 + 12; the longest has 37 values)" on the 144 months)
  const cfg = write(dir, 'air_cnn.yaml', `task: forecast
data: { train: ${path.join(DATASETS, 'air_passengers.csv')}, time: ds, target: y }
model: { type: cnn, params: { filters: [4], kernel: 3, pool: 2, global_pool: avg, window: 36 } }
train: { epochs: 1 }
forecast: { horizon: 12 }
output: { dir: ${path.join(dir, 'air_cnn')} }
`);
  const r = runCli(['train', cfg, '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /cnn has no intervals of its own: calibrating conformal ones on a backtest of \d+ fold\(s\), horizon 12/);
  const lines = readFileSync(path.join(DATASETS, 'air_passengers.csv'), 'utf8').trim().split('\n');
  write(dir, 'air_short.csv', lines.slice(0, 41).join('\n') + '\n');
  const short = runCli(['train', cfg, '--set', `data.train=${path.join(dir, 'air_short.csv')}`], { cwd: dir });
  assert.equal(short.status, 3, short.stderr);
  assert.match(oneLineError(short), /the series has 40 values; cnn with these params \(season length 12\) needs at least 48/);
});

test('autoencoder detector through the CLI: train: section, detect streams a verdict per row; train: with the statistical detector is exit 2', async () => {
  const rows = Array.from({ length: 400 }, (_, i) => `${i},${(10 + Math.sin(i / 5)).toFixed(4)},${(3 + Math.cos(i / 7)).toFixed(4)}`);
  write(dir, 'tele.csv', ['t,a,b', ...rows].join('\n') + '\n');
  const cfg = write(dir, 'ae.yaml', `task: detect
data: { train: tele.csv, time: t }
detect: { mode: unsupervised, detector: autoencoder, params: { window: 8, units: [8], latent: 2 } }
train: { epochs: 3, batch_size: 32 }
output: { dir: ${path.join(dir, 'ae')} }
`);
  const r = runCli(['train', cfg, '--json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).detector, 'autoencoder');
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('{"epoch"')).map((l) => JSON.parse(l).epoch), [1, 2, 3], 'one JSON line per epoch off a TTY');
  const d = runCli(['detect', '-m', path.join(dir, 'ae'), 'tele.csv', '-q'], { cwd: dir });
  assert.equal(d.status, 0, d.stderr);
  const out = d.stdout.trim().split('\n');
  assert.equal(out.length, 401);
  assert.equal(out[0], 't,score,threshold,anomaly,cause');
  assert.match(out[7]!, /^6,,/, 'warm-up: window - 1 rows');
  assert.match(out[8]!, /^7,\d/);
  const st = runCli(['train', cfg, '--set', 'detect.detector=statistical', '--set', 'detect.params={}'], { cwd: dir });
  assert.equal(st.status, 2);
  assert.match(oneLineError(st), /train: is the training loop of neural models .*detect\.detector autoencoder\); detect\.detector statistical takes its settings in detect\.params/);
  // train.checkpoint: accepted for a detector; removed once the bundle is written; --resume needs one on disk
  const { existsSync } = await import('node:fs');
  const ck = runCli(['train', cfg, '--set', 'train.checkpoint={ every: 1 }', '--set', `output.dir=${path.join(dir, 'ae-ck')}`], { cwd: dir });
  assert.equal(ck.status, 0, ck.stderr);
  assert.ok(existsSync(path.join(dir, 'ae-ck', 'manifest.json')) && !existsSync(path.join(dir, 'ae-ck.checkpoint')));
  const noCk = runCli(['train', cfg, '--set', 'train.checkpoint={ every: 1 }', '--set', `output.dir=${path.join(dir, 'ae-ck2')}`, '--resume'], { cwd: dir });
  assert.equal(noCk.status, 2, noCk.stderr);
  assert.match(oneLineError(noCk), /--resume: no checkpoint at .*ae-ck2\.checkpoint/);
  // network cnn: a window its convolutions use up is exit 2 at the key's place, before any training
  const cnn = runCli(['train', cfg, '--set', 'detect.params={ network: cnn, window: 8, units: [4, 4, 4], kernel: 3 }'], { cwd: dir });
  assert.equal(cnn.status, 2, cnn.stderr);
  assert.match(oneLineError(cnn), /detect\.params\.window: autoencoder \(cnn\): a window of 8 rows is used up by convolution 3 of 3/);
});

test('transfer learning: init_from starts from a bundle\'s layers, frozen layers stay bit-identical while the others change; no matching layer is exit 4', async () => {
  const { readFileSync } = await import('node:fs');
  const base = write(dir, 'base.yaml', `task: regression
data: { train: ${path.join(DATASETS, 'california_housing.csv')}, target: median_house_value, split: { test: 0 } }
model: { type: mlp, params: { units: [16, 8] } }
train: { epochs: 2, batch_size: 256 }
output: { dir: base }
`);
  assert.equal(runCli(['train', base, '-q'], { cwd: dir }).status, 0);
  const tuned = runCli(['train', base, '--set', 'output.dir=tuned', '--set', 'train.init_from=base', '--set', 'train.freeze=[dense_1]', '--set', 'train.seed=99'], { cwd: dir });
  assert.equal(tuned.status, 0, tuned.stderr);
  assert.match(tuned.stderr, /train\.init_from: 3 layers start from base \(dense_1, dense_2, output\)/);
  assert.match(tuned.stderr, /train\.freeze: dense_1 kept as they are/);
  // each layer's weights from weights.bin, by the manifest's names (a frozen layer's weights come last)
  const layerWeights = (m: string) => {
    const b = readFileSync(path.join(dir, m, 'estimator', 'weights.bin'));
    const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const spec = JSON.parse(readFileSync(path.join(dir, m, 'estimator', 'model.json'), 'utf8')).weightsManifest[0].weights as { name: string; shape: number[] }[];
    const out: Record<string, number[]> = {};
    let at = 0;
    for (const w of spec) {
      const n = w.shape.reduce((x, y) => x * y, 1);
      const layer = w.name.split('/')[0]!;
      (out[layer] ??= []).push(...all.subarray(at, at + n));
      at += n;
    }
    return out;
  };
  const [a, b] = [layerWeights('base'), layerWeights('tuned')];
  assert.deepEqual(b.dense_1, a.dense_1, 'dense_1 frozen: bit-identical');
  assert.notDeepEqual(b.dense_2, a.dense_2, 'dense_2 was fine-tuned');
  assert.notDeepEqual(b.output, a.output, 'output was fine-tuned');
  const air = write(dir, 'air_from_mlp.yaml', `task: forecast
data: { train: ${path.join(DATASETS, 'air_passengers.csv')}, time: ds, target: y }
model: { type: rnn, params: { units: 4, window: 12 } }
train: { epochs: 1, init_from: base }
forecast: { horizon: 3 }
evaluate: { backtest: { folds: 1 } }
output: { dir: air_from_mlp }
`);
  const none = runCli(['train', air], { cwd: dir });
  assert.equal(none.status, 4, none.stderr);
  assert.match(oneLineError(none), /base: train\.init_from: no layer matches this model's by name and weight shapes \(the bundle's: dense_1, dense_2, output; this model's: lstm_1, output\)/);
  const bad = runCli(['train', base, '--set', 'output.dir=t2', '--set', 'train.freeze=[conv]'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(oneLineError(bad), /train\.freeze\.0: "conv" names no layer of this model/);
});

test('checkpoint and --resume: Ctrl-C mid-training leaves the last checkpoint; --resume continues from it (the epoch log too) and the bundle replaces the checkpoint', async () => {
  const { spawn } = await import('node:child_process');
  const { existsSync, readFileSync } = await import('node:fs');
  const { BIN } = await import('../helpers.js');
  const cfg = write(dir, 'ck.yaml', `task: regression
data: { train: ${path.join(DATASETS, 'california_housing.csv')}, target: median_house_value, split: { test: 0 } }
model: { type: mlp, params: { units: [8] } }
train: { epochs: 400, batch_size: 512, checkpoint: { every: 1 }, csv_logger: ck_log.csv }
output: { dir: ck }
`);
  const child = spawn(process.execPath, [BIN, 'train', cfg], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  await new Promise<void>((resolve) => child.stderr.on('data', (d) => { err += d; if ((err.match(/^\{"epoch"/gm) ?? []).length >= 4) resolve(); }));
  child.kill('SIGINT');
  assert.equal(await exited, 130, err);
  assert.ok(!existsSync(path.join(dir, 'ck')), 'no bundle');
  const saved = JSON.parse(readFileSync(path.join(dir, 'ck.checkpoint', 'state.json'), 'utf8')).epoch as number;
  assert.ok(saved >= 3 && saved < 399, `checkpoint after epoch ${saved + 1}`);
  const r = runCli(['train', cfg, '--resume', '--set', 'train.epochs=' + (saved + 4)], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`--resume: continuing after epoch ${saved + 1} of ${saved + 4}`));
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('{"epoch"')).length, 3, 'only the remaining epochs ran');
  const log = readFileSync(path.join(dir, 'ck_log.csv'), 'utf8').trim().split('\n');
  assert.equal(log[0], 'epoch,loss,val_loss,lr,seconds');
  assert.equal(log.at(-1)!.split(',')[0], String(saved + 4));
  assert.ok(existsSync(path.join(dir, 'ck', 'manifest.json')));
  assert.ok(!existsSync(path.join(dir, 'ck.checkpoint')), 'the checkpoint is gone once the bundle is written');
  const again = runCli(['train', cfg, '--resume'], { cwd: dir });
  assert.equal(again.status, 2);
  assert.match(oneLineError(again), /--resume: no checkpoint at .*ck\.checkpoint/);
});

test('data.validation: a file of validation rows for the mlp\'s val_ metrics and XGBoost\'s early stopping; with data.split.validation, without the target, or for a forecast it is refused', () => {
  const line = (i: number, shift: number) => { const a = Math.sin(i), b = Math.cos(3 * i); return `${a.toFixed(4)},${b.toFixed(4)},${(2 * a - b + shift).toFixed(4)}`; };
  write(dir, 'vtr.csv', ['a,b,y', ...Array.from({ length: 300 }, (_, i) => line(i, 0))].join('\n') + '\n');
  write(dir, 'vva.csv', ['a,b,y', ...Array.from({ length: 40 }, (_, i) => line(i + 1000, 0))].join('\n') + '\n');
  write(dir, 'vnoy.csv', ['a,b', ...Array.from({ length: 5 }, (_, i) => line(i, 0).split(',').slice(0, 2).join(','))].join('\n') + '\n');
  const cfg = write(dir, 'val.yaml', `task: regression
data: { train: vtr.csv, validation: vva.csv, target: y, split: { test: 0 } }
model: { type: mlp, params: { units: [8] } }
train: { epochs: 2, metrics: [rmse] }
output: { dir: ${path.join(dir, 'val-mlp')} }
`);
  const m = runCli(['train', cfg], { cwd: dir });
  assert.equal(m.status, 0, m.stderr);
  const epochs = m.stderr.split('\n').filter((l) => l.startsWith('{"epoch"')).map((l) => JSON.parse(l));
  assert.equal(epochs.length, 2);
  assert.ok(Number.isFinite(epochs[1].val_loss) && Number.isFinite(epochs[1].val_rmse), JSON.stringify(epochs[1]));
  assert.match(m.stderr, /rows: train 300, validation 40 \(file vva\.csv\), test 0; best epoch 2\n/, 'every training row trains: none is carved off; epochs count from 1');
  const xcfg = write(dir, 'valx.yaml', `task: regression
data: { train: vtr.csv, validation: vva.csv, target: y, split: { test: 0 } }
model: { type: xgboost, params: { num_round: 50, early_stopping_rounds: 5 } }
output: { dir: ${path.join(dir, 'val-xgb')} }
`);
  const x = runCli(['train', xcfg], { cwd: dir });
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stderr, /rows: train 300, validation 40 \(file vva\.csv\), test 0; best iteration \d+/);
  const both = runCli(['train', cfg, '--set', 'data.split.validation=0.2'], { cwd: dir });
  assert.equal(both.status, 2);
  assert.match(oneLineError(both), /data\.split\.validation: .*with data\.validation \(a file of them\) leave it out/);
  const noY = runCli(['train', cfg, '--set', 'data.validation=vnoy.csv', '--force'], { cwd: dir });
  assert.equal(noY.status, 3);
  assert.match(oneLineError(noY), /vnoy\.csv.*target column "y" not found in the validation data/);
  write(dir, 'vsemi.csv', ['a;b;y', '0.1;0.2;0.3'].join('\n') + '\n');
  const semi = runCli(['train', cfg, '--set', 'data.validation=vsemi.csv', '--force'], { cwd: dir });
  assert.equal(semi.status, 3);
  assert.match(oneLineError(semi), /vsemi\.csv.*the header is one column "a;b;y": the file looks ";"-separated, and data\.csv\.delimiter is ","/);
  const fc = runCli(['train', path.join(ROOT, 'configs', 'air_passengers.yaml'), '--set', 'data.validation=vva.csv'], { cwd: dir });
  assert.equal(fc.status, 2);
  assert.match(oneLineError(fc), /data\.validation: task forecast does not use data\.validation/);
});

test('trial findings: init_from an XGBoost bundle and freezing every layer are clear errors; csv_logger in a missing folder, a folder, or inside output.dir is exit 2; the autoencoder honours early stopping on loss, init_from and refuses val_loss; a detector checkpoint of other channels is exit 4', () => {
  const iris = path.join(DATASETS, 'iris.csv');
  const text = (extra: string, out: string) => `task: classification
data: { train: ${iris}, target: species }
model: { type: mlp, params: { units: [4] } }
train: { epochs: 1${extra} }
output: { dir: ${out} }
`;
  const xgb = write(dir, 'tx.yaml', `task: classification\ndata: { train: ${iris}, target: species }\nmodel: { type: xgboost, params: { num_round: 3 } }\noutput: { dir: tx }\n`);
  assert.equal(runCli(['train', xgb], { cwd: dir }).status, 0);
  const cases: [string, number, RegExp][] = [
    [text(', init_from: tx', 't1'), 4, /train\.init_from: this bundle holds a xgboost model, not a neural network/],
    [text(', freeze: [dense_1, output]', 't2'), 2, /every layer with weights is frozen \(dense_1, output\): nothing would train/],
    [text(', csv_logger: nodir/log.csv', 't3'), 2, /cannot write the training log nodir\/log\.csv: its folder nodir does not exist/],
    [text(', csv_logger: tx', 't4'), 2, /tx is a folder: give a file/],
    [text(', csv_logger: t5/log.csv', 't5'), 2, /train\.csv_logger: t5\/log\.csv is inside output\.dir \(t5\), which the bundle replaces/],
  ];
  cases.forEach(([cfg, code, want], k) => {
    const r = runCli(['train', write(dir, `tf${k}.yaml`, cfg)], { cwd: dir });
    assert.equal(r.status, code, `${k}: ${r.stderr}`);
    assert.match(oneLineError(r), want, `case ${k}`);
  });
  // the autoencoder: early stopping on the training loss stops; val_loss is exit 2; init_from loads its layers
  const rows = Array.from({ length: 300 }, (_, i) => `${i},${Math.sin(i / 5).toFixed(4)},${Math.cos(i / 7).toFixed(4)}`);
  write(dir, 'tele2.csv', ['t,a,b', ...rows].join('\n') + '\n');
  const ae = (train: string, out: string) => write(dir, `${out}.yaml`, `task: detect
data: { train: tele2.csv, time: t }
detect: { mode: unsupervised, detector: autoencoder, params: { window: 8, units: [8], latent: 2 } }
train: { ${train.includes('batch_size') ? '' : 'batch_size: 32, '}${train} }
output: { dir: ${out} }
`);
  const es = runCli(['train', ae('epochs: 30, early_stopping: { monitor: loss, patience: 1, min_delta: 100 }', 'ae-es')], { cwd: dir });
  assert.equal(es.status, 0, es.stderr);
  assert.equal(es.stderr.split('\n').filter((l) => l.startsWith('{"epoch"')).length, 2, 'no epoch improves by 100: stops after patience 1');
  const val = runCli(['train', ae('epochs: 3, early_stopping: { patience: 3 }', 'ae-val')], { cwd: dir });
  assert.equal(val.status, 2);
  assert.match(oneLineError(val), /train\.early_stopping: the autoencoder detector keeps no validation rows .*set monitor: loss/);
  const init = runCli(['train', ae('epochs: 1, init_from: ae-es, freeze: [encoder_1]', 'ae-init')], { cwd: dir });
  assert.equal(init.status, 0, init.stderr);
  const auto = runCli(['train', ae('epochs: 1, batch_size: auto', 'ae-auto')], { cwd: dir });
  assert.equal(auto.status, 0, auto.stderr);
  assert.match(auto.stderr, /train\.batch_size auto: \d+ \(about [\d.]+ KiB a sample; at least 8 steps an epoch over \d+ training rows\)/);
  assert.match(init.stderr, /train\.init_from: \d+ layers start from ae-es .*\n.*train\.freeze: encoder_1 kept as they are/);
  // a checkpoint written for other channels (or another order): --resume is exit 4
  const ck = ae('epochs: 2, checkpoint: { every: 1 }', 'ae-ckc');
  mkdirSync(path.join(dir, 'ae-ckc.checkpoint'), { recursive: true });
  write(dir, 'ae-ckc.checkpoint/channels.json', '["b","a"]\n');
  const re = runCli(['train', ck, '--resume'], { cwd: dir });
  assert.equal(re.status, 4, re.stderr);
  assert.match(oneLineError(re), /the checkpoint was written for the channels b, a; this config trains a, b \(another order\): train without --resume/);
  write(dir, 'ae-ckc.checkpoint/channels.json', '["a", "b"');
  const bad = runCli(['train', ck, '--resume'], { cwd: dir });
  assert.equal(bad.status, 4, bad.stderr);
  assert.match(oneLineError(bad), /the checkpoint's channels\.json is damaged/);
});
