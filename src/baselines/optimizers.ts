/**
 * Per-weight (adaptive) baselines, hand-coded on plain arrays as their papers
 * write them, and as rule text in AutoLR's shape (states alpha, beta, sigma;
 * w ← w − update). `step` in the rule text is the number of steps already
 * taken, so the paper's t is step + 1.
 */
import { lit, scalar } from './params.js';
import type { AlrBaseline, HandOptimizer, ParamSpec, ParamValues } from './types.js';

/** A hand-coded optimizer from its per-element update, with `states` zero-initialised arrays. */
function elementwise(
  states: number,
  update: (g: number, s: Float64Array[], i: number, lr: number, t: number) => number,
): HandOptimizer {
  return {
    init: (size) => Array.from({ length: states }, () => new Float64Array(size)),
    update(grad, state, lr, step) {
      const out = new Float64Array(grad.length);
      for (let i = 0; i < grad.length; i++) out[i] = update(grad[i] as number, state, i, lr, step + 1);
      return out;
    },
  };
}

const rate = (name: string, description: string, dflt: number, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  description,
  default: dflt,
  min: 0,
  max: 1,
  exclusiveMax: true,
  ...extra,
});
const EPS = (dflt: number): ParamSpec => ({ name: 'eps', description: 'added to the denominator', default: dflt, min: 0, exclusiveMin: true });

function alr(
  name: string,
  title: string,
  description: string,
  reference: string,
  params: readonly ParamSpec[],
  ruleText: (p: ParamValues) => string,
  handCoded: (p: ParamValues) => HandOptimizer,
): AlrBaseline {
  return { name, title, description, reference, variant: 'alr', params, ruleText, handCoded };
}

export const SGD = alr('sgd', 'SGD', 'w ← w − lr·g.', 'Robbins, Monro, 1951', [], () => 'update: lr * grad', () =>
  elementwise(0, (g, _s, _i, lr) => lr * g),
);

export const MOMENTUM = alr(
  'momentum',
  'SGD with momentum',
  'v ← μ·v + g; w ← w − lr·v (PyTorch convention).',
  'Polyak, 1964; Sutskever et al., ICML 2013',
  [rate('mu', 'momentum μ', 0.9)],
  (p) => `alpha: ${lit(scalar(p, 'mu'))} * alpha + grad; update: lr * alpha`,
  (p) =>
    elementwise(1, (g, [v], i, lr) => {
      const velocity = v as Float64Array;
      velocity[i] = scalar(p, 'mu') * (velocity[i] as number) + g;
      return lr * (velocity[i] as number);
    }),
);

export const NESTEROV = alr(
  'nesterov',
  'Nesterov momentum',
  'v ← μ·v + g; w ← w − lr·(g + μ·v) (PyTorch convention).',
  'Nesterov, 1983; Sutskever et al., ICML 2013',
  [rate('mu', 'momentum μ', 0.9)],
  (p) => {
    const mu = lit(scalar(p, 'mu'));
    return `alpha: ${mu} * alpha + grad; update: lr * (grad + ${mu} * alpha)`;
  },
  (p) =>
    elementwise(1, (g, [v], i, lr) => {
      const mu = scalar(p, 'mu');
      const velocity = v as Float64Array;
      velocity[i] = mu * (velocity[i] as number) + g;
      return lr * (g + mu * (velocity[i] as number));
    }),
);

export const ADAM = alr(
  'adam',
  'Adam',
  'Bias-corrected first and second moment estimates: w ← w − lr·m̂/(√v̂ + ε).',
  'Kingma, Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1',
  [rate('beta1', 'first-moment decay β1', 0.9), rate('beta2', 'second-moment decay β2', 0.999), EPS(1e-8)],
  (p) => {
    const b1 = lit(scalar(p, 'beta1'));
    const b2 = lit(scalar(p, 'beta2'));
    return (
      `alpha: ${b1} * alpha + (1 - ${b1}) * grad; beta: ${b2} * beta + (1 - ${b2}) * square(grad); ` +
      `update: lr * (alpha / (1 - pow(${b1}, step + 1))) / (sqrt(beta / (1 - pow(${b2}, step + 1))) + ${lit(scalar(p, 'eps'))})`
    );
  },
  (p) =>
    elementwise(2, (g, [m, v], i, lr, t) => {
      const b1 = scalar(p, 'beta1');
      const b2 = scalar(p, 'beta2');
      const m1 = m as Float64Array;
      const v1 = v as Float64Array;
      m1[i] = b1 * (m1[i] as number) + (1 - b1) * g;
      v1[i] = b2 * (v1[i] as number) + (1 - b2) * (g * g);
      const mHat = (m1[i] as number) / (1 - b1 ** t);
      const vHat = (v1[i] as number) / (1 - b2 ** t);
      return (lr * mHat) / (Math.sqrt(vHat) + scalar(p, 'eps'));
    }),
);

