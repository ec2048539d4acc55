/**
 * The campaign's side of the queue: an `Evaluator` (the scorer's seam, like
 * the local pool) that puts each job on the campaign's BullMQ queue and
 * waits for its result. Results come back in whatever order workers finish;
 * the scorer stores them in candidate order, as with the local pool.
 *
 * - Jobs are identified by a digest of their data (protocol.ts), so asking
 *   again for an evaluation that is queued, running or finished — after the
 *   campaign process was killed and resumed — waits for that job instead of
 *   running it again.
 * - After a lost connection, every job still awaited is added again (a no-op
 *   for jobs Redis kept), so a write Redis lost in a crash is not waited on
 *   for ever.
 * - A job that failed on every attempt (protocol.ts, `ATTEMPTS`) resolves
 *   as a failed outcome with its reason: the scorer gives it the floor score.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Variant } from '../grammar/ast.js';
import type { EvalJob, EvalOutcome } from '../evaluator/job.js';
import { messageOf } from '../evaluator/job.js';
import { overrideKey, type BudgetOverride } from '../tasks/budgets.js';
import { ENGINE_VERSION, grammarDigest, taskDigest, type JobFingerprint } from './fingerprint.js';
import { loadGrammar } from '../grammar/bnf.js';
import { ATTEMPTS, CAMPAIGNS_KEY, decodeOutcome, failedOutcome, jobId, KEEP_FINISHED_S, queueName, RETRY_BACKOFF_MS, type QueuedJob } from './protocol.js';
import { checkPersistence, connectionOptions, connectOnce, openClient } from './redis.js';
import type { QueueAddress } from './url.js';

export interface QueueEvaluatorOptions {
  readonly address: QueueAddress;
  readonly campaign: string;
  readonly grammar: string;
  readonly variant: Variant;
  /** The hard wall-time limit a worker's pool applies to each job. */
  readonly hardLimitMs: number;
  readonly log: (line: string) => void;
}

export class QueueEvaluator {
  private readonly fingerprints = new Map<string, JobFingerprint>();
  /** Jobs awaited, by id, with how many callers await each (twins share one job). */
  private readonly awaited = new Map<string, { data: QueuedJob; waiters: number }>();
  private closed = false;

  private constructor(
    private readonly options: QueueEvaluatorOptions,
    private readonly client: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly grammarDigest: string,
  ) {
    // One line when the connection goes and one when it is back; BullMQ's own clients retry quietly meanwhile.
    let lost = false;
    const onError = (err: Error): void => {
      if (lost || this.closed) return;
      lost = true;
      options.log(`lost the queue at ${options.address.redacted} (${messageOf(err)}); waiting for it to come back`);
    };
    client.on('error', onError);
    queue.on('error', onError);
    events.on('error', onError);
    client.on('ready', () => {
      if (!lost) return;
      lost = false;
      void this.requeueAwaited();
    });
  }

  /** Connects, refuses a Redis that would lose jobs on restart, and registers the campaign for workers to find. */
  static async open(options: QueueEvaluatorOptions): Promise<QueueEvaluator> {
    const probe = await connectOnce(options.address);
    try {
      await checkPersistence(probe, options.address, options.log);
    } finally {
      probe.disconnect();
    }
    const digest = grammarDigest(loadGrammar(options.grammar, options.variant));
    const connection = connectionOptions(options.address);
    const name = queueName(options.campaign);
    const client = openClient(options.address);
    const queue = new Queue(name, {
      connection,
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: RETRY_BACKOFF_MS },
        removeOnComplete: { age: KEEP_FINISHED_S },
        removeOnFail: { age: KEEP_FINISHED_S },
      },
    });
    const events = new QueueEvents(name, { connection });
    // Each awaited job listens for its own completion; a generation awaits many at once.
    events.setMaxListeners(0);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    await client.sadd(CAMPAIGNS_KEY, options.campaign);
    options.log(`queue ${name} on ${options.address.redacted}: jobs go to the workers connected there (autolr worker --queue …)`);
    return new QueueEvaluator(options, client, queue, events, digest);
  }

  /** Resolves with the job's outcome, whichever worker ran it; never rejects for what a candidate does. */
  async evaluate(job: EvalJob): Promise<EvalOutcome> {
    const data: QueuedJob = { job, fingerprint: this.fingerprintOf(job.task, job.budgets), hardLimitMs: this.options.hardLimitMs };
    const id = jobId(data);
    const entry = this.awaited.get(id) ?? { data, waiters: 0 };
    entry.waiters++;
    this.awaited.set(id, entry);
    try {
      const added = await this.queue.add('evaluate', data, { jobId: id });
      let value: unknown;
      try {
        value = await added.waitUntilFinished(this.events);
      } catch (err) {
        if (this.closed) throw err;
        return failedOutcome(messageOf(err), ATTEMPTS);
      }
      try {
        return decodeOutcome(value);
      } catch (err) {
        return { ok: false, reason: 'error', detail: `the worker's result was refused: ${messageOf(err)}` };
      }
    } finally {
      if (--entry.waiters === 0) this.awaited.delete(id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.events.close(), this.queue.close()]);
    this.client.disconnect();
  }

  /** The job's task as it trains: with the budgets the job carries (a campaign's tasks may each have their own). */
  private fingerprintOf(task: string, budgets: BudgetOverride | undefined): JobFingerprint {
    const key = `${task}|${overrideKey(budgets)}`;
    let fingerprint = this.fingerprints.get(key);
    if (fingerprint === undefined) {
      const { grammar } = this.options;
      fingerprint = { engine: ENGINE_VERSION, grammar: { origin: grammar, digest: this.grammarDigest }, task: { name: task, digest: taskDigest(task, budgets) } };
      this.fingerprints.set(key, fingerprint);
    }
    return fingerprint;
  }

  /** Adds every awaited job again: ids make this a no-op for jobs Redis still holds. */
  private async requeueAwaited(): Promise<void> {
    const entries = [...this.awaited.entries()];
    if (entries.length === 0 || this.closed) return;
    this.options.log(`reconnected to ${this.options.address.redacted}; checking the ${entries.length} job(s) awaited are still queued`);
    await Promise.all(entries.map(([id, { data }]) => this.queue.add('evaluate', data, { jobId: id }).catch(() => undefined)));
  }
}
