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
// ---- the rule ----

/** When the rule runs: 'epoch' (each epoch from epoch 1) or 'step' (before every step). */
export const granularity/*«*/: 'epoch' | 'step'/*»*/ = /*@granularity{*/'epoch'/*}*/;
export const ruleText = /*@ruleText{*/'epoch: lr0 * pow(0.9, epoch) * (1 + noise(0.01))'/*}*/;
export const signalsRead/*«*/: string[]/*»*/ = /*@signalsRead{*/['epoch', 'lr0']/*}*/;

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

export interface LrCallback {
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): void;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): void;
  onBatchBegin(batch: number, logs?: Record<string, unknown>): void;
  onBatchEnd(batch: number, logs?: Record<string, unknown>): void;
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

/**
 * A tfjs callback config (pass it in model.fit's callbacks, or to new tf.CustomCallback)
 * that sets the optimizer's rate from the rule: SGD and Momentum through
 * setLearningRate, Adam and the others through their learningRate field.
 * Losses come from batch logs (`loss`), accuracy from epoch logs (`acc` or `accuracy`).
 */
export function createLrCallback(optimizer/*«*/: object/*»*/, options/*«*/: LrCallbackOptions/*»*/ = {})/*«*/: LrCallback/*»*/ {
  const target = optimizer /*«*/as LrTarget/*»*/;
  const current = typeof target.learningRate === 'number' ? target.learningRate : undefined;
  const lr0 = options.lr0 ?? current;
  if (lr0 === undefined || !Number.isFinite(lr0)) throw new Error('createLrCallback: give options.lr0 (the optimizer has no readable learningRate)');
  if (signalsRead.includes('epochs') && options.epochs === undefined) throw new Error('createLrCallback: this rule reads epochs; give options.epochs');
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
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
  let epochsDone = 0;
  const setRate = (lr/*«*/: number/*»*/)/*«*/: void/*»*/ => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
  };
  return {
    onEpochBegin(epoch/*«*/: number/*»*/)/*«*/: void/*»*/ {
      s.epoch = epoch;
      if (granularity === 'epoch') setRate(epoch === 0 ? lr0 : schedule(s, rng));
    },
    onEpochEnd(_epoch/*«*/: number/*»*/, logs/*«*/?: Record<string, unknown>/*»*/)/*«*/: void/*»*/ {
      if (batchLosses.length > 0) {
        const mean = batchLosses.reduce((a, b) => a + b, 0) / batchLosses.length;
        s.loss_prev = epochsDone === 0 ? mean : s.loss;
        s.loss = mean;
        s.loss_first = batchLosses[0] /*«*/as number/*»*/;
        s.loss_last = batchLosses[batchLosses.length - 1] /*«*/as number/*»*/;
        s.loss_best = epochsDone === 0 ? mean : Math.min(s.loss_best, mean);
        if (options.stepsPerEpoch === undefined) s.steps_per_epoch = batchLosses.length;
      }
      const acc = logNumber(logs, 'acc', 'accuracy');
      if (acc !== undefined) {
        s.acc_prev = epochsDone === 0 ? acc : s.acc;
        s.acc = acc;
      }
      epochsDone++;
      batchLosses = [];
    },
    onBatchBegin(_batch/*«*/: number/*»*/)/*«*/: void/*»*/ {
      if (granularity === 'step') setRate(schedule(s, rng));
    },
    onBatchEnd(_batch/*«*/: number/*»*/, logs/*«*/?: Record<string, unknown>/*»*/)/*«*/: void/*»*/ {
      const loss = logNumber(logs, 'loss');
      if (loss !== undefined) {
        batchLosses.push(loss);
        s.batch_loss = loss;
      }
      s.step++;
    },
    signals()/*«*/: Signals/*»*/ {
      return { ...s };
    },
  };
}
// @module-end
