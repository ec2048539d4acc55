/**
 * What the campaign process and the workers agree on: queue names, the data
 * of a queued job and of its result, and the retry policy. Both sides import
 * this module, so the agreement has one definition.
 *
 * A queued job is the local pool's `EvalJob` (plain data: rule text, names,
 * numbers) plus its fingerprint. Its id is a digest of both, so the same
 * evaluation asked twice — by a resumed campaign, or after Redis lost a
 * write — is one job, and a result already computed is reused, never
 * recomputed (training is deterministic given the job).
 */
import { createHash } from 'node:crypto';
import type { EvalJob, EvalOutcome, FailureReason } from '../evaluator/job.js';
import type { JobFingerprint } from './fingerprint.js';

export interface QueuedJob {
  readonly job: EvalJob;
  readonly fingerprint: JobFingerprint;
  /** The pool's hard wall-time limit for this job (the campaign's timeLimit), in ms. */
  readonly hardLimitMs: number;
}

/** Campaign names are plain folder names (config.ts), which BullMQ accepts as queue names. */
export function queueName(campaign: string): string {
  return `autolr.${campaign}`;
}

/** The Redis set of campaigns with a queue, so that workers and `queue status` find them without being told. */
export const CAMPAIGNS_KEY = 'autolr:campaigns';

/** A worker's description (host, backend, adapter…), read by `queue status` beside BullMQ's list of connected workers. */
export function workerInfoKey(workerName: string): string {
  return `autolr:worker:${workerName}`;
}

export function jobId(queued: QueuedJob): string {
  return createHash('sha256').update(JSON.stringify([queued.job, queued.fingerprint, queued.hardLimitMs])).digest('hex').slice(0, 32);
}

/**
 * Tries before a job fails for good. Failures that may belong to the machine
 * (the thread crashed, ran out of memory, or passed the time limit) are
 * retried elsewhere; after the last try the candidate gets the floor score
 * with the reason, as a crash does on the local pool.
 */
export const ATTEMPTS = 3;
export const RETRY_BACKOFF_MS = 1000;
/** How long finished jobs stay in Redis: long enough for a killed campaign process to be resumed and collect them. */
export const KEEP_FINISHED_S = 7 * 24 * 3600;

/** Outcomes a worker retries rather than reports: they say more about the machine than about the rule. */
export function isRetried(outcome: EvalOutcome): outcome is Extract<EvalOutcome, { ok: false }> {
  return !outcome.ok && (outcome.reason === 'crash' || outcome.reason === 'out-of-memory' || outcome.reason === 'timeout');
}

const REASONS: readonly FailureReason[] = ['crash', 'timeout', 'out-of-memory', 'invalid-rule', 'error'];

/** A retried failure travels as the job's failed reason: `<reason>: <detail>`. */
export function failureMessage(outcome: Extract<EvalOutcome, { ok: false }>): string {
  return `${outcome.reason}: ${outcome.detail}`;
}

/** The outcome of a job that failed on every attempt, from BullMQ's failed reason. */
export function failedOutcome(failedReason: string, attempts: number): EvalOutcome {
  const [head, ...rest] = failedReason.split(': ');
  const known = REASONS.find((r) => r === head);
  const detail = known !== undefined ? rest.join(': ') : failedReason;
  return { ok: false, reason: known ?? 'error', detail: `${detail} (failed on ${attempts} attempt${attempts === 1 ? '' : 's'} through the queue)` };
}

/**
 * Results travel as JSON text, which has no NaN or ±Infinity; a diverged
 * run's metrics hold them, and the local pool (structured cloning) keeps
 * them. They are written as tagged objects so both roads give equal numbers.
 */
const NON_FINITE = '$nonFinite';

export function encodeOutcome(outcome: EvalOutcome): string {
  return JSON.stringify(outcome, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v));
}

export function decodeOutcome(text: unknown): EvalOutcome {
  if (typeof text !== 'string') throw new Error('a worker returned a result that is not encoded text');
  const revived: unknown = JSON.parse(text, (_key, v: unknown) => {
    const tag = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[NON_FINITE] : undefined;
    return tag === 'NaN' ? NaN : tag === 'Infinity' ? Infinity : tag === '-Infinity' ? -Infinity : v;
  });
  return checkOutcome(revived);
}

/**
 * A worker's result is untrusted data like a job: it must have the shape the
 * scorer reads. Only its shape is checked; nothing in it is run.
 */
function checkOutcome(value: unknown): EvalOutcome {
  const o = value as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || typeof o.ok !== 'boolean') throw new Error('a worker returned a result that is not an outcome');
  if (o.ok === false) {
    if (!REASONS.includes(o.reason as FailureReason) || typeof o.detail !== 'string') throw new Error('a worker returned a failure without a known reason');
    return o as unknown as EvalOutcome;
  }
  const r = o.result as Record<string, unknown> | null;
  const curves = r?.curves as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null || typeof r.score !== 'number' || typeof r.wallMs !== 'number' || typeof curves !== 'object' || !Array.isArray(curves.loss) || !Array.isArray(curves.lr)) {
    throw new Error('a worker returned a training result without score, wall time or curves');
  }
  return o as unknown as EvalOutcome;
}
