/**
 * Progress bars on a terminal (src/cli/output.ts, fitProgress in src/forecast/task.ts): log lines go
 * above a live bar, whole, and the bar is redrawn below them; a global forecaster's bar counts boosting
 * rounds over every fit (backtest folds + the final fit).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeLogger, progressBars } from '../src/cli/output.js';
import { handleError } from '../src/cli/index.js';
import { DataError } from '../src/core/errors.js';
import { fitProgress } from '../src/tasks/forecast.js';
import type { Progress, RunContext } from '../src/core/context.js';
import { BIN, DATASETS, ROOT, testContext, tmpDir, write } from './helpers.js';

/** Run f with stderr pretending to be a 100-column terminal; returns what was written to it. */
async function onFakeTerminal(f: () => Promise<void>): Promise<string> {
  const err = process.stderr as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  const saved = { write: err.write, isTTY: err.isTTY, columns: err.columns, noColor: process.env.NO_COLOR };
  let out = '';
  err.write = ((chunk: string | Uint8Array) => { out += String(chunk); return true; }) as typeof err.write;
  err.isTTY = true;
  err.columns = 100;
  delete process.env.NO_COLOR;
  try {
    await f();
  } finally {
    err.write = saved.write;
    err.isTTY = saved.isTTY;
    err.columns = saved.columns;
    if (saved.noColor !== undefined) process.env.NO_COLOR = saved.noColor;
  }
  return out;
}

