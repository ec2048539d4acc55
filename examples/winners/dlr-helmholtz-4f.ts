// Learning-rate rule exported by autolr (TypeScript, TensorFlow.js).
//
// campaign:   dlr-helmholtz-4f
// entry:      g2-43
// rule:       epoch: 0 + 0.6577736228050182 * (lr0 - 0) * (1 + sigmoid(3.141592653589793 * epoch / epochs))
// simplified: epoch: 0.6577736228050182 * lr0 * (1 + sigmoid(3.141592653589793 * epoch / epochs))
// combined:   1.0819556563112243
// scores:
//   helmholtz-250: 3.5384386496955114
//   helmholtz-500: 0.12310162894307432
//   helmholtz-750: 1.4701979879055442
//   helmholtz-1000: 0.17340468501367845
// test metrics (fresh seeds):
//   helmholtz-250: relative_error 0.29195775054668266 ± 0.4217817619494482
//   helmholtz-500: relative_error 0.824485382386696 ± 0.08261190983314003
//   helmholtz-750: relative_error 0.20257214672675325 ± 0.24357245158889862
//   helmholtz-1000: relative_error 0.7256964574392868 ± 0.09347929274697755
//
// signals read:
//   epoch: index of the epoch the new rate is for, from 0 (epoch rules first run at epoch 1: epoch 0 trains with lr0)
//   epochs: number of epochs in the training budget
//   lr0: the initial learning rate of the run
/* eslint-disable */

// ---- runtime: the rule language's semantics (autolr src/grammar/semantics.ts) ----

/** A uniform random source in [0, 1): Math.random or seededRandom(seed). */
export type Rng = () => number;

/** Signals a rule reads; see the header for their definitions. */
export interface Signals {
  epoch: number;
  epochs: number;
  step: number;
  steps_per_epoch: number;
  lr: number;
  lr0: number;
  loss: number;
  loss_prev: number;
  loss_first: number;
  loss_last: number;
  loss_best: number;
  acc: number;
  acc_prev: number;
  batch_loss: number;
  dloss?: number;
}

