/**
 * The piscina worker: one evaluation at a time, in its own thread with its
 * own tfjs engine, backend and dataset caches.
 *
 * Besides piscina's task channel, the worker talks to the pool over
 * `parentPort` (piscina re-emits those messages as its 'message' event):
 *
 * - `ready` / `startup-failed` once the module has loaded and the backend is
 *   up, so `EvaluatorPool.create` returns a pool that can work, or says why not;
 * - `started` when a job begins, which is when the pool's wall-time clock
 *   starts: a job that lands on a freshly spawned worker is not charged for
 *   the worker's start-up;
 * - `outcome` before the worker retires itself after a failure inside
 *   training (see `executeJob`): the pool takes the outcome from this message,
 *   since the task itself ends with the thread's exit.
 *
 * A handler that throws is reported as an outcome ('error'), never as a
 * rejected task, so the pool reads every rejected task as a dead worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice } from './backend.js';
import { executeJob, initThreadBackend, isOutOfMemory, messageOf, preloadJobModules, type EvalJob, type EvalOutcome } from './job.js';

/** What piscina hands the worker per job. `id` ties the side-channel messages to the job. */
export interface WorkerTask {
  readonly job: EvalJob;
  readonly backend: BackendChoice;
  readonly id?: number;
}

/** Set by the pool for every worker it starts. */
export interface WorkerSetup {
  readonly backend: BackendChoice;
  /** URL of a module whose default export, a JobRunner, replaces `executeJob` (test fixtures). */
  readonly handler?: string;
}

/** Runs a job; `tainted` retires the worker after it (see `executeJob`). */
export type JobRunner = (task: WorkerTask) => Promise<{ outcome: EvalOutcome; tainted: boolean }>;

export type WorkerMessage =
  | { readonly autolr: 'ready' }
  | { readonly autolr: 'startup-failed'; readonly detail: string }
  | { readonly autolr: 'started'; readonly id: number }
  | { readonly autolr: 'outcome'; readonly id: number; readonly outcome: EvalOutcome };

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

async function setUp(setup: WorkerSetup | undefined): Promise<JobRunner> {
  // The backend comes up before any job, whichever runner, so that a missing
  // backend fails `EvaluatorPool.create` and no job pays for the start-up.
  if (setup !== undefined) await initThreadBackend(setup.backend);
  if (setup?.handler === undefined) {
    await preloadJobModules();
    return (task) => executeJob(task.job, task.backend);
  }
  const mod = (await import(setup.handler)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`${setup.handler} has no default export function`);
  return mod.default as JobRunner;
}

const setup = (workerData ?? undefined) as WorkerSetup | undefined;
let runner: JobRunner | undefined;
let startupError: string | undefined;
try {
  // Top-level await: piscina calls no handler before this module has loaded,
  // so the backend is up before the first job and its time is not charged.
  runner = await setUp(setup);
  post({ autolr: 'ready' });
} catch (err) {
  startupError = messageOf(err);
  post({ autolr: 'startup-failed', detail: startupError });
}

export default async function evaluate(task: WorkerTask): Promise<EvalOutcome> {
  if (task.id !== undefined) post({ autolr: 'started', id: task.id });
  if (runner === undefined) return { ok: false, reason: 'error', detail: `the worker could not start: ${startupError ?? 'unknown reason'}` };
  let ran: { outcome: EvalOutcome; tainted: boolean };
  try {
    ran = await runner(task);
  } catch (err) {
    return { ok: false, reason: isOutOfMemory(err) ? 'out-of-memory' : 'error', detail: messageOf(err) };
  }
  if (ran.tainted && task.id !== undefined && parentPort !== null) {
    // Messages posted before exit are delivered before the 'exit' event, so
    // the pool has the outcome by the time piscina reports the task failed.
    post({ autolr: 'outcome', id: task.id, outcome: ran.outcome });
    process.exit(1);
  }
  return ran.outcome;
}
