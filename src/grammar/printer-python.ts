/**
 * AST → Python expression text, for exporting rules to PyTorch or Keras
 * training scripts. The expression is meant to run after the Python prelude
 * (`src/export/runtime/scalar.py`), which restates `semantics.ts` in Python on
 * floats.
 *
 * Python is not a drop-in for JavaScript arithmetic: `math` functions raise
 * where JavaScript returns ±Infinity or NaN (exp and pow overflow, sin(inf),
 * floor(nan), log(0)), `math.floor` returns an int, `math.pow(1, nan)` is 1,
 * and `min`/`max` ignore NaN depending on argument order. So every operation
 * except + - * and unary minus goes through a prelude helper that returns what
 * JavaScript would, and every constant is printed as a float literal so no
 * int arithmetic ever happens. Signals must be Python floats too. With that,
 * a deterministic expression gives the same double as `interpret`, up to
 * last-ulp differences between V8's and the C library's exp/log/sin/cos/tanh/pow.
 *
 * Random terms call `_rand(rng)`, `_noise(rng, s)` and `_choice(rng, …)`, so
 * the code that evaluates the expression must have `rng` (a `random.Random`)
 * in scope. They draw in the same order and the same way as the interpreter
 * (one uniform per choice and rand, two per noise), but Python's random stream
 * is not the JavaScript one, so a random rule is equal in distribution, not
 * draw for draw.
 */
import type { Expr } from './ast.js';
import { callText as call, emitExpr, infixText as infix, safeName, testText as test, type OperatorTable } from './emit.js';

/**
 * Python over the prelude's helpers; `signal` turns a signal name into Python.
 * Every compound node is parenthesised or a call, so the text nests one
 * bracket level per tree level (Python refuses more than 200), and a
 * conditional's test needs no brackets of its own.
 */
function pythonTable(signal: (name: string) => string): OperatorTable<string> {
  return {
    constant: pythonFloat,
    signal: (name) => signal(safeName(name)),
    unary: {
      neg: (a) => `(-${a})`,
      abs: call('_abs'),
      sqrt: call('_psqrt'),
      square: call('_square'),
      exp: call('_exp'),
      log: call('_plog'),
      log10: call('_plog10'),
      floor: call('_floor'),
      sign: call('_sign'),
      sin: call('_sin'),
      cos: call('_cos'),
      tanh: call('_tanh'),
      sigmoid: call('_sigmoid'),
    },
    binary: { add: infix('+'), sub: infix('-'), mul: infix('*'), div: call('_pdiv'), pow: call('_ppow'), min: call('_min'), max: call('_max') },
    compare: { lt: test('<'), le: test('<='), gt: test('>'), ge: test('>='), eq: test('=='), ne: test('!=') },
    // Python evaluates the test first and then only the taken branch, as the interpreter does.
    cond: (t, a, b) => `(${a} if ${t} else ${b})`,
    // Lambdas, so only the drawn option is evaluated (and draws).
    choice: (options) => `_choice(rng, ${options.map((o) => `lambda: ${o}`).join(', ')})`,
    noise: (sigma) => `_noise(rng, ${sigma})`,
    rand: () => '_rand(rng)',
  };
}

/** A float literal that reads back as exactly this double; negatives are parenthesised. */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return '_NAN';
  if (v === Infinity) return '_INF';
  if (v === -Infinity) return '(-_INF)';
  if (Object.is(v, -0)) return '(-0.0)';
  // JavaScript's shortest round-trip form is valid Python, but "5" would be an int.
  let s = String(v);
  if (!/[.e]/.test(s)) s += '.0';
  return v < 0 ? `(${s})` : s;
}

/**
 * Prints an expression as Python. `signal` turns a signal name into Python
 * (say, `s["lr"]`); it only ever receives identifier-like names.
 */
export function printPythonExpr(e: Expr, signal: (name: string) => string = (n) => n): string {
  return emitExpr(e, pythonTable(signal));
}

/** A Python literal for an optional text: a string literal (JSON's escapes are Python's), or None. */
export function pythonStringOrNone(text: string | undefined): string {
  return text === undefined ? 'None' : JSON.stringify(text);
}
