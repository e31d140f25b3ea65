/** Where neural training keeps its checkpoints (train.checkpoint), for the tabular, forecasting and detect tasks. */
import { rmSync } from 'node:fs';
import type { RunContext } from '../core/context.js';
import { UsageError } from '../core/errors.js';

/** train.checkpoint (neural models): checkpoints go beside the bundle, <output.dir>.checkpoint; --resume starts from there. */
/** what of a loaded config the checkpoint needs */
type Where = { modelOptions: Record<string, unknown>; outputDir: string };

export function checkpointOf(lc: Where, ctx: Pick<RunContext, 'resume'>): { checkpoint?: { dir: string; resume: boolean } } {
  const train = lc.modelOptions.train as { checkpoint?: unknown } | undefined;
  if (!train?.checkpoint) {
    if (ctx.resume) throw new UsageError('--resume continues a neural training from its checkpoint: this config has no train.checkpoint');
    return {};
  }
  return { checkpoint: { dir: `${lc.outputDir}.checkpoint`, resume: ctx.resume === true } };
}

/** The bundle is written: its training's checkpoint is no longer needed. */
export function dropCheckpoint(lc: Where): void {
  if ((lc.modelOptions.train as { checkpoint?: unknown } | undefined)?.checkpoint) rmSync(`${lc.outputDir}.checkpoint`, { recursive: true, force: true });
}
