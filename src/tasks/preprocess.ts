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
import { checkBundleTarget, loadBundle, saveBundle } from '../bundle/bundle.js';
import { ModelInput } from '../pipeline/model-input.js';
import { encodedToFrame } from '../pipeline/auto.js';
import type { StepConfig } from '../pipeline/pipeline.js';
import type { RunContext } from '../core/context.js';
import type { TableFormat } from '../data/read.js';
import type { StreamStats } from '../data/stream.js';
import type { TableWriter } from '../data/write.js';
import { throwIfAborted } from '../core/errors.js';
import { yieldToLoop } from '../core/loop.js';
import { collectBatchGarbage } from '../core/memory.js';

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

/**
 * Applies the pipeline of a bundle to a data file without refitting, streamed: each batch of input rows
 * is transformed and written before the next is read. For a trained model's bundle, the table is what
 * its estimator sees (the encoded matrix).
 */
export async function preprocessApply(dir: string, file: string, sink: TableWriter, ctx: RunContext, opts: { format?: TableFormat } = {}): Promise<{ rows: number; columns: string[] }> {
  const bundle = loadBundle(dir);
  const m = bundle.manifest;
  const { loadModel, modelBatches } = await import('./tabular.js');
  let input: ModelInput;
  let dispose = () => {};
  if (m.task !== 'preprocess') {
    const model = await loadModel(dir, ctx);
    input = model.input;
    dispose = () => model.estimator.dispose();
  } else {
    input = await ModelInput.fromNode(m.pipeline, dir, ctx.registry);
  }
  try {
    const stats: StreamStats = { rows: 0, batches: 0, blankLines: 0 };
    let columns: string[] = [];
    for await (const { table, frame } of modelBatches(m, file, ctx, { ...opts, stats })) {
      const out = m.task !== 'preprocess' ? encodedToFrame(input.encode(frame)) : withTarget(input.outputTable(frame), table.frame, m.input.target);
      throwIfAborted(ctx.signal);
      columns = out.columns;
      await sink.write(out);
      if (sink.gone) break;
      collectBatchGarbage(frame.height * m.input.columns.length);
    }
    return { rows: sink.rows, columns };
  } finally {
    dispose();
  }
}
