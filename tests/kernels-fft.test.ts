/**
 * The float64 FFT kernel (src/kernels/fft.ts): its rfft equals numpy.fft.rfft within 1e-12 (relative to
 * the largest bin; numpy from the system's python3, skipped with a reason without it) and a direct
 * float64 DFT; the FFT window features it computes equal the fft.js reference (MLKIT_KERNELS=off) on
 * signals with NaN, for both window functions, with and without bands, in chunks and not.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from '../src/core/random.js';
import { kernels } from '../src/kernels/index.js';
import { rfft } from '../src/kernels/fft.js';
import { fftWindowFeatures, type FftFeatureOptions } from '../src/pipeline/fft-core.js';
import { tmpDir } from './helpers.js';

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function signal(n: number, seed: number): Float64Array {
  const u = rng(seed);
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i / 3.7) + 2 * (u() - 0.5) + (i % 17 === 0 ? 40 : 0));
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** the direct DFT in float64, bins 0 .. n/2, interleaved */
function dft(x: Float64Array): Float64Array {
  const n = x.length, out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0, im = 0;
    for (let j = 0; j < n; j++) {
      const a = (2 * Math.PI * ((k * j) % n)) / n;
      re += x[j]! * Math.cos(a);
      im -= x[j]! * Math.sin(a);
    }
    out[2 * k] = re; out[2 * k + 1] = im;
  }
  return out;
}

test('rfft equals a direct float64 DFT', () => {
  const k = kernels()!;
  for (const n of [4, 8, 32, 256]) {
    const x = signal(n, n);
    const a = rfft(k, x), b = dft(x);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    assert.ok(d <= 1e-12 * maxAbs(b), `n ${n}: differs from the DFT by ${d}`);
  }
  assert.throws(() => rfft(k, new Float64Array(12)), /power of two >= 4, got 12/);
});

test('rfft equals numpy.fft.rfft within 1e-12', { skip: numpy ? false : 'python3 with numpy not found' }, () => {
  const k = kernels()!;
  const dir = tmpDir('mlkit-rfft-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const n of [4, 64, 256, 4096]) {
    const x = signal(n, 7 * n);
    const xin = path.join(dir, 'x.f64'), xout = path.join(dir, 'X.f64');
    writeFileSync(xin, new Uint8Array(x.buffer));
    const r = spawnSync('python3', ['-c', 'import sys, numpy as np; X = np.fft.rfft(np.fromfile(sys.argv[1])); np.stack([X.real, X.imag], 1).ravel().tofile(sys.argv[2])', xin, xout], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const buf = readFileSync(xout);
    const want = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const got = rfft(k, x);
    assert.equal(got.length, want.length);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
    assert.ok(d <= 1e-12 * maxAbs(want), `n ${n}: differs from numpy by ${d} (largest bin ${maxAbs(want)})`);
  }
});

test('the kernel FFT window features equal the fft.js reference (MLKIT_KERNELS=off)', () => {
  const x = signal(20_000, 3);
  x[5000] = NaN; x[12_345] = Infinity;
  const cases: FftFeatureOptions[] = [
    { window: 256, hop: 32, bins: 16, windowFn: 'hann', bands: 4 },
    { window: 64, hop: 1, bins: 33, windowFn: 'none', bands: 0 },
    { window: 4, hop: 3, bins: 3, windowFn: 'hann', bands: 3 },
    // more windows than one kernel call takes (8,192): chunks
    { window: 16, hop: 2, bins: 5, windowFn: 'hann', bands: 9 },
  ];
  for (const o of cases) {
    const on = fftWindowFeatures(x, o);
    const saved = process.env.MLKIT_KERNELS;
    process.env.MLKIT_KERNELS = 'off';
    let off;
    try {
      off = fftWindowFeatures(x, o);
    } finally {
      if (saved === undefined) delete process.env.MLKIT_KERNELS;
      else process.env.MLKIT_KERNELS = saved;
    }
    assert.equal(on.windows, off.windows);
    assert.equal(on.data.length, off.data.length);
    const scale = maxAbs(off.data.filter(Number.isFinite));
    let nan = 0;
    for (let i = 0; i < on.data.length; i++) {
      const a = on.data[i]!, b = off.data[i]!;
      if (Number.isNaN(b)) { assert.ok(Number.isNaN(a), `${JSON.stringify(o)}: value ${i} is ${a}, the reference NaN`); nan++; continue; }
      assert.ok(Math.abs(a - b) <= 1e-9 * scale, `${JSON.stringify(o)}: value ${i} (window ${Math.floor(i / on.width)}, feature ${i % on.width}) is ${a}, the reference ${b}`);
    }
    assert.ok(nan > 0, 'windows with a non-finite sample are NaN');
  }
});
