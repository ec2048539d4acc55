/**
 * Dynamic (schedule) rule → a dependency-free TypeScript or JavaScript module
 * for TensorFlow.js: `schedule(signals, rng)`, `acceptance(signals, rng)` when
 * the rule has an acceptance clause, the runtime (`runtime/scalar.ts`,
 * restating `semantics.ts` exactly), and `createLrCallback(optimizer, options)`
 * (`runtime/lr-callback.ts`) returning a tfjs `CustomCallback` config that
 * drives the optimizer's rate in `model.fit`, with a `step(metrics)` method
 * for training loops of the user's own. The callback requires the signals
 * only the user knows (epochs; steps per epoch for step rules), throws when a
 * loss- or accuracy-driven rule is fed none, and warns once when the rule
 * ignores the starting rate (`ignores-lr.ts`).
 *
 * Both variants come from the same text: «…» spans are TypeScript-only (see
 * `template.ts`). The generator fills the slots of those runtime files with
 * the rule's constants and expressions (`acceptance` from
 * `runtime/acceptance.ts`); the callback branches on `granularity` itself.
 */
import type { Expr, Rule } from '../grammar/ast.js';
import { callText as call, emitExpr, infixText as infix, safeName, testText as test, type OperatorTable } from '../grammar/emit.js';
import { signalsRead } from '../grammar/signals.js';
import { formatHeader, type ExportInfo } from './header.js';
import { ignoresLr } from './ignores-lr.js';
import { applyTemplate, fillSlots, runtimeText, type RuntimeFile } from './template.js';
import { requireDlr, type ExportTarget } from './target.js';

/** A JavaScript literal for a double; negatives parenthesised. */
export function jsNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/** JavaScript over the runtime of `runtime/scalar.ts`; `signals` names the object the signals are read from. */
function jsTable(signals: string): OperatorTable<string> {
  return {
    constant: jsNumber,
    signal: (name) => `${signals}.${safeName(name)}`,
    unary: {
      neg: (a) => `(-${a})`,
      abs: call('Math.abs'),
      sqrt: call('psqrt'),
      square: call('square'),
      exp: call('Math.exp'),
      log: call('plog'),
      log10: call('plog10'),
      floor: call('Math.floor'),
      sign: call('Math.sign'),
      sin: call('Math.sin'),
      cos: call('Math.cos'),
      tanh: call('Math.tanh'),
      sigmoid: call('sigmoid'),
    },
    binary: {
      add: infix('+'),
      sub: infix('-'),
      mul: infix('*'),
      div: call('pdiv'),
      pow: call('ppow'),
      min: call('Math.min'),
      max: call('Math.max'),
    },
    compare: { lt: test('<'), le: test('<='), gt: test('>'), ge: test('>='), eq: test('==='), ne: test('!==') },
    cond: (t, a, b) => `(${t} ? ${a} : ${b})`,
    choice: (options) => `choice(rng, [${options.map((o) => `() => ${o}`).join(', ')}])`,
    noise: (sigma) => `noise(rng, ${sigma})`,
    rand: () => 'rng()',
  };
}

/**
 * An expression as JavaScript (also valid TypeScript). Every compound node is
 * parenthesised or a call; operands evaluate left to right, a conditional
 * evaluates its test then only the taken branch, and `choice` draws its index
 * before evaluating the chosen option, all as `interpret` does.
 */
export function printJsExpr(e: Expr, signals = 's'): string {
  return emitExpr(e, jsTable(signals));
}

/**
 * The module text for a dynamic rule. `format` 'ts' keeps the type annotations,
 * 'js' is the same code without them.
 */
export function generateJs(rule: Rule, info: ExportInfo, format: 'ts' | 'js'): string {
  const dlr = requireDlr(rule);
  const typed = format === 'ts';
  const fill = (file: RuntimeFile, slots: Record<string, string>): string => fillSlots(applyTemplate(runtimeText(file), typed), slots);
  const rulePart = fill('lr-callback.ts', {
    granularity: JSON.stringify(dlr.granularity),
    ruleText: JSON.stringify(info.text),
    signalsRead: JSON.stringify(signalsRead(dlr)),
    ignoresLr: String(ignoresLr(dlr)),
    rate: printJsExpr(dlr.lr),
    acceptance: dlr.accept ? fill('acceptance.ts', { accept: printJsExpr(dlr.accept) }) : '',
  });
  return [
    formatHeader(dlr, info, typed ? 'TypeScript, TensorFlow.js' : 'JavaScript, TensorFlow.js', 'js'),
    '/* eslint-disable */',
    applyTemplate(runtimeText('scalar.ts'), typed),
    rulePart,
  ].join('\n');
}

export const DLR_TS: ExportTarget = { format: 'ts', variant: 'dlr', generate: (rule, info) => generateJs(rule, info, 'ts') };
export const DLR_JS: ExportTarget = { format: 'js', variant: 'dlr', generate: (rule, info) => generateJs(rule, info, 'js') };
