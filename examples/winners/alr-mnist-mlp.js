// Learning-rate rule exported by autolr (JavaScript, TensorFlow.js optimizer).
//
// campaign:   alr-mnist-mlp
// entry:      g10-195 (rank 1)
// rule:       alpha: grad; beta: step; sigma: beta; update: -min(alpha, cos(max(sigma, grad < -(-0.798) ? sigma : grad)) > (grad > grad ? 0.915 : sigma) + beta ? beta : -beta >= -(square(alpha) == beta ? grad : abs(sigmoid(-((step != sigma ? step : sigma) - alpha))) + -lr) ? alpha : sigma >= alpha ? alpha : step) > sqrt(beta) ? log10(cos(alpha)) : grad
// simplified: update: -min(grad, cos(max(step, grad < 0.798 ? step : grad)) > (grad > grad ? 0.915 : step) + step ? step : -step >= -(square(grad) == step ? grad : sigmoid(grad - (step != step ? step : step)) - lr) ? grad : step >= grad ? grad : step) > sqrt(step) ? log10(cos(grad)) : grad
// combined:   0.9573333333333334
// scores:
//   mnist-mlp: 0.9573333333333334
// test metrics (fresh seeds):
//   mnist-mlp: accuracy 0.95672 ± 0.002665895721891631
//
// signals read:
//   grad: gradient of the loss with respect to the weight, this step
//   alpha: first state; zero before the first step. Inside alpha: its previous value; after: its new value
//   beta: second state, updated after alpha; same conventions
//   sigma: third state, updated after beta; same conventions
//   lr: the scheduled learning rate (a scalar)
//   step: optimizer steps already taken before this one (0 on the first step), a scalar
//
// NOTE: this rule ignores lr: lr=, --lr0 and schedulers have no effect; its
// step size is fixed by the rule.
// (It reads lr only in a comparison that picks a branch; lr never scales a step.)
//
// Default learning rate 0.001 (the rate autolr trained with; this rule's steps do not depend on it). The module imports '@tensorflow/tfjs';
// with tfjs-node, import that package instead (they share @tensorflow/tfjs-core).
// Hyperparameters: none; the rule's constants are fixed by the search (they are not a known optimizer's parameters).
/* eslint-disable */

import * as tf from '@tensorflow/tfjs';

// ---- runtime: the rule language's tensor semantics (autolr src/grammar/compile-tensor.ts) ----

const c = (v) => tf.scalar(v, 'float32');

/** a / b, except a / 0 = a (element-wise). */
function pdiv(a, b) {
  return tf.where(tf.equal(b, c(0)), a, tf.div(a, b));
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a, b) {
  const isInteger = tf.equal(tf.floor(b), b);
  const base = tf.where(tf.logicalAnd(tf.less(a, c(0)), tf.logicalNot(isInteger)), tf.neg(a), a);
  return tf.where(tf.logicalAnd(tf.equal(a, c(0)), tf.less(b, c(0))), c(1), tf.pow(base, b));
}

function psqrt(x) {
  return tf.sqrt(tf.abs(x));
}

/** ln|x|, 0 at x = 0. */
function plog(x) {
  return tf.where(tf.equal(x, c(0)), c(0), tf.log(tf.abs(x)));
}

function plog10(x) {
  return tf.div(plog(x), c(Math.LN10));
}

/** Math.sign: NaN and -0 keep their own value. */
function psign(x) {
  const s = tf.sign(x);
  return tf.where(tf.equal(s, c(0)), x, s);
}

/** min/max that return NaN when either operand is NaN, on every backend. */
function pmin(a, b) {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.minimum(a, b), b), a);
}

function pmax(a, b) {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.maximum(a, b), b), a);
}


// ---- the rule ----

export const ruleText = "alpha: grad; beta: step; sigma: beta; update: -min(alpha, cos(max(sigma, grad < -(-0.798) ? sigma : grad)) > (grad > grad ? 0.915 : sigma) + beta ? beta : -beta >= -(square(alpha) == beta ? grad : abs(sigmoid(-((step != sigma ? step : sigma) - alpha))) + -lr) ? alpha : sigma >= alpha ? alpha : step) > sqrt(beta) ? log10(cos(alpha)) : grad";
/** True when the rule's update never takes lr as a value: learningRate, setLearningRate and rate callbacks change nothing. */
export const ignoresLr = true;
let warnedIgnoredLr = false;
/** The per-variable states this rule keeps (the others stay zero and are never read). */
export const stateNames = ['alpha', 'beta', 'sigma'];

