/**
 * The committed kernel module is the build of its sources: src/kernels/build.sh (npm run build:kernels)
 * rebuilt into a temporary folder gives the committed mlkit-kernels.wasm byte for byte. Skips, saying
 * why, without clang and wasm-ld (Debian: apt-get install clang lld; CI installs them) or with another
 * clang than the one that built it (recorded in mlkit-kernels.clang).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tmpDir } from './helpers.js';

const have = (cmd: string) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
const missing = ['clang', 'wasm-ld'].filter((c) => !have(c));
const builtWith = readFileSync(path.join(ROOT, 'src', 'kernels', 'mlkit-kernels.clang'), 'utf8').trim();
const here = missing.length ? '' : spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
const skip = missing.length ? `${missing.join(' and ')} not installed (apt-get install clang lld)`
  : here !== builtWith ? `the module was built with ${builtWith}, this machine has ${here}: a byte comparison needs the same compiler` : false;

test('src/kernels/mlkit-kernels.wasm is the build of src/kernels/c', { skip }, () => {
  const dir = tmpDir('mlkit-kernels-');
  const out = path.join(dir, 'rebuilt.wasm');
  let rebuilt: Buffer;
  try {
    const r = spawnSync('bash', [path.join(ROOT, 'src', 'kernels', 'build.sh'), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, `build.sh failed: ${r.stderr}`);
    rebuilt = readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const committed = readFileSync(path.join(ROOT, 'src', 'kernels', 'mlkit-kernels.wasm'));
  assert.ok(committed.equals(rebuilt), `the committed mlkit-kernels.wasm (${committed.length} bytes) differs from a build of the sources (${rebuilt.length} bytes): run npm run build:kernels and commit it`);
});
