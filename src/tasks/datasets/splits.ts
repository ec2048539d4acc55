/**
 * Seeded, stratified splits. AutoLR scores a rule on a fitness split carved
 * out of the official training set (the official test set is kept for the
 * final re-scoring), and cheap low-fidelity runs train on subsamples. Each
 * split keeps the class proportions of its source to within one image per
 * class: with small subsamples a plain random draw can leave a class nearly
 * absent and make fitness depend on the draw more than on the rule.
 */
import seedrandom from 'seedrandom';
import { imageSize, type ImageSet } from './types.js';

/** Sizes of the parts of a split: image counts, or fractions of the set. Whatever is not asked for is left out. */
export type SplitSizes = { readonly counts: readonly number[] } | { readonly fractions: readonly number[] };

type Labelled = Pick<ImageSet, 'labels' | 'classes' | 'count'> & { readonly name?: string };

function rngFor(seed: string | number): () => number {
  // Prefixed so a split never replays the draws of another stream seeded with the same number.
  return seedrandom(`autolr-split:${String(seed)}`);
}

function shuffle<T extends { [i: number]: number; length: number }>(a: T, rng: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

function targetCounts(sizes: SplitSizes, n: number): number[] {
  if ('counts' in sizes) {
    for (const c of sizes.counts) if (!Number.isInteger(c) || c < 0) throw new RangeError(`split counts must be non-negative integers, got ${c}`);
    const sum = sizes.counts.reduce((a, b) => a + b, 0);
    if (sum > n) throw new RangeError(`split counts sum to ${sum}, more than the ${n} images in the set`);
    return [...sizes.counts];
  }
  for (const f of sizes.fractions) if (!(f >= 0 && f <= 1)) throw new RangeError(`split fractions must lie in [0, 1], got ${f}`);
  const sumF = sizes.fractions.reduce((a, b) => a + b, 0);
  if (sumF > 1 + 1e-9) throw new RangeError(`split fractions sum to ${sumF}, more than 1`);
  // Largest remainder, so fractions summing to 1 cover the set exactly.
  const total = Math.min(n, Math.round(sumF * n));
  const raw = sizes.fractions.map((f) => f * n);
  const out = raw.map(Math.floor);
  const order = raw.map((r, k) => ({ k, rem: r - Math.floor(r) })).sort((a, b) => b.rem - a.rem || a.k - b.k);
  let left = total - out.reduce((a, b) => a + b, 0);
  for (const { k } of order) {
    if (left <= 0) break;
    out[k] = (out[k] ?? 0) + 1;
    left--;
  }
  return out;
}

/**
 * How many images of each class go to each part: `n_c·T_k/N` rounded down
 * or up so that every class total and every part total come out exact.
 * Such a rounding always exists (the fractional parts form a transportation
 * problem with integer margins, whose polytope has integral vertices); a
 * max-flow finds one, and the seeded node order decides which cells round up.
 */
function allocate(classCounts: readonly number[], targets: readonly number[], n: number, rng: () => number): number[][] {
  const C = classCounts.length;
  const K = targets.length;
  const alloc = classCounts.map((nc) => targets.map((t) => (n === 0 ? 0 : Math.floor((nc * t) / n))));
  const fractional = classCounts.map((nc) => targets.map((t) => n !== 0 && (nc * t) % n !== 0));
  const rowNeed = classCounts.map((nc, c) => nc - (alloc[c] ?? []).reduce((a, b) => a + b, 0));
  const colNeed = targets.map((t, k) => t - alloc.reduce((a, row) => a + (row[k] ?? 0), 0));
  // Nodes: 0 source, 1..C classes, C+1..C+K parts, C+K+1 sink.
  const V = C + K + 2;
  const sink = V - 1;
  const cap = Array.from({ length: V }, () => new Int32Array(V));
  for (let c = 0; c < C; c++) {
    (cap[0] as Int32Array)[1 + c] = rowNeed[c] ?? 0;
    for (let k = 0; k < K; k++) if (fractional[c]?.[k]) (cap[1 + c] as Int32Array)[1 + C + k] = 1;
  }
  for (let k = 0; k < K; k++) (cap[1 + C + k] as Int32Array)[sink] = colNeed[k] ?? 0;
  const visitOrder = shuffle(Array.from({ length: V }, (_, i) => i), rng);
  const need = rowNeed.reduce((a, b) => a + b, 0);
  let flow = 0;
  const prev = new Int32Array(V);
  while (flow < need) {
    prev.fill(-1);
    prev[0] = 0;
    const queue = [0];
    for (let qi = 0; qi < queue.length && (prev[sink] ?? -1) < 0; qi++) {
      const u = queue[qi] as number;
      const capU = cap[u] as Int32Array;
      for (const v of visitOrder) {
        if ((prev[v] ?? 0) < 0 && (capU[v] ?? 0) > 0) {
          prev[v] = u;
          queue.push(v);
        }
      }
    }
    if ((prev[sink] ?? -1) < 0) throw new Error('internal: no stratified allocation found (cannot happen for integer margins)');
    for (let v = sink; v !== 0; ) {
      const u = prev[v] as number;
      (cap[u] as Int32Array)[v] = ((cap[u] as Int32Array)[v] ?? 0) - 1;
      (cap[v] as Int32Array)[u] = ((cap[v] as Int32Array)[u] ?? 0) + 1;
      v = u;
    }
    flow++;
  }
  for (let c = 0; c < C; c++) {
    const row = alloc[c] as number[];
    // A unit of flow through class→part shows as residual capacity on the reverse edge.
    for (let k = 0; k < K; k++) if (fractional[c]?.[k] && ((cap[1 + C + k] as Int32Array)[1 + c] ?? 0) > 0) row[k] = (row[k] ?? 0) + 1;
  }
  return alloc;
}

/**
 * Splits `set` into disjoint parts of the given sizes, each holding every
 * class in the set's proportion (within ±1 image per class). Returns one
 * ascending index array per requested part; when the sizes add up to the
 * whole set the parts cover it. Same seed, same parts.
 */
export function stratifiedSplit(set: Labelled, sizes: SplitSizes, seed: string | number): Uint32Array[] {
  const n = set.count;
  const rng = rngFor(seed);
  const targets = targetCounts(sizes, n);
  const used = targets.reduce((a, b) => a + b, 0);
  const byClass: number[][] = Array.from({ length: set.classes }, () => []);
  for (let i = 0; i < n; i++) {
    const l = set.labels[i] ?? 0;
    const bucket = byClass[l];
    if (!bucket) throw new RangeError(`${set.name ?? 'set'}: label ${l} at index ${i} is not below classes = ${set.classes}`);
    bucket.push(i);
  }
  // The unrequested remainder is an implicit last part, so class totals are exact too.
  const alloc = allocate(
    byClass.map((b) => b.length),
    [...targets, n - used],
    n,
    rng,
  );
  const parts = targets.map((t) => new Uint32Array(t));
  const filled = targets.map(() => 0);
  byClass.forEach((members, c) => {
    shuffle(members, rng);
    let from = 0;
    targets.forEach((_, k) => {
      const take = alloc[c]?.[k] ?? 0;
      const part = parts[k] as Uint32Array;
      part.set(members.slice(from, from + take), filled[k]);
      filled[k] = (filled[k] ?? 0) + take;
      from += take;
    });
  });
  // Ascending keeps the source's own (already shuffled) order; batch order is the trainer's job.
  for (const p of parts) p.sort();
  return parts;
}

/** A new set holding the given images, in the given order (copied, so the source can be dropped). */
export function subset(set: ImageSet, indices: ArrayLike<number>, name = `${set.name}[${indices.length}]`): ImageSet {
  const size = imageSize(set);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j] as number;
    if (!Number.isInteger(i) || i < 0 || i >= set.count) throw new RangeError(`${set.name}: index ${i} out of range 0..${set.count - 1}`);
    images.set(set.images.subarray(i * size, (i + 1) * size), j * size);
    labels[j] = set.labels[i] ?? 0;
  }
  return { ...set, images, labels, count: indices.length, name };
}

