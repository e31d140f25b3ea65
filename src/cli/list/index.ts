import { COMPONENT_KINDS, type ComponentKind } from '../../core/component.js';
import { UsageError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import type { GlobalOptions } from '../output.js';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export async function listCommand(kind: string | undefined, opts: GlobalOptions): Promise<number> {
  const kinds = COMPONENT_KINDS as readonly string[];
  // plural forms are accepted: mlkit list transformers
  const k = kind === undefined ? undefined : kind.toLowerCase().replace(/s$/, '');
  if (k !== undefined && !kinds.includes(k)) throw new UsageError(`unknown kind "${kind}"${didYouMean(k, kinds)} (kinds: ${kinds.join(', ')})`);
  const { builtinRegistry } = await import('../../specs.js');
  const { describeComponents } = await import('../../config/describe.js');
  const infos = describeComponents(builtinRegistry(), k as ComponentKind | undefined);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ components: infos.map(({ schema: _s, ...rest }) => rest) }, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  if (!infos.length) out.push(`no ${k}s are registered in this version`);
  let last = '';
  for (const c of infos) {
    if (c.kind !== last) {
      out.push(`${out.length ? '\n' : ''}${c.kind}s (${c.kind === 'transformer' ? 'pipeline: steps' : c.kind === 'estimator' ? 'model.type, task classification / regression' : c.kind === 'forecaster' ? 'model.type, task forecast' : 'detect.detector, task detect'}):`);
      last = c.kind;
    }
    out.push(`  ${c.name}  ${c.description}`);
    const tags = Object.entries(c.tags).filter(([, v]) => v !== undefined && v !== false).map(([t, v]) => (v === true ? t : `${t}=${show(v)}`));
    if (tags.length) out.push(`      tags: ${tags.join(', ')}`);
    for (const p of [...c.params, ...c.options.map((o) => ({ ...o, name: `(model.)${o.name}` })), ...(c.train ?? []).map((o) => ({ ...o, name: `(train.)${o.name}` }))]) {
      out.push(`      ${p.name}: ${p.type}${p.required ? ' (required)' : ''}${'default' in p ? ` = ${show(p.default)}` : ''}${p.description ? `  (${p.description})` : ''}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
