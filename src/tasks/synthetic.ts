/**
 * A tiny synthetic task for testing the machinery in seconds: three Gaussian
 * blobs in the plane, classified by a 2-16-3 MLP. Its data come from a fixed
 * seed, so it needs no files.
 */
import { Stream } from '../random/stream.js';
import { drawNormal } from '../grammar/semantics.js';
import { PreparedClassification, type Split } from './classification.js';
import { dense, sequential } from './models.js';
import type { Task } from './task.js';

const CENTRES: ReadonlyArray<readonly [number, number]> = [
  [0, 1.2],
  [-1, -0.6],
  [1, -0.6],
];

function blobs(count: number, seed: string): Split {
  const rng = new Stream(seed);
  const features = new Float32Array(count * 2);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % CENTRES.length;
    const [cx, cy] = CENTRES[c] as readonly [number, number];
    features[2 * i] = cx + 0.6 * drawNormal(rng);
    features[2 * i + 1] = cy + 0.6 * drawNormal(rng);
    labels[i] = c;
  }
  return { features, labels, count };
}

export const SYNTHETIC: Task = {
  name: 'synthetic',
  description: 'three Gaussian blobs in 2-D (600 training points), a 2-16-3 MLP; runs in about a second',
  kind: 'synthetic',
  budgets: {
    cheap: { epochs: 3, batchSize: 32, trainSamples: 300, fitnessSamples: 300, summary: '3 epochs × 300 points' },
    full: { epochs: 8, batchSize: 32, trainSamples: 600, fitnessSamples: 300, summary: '8 epochs × 600 points' },
  },
  floorScore: 0,
  scoreDescription: 'accuracy on 300 fitness points',
  budgetFields: ['epochs', 'batchSize', 'trainSamples', 'fitnessSamples'],
  describeBudget: (b) => `${b.epochs} epoch${b.epochs === 1 ? '' : 's'} × ${Math.min(600, b.trainSamples ?? 600)} points`,
  withBudgets(budgets) {
    return { ...this, budgets };
  },
  async prepare(fidelity, options) {
    const budget = this.budgets[fidelity];
    const split = options.splitSeed ?? 0;
    const all = blobs(600, `synthetic-train:${split}`);
    const n = budget.trainSamples ?? 600;
    const train: Split = { features: all.features.slice(0, 2 * n), labels: all.labels.slice(0, n), count: n };
    return new PreparedClassification({
      sampleShape: [2],
      classes: 3,
      train,
      fitness: blobs(budget.fitnessSamples ?? 300, `synthetic-fitness:${split}`),
      test: blobs(300, `synthetic-test:${split}`),
      batchSize: budget.batchSize,
      createModel: (rng) => sequential('synthetic-mlp', [2], [dense(16, 'relu'), dense(3)], rng),
    });
  },
};
