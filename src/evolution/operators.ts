/**
 * SGE variation and selection operators. Each is a pure function of the
 * grammar, its inputs and the random stream it is handed: the same inputs and
 * stream position give the same output, which is what makes a campaign
 * reproducible and resumable.
 *
 * Operators work on codons and constants only; they never check depth.
 * Depth control, repair of codons that became invalid, and extension of genes
 * that became too short all happen when the result is mapped (`makeValid`),
 * exactly as in SGE.
 */
import type { Grammar } from '../grammar/bnf.js';
import { DEFAULT_MAX_EXPANSIONS, mapGenotype, MappingError, type Gene, type Genotype, type Mapped } from '../grammar/genotype.js';
import type { Evaluated } from './individual.js';
import type { Stream } from '../random/stream.js';

/**
 * Per-nonterminal codon mutation probabilities. The key `'*'` (never a
 * nonterminal name: names are identifiers) is the rate of every nonterminal
 * not listed; without it, unlisted nonterminals do not mutate.
 */
export type MutationRates = Readonly<Record<string, number>>;

/** The key of the default rate in MutationRates. */
export const DEFAULT_RATE_KEY = '*';

/** The floor of the constant-mutation scale: lets zero and tiny constants move at all. */
export const CONSTANT_SCALE_FLOOR = 1e-3;

