/**
 * DLRS — Dharanalakota, Raikar, Ghosh, "Improving Neural Network Training
 * using Dynamic Learning Rate Schedule for PINNs and Image Classification"
 * (2025), Algorithm 1.
 *
 * Once per epoch, from the epoch's minibatch losses L(1..B): the normalised
 * slope ΔL = (L(B) − L(1)) / L̄, the decade of the rate n = floor(log10 α), and
 * a step δ chosen by regime (loss rising fast, flat-to-rising, falling); then
 * α ← α − 10ⁿ · δ · ΔL. A falling loss (ΔL < 0) raises the rate, a rising one
 * lowers it, each by a step sized to the rate's own decade.
 *
 * When α would reach zero or below (a loss that rises sharply within one
 * epoch), the paper gives no rule; we keep the algorithm as written, so the
 * rate becomes ≤ 0 and the training loop stops the run with the reason
 * "learning rate not positive", as it does for any rule.
 */
import type { Signals } from '../grammar/interpreter.js';
import type { Schedule } from '../schedule/schedule.js';
import { lit, scalar } from './params.js';
import type { DlrBaseline, ParamValues } from './types.js';

class DlrsSchedule implements Schedule {
  readonly granularity = 'epoch';
  readonly hasAcceptance = false;
  private alpha: number | undefined;

  constructor(
    private readonly deltaD: number,
    private readonly deltaO: number,
    private readonly deltaI: number,
  ) {}

  rate(s: Signals): number {
    const alpha = this.alpha ?? (s.lr0 as number);
    const meanLoss = s.loss as number; // L̄ of the epoch just finished
    const slope = ((s.loss_last as number) - (s.loss_first as number)) / meanLoss;
    const n = Math.floor(Math.log10(alpha));
    let delta: number;
    if (slope > 1) delta = this.deltaD;
    else if (slope >= 0) delta = this.deltaO;
    else delta = this.deltaI;
    this.alpha = alpha - 10 ** n * delta * slope;
    return this.alpha;
  }

  acceptance(): number {
    throw new Error('DLRS has no acceptance clause');
  }
}

const slope = '(loss_last - loss_first) / loss';

export const DLRS: DlrBaseline = {
  name: 'dlrs',
  title: 'DLRS: loss-slope dynamic schedule',
  description:
    'Per epoch, moves the rate against the normalised slope of the minibatch losses, by a step sized to the rate\'s decade (α ← α − 10^floor(log10 α)·δ·ΔL). A rate driven to ≤ 0 stops the run.',
  reference: 'Dharanalakota, Raikar, Ghosh, "Improving Neural Network Training using Dynamic Learning Rate Schedule for PINNs and Image Classification", 2025, Algorithm 1',
  variant: 'dlr',
  granularity: 'epoch',
  optimizer: 'adam',
  params: [
    { name: 'delta_d', description: 'step factor when ΔL > 1 (loss rising fast)', default: 0.5, min: 0, exclusiveMin: true },
    { name: 'delta_o', description: 'step factor when 0 ≤ ΔL ≤ 1', default: 1, min: 0, exclusiveMin: true },
    { name: 'delta_i', description: 'step factor when ΔL < 0 (loss falling)', default: 0.1, min: 0, exclusiveMin: true },
  ],
  ruleText: (p: ParamValues) =>
    `epoch: lr - pow(10, floor(log10(lr))) * (${slope} > 1 ? ${lit(scalar(p, 'delta_d'))} : ${slope} >= 0 ? ${lit(scalar(p, 'delta_o'))} : ${lit(scalar(p, 'delta_i'))}) * (${slope})`,
  handCoded: (p: ParamValues) => new DlrsSchedule(scalar(p, 'delta_d'), scalar(p, 'delta_o'), scalar(p, 'delta_i')),
};
