/**
 * An exported optimizer survives model.save(…, { includeOptimizer: true }) and
 * tf.loadLayersModel: the loaded model's optimizer is the exported class with
 * the saved rate, iteration count and per-variable states, and training on
 * from it ends where an uninterrupted run ends. Real tfjs on the wasm
 * backend, the generated module imported as users import it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { AlrRule } from '../../src/grammar/ast.js';
import { parseRule } from '../../src/grammar/parser.js';
import { generateAlrJs } from '../../src/export/alr-js.js';
import { initBackend } from '../../src/evaluator/backend.js';

// Generated modules import '@tensorflow/tfjs': written below node_modules, they resolve the test's tfjs instance.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(resolve('node_modules/.cache/autolr-save-load-'));

before(async () => {
  await initBackend('wasm');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** All three states kept, each read by the update, so losing any of them on load changes the weights. */
const RULE_TEXT =
  'alpha: 0.9 * alpha + 0.1 * grad; beta: 0.99 * beta + 0.01 * square(grad); sigma: sigma + 1; ' +
  'update: lr * alpha / (sqrt(beta) + 1e-7) / sqrt(sigma)';

type Optimizer = tf.Optimizer & { learningRate: number; setLearningRate(lr: number): void };
interface OptimizerModule {
  EvolvedOptimizer: (new (lr?: number) => Optimizer) & { className: string };
  stateNames: readonly string[];
}

async function importOptimizer(format: 'js' | 'ts'): Promise<OptimizerModule> {
  const path = join(dir, `optimizer.${format === 'js' ? 'mjs' : 'ts'}`);
  writeFileSync(path, generateAlrJs(parseRule(RULE_TEXT, 'alr') as AlrRule, { text: RULE_TEXT }, format, 0.05));
  return (await import(pathToFileURL(path).href)) as OptimizerModule;
}

/** The same two-layer network every time: seeded initialisers. */
function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 5, inputShape: [3], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

const X = [[0, 1, 2], [1, 0, 1], [1, 1, 0], [0, 0, 1], [2, 1, 1], [1, 2, 0], [0, 2, 2], [2, 0, 2], [1, 1, 1], [2, 2, 0], [0, 1, 0], [1, 0, 0]];
const Y = X.map(([a, b, c]) => [Math.sin((a as number) + 2 * (b as number)) - 0.5 * (c as number)]);

/** Three epochs of three minibatches, in a fixed order. */
async function train(model: tf.LayersModel): Promise<void> {
  const x = tf.tensor2d(X);
  const y = tf.tensor2d(Y);
  await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
}

async function saveWithOptimizer(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
  assert.ok(saved, 'the save handler received the artifacts');
  return saved;
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function maxDifference(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - (b[i]?.[j] ?? NaN)))));
}

for (const format of ['js', 'ts'] as const) {
  test(`a ${format} optimizer saved with the model loads with its rate, iterations and states, and trains on as if never stopped`, async () => {
    const mod = await importOptimizer(format);
    assert.doesNotMatch(mod.EvolvedOptimizer.className, /_/, 'tfjs camel-cases saved class names: no "_" may be in ours');
    assert.deepEqual(mod.stateNames, ['alpha', 'beta', 'sigma']);

    // The uninterrupted run: six epochs with one optimizer.
    const whole = buildModel();
    const wholeOptimizer = new mod.EvolvedOptimizer();
    wholeOptimizer.setLearningRate(0.02);
    whole.compile({ optimizer: wholeOptimizer, loss: 'meanSquaredError' });
    await train(whole);
    await train(whole);

    // Three epochs, save, load, three more.
    const first = buildModel();
    const optimizer = new mod.EvolvedOptimizer();
    optimizer.setLearningRate(0.02);
    first.compile({ optimizer, loss: 'meanSquaredError' });
    await train(first);
    const artifacts = await saveWithOptimizer(first);
    const savedStates = (await optimizer.getWeights()).slice(1).map((w) => Array.from(w.tensor.dataSync()));

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const restored = loaded.optimizer as Optimizer;
    assert.ok(restored instanceof mod.EvolvedOptimizer, `the loaded optimizer is the exported class, not ${restored?.getClassName()}`);
    assert.notEqual(restored, optimizer);
    assert.equal(restored.learningRate, 0.02, 'the rate in force when saved, not the default');
    assert.equal(restored.iterations, 9, 'three epochs of three steps');
    const restoredWeights = await restored.getWeights();
    assert.deepEqual(
      restoredWeights.slice(1).map((w) => w.name.split('/').pop()),
      ['alpha', 'beta', 'sigma', 'alpha', 'beta', 'sigma', 'alpha', 'beta', 'sigma', 'alpha', 'beta', 'sigma'],
      'four variables (two kernels, two biases), each with its three states, in the model\'s order',
    );
    assert.deepEqual(restoredWeights.slice(1).map((w) => Array.from(w.tensor.dataSync())), savedStates, 'the states as saved');
    assert.deepEqual(Array.from(restoredWeights[3]?.tensor.dataSync() ?? []), new Array(15).fill(9), 'sigma counted nine steps');

    await train(loaded);
    const difference = maxDifference(weightValues(loaded), weightValues(whole));
    assert.ok(difference <= 1e-6, `resumed weights equal the uninterrupted run's (largest difference ${difference})`);
    assert.equal(restored.iterations, 18);

    // The check has teeth: resuming with fresh optimizer states ends elsewhere.
    const amnesiac = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, trainingConfig: undefined }));
    amnesiac.compile({ optimizer: new mod.EvolvedOptimizer(0.02), loss: 'meanSquaredError' });
    await train(amnesiac);
    assert.ok(maxDifference(weightValues(amnesiac), weightValues(whole)) > 1e-3, 'without its states the optimizer takes other steps');

    for (const m of [whole, first, loaded, amnesiac]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });
}

test('a restored optimizer refuses states that do not fit the variables it is given, naming both', async () => {
  const mod = await importOptimizer('js');
  const model = buildModel();
  const optimizer = new mod.EvolvedOptimizer();
  model.compile({ optimizer, loss: 'meanSquaredError' });
  await train(model);
  const weights = await optimizer.getWeights();
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
  const restored = new mod.EvolvedOptimizer();
  await restored.setWeights(weights.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  other.compile({ optimizer: restored, loss: 'meanSquaredError' });
  const x = tf.zeros([2, 4]);
  const y = tf.zeros([2, 2]);
  await assert.rejects(other.fit(x, y, { epochs: 1, verbose: 0 }), /variable #0 \(.*\) has shape \[4, 2\], but the alpha state kept for position 0 \(saved as .*\) has shape \[3, 5\]/);
  tf.dispose([x, y]);
  for (const m of [model, other]) {
    m.optimizer.dispose();
    m.dispose();
  }
});
