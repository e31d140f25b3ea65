/**
 * The component registry: config `type:` names map to registry keys. Each component registers itself
 * in its own file; the lists of modules to import live in src/components.ts (lazy, so --help stays fast).
 */
import type { ComponentSpec } from './types.js';
import { ConfigError } from './errors.js';
import { didYouMean } from './suggest.js';

export class Registry {
  private readonly specs = new Map<string, ComponentSpec<any, any, any>>();

  register<P, S, C>(spec: ComponentSpec<P, S, C>): void {
    const key = `${spec.kind}:${spec.name}`;
    if (this.specs.has(key)) throw new Error(`component ${key} registered twice`);
    this.specs.set(key, spec);
  }

  names(kind: ComponentSpec['kind']): string[] {
    return [...this.specs.values()].filter((s) => s.kind === kind).map((s) => s.name).sort();
  }

  get<C = unknown>(kind: ComponentSpec['kind'], name: string, path = ''): ComponentSpec<any, any, C> {
    const spec = this.specs.get(`${kind}:${name}`);
    if (!spec) {
      const known = this.names(kind);
      throw new ConfigError(`unknown ${kind} type "${name}"${didYouMean(name, known)} (known: ${known.join(', ')})`, { path });
    }
    return spec as ComponentSpec<any, any, C>;
  }
}

/** The default instance (tests may create their own). */
export const defaultRegistry = new Registry();
