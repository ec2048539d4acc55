/**
 * The signals a schedule reads during training, kept up to date from what the
 * training loop observes: one `recordStep` per minibatch, one `endEpoch` per
 * epoch. The definitions are those of `src/grammar/signals.ts`; this class is
 * where the training loop makes them true.
 */
import type { Signals } from '../grammar/interpreter.js';

export interface TrackerSetup {
  readonly lr0: number;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
}

export class SignalTracker {
  private epoch = 0;
  private step = 0;
  private lr: number;
  private loss = 0;
  private lossPrev = 0;
  private lossFirst = 0;
  private lossLast = 0;
  private lossBest: number | undefined;
  private acc = 0;
  private accPrev = 0;
  private batchLoss = 0;
  private epochLosses: number[] = [];
  private completedEpochs = 0;

  constructor(private readonly setup: TrackerSetup) {
    this.lr = setup.lr0;
  }

  /** The signals as a rule sees them now; `extra` adds or overrides (batch_loss before a step, dloss). */
  signals(extra: Readonly<Record<string, number>> = {}): Signals {
    return {
      epoch: this.epoch,
      epochs: this.setup.epochs,
      step: this.step,
      steps_per_epoch: this.setup.stepsPerEpoch,
      lr: this.lr,
      lr0: this.setup.lr0,
      loss: this.loss,
      loss_prev: this.lossPrev,
      loss_first: this.lossFirst,
      loss_last: this.lossLast,
      loss_best: this.lossBest ?? 0,
      acc: this.acc,
      acc_prev: this.accPrev,
      batch_loss: this.batchLoss,
      ...extra,
    };
  }

  /** The rate in force from now on. */
  setLr(lr: number): void {
    this.lr = lr;
  }

  get currentLr(): number {
    return this.lr;
  }

  /** A minibatch was trained on; `loss` is its loss before the step. */
  recordStep(loss: number): void {
    this.epochLosses.push(loss);
    this.batchLoss = loss;
    this.step++;
  }

  /** An epoch ended; `accuracy` is its training accuracy in [0, 1]. */
  endEpoch(accuracy: number): void {
    const losses = this.epochLosses;
    if (losses.length > 0) {
      let sum = 0;
      for (const l of losses) sum += l;
      const mean = sum / losses.length;
      this.lossPrev = this.completedEpochs === 0 ? mean : this.loss;
      this.loss = mean;
      this.lossFirst = losses[0] as number;
      this.lossLast = losses[losses.length - 1] as number;
      this.lossBest = this.lossBest === undefined ? mean : Math.min(this.lossBest, mean);
    }
    this.accPrev = this.completedEpochs === 0 ? accuracy : this.acc;
    this.acc = accuracy;
    this.epochLosses = [];
    this.completedEpochs++;
    this.epoch++;
  }
}
