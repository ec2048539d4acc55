/**
 * The optimizer class of exported adaptive-rule modules (TypeScript and
 * JavaScript for TensorFlow.js): a `tf.Optimizer` that keeps the rule's states
 * per variable (as non-trainable variables) and saves them through
 * getWeights/setWeights, as tfjs's own optimizers do.
 *
 * The generator (src/export/alr-js.ts) copies the text between the @module
 * lines after runtime/tensor.ts, filling each slot (a span opened by a comment
 * "@name{" and closed by a comment "}") with the rule's text, states, step
 * expressions, class name, default rate and hyperparameters. The defaults here
 * are the rule `alpha: 0.9 * alpha + grad; update: lr * alpha` (heavy-ball
 * momentum, its 0.9 the hyperparameter `momentum`), so the file type-checks,
 * lints and runs as it stands. «…» spans are
 * TypeScript-only, as in scalar.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { c } from './tensor.js';

// @module-begin

// ---- the rule ----

export const ruleText = /*@ruleText{*/'alpha: 0.9 * alpha + grad; update: lr * alpha'/*}*/;
/** True when the rule's update never takes lr as a value: learningRate, setLearningRate and rate callbacks change nothing. */
export const ignoresLr/*«*/: boolean/*»*/ = /*@ignoresLr{*/false/*}*/;
let warnedIgnoredLr = false;
/** The per-variable states this rule keeps (the others stay zero and are never read). */
export const stateNames = [/*@stateNames{*/'alpha'/*}*/]/*«*/ as const/*»*/;
/*«*/type StateName = (typeof stateNames)[number];
/** The rule's hyperparameters by the names its expressions read them by (x.h). */
type RuleHyperparameters = /*@hyperparameterType{*/{ readonly mu: number }/*}*/;
/** The constructor's hyperparameter options (tf.train's names where they map), each defaulting to the exported value. */
export type HyperparameterOptions = /*@optionsType{*/{ readonly momentum?: number }/*}*/;
type Bound = readonly [value: number, inclusive: boolean] | null;
/**
 * One tensor per kept state. A rule that keeps none makes StateName `never`,
 * and TypeScript refuses to call or assign what a `never` key reads: the loops
 * over stateNames assert the element type they index for that case.
 */
type PerState<T> = { [S in StateName]: T };
type States = PerState<tf.Variable>;
type StepInputs = { grad: tf.Tensor; lr: number; step: number; h: RuleHyperparameters } & PerState<tf.Tensor>;
type StepOutputs = { update: tf.Tensor } & PerState<tf.Tensor>;
type Expression = (x: StepInputs) => tf.Tensor;
/*»*/
/**
 * The hyperparameters the constructor takes, by option name: the name the
 * rule's expressions read it by, its default (the exported value) and its
 * range (each bound [value, inclusive], or null). Empty when the rule's
 * constants are fixed (an evolved rule's are fixed by the search).
 */
const hyperparameterSpecs/*«*/: Readonly<Record<string, { readonly name: string; readonly value: number; readonly min: Bound; readonly max: Bound }>>/*»*/ = /*@hyperparameters{*/{
  momentum: { name: 'mu', value: 0.9, min: [0, true], max: [1, false] },
}/*}*/;

/** Options (defaults for those not given) as the values the rule reads, each checked against its range. */
function resolveHyperparameters(given/*«*/: Readonly<Record<string, unknown>>/*»*/)/*«*/: RuleHyperparameters/*»*/ {
  const options = Object.keys(hyperparameterSpecs);
  for (const key of Object.keys(given)) {
    if (!options.includes(key)) throw new Error(`EvolvedOptimizer: unknown option ${key} (this rule's hyperparameters: ${options.join(', ') || 'none, its constants are fixed'})`);
  }
  const h/*«*/: Record<string, number>/*»*/ = {};
  for (const [option, spec] of Object.entries(hyperparameterSpecs)) {
    const v = given[option] ?? spec.value;
    const inside = (b/*«*/: Bound/*»*/, above/*«*/: boolean/*»*/)/*«*/: boolean/*»*/ => {
      if (b === null || typeof v !== 'number') return true;
      return above ? (b[1] ? v >= b[0] : v > b[0]) : b[1] ? v <= b[0] : v < b[0];
    };
    if (!(typeof v === 'number' && Number.isFinite(v) && inside(spec.min, true) && inside(spec.max, false))) {
      const range = [spec.min && `${spec.min[1] ? '>=' : '>'} ${spec.min[0]}`, spec.max && `${spec.max[1] ? '<=' : '<'} ${spec.max[0]}`].filter((t) => t).join(' and ');
      throw new Error(`EvolvedOptimizer: ${option} must be a finite number${range === '' ? '' : ` ${range}`}, not ${String(v)}`);
    }
    h[spec.name] = v;
  }
  return h/*«*/ as RuleHyperparameters/*»*/;
}

// Each kept state's new value, then the update, as tfjs calls over the step's inputs x (hyperparameters in x.h).
const stateRules/*«*/: PerState<Expression>/*»*/ = /*@stateRules{*/{
  alpha: (x) => tf.add(tf.mul(c(x.h.mu), x.alpha), x.grad),
}/*}*/;
const updateRule = (x/*«*/: StepInputs/*»*/)/*«*/: tf.Tensor/*»*/ => /*@updateRule{*/tf.mul(c(x.lr), x.alpha)/*}*/;

/**
 * One step for one weight tensor: each state in order alpha, beta, sigma (each
 * seeing the states already updated), then the update; w ← w − update. h: the
 * hyperparameters (resolveHyperparameters), the defaults when absent.
 */
