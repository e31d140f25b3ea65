/**
 * Validation of `pipeline:` step lists against the transformer registry, with the same errors as the
 * rest of the config (file:line:col, dot-path, "did you mean"). A step is a bare name or
 * `{ name: params }`; `column_transformer` entries are `[name, transformer | [steps], selector, params?]`.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import { didYouMean } from '../core/suggest.js';
import { formatPath, issueToError, type PlaceFinder } from './places.js';

type PathSeg = string | number;

const selectorSchema = z.union([
  z.enum(['numeric', 'categorical', 'datetime']),
  z.array(z.string()).min(1),
  z.strictObject({ regex: z.string().min(1) }),
]);

const entrySchema = z.tuple([
  z.string().min(1),
  z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown()).min(1)]),
  selectorSchema,
  z.record(z.string(), z.unknown()).optional(),
]);

export const columnTransformerSchema = z.strictObject({
  transformers: z.array(entrySchema).min(1),
  remainder: z.enum(['drop', 'passthrough']).default('drop'),
});

function fail(msg: string, p: PathSeg[], finder: PlaceFinder): ConfigError {
  return new ConfigError(msg, { ...finder.find(p), path: formatPath(p) });
}

function splitStep(step: unknown, p: PathSeg[], finder: PlaceFinder): { name: string; params: unknown; paramsPath: PathSeg[] } {
  if (typeof step === 'string') return { name: step, params: {}, paramsPath: p };
  if (step && typeof step === 'object' && !Array.isArray(step)) {
    const keys = Object.keys(step);
    if (keys.length !== 1) throw fail(`a step is a name or { name: params } with exactly one key, got keys ${keys.join(', ') || '(none)'}`, p, finder);
    const params = (step as Record<string, unknown>)[keys[0]];
    return { name: keys[0], params: params ?? {}, paramsPath: [...p, keys[0]] };
  }
  throw fail('a step is a name or { name: params }', p, finder);
}

function validateStep(step: unknown, p: PathSeg[], finder: PlaceFinder, registry: Registry, extra?: Record<string, unknown>, extraPath?: PathSeg[]): void {
  const { name, params, paramsPath } = splitStep(step, p, finder);
  if (name === 'column_transformer') {
    const r = columnTransformerSchema.safeParse(params);
    if (!r.success) throw issueToError(r.error.issues, params, columnTransformerSchema, finder, paramsPath);
    r.data.transformers.forEach((entry, i) => {
      const ep: PathSeg[] = [...paramsPath, 'transformers', i];
      const [, t, , more] = entry;
      if (Array.isArray(t)) {
        if (more) throw fail('params (the fourth element) go inside the steps when the transformer is a list of steps', [...ep, 3], finder);
        validateSteps(t, [...ep, 1], finder, registry);
      } else if (t !== 'passthrough' && t !== 'drop') {
        validateStep(t, [...ep, 1], finder, registry, more, [...ep, 3]);
      }
    });
    return;
  }
  if (name === 'auto') throw fail('"auto" is a whole pipeline (pipeline: auto), not a step', p, finder);
  const known = registry.names('transformer');
  if (!known.includes(name)) {
    throw fail(`unknown transformer "${name}"${didYouMean(name, [...known, 'column_transformer'])} (known: ${[...known, 'column_transformer'].join(', ')})`, p, finder);
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw fail(`params of "${name}" must be a mapping`, paramsPath, finder);
  const merged = extra ? { ...(params as object), ...extra } : params;
  const spec = registry.get('transformer', name);
  const r = spec.params.safeParse(merged);
  if (!r.success) {
    // point at the fourth element of a column-transformer entry when the bad key came from there
    const first = r.error.issues[0];
    const key = first.code === 'unrecognized_keys' ? first.keys[0] : first.path[0];
    const fromExtra = extra && extraPath && typeof key === 'string' && key in extra;
    throw issueToError(r.error.issues, merged, spec.params, finder, fromExtra ? extraPath! : paramsPath);
  }
}

function validateSteps(steps: unknown[], p: PathSeg[], finder: PlaceFinder, registry: Registry): void {
  steps.forEach((s, i) => validateStep(s, [...p, i], finder, registry));
}

export function validatePipeline(steps: unknown[], p: PathSeg[], finder: PlaceFinder, registry: Registry): void {
  validateSteps(steps, p, finder, registry);
}
