/**
 * The `arima` package (ctsa compiled to WASM by emscripten), driven through a private instance:
 * - its C output (printf to fd 1: warnings such as "Program Exiting...") is captured per call instead of
 *   reaching mlkit's stdout, which carries data; a C exit() throws instead of setting process.exitCode;
 * - after any throw the instance is discarded (its stack pointer is never restored) and a new one made
 *   (~1 ms; the WebAssembly.Module is compiled once);
 * - the fitted model is read from the C struct (orders, coefficients, sigma^2, return code), which the
 *   package does not expose. The struct layout is that of arima@0.2.8 (pinned in package.json).
 * Measured facts behind these rules: ../shared/DEPENDENCY-NOTES.md and the estimator's README section.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
// the WebAssembly global (its types are in lib "dom", which this project does not load)
const WA = (globalThis as any).WebAssembly;

/** Most values (series x (1 + exogenous columns)) one call may copy onto the package's 64 KiB C stack. */
export { MAX_STACK_VALUES } from './spec.js';
import { MAX_STACK_VALUES } from './spec.js';

export interface CtsaOptions {
  p: number; d: number; q: number;
  P: number; D: number; Q: number; s: number;
  /** 0 CSS-MLE, 1 exact MLE, 2 CSS (ctsa's numbering; the package README's list is wrong) */
  method: number;
  /** 0 Nelder-Mead ... 6 L-BFGS (see the package README) */
  optimizer: number;
  auto: boolean;
  /** AutoARIMA: 1 = rank candidates by a CSS approximation, 0 = exact fits */
  approximation: number;
  /** AutoARIMA: 1 = stepwise, 0 = exhaustive */
  search: number;
  /**
   * mlkit's, not the package's: a drift term, fitted as an extra exogenous column t = 1..n (the package's
   * AutoARIMA adds drift the same way but its predict ignores it, so mlkit refits the chosen order with
   * the column and continues it over the horizon)
   */
  drift?: boolean;
}

/** What a fit left in the C struct. */
export interface CtsaModel {
  p: number; d: number; q: number; P: number; D: number; Q: number; s: number;
  /** 1 ok, 4 no convergence, 7 collinear exogenous columns, 10/12 non-stationary (S)AR, 15 Inf/NaN in the optimiser */
  retval: number;
  phi: number[]; theta: number[]; PHI: number[]; THETA: number[];
  exog: number[];
  mean: number;
  sigma2: number;
  loglik: number;
}

interface ArimaInstance {
  model: number;
  options: Record<string, unknown>;
  train(ts: number[] | Float64Array, exog?: number[] | number[][]): ArimaInstance;
  predict(h: number, exog?: number[] | number[][]): [number[], number[]];
  destroy(): void;
}
type ArimaCtor = new (o: Record<string, unknown>) => ArimaInstance;

interface Instance {
  ARIMA: ArimaCtor;
  mod: { HEAP32: Int32Array; HEAPF64: Float64Array };
}

let compiled: unknown;
let factory: ((o: Record<string, unknown>) => any) | undefined;
let loadApi: ((m: unknown) => ArimaCtor) | undefined;
let current: Instance | undefined;
let output = '';

class CtsaExit extends Error {
  constructor(readonly code: number) { super(`the arima package's C code called exit(${code})`); }
}

function instantiate(): Instance {
  if (!factory) {
    // the package exports only "." and "./async": its files are required by path
    const base = path.dirname(require.resolve('arima'));
    factory = require(path.join(base, 'wasm', 'native-sync.js'));
    loadApi = require(path.join(base, 'load.js'));
    compiled = new WA.Module(require(path.join(base, 'wrapper', 'native.bin.js')) as Uint8Array);
  }
  let memory: { buffer: ArrayBuffer } | undefined;
  const dec = new TextDecoder();
  const mod = factory!({
    print() {},
    printErr() {},
    quit(code: number) { throw new CtsaExit(code); },
    instantiateWasm(info: any, receive: (i: unknown, m: unknown) => unknown) {
      // fd_write (import a.b): every write of the C code, unbuffered
      info.a.b = (_fd: number, iov: number, iovcnt: number, pnum: number) => {
        const u8 = new Uint8Array(memory!.buffer);
        const u32 = new Uint32Array(memory!.buffer);
        let n = 0;
        for (let i = 0; i < iovcnt; i++) {
          const p = u32[(iov >> 2) + 2 * i]!;
          const l = u32[(iov >> 2) + 2 * i + 1]!;
          if (output.length < 65536) output += dec.decode(u8.subarray(p, p + l));
          n += l;
        }
        u32[pnum >> 2] = n;
        return 0;
      };
      const inst = new WA.Instance(compiled, info);
      memory = inst.exports.e;
      receive(inst, compiled);
      return inst.exports;
    },
  });
  return { ARIMA: loadApi!(mod), mod };
}

