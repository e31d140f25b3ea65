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
import { loadTable, schemaOf } from '../data/read.js';
import { checkInput } from '../data/schema.js';
import { checkBundleTarget, loadBundle, saveBundle } from '../bundle/bundle.js';
import { ModelInput } from '../pipeline/model-input.js';
import { encodedToFrame } from '../pipeline/auto.js';
import type { StepConfig } from '../pipeline/pipeline.js';
import type { RunContext } from '../core/context.js';
import { throwIfAborted } from '../core/errors.js';
import { yieldToLoop } from '../core/loop.js';

export interface PreprocessResult {
  frame: Frame;
  bundleDir?: string;
  /**
   * fitting: saves the fitted pipeline's bundle (synchronous, so that the caller can write the output
   * table and the bundle with no await between them: a cancelled run leaves neither)
   */
  commit?: () => void;
}

function withTarget(out: Frame, source: Frame, target: string | undefined): Frame {
  if (!target || !source.columns.includes(target) || out.columns.includes(target)) return out;
  return pl.concat([out, source.select(target)], { how: 'horizontal' });
}

export async function preprocessFit(lc: LoadedConfig<AnyConfig>, ctx: RunContext): Promise<PreprocessResult> {
  const { config } = lc;
  const { data } = config;
  const name = data.train;
  checkBundleTarget(lc.outputDir, 'preprocess', ctx.force);
  const table = await loadTable(lc.trainPath, { format: data.format, csv: data.csv, displayName: name, stdin: ctx.stdin }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const cols = table.frame.columns;
  if (data.target !== undefined && !cols.includes(data.target)) {
    throw new DataError(`target column "${data.target}" not found${didYouMean(data.target, cols)}`, { file: name, path: 'data.target' });
  }
  for (const d of data.drop) {
    if (!cols.includes(d)) throw new DataError(`data.drop: column "${d}" not found${didYouMean(d, cols)}`, { file: name, path: d });
  }
  const featureCols = schemaOf(table.frame).filter((c) => c.name !== data.target && !data.drop.includes(c.name));
  const input = await ModelInput.create(config.pipeline as StepConfig[] | 'auto', { categorical: 'native' }, ctx.registry);
  const features = table.frame.select(...featureCols.map((c) => c.name));
  const out = withTarget(await input.fitTable(features, featureCols, { log: ctx.log, seed: config.seed, signal: ctx.signal }), table.frame, data.target);
  const pipeline = await input.toNode();
  await yieldToLoop(); // a Ctrl-C during synchronous work is handled here: exit 130, no bundle
  throwIfAborted(ctx.signal);
  const commit = () => {
    saveBundle(lc.outputDir, {
      task: 'preprocess',
      config,
      input: { columns: featureCols, target: data.target },
      pipeline,
      metrics: {},
    }, {}, { force: ctx.force });
  };
  return { frame: out, bundleDir: lc.outputDir, commit };
}

/** Applies the pipeline of a bundle to a data file without refitting. */
export async function preprocessApply(dir: string, file: string, ctx: RunContext): Promise<PreprocessResult> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  if (m.task !== 'preprocess') {
    // a trained model's bundle: the table the estimator sees
    const { loadModel, transformForModel } = await import('./tabular.js');
    const model = await loadModel(dir, ctx);
    try {
      return { frame: encodedToFrame(await transformForModel(model, file, ctx)) };
    } finally {
      model.estimator.dispose();
    }
  }
  const cfg = m.config as AnyConfig;
  const input = await ModelInput.fromNode(m.pipeline, dir, ctx.registry);
  const table = await loadTable(file, { csv: cfg?.data?.csv, stdin: ctx.stdin }, ctx.signal, ctx.log);
  for (const n of table.notes) ctx.log.info(n);
  const target = m.input.target;
  const checked = checkInput(table, m.input.columns, [...(target ? [target] : []), ...(cfg?.data?.drop ?? [])]);
  for (const n of checked.notes) ctx.log.info(n);
  return { frame: withTarget(input.outputTable(checked.frame), table.frame, target) };
}