export const RMSPROP = alr(
  'rmsprop',
  'RMSprop',
  'v ← ρ·v + (1−ρ)·g²; w ← w − lr·g/(√v + ε).',
  'Tieleman, Hinton, Lecture 6.5, COURSERA: Neural Networks for Machine Learning, 2012',
  [rate('rho', 'decay ρ of the squared-gradient average', 0.9), EPS(1e-7)],
  (p) => {
    const rho = lit(scalar(p, 'rho'));
    return `alpha: ${rho} * alpha + (1 - ${rho}) * square(grad); update: lr * grad / (sqrt(alpha) + ${lit(scalar(p, 'eps'))})`;
  },
  (p) =>
    elementwise(1, (g, [v], i, lr) => {
      const rho = scalar(p, 'rho');
      const avg = v as Float64Array;
      avg[i] = rho * (avg[i] as number) + (1 - rho) * (g * g);
      return (lr * g) / (Math.sqrt(avg[i] as number) + scalar(p, 'eps'));
    }),
);

export const ADAGRAD = alr(
  'adagrad',
  'Adagrad',
  'G ← G + g²; w ← w − lr·g/(√G + ε).',
  'Duchi, Hazan, Singer, JMLR 2011',
  [EPS(1e-7)],
  (p) => `alpha: alpha + square(grad); update: lr * grad / (sqrt(alpha) + ${lit(scalar(p, 'eps'))})`,
  (p) =>
    elementwise(1, (g, [G], i, lr) => {
      const sum = G as Float64Array;
      sum[i] = (sum[i] as number) + g * g;
      return (lr * g) / (Math.sqrt(sum[i] as number) + scalar(p, 'eps'));
    }),
);

export const ADES = alr(
  'ades',
  'ADES (AutoLR)',
  'AutoLR\'s evolved optimizer: y ← y − (1−β1)·[y + (y+β2)(y+g)]; w ← w + y. It ignores lr.',
  'Carvalho, Lourenço, Machado, "Evolving Learning Rate Optimizers for Deep Neural Networks", 2021 (β values tuned on Fashion-MNIST)',
  [
    { name: 'beta1', description: 'β1', default: 0.8762 },
    { name: 'beta2', description: 'β2', default: 0.7613 },
  ],
  (p) => `alpha: alpha - (1 - ${lit(scalar(p, 'beta1'))}) * (alpha + (alpha + ${lit(scalar(p, 'beta2'))}) * (alpha + grad)); update: -alpha`,
  (p) =>
    elementwise(1, (g, [y], i) => {
      const state = y as Float64Array;
      const yi = state[i] as number;
      state[i] = yi - (1 - scalar(p, 'beta1')) * (yi + (yi + scalar(p, 'beta2')) * (yi + g));
      return -(state[i] as number);
    }),
);

export const SIGN = alr(
  'sign',
  'Sign (AutoLR)',
  'w ← w − β·sign(g), a fixed step against the gradient\'s sign. It ignores lr.',
  'Carvalho, Lourenço, Machado, "Evolving Learning Rate Optimizers for Deep Neural Networks", 2021',
  [{ name: 'beta', description: 'step size β', default: 0.001, min: 0, exclusiveMin: true }],
  (p) => `update: ${lit(scalar(p, 'beta'))} * sign(grad)`,
  (p) => elementwise(0, (g) => scalar(p, 'beta') * Math.sign(g)),
);
