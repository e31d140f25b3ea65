/**
 * `mlkit preprocess`: fit the pipeline on data.train, return the transformed table and save the fitted
 * pipeline as a bundle; or apply a saved pipeline (from a preprocess bundle or a trained model's
 * bundle) without refitting.
 */
import pl from 'nodejs-polars';
import type { LoadedConfig } from '../config/load.js';
import type { AnyConfig } from '../config/schema.js';
import type { Frame } from '../core/types.js';
import { DataError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { readTable, schemaOf } from '../data/read.js';
import { checkInput } from '../data/schema.js';
import { loadBundle, saveBundle } from '../bundle/bundle.js';
import { ModelInput } from '../pipeline/model-input.js';
import { encodedToFrame } from '../pipeline/auto.js';
import type { StepConfig } from '../pipeline/pipeline.js';
import type { RunContext } from './tabular.js';
import '../components.js';
import { yieldToLoop } from '../core/loop.js';

export interface PreprocessResult {
  frame: Frame;
  bundleDir?: string;
}

function withTarget(out: Frame, source: Frame, target: string | undefined): Frame {
  if (!target || !source.columns.includes(target) || out.columns.includes(target)) return out;
  return pl.concat([out, source.select(target)], { how: 'horizontal' });
}

export async function preprocessFit(lc: LoadedConfig<AnyConfig>, ctx: RunContext): Promise<PreprocessResult> {
  const { config } = lc;
  const { data } = config;
  const name = data.train;
  const table = readTable(lc.trainPath, { format: data.format, csv: data.csv, displayName: name, stdin: ctx.stdin });
  for (const n of table.notes) ctx.log.info(n);
  const cols = table.frame.columns;
  if (data.target !== undefined && !cols.includes(data.target)) {
    throw new DataError(`target column "${data.target}" not found${didYouMean(data.target, cols)}`, { file: name, path: 'data.target' });
  }
  for (const d of data.drop) {
    if (!cols.includes(d)) throw new DataError(`data.drop: column "${d}" not found${didYouMean(d, cols)}`, { file: name, path: d });
  }
  const featureCols = schemaOf(table.frame).filter((c) => c.name !== data.target && !data.drop.includes(c.name));
  const input = ModelInput.create(config.pipeline as StepConfig[] | 'auto', { categorical: 'native' });
  const features = table.frame.select(...featureCols.map((c) => c.name));
  const out = withTarget(input.fitTable(features, featureCols, { log: ctx.log, seed: config.seed }), table.frame, data.target);
  await yieldToLoop(); // a Ctrl-C during synchronous work is handled here: exit 130, no bundle
  saveBundle(lc.outputDir, {
    task: 'preprocess',
    config,
    input: { columns: featureCols, target: data.target },
    pipeline: input.toNode(),
    metrics: {},
  }, {});
  return { frame: out, bundleDir: lc.outputDir };
}

/** Applies the pipeline of a bundle to a data file without refitting. */
export async function preprocessApply(dir: string, file: string, ctx: RunContext): Promise<PreprocessResult> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'preprocess') {
    // a trained model's bundle: the table the estimator sees
    const { loadModel, transformForModel } = await import('./tabular.js');
    const model = await loadModel(dir, ctx.log);
    try {
      return { frame: encodedToFrame(transformForModel(model, file, ctx)) };
    } finally {
      model.estimator.dispose();
    }
  }
  const cfg = m.config as AnyConfig;
  const input = ModelInput.fromNode(m.pipeline, dir);
  const table = readTable(file, { csv: cfg?.data?.csv, stdin: ctx.stdin });
  for (const n of table.notes) ctx.log.info(n);
  const target = m.input.target;
  const checked = checkInput(table, m.input.columns, [...(target ? [target] : []), ...(cfg?.data?.drop ?? [])]);
  for (const n of checked.notes) ctx.log.info(n);
  return { frame: withTarget(input.outputTable(checked.frame), table.frame, target) };
}