/** a / b, except a / 0 = a. */
function pdiv(a: number, b: number): number {
  return b === 0 ? a : a / b;
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a: number, b: number): number {
  if (a === 0 && b < 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return Math.pow(-a, b);
  return Math.pow(a, b);
}

function psqrt(x: number): number {
  return Math.sqrt(Math.abs(x));
}

function plog(x: number): number {
  return x === 0 ? 0 : Math.log(Math.abs(x));
}

function plog10(x: number): number {
  return x === 0 ? 0 : Math.log10(Math.abs(x));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function square(x: number): number {
  return x * x;
}

/** One uniform draw picks an option; only that option is evaluated. */
function choice(rng: Rng, options: ReadonlyArray<() => number>): number {
  const i = Math.min(options.length - 1, Math.floor(rng() * options.length));
  return (options[i]as () => number)();
}

/** sigma times a standard normal draw (Box–Muller: exactly two uniform draws). */
function noise(rng: Rng, sigma: number): number {
  const u1 = rng();
  const u2 = rng();
  return sigma * (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
}

/** A small seeded uniform source (mulberry32), for reproducible random rules. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- how to use it ----
//
// In model.fit, pass the callback; it reads each batch's loss and each epoch's
// accuracy from fit's logs:
//   const lrCallback = createLrCallback(optimizer, { epochs: 20 });
//   await model.fit(x, y, { epochs: 20, callbacks: new tf.CustomCallback(lrCallback) });
// A rule that reads acc needs the model compiled with metrics: ['accuracy'].
//
// In a training loop of your own, call lrCallback.step(metrics) instead (as
// PyTorch's ReduceLROnPlateau.step(metrics)); it sets the optimizer's rate and
// returns it:
//   epoch rules: at the end of every epoch, step({ loss, acc }) with the
//     epoch's minibatch losses (an array; or their mean, if the rule reads no
//     loss_first, loss_last nor batch_loss) and its accuracy; epoch 0 trains
//     at lr0.
//   step rules (give stepsPerEpoch): before every optimizer step,
//     step({ loss, acc }) with the previous step's loss (nothing before the
//     first step) and, on the first step of an epoch, the finished epoch's
//     accuracy.
// A rule that reads a loss or accuracy signal throws when one does not arrive,
// rather than run on a value stuck at 0; one that reads epochs (or a step
// rule that reads steps_per_epoch) needs them at construction.

// ---- the rule ----

/** When the rule runs: 'epoch' (each epoch from epoch 1) or 'step' (before every step). */
export const granularity: 'epoch' | 'step' = "epoch";
export const ruleText = "epoch: 0 + 0.6577736228050182 * (lr0 - 0) * (1 + sigmoid(3.141592653589793 * epoch / epochs))";
export const signalsRead: string[] = ["epoch","epochs","lr0"];
/** True when the rule's rates never take lr or lr0 as a value: the starting rate the user picks changes nothing. */
export const ignoresLr: boolean = false;

/** The learning rate for the coming epoch (epoch rules) or step (step rules). */
export function schedule(s: Signals, rng: Rng = Math.random): number {
  return (0 + ((0.6577736228050182 * (s.lr0 - 0)) * (1 + sigmoid(pdiv((3.141592653589793 * s.epoch), s.epochs)))));
}


// ---- TensorFlow.js callback ----

export interface LrCallbackOptions {
  /** Initial rate; default: the optimizer's current rate. */
  lr0?: number;
  /** Number of epochs of the run (the rule's `epochs` signal). */
  epochs?: number;
  /** Minibatches per epoch; default: counted during the first epoch. */
  stepsPerEpoch?: number;
  /** Random source for choice/noise/rand: a seed, or a function; default Math.random. */
  seed?: number;
  rng?: Rng;
  /** Called with every rate set. */
  onRate?: (lr: number, epoch: number, step: number) => void;
}

/** What a training loop of your own reports to step(). */
export interface StepMetrics {
  /** Epoch rules: the epoch's minibatch losses, or their mean. Step rules: the previous step's loss. */
  loss?: number | number[];
  /** The finished epoch's training accuracy, in [0, 1]. */
  acc?: number;
}

export interface LrCallback {
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): void;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): void;
  onBatchBegin(batch: number, logs?: Record<string, unknown>): void;
  onBatchEnd(batch: number, logs?: Record<string, unknown>): void;
  /** For training loops that do not call model.fit: see "how to use it" above. Returns the rate it set. */
  step(metrics?: StepMetrics): number;
  /** The signals as they stand now. */
  signals(): Signals;
}

interface LrTarget {
  learningRate?: unknown;
  setLearningRate?: (lr: number) => void;
}

function logNumber(logs: Record<string, unknown> | undefined, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = logs?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** The signals among these that the rule reads. */
function readOf(names: string[]): string[] {
  return names.filter((n) => signalsRead.includes(n));
}

/** Signals summarising an epoch's minibatch losses. */
const EPOCH_LOSS_SIGNALS = ['loss', 'loss_prev', 'loss_first', 'loss_last', 'loss_best'];
/** Signals an epoch's mean loss alone cannot give. */
const MINIBATCH_LOSS_SIGNALS = ['loss_first', 'loss_last', 'batch_loss'];
const ACCURACY_SIGNALS = ['acc', 'acc_prev'];

let warnedIgnoredLr = false;

/** The rate the rule starts from, after checking that the options give every signal the rule needs up front. */
function startingRate(target: LrTarget, options: LrCallbackOptions): number {
  const current = typeof target.learningRate === 'number' ? target.learningRate : undefined;
  const lr0 = options.lr0 ?? current;
  if (lr0 === undefined || !Number.isFinite(lr0)) throw new Error('createLrCallback: give options.lr0 (the optimizer has no readable learningRate)');
  if (signalsRead.includes('epochs') && options.epochs === undefined) throw new Error('createLrCallback: this rule reads epochs; give options.epochs');
  if (granularity === 'step' && signalsRead.includes('steps_per_epoch') && options.stepsPerEpoch === undefined) {
    throw new Error('createLrCallback: this step rule reads steps_per_epoch from its first step; give options.stepsPerEpoch');
  }
  if (ignoresLr && !warnedIgnoredLr) {
    warnedIgnoredLr = true;
    console.warn(`createLrCallback: this rule ignores lr: its rates do not depend on the starting rate (${lr0}) or options.lr0 (rule: ${ruleText})`);
  }
  return lr0;
}

/**
 * The signals the rule reads and how they follow training: minibatch losses
 * as they come, an epoch's summary when it closes, and what step() is given
 * outside model.fit. A signal the rule reads but nobody gave is an error.
 */
function createSignalTracker(lr0: number, options: LrCallbackOptions) {
  const s: Signals = {
    epoch: 0,
    epochs: options.epochs ?? 0,
    step: 0,
    steps_per_epoch: options.stepsPerEpoch ?? 1,
    lr: lr0,
    lr0,
    loss: 0,
    loss_prev: 0,
    loss_first: 0,
    loss_last: 0,
    loss_best: 0,
    acc: 0,
    acc_prev: 0,
    batch_loss: 0,
  };
  let batchLosses: number[] = [];
  /** step() of an epoch rule given the epoch's mean loss: one number that stands for the epoch, not a minibatch. */
  let epochMean: number | undefined;
  let epochsDone = 0;
  /** One minibatch's loss; `from` says where it should have come from, for the error. */
  const recordBatchLoss = (loss: number | undefined, from: string): void => {
    if (loss === undefined) {
      const needs = readOf([...EPOCH_LOSS_SIGNALS, 'batch_loss']);
      if (needs.length > 0) throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}, but ${from} gave no loss`);
      return;
    }
    batchLosses.push(loss);
    s.batch_loss = loss;
  };
  /** Ends an epoch: its loss summary and accuracy become the signals the next rate reads. */
  const closeEpoch = (acc: number | undefined, accFrom: string): void => {
    const losses = epochMean !== undefined ? [epochMean] : batchLosses;
    if (losses.length > 0) {
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      s.loss_prev = epochsDone === 0 ? mean : s.loss;
      s.loss = mean;
      s.loss_first = losses[0] as number;
      s.loss_last = losses[losses.length - 1] as number;
      s.loss_best = epochsDone === 0 ? mean : Math.min(s.loss_best, mean);
      if (options.stepsPerEpoch === undefined && epochMean === undefined) s.steps_per_epoch = batchLosses.length;
    } else {
      const needs = readOf(EPOCH_LOSS_SIGNALS);
      if (needs.length > 0) throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}, but no loss reached it in epoch ${epochsDone}`);
    }
    if (acc !== undefined) {
      s.acc_prev = epochsDone === 0 ? acc : s.acc;
      s.acc = acc;
    } else {
      const needs = readOf(ACCURACY_SIGNALS);
      if (needs.length > 0) throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}, but ${accFrom} gave no accuracy`);
    }
    epochsDone++;
    batchLosses = [];
    epochMean = undefined;
  };
  /** step() of an epoch rule: the epoch's losses as minibatch losses, or its mean. */
  const recordEpochLoss = (loss: number | number[] | undefined): void => {
    if (Array.isArray(loss)) {
      for (const l of loss) recordBatchLoss(l, 'step()');
      s.step += loss.length;
      return;
    }
    if (loss !== undefined) {
      const needs = readOf(MINIBATCH_LOSS_SIGNALS);
      if (needs.length > 0) throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}: pass the epoch's minibatch losses, step({ loss: [...] }), not their mean`);
      epochMean = loss;
    }
    const needs = readOf(['step', 'steps_per_epoch']);
    if (options.stepsPerEpoch === undefined && needs.length > 0) {
      throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}: give options.stepsPerEpoch, or pass step() the epoch's minibatch losses`);
    }
    s.step += options.stepsPerEpoch ?? 0;
  };
  return { signals: s, recordBatchLoss, closeEpoch, recordEpochLoss, epochsDone: (): number => epochsDone };
}

