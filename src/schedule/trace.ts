/**
 * Signal traces: a recorded sequence of observations (from a training run or
 * written by hand) and the replay of a schedule over it. `autolr trace` uses
 * this, and the baseline tests use it to hold hand-coded schedules against
 * their rule texts.
 *
 * File format (JSON), documented in docs/rule-language.md ("Signal traces"):
 *
 *     { "granularity": "epoch" | "step", "lr0": 0.01,
 *       "epochs": 20, "steps_per_epoch": 100,            (optional)
 *       "records": [ { "epoch": 0, "batch_losses": [...], "acc": 0.4 }, ... ] }
 */
import type { Granularity } from '../grammar/ast.js';
import type { Signals } from '../grammar/interpreter.js';
import type { RandomSource } from '../grammar/semantics.js';
import { decideAcceptance, type Schedule } from './schedule.js';
import { InputError } from '../errors.js';

/** Fields a record may carry, besides `batch_losses`. */
const NUMERIC_FIELDS = [
  'epoch',
  'step',
  'loss',
  'loss_mean',
  'loss_prev',
  'loss_first',
  'loss_last',
  'loss_best',
  'acc',
  'acc_prev',
  'batch_loss',
  'dloss',
] as const;
type NumericField = (typeof NUMERIC_FIELDS)[number];

export type TraceRecord = Partial<Record<NumericField, number>> & { readonly batch_losses?: readonly number[] };

export interface Trace {
  readonly granularity: Granularity;
  readonly lr0: number;
  readonly epochs?: number;
  readonly steps_per_epoch?: number;
  readonly records: readonly TraceRecord[];
}

export class TraceError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

