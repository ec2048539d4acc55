/**
 * The rule part and the TensorFlow.js callback of exported schedule modules:
 * the rule's constants and `schedule`, then a callback that keeps the signals
 * from batch and epoch logs and sets the optimizer's rate from `schedule`,
 * each epoch or before each batch as `granularity` says. The generator
 * (src/export/js.ts) copies the text between the @module lines after
 * runtime/scalar.ts, filling each slot (a span opened by a comment "@name{"
 * and closed by a comment "}") with the rule's text, granularity, signals and
 * expressions, and `acceptance` (runtime/acceptance.ts) when the rule has an
 * acceptance clause. The defaults here are the rule
 * `epoch: lr0 * pow(0.9, epoch) * (1 + noise(0.01))`, so the file type-checks,
 * lints and runs as it stands. «…» spans are TypeScript-only, as in scalar.ts.
 */
import { noise, ppow, seededRandom, type Rng, type Signals } from './scalar.js';

// @module-begin
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
export const granularity/*«*/: 'epoch' | 'step'/*»*/ = /*@granularity{*/'epoch'/*}*/;
export const ruleText = /*@ruleText{*/'epoch: lr0 * pow(0.9, epoch) * (1 + noise(0.01))'/*}*/;
export const signalsRead/*«*/: string[]/*»*/ = /*@signalsRead{*/['epoch', 'lr0']/*}*/;
/** True when the rule's rates never take lr or lr0 as a value: the starting rate the user picks changes nothing. */
export const ignoresLr/*«*/: boolean/*»*/ = /*@ignoresLr{*/false/*}*/;

/** The learning rate for the coming epoch (epoch rules) or step (step rules). */
export function schedule(s/*«*/: Signals/*»*/, rng/*«*/: Rng/*»*/ = Math.random)/*«*/: number/*»*/ {
  return /*@rate{*/s.lr0 * ppow(0.9, s.epoch) * (1 + noise(rng, 0.01))/*}*/;
}
/*@acceptance{*//*}*/

// ---- TensorFlow.js callback ----

/*«*/export interface LrCallbackOptions {
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
/*»*/
function logNumber(logs/*«*/: Record<string, unknown> | undefined/*»*/, ...keys/*«*/: string[]/*»*/)/*«*/: number | undefined/*»*/ {
  for (const k of keys) {
    const v = logs?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** The signals among these that the rule reads. */
function readOf(names/*«*/: string[]/*»*/)/*«*/: string[]/*»*/ {
  return names.filter((n) => signalsRead.includes(n));
}

/** Signals summarising an epoch's minibatch losses. */
const EPOCH_LOSS_SIGNALS = ['loss', 'loss_prev', 'loss_first', 'loss_last', 'loss_best'];
/** Signals an epoch's mean loss alone cannot give. */
const MINIBATCH_LOSS_SIGNALS = ['loss_first', 'loss_last', 'batch_loss'];
const ACCURACY_SIGNALS = ['acc', 'acc_prev'];

let warnedIgnoredLr = false;

/** The rate the rule starts from, after checking that the options give every signal the rule needs up front. */
function startingRate(target/*«*/: LrTarget/*»*/, options/*«*/: LrCallbackOptions/*»*/)/*«*/: number/*»*/ {
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
function createSignalTracker(lr0/*«*/: number/*»*/, options/*«*/: LrCallbackOptions/*»*/) {
  const s/*«*/: Signals/*»*/ = {
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
  let batchLosses/*«*/: number[]/*»*/ = [];
  /** step() of an epoch rule given the epoch's mean loss: one number that stands for the epoch, not a minibatch. */
  let epochMean/*«*/: number | undefined/*»*/;
  let epochsDone = 0;
  /** One minibatch's loss; `from` says where it should have come from, for the error. */
  const recordBatchLoss = (loss/*«*/: number | undefined/*»*/, from/*«*/: string/*»*/)/*«*/: void/*»*/ => {
    if (loss === undefined) {
      const needs = readOf([...EPOCH_LOSS_SIGNALS, 'batch_loss']);
      if (needs.length > 0) throw new Error(`createLrCallback: this rule reads ${needs.join(', ')}, but ${from} gave no loss`);
      return;
    }
    batchLosses.push(loss);
    s.batch_loss = loss;
  };
  /** Ends an epoch: its loss summary and accuracy become the signals the next rate reads. */
  const closeEpoch = (acc/*«*/: number | undefined/*»*/, accFrom/*«*/: string/*»*/)/*«*/: void/*»*/ => {
    const losses = epochMean !== undefined ? [epochMean] : batchLosses;
    if (losses.length > 0) {
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      s.loss_prev = epochsDone === 0 ? mean : s.loss;
      s.loss = mean;
      s.loss_first = losses[0] /*«*/as number/*»*/;
      s.loss_last = losses[losses.length - 1] /*«*/as number/*»*/;
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
  const recordEpochLoss = (loss/*«*/: number | number[] | undefined/*»*/)/*«*/: void/*»*/ => {
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
  return { signals: s, recordBatchLoss, closeEpoch, recordEpochLoss, epochsDone: ()/*«*/: number/*»*/ => epochsDone };
}

/**
 * A tfjs callback config (pass it in model.fit's callbacks, or to new tf.CustomCallback)
 * that sets the optimizer's rate from the rule: SGD and Momentum through
 * setLearningRate, Adam and the others through their learningRate field.
 * Losses come from batch logs (`loss`), accuracy from epoch logs (`acc` or `accuracy`);
 * outside model.fit, report them through step().
 */
export function createLrCallback(optimizer/*«*/: object/*»*/, options/*«*/: LrCallbackOptions/*»*/ = {})/*«*/: LrCallback/*»*/ {
  const target = optimizer /*«*/as LrTarget/*»*/;
  const lr0 = startingRate(target, options);
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
  const tracker = createSignalTracker(lr0, options);
  const s = tracker.signals;
  /** Whether a step rule's step() has set a rate yet (its first call comes before any optimizer step). */
  let stepped = false;
  const setRate = (lr/*«*/: number/*»*/)/*«*/: number/*»*/ => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
    return lr;
  };
  return {
    onEpochBegin(epoch/*«*/: number/*»*/)/*«*/: void/*»*/ {
      s.epoch = epoch;
      if (granularity === 'epoch') setRate(epoch === 0 ? lr0 : schedule(s, rng));
    },
    onEpochEnd(_epoch/*«*/: number/*»*/, logs/*«*/?: Record<string, unknown>/*»*/)/*«*/: void/*»*/ {
      tracker.closeEpoch(logNumber(logs, 'acc', 'accuracy'), "model.fit's epoch logs (compile the model with metrics: ['accuracy'])");
    },
    onBatchBegin(_batch/*«*/: number/*»*/)/*«*/: void/*»*/ {
      if (granularity === 'step') setRate(schedule(s, rng));
    },
    onBatchEnd(_batch/*«*/: number/*»*/, logs/*«*/?: Record<string, unknown>/*»*/)/*«*/: void/*»*/ {
      tracker.recordBatchLoss(logNumber(logs, 'loss'), 'the batch logs');
      s.step++;
    },
    step(metrics/*«*/: StepMetrics/*»*/ = {})/*«*/: number/*»*/ {
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
    signals()/*«*/: Signals/*»*/ {
      return { ...s };
    },
  };
}
// @module-end
