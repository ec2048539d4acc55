/**
 * How a rule moves the weights.
 *
 * Dynamic rules drive one of tfjs' own optimizers, and each needs its rate
 * set its own way: SGD and momentum cache the rate as a tensor when built, so
 * only `setLearningRate` changes it; Adam reads its `learningRate` field at
 * every step. Adaptive rules are their own optimizer: the compiled rule
 * updates per-weight states (keyed by the parameter's key) and the weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { AlrRule } from '../grammar/ast.js';
import { compileAlrRule } from '../grammar/compile-tensor.js';
import type { BaseOptimizer } from '../baselines/types.js';
import type { Parameter } from '../tasks/models.js';


export interface StepApplier {
  /** Sets the rate used by the following steps. */
  setLearningRate(lr: number): void;
  /** Applies one step from gradients keyed by variable name. */
  apply(grads: tf.NamedTensorMap, step: number): void;
  dispose(): void;
}

export function baseOptimizer(kind: BaseOptimizer, lr0: number, params: readonly Parameter[]): StepApplier {
  let optimizer: tf.Optimizer;
  let setRate: (lr: number) => void;
  let extraDispose = (): void => {};
  switch (kind) {
    case 'sgd': {
      const o = tf.train.sgd(lr0);
      optimizer = o;
      setRate = (lr) => o.setLearningRate(lr);
      break;
    }
    case 'momentum': {
      const o = tf.train.momentum(lr0, 0.9);
      optimizer = o;
      setRate = (lr) => o.setLearningRate(lr);
      // tfjs 4.22's MomentumOptimizer.dispose() overrides SGD's and forgets the
      // cached rate tensor `c`, leaking one tensor per optimizer.
      extraDispose = () => {
        const c = (o as unknown as { c?: tf.Tensor }).c;
        if (c && !c.isDisposed) c.dispose();
      };
      break;
    }
    case 'adam': {
      const o = tf.train.adam(lr0);
      optimizer = o;
      setRate = (lr) => {
        (o as unknown as { learningRate: number }).learningRate = lr;
      };
      break;
    }
  }
  const names = new Set(params.map((p) => p.variable.name));
  return {
    setLearningRate: setRate,
    apply(grads) {
      const mine: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) if (names.has(name)) mine[name] = g;
      optimizer.applyGradients(mine);
    },
    dispose: () => {
      optimizer.dispose();
      extraDispose();
    },
  };
}

/** An adaptive rule as the optimizer: states start at zero, w ← w − update. */
export function adaptiveOptimizer(rule: AlrRule, lr0: number, params: readonly Parameter[]): StepApplier {
  const compiled = compileAlrRule(rule);
  let lr = lr0;
  const states = new Map<string, { alpha: tf.Tensor; beta: tf.Tensor; sigma: tf.Tensor }>();
  for (const p of params) {
    states.set(p.variable.name, {
      alpha: tf.keep(tf.zerosLike(p.variable)),
      beta: tf.keep(tf.zerosLike(p.variable)),
      sigma: tf.keep(tf.zerosLike(p.variable)),
    });
  }
  return {
    setLearningRate(next) {
      lr = next;
    },
    apply(grads, step) {
      for (const p of params) {
        const grad = grads[p.variable.name];
        const old = states.get(p.variable.name);
        if (!grad || !old) continue;
        const next = tf.tidy(() => {
          const r = compiled.step({ grad, alpha: old.alpha, beta: old.beta, sigma: old.sigma, lr, step });
          p.variable.assign(tf.sub(p.variable, r.update));
          return { alpha: r.alpha, beta: r.beta, sigma: r.sigma };
        });
        tf.dispose([old.alpha, old.beta, old.sigma]);
        states.set(p.variable.name, next);
      }
    },
    dispose() {
      for (const s of states.values()) tf.dispose([s.alpha, s.beta, s.sigma]);
      states.clear();
    },
  };
}
