/**
 * Adaptive (alr) rule → a Python module: `rule_step(o, grad, state, lr, step)`
 * written once against a small table of element-wise operations `o`, with two
 * tables — NumPy (float32) and PyTorch — a `NumpyOptimizer` for plain arrays,
 * and a `torch.optim.Optimizer` subclass, defined only when torch imports.
 *
 * The operations (`runtime/tensor.py`) restate `compile-tensor.ts` (protected division, power, log,
 * sign; NaN-propagating min/max; conditionals as `where`), so both tables take
 * the steps the campaign measured, up to float32 rounding of transcendentals.
 * The generator writes the rule's constants, one expression per kept state
 * (STATE_RULES) and update_rule, and the hyperparameters the constructors
 * take (HYPERPARAMETERS, `hyperparameters.ts`: constants that are a
 * baseline's named parameters read them from the dict `h` instead of being
 * literals); `rule_step` and the optimizers, which loop over STATE_NAMES and
 * check the hyperparameters, are `runtime/optimizer.py`.
 */
import type { AlrRule, Expr } from '../grammar/ast.js';
import { callText as call, emitExpr, infixText as infix, replaceConstants, type OperatorTable } from '../grammar/emit.js';
import { pythonFloat, pythonStringOrNone } from '../grammar/printer-python.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, ignoredLrWarning, type ExportInfo } from './header.js';
import { constructorArguments, hyperparameterNote, ruleHyperparameters, valueLabel, type Argument, type RuleHyperparameters } from './hyperparameters.js';
import { ignoresLr } from './ignores-lr.js';
import { requireAlr, type ExportTarget } from './target.js';
import { runtimeText } from './template.js';

const TENSOR_INPUTS = new Set(['grad', 'alpha', 'beta', 'sigma']);

const noRandom = (kind: string) => (): never => {
  throw new Error(`adaptive rules cannot contain random terms (${kind})`);
};

/** Calls on the operation table `o` (`runtime/tensor.py`), over the inputs dict `x`. */
const OPS_TABLE: OperatorTable<string> = {
  constant: (v) => `o.c(${pythonFloat(v)})`,
  signal: (name) => {
    if (TENSOR_INPUTS.has(name)) return `x["${name}"]`;
    if (name === 'lr' || name === 'step') return `o.c(x["${name}"])`;
    throw new Error(`signal "${name}" is not an input of adaptive rules`);
  },
  unary: {
    neg: call('o.neg'),
    abs: call('o.abs'),
    sqrt: call('o.psqrt'),
    square: call('o.square'),
    exp: call('o.exp'),
    log: call('o.plog'),
    log10: call('o.plog10'),
    floor: call('o.floor'),
    sign: call('o.psign'),
    sin: call('o.sin'),
    cos: call('o.cos'),
    tanh: call('o.tanh'),
    sigmoid: call('o.sigmoid'),
  },
  binary: { add: call('o.add'), sub: call('o.sub'), mul: call('o.mul'), div: call('o.pdiv'), pow: call('o.ppow'), min: call('o.pmin'), max: call('o.pmax') },
  // Comparisons are the array libraries' own element-wise operators.
  compare: { lt: infix('<'), le: infix('<='), gt: infix('>'), ge: infix('>='), eq: infix('=='), ne: infix('!=') },
  cond: call('o.where'),
  choice: noRandom('choice'),
  noise: noRandom('noise'),
  rand: noRandom('rand'),
};

/**
 * An adaptive-rule expression as calls on the operation table `o`, over the
 * inputs dict `x`; `names` (per constant in walk order) turns constants that
 * are hyperparameters into reads of the dict `h`.
 */
export function printPythonTensorExpr(e: Expr, names: readonly (string | undefined)[] = []): string {
  return emitExpr(
    e,
    replaceConstants(OPS_TABLE, (i) => {
      const name = names[i];
      return name === undefined ? undefined : `o.c(h[${JSON.stringify(name)}])`;
    }),
  );
}

