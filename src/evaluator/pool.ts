/**
 * The evaluator pool: fitness runs in piscina worker threads, one job per
 * worker at a time. The wasm backend runs single-threaded in Node, so
 * workers are how a campaign uses more than one core; each worker has its
 * own tfjs engine, backend, kernels and dataset caches.
 *
 * A candidate rule is untrusted, so `evaluate` never rejects for what a
 * candidate does. Every way a run can fail becomes an outcome:
 *
 * | what happened in the worker                         | outcome reason  |
 * |-----------------------------------------------------|-----------------|
 * | rule text refused by the parser                     | 'invalid-rule'  |
 * | the job threw (unknown task, missing data, a bug)   | 'error'         |
 * | wasm / array memory exhausted (thrown)              | 'out-of-memory' |
 * | V8 heap limit reached (ERR_WORKER_OUT_OF_MEMORY)    | 'out-of-memory' |
 * | the thread died (process.exit, uncaught exception)  | 'crash'         |
 * | no answer within timeLimitMs of starting the job    | 'timeout'       |
 *
 * A worker that died or was stopped is replaced by piscina; one whose run
 * failed inside training retires itself (its engine may hold leaked tensors
 * or a broken wasm instance) and is replaced the same way.
 *
 * Workers load `worker.js` when this module runs compiled (dist/); from
 * TypeScript sources (tests, tsx) they load `worker-bootstrap.mjs`, which
 * registers tsx in the worker first.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { BackendChoice } from './backend.js';
import { messageOf, runJob, initThreadBackend, type EvalJob, type EvalOutcome } from './job.js';
import type { WorkerMessage, WorkerSetup, WorkerTask } from './worker.js';

export interface EvaluatorPoolOptions {
  /** Worker threads; default `os.availableParallelism()`. 0 runs jobs one at a time in this thread. */
  readonly workers?: number;
  readonly backend: BackendChoice;
  /**
   * Hard wall-time limit per evaluation, counted from when the worker starts
   * the job; the worker is stopped when it passes. With `workers: 0` a run
   * cannot be stopped from outside, so the limit becomes the trainer's own,
   * checked between steps.
   */
  readonly timeLimitMs: number;
  /** V8 heap limit per worker (wasm memory is not counted by V8). */
  readonly maxOldGenerationSizeMb?: number;
  /** A module whose default export, a `JobRunner` (worker.ts), replaces `executeJob` inside the workers (test fixtures). */
  readonly workerFile?: string;
  /** How long `create` waits for the workers to load and initialise the backend; default 120 s. */
  readonly startupTimeoutMs?: number;
}

export interface EvaluatorPoolStats {
  /** Evaluations that ended with an outcome from their worker (successful or not). */
  readonly completed: number;
  /** Evaluations whose worker died (crash or out-of-memory). */
  readonly crashed: number;
  /** Evaluations stopped at the time limit. */
  readonly timedOut: number;
  /** Workers started to replace ones that died, were stopped or retired. */
  readonly replaced: number;
}

/** `evaluate` on a pool that is closing or closed: a caller's error, not a candidate's outcome. */
export class PoolClosedError extends Error {
  constructor() {
    super('the evaluator pool is closed');
    this.name = 'PoolClosedError';
  }
}

interface Pending {
  readonly controller: AbortController;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
  /** The outcome a retiring worker sent before exiting. */
  reported?: EvalOutcome;
}

/** The worker entry that matches how this module itself was loaded. */
function workerEntry(): string {
  const here = import.meta.url;
  const entry = here.endsWith('.ts') ? new URL('./worker-bootstrap.mjs', here) : new URL('./worker.js', here);
  return fileURLToPath(entry);
}

function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { autolr?: unknown }).autolr === 'string';
}

