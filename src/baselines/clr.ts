/**
 * Cyclical learning rates (Smith, "Cyclical Learning Rates for Training
 * Neural Networks", 2017; the four policies as compared in "Cyclical Learning
 * Rates (CLR's) for Improving Training Accuracies and Lowering Computational
 * Cost"). Per step (iteration i, from 0):
 *
 *     cycle = floor(1 + i / (2·step_size))
 *     x     = |i / step_size − 2·cycle + 1|
 *     lr    = base_lr + (max_lr − base_lr) · max(0, 1 − x) · scale
 *
 * with scale 1 (triangular), 1/2^(cycle−1) (triangular2), γ^i (exp_range),
 * and 1/2^((cycle−1) mod K) for modified triangular2: triangular2 for K
 * cycles, then the amplitude resets to the original maximum, repeating.
 *
 * The bounds are relative to the run's starting rate by default: base_lr is
 * lr0 and max_lr is `max_ratio`·lr0 (6, the paper's 0.001 to 0.006). A cycle
 * with absolute bounds ignores lr0, so the protocol's equal lr0 tuning could
 * not tune it and every comparison would hold CLR at one rate while the other
 * baselines got their best; relative bounds make tuning lr0 tune the whole
 * cycle, and at lr0 = 0.001 (Adam's default) the rates are the paper's.
 * Absolute bounds remain: give base_lr (and max_lr) explicitly.
 */
import type { Signals } from '../grammar/interpreter.js';
import type { Schedule } from '../schedule/schedule.js';
import { lit, scalar } from './params.js';
import type { DlrBaseline, ParamSpec, ParamValues } from './types.js';

type Policy = 'triangular' | 'triangular2' | 'exp_range' | 'modified_triangular2';

class ClrSchedule implements Schedule {
  readonly granularity = 'step';
  readonly hasAcceptance = false;

  constructor(
    private readonly policy: Policy,
    private readonly p: ParamValues,
  ) {}

  rate(s: Signals): number {
    const i = s.step as number;
    const { base, max } = bounds(this.p, s.lr0 as number);
    const stepSize = halfCycle(this.p, s);
    const cycle = Math.floor(1 + i / (2 * stepSize));
    const x = Math.abs(i / stepSize - 2 * cycle + 1);
    const amplitude = (max - base) * Math.max(0, 1 - x);
    switch (this.policy) {
      case 'triangular':
        return base + amplitude;
      case 'triangular2':
        return base + amplitude / 2 ** (cycle - 1);
      case 'exp_range':
        return base + amplitude * scalar(this.p, 'gamma') ** i;
      case 'modified_triangular2':
        return base + amplitude / 2 ** ((cycle - 1) % scalar(this.p, 'reset_after'));
    }
  }

  acceptance(): number {
    throw new Error('CLR has no acceptance clause');
  }
}

const COMMON: readonly ParamSpec[] = [
  { name: 'base_lr', description: 'lower bound of the cycle; 0 (the default): lr0, the run\'s starting rate', default: 0, min: 0 },
  { name: 'max_lr', description: 'upper bound of the cycle; 0 (the default): max_ratio × the lower bound', default: 0, min: 0 },
  { name: 'max_ratio', description: 'upper bound over lower bound when max_lr is 0 (the paper: 0.006 / 0.001)', default: 6, min: 1 },
  {
    name: 'step_size',
    description: 'half a cycle, in steps; 0 (the default): relative to the budget, `cycles` cycles over its T steps (the paper used 2000)',
    default: 0,
    min: 0,
    integer: true,
  },
  // Four, so that modified triangular2's reset (after 3 cycles) happens within the budget.
  { name: 'cycles', description: 'cycles over the budget, when step_size is 0', default: 4, min: 1, integer: true },
];

/**
 * Half a cycle in steps: the absolute `step_size` the paper used, or, by
 * default, T / (2·cycles) with T = epochs · steps_per_epoch, so the cycles
 * happen within any budget (the paper's 2000 steps never complete one in a
 * 785-step run).
 */
function halfCycle(p: ParamValues, s: Signals): number {
  const fixed = scalar(p, 'step_size');
  return fixed > 0 ? fixed : ((s.epochs as number) * (s.steps_per_epoch as number)) / (2 * scalar(p, 'cycles'));
}