/**
 * The hyperparameters the constructor takes, by option name: the name the
 * rule's expressions read it by, its default (the exported value) and its
 * range (each bound [value, inclusive], or null). Empty when the rule's
 * constants are fixed (an evolved rule's are fixed by the search).
 */
const hyperparameterSpecs = {};

/** Options (defaults for those not given) as the values the rule reads, each checked against its range. */
function resolveHyperparameters(given) {
  const options = Object.keys(hyperparameterSpecs);
  for (const key of Object.keys(given)) {
    if (!options.includes(key)) throw new Error(`EvolvedOptimizer: unknown option ${key} (this rule's hyperparameters: ${options.join(', ') || 'none, its constants are fixed'})`);
  }
  const h = {};
  for (const [option, spec] of Object.entries(hyperparameterSpecs)) {
    const v = given[option] ?? spec.value;
    const inside = (b, above) => {
      if (b === null || typeof v !== 'number') return true;
      return above ? (b[1] ? v >= b[0] : v > b[0]) : b[1] ? v <= b[0] : v < b[0];
    };
    if (!(typeof v === 'number' && Number.isFinite(v) && inside(spec.min, true) && inside(spec.max, false))) {
      const range = [spec.min && `${spec.min[1] ? '>=' : '>'} ${spec.min[0]}`, spec.max && `${spec.max[1] ? '<=' : '<'} ${spec.max[0]}`].filter((t) => t).join(' and ');
      throw new Error(`EvolvedOptimizer: ${option} must be a finite number${range === '' ? '' : ` ${range}`}, not ${String(v)}`);
    }
    h[spec.name] = v;
  }
  return h;
}

// Each kept state's new value, then the update, as tfjs calls over the step's inputs x (hyperparameters in x.h).
const stateRules = {
  alpha: (x) => x.grad,
  beta: (x) => c(x.step),
  sigma: (x) => x.beta,
};
const updateRule = (x) => tf.where(tf.greater(tf.neg(pmin(x.alpha, tf.where(tf.greater(tf.cos(pmax(x.sigma, tf.where(tf.less(x.grad, tf.neg(c((-0.798)))), x.sigma, x.grad))), tf.add(tf.where(tf.greater(x.grad, x.grad), c(0.915), x.sigma), x.beta)), x.beta, tf.where(tf.greaterEqual(tf.neg(x.beta), tf.neg(tf.where(tf.equal(tf.square(x.alpha), x.beta), x.grad, tf.add(tf.abs(tf.sigmoid(tf.neg(tf.sub(tf.where(tf.notEqual(c(x.step), x.sigma), c(x.step), x.sigma), x.alpha)))), tf.neg(c(x.lr)))))), x.alpha, tf.where(tf.greaterEqual(x.sigma, x.alpha), x.alpha, c(x.step)))))), psqrt(x.beta)), plog10(tf.cos(x.alpha)), x.grad);

/**
 * One step for one weight tensor: each state in order alpha, beta, sigma (each
 * seeing the states already updated), then the update; w ← w − update. h: the
 * hyperparameters (resolveHyperparameters), the defaults when absent.
 */
export function ruleStep(inputs) {
  // Without h, the defaults: the exported values.
  const x = { ...inputs, h: inputs.h ?? resolveHyperparameters({}) };
  for (const s of stateNames) (x)[s] = (stateRules[s])(x);
  const update = updateRule(x);
  const states = Object.fromEntries(stateNames.map((s) => [s, tf.broadcastTo(x[s], x.grad.shape)]));
  return { ...states, update: tf.broadcastTo(update, x.grad.shape) };
}

/**
 * The evolved optimizer: use it as any tfjs optimizer (model.compile({ optimizer: new EvolvedOptimizer() })).
 * new EvolvedOptimizer(learningRate, options) takes the rule's hyperparameters
 * as options, as tf.train.adam(learningRate, beta1, beta2, epsilon) takes
 * its own; getConfig saves them with the model.
 *
 * Its states belong to the variables by position, as tfjs's own optimizers'
 * do: the i-th variable of every step uses the i-th states. Names cannot
 * serve: a model loaded by tf.loadLayersModel gets fresh variable names (a
 * "_1" suffix when the saved model's names are still taken), while the order
 * of its trainable weights is the saved model's. So pass the variables in the
 * same order every step, as model.fit and minimize do.
 */
export class EvolvedOptimizer extends tf.Optimizer {
  /**
   * Registered under this name for model serialization. tf.loadLayersModel
   * reads a saved class name through toCamelCase, which drops every "_" (and
   * upper-cases the letter after it), so the name has no "_" in it.
   */
  static get className() {
    return "autolr.Evolved716774f0439def2b";
  }

