/**
 * The reference evaluator: walks the tree and applies `semantics.ts`. It is
 * the definition the compiled closures are tested against, so it stays as
 * plain as possible.
 */
import type { Expr } from './ast.js';
import { BINARY_FNS, COMPARE_FNS, UNARY_FNS, drawIndex, drawNormal, type RandomSource } from './semantics.js';

export type Signals = Readonly<Record<string, number>>;

/** A random source for rules that must not draw: any draw is a bug. */
export const NO_RANDOMNESS: RandomSource = {
  uniform(): number {
    throw new Error('this rule draws random numbers but no random stream was given');
  },
};

/**
 * Evaluates an expression. Order of evaluation (which matters for the random
 * stream): operands left to right; a conditional evaluates its test, then only
 * the taken branch; `choice` draws its index, then evaluates only that option.
 */
export function interpret(e: Expr, signals: Signals, rng: RandomSource = NO_RANDOMNESS): number {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'signal': {
      const v = signals[e.name];
      if (v === undefined) throw new Error(`signal "${e.name}" has no value`);
      return v;
    }
    case 'unary':
      return UNARY_FNS[e.op](interpret(e.arg, signals, rng));
    case 'binary': {
      const a = interpret(e.left, signals, rng);
      const b = interpret(e.right, signals, rng);
      return BINARY_FNS[e.op](a, b);
    }
    case 'cond': {
      const a = interpret(e.left, signals, rng);
      const b = interpret(e.right, signals, rng);
      return interpret(COMPARE_FNS[e.op](a, b) ? e.then : e.otherwise, signals, rng);
    }
    case 'choice':
      return interpret(e.options[drawIndex(rng, e.options.length)] as Expr, signals, rng);
    case 'noise': {
      const sigma = interpret(e.sigma, signals, rng);
      return sigma * drawNormal(rng);
    }
    case 'rand':
      return rng.uniform();
  }
}
