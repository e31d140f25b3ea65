/** Synthetic matrices and train requests shared by the engine tests (native and wasm). */
import type { DenseMatrix, FeatureType, TrainRequest } from '../src/estimators/xgboost/engine.js';

/** Deterministic uniform [0, 1) generator (Park-Miller). */
export function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

export function matrix(rows: number, cols: number, fill: (i: number, j: number) => number): DenseMatrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = fill(i, j);
  return { data, rows, cols };
}

export function head(m: DenseMatrix, rows: number): DenseMatrix {
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols };
}

export function tail(m: DenseMatrix, from: number): DenseMatrix {
  return { data: m.data.subarray(from * m.cols), rows: m.rows - from, cols: m.cols };
}

export function names(n: number): string[] {
  return Array.from({ length: n }, (_, j) => `f${j}`);
}

export function request(over: Partial<TrainRequest> & Pick<TrainRequest, 'train' | 'label'>): TrainRequest {
  return {
    featureNames: names(over.train.cols),
    featureTypes: Array<FeatureType>(over.train.cols).fill('q'),
    params: {},
    numRound: 20,
    evalMetric: '',
    maximize: false,
    ...over,
  };
}
