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
import type { ComponentNode, Frame, Tags, TransformContext, Transformer } from '../core/types.js';
import { silentLogger } from '../core/log.js';
import type { Registry } from '../core/registry.js';
import { BundleError, ConfigError, DataError, NotFittedError, throwIfAborted } from '../core/errors.js';
import { dtypeOf } from '../data/read.js';
import { didYouMean } from '../core/suggest.js';
import { TRANSFORMER_TAGS } from './spec-helpers.js';

export type Selector = 'numeric' | 'categorical' | 'datetime' | string[] | { regex: string };

/** A step as written in a config: a bare name or `{ name: params }`. */
export type StepConfig = string | Record<string, unknown>;


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
  // columns and dtypes read once: each access to a polars frame lists every column (frame-columns.ts)
  const dtypes = frame.dtypes;
  return frame.columns.filter((c, i) => {
    const dt = dtypes[i];
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
async function fitTransformOf(t: Transformer, x: Frame, ctx: TransformContext): Promise<Frame> {
  throwIfAborted(ctx.signal);
  if (t.fitTransform) return t.fitTransform(x, ctx);
  await t.fit(x, ctx);
  return t.transform(x);
}

/** Imports the implementations a step list names (nested column transformers included). */
export async function loadSteps(steps: readonly StepConfig[], registry: Registry): Promise<void> {
  for (const step of steps) {
    const name = stepName(step);
    if (name === 'column_transformer') {
      for (const [, t] of (stepParams(step).transformers ?? []) as [string, StepConfig | StepConfig[]][]) {
        if (Array.isArray(t)) await loadSteps(t, registry);
        else if (t !== 'passthrough' && t !== 'drop') await loadSteps([t], registry);
      }
    } else {
      await registry.load('transformer', name);
    }
  }
}

// ------------------------------------------------------------------------------------------------

/** `passthrough` / `drop` inside a column transformer. */
class Identity implements Transformer<Record<string, never>, { columns: string[] }> {
  readonly kind = 'transformer' as const;
  readonly mode = 'columns' as const;
  readonly tags: Tags = TRANSFORMER_TAGS;
  readonly params = Object.freeze({});
  constructor(readonly name: 'passthrough' | 'drop', private columns?: string[]) {}
  isFitted() { return this.columns !== undefined; }
  fit(x: Frame) { this.columns = x.columns; return this; }
  async save() { return this.toState(); }
  transform(x: Frame): Frame {
    if (this.name === 'drop') return pl.DataFrame({});
    requireColumns(x, this.columns!, this.name);
    return x.select(...this.columns!);
  }
  featureNamesOut() { return this.name === 'drop' ? [] : [...this.columns!]; }
  toState() { return { columns: [...(this.columns ?? [])] }; }
}

/** What a fitted Pipeline records besides its steps' nodes (its children). */
export interface PipelineState { steps: string[]; outNames: string[] }

export class Pipeline implements Transformer<{ steps: StepConfig[] }, PipelineState> {
  readonly kind = 'transformer' as const;
  readonly name = 'pipeline';
  readonly mode = 'columns' as const;
  readonly tags: Tags = TRANSFORMER_TAGS;
  readonly params: Readonly<{ steps: StepConfig[] }>;
  readonly steps: { step: string; t: Transformer }[];
  private fitted = false;
  private outNames: string[] = [];

  /** The step implementations must be loaded (Pipeline.create does it). */
  constructor(steps: StepConfig[], registry: Registry, built?: { step: string; t: Transformer }[]) {
    this.params = Object.freeze({ steps: [...steps] });
    this.steps = built ?? Pipeline.build(steps, registry);
    if (built) this.fitted = built.every((s) => s.t.isFitted());
  }

  static async create(steps: StepConfig[], registry: Registry): Promise<Pipeline> {
    await loadSteps(steps, registry);
    return new Pipeline(steps, registry);
  }

  /** Step names: the transformer type, numbered when it repeats (`fft`, `fft_2`). */
  static stepNames(steps: StepConfig[]): string[] {
    const count = new Map<string, number>();
    return steps.map((s) => {
      const type = stepName(s);
      const n = (count.get(type) ?? 0) + 1;
      count.set(type, n);
      return n === 1 ? type : `${type}_${n}`;
    });
  }

  private static build(steps: StepConfig[], registry: Registry): { step: string; t: Transformer }[] {
    const names = Pipeline.stepNames(steps);
    return steps.map((s, i) => ({ step: names[i]!, t: createTransformer(s, registry) }));
  }

  isFitted() { return this.fitted; }

  async fit(x: Frame, ctx: TransformContext): Promise<this> {
    await this.run(x, ctx);
    this.fitted = true;
    return this;
  }

  /** Fits and returns the transformed frame in one pass (each step transforms what it was fitted on). */
  async fitTransform(x: Frame, ctx: TransformContext): Promise<Frame> {
    const out = await this.run(x, ctx);
    this.fitted = true;
    return out;
  }

  private async run(x: Frame, ctx: TransformContext): Promise<Frame> {
    let cur = x;
    for (const { step, t } of this.steps) cur = this.stepOut(step, t, cur, await fitTransformOf(t, cur, ctx));
    this.outNames = cur.columns;
    return cur;
  }

  private stepOut(step: string, t: Transformer, cur: Frame, out: Frame): Frame {
    if (out.height !== cur.height) throw new Error(`internal: step ${step} returned ${out.height} rows for ${cur.height}`);
    const next = t.mode === 'append' ? (out.width ? pl.concat([cur, prefixed(out, step)], { how: 'horizontal' }) : cur) : out;
    const dup = duplicates(next.columns);
    if (dup.length) throw new ConfigError(`pipeline step "${step}" produces column(s) that already exist: ${dup.join(', ')}`, { path: 'pipeline' });
    return next;
  }

  transform(x: Frame): Frame {
    if (!this.fitted) throw new NotFittedError('pipeline', 'transform()');
    let cur = x;
    for (const { step, t } of this.steps) cur = this.stepOut(step, t, cur, t.transform(cur));
    return cur;
  }

  featureNamesOut(): string[] { return [...this.outNames]; }

  async save(): Promise<PipelineState> {
    if (!this.fitted) throw new NotFittedError('pipeline', 'save()');
    return { steps: this.steps.map((s) => s.step), outNames: [...this.outNames] };
  }

  static async restore(steps: StepConfig[], state: PipelineState, children: ComponentNode[], registry: Registry): Promise<Pipeline> {
    if (!state || !Array.isArray(state.steps) || state.steps.length !== children.length || !Array.isArray(state.outNames)) throw new BundleError('the pipeline node is malformed (steps and children differ)');
    const built: { step: string; t: Transformer }[] = [];
    for (let i = 0; i < children.length; i++) built.push({ step: String(state.steps[i]), t: await restoreNode(children[i]!, registry) });
    const p = new Pipeline(steps, registry, built);
    p.fitted = true;
    p.outNames = [...state.outNames];
    return p;
  }
}

export interface ColumnTransformerParams {
  transformers: [string, StepConfig | StepConfig[], Selector, Record<string, unknown>?][];
  remainder: 'drop' | 'passthrough';
}

/** What a fitted ColumnTransformer records besides its entries' transformers (its children). */
export interface ColumnTransformerState { entries: { name: string; columns: string[] }[]; remainder: string[]; outNames: string[] }

export class ColumnTransformer implements Transformer<ColumnTransformerParams, ColumnTransformerState> {
  readonly kind = 'transformer' as const;
  readonly name = 'column_transformer';
  readonly mode = 'columns' as const;
  readonly tags: Tags = TRANSFORMER_TAGS;
  readonly params: Readonly<ColumnTransformerParams>;
  readonly entries: { name: string; selector: Selector; t: Transformer; columns?: string[] }[];
  private remainderCols?: string[];
  private outNames: string[] = [];

  constructor(params: ColumnTransformerParams, registry: Registry) {
    this.params = Object.freeze({ ...params, transformers: params.transformers.map((e) => [...e] as typeof e) });
    const names = params.transformers.map((e) => e[0]);
    const dup = duplicates(names);
    if (dup.length) throw new ConfigError(`column_transformer: duplicate transformer name(s): ${dup.join(', ')}`, { path: 'pipeline' });
    this.entries = params.transformers.map(([name, spec, selector, extra]) => ({ name, selector, t: createEntryTransformer(spec, registry, extra) }));
  }

  static async create(params: ColumnTransformerParams, registry: Registry): Promise<ColumnTransformer> {
    await loadSteps([{ column_transformer: params as unknown as Record<string, unknown> }], registry);
    return new ColumnTransformer(params, registry);
  }

  isFitted() { return this.remainderCols !== undefined; }

  async fit(x: Frame, ctx: TransformContext): Promise<this> {
    await this.fitEntries(x, ctx, false);
    return this;
  }

  /** Fits and returns the output in one pass: each entry transforms what it was fitted on once. */
  async fitTransform(x: Frame, ctx: TransformContext): Promise<Frame> {
    return (await this.fitEntries(x, ctx, true))!;
  }

  private async fitEntries(x: Frame, ctx: TransformContext, output: boolean): Promise<Frame | undefined> {
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
      if (!output || !cols.length) await e.t.fit(part, ctx);
      else {
        const out = await fitTransformOf(e.t, part, ctx);
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
    if (!this.remainderCols) throw new NotFittedError('column_transformer', 'transform()');
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

  async save(): Promise<ColumnTransformerState> {
    if (!this.remainderCols) throw new NotFittedError('column_transformer', 'save()');
    return {
      entries: this.entries.map((e) => ({ name: e.name, columns: [...(e.columns ?? [])] })),
      remainder: [...this.remainderCols],
      outNames: [...this.outNames],
    };
  }

  static async restore(params: ColumnTransformerParams, state: ColumnTransformerState, children: ComponentNode[], registry: Registry): Promise<ColumnTransformer> {
    if (!state || !Array.isArray(state.entries) || state.entries.length !== params.transformers.length || children.length !== state.entries.length) {
      throw new BundleError('the column_transformer node is malformed (entries and children differ)');
    }
    await loadSteps([{ column_transformer: params as unknown as Record<string, unknown> }], registry);
    const ct = new ColumnTransformer(params, registry);
    for (let i = 0; i < children.length; i++) {
      ct.entries[i]!.columns = [...state.entries[i]!.columns];
      ct.entries[i]!.t = await restoreNode(children[i]!, registry);
    }
    ct.remainderCols = [...state.remainder];
    ct.outNames = [...state.outNames];
    return ct;
  }
}

function createEntryTransformer(spec: StepConfig | StepConfig[], registry: Registry, extra?: Record<string, unknown>): Transformer {
  if (Array.isArray(spec)) return new Pipeline(spec, registry);
  if (spec === 'passthrough' || spec === 'drop') return new Identity(spec);
  const name = stepName(spec);
  return createTransformer(extra ? { [name]: { ...stepParams(spec), ...extra } } : spec, registry);
}

/** Builds an unfitted transformer from a (validated) step config; its implementation must be loaded (loadSteps). */
export function createTransformer(step: StepConfig, registry: Registry): Transformer {
  const name = stepName(step);
  const params = stepParams(step);
  if (name === 'column_transformer') {
    return new ColumnTransformer({ remainder: 'drop', ...(params as any) }, registry);
  }
  const spec = registry.get('transformer', name, 'pipeline');
  return registry.loaded<unknown, unknown, Transformer>('transformer', name).create(spec.params.parse(params), undefined);
}

/** A transformer tree is saved as one node per transformer; transformers write no files. */
const noFiles = {
  write(rel: string): never { throw new Error(`internal: a transformer wrote a file (${rel})`); },
  read(rel: string): never { throw new Error(`internal: a transformer read a file (${rel})`); },
};

export async function toNode(t: Transformer): Promise<ComponentNode> {
  if (t instanceof Pipeline) {
    return { name: 'pipeline', kind: 'transformer', params: { steps: t.params.steps }, state: await t.save(), children: await Promise.all(t.steps.map((s) => toNode(s.t))) };
  }
  if (t instanceof ColumnTransformer) {
    return { name: 'column_transformer', kind: 'transformer', params: { ...t.params } as unknown as Record<string, unknown>, state: await t.save(), children: await Promise.all(t.entries.map((e) => toNode(e.t))) };
  }
  return { name: t.name, kind: 'transformer', params: { ...t.params } as Record<string, unknown>, state: await t.save(noFiles) };
}

export async function restoreNode(node: ComponentNode, registry: Registry): Promise<Transformer> {
  if (!node || typeof node !== 'object' || typeof node.name !== 'string' || node.kind !== 'transformer') throw new BundleError('a pipeline node is malformed (expected { name, kind: "transformer", params, state })');
  if (node.name === 'pipeline') return Pipeline.restore((node.params as any).steps, node.state as PipelineState, node.children ?? [], registry);
  if (node.name === 'column_transformer') return ColumnTransformer.restore(node.params as any, node.state as ColumnTransformerState, node.children ?? [], registry);
  if (node.name === 'passthrough' || node.name === 'drop') return new Identity(node.name, (node.state as any)?.columns);
  if (!registry.has('transformer', node.name)) throw new BundleError(`unknown transformer "${node.name}" in the bundle (known: ${registry.names('transformer').join(', ')})`);
  const spec = registry.get('transformer', node.name);
  const impl = await registry.load<unknown, unknown, Transformer>('transformer', node.name);
  return impl.restore(spec.params.parse(node.params), node.state, noFiles, { options: undefined, log: silentLogger });
}
