/**
 * Image classification tasks: a dataset (MNIST, Fashion-MNIST, CIFAR-10) and
 * a network — AutoLR's Fashion-MNIST CNN, or a small CNN or MLP proxy for fast
 * search. Fitness is the accuracy on a fitness split carved (stratified, from
 * the split seed) out of the official training set; the official test set is
 * only used for the reported test accuracy.
 */
import {
  DATASET_NAMES,
  DatasetError,
  loadDataset,
  normalizeSplits,
  subsample,
  subsampleIndices,
  subset,
  trainFitnessIndices,
  type DatasetName,
  type ImageSet,
} from './datasets/index.js';
import { PreparedClassification, type Split } from './classification.js';
import { conv, dense, dropout, flatten, maxpool, sequential, type Model } from './models.js';
import type { RandomSource } from '../grammar/semantics.js';
import type { Budget, Fidelity, PreparedTask, Task, TaskOptions } from './task.js';

export const IMAGE_MODELS = ['mlp', 'cnn', 'autolr-cnn'] as const;
export type ImageModel = (typeof IMAGE_MODELS)[number];

const DESCRIPTIONS: Record<ImageModel, string> = {
  mlp: 'MLP proxy (flatten, dense 128 relu, dense 10)',
  cnn: 'small CNN proxy (conv 16 3×3, pool 2, conv 32 3×3, pool 2, dense 10)',
  'autolr-cnn': "AutoLR's Fashion-MNIST CNN (conv 32 3×3, conv 64 3×3, pool 2, dropout .25, dense 128, dropout .5, dense 10)",
};

function buildModel(kind: ImageModel, shape: readonly number[], classes: number, rng: RandomSource): Model {
  switch (kind) {
    case 'mlp':
      return sequential('mlp', shape, [flatten(), dense(128, 'relu'), dense(classes)], rng);
    case 'cnn':
      return sequential('cnn', shape, [conv(16, 3, 'same'), maxpool(2), conv(32, 3, 'same'), maxpool(2), flatten(), dense(classes)], rng);
    case 'autolr-cnn':
      return sequential(
        'autolr-cnn',
        shape,
        [conv(32, 3, 'valid'), conv(64, 3, 'valid'), maxpool(2), dropout(0.25), flatten(), dense(128, 'relu'), dropout(0.5), dense(classes)],
        rng,
      );
  }
}

const BUDGETS: Record<ImageModel, Record<Fidelity, Budget>> = {
  mlp: {
    cheap: { epochs: 2, batchSize: 64, trainSamples: 2000, fitnessSamples: 1000, summary: '2 epochs × 2000 samples' },
    full: { epochs: 5, batchSize: 64, trainSamples: 10000, fitnessSamples: 3000, summary: '5 epochs × 10000 samples' },
  },
  cnn: {
    cheap: { epochs: 1, batchSize: 64, trainSamples: 2000, fitnessSamples: 1000, summary: '1 epoch × 2000 samples' },
    full: { epochs: 3, batchSize: 64, trainSamples: 10000, fitnessSamples: 3000, summary: '3 epochs × 10000 samples' },
  },
  'autolr-cnn': {
    cheap: { epochs: 1, batchSize: 64, trainSamples: 1000, fitnessSamples: 1000, summary: '1 epoch × 1000 samples' },
    full: { epochs: 5, batchSize: 64, trainSamples: 10000, fitnessSamples: 3000, summary: '5 epochs × 10000 samples' },
  },
};

/** "2 epochs × 2000 samples" (all samples when the budget names no count). */
export function describeImageBudget(b: Omit<Budget, 'summary'>): string {
  return `${b.epochs} epoch${b.epochs === 1 ? '' : 's'} × ${b.trainSamples ?? 'all'} samples`;
}

/** Test images scored per fidelity: a stratified part of the official test set for cheap runs, all of it for full ones. */
const TEST_SAMPLES: Record<Fidelity, number> = { cheap: 2000, full: Infinity };

const prepared = new Map<string, Promise<PreparedTask>>();

/**
 * The fitness split and the training subsample, exactly as
 * `splitTrainFitness` followed by `subsample` cut them (same stratified
 * draws, same images in the same order), without copying the remainder of
 * the official training set first: that copy (59 000 MNIST images) cost more
 * than the rest of a worker's task preparation, once per fidelity.
 */
