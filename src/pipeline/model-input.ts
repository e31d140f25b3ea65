/**
 * What a tabular estimator sees: the user's pipeline (if the config has one), then the `auto` encoder
 * for whatever is still text (categorical codes or one-hot, as the engine wants) -> a dense matrix.
 * Stored in the bundle as the manifest's `pipeline` NodeSpec: `auto` alone, or `pipeline` with the
 * `auto` encoder as its child.
 */
import type { ColumnInfo, Frame } from '../core/types.js';
import type { NodeSpec } from '../bundle/bundle.js';
import { BundleError } from '../core/errors.js';
import { schemaOf } from '../data/read.js';
import { AutoTabular, encodedToFrame, type AutoParams, type AutoState, type Encoded } from './auto.js';
import { Pipeline, type PipelineState, type StepConfig } from './pipeline.js';
import type { TransformContext } from './transformer.js';

export class ModelInput {
  private constructor(private readonly pipe: Pipeline | undefined, private readonly auto: AutoTabular) {}

  static create(steps: StepConfig[] | 'auto', autoParams: AutoParams): ModelInput {
    return new ModelInput(Array.isArray(steps) ? new Pipeline(steps) : undefined, new AutoTabular(autoParams));
  }

  /** Fits on the training features and returns their encoding. */
  fitEncode(frame: Frame, columns: ColumnInfo[], ctx: TransformContext): Encoded {
    if (!this.pipe) return this.auto.fit(frame, columns).transform(frame);
    const out = this.pipe.fitTransform(frame, ctx);
    return this.auto.fit(out, schemaOf(out)).transform(out);
  }

  /**
   * For `mlkit preprocess`: fits and returns the output table: the pipeline's output, or for
   * `pipeline: auto` the encoded matrix as a table.
   */
  fitTable(frame: Frame, columns: ColumnInfo[], ctx: TransformContext): Frame {
    if (!this.pipe) return encodedToFrame(this.auto.fit(frame, columns).transform(frame));
    const out = this.pipe.fitTransform(frame, ctx);
    this.auto.fit(out, schemaOf(out));
    return out;
  }

  /** The output table of a fitted ModelInput (see fitTable). */
  outputTable(frame: Frame): Frame {
    return this.pipe ? this.pipe.transform(frame) : encodedToFrame(this.auto.transform(frame));
  }

  /** The pipeline's output table (before encoding). */
  table(frame: Frame): Frame {
    return this.pipe ? this.pipe.transform(frame) : frame;
  }

  encode(frame: Frame): Encoded {
    return this.auto.transform(this.table(frame));
  }

  toNode(): NodeSpec {
    const autoNode: NodeSpec = { name: 'auto', params: { ...this.auto.params }, state: { ...this.auto.toState() } };
    if (!this.pipe) return autoNode;
    return { name: 'pipeline', params: { steps: this.pipe.params.steps }, state: this.pipe.toState() as any, children: [autoNode] };
  }

  static fromNode(node: NodeSpec, dir: string): ModelInput {
    const autoNode = node.name === 'auto' ? node : node.name === 'pipeline' ? node.children?.[0] : undefined;
    if (!autoNode || autoNode.name !== 'auto') throw new BundleError(`unknown pipeline "${node.name}" in bundle`, { file: dir });
    const auto = new AutoTabular(autoNode.params as unknown as AutoParams, autoNode.state as unknown as AutoState);
    const pipe = node.name === 'pipeline' ? Pipeline.restore((node.params as any).steps, node.state as unknown as PipelineState) : undefined;
    return new ModelInput(pipe, auto);
  }
}
