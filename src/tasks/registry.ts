/** The tasks a rule can be scored on, by name. */
import { helmholtzTask } from './helmholtz.js';
import { imageTasks } from './image.js';
import { SYNTHETIC } from './synthetic.js';
import type { Task, TaskOptions } from './task.js';
import { applyBudgetOverride, type BudgetOverride } from './budgets.js';
import { InputError } from '../errors.js';

export const HELMHOLTZ_FREQUENCIES = [250, 500, 750, 1000] as const;

export const TASKS: readonly Task[] = [SYNTHETIC, ...HELMHOLTZ_FREQUENCIES.map((f) => helmholtzTask(f)), ...imageTasks()];

export class UnknownTaskError extends InputError {
  constructor(name: string) {
    super(`unknown task "${name}"; known tasks: ${TASKS.map((t) => t.name).join(', ')} (and helmholtz-<f> for any f from 1 to 5000 Hz)`);
    this.name = 'UnknownTaskError';
  }
}

/** A task by name; `helmholtz-<f>` works for any frequency f in Hz (1 to 5000), not only the listed ones. */
export function getTask(name: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (task) return task;
  const helmholtz = /^helmholtz-(\d+(?:\.\d+)?)$/.exec(name);
  if (helmholtz) {
    const f = Number(helmholtz[1]);
    if (f >= 1 && f <= 5000) return helmholtzTask(f);
  }
  throw new UnknownTaskError(name);
}

/** A task by name with a campaign's budget override applied (UnknownTaskError or BudgetError when it cannot be). */
export function lookupTask(name: string, budgets: BudgetOverride | undefined): Task {
  return applyBudgetOverride(getTask(name), budgets);
}

/**
 * Loads a task's data once, as a run would, and lets it go: a task that
 * cannot load (a missing or malformed dataset, a set too small for its
 * budget) fails here with the loader's message, before a campaign starts,
 * instead of giving every candidate the floor score.
 */
export async function checkTaskLoads(task: Task, options: TaskOptions): Promise<void> {
  const prepared = await task.prepare('cheap', options);
  prepared.dispose();
}
