/**
 * What a tabular estimator sees: the user's pipeline (if the config has one), then the `auto` encoder
 * for whatever is still text (categorical codes or one-hot, as the estimator wants) -> a dense matrix.
 * Stored in the bundle as the manifest's `pipeline` node: `model_input`, whose children are the user's
 * pipeline (when there is one) and the `auto` encoder.
 */
import type { ColumnInfo, ComponentNode, Frame, TransformContext } from '../core/types.js';
import type { Registry } from '../core/registry.js';
import { BundleError } from '../core/errors.js';
import { releaseNativeMemory } from '../core/memory.js';
import { schemaOf } from '../data/read.js';
import { AutoTabular, encodedToFrame, type AutoParams, type AutoState, type Encoded } from './auto.js';
import { Pipeline, restoreNode, toNode, type StepConfig } from './pipeline.js';

export class ModelInput {
  private constructor(private readonly pipe: Pipeline | undefined, private readonly auto: AutoTabular) {}

  static async create(steps: StepConfig[] | 'auto', autoParams: AutoParams, registry: Registry): Promise<ModelInput> {
    return new ModelInput(Array.isArray(steps) ? await Pipeline.create(steps, registry) : undefined, new AutoTabular(autoParams));
  }

  /** Fits on the training features and returns their encoding. */
  async fitEncode(frame: Frame, columns: ColumnInfo[], ctx: TransformContext): Promise<Encoded> {
    // the training matrix is encoded in chunks, freeing each chunk's temporary copies (see transformAsync)
    if (!this.pipe) return this.auto.fit(frame, columns).transformAsync(frame, releaseNativeMemory);
    const out = await this.pipe.fitTransform(frame, ctx);
    return this.auto.fit(out, schemaOf(out)).transformAsync(out, releaseNativeMemory);
  }

  /**
   * For `mlkit preprocess`: fits and returns the output table: the pipeline's output, or for
   * `pipeline: auto` the encoded matrix as a table.
   */
  async fitTable(frame: Frame, columns: ColumnInfo[], ctx: TransformContext): Promise<Frame> {
    if (!this.pipe) return encodedToFrame(this.auto.fit(frame, columns).transform(frame));
    const out = await this.pipe.fitTransform(frame, ctx);
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

  async toNode(): Promise<ComponentNode> {
    const autoNode: ComponentNode = { name: 'auto', kind: 'structure', params: { ...this.auto.params }, state: { ...this.auto.toState() } };
    return { name: 'model_input', kind: 'structure', params: {}, state: {}, children: this.pipe ? [await toNode(this.pipe), autoNode] : [autoNode] };
  }

  /** The ModelInput of a bundle's pipeline node; anything wrong with it is a BundleError naming the bundle. */
  static async fromNode(node: ComponentNode, dir: string, registry: Registry): Promise<ModelInput> {
    try {
      return await ModelInput.restore(node, dir, registry);
    } catch (e) {
      if (e instanceof BundleError) throw new BundleError(e.message, { file: dir });
      throw e;
    }
  }

  private static async restore(node: ComponentNode, dir: string, registry: Registry): Promise<ModelInput> {
    const kids = node?.name === 'model_input' && Array.isArray(node.children) ? node.children : [];
    const autoNode = kids[kids.length - 1];
    if (!autoNode || autoNode.name !== 'auto' || kids.length > 2) throw new BundleError(`the bundle's pipeline node is malformed (expected model_input with the auto encoder last)`, { file: dir });
    const auto = new AutoTabular(autoNode.params as unknown as AutoParams, autoNode.state as unknown as AutoState);
    let pipe: Pipeline | undefined;
    if (kids.length === 2) {
      const p = await restoreNode(kids[0]!, registry);
      if (!(p instanceof Pipeline)) throw new BundleError('the bundle\'s pipeline node is malformed (expected a pipeline before the auto encoder)', { file: dir });
      pipe = p;
    }
    return new ModelInput(pipe, auto);
  }
}
