// Learning-rate rule exported by autolr (TypeScript, TensorFlow.js).
//
// campaign:   dlr-fashion-mnist-mlp
// entry:      g14-319 (rank 1)
// rule:       epoch: lr0 / max(acc_prev, square(loss_prev))
// simplified: epoch: lr0 / max(acc_prev, square(loss_prev))
// combined:   0.8726666666666667
// scores:
//   fashion-mnist-mlp: 0.8726666666666667
// test metrics (fresh seeds):
//   fashion-mnist-mlp: accuracy 0.8484 ± 0.002252776065213753
//
// signals read:
//   lr0: the initial learning rate of the run
//   loss_prev: the same for the epoch before it (equals loss until two epochs have completed)
//   acc_prev: the same for the epoch before it (equals acc until two epochs have completed)
//
// NOTE: this rule is loss-driven: its rates depend on the training loss (or
// accuracy) it is fed, so feed it the same quantities as defined above (mean
// minibatch training loss per epoch, etc.) or its behaviour will differ from
// what autolr measured.
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

// ---- the rule ----

/** When the rule runs: 'epoch' (each epoch from epoch 1) or 'step' (before every step). */
export const granularity: 'epoch' | 'step' = "epoch";
export const ruleText = "epoch: lr0 / max(acc_prev, square(loss_prev))";
export const signalsRead: string[] = ["lr0","loss_prev","acc_prev"];

/** The learning rate for the coming epoch (epoch rules) or step (step rules). */
export function schedule(s: Signals, rng: Rng = Math.random): number {
  return pdiv(s.lr0, Math.max(s.acc_prev, square(s.loss_prev)));
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

function logNumber(logs: Record<string, unknown> | undefined, ...keys: string[]): number | undefined {
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
export function createLrCallback(optimizer: object, options: LrCallbackOptions = {}): LrCallback {
  const target = optimizer as LrTarget;
  const current = typeof target.learningRate === 'number' ? target.learningRate : undefined;
  const lr0 = options.lr0 ?? current;
  if (lr0 === undefined || !Number.isFinite(lr0)) throw new Error('createLrCallback: give options.lr0 (the optimizer has no readable learningRate)');
  if (signalsRead.includes('epochs') && options.epochs === undefined) throw new Error('createLrCallback: this rule reads epochs; give options.epochs');
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
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
  let epochsDone = 0;
  const setRate = (lr: number): void => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
  };
  return {
    onEpochBegin(epoch: number): void {
      s.epoch = epoch;
      if (granularity === 'epoch') setRate(epoch === 0 ? lr0 : schedule(s, rng));
    },
    onEpochEnd(_epoch: number, logs?: Record<string, unknown>): void {
      if (batchLosses.length > 0) {
        const mean = batchLosses.reduce((a, b) => a + b, 0) / batchLosses.length;
        s.loss_prev = epochsDone === 0 ? mean : s.loss;
        s.loss = mean;
        s.loss_first = batchLosses[0] as number;
        s.loss_last = batchLosses[batchLosses.length - 1] as number;
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
    onBatchBegin(_batch: number): void {
      if (granularity === 'step') setRate(schedule(s, rng));
    },
    onBatchEnd(_batch: number, logs?: Record<string, unknown>): void {
      const loss = logNumber(logs, 'loss');
      if (loss !== undefined) {
        batchLosses.push(loss);
        s.batch_loss = loss;
      }
      s.step++;
    },
    signals(): Signals {
      return { ...s };
    },
  };
}
