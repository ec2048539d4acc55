/**
 * SGD-SA — Fischetti, Stringher, "Embedding Simulated Annealing within
 * Stochastic Gradient Descent", Algorithm 2.
 *
 * For every minibatch: draw η uniformly from the set H, take the tentative
 * step w − η∇L, evaluate the loss again on the same minibatch, and keep the
 * step with probability exp(−(L_new − L_old) / T) (always when the loss
 * fell); after each epoch T ← α·T. The hand-coded version keeps T as state and
 * cools it epoch by epoch; the rule text writes T = T0·α^epoch in closed form.
 *
 * T never reaches exactly zero: it bottoms out at the smallest positive double,
 * where every uphill step is refused (exp(−Δ/T) = 0) and every downhill one
 * kept — the frozen limit of annealing. A T of exactly zero would instead hit
 * the language's protected division, which is not what the algorithm means.
 */
import type { Signals } from '../grammar/interpreter.js';
import { drawIndex, type RandomSource } from '../grammar/semantics.js';
import type { Schedule } from '../schedule/schedule.js';
import { list, lit, scalar } from './params.js';
import type { DlrBaseline, ParamValues } from './types.js';

class SgdSaSchedule implements Schedule {
  readonly granularity = 'step';
  readonly hasAcceptance = true;
  private temperature: number;
  private epoch = 0;

  constructor(
    private readonly rates: readonly number[],
    t0: number,
    private readonly cooling: number,
  ) {
    this.temperature = t0;
  }

  rate(s: Signals, rng: RandomSource): number {
    while (this.epoch < (s.epoch as number)) {
      this.temperature = Math.max(this.temperature * this.cooling, Number.MIN_VALUE);
      this.epoch++;
    }
    return this.rates[drawIndex(rng, this.rates.length)] as number;
  }

  /** Metropolis: a step that lowers the loss gives a probability ≥ 1, i.e. always kept. */
  acceptance(s: Signals): number {
    return Math.exp(-(s.dloss as number) / this.temperature);
  }
}

export const SGD_SA: DlrBaseline = {
  name: 'sgd_sa',
  title: 'SGD-SA: simulated annealing inside SGD',
  description:
    'Per step, a rate drawn uniformly from H and a tentative step kept with the Metropolis probability exp(−Δloss/T) on the same minibatch; T cools by α each epoch.',
  reference: 'Fischetti, Stringher, "Embedding Simulated Annealing within Stochastic Gradient Descent", Algorithm 2',
  variant: 'dlr',
  granularity: 'step',
  optimizer: 'sgd',
  params: [
    { name: 't0', description: 'initial temperature T0', default: 1, min: 1e-9 },
    { name: 'cooling', description: 'temperature factor α applied after each epoch', default: 0.8, min: 0, exclusiveMin: true, max: 1 },
    {
      name: 'rates',
      description: 'the set H of learning rates drawn from',
      default: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.09, 0.08, 0.07, 0.06, 0.05],
      min: 0,
      exclusiveMin: true,
    },
  ],
  ruleText: (p: ParamValues) =>
    `step: choice(${list(p, 'rates').map(lit).join(', ')}); accept: exp(-dloss / max(${lit(scalar(p, 't0'))} * pow(${lit(scalar(p, 'cooling'))}, epoch), ${lit(Number.MIN_VALUE)}))`,
  handCoded: (p: ParamValues) => new SgdSaSchedule(list(p, 'rates'), scalar(p, 't0'), scalar(p, 'cooling')),
};
