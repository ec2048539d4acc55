/**
 * The fitness run: train a task's network under a rule and score it.
 *
 * Per epoch, per minibatch: loss and gradients (one forward/backward pass),
 * then — for step schedules — the rate from the rule (it may read this
 * minibatch's loss), the step, and for rules with an acceptance clause a
 * second forward pass on the same minibatch and the keep/undo decision. Epoch
 * schedules set the rate at the start of every epoch from the second on.
 *
 * A run stops early, with a reason and a floor score, on a loss that is not
 * finite, a rate that is not a finite positive number or exceeds the cap, or
 * the wall-time limit. Same rule, task, budget, seed and backend give the
 * same result: every random choice comes from streams derived from the seed.
 *
 * Values come back from the backend with `await tensor.data()`, never
 * `dataSync()`: the webgpu backend cannot read synchronously in Node.
 */
import * as tf from '@tensorflow/tfjs';
import type { AlrRule, Rule } from '../grammar/ast.js';
import type { RandomSource } from '../grammar/semantics.js';
import { deriveStream } from '../random/stream.js';
import type { BaseOptimizer } from '../baselines/types.js';
import { decideAcceptance, scheduleFromRule, type Schedule } from '../schedule/schedule.js';
import { SignalTracker } from '../schedule/tracker.js';
import type { Model } from '../tasks/models.js';
import { takeValues } from '../tasks/read-values.js';
import type { Fidelity, PreparedTask, Task, TaskOptions } from '../tasks/task.js';
import { resolveLr0 } from './lr0.js';
import { adaptiveOptimizer, baseOptimizer, type StepApplier } from './optimizers.js';
import { adapterInUse, type AdapterInfo } from './webgpu.js';

/** What drives the weights: a schedule on a base optimizer, or an adaptive rule. */
export type Driver =
  | { readonly kind: 'schedule'; readonly schedule: Schedule; readonly optimizer: BaseOptimizer }
  | { readonly kind: 'adaptive'; readonly rule: AlrRule };

export type StopReason = 'loss-not-finite' | 'lr-not-finite' | 'lr-not-positive' | 'lr-above-cap' | 'time-limit';

export interface TrainOptions {
  readonly fidelity?: Fidelity;
  readonly seed?: number;
  /** Initial rate; default: the task's for the optimizer, else DEFAULT_LR0. */
  readonly lr0?: number;
  /** Largest rate allowed before the run is stopped. */
  readonly lrCap?: number;
  readonly timeLimitMs?: number;
  readonly taskOptions?: TaskOptions;
  /** Recorded in the result; the caller initialised it. */
  readonly backend?: string;
  /** Recorded in the result; default: the adapter initBackend found, when the backend is webgpu. */
  readonly adapter?: AdapterInfo;
}

export interface EpochCurves {
  /** Mean minibatch training loss per epoch. */
  readonly loss: number[];
  /** The accuracy signal per epoch (training accuracy, or 1 − relative error). */
  readonly acc: number[];
  /** Rate in force at the end of each epoch. */
  readonly lr: number[];
  /** Steps kept / tried per epoch, for rules with an acceptance clause. */
  readonly acceptance?: Array<{ tried: number; kept: number }>;
}

export interface TrainResult {
  readonly task: string;
  readonly fidelity: Fidelity;
  readonly seed: number;
  readonly backend: string;
  /** The GPU adapter the run used (webgpu only; absent on the other backends and in older results). */
  readonly adapter?: AdapterInfo;
  /** Fitness (higher is better); the task's floor when the run stopped early. */
  readonly score: number;
  readonly fitness: Readonly<Record<string, number>>;
  readonly test: Readonly<Record<string, number>>;
  readonly curves: EpochCurves;
  /** Per-step rates of step schedules, thinned to at most 256 (step, lr) points. */
  readonly lrSteps?: Array<[number, number]>;
  readonly epochs: number;
  readonly steps: number;
  readonly wallMs: number;
  readonly stopped?: { readonly reason: StopReason; readonly epoch: number; readonly step: number; readonly detail: string };
}

export const DEFAULT_LR_CAP = 10;

