/**
 * The named inputs a rule may read, with their exact definitions. This is the
 * single place the definitions are written down; the training loop fills them
 * in, and a test keeps the table in `docs/rule-language.md` word for word equal.
 */
import { ruleParts, signalsOf, type Rule, type Variant } from './ast.js';
import { liveStates } from './simplify.js';

export interface SignalDoc {
  readonly name: string;
  readonly definition: string;
}

/** Signals of dynamic (schedule) rules. Every value is finite by contract. */
export const DLR_SIGNALS: readonly SignalDoc[] = [
  { name: 'epoch', definition: 'index of the epoch the new rate is for, from 0 (epoch rules first run at epoch 1: epoch 0 trains with lr0)' },
  { name: 'epochs', definition: 'number of epochs in the training budget' },
  { name: 'step', definition: 'optimizer steps already taken since training began (0 before the first step)' },
  { name: 'steps_per_epoch', definition: 'minibatches per epoch' },
  { name: 'lr', definition: 'the learning rate in force until now (lr0 before the rule has run)' },
  { name: 'lr0', definition: 'the initial learning rate of the run' },
  { name: 'loss', definition: 'mean minibatch training loss of the last completed epoch (0 before one completes)' },
  { name: 'loss_prev', definition: 'the same for the epoch before it (equals loss until two epochs have completed)' },
  { name: 'loss_first', definition: 'training loss of the first minibatch of the last completed epoch (0 before one completes)' },
  { name: 'loss_last', definition: 'training loss of the last minibatch of the last completed epoch (0 before one completes)' },
  { name: 'loss_best', definition: 'lowest epoch-mean training loss so far (0 before one completes)' },
  { name: 'acc', definition: 'training accuracy of the last completed epoch, in [0, 1] (tasks without accuracy report 1 - min(1, relative error); on the Helmholtz PINN that error is against the exact solution, an oracle a real user lacks, which `hof`, `evolve` and `export` point out)' },
  { name: 'acc_prev', definition: 'the same for the epoch before it (equals acc until two epochs have completed)' },
  { name: 'batch_loss', definition: 'loss of the current minibatch before the step (step rules); for epoch rules, the last minibatch loss' },
  { name: 'dloss', definition: 'acceptance clause only: loss after the tentative step minus loss before it, on the same minibatch' },
];

/** Signals of adaptive (per-weight) rules. grad and the states are tensors shaped like the weight. */
export const ALR_SIGNALS: readonly SignalDoc[] = [
  { name: 'grad', definition: 'gradient of the loss with respect to the weight, this step' },
  { name: 'alpha', definition: 'first state; zero before the first step. Inside alpha: its previous value; after: its new value' },
  { name: 'beta', definition: 'second state, updated after alpha; same conventions' },
  { name: 'sigma', definition: 'third state, updated after beta; same conventions' },
  { name: 'lr', definition: 'the scheduled learning rate (a scalar)' },
  { name: 'step', definition: 'optimizer steps already taken before this one (0 on the first step), a scalar' },
];

/**
 * Which signals each part of a rule may read. Adaptive rules keep AutoLR's
 * shape: a state reads the gradient, its own previous value and the states
 * already updated in this step; the weight update reads all three.
 */
const PART_SCOPES: Record<Variant, Record<string, readonly string[]>> = {
  dlr: {
    epoch: DLR_SIGNALS.map((s) => s.name).filter((n) => n !== 'dloss'),
    step: DLR_SIGNALS.map((s) => s.name).filter((n) => n !== 'dloss'),
    accept: DLR_SIGNALS.map((s) => s.name),
  },
  alr: {
    alpha: ['grad', 'alpha', 'lr', 'step'],
    beta: ['grad', 'alpha', 'beta', 'lr', 'step'],
    sigma: ['grad', 'alpha', 'beta', 'sigma', 'lr', 'step'],
    update: ['grad', 'alpha', 'beta', 'sigma', 'lr', 'step'],
  },
};

export function signalDocs(variant: Variant): readonly SignalDoc[] {
  return variant === 'dlr' ? DLR_SIGNALS : ALR_SIGNALS;
}

/** The part names a rule of this variant may have, in order. */
export function partNames(variant: Variant): readonly string[] {
  return Object.keys(PART_SCOPES[variant]);
}

/** Signals readable in one part, or undefined for an unknown part. */
export function partScope(variant: Variant, part: string): readonly string[] | undefined {
  return Object.hasOwn(PART_SCOPES[variant], part) ? PART_SCOPES[variant][part] : undefined;
}

/** Every signal of a variant. */
export function allSignals(variant: Variant): readonly string[] {
  return signalDocs(variant).map((s) => s.name);
}

/**
 * The signals a rule reads, in the order of the signal table. Of an adaptive
 * rule only the update and the states it depends on count (`liveStates`): a
 * state left as it was reads itself and never reaches the weights.
 */
export function signalsRead(rule: Rule): string[] {
  const used = new Set<string>();
  if (rule.variant === 'alr') {
    for (const part of [...liveStates(rule), 'update'] as const) signalsOf(rule[part], used);
  } else {
    for (const [, e] of ruleParts(rule)) signalsOf(e, used);
  }
  return signalDocs(rule.variant)
    .map((d) => d.name)
    .filter((n) => used.has(n));
}