/** Positions of the `n` images `subsample` draws (reading only the labels); every position, in order, when n ≥ count. */
export function subsampleIndices(set: Labelled, n: number, seed: string | number): Uint32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`subsample size must be a non-negative integer, got ${n}`);
  if (n >= set.count) return Uint32Array.from({ length: set.count }, (_, i) => i);
  const [indices = new Uint32Array(0)] = stratifiedSplit(set, { counts: [n] }, seed);
  return indices;
}

/** `n` images drawn stratified from `set` (all of it when n ≥ count). */
export function subsample(set: ImageSet, n: number, seed: string | number): ImageSet {
  // The whole set is returned as it is (no copy); subsampleIndices checks n.
  if (Number.isInteger(n) && n >= set.count) return set;
  return subset(set, subsampleIndices(set, n, seed), `${set.name}[subsample ${n}, seed ${seed}]`);
}

/**
 * The official training set cut into the part a rule trains on and the
 * fitness part it is scored on, both stratified; together they cover it.
 */
export function splitTrainFitness(
  set: ImageSet,
  fitness: { readonly fraction: number } | { readonly count: number },
  seed: string | number,
): { train: ImageSet; fitness: ImageSet } {
  const indices = trainFitnessIndices(set, fitness, seed);
  return { train: subset(set, indices.train, `${set.name}[train, seed ${seed}]`), fitness: subset(set, indices.fitness, `${set.name}[fitness, seed ${seed}]`) };
}

/** The indices `splitTrainFitness` cuts: the fitness part's draw, and every other index in order. */
export function trainFitnessIndices(
  set: Labelled,
  fitness: { readonly fraction: number } | { readonly count: number },
  seed: string | number,
): { train: Uint32Array; fitness: Uint32Array } {
  const sizes: SplitSizes = 'count' in fitness ? { counts: [fitness.count] } : { fractions: [fitness.fraction] };
  const [fit = new Uint32Array(0)] = stratifiedSplit(set, sizes, seed);
  const inFitness = new Uint8Array(set.count);
  for (const i of fit) inFitness[i] = 1;
  const rest = new Uint32Array(set.count - fit.length);
  for (let i = 0, r = 0; i < set.count; i++) if (!inFitness[i]) rest[r++] = i;
  return { train: rest, fitness: fit };
}
