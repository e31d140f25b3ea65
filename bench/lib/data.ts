import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './types.js';

/**
 * A generated input cached in the data folder under `name`: generated once with `generate(file)`;
 * generatedSeconds is null when the cached file was used.
 */
export function cachedData(opts: BenchOptions, name: string, what: string, generate: (file: string) => void): { file: string; generatedSeconds: number | null } {
  const file = join(opts.dataDir, name);
  if (existsSync(file)) return { file, generatedSeconds: null };
  opts.log(`generating ${what} (cached in ${file}) ...`);
  const t0 = performance.now();
  generate(file);
  const s = (performance.now() - t0) / 1000;
  opts.log(`generated ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB in ${s.toFixed(1)} s`);
  return { file, generatedSeconds: s };
}

/** Reads the file once so that every timed run starts with it in the page cache. */
export async function warmPageCache(file: string): Promise<void> {
  await new Promise<void>((res, rej) => {
    const s = createReadStream(file, { highWaterMark: 4 << 20 });
    s.on('data', () => {});
    s.on('end', () => res());
    s.on('error', rej);
  });
}
