import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import { interpretAlrStep } from '../../src/grammar/interpret-alr.js';
import type { Schedule } from '../../src/schedule/schedule.js';
import { replayTrace, type Trace } from '../../src/schedule/trace.js';
import { bothSchedules } from '../helpers/schedules.js';

const rng = (): { uniform(): number } => {
  const g = seedrandom('known');
  return { uniform: () => g() };
};


function ratesAtSteps(schedule: Schedule, steps: readonly number[]): number[] {
  const trace: Trace = { granularity: 'step', lr0: 0.001, records: steps.map((step) => ({ step, epoch: 0, batch_loss: 1 })) };
  return replayTrace(schedule, trace, rng()).points.map((p) => p.lr);
}

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b), `${what}: ${a} ≠ ${b}`);

test('CLR policies take the standard values at cycle boundaries (base 0.001, max 0.006, step size 2000)', () => {
  // Peaks at 2000 + 4000k, troughs at multiples of 4000, the middle of a rise at 1000.
  const steps = [0, 1000, 2000, 4000, 6000, 8000, 10000, 12000, 14000, 18000];
  const peak = 0.005;
  const expected: Record<string, number[]> = {
    clr_triangular: [0.001, 0.0035, 0.006, 0.001, 0.006, 0.001, 0.006, 0.001, 0.006, 0.006],
    clr_triangular2: [0.001, 0.0035, 0.006, 0.001, 0.001 + peak / 2, 0.001, 0.001 + peak / 4, 0.001, 0.001 + peak / 8, 0.001 + peak / 16],
    // The amplitude halves for three cycles, then resets: cycle 4 (peak 14000) is back at max.
    clr_modified_triangular2: [0.001, 0.0035, 0.006, 0.001, 0.001 + peak / 2, 0.001, 0.001 + peak / 4, 0.001, 0.006, 0.001 + peak / 2],
    clr_exp_range: steps.map((s) => 0.001 + peak * Math.max(0, 1 - Math.abs(s / 2000 - 2 * Math.floor(1 + s / 4000) + 1)) * 0.99994 ** s),
  };
  for (const [name, values] of Object.entries(expected)) {
    // The paper's absolute half-cycle (the default is relative to the budget).
    for (const [impl, schedule] of bothSchedules(name, { step_size: 2000 })) {
      ratesAtSteps(schedule, steps).forEach((lr, i) => near(lr, values[i] as number, `${name} (${impl}) at step ${steps[i]}`));
    }
  }
});

test('DLRS on a hand-computed trace that visits all three regimes', () => {
  // lr0 = 0.01, so n = floor(log10 α) = -2 while α ≥ 0.01 and -3 below.
  const trace: Trace = {
    granularity: 'epoch',
    lr0: 0.01,
    records: [
      { batch_losses: [1.0, 0.8, 0.6] }, // ΔL = -0.4/0.8 = -0.5 < 0: δi = 0.1, α = 0.01 + 0.01·0.1·0.5 = 0.0105
      { batch_losses: [0.5, 0.55, 0.6] }, // ΔL = 0.1/0.55 in [0, 1]: δo = 1, α = 0.0105 - 0.01·(0.1/0.55)
      { batch_losses: [0.2, 0.3, 1.0] }, // ΔL = 0.8/0.5 = 1.6 > 1: δd = 0.5, n = -3, α -= 0.001·0.5·1.6
    ],
  };
  const second = 0.0105 - 0.01 * (0.1 / 0.55);
  const expected = [0.0105, second, second - 0.0008];
  for (const [impl, schedule] of bothSchedules('dlrs')) {
    replayTrace(schedule, trace, rng()).points.forEach((p, i) => near(p.lr, expected[i] as number, `DLRS (${impl}) after epoch ${i}`));
  }
});

test('SGD-SA cools T by α per epoch and always keeps a step that lowers the loss', () => {
  const trace: Trace = {
    granularity: 'step',
    lr0: 0.1,
    records: [
      { epoch: 0, dloss: -0.5 },
      { epoch: 0, dloss: 0.1 },
      { epoch: 3, dloss: 0.1 },
    ],
  };
  for (const [impl, schedule] of bothSchedules('sgd_sa')) {
    const points = replayTrace(schedule, trace, rng()).points;
    assert.ok((points[0]?.acceptance?.probability ?? 0) >= 1, impl);
    assert.equal(points[0]?.acceptance?.accepted, true, impl);
    near(points[1]?.acceptance?.probability ?? NaN, Math.exp(-0.1), `${impl}: T0 = 1 in epoch 0`);
    near(points[2]?.acceptance?.probability ?? NaN, Math.exp(-0.1 / 0.8 ** 3), `${impl}: T = 0.8^3 in epoch 3`);
    const H = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.09, 0.08, 0.07, 0.06, 0.05];
    for (const p of points) assert.ok(H.includes(p.lr), `${impl}: ${p.lr} is not in H`);
  }
});

test('Adam (hand-coded and rule) matches the published update on a fixed gradient sequence', () => {
  // Kingma & Ba Algorithm 1 with lr 0.001, β1 0.9, β2 0.999, ε 1e-8, gradients 0.5, -0.3, 0.2,
  // computed independently in double precision.
  const published = [0.0009999999800000003, 0.00019149803058224774, 0.00034742768150893114];
  const grads = [0.5, -0.3, 0.2];
  const adam = getBaseline('adam');
  assert.equal(adam.variant, 'alr');
  if (adam.variant !== 'alr') return;
  const { rule, params } = baselineRule(adam);
  assert.equal(rule.variant, 'alr');
  if (rule.variant !== 'alr') return;
  const hand = adam.handCoded(params);
  const state = hand.init(1);
  const element = { alpha: 0, beta: 0, sigma: 0 };
  grads.forEach((g, step) => {
    near(hand.update(Float64Array.of(g), state, 0.001, step)[0] as number, published[step] as number, `hand-coded step ${step}`);
    near(interpretAlrStep(rule, element, g, 0.001, step), published[step] as number, `rule step ${step}`);
  });
});
