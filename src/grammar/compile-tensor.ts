/**
 * AST → tfjs closures for adaptive (per-weight) rules. Every operator is
 * applied element-wise to weight-shaped float32 tensors and mirrors
 * `semantics.ts` exactly, protected operations included; the only intended
 * difference from the scalar interpreter is float32 instead of float64
 * arithmetic (and `log10`, which tfjs lacks, is ln|x| / ln 10: within an ulp
 * or two of a float32 log10, exact at 1, 10, …, 1e10).
 *
 * Conditionals compute both branches and select with `tf.where`; that is only
 * sound because adaptive rules have no random terms, which are refused here.
 */
import * as tf from '@tensorflow/tfjs';
import { children, type AlrRule, type BinaryOp, type CompareOp, type Expr, type UnaryOp } from './ast.js';
import { emitExpr, mapOps, type OperatorTable } from './emit.js';
import { printExpr } from './printer.js';

/** What an adaptive rule reads: weight-shaped tensors, plus two scalars. */
export interface TensorInputs {
  readonly grad: tf.Tensor;
  readonly alpha: tf.Tensor;
  readonly beta: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly lr: number;
  readonly step: number;
}

/**
 * A compiled expression. It returns a new tensor shaped like `grad` (even when
 * the expression reads only scalars) and disposes all its intermediates, so
 * it leaks nothing inside or outside `tf.tidy`; the caller owns the result.
 */
export type TensorFn = (inputs: TensorInputs) => tf.Tensor;

/** A type alias, not an interface, so it is a `tf.TensorContainer` and `tf.tidy` can return it. */
export type AlrStepResult = {
  readonly alpha: tf.Tensor;
  readonly beta: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly update: tf.Tensor;
};

export interface CompiledAlrRule {
  /** One optimizer step for one weight; the caller owns the four returned tensors. */
  step(inputs: TensorInputs): AlrStepResult;
}

const TENSOR_SIGNALS = ['grad', 'alpha', 'beta', 'sigma'] as const;
const SCALAR_SIGNALS = ['lr', 'step'] as const;
type TensorSignal = (typeof TENSOR_SIGNALS)[number];
type ScalarSignal = (typeof SCALAR_SIGNALS)[number];

/** Signal lookup during one call; scalar signals become tensors only if read. */
interface Env {
  tensor(name: TensorSignal): tf.Tensor;
  scalar(name: ScalarSignal): tf.Tensor;
}

type Node = (env: Env) => tf.Tensor;

const f32 = (v: number): tf.Tensor => tf.scalar(v, 'float32');

/** pdiv protects an exact zero divisor (either sign). */
const isZeroDivisor = (b: tf.Tensor): tf.Tensor => tf.equal(b, f32(0));

/** Math.sign: tf.sign maps NaN and -0 to 0, so those keep their own value. */
function sign(x: tf.Tensor): tf.Tensor {
  const s = tf.sign(x);
  return tf.where(tf.equal(s, 0), x, s);
}

/** ln|x| and log10|x|, 0 at x = 0. */
function plog(x: tf.Tensor): tf.Tensor {
  return tf.where(tf.equal(x, 0), f32(0), tf.log(tf.abs(x)));
}

function plog10(x: tf.Tensor): tf.Tensor {
  // Dividing (rather than multiplying by log10(e)) keeps exact powers of ten exact.
  return tf.div(plog(x), f32(Math.LN10));
}

const UNARY: Record<UnaryOp, (x: tf.Tensor) => tf.Tensor> = {
  neg: (x) => tf.neg(x),
  abs: (x) => tf.abs(x),
  sqrt: (x) => tf.sqrt(tf.abs(x)),
  square: (x) => tf.square(x),
  exp: (x) => tf.exp(x),
  log: plog,
  log10: plog10,
  floor: (x) => tf.floor(x),
  sign,
  sin: (x) => tf.sin(x),
  cos: (x) => tf.cos(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
};

function pdiv(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.where(isZeroDivisor(b), a, tf.div(a, b));
}

function ppow(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // floor(b) = b stands in for Number.isInteger(b). It also holds at ±Infinity,
  // which is no integer, but there a^b and |a|^b agree for every negative a.
  const isInteger = tf.equal(tf.floor(b), b);
  const base = tf.where(tf.logicalAnd(tf.less(a, 0), tf.logicalNot(isInteger)), tf.neg(a), a);
  return tf.where(tf.logicalAnd(tf.equal(a, 0), tf.less(b, 0)), f32(1), tf.pow(base, b));
}

/**
 * Math.min / Math.max return NaN when either operand is NaN. The cpu backend
 * already does (it calls Math.min), but other backends (wasm's std::min,
 * TensorFlow's Minimum) return the other operand, so NaN is restored explicitly.
 */
function nanPropagating(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return (a, b) => tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), op(a, b), b), a);
}