export class EvaluatorPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private counts = { completed: 0, crashed: 0, timedOut: 0, replaced: 0 };
  /** In-process mode: runs are serialised because they share one tfjs engine (and its tensor-leak check). */
  private inProcessQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly piscina: Piscina | undefined,
    private readonly backend: BackendChoice,
    private readonly timeLimitMs: number,
  ) {}

  static async create(options: EvaluatorPoolOptions): Promise<EvaluatorPool> {
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be a whole number ≥ 0, not ${workers}`);
    if (!(options.timeLimitMs > 0)) throw new RangeError(`timeLimitMs must be positive, not ${options.timeLimitMs}`);
    if (workers === 0) {
      await initThreadBackend(options.backend);
      return new EvaluatorPool(undefined, options.backend, options.timeLimitMs);
    }

    const setup: WorkerSetup = {
      backend: options.backend,
      ...(options.workerFile !== undefined ? { handler: pathToFileURL(resolve(options.workerFile)).href } : {}),
    };
    const piscina = new Piscina({
      filename: workerEntry(),
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      workerData: setup,
      ...(options.maxOldGenerationSizeMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } } : {}),
    });
    const pool = new EvaluatorPool(piscina, options.backend, options.timeLimitMs);
    let created = 0;
    piscina.on('workerCreate', () => {
      if (++created > workers) pool.counts.replaced++;
    });

    let resolveStartup = (): void => undefined;
    let rejectStartup = (_err: Error): void => undefined;
    const started = new Promise<void>((res, rej) => {
      resolveStartup = res;
      rejectStartup = rej;
    });
    let ready = 0;
    piscina.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.autolr === 'ready' && ++ready === workers) resolveStartup();
      else if (m.autolr === 'startup-failed') rejectStartup(new Error(`the evaluator workers could not start: ${m.detail}`));
      else pool.onMessage(m);
    });
    // A worker that dies with no job on it has no caller to tell; piscina
    // would throw an unhandled 'error' event at us otherwise.
    piscina.on('error', (err: unknown) => rejectStartup(new Error(`an evaluator worker failed to start: ${messageOf(err)}`)));

    const limit = options.startupTimeoutMs ?? 120_000;
    const timer = setTimeout(() => rejectStartup(new Error(`the evaluator workers did not start within ${limit} ms`)), limit);
    try {
      await started;
    } catch (err) {
      await pool.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  /** Runs one job. Resolves with its outcome whatever the candidate does; rejects only with PoolClosedError. */
  async evaluate(job: EvalJob): Promise<EvalOutcome> {
    if (this.closed) throw new PoolClosedError();
    if (this.piscina === undefined) return this.evaluateInProcess(job);

    const id = ++this.nextId;
    const pending: Pending = { controller: new AbortController(), timedOut: false };
    this.pending.set(id, pending);
    const task: WorkerTask = { id, job, backend: this.backend };
    try {
      const outcome = (await this.piscina.run(task, { signal: pending.controller.signal })) as EvalOutcome;
      this.counts.completed++;
      return outcome;
    } catch (err) {
      return this.failure(pending, err);
    } finally {
      clearTimeout(pending.timer);
      this.pending.delete(id);
    }
  }

  get stats(): EvaluatorPoolStats {
    return { ...this.counts };
  }

  /**
   * Stops all workers now. Evaluations still running reject with
   * PoolClosedError; their candidates did nothing wrong, so they get no
   * outcome.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    await this.piscina?.destroy();
  }

  private onMessage(m: WorkerMessage): void {
    if (m.autolr === 'started') {
      const pending = this.pending.get(m.id);
      if (pending === undefined || pending.timer !== undefined) return;
      pending.timer = setTimeout(() => {
        pending.timedOut = true;
        pending.controller.abort();
      }, this.timeLimitMs);
    } else if (m.autolr === 'outcome') {
      const pending = this.pending.get(m.id);
      if (pending !== undefined) pending.reported = m.outcome;
    }
  }

  /** A rejected task: piscina rejects only when the worker died or we aborted it (worker.ts turns throws into outcomes). */
  private failure(pending: Pending, err: unknown): EvalOutcome {
    if (pending.reported !== undefined) {
      this.counts.completed++;
      return pending.reported;
    }
    if (pending.timedOut) {
      this.counts.timedOut++;
      return { ok: false, reason: 'timeout', detail: `no result within ${this.timeLimitMs} ms; the worker was stopped` };
    }
    if (this.closed) throw new PoolClosedError();
    this.counts.crashed++;
    if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return { ok: false, reason: 'out-of-memory', detail: messageOf(err) };
    }
    return { ok: false, reason: 'crash', detail: `the worker died: ${messageOf(err)}` };
  }

  private evaluateInProcess(job: EvalJob): Promise<EvalOutcome> {
    const poolLimitBinds = job.timeLimitMs === undefined || job.timeLimitMs > this.timeLimitMs;
    const run = this.inProcessQueue.then(async (): Promise<EvalOutcome> => {
      const outcome = await runJob(poolLimitBinds ? { ...job, timeLimitMs: this.timeLimitMs } : job, this.backend);
      // The pool's limit reads the same in both modes: a run it cut short is a
      // timeout, while one stopped by the job's own smaller limit is a result.
      if (poolLimitBinds && outcome.ok && outcome.result.stopped?.reason === 'time-limit') {
        this.counts.timedOut++;
        return { ok: false, reason: 'timeout', detail: `no result within ${this.timeLimitMs} ms; the run was stopped between steps` };
      }
      this.counts.completed++;
      return outcome;
    });
    this.inProcessQueue = run.catch(() => undefined);
    return run;
  }
}
