/** Building a transformer's light spec (no implementation imported). */
import type { ZodType } from 'zod';
import type { ComponentImpl, ComponentSpec, Tags } from '../core/component.js';

/** Transformers here take missing values (NaN, null) and keep or handle them as scikit-learn does. */
export const TRANSFORMER_TAGS: Tags = { allowsNaN: true };

export function transformerSpec<P>(name: string, description: string, params: ZodType<P>, load: () => Promise<ComponentImpl>): ComponentSpec<P> {
  return { name, kind: 'transformer', description, params, tags: TRANSFORMER_TAGS, load };
}
