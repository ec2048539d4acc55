/**
 * One evaluation as plain data, and the code that runs it inside a thread.
 *
 * Jobs and outcomes cross the worker-thread boundary by structured cloning,
 * so they hold rule *text*, names and numbers, never ASTs, closures or
 * tensors. The receiving thread parses the text again: a job is untrusted
 * input like any rule text, whoever built it.
 */
import type { BaseOptimizer } from '../baselines/types.js';
import type { Rule, Variant } from '../grammar/ast.js';
import { parseRule, RuleSyntaxError } from '../grammar/parser.js';
import { parseBudgetOverride, type BudgetOverride } from '../tasks/budgets.js';
import type { Fidelity } from '../tasks/task.js';
import type { BackendChoice } from './backend.js';
import type { TrainResult } from './train.js';
import { BASE_OPTIMIZERS, isBaseOptimizer } from '../schedule/base-optimizer.js';

export interface EvalJob {
  readonly ruleText: string;
  readonly variant: Variant;
  /** The base optimizer a dynamic rule drives (ignored by adaptive rules). */
  readonly optimizer: BaseOptimizer;
  readonly task: string;
  readonly fidelity: Fidelity;
  readonly seed: number;
  readonly lr0?: number;
  readonly splitSeed: number;
  readonly dataDir?: string;
  /** Budgets other than the task's own (a campaign's "budgets"). */
  readonly budgets?: BudgetOverride;
  /**
   * The trainer's own time limit: the run stops between steps with reason
   * 'time-limit' and the floor score (an ordinary result). The pool's hard
   * limit, which kills the worker, is separate and should be larger.
   */
  readonly timeLimitMs?: number;
}

export type FailureReason = 'crash' | 'timeout' | 'out-of-memory' | 'invalid-rule' | 'error';

export type EvalOutcome =
  | { readonly ok: true; readonly result: TrainResult; readonly workerMs: number }
  | { readonly ok: false; readonly reason: FailureReason; readonly detail: string };

const VARIANTS: readonly string[] = ['dlr', 'alr'];
const FIDELITIES: readonly string[] = ['cheap', 'full'];

