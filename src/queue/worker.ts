/**
 * The worker's side of the queue (`autolr worker`): takes the jobs of every
 * campaign registered on a Redis and runs them in this machine's own
 * evaluator pool (piscina threads, as a local campaign does).
 *
 * - Campaigns are found in the registry set (protocol.ts, `CAMPAIGNS_KEY`),
 *   read every few seconds; each gets a BullMQ `Worker` on its queue.
 * - A job whose fingerprint does not match this installation (engine
 *   version, grammar, task definition) is handed back untouched, delayed,
 *   for another worker, and this worker stops taking that campaign's jobs,
 *   saying why once.
 * - Failures that may belong to this machine (crash, out of memory, time
 *   limit) are thrown so that BullMQ retries the job, on any worker, up to
 *   `ATTEMPTS` times; other outcomes, failed or not, are results.
 * - A worker that dies holding a job stops renewing its lock; BullMQ's
 *   stalled-job check (run by every live worker) puts the job back after
 *   `stallMs`, and the campaign, waiting on the job's id, receives one result.
 * - `close()` (Ctrl-C) finishes the jobs in hand and takes no new ones.
 */
import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackendChoice } from '../evaluator/backend-choices.js';
import { checkJob, messageOf, type EvalJob, type EvalOutcome } from '../evaluator/job.js';
import { EvaluatorPool } from '../evaluator/pool.js';
import { ENGINE_VERSION, FingerprintChecker } from './fingerprint.js';
import { CAMPAIGNS_KEY, encodeOutcome, failureMessage, isRetried, queueName, workerInfoKey, type QueuedJob } from './protocol.js';
import { connectionOptions, connectOnce } from './redis.js';
import type { QueueAddress } from './url.js';

export interface QueueWorkerOptions {
  readonly address: QueueAddress;
  /** Jobs run at once, each in its own pool thread. */
  readonly workers: number;
  readonly backend: BackendChoice;
  /** Where this machine keeps dataset files; replaces the campaign's dataDir in every job. */
  readonly dataDir?: string;
  /** How long a job held by a worker that died waits before another worker takes it (BullMQ's lock duration). */
  readonly stallMs?: number;
  /** A module whose default export replaces `executeJob` in the pool (test fixtures; see pool.ts). */
  readonly jobRunner?: string;
  /** The backend and adapter this worker reports (autolr queue status). */
  readonly describe: { readonly backend: string; readonly adapter?: string };
  readonly log: (line: string) => void;
}

/** What `queue status` shows of a worker, kept in Redis while it runs. */
export interface WorkerInfo {
  readonly host: string;
  readonly pid: number;
  readonly engine: string;
  readonly backend: string;
  readonly adapter?: string;
  readonly threads: number;
  readonly since: string;
}

const DISCOVERY_MS = 2000;
const DEFAULT_STALL_MS = 30_000;
const REFUSED_DELAY_MS = 5000;
/** Worker descriptions outlive a worker killed without closing by this long at most. */
const INFO_TTL_S = 24 * 3600;

export class QueueWorker {
  readonly name = `${hostname()}-${process.pid}`;
  private readonly workers = new Map<string, Worker>();
  private readonly refused = new Set<string>();
  private readonly pools = new Map<number, Promise<EvaluatorPool>>();
  private readonly checker = new FingerprintChecker();
  private discovery: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private running = 0;
  /** Whether the connection is down (its errors are then reported once, not by every client at every retry). */
  private lost = false;

  private constructor(
    private readonly options: QueueWorkerOptions,
    private readonly client: Redis,
  ) {}

  /** Connects (a wrong address or password ends here), describes itself, and starts taking jobs. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const client = await connectOnce(options.address);
    // From here on the connection retries for ever, like BullMQ's own: a Redis restart only pauses the worker.
    client.options.retryStrategy = (times: number) => Math.min(100 * times, 2000);
    const worker = new QueueWorker(options, client);
    client.on('error', (err: Error) => {
      if (worker.lost || worker.closing) return;
      worker.lost = true;
      options.log(`lost the queue at ${options.address.redacted} (${messageOf(err)}); jobs in hand go on, new ones are taken when it is back`);
    });
    client.on('ready', () => {
      if (!worker.lost) return;
      worker.lost = false;
      options.log(`the queue at ${options.address.redacted} is back`);
    });
    const info: WorkerInfo = {
      host: hostname(),
      pid: process.pid,
      engine: ENGINE_VERSION,
      backend: options.describe.backend,
      ...(options.describe.adapter !== undefined ? { adapter: options.describe.adapter } : {}),
      threads: options.workers,
      since: new Date().toISOString(),
    };
    await client.set(workerInfoKey(worker.name), JSON.stringify(info), 'EX', INFO_TTL_S);
    await worker.discover();
    worker.discovery = setInterval(() => void worker.discover(), DISCOVERY_MS);
    return worker;
  }

  /** Campaigns whose jobs this worker takes. */
  get campaigns(): string[] {
    return [...this.workers.keys()];
  }

