/**
 * A learning-rate schedule as the training loop and the trace replayer drive
 * it: given the signals at an evaluation point, the next rate, and for rules
 * with an acceptance clause the probability of keeping a tentative step.
 * Compiled rules and the hand-coded baselines both have this shape, which is
 * what lets the tests hold one against the other.
 */
import type { DlrRule, Granularity } from '../grammar/ast.js';
import { compileScalar } from '../grammar/compile-scalar.js';
import type { Signals } from '../grammar/interpreter.js';
import type { RandomSource } from '../grammar/semantics.js';

export interface Schedule {
  readonly granularity: Granularity;
  readonly hasAcceptance: boolean;
  /** The rate for the coming epoch (epoch schedules, from epoch 1) or step (step schedules). */
  rate(signals: Signals, rng: RandomSource): number;
  /** Probability of keeping a tentative step (values outside [0, 1] are clamped by the caller). */
  acceptance(signals: Signals, rng: RandomSource): number;
}

/** A schedule running a rule through its compiled closures (stateless: the rule reads `lr` for memory). */
export function scheduleFromRule(rule: DlrRule): Schedule {
  const rate = compileScalar(rule.lr);
  const accept = rule.accept ? compileScalar(rule.accept) : undefined;
  return {
    granularity: rule.granularity,
    hasAcceptance: accept !== undefined,
    rate: (signals, rng) => rate(signals, rng),
    acceptance: (signals, rng) => {
      if (!accept) throw new Error('this rule has no acceptance clause');
      return accept(signals, rng);
    },
  };
}

/** Acceptance decision shared by every driver: one uniform draw per tentative step, kept when below p. */
export function decideAcceptance(probability: number, rng: RandomSource): boolean {
  const u = rng.uniform();
  const p = Number.isNaN(probability) ? 0 : Math.min(1, Math.max(0, probability));
  return u < p;
}
