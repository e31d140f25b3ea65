/**
 * Where a config value is: file:line:col of a YAML node (or the --set that gave it), dot-paths, and zod
 * issues turned into one-line ConfigErrors. Shared by config/load.ts and config/pipeline.ts.
 */
import { isMap, isNode, type Document, type LineCounter } from 'yaml';
import type { ZodType, z } from 'zod';
import { ConfigError, type Place } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

type PathSeg = string | number;

export function formatPath(p: readonly PathSeg[]): string {
  let s = '';
  for (const seg of p) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s ? `.${seg}` : seg;
  }
  return s;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

export function valueAt(raw: unknown, p: readonly PathSeg[]): unknown {
  let cur: any = raw;
  for (const seg of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg as any];
  }
  return cur;
}

/** A zod schema without its optional/default/pipe wrappers. */
function unwrapSchema(x: any): any {
  for (let i = 0; i < 10 && x?._zod?.def; i++) {
    const d = x._zod.def;
    if (d.innerType) x = d.innerType;
    else if (d.type === 'pipe' && d.in) x = d.in;
    else break;
  }
  return x;
}

/** The (unwrapped) schema at a path of object keys, or undefined where the path leaves the objects. */
function schemaAt(schema: ZodType, p: readonly PathSeg[]): any {
  let s: any = unwrapSchema(schema);
  for (const seg of p) {
    const shape = s?._zod?.def?.shape;
    if (!shape || typeof seg !== 'string') return undefined;
    s = unwrapSchema(shape[seg]);
  }
  return s;
}

/** Keys that an object schema allows at a path (for "did you mean"). */
export function knownKeysAt(schema: ZodType, p: readonly PathSeg[]): string[] {
  const shape = schemaAt(schema, p)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

export class PlaceFinder {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
    private readonly sets: { path: PathSeg[]; text: string; /** the mapping the --set created (it was not in the file) */ created?: PathSeg[] }[],
  ) {}

  private pos(offset: number): Place {
    const { line, col } = this.lc.linePos(offset);
    return { file: this.file, line, col };
  }

  /** The place of the value at `p` (or the key `key` inside the mapping at `p`). */
  find(p: readonly PathSeg[], key?: string): Place {
    const full = key === undefined ? p : [...p, key];
    const under = (prefix: readonly PathSeg[]) => prefix.length <= full.length && prefix.every((seg, i) => String(seg) === String(full[i]));
    // the --set that gave the value, or that created the mapping it is in (a key missing beside it is its doing)
    const set = this.sets.find((s) => under(s.path)) ?? this.sets.find((s) => s.created && under(s.created));
    if (set) return { file: `--set ${set.text}` };
    if (key !== undefined) {
      const map = p.length ? this.doc.getIn(p as PathSeg[], true) : this.doc.contents;
      if (isMap(map)) {
        for (const pair of map.items) {
          if (isNode(pair.key) && String((pair.key as any).value) === key && pair.key.range) return this.pos(pair.key.range[0]);
        }
      }
    }
    // walk up until a node with a position is found
    for (let n = full.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(full.slice(0, n) as PathSeg[], true);
      if (isNode(node) && node.range) {
        if (n === full.length) return this.pos(node.range[0]);
        // the key itself is missing: point at the parent mapping
        return this.pos(node.range[0]);
      }
    }
    return { file: this.file };
  }
}

/**
 * For a discriminated union whose discriminator is missing or wrong: which option the other keys given
 * belong to (`q is a key of method "quantile"`), found in the union's options.
 */
function unionHint(schema: ZodType, parent: readonly PathSeg[], given: unknown, disc: string): string {
  if (!given || typeof given !== 'object' || Array.isArray(given)) return '';
  const keys = Object.keys(given).filter((k) => k !== disc);
  if (!keys.length) return '';
  const s = schemaAt(schema, parent);
  const opts: any[] = s?._zod?.def?.options ?? [];
  const owners = opts.map((o) => {
    const shape = unwrapSchema(o)?._zod?.def?.shape ?? {};
    const value = shape[disc]?._zod?.def?.values?.[0];
    return { value: String(value), keys: Object.keys(shape) };
  }).filter((o) => keys.every((k) => o.keys.includes(k)));
  const listed = keys.map((k) => JSON.stringify(k)).join(', ');
  if (owners.length === 1) return `; ${listed} ${keys.length === 1 ? 'is a key' : 'are keys'} of ${disc} ${JSON.stringify(owners[0]!.value)}: add ${disc}: ${owners[0]!.value}`;
  return '';
}

