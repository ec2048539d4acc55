/**
 * How a rule's rates depend on the initial learning rate. A rule is
 * rate-relative (scale-equivariant) when multiplying lr0 by c multiplies every
 * rate it gives by c: then tuning lr0 and evolving the rule's shape are
 * separate questions, and a "discovery" cannot be a better-chosen step size in
 * disguise. An adaptive rule is scale-equivariant when its update scales with
 * the scheduled `lr` for the same gradients.
 *
 * Both are measured on fixed reference signals (a trace is not a training run:
 * its losses do not react to the rates), with the rule's random draws replayed
 * from the same seed at both scales.
 */
import type { AlrRule, DlrRule, Granularity, Rule } from '../grammar/ast.js';
import { interpretAlrStep } from '../grammar/interpret-alr.js';
import { Stream } from '../random/stream.js';
import { replayTrace, type Trace, type TraceRecord } from './trace.js';
import { scheduleFromRule } from './schedule.js';

export interface ScaleOptions {
  /**
   * The reference rate and the factors it is multiplied by. Default 0.01 and
   * [10, 3]: 10 compares lr0 0.01 with 0.1; 3 catches rules that are
   * equivariant only under powers of ten (DLRS's 10^floor(log10 lr)).
   */
  readonly lr0?: number;
  readonly factors?: readonly number[];
  /** Relative tolerance of "scales" (default 1e-9). */
  readonly rtol?: number;
  /** Every rate at the reference lr0 within [lr0 · low, lr0 · high] counts as "in range" (default 1e-4 and 100). */
  readonly low?: number;
  readonly high?: number;
  /** Seed of the rule's own random draws. */
  readonly seed?: number;
}

export interface ScaleBehaviour {
  /** For each factor c, every rate (update) at c·lr0 is c times the one at lr0, and all are finite. */
  readonly scales: boolean;
  /**
   * Every rate at the reference lr0 stays within [low, high]·lr0; for an
   * adaptive rule, the root-mean-square update of every 10 steps within
   * [low, high]·lr (SGD's is lr times the gradients' RMS, 0.003–0.15 here).
   */
  readonly inRange: boolean;
}

const EPOCHS = 30;
const STEPS_PER_EPOCH = 10;

/**
 * A 30-epoch reference trace of a run that learns: the loss falls from 2.3
 * towards 0.1 with minibatch noise, accuracy rises from 0.1 to 0.98, and each
 * tentative step has a small signed loss change (for acceptance clauses).
 */
export function referenceTrace(granularity: Granularity, lr0: number): Trace {
  const noise = new Stream('autolr:reference-trace');
  const lossAt = (t: number): number => 0.1 + 2.2 * Math.exp(-t / 8);
  const accAt = (t: number): number => 0.98 - 0.88 * Math.exp(-t / 6);
  const records: TraceRecord[] = [];
  for (let e = 0; e < EPOCHS; e++) {
    const batch = Array.from({ length: STEPS_PER_EPOCH }, (_, k) => lossAt(e + k / STEPS_PER_EPOCH) * (1 + 0.1 * (noise.uniform() - 0.5)));
    if (granularity === 'epoch') {
      records.push({ epoch: e, batch_losses: batch, acc: accAt(e + 1) });
      continue;
    }
    // Step records carry the last completed epoch's summary and the current minibatch's loss.
    const done = e > 0 ? lossAt(e) : 0;
    batch.forEach((loss, k) =>
      records.push({ epoch: e, step: e * STEPS_PER_EPOCH + k, loss: done, loss_first: done, loss_last: done, batch_loss: loss, acc: e > 0 ? accAt(e) : 0, dloss: 0.02 * (noise.uniform() - 0.6) * loss }),
    );
  }
  return { granularity, lr0, epochs: EPOCHS, steps_per_epoch: STEPS_PER_EPOCH, records };
}

function close(a: number, b: number, rtol: number): boolean {
  return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
}

function dlrRates(rule: DlrRule, lr0: number, seed: number): number[] {
  const replay = replayTrace(scheduleFromRule(rule), referenceTrace(rule.granularity, lr0), new Stream(`autolr:${seed}:scale`));
  // An epoch trace's last record gives the rate for the epoch after the budget, which never trains
  // (a schedule that anneals to exactly 0 there is in range).
  return replay.points.filter((p) => p.epoch < EPOCHS).map((p) => p.lr);
}

/**
 * An adaptive rule's updates on one weight over a fixed gradient sequence
 * (noisy, shrinking, changing sign), and the root-mean-square update of each
 * run of 10 steps divided by lr: the step size the rule takes, in units of lr.
 */
function alrSteps(rule: AlrRule, lr: number): { updates: number[]; relative: number[] } {
  const grads = new Stream('autolr:reference-gradients');
  const state = { alpha: 0, beta: 0, sigma: 0 };
  const updates: number[] = [];
  for (let step = 0; step < EPOCHS * STEPS_PER_EPOCH; step++) {
    const grad = (0.5 * Math.exp(-step / 100) + 0.01) * (grads.uniform() - 0.3);
    const u = interpretAlrStep(rule, state, grad, lr, step);
    updates.push(u);
  }
  const relative: number[] = [];
  for (let start = 0; start < updates.length; start += STEPS_PER_EPOCH) {
    const window = updates.slice(start, start + STEPS_PER_EPOCH);
    relative.push(Math.sqrt(window.reduce((a, u) => a + u * u, 0) / window.length) / lr);
  }
  return { updates, relative };
}

export function scaleBehaviour(rule: Rule, options: ScaleOptions = {}): ScaleBehaviour {
  const lr0 = options.lr0 ?? 0.01;
  const factors = options.factors ?? [10, 3];
  const rtol = options.rtol ?? 1e-9;
  const low = options.low ?? 1e-4;
  const high = options.high ?? 100;
  if (rule.variant === 'dlr') {
    const seed = options.seed ?? 0;
    const base = dlrRates(rule, lr0, seed);
    const scalesBy = (c: number): boolean => {
      const scaled = dlrRates(rule, lr0 * c, seed);
      return base.every((r, i) => close(r * c, scaled[i] as number, rtol));
    };
    return {
      scales: factors.every(scalesBy),
      inRange: base.every((r) => r >= lr0 * low && r <= lr0 * high),
    };
  }
  const base = alrSteps(rule, lr0);
  const scalesBy = (c: number): boolean => {
    const scaled = alrSteps(rule, lr0 * c).updates;
    // An update of exactly 0 scales trivially (close() would refuse 0 against 0 only through its floor).
    return base.updates.every((u, i) => (u === 0 && scaled[i] === 0) || close(u * c, scaled[i] as number, rtol));
  };
  return {
    scales: factors.every(scalesBy),
    inRange: base.relative.every((r) => Number.isFinite(r) && r >= low && r <= high),
  };
}
