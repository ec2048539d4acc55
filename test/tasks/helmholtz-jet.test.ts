/**
 * The PINN's u'' by forward-mode propagation through the network equals
 * reverse-over-reverse autodiff, and so does the loss gradient in the
 * weights, on cpu and on wasm (with our kernels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/evaluator/backend.js';
import { Stream } from '../../src/random/stream.js';
import { helmholtzTask } from '../../src/tasks/helmholtz.js';
import { dense, sequential, type Model } from '../../src/tasks/models.js';

type Trial = { value: tf.Tensor; second: tf.Tensor };
interface Internals {
  createModel(rng: Stream): Model;
  trialByNestedGradients(model: Model, x: tf.Tensor): Trial;
  batchLoss(model: Model, batch: { indices: readonly number[] }): { loss: tf.Scalar };
}

/** Largest |a − b| over the scale of b (its largest magnitude). */
function relativeGap(a: tf.Tensor, b: tf.Tensor): number {
  const [gap, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number, tf.max(tf.abs(b)).dataSync()[0] as number]);
  return gap / scale;
}

function withoutJet(model: Model): Model {
  const { applySecondOrder: _jet, ...plain } = model;
  return plain;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`PINN on ${backend}: forward-mode u, u'' and the loss gradient equal nested autodiff to 1e-5`, async () => {
    await initBackend(backend);
    for (const frequency of [250, 1000]) {
      const prepared = (await helmholtzTask(frequency).prepare('cheap', { splitSeed: 3 })) as unknown as Internals;
      const model = prepared.createModel(new Stream(`jet:${frequency}`));
      assert.ok(model.applySecondOrder, 'dense networks have a forward-mode jet');
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.tensor2d(Float32Array.from({ length: 64 }, (_, i) => (i + 0.5) / 64), [64, 1]);
        const jet = model.applySecondOrder?.(x) as { value: tf.Tensor; d1: tf.Tensor; d2: tf.Tensor };
        // N' by reverse mode, for the first derivative itself.
        const d1 = tf.grad((u: tf.Tensor) => tf.sum(model.apply(u, { training: false })))(x);
        assert.ok(relativeGap(jet.value, model.apply(x, { training: false })) <= 1e-5, 'N');
        assert.ok(relativeGap(jet.d1, d1) <= 1e-5, "N'");
        const nested = prepared.trialByNestedGradients(model, x);
        const d2 = tf.grad((u: tf.Tensor) => tf.sum(tf.grad((v: tf.Tensor) => tf.sum(model.apply(v, { training: false })))(u)))(x);
        assert.ok(relativeGap(jet.d2, d2) <= 1e-5, `N'' off by ${relativeGap(jet.d2, d2)}`);
        assert.ok(nested.second.size === 64);
      });
      const batch = { indices: Array.from({ length: 200 }, (_, i) => i) };
      const vars = model.params.map((p) => p.variable);
      const forward = tf.variableGrads(() => prepared.batchLoss(model, batch).loss, vars);
      const nested = tf.variableGrads(() => prepared.batchLoss(withoutJet(model), batch).loss, vars);
      assert.ok(Math.abs((forward.value.dataSync()[0] as number) - (nested.value.dataSync()[0] as number)) <= 1e-5 * (nested.value.dataSync()[0] as number), 'loss');
      for (const p of model.params) {
        const gap = relativeGap(forward.grads[p.variable.name] as tf.Tensor, nested.grads[p.variable.name] as tf.Tensor);
        assert.ok(gap <= 1e-5, `${frequency} Hz, ${p.key}: gradient off by ${gap}`);
      }
      tf.dispose([forward.value, nested.value, ...Object.values(forward.grads), ...Object.values(nested.grads)]);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      model.dispose();
    }
  });
}

test('networks with other than dense layers, or more than one input, have no forward-mode jet', () => {
  const rng = new Stream('jet:none');
  assert.equal(sequential('two-inputs', [2], [dense(4, 'sin'), dense(1)], rng).applySecondOrder, undefined);
  const one = sequential('one-input', [1], [dense(4, 'relu'), dense(1)], rng);
  assert.equal(typeof one.applySecondOrder, 'function');
  one.dispose();
});