test('a warning during a bar is written whole above it, and the bar is redrawn below', async () => {
  const warning = `series "s0012": ${'a long warning, longer than the terminal is wide; '.repeat(3)}end`;
  const out = await onFakeTerminal(async () => {
    const make = (await progressBars({}))!;
    assert.ok(make, 'a terminal gets a bar');
    const log = makeLogger({});
    const bar = make('fitting series', 10);
    bar.tick(3);
    log.warn(warning);
    bar.tick(7);
    bar.stop();
    log.info('after the bar');
  });
  const at = out.indexOf(warning);
  assert.ok(at > 0, 'the warning is written');
  // before it: back to column 0, the bar's line cleared, line wrapping on (the bar turns it off)
  assert.ok(out.slice(0, at).endsWith('\r\u001b[2K\u001b[?7h\u001b[33m'), JSON.stringify(out.slice(at - 20, at)));
  // after it: a new line, the cursor saved there (the bar's stop() restores it), wrapping off, the bar again
  const rest = out.slice(at + warning.length);
  assert.match(rest, /^(\u001b\[0m)?\n\u001b7\u001b\[\?7l\u001b\[1Gfitting series \[[^\]]*\] 3\/10/);
  // the info line after the bar stops is a plain line, after the bar's line was cleared
  assert.match(out, /\u001b8\u001b\[1G\u001b\[2Kafter the bar\n$/);
});

test('an error during a bar gives the terminal back its cursor and line wrapping before the error line', async () => {
  let code = 0;
  const out = await onFakeTerminal(async () => {
    const make = (await progressBars({}))!;
    make('fitting series', 10).tick(2);
    code = handleError(new DataError('bad value', { file: 'x.csv' }), false);
  });
  assert.equal(code, 3);
  const shown = out.lastIndexOf('\u001b[?25h');
  const wrap = out.lastIndexOf('\u001b[?7h');
  const error = out.indexOf('mlkit: ');
  assert.ok(shown > 0 && wrap > 0 && error > shown && error > wrap, JSON.stringify(out.slice(-200)));
});

test('no bar off a terminal or with --quiet; log lines are plain', async () => {
  assert.equal(await progressBars({ quiet: true }), undefined);
  const saved = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    assert.equal(await progressBars({}), undefined);
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});

test('fitProgress: series x fits for a local forecaster, rounds x fits for a global one', async () => {
  const bars: { label: string; total: number; ticks: number; stopped: boolean }[] = [];
  const ctx: RunContext = {
    ...testContext(),
    progress(label, total): Progress {
      const b = { label, total, ticks: 0, stopped: false };
      bars.push(b);
      return { tick(n = 1) { b.ticks += n; }, stop() { b.stopped = true; } };
    },
  };
  const local = fitProgress(ctx, true, 24, 2, true);
  assert.equal(local.callbacks.length, 0);
  for (let i = 0; i < 72; i++) local.onSeries!();
  local.stop();
  assert.deepEqual(bars.pop(), { label: 'fitting series', total: 72, ticks: 72, stopped: true });

  const global = fitProgress(ctx, false, 24, 2, true);
  assert.equal(global.onSeries, undefined);
  assert.equal(bars.length, 0, 'the bar waits for the first fit to know its rounds');
  for (let fit = 0; fit < 3; fit++) {
    for (const cb of global.callbacks) await cb.onTrainBegin?.({ steps: 50 });
    for (let r = 0; r < 50; r++) for (const cb of global.callbacks) await cb.onEpochEnd?.(r, {});
  }
  global.stop();
  assert.deepEqual(bars.pop(), { label: 'boosting (3 fits)', total: 150, ticks: 150, stopped: true });

  // off a terminal: a JSON line per epoch of neural training, naming the fit (evaluate --backtest has no final fit)
  const lines: string[] = [];
  const lctx = { ...testContext(), epochLines: (e: number, _l: Record<string, unknown>, fit?: string) => { lines.push(`${fit} ${e + 1}`); } };
  for (const [folds, final] of [[2, true], [2, false]] as const) {
    const p = fitProgress(lctx, false, 1, folds, final);
    for (let fit = 0; fit < folds + (final ? 1 : 0); fit++) {
      for (const cb of p.callbacks) await cb.onTrainBegin?.({ steps: 1, unit: 'epoch' });
      for (const cb of p.callbacks) await cb.onEpochEnd?.(0, { loss: 1 });
    }
  }
  assert.deepEqual(lines, ['backtest fold 1 of 2 1', 'backtest fold 2 of 2 1', 'final 1', 'backtest fold 1 of 2 1', 'backtest fold 2 of 2 1']);

  // a forecaster without rounds (a baseline) draws no bar; no ctx.progress (off a terminal): nothing
  const none = fitProgress(ctx, false, 1, 1, true);
  none.stop();
  assert.equal(bars.length, 0);
  const off = fitProgress(testContext(), true, 5, 0, true);
  assert.equal(off.onSeries, undefined);
});

const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
const NO_SCRIPT = script.status === 0 ? false : 'util-linux `script` (to run the CLI on a pseudo-terminal) not found';

test('mlkit train on a terminal: a global xgboost forecaster draws one bar over the rounds of every fit', { skip: NO_SCRIPT }, () => {
  const dir = tmpDir();
  const config = write(dir, 'xgb.yaml', [
    'task: forecast',
    `data: { train: ${JSON.stringify(path.join(DATASETS, 'air_passengers.csv'))}, time: ds, target: y }`,
    'model: { type: xgboost, params: { num_round: 40 } }',
    'forecast: { horizon: 12, transform: log }',
    'evaluate: { backtest: { folds: 3, horizon: 12 } }',
    `output: { dir: ${JSON.stringify(path.join(dir, 'model'))} }`,
  ].join('\n'));
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} train ${JSON.stringify(config)}`;
  const env: Record<string, string | undefined> = { ...process.env, COLUMNS: '100', TERM: 'xterm' };
  delete env.NO_COLOR;
  // script's typescript file goes in the test's folder (never a device node of the machine)
  const r = spawnSync('script', ['-qfec', cmd, path.join(dir, 'typescript')], { encoding: 'utf8', env, timeout: 120000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /boosting \(4 fits\) \[[^\]]*\] 0\/160/);
  assert.match(r.stdout, /boosting \(4 fits\) \[[^\]]*\] 160\/160/);
  assert.match(r.stdout, /model bundle: /);
});

test('mlkit train on a terminal: a tabular xgboost model draws a bar over its boosting rounds', { skip: NO_SCRIPT }, () => {
  const dir = tmpDir();
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} train ${JSON.stringify(path.join(ROOT, 'configs', 'iris.yaml'))} --set output.dir=${JSON.stringify(path.join(dir, 'm'))} --set model.params.num_round=30`;
  const env: Record<string, string | undefined> = { ...process.env, COLUMNS: '100', TERM: 'xterm' };
  delete env.NO_COLOR;
  const r = spawnSync('script', ['-qfec', cmd, path.join(dir, 'typescript')], { encoding: 'utf8', env, timeout: 120000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /boosting \[[^\]]*\] 0\/30/);
  assert.match(r.stdout, /boosting \[[^\]]*\] 30\/30/);
});