/** A stream derived from the run seed: one per purpose, so adding draws to one never shifts another. */
function stream(seed: number, purpose: string): RandomSource {
  return deriveStream(String(seed), purpose);
}

/** The driver for a rule: schedules run on `optimizer`, adaptive rules are their own optimizer. */
export function driverFor(rule: Rule, optimizer: BaseOptimizer = 'adam'): Driver {
  return rule.variant === 'dlr' ? { kind: 'schedule', schedule: scheduleFromRule(rule), optimizer } : { kind: 'adaptive', rule };
}

class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function checkRate(lr: number, cap: number): number {
  if (!Number.isFinite(lr)) throw new Stop('lr-not-finite', `the rule gave the rate ${lr}`);
  if (lr <= 0) throw new Stop('lr-not-positive', `the rule gave the rate ${lr}`);
  if (lr > cap) throw new Stop('lr-above-cap', `the rule gave the rate ${lr}, above the cap ${cap}`);
  return lr;
}

/** Trains `task` under `driver` and scores it. Leaves no tensors behind. */
export async function train(driver: Driver, task: Task, options: TrainOptions = {}): Promise<TrainResult> {
  const fidelity = options.fidelity ?? 'cheap';
  const seed = options.seed ?? 0;
  const started = performance.now();
  const prepared = await task.prepare(fidelity, options.taskOptions ?? {});
  const budget = task.budgets[fidelity];
  const kind = driver.kind === 'schedule' ? driver.optimizer : 'alr';
  const lr0 = resolveLr0(task, kind, options.lr0);
  const cap = options.lrCap ?? DEFAULT_LR_CAP;
  const tensorsBefore = tf.memory().numTensors;

  const model = prepared.createModel(stream(seed, 'init'));
  const applier: StepApplier =
    driver.kind === 'schedule' ? baseOptimizer(driver.optimizer, lr0, model.params) : adaptiveOptimizer(driver.rule, lr0, model.params);
  const tracker = new SignalTracker({ lr0, epochs: budget.epochs, stepsPerEpoch: prepared.stepsPerEpoch });
  const shuffle = stream(seed, 'shuffle');
  const ruleStream = stream(seed, 'rule');
  const dropout = stream(seed, 'dropout');
  const curves: EpochCurves = {
    loss: [],
    acc: [],
    lr: [],
    ...(driver.kind === 'schedule' && driver.schedule.hasAcceptance ? { acceptance: [] } : {}),
  };
  const lrSteps = new ThinnedSeries();
  const stepSchedule = driver.kind === 'schedule' && driver.schedule.granularity === 'step';
  let stopped: TrainResult['stopped'];
  let step = 0;
  let epoch = 0;

  try {
    for (epoch = 0; epoch < budget.epochs; epoch++) {
      if (driver.kind === 'schedule' && !stepSchedule && epoch > 0) {
        const lr = checkRate(driver.schedule.rate(tracker.signals(), ruleStream), cap);
        tracker.setLr(lr);
        applier.setLearningRate(lr);
      }
      const running = { correct: 0, seen: 0, tried: 0, kept: 0 };
      for (const batch of prepared.epochBatches(shuffle)) {
        await runStep(driver, prepared, model, applier, tracker, batch, {
          dropoutSeed: Math.floor(dropout.uniform() * 2 ** 31),
          ruleStream,
          cap,
          step,
          running,
          onRate: stepSchedule ? (lr) => lrSteps.push(step, lr) : undefined,
        });
        step++;
        if (options.timeLimitMs !== undefined && performance.now() - started > options.timeLimitMs) {
          throw new Stop('time-limit', `the run took longer than ${options.timeLimitMs} ms`);
        }
      }
      const accuracy = await prepared.epochAccuracy(model, running);
      tracker.endEpoch(accuracy);
      const signals = tracker.signals();
      curves.loss.push(signals.loss as number);
      curves.acc.push(accuracy);
      curves.lr.push(tracker.currentLr);
      curves.acceptance?.push({ tried: running.tried, kept: running.kept });
    }
  } catch (err) {
    if (!(err instanceof Stop)) {
      applier.dispose();
      model.dispose();
      prepared.dispose();
      throw err;
    }
    stopped = { reason: err.reason, epoch, step, detail: err.detail };
  }

  const fitness = stopped ? { score: task.floorScore, metrics: {} } : await prepared.fitness(model);
  const test = stopped ? {} : await prepared.test(model);
  applier.dispose();
  model.dispose();
  prepared.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) throw new Error(`internal error: the training run leaked ${leaked} tensors`);
  const backend = options.backend ?? tf.getBackend();
  const adapter = options.adapter ?? adapterInUse(backend);
  return {
    task: task.name,
    fidelity,
    seed,
    backend,
    ...(adapter ? { adapter } : {}),
    score: fitness.score,
    fitness: fitness.metrics,
    test,
    curves,
    ...(stepSchedule ? { lrSteps: lrSteps.points } : {}),
    epochs: curves.loss.length,
    steps: step,
    wallMs: performance.now() - started,
    ...(stopped ? { stopped } : {}),
  };
}