  constructor(learningRate = 0.001, hyperparameters = {}) {
    super();
    if (!(typeof learningRate === 'number' && Number.isFinite(learningRate))) throw new Error('EvolvedOptimizer: learningRate must be a finite number');
    this.learningRate = learningRate;
    this.h = resolveHyperparameters(hyperparameters);
    this.hyperparameters = Object.fromEntries(Object.entries(hyperparameterSpecs).map(([option, spec]) => [option, (this.h)[spec.name]]));
    this.perVariable = [];
    if (ignoresLr && !warnedIgnoredLr) {
      warnedIgnoredLr = true;
      console.warn(`EvolvedOptimizer: this rule ignores the learning rate: its steps are the same at learningRate ${learningRate} as at any other, and setLearningRate and schedules change nothing (rule: ${ruleText})`);
    }
  }

  /** Same as tfjs's own optimizers: rates can also be set by callbacks. */
  setLearningRate(learningRate) {
    this.learningRate = learningRate;
  }

  applyGradients(variableGradients) {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const step = this.iterations;
    entries.forEach(([name, gradient], position) => {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`EvolvedOptimizer: no variable named ${name}`);
      const state = this.statesAt(position, name, variable);
      if (gradient == null) return;
      tf.tidy(() => {
        // The states first, so that a stray "<variable>/grad" weight cannot stand in for the gradient.
        const r = ruleStep({ ...state, grad: gradient, lr: this.learningRate, step, h: this.h });
        for (const s of stateNames) (state[s]).assign(r[s]);
        variable.assign(tf.sub(variable, r.update));
      });
    });
    this.incrementIterations();
  }

  /** The states of the variable at this position, made (zero) on its first step, and checked against it after setWeights. */
  statesAt(position, name, variable) {
    const kept = this.perVariable[position];
    if (kept === undefined) {
      const states = Object.fromEntries(stateNames.map((s) => [s, tf.variable(tf.zerosLike(variable), false)]));
      this.perVariable[position] = { owner: name, states };
      return states;
    }
    for (const s of stateNames) {
      const shape = (kept.states[s]).shape;
      if (!tf.util.arraysEqual(shape, variable.shape)) {
        throw new Error(
          `EvolvedOptimizer: variable #${position} (${name}) has shape [${variable.shape.join(', ')}], but the ${s} state kept for ` +
            `position ${position} (saved as ${kept.owner}) has shape [${shape.join(', ')}]: pass the variables in the same order every step ` +
            'and restore optimizer weights saved with this model',
        );
      }
    }
    kept.owner = name;
    return kept.states;
  }

  dispose() {
    for (const { states } of this.perVariable) tf.dispose(stateNames.map((n) => states[n]));
    this.perVariable = [];
  }

  /**
   * The iteration count, then every state in variable order (named
   * "<variable>/<state>", as tfjs's own optimizers name theirs).
   */
  async getWeights() {
    const weights = this.perVariable.flatMap(({ owner, states }) => stateNames.map((n) => ({ name: `${owner}/${n}`, tensor: states[n] })));
    return [await this.saveIterations(), ...weights];
  }

  /** Restores what getWeights saved: the iteration count, then the states, bound to variables by their order. */
  async setWeights(weightValues) {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    // A Map keeps the variables in the order their states were saved; all are checked before any variable is made.
    const byVariable = new Map();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const owner = name.slice(0, cut);
      const entry = byVariable.get(owner) ?? {};
      entry[name.slice(cut + 1)] = tensor;
      byVariable.set(owner, entry);
    }
    for (const [owner, entry] of byVariable) {
      for (const s of stateNames) if (entry[s] === undefined) throw new Error(`EvolvedOptimizer.setWeights: ${owner} has no ${s} state`);
    }
    for (const [owner, entry] of byVariable) {
      const states = Object.fromEntries(stateNames.map((s) => [s, tf.variable(entry[s], false)]));
      this.perVariable.push({ owner, states });
    }
  }

  getConfig() {
    return { learningRate: this.learningRate, ...this.hyperparameters };
  }

  static fromConfig(cls, config) {
    // Only the options: tf.loadLayersModel adds entries of its own (customObjects).
    const options = Object.fromEntries(Object.keys(hyperparameterSpecs).filter((k) => k in config).map((k) => [k, config[k]]));
    return new cls(config.learningRate, options);
  }
}

tf.serialization.registerClass(EvolvedOptimizer);
