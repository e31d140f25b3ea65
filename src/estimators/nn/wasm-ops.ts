/**
 * mlkit's kernels registered into tfjs's wasm backend: BatchMatMul with a transpose or a batch (every
 * attention product and every backward product of a dense or convolution layer), which tfjs-backend-wasm
 * runs as a scalar loop (XNNPACK serves only the untransposed single matrix), goes to the SIMD kernel
 * (src/kernels/matmul.ts); so does Sum over leading axes (every bias gradient), which tfjs-backend-wasm
 * does by transposing the input first (another scalar loop). The rest, and everything with
 * MLKIT_KERNELS=off, stays with tfjs's own kernels.
 * Inputs are read from, and the output written to, the backend's memory directly.
 */
import { UsageError } from '../../core/errors.js';
import { kernels } from '../../kernels/index.js';
import { colsum, matmul } from '../../kernels/matmul.js';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface WasmBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  wasm: { HEAPF32: Float32Array };
}
type KernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: Record<string, unknown> }) => TensorInfo;

let installed = false;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Registers the kernels once per process (after the wasm backend is set). */
export function installWasmKernels(tf: typeof import('@tensorflow/tfjs-core')): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) return;
  const tfjs = original.kernelFunc as unknown as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const transA = args.attrs.transposeA === true, transB = args.attrs.transposeB === true;
    const k = kernels();
    const ra = a.shape.length, rb = b.shape.length;
    const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    // tfjs-wasm's own allocator wraps sizes beyond 4 GiB (an output view cut short, or "memory access out
    // of bounds"), with the kernels or without: a usage error instead
    const bytes = 4 * batch * (transA ? a.shape[ra - 1]! : a.shape[ra - 2]!) * (transB ? b.shape[rb - 2]! : b.shape[rb - 1]!);
    if (bytes >= 4 * 1024 ** 3) throw new UsageError(`a matrix product needs ${(bytes / 1024 ** 3).toFixed(1)} GiB for its result, beyond WebAssembly's 4 GiB: use a smaller batch_size or window`);
    if (!k || a.dtype !== 'float32' || b.dtype !== 'float32' || (!transA && !transB && batch === 1)) return tfjs(args);
    // broadcasting beyond one-matrix-for-all, or empty tensors: tfjs's own kernel
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1) || size(a.shape) === 0 || size(b.shape) === 0) return tfjs(args);
    if (batchA === batchB && a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join()) return tfjs(args);
    const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!, kk = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!, kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    if (kk !== kb) return tfjs(args); // tfjs's kernel says what does not match
    const outer = (batchA >= batchB ? a.shape : b.shape).slice(0, -2);
    const out = args.backend.makeOutput([...outer, m, n], 'float32');
    // the backend's memory may have grown in makeOutput: views after it
    const heap = args.backend.wasm.HEAPF32;
    const view = (x: TensorInfo) => { const o = args.backend.dataIdMap.get(x.dataId).memoryOffset / 4; return heap.subarray(o, o + size(x.shape)); };
    matmul(k, { batch, m, n, k: kk, transA, transB, batchedA: batchA === batch, batchedB: batchB === batch }, view(a), view(b), view(out));
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: kernelFunc as never });

  const originalSum = tf.getKernel('Sum', 'wasm');
  if (originalSum) {
    const tfjsSum = originalSum.kernelFunc as unknown as KernelFunc;
    const sumFunc: KernelFunc = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const k = kernels();
      const rank = x.shape.length;
      const raw = args.attrs.axis as number | number[] | null | undefined;
      const axes = raw === null || raw === undefined ? [...x.shape.keys()] : (Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? a + rank : a));
      const r = axes.length;
      // only the sum over a leading run of axes (not all of them) of a float32 tensor
      if (!k || x.dtype !== 'float32' || r === 0 || r >= rank || new Set(axes).size !== r || !axes.every((a) => a < r) || size(x.shape) === 0) return tfjsSum(args);
      const rows = size(x.shape.slice(0, r)), cols = size(x.shape.slice(r));
      const out = args.backend.makeOutput(args.attrs.keepDims === true ? x.shape.map((s, i) => (i < r ? 1 : s)) : x.shape.slice(r), 'float32');
      const heap = args.backend.wasm.HEAPF32;
      const xo = args.backend.dataIdMap.get(x.dataId).memoryOffset / 4, oo = args.backend.dataIdMap.get(out.dataId).memoryOffset / 4;
      colsum(k, rows, cols, heap.subarray(xo, xo + rows * cols), heap.subarray(oo, oo + cols));
      return out;
    };
    tf.unregisterKernel('Sum', 'wasm');
    tf.registerKernel({ kernelName: 'Sum', backendName: 'wasm', kernelFunc: sumFunc as never });
  }
  installed = true;
}
