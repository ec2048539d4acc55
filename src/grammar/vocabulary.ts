/**
 * The words of the rule language's text form: which function names and
 * operators exist and what AST node each becomes. Shared by the parser (text →
 * AST) and the printers (AST → text) so the two cannot drift apart.
 */
import type { BinaryOp, CompareOp, UnaryOp } from './ast.js';

/** Called as `name(x)`. `neg` is written as prefix `-`, never called. */
export const UNARY_FUNCTIONS: Readonly<Record<string, UnaryOp>> = {
  abs: 'abs',
  sqrt: 'sqrt',
  square: 'square',
  exp: 'exp',
  log: 'log',
  log10: 'log10',
  floor: 'floor',
  sign: 'sign',
  sin: 'sin',
  cos: 'cos',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
};

/** Called as `name(a, b)`. */
export const BINARY_FUNCTIONS: Readonly<Record<string, BinaryOp>> = {
  pow: 'pow',
  min: 'min',
  max: 'max',
};

/** Random terms, called as `choice(a, b, …)`, `noise(sigma)`, `rand()`. */
export const RANDOM_FUNCTIONS = ['choice', 'noise', 'rand'] as const;

/**
 * `Math.<name>` calls accepted as aliases of the language's own functions
 * (with the language's protected semantics: `Math.sqrt(-4)` is 2 here).
 */
export const MATH_ALIASES: ReadonlySet<string> = new Set([
  'abs',
  'sqrt',
  'exp',
  'log',
  'log10',
  'floor',
  'sign',
  'sin',
  'cos',
  'tanh',
  'pow',
  'min',
  'max',
]);

/** Infix operators of binary nodes, and `**` as a synonym of pow. */
export const INFIX_OPERATORS: Readonly<Record<string, BinaryOp>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '**': 'pow',
};

export const COMPARISON_OPERATORS: Readonly<Record<string, CompareOp>> = {
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  '==': 'eq',
  '===': 'eq',
  '!=': 'ne',
  '!==': 'ne',
};

/** How each comparison is printed. */
export const COMPARISON_TEXT: Readonly<Record<CompareOp, string>> = {
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  eq: '==',
  ne: '!=',
};

export const INFIX_TEXT: Readonly<Partial<Record<BinaryOp, string>>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
};

export function isKnownFunction(name: string): boolean {
  return (
    Object.hasOwn(UNARY_FUNCTIONS, name) ||
    Object.hasOwn(BINARY_FUNCTIONS, name) ||
    (RANDOM_FUNCTIONS as readonly string[]).includes(name)
  );
}
