/**
 * Adaptive (alr) rule → a TypeScript or JavaScript module for TensorFlow.js:
 * a `tf.Optimizer` subclass with per-variable state (alpha, beta, sigma, as
 * non-trainable variables), `getConfig`/`fromConfig`, `getWeights`/`setWeights`
 * (so `model.save({ includeOptimizer: true })` keeps the state), registered
 * with `tf.serialization.registerClass`.
 *
 * The element-wise helpers restate `compile-tensor.ts` (the engine's tensor
 * semantics) so the exported optimizer takes the same steps the campaign
 * measured. The template convention is js.ts's: «…» is TypeScript-only.
 */
import type { AlrRule, BinaryOp, CompareOp, Expr, UnaryOp } from '../grammar/ast.js';
import { ruleHash } from '../grammar/hash.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, type ExportInfo } from './header.js';
import { applyTemplate, jsNumber } from './js.js';

const UNARY_TF: Record<UnaryOp, string> = {
  neg: 'tf.neg',
  abs: 'tf.abs',
  sqrt: 'psqrt',
  square: 'tf.square',
  exp: 'tf.exp',
  log: 'plog',
  log10: 'plog10',
  floor: 'tf.floor',
  sign: 'psign',
  sin: 'tf.sin',
  cos: 'tf.cos',
  tanh: 'tf.tanh',
  sigmoid: 'tf.sigmoid',
};
const BINARY_TF: Record<BinaryOp, string> = { add: 'tf.add', sub: 'tf.sub', mul: 'tf.mul', div: 'pdiv', pow: 'ppow', min: 'pmin', max: 'pmax' };
const COMPARE_TF: Record<CompareOp, string> = { lt: 'tf.less', le: 'tf.lessEqual', gt: 'tf.greater', ge: 'tf.greaterEqual', eq: 'tf.equal', ne: 'tf.notEqual' };
const TENSOR_INPUTS = new Set(['grad', 'alpha', 'beta', 'sigma']);

/** An adaptive-rule expression as tfjs calls over `x` (the step's inputs). */
export function printTfExpr(e: Expr): string {
  switch (e.kind) {
    case 'const':
      return `c(${jsNumber(e.value)})`;
    case 'signal':
      if (TENSOR_INPUTS.has(e.name)) return `x.${e.name}`;
      if (e.name === 'lr' || e.name === 'step') return `c(x.${e.name})`;
      throw new Error(`signal "${e.name}" is not an input of adaptive rules`);
    case 'unary':
      return `${UNARY_TF[e.op]}(${printTfExpr(e.arg)})`;
    case 'binary':
      return `${BINARY_TF[e.op]}(${printTfExpr(e.left)}, ${printTfExpr(e.right)})`;
    case 'cond':
      return `tf.where(${COMPARE_TF[e.op]}(${printTfExpr(e.left)}, ${printTfExpr(e.right)}), ${printTfExpr(e.then)}, ${printTfExpr(e.otherwise)})`;
    case 'rand':
    case 'noise':
    case 'choice':
      throw new Error(`adaptive rules cannot contain random terms (${e.kind})`);
  }
}


/** A class name for tfjs serialization, unique per rule structure. */
export function optimizerClassName(rule: AlrRule): string {
  return `autolr.Evolved_${ruleHash(rule)}`;
}

const RUNTIME = `
import * as tf from '@tensorflow/tfjs';

// ---- runtime: the rule language's tensor semantics (autolr src/grammar/compile-tensor.ts) ----

const c = (v«: number»)«: tf.Tensor» => tf.scalar(v, 'float32');

/** a / b, except a / 0 = a (element-wise). */
function pdiv(a«: tf.Tensor», b«: tf.Tensor»)«: tf.Tensor» {
  return tf.where(tf.equal(b, c(0)), a, tf.div(a, b));
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a«: tf.Tensor», b«: tf.Tensor»)«: tf.Tensor» {
  const isInteger = tf.equal(tf.floor(b), b);
  const base = tf.where(tf.logicalAnd(tf.less(a, c(0)), tf.logicalNot(isInteger)), tf.neg(a), a);
  return tf.where(tf.logicalAnd(tf.equal(a, c(0)), tf.less(b, c(0))), c(1), tf.pow(base, b));
}

function psqrt(x«: tf.Tensor»)«: tf.Tensor» {
  return tf.sqrt(tf.abs(x));
}

/** ln|x|, 0 at x = 0. */
function plog(x«: tf.Tensor»)«: tf.Tensor» {
  return tf.where(tf.equal(x, c(0)), c(0), tf.log(tf.abs(x)));
}

function plog10(x«: tf.Tensor»)«: tf.Tensor» {
  return tf.div(plog(x), c(Math.LN10));
}

/** Math.sign: NaN and -0 keep their own value. */
function psign(x«: tf.Tensor»)«: tf.Tensor» {
  const s = tf.sign(x);
  return tf.where(tf.equal(s, c(0)), x, s);
}

/** min/max that return NaN when either operand is NaN, on every backend. */
function pmin(a«: tf.Tensor», b«: tf.Tensor»)«: tf.Tensor» {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.minimum(a, b), b), a);
}

function pmax(a«: tf.Tensor», b«: tf.Tensor»)«: tf.Tensor» {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.maximum(a, b), b), a);
}
`;

