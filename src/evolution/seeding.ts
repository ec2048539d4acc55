/**
 * Seeding: the known hand-made rules (DLRS, Adam, …) enter the population as
 * ordinary individuals, found by reverse-mapping their rule text onto the
 * campaign's grammar. Evolution then starts from the state of the art
 * instead of having to rediscover it.
 */
import type { Rule, Variant } from '../grammar/ast.js';
import type { Grammar } from '../grammar/bnf.js';
import { boundedForm } from '../grammar/bounded.js';
import { mapGenotype, MappingError } from '../grammar/genotype.js';
import { printRule } from '../grammar/printer.js';
import { reverseMap, ReverseMappingError } from '../grammar/reverse.js';
import type { RandomSource } from '../grammar/semantics.js';
import { baselineRule, baselinesOf, getBaseline } from '../baselines/registry.js';
import type { Individual } from './individual.js';
import { InputError } from '../errors.js';

/** A seed list the campaign's grammar or variant cannot take (the user's choice of seeds or grammar). */
export class SeedingError extends InputError {}

const VARIANT_WORD: Record<Variant, string> = { dlr: 'dynamic (dlr)', alr: 'adaptive (alr)' };

/**
 * One individual per chosen baseline (all of the variant by default, in the
 * registry's order), each with origin {kind: 'seed', baseline} and id
 * `seed-<name>` (the strategy gives seeded individuals ids of its own).
 *
 * The stream is accepted so seeding has the operators' shape, but nothing is
 * drawn from it: reverse mapping is deterministic and its genotypes are
 * complete, so seeds never depend on the stream's position.
 *
 * Throws a BaselineError for an unknown name, and a SeedingError for a name
 * listed twice, a baseline of the other variant, or a baseline the grammar
 * cannot derive (naming it, with the reason).
 */
export function seedIndividuals(
  g: Grammar,
  variant: Variant,
  names: readonly string[] | 'all' = 'all',
  _stream?: RandomSource,
  options: { readonly maxDepth?: number } = {},
): Individual[] {
  if (g.variant !== variant) {
    throw new SeedingError(`cannot seed ${VARIANT_WORD[variant]} baselines into the grammar ${g.origin}, which derives ${VARIANT_WORD[g.variant]} rules`);
  }
  const maxDepth = options.maxDepth ?? g.maxDepth;
  const chosen = names === 'all' ? baselinesOf(variant) : names.map((name) => getBaseline(name));
  const seen = new Set<string>();
  const out: Individual[] = [];
  for (const baseline of chosen) {
    if (seen.has(baseline.name)) throw new SeedingError(`the baseline "${baseline.name}" is listed twice among the seeds`);
    seen.add(baseline.name);
    if (baseline.variant !== variant) {
      const others = baselinesOf(variant).map((b) => b.name).join(', ');
      throw new SeedingError(
        `"${baseline.name}" is a ${VARIANT_WORD[baseline.variant]} baseline and cannot seed a ${VARIANT_WORD[variant]} campaign (its baselines: ${others})`,
      );
    }
    const { rule } = baselineRule(baseline);
    try {
      const genotype = reverseMapAsWrittenOrBounded(g, rule, maxDepth);
      const mapped = mapGenotype(g, genotype, { maxDepth });
      out.push({
        id: `seed-${baseline.name}`,
        genotype: mapped.genotype,
        text: printRule(mapped.rule),
        origin: { kind: 'seed', baseline: baseline.name },
        birth: 0,
      });
    } catch (err) {
      if (err instanceof ReverseMappingError || err instanceof MappingError) {
        throw new SeedingError(`the baseline "${baseline.name}" cannot be seeded: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
  return out;
}

/**
 * The baseline's rule as written, or else its bounded form (`boundedForm`,
 * grammar/bounded.ts):
 * a bounded grammar (dlr-shape, alr-shape) derives only rates
 * `lr0 · min(1, max(0, f))` or updates `lr · min(1, max(-1, d))`, which no
 * baseline is written as. When neither derives, the error is the one for the
 * rule as written, with the bounded form's reason added.
 */
function reverseMapAsWrittenOrBounded(g: Grammar, rule: Rule, maxDepth: number) {
  try {
    return reverseMap(g, rule, { maxDepth });
  } catch (asWritten) {
    if (!(asWritten instanceof ReverseMappingError)) throw asWritten;
    const bounded = boundedForm(rule);
    if (!bounded) throw asWritten;
    try {
      return reverseMap(g, bounded, { maxDepth });
    } catch (boundedErr) {
      if (!(boundedErr instanceof ReverseMappingError)) throw boundedErr;
      throw new ReverseMappingError(`${asWritten.message}; nor can its bounded form: ${boundedErr.message}`);
    }
  }
}
