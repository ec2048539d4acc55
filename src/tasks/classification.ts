/**
 * Classification on in-memory float features: the part every image task and
 * the synthetic task share — minibatches, softmax cross-entropy, running
 * training accuracy, accuracy on a split.
 */
import * as tf from '@tensorflow/tfjs';
import { takeValues } from './read-values.js';
import type { RandomSource } from '../grammar/semantics.js';
import type { ApplyOptions, Model } from './models.js';
import { shuffledBatches, type BatchOutput, type PreparedTask, type Scores, type TaskBatch } from './task.js';

/** Samples as flat float features (N × featureSize) and integer labels. */
export interface Split {
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface ClassificationSetup {
  /** Shape of one sample, e.g. [28, 28, 1] or [2]. */
  readonly sampleShape: readonly number[];
  readonly classes: number;
  readonly train: Split;
  readonly fitness: Split;
  readonly test: Split;
  readonly batchSize: number;
  readonly createModel: (rng: RandomSource) => Model;
}

const EVAL_CHUNK = 500;

export class PreparedClassification implements PreparedTask {
  readonly stepsPerEpoch: number;
  private readonly sampleSize: number;

  constructor(private readonly setup: ClassificationSetup) {
    this.sampleSize = setup.sampleShape.reduce((a, b) => a * b, 1);
    this.stepsPerEpoch = Math.ceil(setup.train.count / setup.batchSize);
  }

  createModel(rng: RandomSource): Model {
    return this.setup.createModel(rng);
  }

  epochBatches(rng: RandomSource): readonly TaskBatch[] {
    return shuffledBatches(this.setup.train.count, this.setup.batchSize, rng);
  }

  private gather(split: Split, indices: readonly number[]): { x: tf.Tensor; labels: Int32Array } {
    const d = this.sampleSize;
    const features = new Float32Array(indices.length * d);
    const labels = new Int32Array(indices.length);
    indices.forEach((i, row) => {
      features.set(split.features.subarray(i * d, (i + 1) * d), row * d);
      labels[row] = split.labels[i] as number;
    });
    return { x: tf.tensor(features, [indices.length, ...this.setup.sampleShape]), labels };
  }

  /** One-hot targets built in JS: the wasm backend's float32 oneHot kernel is wrong. */
  private oneHot(labels: Int32Array): tf.Tensor {
    const k = this.setup.classes;
    const out = new Float32Array(labels.length * k);
    labels.forEach((l, i) => {
      out[i * k + l] = 1;
    });
    return tf.tensor2d(out, [labels.length, k]);
  }

  batchLoss(model: Model, batch: TaskBatch, options: ApplyOptions): BatchOutput {
    const { x, labels } = this.gather(this.setup.train, batch.indices);
    const logits = model.apply(x, options);
    const loss = tf.losses.softmaxCrossEntropy(this.oneHot(labels), logits) as tf.Scalar;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32')) as tf.Scalar;
    return { loss, correct, size: labels.length };
  }

  async epochAccuracy(_model: Model, running: { correct: number; seen: number }): Promise<number> {
    return running.seen > 0 ? running.correct / running.seen : 0;
  }

  async accuracy(model: Model, split: Split): Promise<number> {
    let correct = 0;
    for (let start = 0; start < split.count; start += EVAL_CHUNK) {
      const indices = Array.from({ length: Math.min(EVAL_CHUNK, split.count - start) }, (_, i) => start + i);
      const count = tf.tidy(() => {
        const { x, labels } = this.gather(split, indices);
        const predicted = tf.argMax(model.apply(x, { training: false }), 1);
        return tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(labels, 'int32')), 'float32'));
      });
      correct += (await takeValues(count))[0] as number;
    }
    return split.count > 0 ? correct / split.count : 0;
  }

  async fitness(model: Model): Promise<Scores> {
    const accuracy = await this.accuracy(model, this.setup.fitness);
    return { score: accuracy, metrics: { accuracy } };
  }

  async test(model: Model): Promise<Readonly<Record<string, number>>> {
    return { accuracy: await this.accuracy(model, this.setup.test) };
  }

  dispose(): void {}
}
