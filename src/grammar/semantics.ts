/**
 * What every operator of the rule language computes on scalars: the engine's
 * one statement of it. The interpreter and the compiled closures call these,
 * the tensor compiler mirrors them element-wise, and exported modules restate
 * them once per language in src/export/runtime (scalar.ts, tensor.ts,
 * scalar.py, tensor.py; tested against this file), so all must change together.
 *
 * "Protected" operations return a documented finite value where plain IEEE
 * arithmetic would give NaN or ±Infinity from a domain error. Overflow of a
 * finite range (exp(1000), 1e200 * 1e200) is not a domain error: it gives
 * ±Infinity, which the training loop treats as an invalid learning rate.
 */
import type { BinaryOp, CompareOp, UnaryOp } from './ast.js';

/**
 * a / b, except that dividing by zero leaves the numerator unchanged: a / 0 = a.
 * Only an exact zero is protected: a tiny divisor is a legitimate value (a
 * simulated-annealing temperature after hundreds of epochs), and its huge
 * quotient is overflow, not a domain error.
 */
export function pdiv(a: number, b: number): number {
  return b === 0 ? a : a / b;
}

/**
 * a to the power b, protected:
 * - a negative base with a non-integer exponent uses |a| (|a|^b instead of NaN);
 * - zero to a negative power is 1 (read as 1 / 0^n, which protected division makes 1).
 */
export function ppow(a: number, b: number): number {
  if (a === 0 && b < 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return Math.pow(-a, b);
  return Math.pow(a, b);
}

/** sqrt(|x|). */
export function psqrt(x: number): number {
  return Math.sqrt(Math.abs(x));
}

/** ln|x|, and 0 at x = 0. */
export function plog(x: number): number {
  return x === 0 ? 0 : Math.log(Math.abs(x));
}

/** log10|x|, and 0 at x = 0. */
export function plog10(x: number): number {
  return x === 0 ? 0 : Math.log10(Math.abs(x));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export const UNARY_FNS: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sqrt: psqrt,
  square: (x) => x * x,
  exp: Math.exp,
  log: plog,
  log10: plog10,
  floor: Math.floor,
  sign: Math.sign,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
};

export const BINARY_FNS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: pdiv,
  pow: ppow,
  min: Math.min,
  max: Math.max,
};

export const COMPARE_FNS: Record<CompareOp, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};

/** The random stream a rule draws from; callers pass a seeded one. */
export interface RandomSource {
  /** A uniform draw in [0, 1). */
  uniform(): number;
}

/** Index drawn by `choice` over n options: one uniform draw. */
export function drawIndex(rng: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(rng.uniform() * n));
}

/** A standard normal draw by Box–Muller: always exactly two uniform draws, so streams stay aligned. */
export function drawNormal(rng: RandomSource): number {
  const u1 = rng.uniform();
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