interface StepContext {
  readonly dropoutSeed: number;
  readonly ruleStream: RandomSource;
  readonly cap: number;
  readonly step: number;
  readonly running: { correct: number; seen: number; tried: number; kept: number };
  readonly onRate: ((lr: number) => void) | undefined;
}

async function runStep(
  driver: Driver,
  prepared: PreparedTask,
  model: Model,
  applier: StepApplier,
  tracker: SignalTracker,
  batch: { indices: readonly number[] },
  ctx: StepContext,
): Promise<void> {
  const apply = { training: true, dropoutSeed: ctx.dropoutSeed };
  let correct: tf.Scalar | undefined;
  let size = 0;
  const { value, grads } = tf.variableGrads(() => {
    const out = prepared.batchLoss(model, batch, apply);
    if (out.correct) correct = tf.keep(out.correct);
    size = out.size;
    return out.loss;
  });
  try {
    // Both reads are issued before either is awaited: on webgpu each is a GPU readback.
    const [lossValues, correctValues] = await Promise.all([value.data(), correct?.data()]);
    const loss = lossValues[0] as number;
    if (!Number.isFinite(loss)) throw new Stop('loss-not-finite', `the training loss became ${loss}`);
    if (correctValues) ctx.running.correct += correctValues[0] as number;
    ctx.running.seen += size;

    if (driver.kind === 'schedule' && driver.schedule.granularity === 'step') {
      const lr = checkRate(driver.schedule.rate(tracker.signals({ batch_loss: loss }), ctx.ruleStream), ctx.cap);
      tracker.setLr(lr);
      applier.setLearningRate(lr);
      ctx.onRate?.(lr);
    }
    if (driver.kind === 'schedule' && driver.schedule.hasAcceptance) {
      const before = model.snapshot();
      try {
        applier.apply(grads, ctx.step);
        const after = (await takeValues(tf.tidy(() => prepared.batchLoss(model, batch, apply).loss)))[0] as number;
        const dloss = after - loss;
        const probability = driver.schedule.acceptance(tracker.signals({ batch_loss: loss, dloss }), ctx.ruleStream);
        ctx.running.tried++;
        if (decideAcceptance(probability, ctx.ruleStream)) ctx.running.kept++;
        else model.restore(before);
      } finally {
        tf.dispose(before);
      }
    } else {
      applier.apply(grads, ctx.step);
    }
    tracker.recordStep(loss);
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
    if (correct) correct.dispose();
  }
}

/**
 * A long per-step series thinned evenly to at most `limit` points: points are
 * kept every `stride` steps, and when the series fills up every other point is
 * dropped and the stride doubles.
 */
class ThinnedSeries {
  readonly points: Array<[number, number]> = [];
  private stride = 1;

  constructor(private readonly limit = 256) {}

  push(step: number, value: number): void {
    if (step % this.stride !== 0) return;
    this.points.push([step, value]);
    if (this.points.length > this.limit) {
      const kept = this.points.filter(([s]) => s % (2 * this.stride) === 0);
      this.points.length = 0;
      this.points.push(...kept);
      this.stride *= 2;
    }
  }
}