export function generateAlrJs(rule: AlrRule, info: ExportInfo, format: 'ts' | 'js', lr0: number): string {
  const typed = format === 'ts';
  // States the update does not depend on cannot change the weights: neither stored nor computed.
  const states = liveStates(rule);
  const className = optimizerClassName(rule);
  const stateType = `{ ${states.map((s) => `${s}: tf.Variable`).join('; ')} }`;
  const inputsType = `{ grad: tf.Tensor; ${states.map((s) => `${s}: tf.Tensor; `).join('')}lr: number; step: number }`;
  const fields = states.map((s) => `'${s}'`).join(', ');
  const stepBody = [
    ...states.map((s) => `  const ${s} = ${printTfExpr(rule[s])};\n  x.${s} = ${s};`),
    `  const update = ${printTfExpr(rule.update)};`,
    `  return { ${states.map((s) => `${s}: tf.broadcastTo(${s}, x.grad.shape), `).join('')}update: tf.broadcastTo(update, x.grad.shape) };`,
  ].join('\n');
  const body = `
// ---- the rule ----

export const ruleText = ${JSON.stringify(info.text)};
/** The per-variable states this rule keeps (the others stay zero and are never read). */
export const stateNames = [${fields}]« as const»;
«type States = ${stateType};
type StepInputs = ${inputsType};
type StepOutputs = { ${states.map((s) => `${s}: tf.Tensor; `).join('')}update: tf.Tensor };
»
/**
 * One step for one weight tensor: each state in order alpha, beta, sigma (each
 * seeing the states already updated), then the update; w ← w − update.
 */
export function ruleStep(x«: StepInputs»)«: StepOutputs» {
${stepBody}
}

/** The evolved optimizer: use it as any tfjs optimizer (model.compile({ optimizer: new EvolvedOptimizer() })). */
export class EvolvedOptimizer extends tf.Optimizer {
  /** Registered under this name for model serialization. */
  static get className()«: string» {
    return ${JSON.stringify(className)};
  }

  «learningRate: number;
  private readonly states: Map<string, States> = new Map();
  »constructor(learningRate = ${jsNumber(lr0)}) {
    super();
    if (!(typeof learningRate === 'number' && Number.isFinite(learningRate))) throw new Error('EvolvedOptimizer: learningRate must be a finite number');
    this.learningRate = learningRate;${typed ? '' : '\n    this.states = new Map();'}
  }

  /** Same as tfjs's own optimizers: rates can also be set by callbacks. */
  setLearningRate(learningRate«: number»)«: void» {
    this.learningRate = learningRate;
  }

  applyGradients(variableGradients«: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>»)«: void» {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor]« as const»)
      : Object.entries(variableGradients);
    const step = this.iterations;
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(\`EvolvedOptimizer: no variable named \${name}\`);
      const state = this.stateOf(name, variable);
      tf.tidy(() => {
        const r = ruleStep({ grad: gradient, ${states.map((s) => `${s}: state.${s}, `).join('')}lr: this.learningRate, step });
${states.map((s) => `        state.${s}.assign(r.${s});`).join('\n')}
        variable.assign(tf.sub(variable, r.update));
      });
    }
    this.incrementIterations();
  }

  «private »stateOf(name«: string», variable«: tf.Variable»)«: States» {
    let state = this.states.get(name);
    if (state === undefined) {
      state = { ${states.map((s) => `${s}: tf.variable(tf.zerosLike(variable), false)`).join(', ')} }« as States»;
      this.states.set(name, state);
    }
    return state;
  }

  dispose()«: void» {
    for (const s of this.states.values()) tf.dispose([${states.map((s) => `s.${s}`).join(', ')}]);
    this.states.clear();
  }

  /** The iteration count, then every state (named "<variable>/<state>", as tfjs's own optimizers name theirs). */
  async getWeights()«: Promise<Array<{ name: string; tensor: tf.Tensor }>>» {
    const weights = [...this.states].flatMap(([owner, s]) => [${states.map((s) => `{ name: \`\${owner}/${s}\`, tensor: s.${s} }`).join(', ')}]);
    return [await this.saveIterations(), ...weights];
  }

  async setWeights(weightValues«: Array<{ name: string; tensor: tf.Tensor }>»)«: Promise<void>» {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    const byVariable = new Map«<string, Partial<Record<string, tf.Variable>>>»();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const owner = name.slice(0, cut);
      const part = name.slice(cut + 1);
      const entry = byVariable.get(owner) ?? {};
      entry[part] = tf.variable(tensor, false);
      byVariable.set(owner, entry);
    }
    for (const [owner, entry] of byVariable) {
      for (const s of stateNames) if (entry[s] === undefined) throw new Error(\`EvolvedOptimizer.setWeights: \${owner} has no \${s} state\`);
      this.states.set(owner, entry« as States»);
    }
  }

  getConfig()«: tf.serialization.ConfigDict» {
    return { learningRate: this.learningRate };
  }

  static fromConfig«<T extends tf.serialization.Serializable>»(cls«: tf.serialization.SerializableConstructor<T>», config«: tf.serialization.ConfigDict»)«: T» {
    return new cls(config.learningRate);
  }
}

tf.serialization.registerClass(EvolvedOptimizer);
`;
  return [
    formatHeader(rule, info, format === 'ts' ? 'TypeScript, TensorFlow.js optimizer' : 'JavaScript, TensorFlow.js optimizer', 'js'),
    `//\n// Default learning rate ${lr0} (the rate autolr trained with). The module imports '@tensorflow/tfjs';\n// with tfjs-node, import that package instead (they share @tensorflow/tfjs-core).`,
    '/* eslint-disable */',
    applyTemplate(RUNTIME, typed),
    applyTemplate(body, typed),
  ].join('\n');
}