/** Checks a parsed JSON value against the trace format; every problem names its field. */
export function validateTrace(value: unknown): Trace {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TraceError('a trace must be a JSON object');
  const t = value as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if (!['granularity', 'lr0', 'epochs', 'steps_per_epoch', 'records'].includes(key)) {
      throw new TraceError(`unknown field "${key}" (a trace has granularity, lr0, epochs, steps_per_epoch, records)`);
    }
  }
  if (t.granularity !== 'epoch' && t.granularity !== 'step') throw new TraceError('"granularity" must be "epoch" or "step"');
  if (typeof t.lr0 !== 'number' || !Number.isFinite(t.lr0) || t.lr0 <= 0) throw new TraceError('"lr0" must be a positive number');
  for (const key of ['epochs', 'steps_per_epoch'] as const) {
    const v = t[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw new TraceError(`"${key}" must be a positive integer`);
  }
  if (!Array.isArray(t.records) || t.records.length === 0) throw new TraceError('"records" must be a non-empty array');
  let lastEpoch = -Infinity;
  t.records.forEach((r: unknown, i) => {
    const where = `records[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new TraceError(`${where} must be an object`);
    for (const [key, v] of Object.entries(r)) {
      if (key === 'batch_losses') {
        if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
          throw new TraceError(`${where}.batch_losses must be a non-empty array of finite numbers`);
        }
        continue;
      }
      if (!(NUMERIC_FIELDS as readonly string[]).includes(key)) {
        throw new TraceError(`${where} has an unknown field "${key}" (known: ${NUMERIC_FIELDS.join(', ')}, batch_losses)`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TraceError(`${where}.${key} must be a finite number`);
    }
    const rec = r as TraceRecord;
    for (const key of ['epoch', 'step'] as const) {
      const v = rec[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new TraceError(`${where}.${key} must be a non-negative integer`);
    }
    if (rec.epoch !== undefined) {
      if (rec.epoch < lastEpoch) throw new TraceError(`${where}.epoch goes back from ${lastEpoch} to ${rec.epoch}`);
      lastEpoch = rec.epoch;
    }
  });
  return t as unknown as Trace;
}

export interface TracePoint {
  readonly index: number;
  /** The epoch the rate is for. */
  readonly epoch: number;
  readonly step: number;
  readonly lr: number;
  /** Step schedules with an acceptance clause, on records carrying dloss. */
  readonly acceptance?: { readonly probability: number; readonly accepted: boolean };
}

export interface TraceReplay {
  readonly points: readonly TracePoint[];
  /** Per epoch: tentative steps and how many were kept (schedules with an acceptance clause). */
  readonly acceptance: ReadonlyArray<{ readonly epoch: number; readonly tried: number; readonly accepted: number }>;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Index of the first element of ascending `xs` that is ≥ x (xs.length if none). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The largest element of ascending `xs` below x, if any. */
function latestBelow(xs: readonly number[], x: number): number | undefined {
  const i = lowerBound(xs, x);
  return i > 0 ? xs[i - 1] : undefined;
}

/** Inserts x into ascending `xs` (at the end, in O(1), for the usual trace in epoch order). */
function insertSorted(xs: number[], x: number): void {
  if (xs.length === 0 || (xs[xs.length - 1] as number) < x) xs.push(x);
  else xs.splice(lowerBound(xs, x), 0, x);
}

/**
 * Replays a schedule over a trace, evaluating it once per record. The
 * signals of each record are its own fields, and for the fields it omits:
 * loss / loss_first / loss_last from `batch_losses` (mean, first, last), else
 * the previous record's value (0 at first); `loss_mean` is a synonym of loss;
 * loss_prev / acc_prev the value recorded at the latest earlier epoch (the
 * current value until there is one); loss_best the least loss so far;
 * batch_loss the record's loss_last; lr the rate the schedule gave at the
 * previous record (lr0 at the first). In an epoch trace, record k describes
 * completed epoch `epoch` (default k) and the rate is for the epoch after it.
 */
export function replayTrace(schedule: Schedule, trace: Trace, rng: RandomSource): TraceReplay {
  if (schedule.granularity !== trace.granularity) {
    throw new TraceError(`a per-${schedule.granularity} rule needs a "${schedule.granularity}" trace, not "${trace.granularity}"`);
  }
  const perEpoch = trace.granularity === 'epoch';
  const records = trace.records;
  const stepsPerEpoch = trace.steps_per_epoch ?? 1;
  const epochOf = (r: TraceRecord, i: number): number => r.epoch ?? (perEpoch ? i : Math.floor((r.step ?? i) / stepsPerEpoch));
  const lastEpoch = records.reduce((m, r, i) => Math.max(m, epochOf(r, i)), 0);
  const epochs = trace.epochs ?? lastEpoch + (perEpoch ? 2 : 1);

  const points: TracePoint[] = [];
  const acceptance = new Map<number, { tried: number; accepted: number }>();
  const byEpoch = new Map<number, { loss: number; acc: number }>();
  // The epochs recorded so far, ascending: loss_prev / acc_prev look up the latest one below a
  // record's epoch by bisection, so a long trace replays in n log n, not n².
  const epochsSeen: number[] = [];
  let carried = { loss: 0, loss_first: 0, loss_last: 0, acc: 0 };
  let best: number | undefined;
  let lr = trace.lr0;

  records.forEach((r, i) => {
    const recEpoch = epochOf(r, i);
    const b = r.batch_losses;
    const loss = r.loss ?? r.loss_mean ?? (b ? mean(b) : carried.loss);
    const loss_first = r.loss_first ?? (b ? (b[0] as number) : carried.loss_first);
    const loss_last = r.loss_last ?? (b ? (b[b.length - 1] as number) : carried.loss_last);
    const acc = r.acc ?? carried.acc;
    carried = { loss, loss_first, loss_last, acc };
    if (r.loss !== undefined || r.loss_mean !== undefined || b !== undefined) best = best === undefined ? loss : Math.min(best, loss);
    const before = latestBelow(epochsSeen, recEpoch);
    const previous = before === undefined ? undefined : byEpoch.get(before);
    if (!byEpoch.has(recEpoch)) insertSorted(epochsSeen, recEpoch);
    byEpoch.set(recEpoch, { loss, acc });

    const epoch = perEpoch ? recEpoch + 1 : recEpoch;
    const step = r.step ?? (perEpoch ? (recEpoch + 1) * stepsPerEpoch : i);
    const signals: Record<string, number> = {
      epoch,
      epochs,
      step,
      steps_per_epoch: stepsPerEpoch,
      lr,
      lr0: trace.lr0,
      loss,
      loss_prev: r.loss_prev ?? previous?.loss ?? loss,
      loss_first,
      loss_last,
      loss_best: r.loss_best ?? best ?? 0,
      acc,
      acc_prev: r.acc_prev ?? previous?.acc ?? acc,
      batch_loss: r.batch_loss ?? loss_last,
      dloss: r.dloss ?? 0,
    };
    const next = schedule.rate(signals as Signals, rng);
    let decision: TracePoint['acceptance'];
    if (schedule.hasAcceptance && !perEpoch) {
      if (r.dloss === undefined) throw new TraceError(`records[${i}] needs "dloss": the rule has an acceptance clause`);
      const probability = schedule.acceptance({ ...signals, lr: next }, rng);
      const accepted = decideAcceptance(probability, rng);
      decision = { probability, accepted };
      const tally = acceptance.get(epoch) ?? { tried: 0, accepted: 0 };
      tally.tried++;
      if (accepted) tally.accepted++;
      acceptance.set(epoch, tally);
    }
    points.push(decision ? { index: i, epoch, step, lr: next, acceptance: decision } : { index: i, epoch, step, lr: next });
    lr = next;
  });
  return { points, acceptance: [...acceptance].map(([epoch, t]) => ({ epoch, ...t })) };
}
