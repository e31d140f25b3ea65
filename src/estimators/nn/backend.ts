/**
 * The TensorFlow.js backend neural components run on, chosen once per process:
 *
 * - `MLKIT_TF_BACKEND` (or a component's `backend` option) forces one: `node-gpu`, `node`, `wasm`, `cpu`;
 *   a forced backend that cannot load is a usage error saying why;
 * - `auto` (the default): tfjs-node-gpu, then tfjs-node, when the user has installed one (mlkit never
 *   depends on them: their install downloads libtensorflow), else wasm (SIMD, one thread), else cpu.
 *
 * tfjs-node registers its backend on the tfjs-core it imports: it is used only when that is mlkit's own
 * tfjs-core (the same version, deduplicated by npm), else mlkit says so and falls back.
 * Nothing here loads tfjs until a neural component runs (`loadTf`); `backendPlan` (for `mlkit doctor`)
 * only looks for the packages.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { installWasmKernels } from './wasm-ops.js';
import { kernelMode } from '../../kernels/index.js';

export const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

type TfCore = typeof import('@tensorflow/tfjs-core');
type TfLayers = typeof import('@tensorflow/tfjs-layers');

export interface Tf {
  tf: TfCore;
  tfl: TfLayers;
  /** the backend in use: tensorflow (tfjs-node or -gpu), wasm or cpu */
  backend: string;
  /** why this one (for the log and doctor) */
  why: string;
}

const PACKAGES: Record<'node-gpu' | 'node', string> = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' };

function version(req: NodeRequire, pkg: string): string | undefined {
  try {
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The choice from the option and MLKIT_TF_BACKEND (the option wins); a bad value is a usage error. */
export function backendChoice(option?: BackendChoice): BackendChoice {
  if (option && option !== 'auto') return option;
  const env = process.env.MLKIT_TF_BACKEND?.trim();
  if (!env) return 'auto';
  if (!(BACKENDS as readonly string[]).includes(env)) throw new UsageError(`MLKIT_TF_BACKEND must be one of ${BACKENDS.join(', ')}, got "${env}"`);
  return env as BackendChoice;
}

/** What `auto` (or the forced choice) would pick, from the installed packages alone (no tfjs loaded). */
export function backendPlan(option?: BackendChoice): { backend: string; why: string; installed: Record<string, string | null> } {
  const req = createRequire(import.meta.url);
  const installed: Record<string, string | null> = {};
  for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', PACKAGES['node-gpu'], PACKAGES.node]) installed[p] = version(req, p) ?? null;
  const choice = backendChoice(option);
  const forced = choice !== 'auto' ? ` (forced by ${option && option !== 'auto' ? 'the backend option' : 'MLKIT_TF_BACKEND'})` : '';
  if (choice === 'auto') {
    for (const k of ['node-gpu', 'node'] as const) {
      if (installed[PACKAGES[k]]) return { backend: `tensorflow (${PACKAGES[k].slice(12)})`, why: `${PACKAGES[k]} ${installed[PACKAGES[k]]} is installed`, installed };
    }
    return { backend: 'wasm', why: 'tfjs-node is not installed (optional: its install downloads libtensorflow); WebAssembly with SIMD, one thread', installed };
  }
  if (choice === 'node-gpu' || choice === 'node') return { backend: `tensorflow (${PACKAGES[choice].slice(12)})`, why: `${installed[PACKAGES[choice]] ? `${PACKAGES[choice]} ${installed[PACKAGES[choice]]}` : `${PACKAGES[choice]} is not installed`}${forced}`, installed };
  return { backend: choice, why: `${choice === 'wasm' ? 'WebAssembly with SIMD, one thread' : 'plain JavaScript (slow)'}${forced}`, installed };
}

let loaded: Promise<Tf> | undefined;
let loadedChoice: BackendChoice | undefined;

/**
 * tfjs with its backend set, loaded on first use. A second call with another forced choice switches
 * the backend (tests; a process runs one backend otherwise).
 */
export async function loadTf(option: BackendChoice | undefined, log: Logger): Promise<Tf> {
  const choice = backendChoice(option);
  // a bad MLKIT_KERNELS is a usage error for every neural run, whether or not it reaches a kernel
  kernelMode();
  if (loaded && loadedChoice === choice) return loaded;
  const previous = loaded;
  loadedChoice = choice;
  loaded = (async () => {
    if (previous) await previous.catch(() => undefined);
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    await import('@tensorflow/tfjs-backend-cpu');
    const req = createRequire(import.meta.url);
    const tryNode = async (k: 'node-gpu' | 'node'): Promise<string | undefined> => {
      const pkg = PACKAGES[k];
      const v = version(req, pkg);
      if (!v) return `${pkg} is not installed`;
      try {
        await import(pkg);
      } catch (e) {
        return `${pkg} ${v} does not load: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
      }
      if (!tf.findBackend('tensorflow')) return `${pkg} ${v} uses another tfjs-core than mlkit's ${tf.version_core} (install ${pkg}@${tf.version_core})`;
      await tf.setBackend('tensorflow');
      return undefined;
    };
    const useWasm = async (): Promise<string | undefined> => {
      try {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
        if (await tf.setBackend('wasm')) {
          installWasmKernels(tf);
          return undefined;
        }
        return 'the wasm backend did not initialise';
      } catch (e) {
        return `the wasm backend does not load: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
      }
    };
    if (choice === 'node-gpu' || choice === 'node') {
      const why = await tryNode(choice);
      if (why) throw new UsageError(`TensorFlow backend ${choice} (forced by ${option === choice ? 'the backend option' : 'MLKIT_TF_BACKEND'}): ${why}`);
      return { tf, tfl, backend: 'tensorflow', why: `${PACKAGES[choice]} (forced)` };
    }
    if (choice === 'wasm') {
      const why = await useWasm();
      if (why) throw new UsageError(`TensorFlow backend wasm (forced): ${why}`);
      return { tf, tfl, backend: 'wasm', why: 'forced' };
    }
    if (choice === 'cpu') {
      await tf.setBackend('cpu');
      return { tf, tfl, backend: 'cpu', why: 'forced' };
    }
    const notes: string[] = [];
    for (const k of ['node-gpu', 'node'] as const) {
      const why = await tryNode(k);
      if (!why) return { tf, tfl, backend: 'tensorflow', why: `${PACKAGES[k]} is installed` };
      // a package that is there but cannot serve is worth a line; one that is absent is the usual case
      if (version(req, PACKAGES[k])) notes.push(why);
    }
    const wasmWhy = await useWasm();
    if (!wasmWhy) {
      for (const n of notes) log.warn(`${n}; using the wasm backend`);
      return { tf, tfl, backend: 'wasm', why: notes.length ? notes.join('; ') : 'tfjs-node is not installed' };
    }
    notes.push(wasmWhy);
    log.warn(`${notes.join('; ')}; using the cpu backend (slow)`);
    await tf.setBackend('cpu');
    return { tf, tfl, backend: 'cpu', why: notes.join('; ') };
  })();
  loaded.catch(() => { loaded = undefined; loadedChoice = undefined; });
  return loaded;
}
