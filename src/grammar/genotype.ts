/**
 * Structured Grammatical Evolution (SGE) genotypes and the genotype → rule
 * mapping.
 *
 * A genotype holds one gene per nonterminal: the list of production choices
 * ("codons") made each time that nonterminal is expanded, in expansion order,
 * and the values of the real-valued constant slots its productions contain.
 * Mapping expands the start symbol depth-first, left to right, reading the
 * next codon of each nonterminal as it goes. The derived text is then parsed
 * by the rule parser: the parser is the only road from text to a rule.
 *
 * Depth control: a production is allowed at depth d only if its shortest
 * completion fits under the grammar's depth limit, which bounds direct and
 * indirect recursion alike. A codon that names a production not allowed where
 * it is read (after crossover or mutation) is repaired to
 * `allowed[codon mod |allowed|]`; a gene that runs out is extended with random
 * choices, whose subtrees are kept within %init-depth levels. The mapping returns the repaired genotype holding exactly the
 * codons it used, so genotype and rule always agree.
 */
import type { Rule } from './ast.js';
import type { Grammar, GrammarSymbol } from './bnf.js';
import { parseRule, RuleSyntaxError } from './parser.js';
import type { RandomSource } from './semantics.js';

export interface Gene {
  readonly codons: readonly number[];
  readonly reals: readonly number[];
}

/** One gene per nonterminal; a nonterminal never expanded may be absent. */
export type Genotype = Readonly<Record<string, Gene>>;

export interface MapOptions {
  /** Overrides the grammar's %max-depth. */
  readonly maxDepth?: number;
  /** Needed when the genotype may run out of codons; without it running out is an error. */
  readonly rng?: RandomSource;
  /** Cap on nonterminal expansions, so bloated genotypes fail fast instead of building huge rules. */
  readonly maxExpansions?: number;
}

export interface Mapped {
  readonly rule: Rule;
  readonly text: string;
  /** The genotype as used: repaired codons, extensions included, unused tails dropped. */
  readonly genotype: Genotype;
  /** Depth of the derivation tree. */
  readonly depth: number;
  readonly expansions: number;
}

export const DEFAULT_MAX_EXPANSIONS = 4000;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** A uniform integer in [0, n). */
export function randomIndex(rng: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(rng.uniform() * n));
}

/**
 * A random value for a real slot, rounded to 3 significant digits: the value
 * space stays continuous under mutation, but fresh constants read well.
 */
export function randomReal(rng: RandomSource, slot: Extract<GrammarSymbol, { kind: 'real' }>): number {
  const u = rng.uniform();
  const x = slot.log ? Math.exp(Math.log(slot.lo) + u * (Math.log(slot.hi) - Math.log(slot.lo))) : slot.lo + u * (slot.hi - slot.lo);
  return Number(x.toPrecision(3));
}

/** Productions of `nt` allowed at depth `d` under `maxDepth`. */
export function allowedProductions(g: Grammar, nt: string, d: number, maxDepth: number): number[] {
  const depths = g.productionDepth.get(nt) as readonly number[];
  const out: number[] = [];
  depths.forEach((need, i) => {
    if (d - 1 + need <= maxDepth) out.push(i);
  });
  return out;
}

/** Real values print so they read back exactly; negatives are parenthesised to sit safely after any operator. */
export function realText(v: number): string {
  if (!Number.isFinite(v)) throw new MappingError(`a real slot holds the non-finite value ${v}`);
  if (v < 0 || Object.is(v, -0)) return `(${Object.is(v, -0) ? '-0' : String(v)})`;
  return String(v);
}

