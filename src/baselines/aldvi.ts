/**
 * ALDVI — Bhandari, Hirawat, "Dynamic Learning for Iterative Optimization":
 * once per epoch, η ← η · (1 + α · |A_t − A_{t−1}|) + ε_t, with A the training
 * accuracy and ε_t a seeded normal perturbation of scale σ (0 by default, in
 * which case no random number is drawn).
 */
import type { Signals } from '../grammar/interpreter.js';
import { drawNormal, type RandomSource } from '../grammar/semantics.js';
import type { Schedule } from '../schedule/schedule.js';
import { lit, scalar } from './params.js';
import type { DlrBaseline, ParamValues } from './types.js';

class AldviSchedule implements Schedule {
  readonly granularity = 'epoch';
  readonly hasAcceptance = false;
  private eta: number | undefined;

  constructor(
    private readonly alpha: number,
    private readonly sigma: number,
  ) {}

  rate(s: Signals, rng: RandomSource): number {
    const eta = this.eta ?? (s.lr0 as number);
    const accuracyChange = Math.abs((s.acc as number) - (s.acc_prev as number));
    let next = eta * (1 + this.alpha * accuracyChange);
    if (this.sigma > 0) next += this.sigma * drawNormal(rng);
    this.eta = next;
    return next;
  }

  acceptance(): number {
    throw new Error('ALDVI has no acceptance clause');
  }
}

export const ALDVI: DlrBaseline = {
  name: 'aldvi',
  title: 'ALDVI: accuracy-driven rate growth',
  description: 'Per epoch, scales the rate up by α times the change in training accuracy, plus optional seeded noise of scale σ.',
  reference: 'Bhandari, Hirawat, "Dynamic Learning for Iterative Optimization"',
  variant: 'dlr',
  granularity: 'epoch',
  optimizer: 'sgd',
  params: [
    { name: 'alpha', description: 'gain on the accuracy change (not fixed by the paper; tune it)', default: 1, min: 0 },
    { name: 'sigma', description: 'standard deviation of the noise ε_t added each epoch', default: 0, min: 0 },
  ],
  ruleText: (p: ParamValues) => {
    const base = `epoch: lr * (1 + ${lit(scalar(p, 'alpha'))} * abs(acc - acc_prev))`;
    return scalar(p, 'sigma') > 0 ? `${base} + noise(${lit(scalar(p, 'sigma'))})` : base;
  },
  handCoded: (p: ParamValues) => new AldviSchedule(scalar(p, 'alpha'), scalar(p, 'sigma')),
};
