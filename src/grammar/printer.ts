/**
 * AST → rule text. The output is the language's canonical form: minimal
 * parentheses, functions called by their short names, and it parses back
 * (`parseRule`) to exactly the same AST.
 */
import type { Expr, Rule } from './ast.js';
import { ruleParts } from './ast.js';
import { COMPARISON_TEXT, INFIX_TEXT } from './vocabulary.js';

/** Binding strength of a printed node; a child binding weaker than its slot needs parentheses. */
const enum Prec {
  Conditional = 1,
  Additive = 2,
  Multiplicative = 3,
  Prefix = 4,
  Atom = 5,
}

/** Shortest text that reads back as exactly this double. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot print the non-finite constant ${value}`);
  return Object.is(value, -0) ? '-0' : String(value);
}

function precedence(e: Expr): Prec {
  switch (e.kind) {
    case 'const':
      return e.value < 0 || Object.is(e.value, -0) ? Prec.Prefix : Prec.Atom;
    case 'unary':
      return e.op === 'neg' ? Prec.Prefix : Prec.Atom;
    case 'binary':
      if (e.op === 'add' || e.op === 'sub') return Prec.Additive;
      if (e.op === 'mul' || e.op === 'div') return Prec.Multiplicative;
      return Prec.Atom;
    case 'cond':
      return Prec.Conditional;
    default:
      return Prec.Atom;
  }
}

/** Prints `e`, parenthesised when it binds weaker than `min`. */
function wrap(e: Expr, min: Prec): string {
  const s = printExpr(e);
  return precedence(e) < min ? `(${s})` : s;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'const':
      return formatNumber(e.value);
    case 'signal':
      return e.name;
    case 'rand':
      return 'rand()';
    case 'noise':
      return `noise(${printExpr(e.sigma)})`;
    case 'choice':
      return `choice(${e.options.map(printExpr).join(', ')})`;
    case 'unary': {
      if (e.op !== 'neg') return `${e.op}(${printExpr(e.arg)})`;
      // "-(0.5)" keeps a negated constant distinct from the constant -0.5, and
      // "-(-x)" avoids the "--" token.
      const a = e.arg;
      const bare = precedence(a) === Prec.Atom && a.kind !== 'const';
      return bare ? `-${printExpr(a)}` : `-(${printExpr(a)})`;
    }
    case 'binary': {
      const infix = INFIX_TEXT[e.op];
      if (infix === undefined) return `${e.op}(${printExpr(e.left)}, ${printExpr(e.right)})`;
      const p = precedence(e);
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${wrap(e.left, p)} ${infix} ${wrap(e.right, p + 1)}`;
    }
    case 'cond': {
      const test = `${wrap(e.left, Prec.Additive)} ${COMPARISON_TEXT[e.op]} ${wrap(e.right, Prec.Additive)}`;
      // else-if chains read naturally unparenthesised; a conditional in the then-branch does not.
      return `${test} ? ${wrap(e.then, Prec.Additive)} : ${printExpr(e.otherwise)}`;
    }
  }
}

/**
 * Prints a whole rule as `part: expression` items. Adaptive states that never
 * change (`alpha: alpha`) are left out, as the parser fills them back in.
 */
export function printRule(rule: Rule, separator = '; '): string {
  return ruleParts(rule)
    .filter(([name, e]) => !(rule.variant === 'alr' && e.kind === 'signal' && e.name === name))
    .map(([name, e]) => `${name}: ${printExpr(e)}`)
    .join(separator);
}
