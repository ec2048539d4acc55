/**
 * Adaptive (alr) rule → a TypeScript or JavaScript module for TensorFlow.js:
 * a `tf.Optimizer` subclass with per-variable state (alpha, beta, sigma, as
 * non-trainable variables), `getConfig`/`fromConfig`, `getWeights`/`setWeights`
 * (so `model.save({ includeOptimizer: true })` keeps the state), registered
 * with `tf.serialization.registerClass`.
 *
 * The element-wise helpers (`runtime/tensor.ts`) restate `compile-tensor.ts`
 * (the engine's tensor semantics) so the exported optimizer takes the same
 * steps the campaign measured. The class and `ruleStep`, which loop over
 * `stateNames`, are `runtime/optimizer.ts`; the generator fills its slots with
 * the rule's text, kept states, one expression per state and the update, the
 * class name, the default rate, whether the rule ignores lr (`ignores-lr.ts`:
 * the constructor then warns once), and the hyperparameters its constructor
 * takes as options (`hyperparameters.ts`; constants that are a baseline's
 * named parameters read `x.h`). «…» spans are TypeScript-only (`template.ts`).
 */
import type { AlrRule, Expr } from '../grammar/ast.js';
import { callText as call, emitExpr, replaceConstants, safeName, type OperatorTable } from '../grammar/emit.js';
import { ruleHash } from '../grammar/hash.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, type ExportInfo } from './header.js';
import { constructorArguments, hyperparameterNote, ruleHyperparameters, type Argument } from './hyperparameters.js';
import { ignoresLr } from './ignores-lr.js';
import { jsNumber } from './js.js';
import { requireAlr, type ExportTarget } from './target.js';
import { applyTemplate, fillSlots, runtimeText } from './template.js';

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

/**
 * An adaptive-rule expression as tfjs calls over `x` (the step's inputs);
 * `names` (per constant in walk order) turns constants that are
 * hyperparameters into reads of `x.h`.
 */
export function printTfExpr(e: Expr, names: readonly (string | undefined)[] = []): string {
  return emitExpr(
    e,
    replaceConstants(TF_TABLE, (i) => {
      const name = names[i];
      return name === undefined ? undefined : `c(x.h.${safeName(name)})`;
    }),
  );
}

/** The runtime's hyperparameter slots: the spec table, the type of x.h, the options type. */
function hyperparameterSlots(args: readonly Argument[]): Record<'hyperparameters' | 'hyperparameterType' | 'optionsType', string> {
  const one = (a: Argument): Argument['members'][number] => {
    // tf.train takes no tuples: one value per option.
    if (a.members.length !== 1) throw new Error(`the TF.js export spells ${a.keyword} as ${a.members.length} values`);
    return a.members[0] as Argument['members'][number];
  };
  if (args.length === 0) return { hyperparameters: '{}', hyperparameterType: 'Record<never, number>', optionsType: 'Record<never, number>' };
  const bound = (v: number | undefined, exclusive: boolean | undefined): string => (v === undefined ? 'null' : `[${jsNumber(v)}, ${!exclusive}]`);
  const rows = args.map((a) => {
    const m = one(a);
    return `  ${safeName(a.keyword)}: { name: '${safeName(m.name)}', value: ${jsNumber(m.value)}, min: ${bound(m.spec.min, m.spec.exclusiveMin)}, max: ${bound(m.spec.max, m.spec.exclusiveMax)} },\n`;
  });
  return {
    hyperparameters: `{\n${rows.join('')}}`,
    hyperparameterType: `{ ${args.map((a) => `readonly ${one(a).name}: number;`).join(' ')} }`,
    optionsType: `{ ${args.map((a) => `readonly ${a.keyword}?: number;`).join(' ')} }`,
  };
}

/**
 * A class name for tfjs serialization, unique per rule structure. No "_":
 * tf.loadLayersModel passes the saved name through toCamelCase, which would
 * turn "Evolved_7a" into "Evolved7a", a name nothing registered.
 */
export function optimizerClassName(rule: AlrRule): string {
  return `autolr.Evolved${ruleHash(rule)}`;
}

export function generateAlrJs(rule: AlrRule, info: ExportInfo, format: 'ts' | 'js', lr0: number): string {
  const typed = format === 'ts';
  // States the update does not depend on cannot change the weights: neither stored nor computed.
  const states = liveStates(rule);
  const h = ruleHyperparameters(rule, info);
  const args = constructorArguments(h, 'tfjs');
  const stateRules = states.length === 0 ? '{}' : `{\n${states.map((s) => `  ${s}: (x) => ${printTfExpr(rule[s], h.constantNames[s])},\n`).join('')}}`;
  // Slots first: some sit inside TypeScript-only spans.
  const filled = fillSlots(runtimeText('optimizer.ts'), {
    ruleText: JSON.stringify(info.text),
    stateNames: states.map((s) => `'${s}'`).join(', '),
    stateRules,
    updateRule: printTfExpr(rule.update, h.constantNames.update),
    className: JSON.stringify(optimizerClassName(rule)),
    lr0: jsNumber(lr0),
    ignoresLr: String(ignoresLr(rule)),
    ...hyperparameterSlots(args),
  });
  const optimizer = applyTemplate(filled, typed);
  const options = args.map((a) => `${a.keyword}: ${jsNumber((a.members[0] as Argument['members'][number]).value)}`).join(', ');
  const note = hyperparameterNote(h, `new EvolvedOptimizer(${jsNumber(lr0)}${options === '' ? '' : `, { ${options} }`})`);
  // A rule that ignores lr has a default rate only because tf.Optimizer callers pass one.
  const defaultRate = ignoresLr(rule)
    ? `Default learning rate ${lr0} (the rate autolr trained with; this rule's steps do not depend on it).`
    : `Default learning rate ${lr0} (the rate autolr trained with).`;
  return [
    formatHeader(rule, info, typed ? 'TypeScript, TensorFlow.js optimizer' : 'JavaScript, TensorFlow.js optimizer', 'js'),
    `//\n// ${defaultRate} The module imports '@tensorflow/tfjs';\n// with tfjs-node, import that package instead (they share @tensorflow/tfjs-core).`,
    ...note.map((l) => `// ${l}`),
    '/* eslint-disable */',
    applyTemplate(runtimeText('tensor.ts'), typed),
    optimizer,
  ].join('\n');
}

export const ALR_TS: ExportTarget = { format: 'ts', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrJs(requireAlr(rule), info, 'ts', lr0) };
export const ALR_JS: ExportTarget = { format: 'js', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrJs(requireAlr(rule), info, 'js', lr0) };
