/**
 * Pipeline and ColumnTransformer: the structural transformers of the pipeline layer, with
 * scikit-learn's semantics.
 *
 * - Pipeline: named steps applied in order. A 'columns' step replaces the frame with its output; an
 *   'append' step (lags, fft, ...) keeps the frame and appends its new columns as `<step>__<name>`.
 * - ColumnTransformer: `(name, transformer, columns)` entries; each transformer sees only its columns
 *   (chosen at fit by a selector: a list of names, a dtype `numeric` / `categorical` / `datetime`, or
 *   `{ regex }`), outputs are concatenated as `<name>__<output>`; `remainder: drop | passthrough`
 *   (passthrough columns become `remainder__<col>`).
 *
 * Both are built from config (already validated by config/load.ts) and restored from bundle state.
 */
import pl from 'nodejs-polars';
import type { Frame } from '../core/types.js';
import { ConfigError, DataError } from '../core/errors.js';
import { dtypeOf } from '../data/read.js';
import { didYouMean } from '../core/suggest.js';
import type { TransformContext, Transformer } from './transformer.js';
import { transformerSpec } from './registry.js';

export type Selector = 'numeric' | 'categorical' | 'datetime' | string[] | { regex: string };

/** A step as written in a config: a bare name or `{ name: params }`. */
export type StepConfig = string | Record<string, unknown>;

/** Serialized form of any transformer in a bundle. */
export interface TransformerNode {
  type: string;
  params: Record<string, unknown>;
  state: unknown;
}

const STRUCTURAL = new Set(['column_transformer', 'passthrough', 'drop']);

export function stepName(step: StepConfig): string {
  return typeof step === 'string' ? step : Object.keys(step)[0];
}

export function stepParams(step: StepConfig): Record<string, unknown> {
  if (typeof step === 'string') return {};
  const v = Object.values(step)[0];
  return (v ?? {}) as Record<string, unknown>;
}

function isDatetime(dt: unknown): boolean {
  const v = String((dt as any)?.variant ?? dt);
  return v === 'Date' || v === 'Datetime' || v === 'Time';
}

export function selectColumns(frame: Frame, selector: Selector): string[] {
  if (Array.isArray(selector)) return selector;
  if (typeof selector === 'object') {
    const re = new RegExp(selector.regex);
    return frame.columns.filter((c) => re.test(c));
  }
  return frame.columns.filter((c, i) => {
    const dt = frame.dtypes[i];
    if (selector === 'datetime') return isDatetime(dt);
    if (isDatetime(dt)) return false;
    const d = dtypeOf(dt);
    return selector === 'categorical' ? d === 'string' : d !== 'string';
  });
}

function requireColumns(frame: Frame, cols: string[], who: string): void {
  const have = new Set(frame.columns);
  for (const c of cols) if (!have.has(c)) throw new DataError(`column "${c}" is missing (${who} was fitted with it)`, { path: c });
}

function prefixed(frame: Frame, prefix: string): Frame {
  return frame.rename(Object.fromEntries(frame.columns.map((c) => [c, `${prefix}__${c}`])));
}

function hstack(frames: Frame[], height: number): Frame {
  const nonEmpty = frames.filter((f) => f.width > 0);
  if (!nonEmpty.length) return pl.DataFrame({});
  const out = nonEmpty.length === 1 ? nonEmpty[0] : pl.concat(nonEmpty, { how: 'horizontal' });
  if (out.height !== height) throw new Error(`internal: transformer output has ${out.height} rows, expected ${height}`);
  return out;
}

function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

/** fit + transform in one pass where the transformer offers it (as scikit-learn's fit_transform). */
function fitTransformOf(t: Transformer, x: Frame, ctx: TransformContext): Frame {
  if (t.fitTransform) return t.fitTransform(x, ctx);
  t.fit(x, ctx);
  return t.transform(x);
}

// ------------------------------------------------------------------------------------------------

/** `passthrough` / `drop` inside a column transformer. */
class Identity implements Transformer<Record<string, never>, { columns: string[] }> {
  readonly kind = 'transformer' as const;
  readonly mode = 'columns' as const;
  readonly params = Object.freeze({});
  constructor(readonly name: 'passthrough' | 'drop', private columns?: string[]) {}
  isFitted() { return this.columns !== undefined; }
  fit(x: Frame) { this.columns = x.columns; return this; }
  transform(x: Frame): Frame {
    if (this.name === 'drop') return pl.DataFrame({});
    requireColumns(x, this.columns!, this.name);
    return x.select(...this.columns!);
  }
  featureNamesOut() { return this.name === 'drop' ? [] : [...this.columns!]; }
  toState() { return { columns: [...(this.columns ?? [])] }; }
}

export interface PipelineState { steps: { step: string; node: TransformerNode }[] }

