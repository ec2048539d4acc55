/**
 * Classic epoch schedules: constant, step decay, exponential decay, cosine
 * annealing (Loshchilov & Hutter's SGDR, with or without warm restarts of a
 * fixed period). They start from the run's initial rate lr0.
 */
import type { Signals } from '../grammar/interpreter.js';
import type { Schedule } from '../schedule/schedule.js';
import { lit, scalar } from './params.js';
import type { DlrBaseline, ParamSpec, ParamValues } from './types.js';

/** An epoch schedule given in closed form. */
function closedForm(f: (s: Signals) => number): () => Schedule {
  return () => ({
    granularity: 'epoch',
    hasAcceptance: false,
    rate: (s) => f(s),
    acceptance: () => {
      throw new Error('this schedule has no acceptance clause');
    },
  });
}

function classic(
  name: string,
  title: string,
  description: string,
  reference: string,
  params: readonly ParamSpec[],
  ruleText: (p: ParamValues) => string,
  hand: (p: ParamValues) => (s: Signals) => number,
): DlrBaseline {
  return {
    name,
    title,
    description,
    reference,
    variant: 'dlr',
    granularity: 'epoch',
    optimizer: 'sgd',
    params,
    ruleText,
    handCoded: (p) => closedForm(hand(p))(),
  };
}

const lr0 = (s: Signals): number => s.lr0 as number;
const epoch = (s: Signals): number => s.epoch as number;

export const CONSTANT = classic('constant', 'Constant rate', 'The initial rate throughout.', 'baseline', [], () => 'epoch: lr0', () => lr0);

export const STEP_DECAY = classic(
  'step_decay',
  'Step decay',
  'lr0 · drop^floor(epoch / every).',
  'common practice (e.g. Keras and PyTorch StepLR)',
  [
    { name: 'drop', description: 'factor applied every `every` epochs', default: 0.5, min: 0, exclusiveMin: true, max: 1 },
    { name: 'every', description: 'epochs between drops; 0 (the default): relative to the budget, `drops` drops spread evenly over it (the usual fixed value is 10)', default: 0, min: 0, integer: true },
    { name: 'drops', description: 'drops within the budget, when every is 0', default: 2, min: 1, integer: true },
  ],
  (p) => `epoch: lr0 * pow(${lit(scalar(p, 'drop'))}, ${dropsSoFarText(p)})`,
  (p) => (s) => lr0(s) * scalar(p, 'drop') ** dropsSoFar(p, s),
);

/** Drops taken by `epoch`: every `every` epochs, or, by default, at each (drops + 1)-th of the budget's epochs. */
function dropsSoFar(p: ParamValues, s: Signals): number {
  const every = scalar(p, 'every');
  return every > 0 ? Math.floor(epoch(s) / every) : Math.floor((epoch(s) * (scalar(p, 'drops') + 1)) / (s.epochs as number));
}

function dropsSoFarText(p: ParamValues): string {
  const every = scalar(p, 'every');
  return every > 0 ? `floor(epoch / ${lit(every)})` : `floor(epoch * ${lit(scalar(p, 'drops') + 1)} / epochs)`;
}

export const EXPONENTIAL = classic(
  'exponential',
  'Exponential decay',
  'lr0 · γ^epoch.',
  'common practice (e.g. PyTorch ExponentialLR)',
  [{ name: 'gamma', description: 'factor per epoch', default: 0.95, min: 0, exclusiveMin: true, max: 1 }],
  (p) => `epoch: lr0 * pow(${lit(scalar(p, 'gamma'))}, epoch)`,
  (p) => (s) => lr0(s) * scalar(p, 'gamma') ** epoch(s),
);

const MIN_LR: ParamSpec = { name: 'min_lr', description: 'rate at the bottom of the cosine', default: 0, min: 0 };

/**
 * min_lr + ½(lr0 − min_lr)·wave as rule text. With min_lr 0 (the default) it
 * is written ½·lr0·wave — the same doubles, since lr0 − 0 and 0 + x are exact
 * — so that the rule reads as lr0 times a factor and rate-relative grammars
 * derive it as such; a positive min_lr is an absolute rate.
 */
function withFloor(minLr: number, wave: string): string {
  if (minLr === 0) return `epoch: 0.5 * lr0 * ${wave}`;
  const m = lit(minLr);
  return `epoch: ${m} + 0.5 * (lr0 - ${m}) * ${wave}`;
}
const PI = lit(Math.PI);

export const COSINE = classic(
  'cosine',
  'Cosine annealing',
  'min_lr + (lr0 − min_lr)·(1 + cos(π·epoch/epochs))/2 over the whole budget.',
  'Loshchilov, Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017',
  [MIN_LR],
  (p) => withFloor(scalar(p, 'min_lr'), `(1 + cos(${PI} * epoch / epochs))`),
  (p) => (s) => {
    const m = scalar(p, 'min_lr');
    return m + 0.5 * (lr0(s) - m) * (1 + Math.cos((Math.PI * epoch(s)) / (s.epochs as number)));
  },
);

export const COSINE_RESTARTS = classic(
  'cosine_restarts',
  'Cosine annealing with warm restarts',
  'Cosine from lr0 down to min_lr over `period` epochs, then back to lr0 (restart), repeating.',
  'Loshchilov, Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017 (T_mult = 1)',
  [
    MIN_LR,
    { name: 'period', description: 'epochs per restart cycle (T_0); 0 (the default): relative to the budget, `cycles` cycles over its epochs (SGDR often used 10)', default: 0, min: 0, integer: true },
    { name: 'cycles', description: 'restart cycles over the budget, when period is 0', default: 3, min: 1, integer: true },
  ],
  (p) => {
    const t = periodText(p);
    return withFloor(scalar(p, 'min_lr'), `(1 + cos(${PI} * (epoch - ${t} * floor(epoch / ${t})) / ${t}))`);
  },
  (p) => (s) => {
    const m = scalar(p, 'min_lr');
    const fixed = scalar(p, 'period');
    const period = fixed > 0 ? fixed : (s.epochs as number) / scalar(p, 'cycles');
    // As the rule text computes it (not with %), so both round alike at a fractional period.
    const sinceRestart = epoch(s) - period * Math.floor(epoch(s) / period);
    return m + 0.5 * (lr0(s) - m) * (1 + Math.cos((Math.PI * sinceRestart) / period));
  },
);

function periodText(p: ParamValues): string {
  const fixed = scalar(p, 'period');
  return fixed > 0 ? lit(fixed) : `(epochs / ${lit(scalar(p, 'cycles'))})`;
}
