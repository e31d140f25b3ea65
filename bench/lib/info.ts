/** What a benchmark result records about the mlkit it measured: `mlkit doctor --json`'s engine lines and the commit. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** mlkit's version and XGBoost engine, from `mlkit doctor --json` (or why it could not be read). */
export function mlkitInfo(root: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'mlkit'), 'doctor', '--json'], { encoding: 'utf8', timeout: 60000 });
  try {
    const d = JSON.parse(r.stdout) as any;
    return { mlkit: d.mlkit, libxgboost: d.xgboost?.native?.version ?? null, xgboostEngine: d.xgboost?.engine ?? null };
  } catch {
    return { doctorError: (r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 500) };
  }
}

/** The commit measured and any uncommitted files under src/ (a result from a dirty tree says so). */
export function gitInfo(root: string): Record<string, unknown> {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' });
  const changed = (status.stdout ?? '').split('\n').filter(Boolean);
  return { commit: head.stdout?.trim() || null, uncommittedSrcFiles: changed.length, uncommittedSrc: changed.slice(0, 20) };
}