export function ruleStep(inputs/*«*/: Omit<StepInputs, 'h'> & { h?: RuleHyperparameters }/*»*/)/*«*/: StepOutputs/*»*/ {
  // Without h, the defaults: the exported values.
  const x = { ...inputs, h: inputs.h ?? resolveHyperparameters({}) }/*«*/ as StepInputs/*»*/;
  for (const s of stateNames) (x/*«*/ as Record<string, unknown>/*»*/)[s] = (stateRules[s]/*«*/ as Expression/*»*/)(x);
  const update = updateRule(x);
  const states = Object.fromEntries(stateNames.map((s) => [s, tf.broadcastTo(x[s], x.grad.shape)]));
  return { ...states, update: tf.broadcastTo(update, x.grad.shape) }/*«*/ as StepOutputs/*»*/;
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
  static get className()/*«*/: string/*»*/ {
    return /*@className{*/'autolr.EvolvedRuntime'/*}*/;
  }

  /*«*/learningRate: number;
  /** The hyperparameter options as given or defaulted, for getConfig. */
  readonly hyperparameters: HyperparameterOptions;
  private readonly h: RuleHyperparameters;
  /** The states of the i-th variable a step passes, and that variable's name (for getWeights). */
  private perVariable: Array<{ owner: string; states: States }>;
  /*»*/constructor(learningRate = /*@lr0{*/0.001/*}*/, hyperparameters/*«*/: HyperparameterOptions/*»*/ = {}) {
    super();
    if (!(typeof learningRate === 'number' && Number.isFinite(learningRate))) throw new Error('EvolvedOptimizer: learningRate must be a finite number');
    this.learningRate = learningRate;
    this.h = resolveHyperparameters(hyperparameters);
    this.hyperparameters = Object.fromEntries(Object.entries(hyperparameterSpecs).map(([option, spec]) => [option, (this.h/*«*/ as Record<string, number>/*»*/)[spec.name]]));
    this.perVariable = [];
    if (ignoresLr && !warnedIgnoredLr) {
      warnedIgnoredLr = true;
      console.warn(`EvolvedOptimizer: this rule ignores the learning rate: its steps are the same at learningRate ${learningRate} as at any other, and setLearningRate and schedules change nothing (rule: ${ruleText})`);
    }
  }

  /** Same as tfjs's own optimizers: rates can also be set by callbacks. */
  setLearningRate(learningRate/*«*/: number/*»*/)/*«*/: void/*»*/ {
    this.learningRate = learningRate;
  }

  /*«*/override /*»*/applyGradients(variableGradients/*«*/: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>/*»*/)/*«*/: void/*»*/ {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor]/*«*/ as const/*»*/)
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
        for (const s of stateNames) (state[s]/*«*/ as tf.Variable/*»*/).assign(r[s]);
        variable.assign(tf.sub(variable, r.update));
      });
    });
    this.incrementIterations();
  }

  /** The states of the variable at this position, made (zero) on its first step, and checked against it after setWeights. */
  /*«*/private /*»*/statesAt(position/*«*/: number/*»*/, name/*«*/: string/*»*/, variable/*«*/: tf.Variable/*»*/)/*«*/: States/*»*/ {
    const kept = this.perVariable[position];
    if (kept === undefined) {
      const states = Object.fromEntries(stateNames.map((s) => [s, tf.variable(tf.zerosLike(variable), false)]))/*«*/ as States/*»*/;
      this.perVariable[position] = { owner: name, states };
      return states;
    }
    for (const s of stateNames) {
      const shape = (kept.states[s]/*«*/ as tf.Variable/*»*/).shape;
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

  /*«*/override /*»*/dispose()/*«*/: void/*»*/ {
    for (const { states } of this.perVariable) tf.dispose(stateNames.map((n) => states[n]));
    this.perVariable = [];
  }

  /**
   * The iteration count, then every state in variable order (named
   * "<variable>/<state>", as tfjs's own optimizers name theirs).
   */
  /*«*/override /*»*/async getWeights()/*«*/: Promise<Array<{ name: string; tensor: tf.Tensor }>>/*»*/ {
    const weights = this.perVariable.flatMap(({ owner, states }) => stateNames.map((n) => ({ name: `${owner}/${n}`, tensor: states[n] })));
    return [await this.saveIterations(), ...weights];
  }

  /** Restores what getWeights saved: the iteration count, then the states, bound to variables by their order. */
  /*«*/override /*»*/async setWeights(weightValues/*«*/: Array<{ name: string; tensor: tf.Tensor }>/*»*/)/*«*/: Promise<void>/*»*/ {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    // A Map keeps the variables in the order their states were saved; all are checked before any variable is made.
    const byVariable = new Map/*«*/<string, Partial<Record<string, tf.Tensor>>>/*»*/();
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
      const states = Object.fromEntries(stateNames.map((s) => [s, tf.variable(entry[s]/*«*/ as tf.Tensor/*»*/, false)]))/*«*/ as States/*»*/;
      this.perVariable.push({ owner, states });
    }
  }

  /*«*/override /*»*/getConfig()/*«*/: tf.serialization.ConfigDict/*»*/ {
    return { learningRate: this.learningRate, ...this.hyperparameters };
  }

  static /*«*/override /*»*/fromConfig/*«*/<T extends tf.serialization.Serializable>/*»*/(cls/*«*/: tf.serialization.SerializableConstructor<T>/*»*/, config/*«*/: tf.serialization.ConfigDict/*»*/)/*«*/: T/*»*/ {
    // Only the options: tf.loadLayersModel adds entries of its own (customObjects).
    const options = Object.fromEntries(Object.keys(hyperparameterSpecs).filter((k) => k in config).map((k) => [k, config[k]]));
    return new cls(config.learningRate, options);
  }
}

tf.serialization.registerClass(EvolvedOptimizer);
// @module-end
