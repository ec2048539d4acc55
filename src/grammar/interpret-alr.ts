/**
 * The reference semantics of an adaptive rule on one weight element: states
 * updated in order alpha, beta, sigma (each seeing the states already updated
 * this step), then the update. The tensor compiler does the same element-wise.
 */
import type { AlrRule } from './ast.js';
import { interpret } from './interpreter.js';

export interface AlrElementState {
  alpha: number;
  beta: number;
  sigma: number;
}

/** Advances one element's states in place and returns its update (w ← w − update). */
export function interpretAlrStep(rule: AlrRule, state: AlrElementState, grad: number, lr: number, step: number): number {
  const common = { grad, lr, step };
  state.alpha = interpret(rule.alpha, { ...common, alpha: state.alpha });
  state.beta = interpret(rule.beta, { ...common, alpha: state.alpha, beta: state.beta });
  state.sigma = interpret(rule.sigma, { ...common, alpha: state.alpha, beta: state.beta, sigma: state.sigma });
  return interpret(rule.update, { ...common, alpha: state.alpha, beta: state.beta, sigma: state.sigma });
}
