/**
 * The optimizer class of exported adaptive-rule modules (TypeScript and
 * JavaScript for TensorFlow.js): a `tf.Optimizer` that keeps the rule's states
 * per variable (as non-trainable variables) and saves them through
 * getWeights/setWeights, as tfjs's own optimizers do.
 *
 * The generator (src/export/alr-js.ts) copies the text between the @module
 * lines after runtime/tensor.ts, filling each slot (a span opened by a comment
 * "@name{" and closed by a comment "}") with the rule's text, states, step
 * expressions, class name and default rate. The defaults here are the rule
 * `alpha: 0.9 * alpha + grad; update: lr * alpha` (heavy-ball momentum), so
 * the file type-checks, lints and runs as it stands. «…» spans are
 * TypeScript-only, as in scalar.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { c } from './tensor.js';

// @module-begin

// ---- the rule ----

export const ruleText = /*@ruleText{*/'alpha: 0.9 * alpha + grad; update: lr * alpha'/*}*/;
/** The per-variable states this rule keeps (the others stay zero and are never read). */
export const stateNames = [/*@stateNames{*/'alpha'/*}*/]/*«*/ as const/*»*/;
/*«*/type StateName = (typeof stateNames)[number];
/**
 * One tensor per kept state. A rule that keeps none makes StateName `never`,
 * and TypeScript refuses to call or assign what a `never` key reads: the loops
 * over stateNames assert the element type they index for that case.
 */
type PerState<T> = { [S in StateName]: T };
type States = PerState<tf.Variable>;
type StepInputs = { grad: tf.Tensor; lr: number; step: number } & PerState<tf.Tensor>;
type StepOutputs = { update: tf.Tensor } & PerState<tf.Tensor>;
type Expression = (x: StepInputs) => tf.Tensor;
/*»*/
// Each kept state's new value, then the update, as tfjs calls over the step's inputs x.
const stateRules/*«*/: PerState<Expression>/*»*/ = /*@stateRules{*/{
  alpha: (x) => tf.add(tf.mul(c(0.9), x.alpha), x.grad),
}/*}*/;
const updateRule = (x/*«*/: StepInputs/*»*/)/*«*/: tf.Tensor/*»*/ => /*@updateRule{*/tf.mul(c(x.lr), x.alpha)/*}*/;

/**
 * One step for one weight tensor: each state in order alpha, beta, sigma (each
 * seeing the states already updated), then the update; w ← w − update.
 */
export function ruleStep(x/*«*/: StepInputs/*»*/)/*«*/: StepOutputs/*»*/ {
  for (const s of stateNames) (x/*«*/ as Record<string, unknown>/*»*/)[s] = (stateRules[s]/*«*/ as Expression/*»*/)(x);
  const update = updateRule(x);
  const states = Object.fromEntries(stateNames.map((s) => [s, tf.broadcastTo(x[s], x.grad.shape)]));
  return { ...states, update: tf.broadcastTo(update, x.grad.shape) }/*«*/ as StepOutputs/*»*/;
}

/** The evolved optimizer: use it as any tfjs optimizer (model.compile({ optimizer: new EvolvedOptimizer() })). */
export class EvolvedOptimizer extends tf.Optimizer {
  /** Registered under this name for model serialization. */
  static get className()/*«*/: string/*»*/ {
    return /*@className{*/'autolr.Evolved_runtime'/*}*/;
  }

  /*«*/learningRate: number;
  private readonly states: Map<string, States>;
  /*»*/constructor(learningRate = /*@lr0{*/0.001/*}*/) {
    super();
    if (!(typeof learningRate === 'number' && Number.isFinite(learningRate))) throw new Error('EvolvedOptimizer: learningRate must be a finite number');
    this.learningRate = learningRate;
    this.states = new Map();
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
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`EvolvedOptimizer: no variable named ${name}`);
      const state = this.stateOf(name, variable);
      tf.tidy(() => {
        // The states first, so that a stray "<variable>/grad" weight cannot stand in for the gradient.
        const r = ruleStep({ ...state, grad: gradient, lr: this.learningRate, step });
        for (const s of stateNames) (state[s]/*«*/ as tf.Variable/*»*/).assign(r[s]);
        variable.assign(tf.sub(variable, r.update));
      });
    }
    this.incrementIterations();
  }

  /*«*/private /*»*/stateOf(name/*«*/: string/*»*/, variable/*«*/: tf.Variable/*»*/)/*«*/: States/*»*/ {
    let state = this.states.get(name);
    if (state === undefined) {
      state = Object.fromEntries(stateNames.map((s) => [s, tf.variable(tf.zerosLike(variable), false)]))/*«*/ as States/*»*/;
      this.states.set(name, state);
    }
    return state;
  }

  /*«*/override /*»*/dispose()/*«*/: void/*»*/ {
    for (const s of this.states.values()) tf.dispose(stateNames.map((n) => s[n]));
    this.states.clear();
  }

  /** The iteration count, then every state (named "<variable>/<state>", as tfjs's own optimizers name theirs). */
  /*«*/override /*»*/async getWeights()/*«*/: Promise<Array<{ name: string; tensor: tf.Tensor }>>/*»*/ {
    const weights = [...this.states].flatMap(([owner, s]) => stateNames.map((n) => ({ name: `${owner}/${n}`, tensor: s[n] })));
    return [await this.saveIterations(), ...weights];
  }

  /*«*/override /*»*/async setWeights(weightValues/*«*/: Array<{ name: string; tensor: tf.Tensor }>/*»*/)/*«*/: Promise<void>/*»*/ {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    const byVariable = new Map/*«*/<string, Partial<Record<string, tf.Variable>>>/*»*/();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const owner = name.slice(0, cut);
      const part = name.slice(cut + 1);
      const entry = byVariable.get(owner) ?? {};
      entry[part] = tf.variable(tensor, false);
      byVariable.set(owner, entry);
    }
    for (const [owner, entry] of byVariable) {
      for (const s of stateNames) if (entry[s] === undefined) throw new Error(`EvolvedOptimizer.setWeights: ${owner} has no ${s} state`);
      this.states.set(owner, entry/*«*/ as States/*»*/);
    }
  }

  /*«*/override /*»*/getConfig()/*«*/: tf.serialization.ConfigDict/*»*/ {
    return { learningRate: this.learningRate };
  }

  static /*«*/override /*»*/fromConfig/*«*/<T extends tf.serialization.Serializable>/*»*/(cls/*«*/: tf.serialization.SerializableConstructor<T>/*»*/, config/*«*/: tf.serialization.ConfigDict/*»*/)/*«*/: T/*»*/ {
    return new cls(config.learningRate);
  }
}

tf.serialization.registerClass(EvolvedOptimizer);
// @module-end
