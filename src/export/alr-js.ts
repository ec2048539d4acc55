/**
 * Adaptive (alr) rule → a TypeScript or JavaScript module for TensorFlow.js:
 * a `tf.Optimizer` subclass with per-variable state (alpha, beta, sigma, as
 * non-trainable variables), `getConfig`/`fromConfig`, `getWeights`/`setWeights`
 * (so `model.save({ includeOptimizer: true })` keeps the state), registered
 * with `tf.serialization.registerClass`.
 *
 * The element-wise helpers (`runtime/tensor.ts`) restate `compile-tensor.ts`
 * (the engine's tensor semantics) so the exported optimizer takes the same
 * steps the campaign measured. «…» spans are TypeScript-only (`template.ts`).
 */
import type { AlrRule, Expr } from '../grammar/ast.js';
import { callText as call, emitExpr, type OperatorTable } from '../grammar/emit.js';
import { ruleHash } from '../grammar/hash.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, type ExportInfo } from './header.js';
import { jsNumber } from './js.js';
import { requireAlr, type ExportTarget } from './target.js';
import { applyTemplate, runtimeText } from './template.js';

const TENSOR_INPUTS = new Set(['grad', 'alpha', 'beta', 'sigma']);

const noRandom = (kind: string) => (): never => {
  throw new Error(`adaptive rules cannot contain random terms (${kind})`);
};

/** tfjs calls over `x` (the step's inputs) and the runtime of `runtime/tensor.ts`. */
const TF_TABLE: OperatorTable<string> = {
  constant: (v) => `c(${jsNumber(v)})`,
  signal: (name) => {
    if (TENSOR_INPUTS.has(name)) return `x.${name}`;
    if (name === 'lr' || name === 'step') return `c(x.${name})`;
    throw new Error(`signal "${name}" is not an input of adaptive rules`);
  },
  unary: {
    neg: call('tf.neg'),
    abs: call('tf.abs'),
    sqrt: call('psqrt'),
    square: call('tf.square'),
    exp: call('tf.exp'),
    log: call('plog'),
    log10: call('plog10'),
    floor: call('tf.floor'),
    sign: call('psign'),
    sin: call('tf.sin'),
    cos: call('tf.cos'),
    tanh: call('tf.tanh'),
    sigmoid: call('tf.sigmoid'),
  },
  binary: { add: call('tf.add'), sub: call('tf.sub'), mul: call('tf.mul'), div: call('pdiv'), pow: call('ppow'), min: call('pmin'), max: call('pmax') },
  compare: {
    lt: call('tf.less'),
    le: call('tf.lessEqual'),
    gt: call('tf.greater'),
    ge: call('tf.greaterEqual'),
    eq: call('tf.equal'),
    ne: call('tf.notEqual'),
  },
  cond: call('tf.where'),
  choice: noRandom('choice'),
  noise: noRandom('noise'),
  rand: noRandom('rand'),
};

/** An adaptive-rule expression as tfjs calls over `x` (the step's inputs). */
export function printTfExpr(e: Expr): string {
  return emitExpr(e, TF_TABLE);
}

/** A class name for tfjs serialization, unique per rule structure. */
export function optimizerClassName(rule: AlrRule): string {
  return `autolr.Evolved_${ruleHash(rule)}`;
}

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
    applyTemplate(runtimeText('tensor.ts'), typed),
    applyTemplate(body, typed),
  ].join('\n');
}

export const ALR_TS: ExportTarget = { format: 'ts', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrJs(requireAlr(rule), info, 'ts', lr0) };
export const ALR_JS: ExportTarget = { format: 'js', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrJs(requireAlr(rule), info, 'js', lr0) };
