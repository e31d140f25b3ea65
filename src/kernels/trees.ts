/**
 * XGBoost tree ensembles predicted by the tree kernel (c/trees.c) instead of libxgboost's CPU predictor:
 * the model's JSON (XGBoost 1.x `save_model` format) packed into a node table, kept in the kernels'
 * memory for the booster's life.
 *
 * Margins are bit-identical to libxgboost's (float32 sums in XGBoost's tree order, from the same base
 * margin); the objective's transform is XGBoost's in float32 with the exponential taken in float64 and
 * rounded, so a probability can differ from libxgboost's (glibc's expf) by up to two float32 ulps (the
 * exponential's ulp, then 1 + e and the division round; tests hold
 * both). Models the kernel does not cover (not gbtree, e.g. dart or gblinear; objectives outside
 * TRANSFORMS; vector leaves) are reported by `packXGBoost` with the reason, and stay on libxgboost.
 */
import { Block, type Kernels } from './index.js';

type Transform = 'identity' | 'sigmoid' | 'exp' | 'softmax';
/** objective -> [base score to margin, margin to prediction] as XGBoost 1.7 defines them */
const TRANSFORMS: Record<string, { base: 'identity' | 'logit' | 'log'; out: Transform }> = {
  'reg:squarederror': { base: 'identity', out: 'identity' },
  'reg:squaredlogerror': { base: 'identity', out: 'identity' },
  'reg:pseudohubererror': { base: 'identity', out: 'identity' },
  'reg:absoluteerror': { base: 'identity', out: 'identity' },
  'reg:logistic': { base: 'logit', out: 'sigmoid' },
  'binary:logistic': { base: 'logit', out: 'sigmoid' },
  'count:poisson': { base: 'log', out: 'exp' },
  'reg:gamma': { base: 'log', out: 'exp' },
  'reg:tweedie': { base: 'log', out: 'exp' },
  'multi:softprob': { base: 'identity', out: 'softmax' },
};

const f32 = Math.fround;
const CAT_BIT = 0x40000000;
const LEFT_BIT = 0x80000000;
const FEAT_MAX = 0x0fffffff;
/** catMode 1 covers categories 0 to INLINE_MAX (bits 1-30 of a mask) */
const INLINE_MAX = 29;

/** A packed ensemble: per tree root, depth, group; per node the arrays trees.c reads. */
export interface TreePack {
  trees: number;
  /** trees per boosting round (num_parallel_tree x groups) */
  perRound: number;
  groups: number;
  features: number;
  baseMargin: number;
  transform: Transform;
  /** 0 no categorical splits, 1 every category set within 0-29 (bit masks in the nodes), 2 any sets */
  catMode: 0 | 1 | 2;
  root: Int32Array;
  depth: Int32Array;
  group: Int32Array;
  /** per node 4 words: info, cond (float32 bits, or catMode 1 a categorical split's mask), left, set offset */
  nodes: Uint32Array;
  leaf: Float32Array;
  /** per feature: 1 when categorical splits use it */
  iscat: Uint8Array;
  /** catMode 2: per categorical split its word count then its words */
  catbits: Uint32Array;
}

const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));

/**
 * XGBoost's JSON model text parsed: its writer puts bare NaN and Infinity in numbers (a categorical
 * split's threshold is NaN), which JSON.parse refuses; outside strings they become null and +-1e999
 * (Infinity when parsed).
 */
export function parseXGBoostJSON(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m[0] === '"' ? m : m === 'NaN' ? 'null' : m[0] === '-' ? '-1e999' : '1e999')));
}

/**
 * The node table of an XGBoost JSON model, or why the kernel cannot predict it. `features`: the
 * matrix's column count (every split must name one of them).
 */
