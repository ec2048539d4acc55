/**
 * AST → Python expression text, for exporting rules to PyTorch or Keras
 * training scripts. The expression is meant to run after `PYTHON_PRELUDE`,
 * which restates `semantics.ts` in Python on floats.
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
import type { BinaryOp, CompareOp, Expr, UnaryOp } from './ast.js';

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Python source of the helpers printed expressions call. Needs only `math` and `random`. */
export const PYTHON_PRELUDE = `import math
import random

_INF = math.inf
_NAN = math.nan


def _is_int(x):
    return math.isfinite(x) and x == math.floor(x)


def _is_odd_int(x):
    return _is_int(x) and math.fmod(x, 2.0) != 0.0


def _js_pow(a, b):
    # JavaScript's Math.pow: NaN for a NaN exponent and for (+-1) ** (+-inf)
    # (math.pow gives 1.0), +-inf on overflow and for 0 ** negative.
    if b != b:
        return _NAN
    if b == 0.0:
        return 1.0
    if a != a or (math.isinf(b) and abs(a) == 1.0):
        return _NAN
    try:
        return math.pow(a, b)
    except OverflowError:
        return -_INF if a < 0.0 and _is_odd_int(b) else _INF
    except ValueError:
        if a == 0.0:
            return -_INF if math.copysign(1.0, a) < 0.0 and _is_odd_int(b) else _INF
        return _NAN


def _ppow(a, b):
    if a == 0.0 and b < 0.0:
        return 1.0
    if a < 0.0 and not _is_int(b):
        a = -a
    return _js_pow(a, b)


def _pdiv(a, b):
    return a if b == 0.0 else a / b


def _psqrt(x):
    return math.sqrt(abs(x))


def _plog(x):
    return 0.0 if x == 0.0 else math.log(abs(x))


def _plog10(x):
    return 0.0 if x == 0.0 else math.log10(abs(x))


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _sigmoid(x):
    return 1.0 / (1.0 + _exp(-x))


def _floor(x):
    # math.floor returns an int, raises on inf and nan, and loses the sign of -0.0.
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(math.floor(x))


def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x


def _sin(x):
    return _NAN if math.isinf(x) else math.sin(x)


def _cos(x):
    return _NAN if math.isinf(x) else math.cos(x)


def _tanh(x):
    return math.tanh(x)


def _abs(x):
    return abs(x)


def _square(x):
    return x * x


def _min(a, b):
    # Math.min: NaN if either is NaN, and -0.0 is below 0.0.
    if a != a or b != b:
        return _NAN
    if a == b:
        return a if math.copysign(1.0, a) < 0.0 else b
    return a if a < b else b


def _max(a, b):
    if a != a or b != b:
        return _NAN
    if a == b:
        return b if math.copysign(1.0, a) < 0.0 else a
    return a if a > b else b


def _rand(rng):
    return rng.random()


def _choice(rng, *options):
    n = len(options)
    return options[min(n - 1, math.floor(rng.random() * n))]()


def _noise(rng, sigma):
    u1 = rng.random()
    u2 = rng.random()
    return sigma * (math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2))
`;

const UNARY_HELPERS: Record<Exclude<UnaryOp, 'neg'>, string> = {
  abs: '_abs',
  sqrt: '_psqrt',
  square: '_square',
  exp: '_exp',
  log: '_plog',
  log10: '_plog10',
  floor: '_floor',
  sign: '_sign',
  sin: '_sin',
  cos: '_cos',
  tanh: '_tanh',
  sigmoid: '_sigmoid',
};

const INFIX: Partial<Record<BinaryOp, string>> = { add: '+', sub: '-', mul: '*' };
const BINARY_HELPERS: Record<'div' | 'pow' | 'min' | 'max', string> = { div: '_pdiv', pow: '_ppow', min: '_min', max: '_max' };

const COMPARISONS: Record<CompareOp, string> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' };

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
 * Prints an expression as Python. Every compound node is parenthesised or a
 * call, so the text nests one bracket level per tree level (Python refuses
 * more than 200), and a conditional's test needs no brackets of its own.
 * `signal` turns a signal name into Python (say, `s["lr"]`); it only ever
 * receives identifier-like names.
 */
export function printPythonExpr(e: Expr, signal: (name: string) => string = (n) => n): string {
  const p = (x: Expr): string => printPythonExpr(x, signal);
  switch (e.kind) {
    case 'const':
      return pythonFloat(e.value);
    case 'signal':
      if (!SAFE_NAME.test(e.name)) throw new Error(`invalid signal name ${JSON.stringify(e.name)}`);
      return signal(e.name);
    case 'unary':
      return e.op === 'neg' ? `(-${p(e.arg)})` : `${UNARY_HELPERS[e.op]}(${p(e.arg)})`;
    case 'binary': {
      const infix = INFIX[e.op];
      if (infix !== undefined) return `(${p(e.left)} ${infix} ${p(e.right)})`;
      return `${BINARY_HELPERS[e.op as keyof typeof BINARY_HELPERS]}(${p(e.left)}, ${p(e.right)})`;
    }
    case 'cond':
      // Python evaluates the test first and then only the taken branch, as the interpreter does.
      return `(${p(e.then)} if ${p(e.left)} ${COMPARISONS[e.op]} ${p(e.right)} else ${p(e.otherwise)})`;
    case 'choice':
      // Lambdas, so only the drawn option is evaluated (and draws).
      return `_choice(rng, ${e.options.map((o) => `lambda: ${p(o)}`).join(', ')})`;
    case 'noise':
      return `_noise(rng, ${p(e.sigma)})`;
    case 'rand':
      return '_rand(rng)';
  }
}