function checkProbability(p: number, what: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${what} must be a probability in [0, 1], not ${p}`);
}

function copyGene(gene: Gene): Gene {
  return { codons: [...gene.codons], reals: [...gene.reals] };
}

/**
 * Codon mutation (SGE's): each codon of nonterminal NT is, with probability
 * rate(NT), replaced by a uniformly drawn *other* production of NT. Drawing
 * among the other productions (as sge3 does) makes the rate the rate of
 * actual change; a nonterminal with a single production never mutates.
 * Genes are visited in the grammar's nonterminal order so the draws do not
 * depend on how the genotype object happens to be ordered.
 */
export function mutate(g: Grammar, genotype: Genotype, rates: MutationRates, stream: Stream): Genotype {
  for (const [nt, rate] of Object.entries(rates)) checkProbability(rate, `the mutation rate of ${nt === DEFAULT_RATE_KEY ? 'unlisted nonterminals' : `<${nt}>`}`);
  const fallback = rates[DEFAULT_RATE_KEY] ?? 0;
  const out: Record<string, Gene> = {};
  for (const nt of g.nonterminals) {
    const gene = genotype[nt];
    if (gene === undefined) continue;
    const rate = rates[nt] ?? fallback;
    const n = g.productions.get(nt)?.length ?? 0;
    const codons = [...gene.codons];
    if (rate > 0 && n > 1) {
      for (let i = 0; i < codons.length; i++) {
        if (stream.uniform() < rate) {
          const current = codons[i] as number;
          // A codon may be out of range (repair happens at mapping): then any production is "other".
          const inRange = Number.isInteger(current) && current >= 0 && current < n;
          const k = stream.int(inRange ? n - 1 : n);
          codons[i] = inRange && k >= current ? k + 1 : k;
        }
      }
    }
    out[nt] = { codons, reals: [...gene.reals] };
  }
  // Genes of names the grammar does not know are carried, untouched, so the operator never loses data.
  for (const [nt, gene] of Object.entries(genotype)) if (!(nt in out)) out[nt] = copyGene(gene);
  return out;
}

/**
 * Constant mutation: each real value, with `probability`, becomes
 * x + sigma·N(0,1)·max(|x|, floor).
 *
 * Why scale-aware: learning-rate constants span decades (1e-4 rates, 0.9
 * momenta, 1000-step periods). A fixed additive sigma would either wipe out a
 * small constant or never move a large one; scaling the step by |x| makes it
 * a relative change (sigma 0.2 ≈ ±20%), the same at every magnitude. The floor
 * lets 0 (and constants much below it) move at all; its cost is that a
 * constant far below the floor (an epsilon of 1e-8) jumps to the floor's
 * scale when it mutates — pass a smaller `floor` where that matters.
 *
 * A result that overflows keeps the old value (a checkpoint or rule cannot
 * hold a non-finite constant), and -0 becomes 0 (JSON would turn -0 into 0,
 * and a restored campaign must see the same genotype).
 */
export function mutateConstants(genotype: Genotype, probability: number, sigma: number, stream: Stream, floor: number = CONSTANT_SCALE_FLOOR): Genotype {
  checkProbability(probability, 'the constant mutation probability');
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`the constant mutation sigma must be a finite number >= 0, not ${sigma}`);
  const out: Record<string, Gene> = {};
  for (const [nt, gene] of Object.entries(genotype)) {
    const reals = [...gene.reals];
    if (probability > 0) {
      for (let i = 0; i < reals.length; i++) {
        if (stream.uniform() < probability) {
          const x = reals[i] as number;
          const y = x + sigma * stream.normal() * Math.max(Math.abs(x), floor);
          reals[i] = Number.isFinite(y) ? y + 0 : x;
        }
      }
    }
    out[nt] = { codons: [...gene.codons], reals };
  }
  return out;
}

/**
 * SGE's crossover: with `probability`, a uniform per-gene crossover — the
 * child's whole gene for each nonterminal comes from `a` or `b` with 1/2 each
 * (a gene absent from the chosen parent stays absent; mapping extends it).
 * Otherwise the child is a copy of `a`. Exchanging whole genes keeps each
 * nonterminal's choices together, which is what makes SGE's crossover
 * meaningful where GE's one-point crossover of a flat string is not.
 */
export function crossover(a: Genotype, b: Genotype, probability: number, stream: Stream): { child: Genotype; crossed: boolean } {
  checkProbability(probability, 'the crossover probability');
  const copyOf = (x: Genotype): Genotype => Object.fromEntries(Object.entries(x).map(([nt, gene]) => [nt, copyGene(gene)]));
  if (!(stream.uniform() < probability)) return { child: copyOf(a), crossed: false };
  const names = [...Object.keys(a), ...Object.keys(b).filter((nt) => !(nt in a))];
  const child: Record<string, Gene> = {};
  for (const nt of names) {
    const gene = stream.uniform() < 0.5 ? a[nt] : b[nt];
    if (gene !== undefined) child[nt] = copyGene(gene);
  }
  return { child, crossed: true };
}

/**
 * Tournament selection: the fittest of `size` uniform picks, with
 * replacement (higher fitness is better). Ties go to the earlier in the
 * array, so the result does not depend on the order of the picks.
 */
export function tournament(population: readonly Evaluated[], size: number, stream: Stream): Evaluated {
  if (population.length === 0) throw new RangeError('tournament selection needs a non-empty population');
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`the tournament size must be a positive integer, not ${size}`);
  let best = stream.int(population.length);
  for (let k = 1; k < size; k++) {
    const i = stream.int(population.length);
    const fi = (population[i] as Evaluated).fitness;
    const fb = (population[best] as Evaluated).fitness;
    if (fi > fb || (fi === fb && i < best)) best = i;
  }
  return population[best] as Evaluated;
}

/**
 * Maps a varied genotype: invalid codons are repaired, short genes extended
 * from `stream`, and the result holds exactly the codons used (so genotypes do
 * not accumulate dead tails). Undefined when no valid rule comes out: derived
 * text the parser refuses, or a derivation over `maxExpansions` expansions
 * (the strategy passes its size cap here, so oversized children are bred
 * again rather than trained).
 */
export function makeValid(
  g: Grammar,
  genotype: Genotype,
  stream: Stream,
  maxDepth: number = g.maxDepth,
  maxExpansions: number = DEFAULT_MAX_EXPANSIONS,
): Mapped | undefined {
  try {
    return mapGenotype(g, genotype, { rng: stream, maxDepth, maxExpansions });
  } catch (err) {
    if (err instanceof MappingError) return undefined;
    throw err;
  }
}