/** A Python literal of an argument's default: a number, or a tuple for grouped values (betas). */
function pythonDefault(arg: Argument): string {
  const values = arg.members.map((m) => pythonFloat(m.value));
  return arg.members.length === 1 ? (values[0] as string) : `(${values.join(', ')})`;
}

/**
 * HYPERPARAMETERS for runtime/optimizer.py: per constructor keyword, one
 * (name in h, default, lower bound, upper bound, what an error calls it) per
 * value; a bound is (value, inclusive) or None.
 */
function hyperparameterTable(args: readonly Argument[]): string {
  if (args.length === 0) return 'HYPERPARAMETERS = {}';
  const bound = (v: number | undefined, exclusive: boolean | undefined): string => (v === undefined ? 'None' : `(${pythonFloat(v)}, ${exclusive ? 'False' : 'True'})`);
  const rows = args.map((arg) => {
    const members = arg.members.map(
      (m, i) =>
        `(${JSON.stringify(m.name)}, ${pythonFloat(m.value)}, ${bound(m.spec.min, m.spec.exclusiveMin)}, ${bound(m.spec.max, m.spec.exclusiveMax)}, ${JSON.stringify(valueLabel(arg.keyword, i, arg.members.length > 1))})`,
    );
    return `    ${JSON.stringify(arg.keyword)}: (${members.join(', ')}${members.length === 1 ? ',' : ''}),\n`;
  });
  return `HYPERPARAMETERS = {\n${rows.join('')}}`;
}

/** The header lines and docstring note on the constructors' hyperparameters. */
function hyperparameterLines(h: RuleHyperparameters, args: readonly Argument[], lr0: number): string[] {
  const keywords = args.map((a) => `, ${a.keyword}=${pythonDefault(a)}`).join('');
  return hyperparameterNote(h, `EvolvedOptimizer(params, lr=${pythonFloat(lr0)}${keywords}) (NumpyOptimizer and EvolvedKerasOptimizer take the same keywords)`);
}

export function generateAlrPython(rule: AlrRule, info: ExportInfo, lr0: number): string {
  const states = liveStates(rule);
  const h = ruleHyperparameters(rule, info);
  const args = constructorArguments(h, 'torch');
  const note = hyperparameterLines(h, args, lr0);
  const stateTuple = `(${states.map((s) => `"${s}"`).join(', ')}${states.length === 1 ? ',' : ''})`;
  const stateRules = states.map((s) => `    "${s}": lambda o, x, h: ${printPythonTensorExpr(rule[s], h.constantNames[s])},\n`).join('');
  return [
    formatHeader(rule, info, 'Python: PyTorch optimizer, Keras 3 optimizer and NumPy', 'py'),
    `#\n# Default learning rate ${lr0} (the rate autolr trained with${ignoresLr(rule) ? '; this rule does not use it' : ''}).`,
    ...note.map((l) => `# ${l}`),
    '',
    runtimeText('tensor.py').trimEnd(),
    '',
    '',
    `RULE_TEXT = ${JSON.stringify(info.text)}`,
    `STATE_NAMES = ${stateTuple}`,
    `DEFAULT_LR = ${pythonFloat(lr0)}`,
    '# Warned at construction: the update never takes lr as a value.',
    `LR_IGNORED = ${pythonStringOrNone(ignoredLrWarning(rule))}`,
    '# The constructors\' keyword arguments for the rule\'s hyperparameters, checked by resolve_hyperparameters.',
    hyperparameterTable(args),
    `HYPERPARAMETERS_NOTE = ${JSON.stringify(note.join(' '))}`,
    '',
    '# Each kept state\'s new value, then the update, as calls on the operation table o over the step\'s inputs x',
    '# and the hyperparameters h.',
    `STATE_RULES = {${stateRules === '' ? '' : `\n${stateRules}`}}`,
    '',
    '',
    'def update_rule(o, x, h):',
    `    return ${printPythonTensorExpr(rule.update, h.constantNames.update)}`,
    '',
    '',
    runtimeText('optimizer.py').trimEnd(),
    '',
  ].join('\n');
}

export const ALR_PY: ExportTarget = { format: 'py', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrPython(requireAlr(rule), info, lr0) };
