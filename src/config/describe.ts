/**
 * What `mlkit list` shows: every registered component with its kind, description, tags, params and
 * runtime options (name, type, default, required), generated from the specs' zod schemas through zod's
 * JSON Schema export, so the listing can never drift from what config validation accepts.
 */
import { z, type ZodType } from 'zod';
import { tagsOf, type ComponentKind, type ComponentSpec, type Tags } from '../core/component.js';
import type { Registry } from '../core/registry.js';
import { columnTransformerSchema } from './pipeline.js';

export interface ParamInfo {
  name: string;
  /** e.g. "integer >= 1", "hann | none", "number | list of number" */
  type: string;
  required: boolean;
  default?: unknown;
  /** what the component does when the param is left out, where that is not a plain default */
  description?: string;
}

export interface ComponentInfo {
  kind: ComponentKind;
  name: string;
  description: string;
  tags: Tags;
  params: ParamInfo[];
  /** keys beside type and params in the config's model: mapping */
  options: ParamInfo[];
  /** neural components: the keys of the config's top-level train: section */
  train?: ParamInfo[];
  /** the JSON Schema of the params (for editors) */
  schema: Record<string, unknown>;
}

type Json = Record<string, any>;

function typeText(s: Json): string {
  if (!s || typeof s !== 'object') return 'any';
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v).replace(/^"(.*)"$/, '$1')).join(' | ');
  if ('const' in s) return JSON.stringify(s.const).replace(/^"(.*)"$/, '$1');
  if (Array.isArray(s.anyOf)) return [...new Set(s.anyOf.map(typeText))].join(' | ');
  if (Array.isArray(s.oneOf)) return [...new Set(s.oneOf.map(typeText))].join(' | ');
  switch (s.type) {
    case 'integer':
    case 'number': {
      const bounds: string[] = [];
      if (typeof s.minimum === 'number' && Math.abs(s.minimum) < 2 ** 50) bounds.push(`>= ${s.minimum}`);
      if (typeof s.exclusiveMinimum === 'number') bounds.push(`> ${s.exclusiveMinimum}`);
      if (typeof s.maximum === 'number' && Math.abs(s.maximum) < 2 ** 50) bounds.push(`<= ${s.maximum}`);
      if (typeof s.exclusiveMaximum === 'number') bounds.push(`< ${s.exclusiveMaximum}`);
      return [s.type, ...bounds].join(' ');
    }
    case 'array':
      if (Array.isArray(s.prefixItems)) return `[${s.prefixItems.map(typeText).join(', ')}]`;
      return `list of ${typeText(s.items)}`;
    case 'object':
      if (s.properties) return `{ ${Object.keys(s.properties).join(', ')} }`;
      return 'mapping';
    case 'null':
      return 'null';
    default:
      return typeof s.type === 'string' ? s.type : 'any';
  }
}

function jsonSchema(schema: ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
}

function paramsOf(schema: ZodType | undefined): { list: ParamInfo[]; json: Json } {
  if (!schema) return { list: [], json: {} };
  const json = jsonSchema(schema);
  const required = new Set<string>(json.required ?? []);
  // a param whose `config` metadata names its config key is listed under that key (a detector's params
  // live in detect.params, detect.*, model.*); `config: null` is set by no key (internal): not listed
  const list = Object.entries<Json>(json.properties ?? {}).filter(([, p]) => p.config !== null).map(([name, p]) => {
    const req = p.configRequired === true || (required.has(name) && !('default' in p));
    return {
      name: typeof p.config === 'string' ? p.config : name,
      type: typeof p.configType === 'string' ? p.configType : typeText(p),
      required: req,
      // (a mapping's default {} says nothing: XGBoost's params are listed with the estimator)
      ...('default' in p && !req && !(typeof p.configType === 'string' && typeof p.default === 'object') ? { default: p.default } : {}),
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
    };
  });
  return { list, json };
}

function tagsWithDefaults(spec: ComponentSpec): Tags {
  if (typeof spec.tags !== 'function') return spec.tags;
  const r = spec.params.safeParse({});
  return r.success ? tagsOf(spec, r.data) : spec.tags({} as never);
}

/**
 * The pipeline layer's structural transformer: not a registry component (it holds other transformers),
 * but a config names it like one.
 */
const COLUMN_TRANSFORMER: ComponentSpec = {
  name: 'column_transformer',
  kind: 'transformer',
  description: 'applies transformers to chosen columns: transformers: [[name, transformer or [steps], selector (numeric | categorical | datetime | [columns] | {regex}), params?], ...]; outputs <name>__<column>; remainder: drop | passthrough',
  params: columnTransformerSchema,
  tags: { allowsNaN: true },
  load: async () => { throw new Error('column_transformer is built by the pipeline layer'); },
};

export function describeComponents(registry: Registry, kind?: ComponentKind): ComponentInfo[] {
  const specs = [...registry.all(), COLUMN_TRANSFORMER].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return specs.filter((s) => !kind || s.kind === kind).map((spec) => {
    const params = paramsOf(spec.params);
    return {
      kind: spec.kind,
      name: spec.name,
      description: spec.description,
      tags: tagsWithDefaults(spec),
      params: params.list,
      // train: is its own section of the config (options.train only carries it to the component)
      options: paramsOf(spec.options).list.filter((o) => !(spec.train && o.name === 'train')),
      ...(spec.train ? { train: paramsOf(spec.train).list } : {}),
      schema: params.json,
    };
  });
}

/**
 * The config key a component's param is set by, when the spec says (a detector's `lags` is
 * model.params.lags in detect.mode predictive, detect.params.lags in supervised): the param's `config`
 * metadata; undefined when the spec does not say, null for a param no config key sets.
 */
export function configKeyOf(spec: ComponentSpec, param: string): string | null | undefined {
  const p = jsonSchema(spec.params).properties?.[param];
  return p && 'config' in p ? (p.config as string | null) : undefined;
}
