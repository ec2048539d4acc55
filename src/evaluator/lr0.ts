/**
 * Where a run's starting rate comes from. Kept apart from the optimizers so
 * that the campaign process can ask without loading tfjs.
 */
import type { BaseOptimizer } from '../schedule/base-optimizer.js';
import type { Task } from '../tasks/task.js';

/** Initial rate per base optimizer when neither the rule nor the user gives one. */
export const DEFAULT_LR0: Readonly<Record<BaseOptimizer | 'alr', number>> = {
  sgd: 0.05,
  momentum: 0.01,
  adam: 0.001,
  alr: 0.001,
};

/**
 * The initial rate a run uses: the one asked for, else the task's own for
 * this kind of optimizer, else the engine's default. The one place this
 * choice is made, so that tuning centres its grid where training starts.
 */
export function resolveLr0(task: Pick<Task, 'lr0'>, kind: BaseOptimizer | 'alr', given?: number): number {
  return given ?? task.lr0?.[kind] ?? DEFAULT_LR0[kind];
}