/** What one branch of a union expected, in words (undefined when the issue does not say). */
function expectedWords(i: z.core.$ZodIssue): string | undefined {
  if (i.code === 'invalid_value') return i.values.map((v) => JSON.stringify(v)).join(' | ');
  if (i.code === 'invalid_type') return i.expected === 'int' ? 'an integer' : i.expected === 'string' ? 'text' : i.expected === 'number' ? 'a number' : i.expected;
  if (i.code === 'too_small') return `${i.origin === 'number' ? 'a number' : i.origin} ${i.inclusive ? '>=' : '>'} ${i.minimum}`;
  if (i.code === 'too_big') return `${i.origin === 'number' ? 'a number' : i.origin} ${i.inclusive ? '<=' : '<'} ${i.maximum}`;
  return undefined;
}

/** Turn the first zod issue into a ConfigError with a place. */
export function issueToError(
  issues: readonly z.core.$ZodIssue[], raw: unknown, schema: ZodType, finder: PlaceFinder, prefix: PathSeg[] = [],
): ConfigError {
  const issue = issues[0];
  let ip = issue.path as PathSeg[];
  // a scalar shorthand a schema expands into a mapping (train.optimizer: adam -> { type: adam }): the
  // issue of a key inside it is the scalar's own
  if (issue.code !== 'unrecognized_keys' && ip.length > 1 && valueAt(raw, ip) === undefined) {
    const parent = valueAt(raw, ip.slice(0, -1));
    if (parent !== undefined && (parent === null || typeof parent !== 'object')) ip = ip.slice(0, -1);
  }
  const p = [...prefix, ...ip];
  const got = valueAt(raw, ip);
  let msg: string;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const known = knownKeysAt(schema, issue.path as PathSeg[]);
      msg = `unknown key ${JSON.stringify(key)}${didYouMean(key, known)}${known.length ? ` (allowed: ${known.join(', ')})` : ''}`;
      return new ConfigError(msg, { ...finder.find(p, key), path: formatPath([...p, key]) });
    }
    case 'invalid_type':
      msg = got === undefined ? `required key is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(got)}`;
      break;
    case 'invalid_value':
      msg = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describeValue(got)}`;
      if (typeof got === 'string') msg += didYouMean(got, issue.values.map(String));
      break;
    case 'invalid_union': {
      // a discriminated union (detect.threshold's method): name the discriminator and what the keys given belong to
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
      if (disc !== undefined && options.length) {
        msg = got === undefined ? `required key is missing (one of ${options.map((o) => JSON.stringify(o)).join(' | ')})` : `expected one of ${options.map((o) => JSON.stringify(o)).join(' | ')}, got ${describeValue(got)}${typeof got === 'string' ? didYouMean(got, options) : ''}`;
        msg += unionHint(schema, (issue.path as PathSeg[]).slice(0, -1), valueAt(raw, (issue.path as PathSeg[]).slice(0, -1)), disc);
        break;
      }
      // a plain union (suppress: rows or a duration; season: auto or a period): what each branch takes
      const branches = ((issue as { errors?: z.core.$ZodIssue[][] }).errors ?? []).map((e) => e[0]).filter((e): e is z.core.$ZodIssue => !!e);
      const words = branches.map(expectedWords).filter((w): w is string => !!w);
      const literals = branches.flatMap((b) => (b.code === 'invalid_value' ? b.values.map(String) : []));
      msg = words.length === branches.length && words.length ? `expected ${[...new Set(words)].join(' or ')}, got ${describeValue(got)}${typeof got === 'string' && literals.length ? didYouMean(got, literals) : ''}` : `${issue.message}, got ${describeValue(got)}`;
      break;
    }
    case 'too_small':
    case 'too_big':
      msg = `${issue.message.replace(/^Too (small|big): /, '')}, got ${describeValue(got)}`;
      break;
    default:
      // a custom message that already names the value (", got 100") is not given it twice
      msg = / got [^,;]+$/.test(issue.message) ? issue.message : `${issue.message}, got ${describeValue(got)}`;
  }
  return new ConfigError(msg, { ...finder.find(p), path: formatPath(p) });
}

