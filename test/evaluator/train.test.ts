import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/evaluator/backend.js';
import { driverFor, train, type Driver } from '../../src/evaluator/train.js';
import { parseRule } from '../../src/grammar/parser.js';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import { SYNTHETIC } from '../../src/tasks/synthetic.js';
import { helmholtzTask } from '../../src/tasks/helmholtz.js';
import type { BaseOptimizer } from '../../src/baselines/types.js';

before(async () => {
  await initBackend('wasm');
});

const dlr = (text: string, optimizer: BaseOptimizer = 'sgd'): Driver => driverFor(parseRule(text, 'dlr'), optimizer);

test('same rule, task, budget, seed and backend give an identical result; another seed does not', async () => {
  const driver = (): Driver => driverFor(baselineRule(getBaseline('sgd_sa')).rule, 'sgd');
  const a = await train(driver(), SYNTHETIC, { seed: 7 });
  const b = await train(driver(), SYNTHETIC, { seed: 7 });
  const { wallMs: _a, ...restA } = a;
  const { wallMs: _b, ...restB } = b;
  assert.deepEqual(restA, restB);
  const c = await train(driver(), SYNTHETIC, { seed: 8 });
  assert.notDeepEqual(c.curves.loss, a.curves.loss);
  assert.equal(a.backend, 'wasm');
});

test('a run leaves no tensors behind, whichever way it ends', async () => {
  const before = tf.memory().numTensors;
  await train(dlr('epoch: lr0 * pow(0.5, epoch)', 'momentum'), SYNTHETIC, {});
  await train(driverFor(baselineRule(getBaseline('adam')).rule), SYNTHETIC, {});
  await train(dlr('epoch: -1'), SYNTHETIC, {});
  await train(dlr('step: 0.1; accept: 0.5'), SYNTHETIC, {});
  assert.equal(tf.memory().numTensors, before);
});

test('epoch rules set the rate from the second epoch on, on every base optimizer', async () => {
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    const r = await train(dlr('epoch: lr0 * pow(0.5, epoch)', optimizer), SYNTHETIC, { fidelity: 'full', lr0: 0.04 });
    assert.deepEqual(r.curves.lr, [0.04, 0.02, 0.01, 0.005, 0.0025, 0.00125, 0.000625, 0.0003125], optimizer);
  }
});

test('the rate a rule sets is the rate the optimizer uses', async () => {
  // A negligible rate leaves the weights where they started (the epoch loss then only varies with how
  // the shuffle fills the last, smaller minibatch); a real one trains.
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    const frozen = await train(dlr('step: 1e-12', optimizer), SYNTHETIC, { seed: 1 });
    const moving = await train(dlr(`step: ${optimizer === 'adam' ? 0.01 : 0.1}`, optimizer), SYNTHETIC, { seed: 1 });
    const [f0, f1, f2] = frozen.curves.loss as [number, number, number];
    assert.ok(Math.abs(f2 - f0) < 0.01 * f0 && Math.abs(f1 - f0) < 0.01 * f0, `${optimizer}: frozen loss moved ${frozen.curves.loss}`);
    assert.ok((moving.curves.loss[2] as number) < 0.8 * (moving.curves.loss[0] as number), `${optimizer}: ${moving.curves.loss}`);
  }
});

test('step rules see the current minibatch and the step count; their per-step rates are kept', async () => {
  const r = await train(dlr('step: step < 5 ? 0.001 : 0.1'), SYNTHETIC, { fidelity: 'cheap' });
  const steps = r.lrSteps ?? [];
  assert.equal(steps.length, r.steps);
  assert.deepEqual(steps.slice(0, 6), [[0, 0.001], [1, 0.001], [2, 0.001], [3, 0.001], [4, 0.001], [5, 0.1]]);
});

test('runs stop early with a reason, their curves so far and the floor score', async () => {
  const cases: Array<[string, string, Record<string, number>]> = [
    ['epoch: -1', 'lr-not-positive', {}],
    ['epoch: lr * exp(1000)', 'lr-not-finite', {}],
    ['step: 50', 'lr-above-cap', {}],
    ['step: 1e30', 'loss-not-finite', { lrCap: 1e31 }],
    ['epoch: lr0', 'time-limit', { timeLimitMs: 0 }],
  ];
  for (const [text, reason, extra] of cases) {
    const r = await train(dlr(text), SYNTHETIC, { fidelity: 'full', ...extra });
    assert.equal(r.stopped?.reason, reason, text);
    assert.equal(r.score, SYNTHETIC.floorScore, text);
    assert.ok(r.stopped && r.stopped.detail.length > 0);
  }
  const late = await train(dlr('epoch: epoch >= 3 ? -1 : lr'), SYNTHETIC, { fidelity: 'full' });
  assert.equal(late.stopped?.reason, 'lr-not-positive');
  assert.equal(late.stopped?.epoch, 3);
  assert.equal(late.curves.loss.length, 3, 'the epochs before the stop keep their curves');
});

test('acceptance clauses: a step never kept leaves the network untrained; SGD-SA reports its acceptance per epoch', async () => {
  const never = await train(dlr('step: 0.5; accept: 0'), SYNTHETIC, { fidelity: 'full', seed: 3 });
  const untrained = await train(dlr('step: 1e-12'), SYNTHETIC, { fidelity: 'full', seed: 3 });
  assert.deepEqual(never.curves.acceptance?.map((a) => a.kept), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(never.score, untrained.score);
  const sa = await train(driverFor(baselineRule(getBaseline('sgd_sa')).rule, 'sgd'), SYNTHETIC, { fidelity: 'full' });
  const perEpoch = sa.curves.acceptance ?? [];
  assert.equal(perEpoch.length, 8);
  for (const a of perEpoch) assert.ok(a.tried === 19 && a.kept <= a.tried);
});

test('adaptive rules are the optimizer: Adam as rule text trains; a zero update freezes the weights', async () => {
  const adam = await train(driverFor(baselineRule(getBaseline('adam')).rule), SYNTHETIC, { fidelity: 'full', lr0: 0.01 });
  assert.ok(adam.score > 0.85, `Adam reached only ${adam.score}`);
  const zero = await train(driverFor(parseRule('update: 0 * grad', 'alr')), SYNTHETIC, { fidelity: 'full' });
  const untrained = await train(dlr('step: 1e-12'), SYNTHETIC, { fidelity: 'full' });
  assert.equal(zero.score, untrained.score);
  assert.ok(Math.abs((zero.curves.loss[7] as number) - (zero.curves.loss[0] as number)) < 0.01 * (zero.curves.loss[0] as number));
});

test('the PINN trains through nested gradients and scores by the relative error', async () => {
  const budget = { epochs: 6, batchSize: 20, points: 40, summary: 'test' };
  const task = helmholtzTask(250, { budgets: { cheap: budget, full: budget }, batchFraction: 0.5, passesPerEpoch: 1 });
  const r = await train(dlr('epoch: lr0', 'adam'), task, { lr0: 0.01 });
  assert.equal(r.steps, 12);
  assert.ok((r.curves.loss[5] as number) < (r.curves.loss[0] as number), `loss did not fall: ${r.curves.loss}`);
  assert.ok(r.fitness.relative_error !== undefined && r.fitness.relative_error > 0);
  assert.ok(Math.abs(r.score + Math.log10(r.fitness.relative_error as number)) < 1e-12 || r.score === 0);
});
