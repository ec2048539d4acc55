/**
 * What a task is to the training loop: data cut into minibatches, a model to
 * build, a loss, and how a trained model is scored. Tasks declare their
 * budgets (fidelities); the loop in src/evaluator/train.ts is the same for all.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RandomSource } from '../grammar/semantics.js';
import type { ApplyOptions, Model } from './models.js';
import type { BaseOptimizer } from '../schedule/base-optimizer.js';

export type Fidelity = 'cheap' | 'full';
export const FIDELITIES: readonly Fidelity[] = ['cheap', 'full'];

/** The numeric fields of a budget; a task declares which of them it reads. */
export type BudgetField = 'epochs' | 'batchSize' | 'trainSamples' | 'fitnessSamples' | 'points';

export interface Budget {
  readonly epochs: number;
  readonly batchSize: number;
  /** Image tasks: training and fitness samples drawn from the training set. */
  readonly trainSamples?: number;
  readonly fitnessSamples?: number;
  /** PINN: collocation points. */
  readonly points?: number;
  /** A short description for tables, e.g. "2 epochs × 2000 samples". */
  readonly summary: string;
}

export interface TaskOptions {
  /** Folder with dataset files (Fashion-MNIST, CIFAR-10). */
  readonly dataDir?: string;
  /** Seed of the train/fitness split: fixed per campaign so every candidate is scored on the same data. */
  readonly splitSeed?: number;
}

/** One minibatch: positions of its samples (or collocation points) in the task's training data. */
export interface TaskBatch {
  readonly indices: readonly number[];
}

export interface BatchOutput {
  readonly loss: tf.Scalar;
  /** Classification: correctly predicted samples in the batch. */
  readonly correct?: tf.Scalar;
  readonly size: number;
}

export interface Scores {
  /** Higher is better; the fitness evolution optimises. */
  readonly score: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface PreparedTask {
  readonly stepsPerEpoch: number;
  createModel(rng: RandomSource): Model;
  /** The minibatches of one epoch, in the order the run's stream shuffles them into. */
  epochBatches(rng: RandomSource): readonly TaskBatch[];
  /** Forward pass and loss of a minibatch (inside the caller's gradient scope). */
  batchLoss(model: Model, batch: TaskBatch, options: ApplyOptions): BatchOutput;
  /*
   * The three below read values back from the backend, so they are
   * asynchronous: the webgpu backend cannot read synchronously in Node.
   */
  /**
   * The epoch's accuracy signal in [0, 1]: classification uses the running
   * training accuracy; tasks without accuracy report 1 − min(1, relative error).
   */
  epochAccuracy(model: Model, running: { correct: number; seen: number }): Promise<number>;
  /** Score on the fitness split (never trained on). */
  fitness(model: Model): Promise<Scores>;
  /** Metrics on the held-out test split. */
  test(model: Model): Promise<Readonly<Record<string, number>>>;
  dispose(): void;
}

export interface Task {
  readonly name: string;
  readonly description: string;
  readonly kind: 'image' | 'pinn' | 'synthetic';
  readonly budgets: Readonly<Record<Fidelity, Budget>>;
  /** The score a failed or stopped run gets. */
  readonly floorScore: number;
  /** What the score means, for tables and docs. */
  readonly scoreDescription: string;
  /** Initial rates this task trains well from, by optimizer ('alr' for adaptive rules); others use the engine's defaults. */
  readonly lr0?: Readonly<Partial<Record<BaseOptimizer | 'alr', number>>>;
  /**
   * Signals this task computes from something its real users do not have
   * (the PINN's accuracy is 1 − the error against the exact solution), with
   * what they are computed from. A rule may read them in a campaign, but it
   * cannot run where that is missing; src/tasks/oracle-signals.ts says so.
   */
  readonly oracleSignals?: { readonly names: readonly string[]; readonly source: string };
  /** The budget fields this task reads; an override of any other is refused (src/tasks/budgets.ts). */
  readonly budgetFields: readonly BudgetField[];
  /** A budget's summary for tables, e.g. "2 epochs × 2000 samples". */
  describeBudget(budget: Omit<Budget, 'summary'>): string;
  /** The same task (same name) with other budgets. */
  withBudgets(budgets: Readonly<Record<Fidelity, Budget>>): Task;
  prepare(fidelity: Fidelity, options: TaskOptions): Promise<PreparedTask>;
}

/** The standard shuffled minibatch order over n samples (a Fisher–Yates shuffle from the run's stream). */
export function shuffledBatches(n: number, batchSize: number, rng: RandomSource): TaskBatch[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(rng.uniform() * (i + 1)));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const out: TaskBatch[] = [];
  for (let start = 0; start < n; start += batchSize) out.push({ indices: order.slice(start, start + batchSize) });
  return out;
}
