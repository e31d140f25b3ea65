/**
 * The transformer contract of the pipeline layer lives in core/types.ts (Transformer, TransformContext)
 * with scikit-learn's semantics: params validated once by the spec's zod schema and never changed by
 * fit(); fit() learns state from a frame; transform() never changes state; save() gives the JSON state
 * that restores an identical fitted transformer.
 */
export type { Transformer, TransformContext } from '../core/types.js';