export function carveTrainAndFitness(official: ImageSet, fitnessSamples: number, trainSamples: number, splitSeed: number): { train: ImageSet; fitness: ImageSet } {
  const fitnessSeed = `fitness:${splitSeed}`;
  const { train: rest, fitness } = trainFitnessIndices(official, { count: fitnessSamples }, fitnessSeed);
  // subsample() of the remainder reads only its labels: draw on them, then map positions back to the official set.
  const restLabels = { labels: Uint8Array.from(rest, (i) => official.labels[i] as number), classes: official.classes, count: rest.length, name: `${official.name}[train, seed ${fitnessSeed}]` };
  const trainIndices = subsampleIndices(restLabels, trainSamples, `train:${splitSeed}`).map((p) => rest[p] as number);
  return {
    train: subset(official, trainIndices, `${official.name}[train ${trainIndices.length}, seed ${splitSeed}]`),
    fitness: subset(official, fitness, `${official.name}[fitness, seed ${fitnessSeed}]`),
  };
}

function toSplit(features: Float32Array, labels: Uint8Array): Split {
  return { features, labels, count: labels.length };
}

async function prepareImage(
  dataset: DatasetName,
  model: ImageModel,
  budget: Budget,
  fidelity: Fidelity,
  options: TaskOptions,
): Promise<PreparedTask> {
  const splitSeed = options.splitSeed ?? 0;
  const { train: official, test: officialTest } = loadDataset(dataset, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const fitnessSamples = budget.fitnessSamples ?? 1000;
  // A valid but small training set (a user's own files) must leave images to train on.
  if (fitnessSamples >= official.count) {
    throw new DatasetError(
      options.dataDir ?? official.name,
      `${dataset}'s training set holds ${official.count} images, too few for the ${fidelity} budget's fitness split of ${fitnessSamples} and a training part: ` +
        'lower "fitnessSamples" (a campaign\'s "budgets", or --budgets) or use a larger training set',
    );
  }
  const { train, fitness } = carveTrainAndFitness(official, fitnessSamples, budget.trainSamples ?? official.count, splitSeed);
  const test = Number.isFinite(TEST_SAMPLES[fidelity]) ? subsample(officialTest, TEST_SAMPLES[fidelity], `test:${splitSeed}`) : officialTest;
  const normalized = normalizeSplits(train, { fitness, test });
  const shape = [official.height, official.width, official.channels];
  return new PreparedClassification({
    sampleShape: shape,
    classes: official.classes,
    train: toSplit(normalized.train, train.labels),
    fitness: toSplit(normalized.others.fitness, fitness.labels),
    test: toSplit(normalized.others.test, test.labels),
    batchSize: budget.batchSize,
    createModel: (rng) => buildModel(model, shape, official.classes, rng),
  });
}

export interface ImageTaskOptions {
  /** Other budgets than the model's own (tests use tiny ones); the task keeps its name. */
  readonly budgets?: Readonly<Record<Fidelity, Budget>>;
}

export function imageTask(dataset: DatasetName, model: ImageModel, options: ImageTaskOptions = {}): Task {
  const name = `${dataset}-${model}`;
  const budgets = options.budgets ?? BUDGETS[model];
  return {
    name,
    description: `${dataset}: ${DESCRIPTIONS[model]}`,
    kind: 'image',
    budgets,
    floorScore: 0,
    scoreDescription: 'accuracy on the fitness split (carved from the training set, never trained on)',
    budgetFields: ['epochs', 'batchSize', 'trainSamples', 'fitnessSamples'],
    describeBudget: describeImageBudget,
    withBudgets: (other) => imageTask(dataset, model, { budgets: other }),
    prepare(fidelity, options) {
      // Data and splits are prepared once per process and shared by every run (the splits never change within a campaign).
      const key = `${name}|${fidelity}|${JSON.stringify(budgets[fidelity])}|${options.splitSeed ?? 0}|${options.dataDir ?? ''}`;
      let p = prepared.get(key);
      if (!p) {
        p = prepareImage(dataset, model, budgets[fidelity], fidelity, options);
        p.catch(() => prepared.delete(key));
        prepared.set(key, p);
      }
      return p;
    },
  };
}

export function imageTasks(): Task[] {
  return DATASET_NAMES.flatMap((d) => IMAGE_MODELS.map((m) => imageTask(d, m)));
}