export class Pipeline implements Transformer<{ steps: StepConfig[] }, PipelineState> {
  readonly kind = 'transformer' as const;
  readonly name = 'pipeline';
  readonly mode = 'columns' as const;
  readonly params: Readonly<{ steps: StepConfig[] }>;
  private readonly steps: { step: string; t: Transformer }[];
  private fitted = false;
  private outNames: string[] = [];

  constructor(steps: StepConfig[], built?: { step: string; t: Transformer }[]) {
    this.params = Object.freeze({ steps: [...steps] });
    this.steps = built ?? Pipeline.build(steps);
    if (built) this.fitted = built.every((s) => s.t.isFitted());
  }

  /** Step names: the transformer type, numbered when it repeats (`fft`, `fft_2`). */
  private static build(steps: StepConfig[]): { step: string; t: Transformer }[] {
    const count = new Map<string, number>();
    return steps.map((s) => {
      const type = stepName(s);
      const n = (count.get(type) ?? 0) + 1;
      count.set(type, n);
      return { step: n === 1 ? type : `${type}_${n}`, t: createTransformer(s) };
    });
  }

  isFitted() { return this.fitted; }

  fit(x: Frame, ctx: TransformContext): this {
    this.run(x, ctx);
    this.fitted = true;
    return this;
  }

  /** Fits and returns the transformed frame in one pass (each step transforms what it was fitted on). */
  fitTransform(x: Frame, ctx: TransformContext): Frame {
    const out = this.run(x, ctx);
    this.fitted = true;
    return out;
  }

  private run(x: Frame, ctx?: TransformContext): Frame {
    let cur = x;
    for (const { step, t } of this.steps) {
      const out = ctx ? fitTransformOf(t, cur, ctx) : t.transform(cur);
      if (out.height !== cur.height) throw new Error(`internal: step ${step} returned ${out.height} rows for ${cur.height}`);
      cur = t.mode === 'append' ? (out.width ? pl.concat([cur, prefixed(out, step)], { how: 'horizontal' }) : cur) : out;
      const dup = duplicates(cur.columns);
      if (dup.length) throw new ConfigError(`pipeline step "${step}" produces column(s) that already exist: ${dup.join(', ')}`, { path: 'pipeline' });
    }
    if (ctx) this.outNames = cur.columns;
    return cur;
  }

  transform(x: Frame): Frame {
    if (!this.fitted) throw new Error('pipeline: transform() before fit()');
    return this.run(x);
  }

  featureNamesOut(): string[] { return [...this.outNames]; }

  toState(): PipelineState & { outNames: string[] } {
    return { steps: this.steps.map(({ step, t }) => ({ step, node: toNode(t) })), outNames: this.outNames };
  }

  static restore(steps: StepConfig[], state: PipelineState & { outNames?: string[] }): Pipeline {
    const built = state.steps.map(({ step, node }) => ({ step, t: restoreNode(node) }));
    const p = new Pipeline(steps, built);
    p.fitted = true;
    p.outNames = state.outNames ?? [];
    return p;
  }
}

export interface ColumnTransformerParams {
  transformers: [string, StepConfig | StepConfig[], Selector, Record<string, unknown>?][];
  remainder: 'drop' | 'passthrough';
}

interface CTEntryState { name: string; columns: string[]; node: TransformerNode }
export interface ColumnTransformerState { entries: CTEntryState[]; remainder: string[]; outNames: string[] }

export class ColumnTransformer implements Transformer<ColumnTransformerParams, ColumnTransformerState> {
  readonly kind = 'transformer' as const;
  readonly name = 'column_transformer';
  readonly mode = 'columns' as const;
  readonly params: Readonly<ColumnTransformerParams>;
  private entries: { name: string; selector: Selector; t: Transformer; columns?: string[] }[];
  private remainderCols?: string[];
  private outNames: string[] = [];

  constructor(params: ColumnTransformerParams) {
    this.params = Object.freeze({ ...params, transformers: params.transformers.map((e) => [...e] as typeof e) });
    const names = params.transformers.map((e) => e[0]);
    const dup = duplicates(names);
    if (dup.length) throw new ConfigError(`column_transformer: duplicate transformer name(s): ${dup.join(', ')}`, { path: 'pipeline' });
    this.entries = params.transformers.map(([name, spec, selector, extra]) => ({ name, selector, t: createEntryTransformer(spec, extra) }));
  }

  isFitted() { return this.remainderCols !== undefined; }

  fit(x: Frame, ctx: TransformContext): this {
    this.fitEntries(x, ctx, false);
    return this;
  }

  /** Fits and returns the output in one pass: each entry transforms what it was fitted on once. */
  fitTransform(x: Frame, ctx: TransformContext): Frame {
    return this.fitEntries(x, ctx, true)!;
  }