/** Runs `fn` on the shared instance; a throw discards the instance. Returns the C output too. */
function call<T>(fn: (i: Instance) => T): { value: T; text: string } {
  current ??= instantiate();
  output = '';
  try {
    return { value: fn(current), text: output };
  } catch (e) {
    current = undefined;
    throw e;
  } finally {
    output = '';
  }
}

/** Reads the fitted model from the C struct (arima@0.2.8 layout). */
function inspect(inst: Instance, a: ArimaInstance, auto: boolean): CtsaModel {
  const H32 = inst.mod.HEAP32;
  const F64 = inst.mod.HEAPF64;
  const sp = H32[a.model >> 2]!;
  const i32 = (o: number) => H32[(sp + o) >> 2]!;
  const f64 = (o: number) => F64[(sp + o) >> 3]!;
  const arr = (o: number, n: number) => {
    const p = i32(o);
    return n > 0 ? Array.from(F64.subarray(p >> 3, (p >> 3) + n)) : [];
  };
  const L = auto
    ? { p: 40, d: 44, q: 48, s: 52, P: 56, D: 60, Q: 64, M: 72, phi: 80, theta: 84, PHI: 88, THETA: 92, exog: 96, mean: 112, var: 120, loglik: 128, retval: 144 }
    : { p: 16, d: 20, q: 24, s: 28, P: 32, D: 36, Q: 40, M: 48, phi: 56, theta: 60, PHI: 64, THETA: 68, exog: 72, mean: 88, var: 96, loglik: 104, retval: 120 };
  const p = i32(L.p), q = i32(L.q), P = i32(L.P), Q = i32(L.Q), M = i32(L.M);
  return {
    p, d: i32(L.d), q, P, D: i32(L.D), Q, s: i32(L.s),
    retval: i32(L.retval),
    phi: arr(L.phi, p), theta: arr(L.theta, q), PHI: arr(L.PHI, P), THETA: arr(L.THETA, Q), exog: arr(L.exog, M),
    mean: f64(L.mean), sigma2: f64(L.var), loglik: f64(L.loglik),
  };
}

export interface CtsaFit {
  model: CtsaModel;
  /** point forecasts and their variances */
  mean: Float64Array;
  variance: Float64Array;
  /** what the C code printed */
  text: string;
}

/**
 * Fits and forecasts in one call (the package keeps the model in its instance; nothing is kept here).
 * `exog` and `futureExog` are columns; futureExog must have exactly `horizon` values per column.
 */
export function fitPredict(y: Float64Array, exog: Float64Array[], o: CtsaOptions, horizon: number, futureExog: Float64Array[]): CtsaFit {
  if (o.drift) {
    exog = [...exog, Float64Array.from({ length: y.length }, (_, i) => i + 1)];
    futureExog = [...futureExog, Float64Array.from({ length: horizon }, (_, i) => y.length + i + 1)];
  }
  const k = exog.length;
  if (y.length * (1 + k) > MAX_STACK_VALUES) throw new RangeError(`series too long for the arima package: ${y.length} x ${1 + k} values > ${MAX_STACK_VALUES}`);
  for (const c of futureExog) if (c.length !== horizon) throw new RangeError(`future exogenous columns need exactly ${horizon} values`);
  const { value, text } = call((inst) => {
    const { drift: _drift, ...opts } = o;
    const a = new inst.ARIMA({ ...opts, verbose: false, transpose: false });
    try {
      const ex = k === 0 ? [] : k === 1 ? Array.from(exog[0]!) : exog.map((c) => Array.from(c));
      a.train(Array.from(y), ex);
      const model = inspect(inst, a, o.auto);
      const fx = k === 0 ? [] : k === 1 ? Array.from(futureExog[0]!) : futureExog.map((c) => Array.from(c));
      const [pred, err] = a.predict(horizon, fx);
      return { model, mean: Float64Array.from(pred), variance: Float64Array.from(err) };
    } finally {
      a.destroy();
    }
  });
  return { ...value, text };
}
