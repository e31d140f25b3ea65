/**
 * Transformers register with the default registry like every component (kind 'transformer'); this
 * module gives the pipeline layer typed access to them.
 */
import { defaultRegistry, type Registry } from '../core/registry.js';
import type { TransformerSpec } from './transformer.js';

export function registerTransformer(spec: TransformerSpec, registry: Registry = defaultRegistry): void {
  registry.register(spec as any);
}

export function transformerSpec(name: string, path = '', registry: Registry = defaultRegistry): TransformerSpec {
  return registry.get('transformer', name, path) as unknown as TransformerSpec;
}