  /** Finishes the jobs in hand, takes no new ones, and lets go of Redis and the pool threads. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.discovery);
      await Promise.all([...this.workers.values()].map((w) => w.close()));
      const pools = await Promise.allSettled(this.pools.values());
      await Promise.all(pools.map((p) => (p.status === 'fulfilled' ? p.value.close() : undefined)));
      await this.client.del(workerInfoKey(this.name)).catch(() => undefined);
      this.client.disconnect();
    })();
    return this.closing;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running;
  }

  private async discover(): Promise<void> {
    if (this.closing) return;
    let campaigns: string[];
    try {
      campaigns = await this.client.smembers(CAMPAIGNS_KEY);
    } catch {
      return; // Redis is away; the next round tries again.
    }
    for (const campaign of campaigns.sort()) {
      if (this.workers.has(campaign) || this.refused.has(campaign) || this.closing) continue;
      const worker = new Worker(queueName(campaign), (job, token) => this.process(campaign, job, token), {
        connection: connectionOptions(this.options.address),
        concurrency: this.options.workers,
        name: this.name,
        lockDuration: this.options.stallMs ?? DEFAULT_STALL_MS,
        stalledInterval: Math.max(500, Math.floor((this.options.stallMs ?? DEFAULT_STALL_MS) / 2)),
        // A job whose worker died is put back once more; a second stall fails it (a job that kills every worker).
        maxStalledCount: 2,
      });
      worker.on('error', (err) => {
        if (!this.lost) this.options.log(`queue ${queueName(campaign)}: ${messageOf(err)}`);
      });
      this.workers.set(campaign, worker);
      this.options.log(`taking jobs of campaign ${campaign}`);
    }
  }

  private async process(campaign: string, job: Job, token: string | undefined): Promise<string> {
    const data = job.data as Partial<QueuedJob> | null;
    const malformed = checkJob(data?.job) ?? (typeof data?.hardLimitMs === 'number' && data.hardLimitMs > 0 ? undefined : 'hardLimitMs must be a positive number');
    // A job no worker can read fails at once, with the reason, rather than on every worker in turn.
    if (malformed !== undefined) throw new UnrecoverableError(`error: malformed job: ${malformed}`);
    const { job: evalJob, fingerprint, hardLimitMs } = data as QueuedJob;
    const mismatch = fingerprint?.task?.name === evalJob.task ? this.checker.mismatch(fingerprint, evalJob.variant, evalJob.budgets) : 'the job\'s fingerprint names another task';
    if (mismatch !== undefined) return this.refuse(campaign, job, token, mismatch);
    this.running++;
    try {
      const started = performance.now();
      this.options.log(`${campaign}: ${evalJob.task} ${evalJob.fidelity} seed ${evalJob.seed}${evalJob.lr0 !== undefined ? ` lr0 ${evalJob.lr0}` : ''} (attempt ${job.attemptsMade + 1}): ${oneLine(evalJob.ruleText)}`);
      const pool = await this.poolFor(hardLimitMs);
      const outcome = await pool.evaluate(this.localised(evalJob));
      this.options.log(`${campaign}: ${describeOutcome(outcome)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      if (isRetried(outcome)) throw new Error(failureMessage(outcome));
      return encodeOutcome(outcome);
    } finally {
      this.running--;
    }
  }

  /** Hands a job back (delayed, for another worker) and stops taking the campaign's jobs. */
  private async refuse(campaign: string, job: Job, token: string | undefined, reason: string): Promise<never> {
    const first = !this.refused.has(campaign);
    this.refused.add(campaign);
    try {
      await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
    } finally {
      // Said once the job is back in the queue, so whoever reads the message finds it there.
      if (first) {
        this.options.log(`refusing the jobs of campaign ${campaign}: ${reason}. Run a worker of the campaign's installation for it.`);
        // Closing waits for this very job to end, so it must not be awaited here.
        setImmediate(() => {
          void this.workers.get(campaign)?.close();
          this.workers.delete(campaign);
        });
      }
    }
    throw new DelayedError();
  }

  private localised(job: EvalJob): EvalJob {
    return this.options.dataDir !== undefined ? { ...job, dataDir: this.options.dataDir } : job;
  }

  /** One pool per hard time limit (campaigns set their own); created on the first job that needs it. */
  private poolFor(hardLimitMs: number): Promise<EvaluatorPool> {
    let pool = this.pools.get(hardLimitMs);
    if (pool === undefined) {
      pool = EvaluatorPool.create({
        workers: this.options.workers,
        backend: this.options.backend,
        timeLimitMs: hardLimitMs,
        ...(this.options.jobRunner !== undefined ? { workerFile: this.options.jobRunner } : {}),
      });
      this.pools.set(hardLimitMs, pool);
    }
    return pool;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

function describeOutcome(outcome: EvalOutcome): string {
  if (!outcome.ok) return `failed (${outcome.reason}: ${oneLine(outcome.detail)})`;
  return `score ${outcome.result.score.toPrecision(6)}${outcome.result.stopped ? ` (stopped: ${outcome.result.stopped.reason})` : ''}`;
}