export function packXGBoost(model: any, features: number): TreePack | { unsupported: string } {
  const learner = model?.learner;
  const booster = learner?.gradient_booster;
  if (booster?.name !== 'gbtree') return { unsupported: `booster "${String(booster?.name)}" (only gbtree)` };
  const objective = String(learner?.objective?.name);
  const tf = TRANSFORMS[objective];
  if (!tf) return { unsupported: `objective "${objective}"` };
  const mp = learner.learner_model_param ?? {};
  const numClass = num(mp.num_class ?? 0);
  if (Number(mp.num_target ?? 1) !== 1) return { unsupported: 'several targets' };
  const groups = Math.max(1, numClass);
  if ((tf.out === 'softmax') !== (numClass > 1)) return { unsupported: `objective "${objective}" with num_class ${numClass}` };
  const gm = booster.model;
  const list: any[] = gm?.trees ?? [];
  const treeInfo: number[] = gm?.tree_info ?? [];
  const npt = num(gm?.gbtree_model_param?.num_parallel_tree ?? 1);
  if (!Array.isArray(list) || treeInfo.length !== list.length || !(npt >= 1)) return { unsupported: 'a malformed tree list' };
  // (XGBoost 3.1 writes it as a list, "[5E-1]")
  let rawBase: unknown = mp.base_score;
  if (typeof rawBase === 'string' && rawBase.startsWith('[')) {
    try { rawBase = JSON.parse(rawBase); } catch { return { unsupported: `base_score ${rawBase}` }; }
  }
  const baseList = Array.isArray(rawBase) ? rawBase : [rawBase ?? 0.5];
  if (baseList.length !== 1) return { unsupported: `base_score ${String(mp.base_score)}` };
  const base = f32(num(baseList[0]));
  // ProbToMargin of XGBoost 1.7's objectives, in float32 steps
  const baseMargin = tf.base === 'logit' ? f32(-f32(Math.log(f32(f32(1 / base) - 1)))) : tf.base === 'log' ? f32(Math.log(base)) : base;
  if (!Number.isFinite(baseMargin)) return { unsupported: `base_score ${String(mp.base_score)}` };

  let total = 0;
  for (const t of list) {
    const n = num(t?.tree_param?.num_nodes);
    if (!Number.isInteger(n) || n < 1 || t.left_children?.length !== n) return { unsupported: 'a malformed tree' };
    if (num(t.tree_param?.size_leaf_vector ?? 0) > 1) return { unsupported: 'vector leaves' };
    total += n;
  }
  const p: TreePack = {
    trees: list.length, perRound: npt * groups, groups, features, baseMargin, transform: tf.out, catMode: 0,
    root: new Int32Array(list.length), depth: new Int32Array(list.length), group: new Int32Array(list.length),
    nodes: new Uint32Array(4 * total), leaf: new Float32Array(total), iscat: new Uint8Array(features), catbits: new Uint32Array(0),
  };
  const nodeF = new Float32Array(p.nodes.buffer);
  const numericUse = new Uint8Array(features);
  // catMode 2's sets (offset 0: an empty set), and each categorical split's set for catMode 1
  const bits: number[] = [0];
  const sets: Array<[number, number[]]> = [];
  let catMax = -1;
  let next = 0;
  for (let ti = 0; ti < list.length; ti++) {
    const t = list[ti];
    const L: number[] = t.left_children, R: number[] = t.right_children, F: number[] = t.split_indices;
    const C: number[] = t.split_conditions, D: Array<number | boolean> = t.default_left;
    const T: number[] = t.split_type ?? [];
    const n = L.length;
    // categorical splits: node -> its categories
    const cats = new Map<number, number[]>();
    const cn: number[] = t.categories_nodes ?? [], cs: number[] = t.categories_segments ?? [], cz: number[] = t.categories_sizes ?? [], cv: number[] = t.categories ?? [];
    for (let i = 0; i < cn.length; i++) cats.set(cn[i]!, cv.slice(num(cs[i]), num(cs[i]) + num(cz[i])));
    const g = treeInfo[ti]!;
    if (!(Number.isInteger(g) && g >= 0 && g < groups)) return { unsupported: 'a tree of an unknown output group' };
    p.group[ti] = g;
    p.root[ti] = next;
    // breadth first from the root, each internal node's children side by side
    const queue: Array<[number, number, number]> = [[0, next++, 0]]; // [xgboost id, packed id, depth]
    let maxDepth = 0, seen = 0;
    for (let q = 0; q < queue.length; q++) {
      const [id, at, d] = queue[q]!;
      if (++seen > n) return { unsupported: 'a tree that is not a tree' };
      maxDepth = Math.max(maxDepth, d);
      if (L[id] === -1) {
        if (typeof C[id] !== 'number') return { unsupported: `a leaf value ${String(C[id])}` };
        p.nodes[4 * at] = LEFT_BIT >>> 0;
        nodeF[4 * at + 1] = NaN;
        p.nodes[4 * at + 2] = at;
        p.leaf[at] = C[id]!;
        continue;
      }
      const f = F[id]!, l = L[id]!, r = R[id]!;
      if (!(Number.isInteger(f) && f >= 0 && f < features && f <= FEAT_MAX)) return { unsupported: `a split on feature ${f} of ${features}` };
      if (!(l > 0 && l < n && r > 0 && r < n)) return { unsupported: 'a malformed tree' };
      let info = f;
      if (D[id] === true || D[id] === 1) info |= LEFT_BIT;
      if (T[id] === 1) {
        const set = cats.get(id);
        if (!set || !set.every((c) => Number.isInteger(c) && c >= 0 && c < 16777215)) return { unsupported: 'a categorical split without valid categories' };
        const max = set.reduce((m, c) => Math.max(m, c), -1);
        const words = max < 0 ? 0 : (max >> 5) + 1;
        const o = bits.length;
        bits.push(words);
        for (let w = 0; w < words; w++) bits.push(0);
        for (const c of set) bits[o + 1 + (c >> 5)]! |= 1 << (c & 31);
        p.nodes[4 * at + 3] = o;
        sets.push([at, set]);
        catMax = Math.max(catMax, max);
        info |= CAT_BIT;
        p.iscat[f] = 1;
      } else {
        if (typeof C[id] !== 'number') return { unsupported: `a split threshold ${String(C[id])}` };
        nodeF[4 * at + 1] = C[id]!;
        numericUse[f] = 1;
      }
      p.nodes[4 * at] = info >>> 0;
      p.nodes[4 * at + 2] = next;
      queue.push([l, next, d + 1], [r, next + 1, d + 1]);
      next += 2;
    }
    if (seen !== n) return { unsupported: 'a tree with unreachable nodes' };
    p.depth[ti] = maxDepth;
  }
  if (sets.length) {
    // the branch-free masks need every set within 0-29 and no feature split both ways
    const both = p.iscat.some((c, f) => c && numericUse[f]);
    if (catMax <= INLINE_MAX && !both) {
      p.catMode = 1;
      for (const [at, set] of sets) p.nodes[4 * at + 1] = set.reduce((m, c) => (m | (1 << (c + 1))) >>> 0, 0);
    } else {
      p.catMode = 2;
      p.iscat.fill(0);
      p.catbits = Uint32Array.from(bits.map((b) => b >>> 0));
    }
  }
  return p;
}

