/** The tasks a rule can be scored on, by name. */
import { helmholtzTask } from './helmholtz.js';
import { imageTasks } from './image.js';
import { SYNTHETIC } from './synthetic.js';
import type { Task } from './task.js';

export const HELMHOLTZ_FREQUENCIES = [250, 500, 750, 1000] as const;

export const TASKS: readonly Task[] = [SYNTHETIC, ...HELMHOLTZ_FREQUENCIES.map((f) => helmholtzTask(f)), ...imageTasks()];

export class UnknownTaskError extends Error {
  constructor(name: string) {
    super(`unknown task "${name}"; known tasks: ${TASKS.map((t) => t.name).join(', ')}`);
    this.name = 'UnknownTaskError';
  }
}

export function getTask(name: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (!task) throw new UnknownTaskError(name);
  return task;
}
