import { spawnSync } from 'node:child_process';
import type { BenchOptions } from './types.js';

export interface PythonInfo { exe: string; version: string; [module: string]: string }

/**
 * The first of `--python` / BENCH_PYTHON, or python3, /usr/bin/python3, python, that imports every
 * module in `modules`; reports their versions. Each failed candidate is added to `tried`.
 */
export function findPython(opts: BenchOptions, modules: string[], tried: string[]): PythonInfo | null {
  const explicit = opts.args.python ?? process.env.BENCH_PYTHON;
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3', 'python'];
  const versions = modules.map((m) => `"${m}":${m}.__version__`).join(',');
  const probe = `import json,sys,${modules.join(',')};print(json.dumps({"version":sys.version.split()[0],${versions}}))`;
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', probe], { encoding: 'utf8', timeout: 60000 });
    if (r.status === 0) {
      try {
        return { exe, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>) } as PythonInfo;
      } catch {
        /* not JSON */
      }
    }
    tried.push(`${exe}: ${r.error ? (r.error as Error).message : (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}`);
  }
  return null;
}
