/**
 * Fitness runs on webgpu, end to end, at tiny budgets: an image task (the
 * MNIST MLP and the small CNN), the Helmholtz PINN (nested gradients), an
 * adaptive rule (the tensor compiler's ops on the GPU) and an acceptance
 * clause. Each run is compared with the same run on wasm (itself checked
 * against cpu kernel by kernel): the same number of steps, loss curves equal
 * within float32 drift. Every run must leave no tensor and no GPU buffer
 * behind, and carry the backend and the adapter in its result.
 *
 * Skips where there is no WebGPU adapter (see test/helpers/webgpu.ts).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import type { BaseOptimizer } from '../../src/baselines/types.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { driverFor, train, type Driver, type TrainResult } from '../../src/evaluator/train.js';
import { parseRule } from '../../src/grammar/parser.js';
import { helmholtzTask } from '../../src/tasks/helmholtz.js';
import { imageTask } from '../../src/tasks/image.js';
import { SYNTHETIC } from '../../src/tasks/synthetic.js';
import type { Budget, Task } from '../../src/tasks/task.js';
import { adapterLabel, webgpuAvailability } from '../helpers/webgpu.js';

const gpu = await webgpuAvailability();

const dlr = (text: string, optimizer: BaseOptimizer): (() => Driver) => () => driverFor(parseRule(text, 'dlr'), optimizer);

const tiny = (budget: Budget): { cheap: Budget; full: Budget } => ({ cheap: budget, full: budget });
const MLP = imageTask('mnist', 'mlp', { budgets: tiny({ epochs: 2, batchSize: 64, trainSamples: 256, fitnessSamples: 200, summary: 'test' }) });
const CNN = imageTask('mnist', 'cnn', { budgets: tiny({ epochs: 1, batchSize: 64, trainSamples: 192, fitnessSamples: 200, summary: 'test' }) });
const PINN = helmholtzTask(250, { budgets: tiny({ epochs: 4, batchSize: 20, points: 40, summary: 'test' }), batchFraction: 0.5, passesPerEpoch: 1 });

/** Trains on `backend`, checking that the run leaves no tensor and no backend buffer behind. */
async function trainOn(backend: 'webgpu' | 'wasm', driver: Driver, task: Task, lr0?: number): Promise<TrainResult> {
  await initBackend(backend);
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const r = await train(driver, task, { seed: 5, ...(lr0 !== undefined ? { lr0 } : {}) });
  assert.equal(tf.memory().numTensors, tensors, `${backend}: tensors leaked`);
  assert.equal(tf.engine().backend.numDataIds(), buffers, `${backend}: backend buffers leaked`);
  return r;
}

/** Trains on webgpu and on wasm; the two must agree. Returns the webgpu result. */
async function agreeWithWasm(t: TestContext, driver: () => Driver, task: Task, options: { lr0?: number; tol?: number } = {}): Promise<TrainResult> {
  const started = performance.now();
  const onGpu = await trainOn('webgpu', driver(), task, options.lr0);
  const gpuMs = performance.now() - started;
  const onWasm = await trainOn('wasm', driver(), task, options.lr0);
  assert.equal(onGpu.backend, 'webgpu');
  assert.deepEqual(onGpu.adapter, gpu.info?.adapter);
  assert.equal(onWasm.adapter, undefined, 'only webgpu results carry an adapter');
  assert.equal(onGpu.stopped, undefined, JSON.stringify(onGpu.stopped));
  assert.equal(onGpu.steps, onWasm.steps);
  assert.deepEqual(onGpu.curves.lr, onWasm.curves.lr);
  const tol = options.tol ?? 1e-3;
  onGpu.curves.loss.forEach((l, i) => {
    const w = onWasm.curves.loss[i] as number;
    assert.ok(Math.abs(l - w) <= tol * Math.max(1, Math.abs(w)), `epoch ${i}: loss ${l} on webgpu, ${w} on wasm`);
  });
  t.diagnostic(`${task.name}: ${onGpu.steps} steps, ${gpuMs.toFixed(0)} ms on webgpu (with shader compilation), ${onWasm.wallMs.toFixed(0)} ms on wasm; losses ${onGpu.curves.loss.map((l) => l.toPrecision(6))} vs ${onWasm.curves.loss.map((l) => l.toPrecision(6))}`);
  return onGpu;
}

describe(`fitness runs on webgpu (${adapterLabel(gpu)})`, { skip: gpu.skip }, () => {
  it('image: the MNIST MLP trains as on wasm and scores an accuracy', async (t) => {
    const r = await agreeWithWasm(t, dlr('epoch: lr0', 'adam'), MLP);
    assert.ok(r.score > 0.3 && r.score <= 1, `accuracy ${r.score}`);
    assert.ok((r.test.accuracy ?? 0) > 0.3);
  });

  it('image: the small CNN (conv, maxPool and their gradients) trains as on wasm', async (t) => {
    const r = await agreeWithWasm(t, dlr('step: lr0', 'sgd'), CNN, { lr0: 0.05 });
    assert.ok(r.score >= 0 && r.score <= 1);
  });

  it('PINN: Helmholtz through nested gradients trains as on wasm, and the same seed repeats exactly', async (t) => {
    const r = await agreeWithWasm(t, dlr('epoch: lr0', 'adam'), PINN, { lr0: 0.01 });
    assert.ok((r.curves.loss[3] as number) < (r.curves.loss[0] as number), `loss did not fall: ${r.curves.loss}`);
    const again = await trainOn('webgpu', dlr('epoch: lr0', 'adam')(), PINN, 0.01);
    const { wallMs: _a, ...first } = r;
    const { wallMs: _b, ...second } = again;
    assert.deepEqual(second, first);
  });

  it('an adaptive rule (Adam as rule text) runs the tensor compiler\'s ops as on wasm', async (t) => {
    await agreeWithWasm(t, () => driverFor(baselineRule(getBaseline('adam')).rule), SYNTHETIC, { lr0: 0.01 });
  });

  it('an acceptance clause (SGD-SA) keeps and undoes the same steps as on wasm', async (t) => {
    const r = await agreeWithWasm(t, () => driverFor(baselineRule(getBaseline('sgd_sa')).rule, 'sgd'), SYNTHETIC);
    assert.ok(r.curves.acceptance !== undefined && r.curves.acceptance.every((a) => a.tried > 0));
  });
});
