/**
 * The component registry: config `type:` names map to registry keys. It holds light specs (see
 * component.ts); an implementation is imported the first time a run needs it (load()) and cached per
 * registry. There is no global instance: the CLI builds one (src/specs.ts) and hands it to tasks in
 * their RunContext; tests build their own.
 */
import type { ComponentImpl, ComponentKind, ComponentSpec } from './component.js';
import { ConfigError } from './errors.js';
import { didYouMean } from './suggest.js';

export class Registry {
  private readonly specs = new Map<string, ComponentSpec>();
  private readonly impls = new Map<string, ComponentImpl>();

  register(spec: ComponentSpec<any, any, any, any>): this {
    const key = `${spec.kind}:${spec.name}`;
    if (this.specs.has(key)) throw new Error(`component ${key} registered twice`);
    this.specs.set(key, spec);
    return this;
  }

  names(kind: ComponentKind): string[] {
    return [...this.specs.values()].filter((s) => s.kind === kind).map((s) => s.name).sort();
  }

  all(): ComponentSpec[] {
    return [...this.specs.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  has(kind: ComponentKind, name: string): boolean {
    return this.specs.has(`${kind}:${name}`);
  }

  /** The spec of `name`; an unknown name is a ConfigError listing the known ones ("did you mean"). */
  get<P = any, S = any, C = any, O = any>(kind: ComponentKind, name: string, path = ''): ComponentSpec<P, S, C, O> {
    const spec = this.specs.get(`${kind}:${name}`);
    if (!spec) {
      const known = this.names(kind);
      throw new ConfigError(`unknown ${kind} type "${name}"${didYouMean(name, known)} (known: ${known.join(', ')})`, { path });
    }
    return spec as ComponentSpec<P, S, C, O>;
  }

  /** Imports the implementation of `name` (once per registry). */
  async load<P = any, S = any, C = any, O = any>(kind: ComponentKind, name: string): Promise<ComponentImpl<P, S, C, O>> {
    const key = `${kind}:${name}`;
    let impl = this.impls.get(key);
    if (!impl) {
      impl = await this.get(kind, name).load();
      this.impls.set(key, impl);
    }
    return impl as ComponentImpl<P, S, C, O>;
  }

  /** An implementation already loaded with load() (sync code paths such as building a pipeline). */
  loaded<P = any, S = any, C = any, O = any>(kind: ComponentKind, name: string): ComponentImpl<P, S, C, O> {
    const impl = this.impls.get(`${kind}:${name}`);
    if (!impl) throw new Error(`internal: ${kind} "${name}" used before its implementation was loaded`);
    return impl as ComponentImpl<P, S, C, O>;
  }
}
