/**
 * The baselines registry: name → baseline, in a fixed order (the order they
 * are listed and seeded in).
 */
import type { Rule, Variant } from '../grammar/ast.js';
import { parseRule } from '../grammar/parser.js';
import { ALDVI } from './aldvi.js';
import { CONSTANT, COSINE, COSINE_RESTARTS, EXPONENTIAL, STEP_DECAY } from './classic.js';
import { CLR_EXP_RANGE, CLR_MODIFIED_TRIANGULAR2, CLR_TRIANGULAR, CLR_TRIANGULAR2 } from './clr.js';
import { DLRS } from './dlrs.js';
import { LINEAR_DECAY, ONE_CYCLE, REX, WARMUP_COSINE } from './budgeted.js';
import { ADAGRAD, ADAM, ADES, MOMENTUM, NESTEROV, RMSPROP, SGD, SIGN } from './optimizers.js';
import { resolveParams } from './params.js';
import { SGD_SA } from './sgd-sa.js';
import { BaselineError, type Baseline, type ParamValues } from './types.js';

export const BASELINES: readonly Baseline[] = [
  DLRS,
  ALDVI,
  SGD_SA,
  CLR_TRIANGULAR,
  CLR_TRIANGULAR2,
  CLR_EXP_RANGE,
  CLR_MODIFIED_TRIANGULAR2,
  CONSTANT,
  STEP_DECAY,
  EXPONENTIAL,
  COSINE,
  COSINE_RESTARTS,
  LINEAR_DECAY,
  REX,
  ONE_CYCLE,
  WARMUP_COSINE,
  SGD,
  MOMENTUM,
  NESTEROV,
  ADAM,
  RMSPROP,
  ADAGRAD,
  ADES,
  SIGN,
];

export function baselinesOf(variant: Variant): readonly Baseline[] {
  return BASELINES.filter((b) => b.variant === variant);
}

export function isBaselineName(name: string): boolean {
  return BASELINES.some((b) => b.name === name);
}

/** Looks a baseline up by name; an unknown name gets the list and the nearest match. */
export function getBaseline(name: string): Baseline {
  const found = BASELINES.find((b) => b.name === name);
  if (found) return found;
  const nearest = [...BASELINES].sort((a, b) => editDistance(a.name, name) - editDistance(b.name, name))[0];
  const hint = nearest && editDistance(nearest.name, name) <= 3 ? ` Did you mean "${nearest.name}"?` : '';
  throw new BaselineError(`unknown baseline "${name}".${hint} Known: ${BASELINES.map((b) => b.name).join(', ')}`);
}

/** A baseline's rule, parameters resolved and written in. */
export function baselineRule(baseline: Baseline, params: Readonly<Record<string, unknown>> = {}): { rule: Rule; text: string; params: ParamValues } {
  const resolved = resolveParams(baseline, params);
  const text = baseline.ruleText(resolved);
  return { rule: parseRule(text, baseline.variant), text, params: resolved };
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