const BINARY: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: pdiv,
  pow: ppow,
  min: nanPropagating((a, b) => tf.minimum(a, b)),
  max: nanPropagating((a, b) => tf.maximum(a, b)),
};

// Each of these is false when an operand is NaN, except ne, as in JavaScript.
const COMPARE: Record<CompareOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  lt: (a, b) => tf.less(a, b),
  le: (a, b) => tf.lessEqual(a, b),
  gt: (a, b) => tf.greater(a, b),
  ge: (a, b) => tf.greaterEqual(a, b),
  eq: (a, b) => tf.equal(a, b),
  ne: (a, b) => tf.notEqual(a, b),
};

function isTensorSignal(name: string): name is TensorSignal {
  return (TENSOR_SIGNALS as readonly string[]).includes(name);
}

function isScalarSignal(name: string): name is ScalarSignal {
  return (SCALAR_SIGNALS as readonly string[]).includes(name);
}

const RANDOM_KINDS: ReadonlySet<Expr['kind']> = new Set(['rand', 'noise', 'choice']);

/** The first random term in evaluation order, for an error message that shows it. */
function firstRandomTerm(e: Expr): Expr | undefined {
  if (RANDOM_KINDS.has(e.kind)) return e;
  for (const c of children(e)) {
    const found = firstRandomTerm(c);
    if (found) return found;
  }
  return undefined;
}

function randomTermError(term: Expr): Error {
  return new Error(
    `adaptive rules cannot contain random terms, but this one has ${term.kind}: ${printExpr(term)} ` +
      '(per-weight tensor rules are deterministic; use rand/noise/choice in schedule rules)',
  );
}

// compileNode refuses random terms before the walk, with the term printed; these only back that up.
const refuseRandom = (kind: string) => (): never => {
  throw new Error(`adaptive rules cannot contain random terms (${kind})`);
};

/**
 * The tensor compiler's operator table: closures over an `Env`, each applying
 * one of the element-wise operations above to what its operands computed.
 */
const TENSOR_TABLE: OperatorTable<Node> = {
  // Made per call, not at compile time, so a compiled rule owns no tensors.
  constant: (v) => () => f32(v),
  signal: (name) => {
    if (isTensorSignal(name)) return (env) => env.tensor(name);
    if (isScalarSignal(name)) return (env) => env.scalar(name);
    throw new Error(`signal "${name}" is not an input of adaptive rules (they read ${[...TENSOR_SIGNALS, ...SCALAR_SIGNALS].join(', ')})`);
  },
  unary: mapOps(UNARY, (f) => (arg: Node) => (env: Env) => f(arg(env))),
  binary: mapOps(BINARY, (f) => (left: Node, right: Node) => (env: Env) => f(left(env), right(env))),
  compare: mapOps(COMPARE, (f) => (left: Node, right: Node) => (env: Env) => f(left(env), right(env))),
  cond: (test, then, otherwise) => (env) => tf.where(test(env), then(env), otherwise(env)),
  choice: refuseRandom('choice'),
  noise: refuseRandom('noise'),
  rand: refuseRandom('rand'),
};

function compileNode(e: Expr): Node {
  const random = firstRandomTerm(e);
  if (random) throw randomTermError(random);
  return emitExpr(e, TENSOR_TABLE);
}

function asFloat32(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** Compiles one expression of an adaptive rule. Throws on random terms and unknown signals. */
export function compileTensorExpr(e: Expr): TensorFn {
  const root = compileNode(e);
  return (inputs) =>
    tf.tidy(() => {
      const scalars: Partial<Record<ScalarSignal, tf.Tensor>> = {};
      const env: Env = {
        tensor: (name) => asFloat32(inputs[name]),
        scalar: (name) => (scalars[name] ??= f32(inputs[name])),
      };
      // broadcastTo copies even at equal shapes, so the caller never gets back
      // one of its own inputs (which it may dispose as the "old" state).
      return tf.broadcastTo(root(env), inputs.grad.shape);
    });
}

/**
 * Compiles an adaptive rule. A step follows AutoLR's order: alpha from the old
 * states; beta sees the new alpha; sigma the new alpha and beta; the update
 * all three new states (a part reading a state not yet updated sees its old value).
 */
export function compileAlrRule(rule: AlrRule): CompiledAlrRule {
  const alphaFn = compileTensorExpr(rule.alpha);
  const betaFn = compileTensorExpr(rule.beta);
  const sigmaFn = compileTensorExpr(rule.sigma);
  const updateFn = compileTensorExpr(rule.update);
  return {
    step(inputs) {
      const alpha = alphaFn(inputs);
      const beta = betaFn({ ...inputs, alpha });
      const sigma = sigmaFn({ ...inputs, alpha, beta });
      const update = updateFn({ ...inputs, alpha, beta, sigma });
      return { alpha, beta, sigma, update };
    },
  };
}