  private fitEntries(x: Frame, ctx: TransformContext, output: boolean): Frame | undefined {
    const used = new Set<string>();
    const have = new Set(x.columns);
    const parts: Frame[] = [];
    for (const e of this.entries) {
      const cols = selectColumns(x, e.selector);
      for (const c of cols) {
        if (!have.has(c)) throw new DataError(`column "${c}" (listed in column_transformer entry "${e.name}") not found${didYouMean(c, x.columns)}`, { path: c });
      }
      e.columns = cols;
      cols.forEach((c) => used.add(c));
      const part = x.select(...cols);
      if (!output || !cols.length) e.t.fit(part, ctx);
      else {
        const out = fitTransformOf(e.t, part, ctx);
        if (out.width) parts.push(prefixed(out, e.name));
      }
    }
    this.remainderCols = this.params.remainder === 'passthrough' ? x.columns.filter((c) => !used.has(c)) : [];
    this.outNames = [
      ...this.entries.flatMap((e) => (e.columns!.length ? e.t.featureNamesOut().map((n) => `${e.name}__${n}`) : [])),
      ...this.remainderCols.map((c) => `remainder__${c}`),
    ];
    const dup = duplicates(this.outNames);
    if (dup.length) throw new ConfigError(`column_transformer produces duplicate output columns: ${dup.join(', ')}`, { path: 'pipeline' });
    if (!output) return undefined;
    if (this.remainderCols.length) parts.push(prefixed(x.select(...this.remainderCols), 'remainder'));
    const out = hstack(parts, x.height);
    if (out.columns.join('\u0000') !== this.outNames.join('\u0000')) throw new Error('internal: column_transformer output names differ from featureNamesOut()');
    return out;
  }

  transform(x: Frame): Frame {
    if (!this.remainderCols) throw new Error('column_transformer: transform() before fit()');
    const parts: Frame[] = [];
    for (const e of this.entries) {
      requireColumns(x, e.columns!, 'the column transformer');
      if (!e.columns!.length) continue;
      const out = e.t.transform(x.select(...e.columns!));
      if (out.width) parts.push(prefixed(out, e.name));
    }
    if (this.remainderCols.length) {
      requireColumns(x, this.remainderCols, 'the column transformer');
      parts.push(prefixed(x.select(...this.remainderCols), 'remainder'));
    }
    return hstack(parts, x.height);
  }

  featureNamesOut(): string[] { return [...this.outNames]; }

  toState(): ColumnTransformerState {
    return {
      entries: this.entries.map((e) => ({ name: e.name, columns: e.columns ?? [], node: toNode(e.t) })),
      remainder: this.remainderCols ?? [],
      outNames: this.outNames,
    };
  }

  static restore(params: ColumnTransformerParams, state: ColumnTransformerState): ColumnTransformer {
    const ct = new ColumnTransformer(params);
    state.entries.forEach((s, i) => {
      ct.entries[i].columns = s.columns;
      ct.entries[i].t = restoreNode(s.node);
    });
    ct.remainderCols = state.remainder;
    ct.outNames = state.outNames;
    return ct;
  }
}

function createEntryTransformer(spec: StepConfig | StepConfig[], extra?: Record<string, unknown>): Transformer {
  if (Array.isArray(spec)) return new Pipeline(spec);
  if (spec === 'passthrough' || spec === 'drop') return new Identity(spec);
  const name = stepName(spec);
  return createTransformer(extra ? { [name]: { ...stepParams(spec), ...extra } } : spec);
}

/** Builds an unfitted transformer from a (validated) step config. */
export function createTransformer(step: StepConfig): Transformer {
  const name = stepName(step);
  const params = stepParams(step);
  if (name === 'column_transformer') {
    return new ColumnTransformer({ remainder: 'drop', ...(params as any) });
  }
  const spec = transformerSpec(name, 'pipeline');
  return spec.create(spec.params.parse(params));
}

export function toNode(t: Transformer): TransformerNode {
  if (t instanceof Pipeline) return { type: 'pipeline', params: { steps: t.params.steps }, state: t.toState() };
  if (t instanceof Identity) return { type: t.name, params: {}, state: t.toState() };
  return { type: t.name, params: { ...t.params } as Record<string, unknown>, state: t.toState() };
}

export function restoreNode(node: TransformerNode): Transformer {
  if (node.type === 'pipeline') return Pipeline.restore((node.params as any).steps, node.state as any);
  if (node.type === 'column_transformer') return ColumnTransformer.restore(node.params as any, node.state as any);
  if (node.type === 'passthrough' || node.type === 'drop') return new Identity(node.type, (node.state as any).columns);
  const spec = transformerSpec(node.type);
  return spec.restore(spec.params.parse(node.params), node.state);
}

export { STRUCTURAL };
