/**
 * What `mlkit doctor` reports: runtime, each component family's section (the XGBoost engine and the
 * tfjs backend that would run, and why), hardware, and a rule of thumb per model family with a batch size that fits the memory seen.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import type { DoctorSection } from '../core/component.js';
import type { Registry } from '../core/registry.js';

export interface DoctorReport {
  mlkit: string;
  node: string;
  platform: string;
  cpu: { cores: number; model: string };
  memory: { totalBytes: number; freeBytes: number };
  /** each component family's own section (its spec's doctor()), by title, e.g. xgboost: { engine, reason, native, wasm } */
  sections: DoctorSection[];
  [title: string]: unknown;
  gpu: { present: boolean; detail: string };
  advice: { family: string; hardware: string; batchSize?: number; assumption?: string }[];
}

/** Largest power of two <= x, at least 1 (capped). */
const pow2 = (x: number, cap: number) => Math.max(1, Math.min(cap, 2 ** Math.floor(Math.log2(Math.max(1, x)))));

/**
 * Batch sizes that fit in half the free memory, from activation + gradient memory per sample
 * (float32, x3 for forward activations, gradients and optimizer/temporaries):
 *  - RNN: LSTM(128) x 2 layers over 256 steps, 32 features
 *  - small transformer: 4 layers, d_model 256, 8 heads, sequence 512 (attention maps dominate)
 */
export function batchAdvice(freeBytes: number) {
  const budget = freeBytes / 2;
  const rnnPerSample = 4 * 3 * (256 * (32 + 2 * 4 * 128 * 2));
  const trfPerSample = 4 * 3 * 4 * (512 * 256 * 12 + 8 * 512 * 512);
  return {
    rnn: pow2(budget / rnnPerSample, 4096),
    transformer: pow2(budget / trfPerSample, 1024),
  };
}

export async function doctor(registry: Registry): Promise<DoctorReport> {
  const req = createRequire(import.meta.url);
  const { MLKIT_VERSION } = await import('../version.js');
  // each family's section, once per spec.doctor (families share one)
  const sections: DoctorSection[] = [];
  const seen = new Set<unknown>();
  for (const spec of registry.all()) {
    if (!spec.doctor || seen.has(spec.doctor)) continue;
    seen.add(spec.doctor);
    sections.push(await spec.doctor());
  }
  const gpuPresent = ['/dev/nvidia0', '/dev/dri/renderD128'].some((p) => { try { req('node:fs').accessSync(p); return true; } catch { return false; } });
  const free = os.freemem();
  const b = batchAdvice(free);
  const bySection = Object.fromEntries(sections.filter((x) => x.data).map((x) => [x.title, x.data]));
  return {
    ...bySection,
    sections,
    mlkit: MLKIT_VERSION,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: { cores: os.availableParallelism?.() ?? os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    memory: { totalBytes: os.totalmem(), freeBytes: free },
    gpu: { present: gpuPresent, detail: gpuPresent ? 'a GPU device node is present' : 'no GPU device found' },
    advice: [
      ...sections.flatMap((x) => (x.advice ? [x.advice] : [])),
      // neural families come with their component specs (nn/); until then, the advice for planning
      { family: 'RNN (LSTM/GRU)', hardware: 'CPU or one GPU', batchSize: b.rnn, assumption: '2 x LSTM(128), 256 steps, 32 features, float32' },
      { family: 'small Transformer', hardware: 'CPU or one GPU', batchSize: b.transformer, assumption: '4 layers, d_model 256, 8 heads, sequence 512, float32' },
      { family: 'large Transformer / diffusion models', hardware: 'GPU (one or more); not practical on CPU' },
    ],
  };
}
