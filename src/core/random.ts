/** Seeded pseudo-random numbers (mulberry32): reproducible splits and shuffles. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace(a: Int32Array, rand: () => number): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}

/**
 * Split row indices into [rest, held] with `fraction` held out; stratified by `groups` when given
 * (each group keeps its share, rounded, with at least one row on each side when it has two).
 * Both parts are returned in ascending row order.
 */
export function splitIndices(n: number, fraction: number, seed: number, groups?: ArrayLike<number>): [Int32Array, Int32Array] {
  const rand = rng(seed);
  const held: number[] = [];
  const rest: number[] = [];
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups ? groups[i] : 0;
    let b = buckets.get(g);
    if (!b) buckets.set(g, (b = []));
    b.push(i);
  }
  for (const b of buckets.values()) {
    const idx = shuffleInPlace(Int32Array.from(b), rand);
    let k = Math.round(idx.length * fraction);
    if (idx.length >= 2) k = Math.min(Math.max(k, 1), idx.length - 1);
    for (let i = 0; i < idx.length; i++) (i < k ? held : rest).push(idx[i]);
  }
  const sort = (a: number[]) => Int32Array.from(a).sort();
  return [sort(rest), sort(held)];
}

/** Standard normal samples from a uniform source (Box-Muller, both values of each pair used). */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let a = rand();
    while (a <= 1e-300) a = rand();
    const r = Math.sqrt(-2 * Math.log(a));
    const th = 2 * Math.PI * rand();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}
