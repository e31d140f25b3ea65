import type { GlobalOptions } from '../output.js';

const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

export async function doctorCommand(opts: GlobalOptions): Promise<number> {
  const { doctor } = await import('../../doctor/index.js');
  const { builtinRegistry } = await import('../../specs.js');
  const r = await doctor(builtinRegistry());
  if (opts.json) {
    const { sections: _s, ...rest } = r;
    process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `mlkit ${r.mlkit} on Node ${r.node} (${r.platform})`,
    `cpu: ${r.cpu.cores} cores (${r.cpu.model}); memory: ${gib(r.memory.totalBytes)} total, ${gib(r.memory.freeBytes)} free; gpu: ${r.gpu.detail}`,
    ...r.sections.flatMap((s) => [`${s.title}:`, ...s.lines.map((l) => `  ${l}`)]),
    'hardware by model family:',
    ...r.advice.map((a) => `  ${a.family.padEnd(36)} ${a.hardware}${a.batchSize ? `; batch size ~${a.batchSize} fits in half the free memory (${a.assumption})` : ''}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