/**
 * A tfjs callback config (pass it in model.fit's callbacks, or to new tf.CustomCallback)
 * that sets the optimizer's rate from the rule: SGD and Momentum through
 * setLearningRate, Adam and the others through their learningRate field.
 * Losses come from batch logs (`loss`), accuracy from epoch logs (`acc` or `accuracy`);
 * outside model.fit, report them through step().
 */
export function createLrCallback(optimizer: object, options: LrCallbackOptions = {}): LrCallback {
  const target = optimizer as LrTarget;
  const lr0 = startingRate(target, options);
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
  const tracker = createSignalTracker(lr0, options);
  const s = tracker.signals;
  /** Whether a step rule's step() has set a rate yet (its first call comes before any optimizer step). */
  let stepped = false;
  const setRate = (lr: number): number => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
    return lr;
  };
  return {
    onEpochBegin(epoch: number): void {
      s.epoch = epoch;
      if (granularity === 'epoch') setRate(epoch === 0 ? lr0 : schedule(s, rng));
    },
    onEpochEnd(_epoch: number, logs?: Record<string, unknown>): void {
      tracker.closeEpoch(logNumber(logs, 'acc', 'accuracy'), "model.fit's epoch logs (compile the model with metrics: ['accuracy'])");
    },
    onBatchBegin(_batch: number): void {
      if (granularity === 'step') setRate(schedule(s, rng));
    },
    onBatchEnd(_batch: number, logs?: Record<string, unknown>): void {
      tracker.recordBatchLoss(logNumber(logs, 'loss'), 'the batch logs');
      s.step++;
    },
    step(metrics: StepMetrics = {}): number {
      if (granularity === 'epoch') {
        tracker.recordEpochLoss(metrics.loss);
        tracker.closeEpoch(metrics.acc, 'step()');
        s.epoch = tracker.epochsDone();
        return setRate(schedule(s, rng));
      }
      const stepsPerEpoch = options.stepsPerEpoch;
      if (stepsPerEpoch === undefined) throw new Error('createLrCallback: step() of a step rule counts epochs in steps; give options.stepsPerEpoch');
      if (Array.isArray(metrics.loss)) throw new Error('createLrCallback: step() of a step rule takes the previous step\'s loss, one number');
      if (!stepped) {
        if (metrics.loss !== undefined) throw new Error('createLrCallback: a step rule\'s step() comes before each optimizer step; the first call has no loss to report');
      } else {
        tracker.recordBatchLoss(metrics.loss, 'step()');
        s.step++;
        if (s.step % stepsPerEpoch === 0) {
          tracker.closeEpoch(metrics.acc, 'step() on the first step of an epoch');
          s.epoch = tracker.epochsDone();
        }
      }
      stepped = true;
      return setRate(schedule(s, rng));
    },
    signals(): Signals {
      return { ...s };
    },
  };
}
