/**
 * Seeding: the known hand-made rules (DLRS, Adam, …) enter the population as
 * ordinary individuals, found by reverse-mapping their rule text onto the
 * campaign's grammar. Evolution then starts from the state of the art
 * instead of having to rediscover it.
 */
import type { Expr, Rule, Variant } from '../grammar/ast.js';
import type { Grammar } from '../grammar/bnf.js';
import { mapGenotype, MappingError } from '../grammar/genotype.js';
import { parseRule } from '../grammar/parser.js';
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
 * The baseline's rule as written, or else its bounded form (`boundedForm`):
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

/**
 * A rule written as a rate times a factor, with the factor clipped: a
 * schedule `lr0 * f` becomes `lr0 * min(1, max(0, f))`, an adaptive update
 * `lr * d` becomes `lr * min(1, max(-1, d))`.
 *
 * For schedules nothing changes wherever f stays within [0, 1], which holds
 * for every decaying shape among the baselines (constant, step, exponential,
 * cosine with or without restarts, linear decay, REX, one-cycle, warm-up
 * cosine; `test/evolution/seeding.test.ts` replays each against its
 * hand-coded rates). For updates the clip acts wherever a weight's
 * direction exceeds 1 in size: never for Adagrad (|g|/√Σg² ≤ 1), rarely for
 * Adam (|m̂|/√v̂ exceeds 1 only while gradients grow), and for SGD and
 * momentum wherever the gradient or its sum exceeds 1 — so the adaptive
 * seeds are their baselines with each weight's step capped at lr.
 *
 * Undefined for a rule that is not a rate times something (CLR adds to lr0,
 * DLRS and ALDVI read lr, SGD-SA gives absolute rates, ADES and Sign
 * ignore lr) or that has an acceptance clause.
 */
export function boundedForm(rule: Rule): Rule | undefined {
  if (rule.variant === 'dlr') {
    if (rule.accept !== undefined) return undefined;
    const f = factorOf(rule.lr, 'lr0');
    return f && { ...rule, lr: times(signal('lr0'), clip(0, f)) };
  }
  const d = factorOf(rule.update, 'lr');
  return d && { ...rule, update: times(signal('lr'), clip(-1, d)) };
}

/**
 * Whether rule text is in a bounded form (`boundedForm`'s shape: the rate
 * lr0 · min(1, max(0, f)), the update lr · min(1, max(-1, d))), which no
 * baseline is written as. Read from the text alone, so it holds for folders
 * written before seeds recorded anything more; text that does not parse is
 * not bounded.
 */
export function isBoundedText(text: string): boolean {
  let rule: Rule;
  try {
    rule = parseRule(text, /^\s*(epoch|step)\s*:/.test(text) ? 'dlr' : 'alr');
  } catch {
    return false;
  }
  const [e, rate, low] = rule.variant === 'dlr' ? [rule.lr, 'lr0', 0] : [rule.update, 'lr', -1];
  if (e.kind !== 'binary' || e.op !== 'mul' || e.left.kind !== 'signal' || e.left.name !== rate) return false;
  const clip = e.right;
  return (
    clip.kind === 'binary' && clip.op === 'min' && isConst(clip.left, 1) &&
    clip.right.kind === 'binary' && clip.right.op === 'max' && isConst(clip.right.left, low)
  );
}

function isConst(e: Expr, value: number): boolean {
  return e.kind === 'const' && e.value === value;
}

/** min(1, max(low, e)). */
function clip(low: number, e: Expr): Expr {
  return { kind: 'binary', op: 'min', left: constant(1), right: { kind: 'binary', op: 'max', left: constant(low), right: e } };
}

/**
 * f such that e = rate · f, read off the products and quotients in which the
 * signal `rate` is a factor (`rate`, `rate * f`, `c * rate * f`,
 * `rate * f / g`); undefined when it is not a factor of e.
 */
function factorOf(e: Expr, rate: string): Expr | undefined {
  if (e.kind === 'signal' && e.name === rate) return constant(1);
  if (e.kind !== 'binary') return undefined;
  if (e.op === 'mul') {
    const left = factorOf(e.left, rate);
    if (left) return timesDroppingOne(left, e.right);
    const right = factorOf(e.right, rate);
    return right ? timesDroppingOne(e.left, right) : undefined;
  }
  if (e.op === 'div') {
    const left = factorOf(e.left, rate);
    return left ? { kind: 'binary', op: 'div', left, right: e.right } : undefined;
  }
  return undefined;
}

function timesDroppingOne(a: Expr, b: Expr): Expr {
  if (a.kind === 'const' && a.value === 1) return b;
  if (b.kind === 'const' && b.value === 1) return a;
  return times(a, b);
}

function times(a: Expr, b: Expr): Expr {
  return { kind: 'binary', op: 'mul', left: a, right: b };
}

function signal(name: string): Expr {
  return { kind: 'signal', name };
}

function constant(value: number): Expr {
  return { kind: 'const', value };
}