/** The cycle's bounds for a run starting at lr0: absolute where given, else relative to lr0 (see the top). */
function bounds(p: ParamValues, lr0: number): { base: number; max: number } {
  const base = scalar(p, 'base_lr') > 0 ? scalar(p, 'base_lr') : lr0;
  return { base, max: scalar(p, 'max_lr') > 0 ? scalar(p, 'max_lr') : scalar(p, 'max_ratio') * base };
}

/** The bounds as rule text: literals where absolute, `lr0` where relative. */
function boundsText(p: ParamValues): { base: string; max: string } {
  const base = scalar(p, 'base_lr') > 0 ? lit(scalar(p, 'base_lr')) : 'lr0';
  if (scalar(p, 'max_lr') > 0) return { base, max: lit(scalar(p, 'max_lr')) };
  if (scalar(p, 'base_lr') > 0) return { base, max: lit(scalar(p, 'max_ratio') * scalar(p, 'base_lr')) };
  return { base, max: `${lit(scalar(p, 'max_ratio'))} * lr0` };
}

function halfCycleText(p: ParamValues): string {
  const fixed = scalar(p, 'step_size');
  return fixed > 0 ? lit(fixed) : `((epochs * steps_per_epoch) / ${lit(2 * scalar(p, 'cycles'))})`;
}

function triangle(p: ParamValues): string {
  const { base, max } = boundsText(p);
  const ss = halfCycleText(p);
  return `${base} + (${max} - ${base}) * max(0, 1 - abs(step / ${ss} - 2 * floor(1 + step / (2 * ${ss})) + 1))`;
}

function cycleText(p: ParamValues): string {
  return `floor(1 + step / (2 * ${halfCycleText(p)}))`;
}

function clr(policy: Policy, extra: readonly ParamSpec[], title: string, scaleText: (p: ParamValues) => string): DlrBaseline {
  return {
    name: `clr_${policy}`,
    title,
    description: `Cyclical rate between base_lr (default lr0) and max_lr (default 6·lr0), a triangle of half-period step_size steps; policy ${policy}.`,
    reference: 'Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017',
    variant: 'dlr',
    granularity: 'step',
    optimizer: 'momentum',
    params: [...COMMON, ...extra],
    check: (p) => {
      if (scalar(p, 'max_lr') > 0 && scalar(p, 'base_lr') > scalar(p, 'max_lr')) return `base_lr (${String(p.base_lr)}) must not exceed max_lr (${String(p.max_lr)})`;
      if (scalar(p, 'max_lr') > 0 && scalar(p, 'base_lr') === 0) return `max_lr (${String(p.max_lr)}) is absolute but base_lr is lr0: give base_lr too, or max_ratio instead`;
      return undefined;
    },
    ruleText: (p) => `step: ${triangle(p)}${scaleText(p)}`,
    handCoded: (p) => new ClrSchedule(policy, p),
  };
}

export const CLR_TRIANGULAR = clr('triangular', [], 'CLR triangular', () => '');
export const CLR_TRIANGULAR2 = clr('triangular2', [], 'CLR triangular2 (amplitude halves every cycle)', (p) => ` / pow(2, ${cycleText(p)} - 1)`);
export const CLR_EXP_RANGE = clr(
  'exp_range',
  [{ name: 'gamma', description: 'amplitude decay per step (γ^step)', default: 0.99994, min: 0, exclusiveMin: true, max: 1 }],
  'CLR exp_range (amplitude decays as γ^step)',
  (p) => ` * pow(${lit(scalar(p, 'gamma'))}, step)`,
);
export const CLR_MODIFIED_TRIANGULAR2 = clr(
  'modified_triangular2',
  [{ name: 'reset_after', description: 'cycles of halving before the amplitude resets', default: 3, min: 1, integer: true }],
  'CLR modified triangular2 (halving, reset every K cycles)',
  (p) => {
    const c = cycleText(p);
    const k = lit(scalar(p, 'reset_after'));
    return ` / pow(2, ${c} - 1 - ${k} * floor((${c} - 1) / ${k}))`;
  },
);