/** Why a job is malformed, or undefined. Checked field by field because the job may come from another thread or a file. */
export function checkJob(job: unknown): string | undefined {
  if (typeof job !== 'object' || job === null) return 'the job is not an object';
  const j = job as Record<string, unknown>;
  if (typeof j.ruleText !== 'string') return 'ruleText must be a string';
  if (!VARIANTS.includes(j.variant as string)) return `variant must be one of ${VARIANTS.join(', ')}`;
  if (!isBaseOptimizer(j.optimizer)) return `optimizer must be one of ${BASE_OPTIMIZERS.join(', ')}`;
  if (typeof j.task !== 'string') return 'task must be a string';
  if (!FIDELITIES.includes(j.fidelity as string)) return `fidelity must be one of ${FIDELITIES.join(', ')}`;
  if (!Number.isSafeInteger(j.seed)) return 'seed must be an integer';
  if (!Number.isSafeInteger(j.splitSeed)) return 'splitSeed must be an integer';
  if (j.lr0 !== undefined && !(typeof j.lr0 === 'number' && Number.isFinite(j.lr0) && j.lr0 > 0)) return 'lr0 must be a positive number';
  if (j.dataDir !== undefined && typeof j.dataDir !== 'string') return 'dataDir must be a string';
  if (j.timeLimitMs !== undefined && !(typeof j.timeLimitMs === 'number' && j.timeLimitMs > 0)) return 'timeLimitMs must be a positive number';
  if (j.budgets !== undefined) {
    try {
      parseBudgetOverride(j.budgets, 'budgets');
    } catch (err) {
      return messageOf(err);
    }
  }
  return undefined;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs one job in the calling thread: parse, look up the task, initialise the
 * backend (a lookup after the first time in a thread), train. Never throws:
 * a bad rule is 'invalid-rule', anything else that goes wrong is 'error' (or
 * 'out-of-memory'). Datasets stay cached in the task modules, so a thread
 * loads each once.
 */
export async function runJob(job: EvalJob, backendChoice: BackendChoice): Promise<EvalOutcome> {
  return (await executeJob(job, backendChoice)).outcome;
}

/**
 * `runJob`, also saying whether the failure happened inside training. Such a
 * thread may hold leaked tensors or a wasm instance left mid-abort, so a
 * worker retires after it instead of taking the next job.
 */
export async function executeJob(job: EvalJob, backendChoice: BackendChoice): Promise<{ outcome: EvalOutcome; tainted: boolean }> {
  const started = performance.now();
  const malformed = checkJob(job);
  if (malformed !== undefined) return { outcome: { ok: false, reason: 'error', detail: `malformed job: ${malformed}` }, tainted: false };
  let rule: Rule;
  try {
    rule = parseRule(job.ruleText, job.variant);
  } catch (err) {
    const reason = err instanceof RuleSyntaxError ? 'invalid-rule' : 'error';
    return { outcome: { ok: false, reason, detail: messageOf(err) }, tainted: false };
  }
  let train: typeof import('./train.js');
  let task: import('../tasks/task.js').Task;
  let backend: import('./backend.js').BackendInfo;
  try {
    // Loaded on first use so that importing this module (for its types and
    // helpers) does not pull tfjs into the main thread or into test workers.
    const [registry, trainModule, backendModule] = await Promise.all([
      import('../tasks/registry.js'),
      import('./train.js'),
      import('./backend.js'),
    ]);
    train = trainModule;
    task = registry.lookupTask(job.task, job.budgets);
    backend = await backendModule.initBackend(backendChoice);
  } catch (err) {
    return { outcome: { ok: false, reason: 'error', detail: messageOf(err) }, tainted: false };
  }
  try {
    const result = await train.train(train.driverFor(rule, job.optimizer), task, {
      fidelity: job.fidelity,
      seed: job.seed,
      ...(job.lr0 !== undefined ? { lr0: job.lr0 } : {}),
      ...(job.timeLimitMs !== undefined ? { timeLimitMs: job.timeLimitMs } : {}),
      taskOptions: { splitSeed: job.splitSeed, ...(job.dataDir !== undefined ? { dataDir: job.dataDir } : {}) },
      backend: backend.name,
    });
    return { outcome: { ok: true, result, workerMs: performance.now() - started }, tainted: false };
  } catch (err) {
    // Missing or damaged dataset files fail before training touches the
    // engine, and would fail the same way in a fresh worker.
    const tainted = !(err instanceof Error && err.name === 'DatasetError');
    return { outcome: { ok: false, reason: isOutOfMemory(err) ? 'out-of-memory' : 'error', detail: messageOf(err) }, tainted };
  }
}

/**
 * Loads what a job imports on first use (training, the task registry and
 * their dependencies) ahead of the first job: in a worker started from
 * TypeScript sources that is a compile of dozens of modules, ~0.5 s that the
 * first job of every worker paid inside its time.
 */
export async function preloadJobModules(): Promise<void> {
  await Promise.all([import('../tasks/registry.js'), import('./train.js')]);
}

/** Initialises `choice` in this thread ahead of the first job, so that a missing backend shows before any job runs. */
export async function initThreadBackend(choice: BackendChoice): Promise<string> {
  const { initBackend } = await import('./backend.js');
  return (await initBackend(choice)).name;
}

/**
 * Allocation failures that surface as exceptions rather than killing the
 * thread: wasm memory that cannot grow (the wasm heap is outside V8's heap
 * limits) and typed arrays that cannot be allocated.
 */
export function isOutOfMemory(err: unknown): boolean {
  return /out of memory|Cannot enlarge memory|Array buffer allocation failed|WebAssembly\.Memory/i.test(messageOf(err));
}
