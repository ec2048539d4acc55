/**
 * The image task's data preparation: the one-pass carve of the fitness split
 * and the training subsample gives exactly what the dataset module's
 * splitTrainFitness + subsample give (the published results depend on it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset, splitTrainFitness, subsample } from '../../src/tasks/datasets/index.js';
import { carveTrainAndFitness } from '../../src/tasks/image.js';

test('carveTrainAndFitness equals splitTrainFitness then subsample, image for image (MNIST, several seeds and sizes)', () => {
  const { train: official } = loadDataset('mnist');
  for (const [fitnessSamples, trainSamples, seed] of [
    [1000, 2000, 0],
    [3000, 10000, 7],
    [1000, official.count, 3], // no subsample: the whole remainder
  ] as const) {
    const { train: rest, fitness } = splitTrainFitness(official, { count: fitnessSamples }, `fitness:${seed}`);
    const train = subsample(rest, trainSamples, `train:${seed}`);
    const carved = carveTrainAndFitness(official, fitnessSamples, trainSamples, seed);
    assert.equal(carved.fitness.count, fitnessSamples);
    assert.equal(carved.train.count, Math.min(trainSamples, official.count - fitnessSamples));
    assert.deepEqual(carved.fitness.labels, fitness.labels);
    assert.deepEqual(carved.train.labels, train.labels);
    assert.ok(Buffer.from(carved.fitness.images).equals(Buffer.from(fitness.images)), 'fitness images differ');
    assert.ok(Buffer.from(carved.train.images).equals(Buffer.from(train.images)), `train images differ (seed ${seed})`);
  }
});