/** A packed ensemble in the kernels' memory, predicting through mk_trees_predict. */
export class TreeEnsemble {
  private block: Block | null;
  private readonly off: Record<Part, number>;
  constructor(private readonly k: Kernels, readonly pack: TreePack) {
    const parts = partsOf(pack);
    let bytes = 0;
    const off = {} as Record<Part, number>;
    for (const name of PARTS) { off[name] = bytes; bytes += Math.ceil(Math.max(parts[name].byteLength, 4) / 16) * 16; }
    this.block = new Block(k, bytes);
    const mem = k.exports.memory.buffer;
    for (const name of PARTS) {
      const arr = parts[name];
      new Uint8Array(mem, this.block.at + off[name], arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    }
    this.off = off;
  }

  /**
   * Predictions of rounds [0, rounds) for x (float32, rows x cols, row-major; NaN missing): rows x groups
   * values, transformed by the objective unless `margin`.
   */
  predict(x: Float32Array, rows: number, cols: number, rounds: number, margin = false): Float32Array {
    const block = this.block;
    if (!block) throw new Error('TreeEnsemble used after dispose()');
    const { pack, k } = this;
    if (cols !== pack.features || x.length < rows * cols) throw new RangeError(`tree kernel: a ${rows} x ${cols} matrix for a model of ${pack.features} features`);
    const G = pack.groups;
    const t1 = Math.min(pack.trees, rounds * pack.perRound);
    const out = new Float32Array(rows * G);
    // rows per call: bounds the kernel memory (the matrix chunk and its margins)
    const chunk = Math.max(1, Math.min(rows, Math.floor((16 << 20) / (4 * (cols + G)))));
    const a = k.arena();
    const px = a.alloc(chunk * cols), pm = a.alloc(chunk * G), pw = a.alloc(pack.catMode === 1 ? BLOCK * cols : 1);
    try {
      a.commit();
      const at = (name: Part) => block.at + this.off[name];
      for (let r0 = 0; r0 < rows; r0 += chunk) {
        const nr = Math.min(chunk, rows - r0);
        a.f32(px, nr * cols).set(x.subarray(r0 * cols, (r0 + nr) * cols));
        a.f32(pm, nr * G).fill(pack.baseMargin);
        (k.exports.mk_trees_predict as (...args: number[]) => void)(
          nr, cols, a.at(px), 0, t1, G, at('root'), at('depth'), at('group'), at('nodes'), at('leaf'),
          pack.catMode, at('iscat'), at('catbits'), a.at(pw), a.at(pm),
        );
        out.set(a.f32(pm, nr * G), r0 * G);
      }
    } finally {
      a.release();
    }
    if (!margin) transform(out, rows, G, pack.transform);
    return out;
  }

  dispose(): void {
    this.block?.free();
    this.block = null;
  }
}

/** rows per block in trees.c (its work buffer for catMode 1 is BLOCK x cols) */
const BLOCK = 64;
const PARTS = ['root', 'depth', 'group', 'nodes', 'leaf', 'iscat', 'catbits'] as const;
type Part = (typeof PARTS)[number];
const partsOf = (p: TreePack): Record<Part, ArrayBufferView> => ({ root: p.root, depth: p.depth, group: p.group, nodes: p.nodes, leaf: p.leaf, iscat: p.iscat, catbits: p.catbits });

/** XGBoost 1.7's PredTransform in float32 (common::Sigmoid, Softmax, expf), in place. */
function transform(v: Float32Array, rows: number, G: number, how: Transform): void {
  if (how === 'sigmoid') {
    for (let i = 0; i < v.length; i++) v[i] = f32(1 / f32(1 + f32(Math.exp(-v[i]!))));
  } else if (how === 'exp') {
    for (let i = 0; i < v.length; i++) v[i] = f32(Math.exp(v[i]!));
  } else if (how === 'softmax') {
    for (let r = 0; r < rows; r++) {
      const o = r * G;
      let max = v[o]!;
      for (let j = 1; j < G; j++) max = Math.max(max, v[o + j]!);
      let sum = 0; // XGBoost sums in double
      for (let j = 0; j < G; j++) { const e = f32(Math.exp(f32(v[o + j]! - max))); v[o + j] = e; sum += e; }
      const s = f32(sum);
      for (let j = 0; j < G; j++) v[o + j] = f32(v[o + j]! / s);
    }
  }
}

/**
 * 256 rows for the tree kernel's check against libxgboost: each value a split threshold of its feature
 * (exactly, or just below it), a small category, or missing, mixed so that rows take many paths.
 */
export function probeRows(pack: TreePack): { data: Float32Array; rows: number; cols: number } {
  const cols = pack.features;
  const values: number[][] = Array.from({ length: cols }, () => []);
  const cond = new Float32Array(pack.nodes.buffer);
  for (let n = 0; n < pack.leaf.length; n++) {
    const info = pack.nodes[4 * n]!;
    if (pack.nodes[4 * n + 2] === n) continue; // a leaf
    const f = info & FEAT_MAX;
    if (info & CAT_BIT) values[f]!.push(0, 1, 2, 3, 5, 8, 13, 31, 40);
    else { const c = cond[4 * n + 1]!; values[f]!.push(c, f32(c - Math.max(1e-6, Math.abs(c) * 1e-6))); }
  }
  const rows = 256;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) {
      const v = values[f]!;
      const k = (r * 2654435761 + f * 40503) >>> 0;
      data[r * cols + f] = k % 11 === 0 || !v.length ? NaN : v[k % v.length]!;
    }
  }
  return { data, rows, cols };
}

/** a and b (float32 values) at most `ulps` representable values apart, everywhere */
export function sameWithinUlps(a: ArrayLike<number>, b: ArrayLike<number>, ulps: number): boolean {
  if (a.length !== b.length) return false;
  const f = new Float32Array(2);
  const i = new Int32Array(f.buffer);
  const key = (v: number) => (v < 0 ? -0x80000000 - v : v);
  for (let j = 0; j < a.length; j++) {
    if (Number.isNaN(a[j]) || Number.isNaN(b[j])) return false;
    f[0] = a[j]!;
    f[1] = b[j]!;
    if (Math.abs(key(i[0]!) - key(i[1]!)) > ulps) return false;
  }
  return true;
}