/** Maps a genotype to its rule. Throws MappingError when no valid rule comes out. */
export function mapGenotype(g: Grammar, genotype: Genotype, options: MapOptions = {}): Mapped {
  const maxDepth = options.maxDepth ?? g.maxDepth;
  const maxExpansions = options.maxExpansions ?? DEFAULT_MAX_EXPANSIONS;
  const used = new Map<string, { codons: number[]; reals: number[] }>();
  const read = new Map<string, { codon: number; real: number }>();
  const parts: string[] = [];
  let expansions = 0;
  let deepest = 0;

  /**
   * The next production of `nt` at depth `d` under the depth `limit` in force.
   * A codon drawn to extend a gene that ran out starts a random subtree, which
   * must stay as small as a fresh individual's: it and everything below it get
   * the limit d + initDepth − 1 (inherited, so it cannot creep down the tree).
   * Without it, extensions grew uniform random subtrees all the way to
   * %max-depth — thousands of nodes.
   */
  const nextCodon = (nt: string, d: number, limit: number): { codon: number; limit: number } => {
    const pos = read.get(nt) ?? { codon: 0, real: 0 };
    read.set(nt, pos);
    const source = genotype[nt]?.codons;
    let codon: number;
    let next = limit;
    if (source !== undefined && pos.codon < source.length) {
      const allowed = allowedProductions(g, nt, d, limit);
      if (allowed.length === 0) throw new MappingError(`<${nt}> cannot be finished within depth ${limit}`);
      codon = source[pos.codon] as number;
      if (!allowed.includes(codon)) codon = allowed[((codon % allowed.length) + allowed.length) % allowed.length] as number;
    } else if (options.rng) {
      next = Math.max(Math.min(limit, d + g.initDepth - 1), d - 1 + (g.minDepth.get(nt) as number));
      const allowed = allowedProductions(g, nt, d, next);
      if (allowed.length === 0) throw new MappingError(`<${nt}> cannot be finished within depth ${limit}`);
      codon = allowed[randomIndex(options.rng, allowed.length)] as number;
    } else {
      throw new MappingError(`the genotype has too few codons for <${nt}> and no random stream was given to extend it`);
    }
    pos.codon++;
    gene(nt).codons.push(codon);
    return { codon, limit: next };
  };

  const nextReal = (nt: string, slot: Extract<GrammarSymbol, { kind: 'real' }>): number => {
    const pos = read.get(nt) as { codon: number; real: number };
    const source = genotype[nt]?.reals;
    let value: number;
    if (source !== undefined && pos.real < source.length) value = source[pos.real] as number;
    else if (options.rng) value = randomReal(options.rng, slot);
    else throw new MappingError(`the genotype has too few constants for <${nt}> and no random stream was given to extend it`);
    pos.real++;
    gene(nt).reals.push(value);
    return value;
  };

  const gene = (nt: string): { codons: number[]; reals: number[] } => {
    let gn = used.get(nt);
    if (!gn) {
      gn = { codons: [], reals: [] };
      used.set(nt, gn);
    }
    return gn;
  };

  const expand = (nt: string, d: number, limit: number): void => {
    if (++expansions > maxExpansions) throw new MappingError(`the derivation needs more than ${maxExpansions} expansions`);
    if (d > deepest) deepest = d;
    const chosen = nextCodon(nt, d, limit);
    const production = (g.productions.get(nt) as readonly { symbols: readonly GrammarSymbol[] }[])[chosen.codon];
    for (const symbol of production?.symbols ?? []) {
      if (symbol.kind === 'text') parts.push(symbol.text);
      else if (symbol.kind === 'real') parts.push(realText(nextReal(nt, symbol)));
      else expand(symbol.name, d + 1, chosen.limit);
    }
  };

  expand(g.start, 1, maxDepth);
  const text = parts.join('');
  let rule: Rule;
  try {
    rule = parseRule(text, g.variant);
  } catch (err) {
    if (err instanceof RuleSyntaxError) {
      throw new MappingError(`the grammar derived text that is not a valid ${g.variant} rule (${err.reason}): ${text.slice(0, 200)}`);
    }
    throw err;
  }
  const out: Record<string, Gene> = {};
  for (const nt of g.nonterminals) {
    const gn = used.get(nt);
    if (gn) out[nt] = gn;
  }
  return { rule, text, genotype: out, depth: deepest, expansions };
}

/**
 * A random individual: every choice drawn uniformly among the productions
 * allowed under the grammar's %init-depth (so it also maps unchanged under the
 * larger %max-depth).
 */
export function randomGenotype(g: Grammar, rng: RandomSource, initDepth: number = g.initDepth): Mapped {
  return mapGenotype(g, {}, { rng, maxDepth: initDepth });
}
