/**
 * Budget-aware schedules: their shape is stretched over the run's whole
 * budget, so they act within any number of steps, and they anneal (to zero,
 * or nearly) by its end — what wins at small budgets (Li, Yumer, Ramanan,
 * "Budgeted Training: Rethinking Deep Neural Network Training Under Resource
 * Constraints", ICLR 2020; Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted
 * Training with an Improved Schedule", MLSys 2022).
 *
 * Per step, with t the steps already taken (0 for the first step) and
 * T = epochs · steps_per_epoch the run's total steps; every rate is lr0 times
 * a unitless factor, so each scales with lr0.
 */
import type { Signals } from '../grammar/interpreter.js';
import type { Schedule } from '../schedule/schedule.js';
import { pdiv } from '../grammar/semantics.js';
import { lit, scalar } from './params.js';
import type { DlrBaseline, ParamSpec, ParamValues } from './types.js';

/** T as rule text. */
const TOTAL = '(epochs * steps_per_epoch)';
const PI = lit(Math.PI);

function progress(s: Signals): { t: number; total: number } {
  return { t: s.step as number, total: (s.epochs as number) * (s.steps_per_epoch as number) };
}

function budgeted(
  name: string,
  title: string,
  description: string,
  reference: string,
  params: readonly ParamSpec[],
  ruleText: (p: ParamValues) => string,
  factor: (p: ParamValues, t: number, total: number) => number,
): DlrBaseline {
  return {
    name,
    title,
    description,
    reference,
    variant: 'dlr',
    granularity: 'step',
    optimizer: 'sgd',
    params,
    ruleText: (p) => `step: ${ruleText(p)}`,
    handCoded: (p): Schedule => ({
      granularity: 'step',
      hasAcceptance: false,
      rate: (s) => {
        const { t, total } = progress(s);
        return (s.lr0 as number) * factor(p, t, total);
      },
      acceptance: () => {
        throw new Error(`${name} has no acceptance clause`);
      },
    }),
  };
}

export const LINEAR_DECAY = budgeted(
  'linear_decay',
  'Linear decay to zero',
  'lr0 · (1 − t/T): straight down to 0 at the end of the budget.',
  "Li et al., \"Budgeted Training\", ICLR 2020 (as PyTorch's LinearLR(start_factor=1, end_factor=0, total_iters=T))",
  [],
  () => `lr0 * (1 - step / ${TOTAL})`,
  (_p, t, total) => 1 - t / total,
);

export const REX = budgeted(
  'rex',
  'REX',
  'lr0 · (1 − p) / (½ + ½(1 − p)), p = t/T: stays high longer than linear decay, then drops to 0.',
  'Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted Training with an Improved Schedule", MLSys 2022',
  [],
  () => `lr0 * (1 - step / ${TOTAL}) / (0.5 + 0.5 * (1 - step / ${TOTAL}))`,
  (_p, t, total) => {
    const p = t / total;
    return (1 - p) / (0.5 + 0.5 * (1 - p));
  },
);

const ONE_CYCLE_PARAMS: readonly ParamSpec[] = [
  { name: 'pct_start', description: 'share of the steps spent rising to lr0', default: 0.3, min: 0, exclusiveMin: true, max: 1, exclusiveMax: true },
  { name: 'div_factor', description: 'the first rate is lr0 / div_factor', default: 25, min: 1 },
  { name: 'final_div_factor', description: 'the last rate is lr0 / div_factor / final_div_factor', default: 1e4, min: 1 },
];

/** Cosine interpolation from `from` (at pct 0) to `to` (at pct 1), as PyTorch's OneCycleLR anneals. */
function cosineAnneal(from: number, to: number, pct: number): number {
  return to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
}

export const ONE_CYCLE = budgeted(
  'one_cycle',
  'One-cycle',
  'Cosine up from lr0/div_factor to lr0 over the first pct_start of the steps, then cosine down to lr0/(div_factor·final_div_factor) at the last step.',
  "Smith, Topin, \"Super-Convergence\", 2019 (as PyTorch's OneCycleLR(max_lr=lr0, total_steps=T, anneal_strategy='cos', cycle_momentum=False))",
  ONE_CYCLE_PARAMS,
  (p) => {
    // PyTorch's phases end at steps pct_start·T − 1 and T − 1; the rate is a factor of lr0 in both.
    const rise = `(${lit(scalar(p, 'pct_start'))} * ${TOTAL} - 1)`;
    const first = lit(1 / scalar(p, 'div_factor'));
    const last = lit(1 / scalar(p, 'div_factor') / scalar(p, 'final_div_factor'));
    const up = `1 + (${first} - 1) / 2 * (cos(${PI} * step / ${rise}) + 1)`;
    const down = `${last} + (1 - ${last}) / 2 * (cos(${PI} * (step - ${rise}) / (${TOTAL} - 1 - ${rise})) + 1)`;
    return `lr0 * (step <= ${rise} ? ${up} : ${down})`;
  },
  (p, t, total) => {
    const rise = scalar(p, 'pct_start') * total - 1;
    const first = 1 / scalar(p, 'div_factor');
    const last = first / scalar(p, 'final_div_factor');
    // Protected division as in the rule text: a rise of zero length (pct_start·T = 1) starts at lr0/div_factor.
    return t <= rise ? cosineAnneal(first, 1, pdiv(t, rise)) : cosineAnneal(1, last, (t - rise) / (total - 1 - rise));
  },
);

export const WARMUP_COSINE = budgeted(
  'warmup_cosine',
  'Linear warm-up, then cosine',
  'lr0 · min(1, (t+1)/W) for the first W = warmup·T steps, then lr0 · ½(1 + cos(π(t − W)/(T − W))) down to 0 at the end.',
  'Goyal et al., "Accurate, Large Minibatch SGD", 2017 (warm-up); Loshchilov, Hutter, "SGDR", ICLR 2017 (cosine)',
  [{ name: 'warmup', description: 'share of the steps spent warming up (W = warmup·T)', default: 0.05, min: 0, exclusiveMin: true, max: 1, exclusiveMax: true }],
  (p) => {
    const w = `(${lit(scalar(p, 'warmup'))} * ${TOTAL})`;
    return `lr0 * (step < ${w} ? min(1, (step + 1) / ${w}) : 0.5 * (1 + cos(${PI} * (step - ${w}) / (${TOTAL} - ${w}))))`;
  },
  (p, t, total) => {
    const w = scalar(p, 'warmup') * total;
    return t < w ? Math.min(1, (t + 1) / w) : 0.5 * (1 + Math.cos((Math.PI * (t - w)) / (total - w)));
  },
);
