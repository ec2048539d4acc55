// Learning-rate rule exported by autolr (JavaScript, TensorFlow.js).
//
// campaign:   dlr-mnist-mlp
// entry:      g15-345 (rank 1)
// rule:       step: 0.003958693651093116
// simplified: step: 0.003958693651093116
// combined:   0.9603333333333334
// scores:
//   mnist-mlp: 0.9603333333333334
// test metrics (fresh seeds):
//   mnist-mlp: accuracy 0.9574 ± 0.001996246477767703
//
// signals read: none
/* eslint-disable */

// ---- runtime: the rule language's semantics (autolr src/grammar/semantics.ts) ----



/** a / b, except a / 0 = a. */
function pdiv(a, b) {
  return b === 0 ? a : a / b;
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a, b) {
  if (a === 0 && b < 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return Math.pow(-a, b);
  return Math.pow(a, b);
}

function psqrt(x) {
  return Math.sqrt(Math.abs(x));
}

function plog(x) {
  return x === 0 ? 0 : Math.log(Math.abs(x));
}

function plog10(x) {
  return x === 0 ? 0 : Math.log10(Math.abs(x));
}

function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

function square(x) {
  return x * x;
}

/** One uniform draw picks an option; only that option is evaluated. */
function choice(rng, options) {
  const i = Math.min(options.length - 1, Math.floor(rng() * options.length));
  return (options[i])();
}

/** sigma times a standard normal draw (Box–Muller: exactly two uniform draws). */
function noise(rng, sigma) {
  const u1 = rng();
  const u2 = rng();
  return sigma * (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
}

/** A small seeded uniform source (mulberry32), for reproducible random rules. */
export function seededRandom(seed) {
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
export const granularity = "step";
export const ruleText = "step: 0.003958693651093116";
export const signalsRead = [];

/** The learning rate for the coming epoch (epoch rules) or step (step rules). */
export function schedule(s, rng = Math.random) {
  return 0.003958693651093116;
}


// ---- TensorFlow.js callback ----


function logNumber(logs, ...keys) {
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
export function createLrCallback(optimizer, options = {}) {
  const target = optimizer ;
  const current = typeof target.learningRate === 'number' ? target.learningRate : undefined;
  const lr0 = options.lr0 ?? current;
  if (lr0 === undefined || !Number.isFinite(lr0)) throw new Error('createLrCallback: give options.lr0 (the optimizer has no readable learningRate)');
  if (signalsRead.includes('epochs') && options.epochs === undefined) throw new Error('createLrCallback: this rule reads epochs; give options.epochs');
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
  const s = {
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
  let batchLosses = [];
  let epochsDone = 0;
  const setRate = (lr) => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
  };
  return {
    onEpochBegin(epoch) {
      s.epoch = epoch;
      if (granularity === 'epoch') setRate(epoch === 0 ? lr0 : schedule(s, rng));
    },
    onEpochEnd(_epoch, logs) {
      if (batchLosses.length > 0) {
        const mean = batchLosses.reduce((a, b) => a + b, 0) / batchLosses.length;
        s.loss_prev = epochsDone === 0 ? mean : s.loss;
        s.loss = mean;
        s.loss_first = batchLosses[0] ;
        s.loss_last = batchLosses[batchLosses.length - 1] ;
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
    onBatchBegin(_batch) {
      if (granularity === 'step') setRate(schedule(s, rng));
    },
    onBatchEnd(_batch, logs) {
      const loss = logNumber(logs, 'loss');
      if (loss !== undefined) {
        batchLosses.push(loss);
        s.batch_loss = loss;
      }
      s.step++;
    },
    signals() {
      return { ...s };
    },
  };
}
