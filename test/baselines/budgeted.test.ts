/**
 * The budget-aware schedules against PyTorch's own algorithms, restated here
 * as PyTorch writes them (LinearLR's chainable form, OneCycleLR's phase loop)
 * rather than as our closed forms, and against the formulas of the REX paper
 * and of warm-up + cosine. Replayed as `autolr trace` does, over a step trace
 * that states epochs and steps_per_epoch, both implementations of each
 * baseline must give the reference rates to 1e-9 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineRule, baselinesOf, getBaseline } from '../../src/baselines/registry.js';
import type { Schedule } from '../../src/schedule/schedule.js';
import { replayTrace, type Trace } from '../../src/schedule/trace.js';
import { NO_RANDOMNESS } from '../../src/grammar/interpreter.js';
import { scaleBehaviour } from '../../src/schedule/scale.js';
import { bothSchedules } from '../helpers/schedules.js';

const LR0 = 0.1;


/** The rates a schedule gives at every step of a run of `epochs` × `stepsPerEpoch` steps, as `autolr trace` replays them. */
function runRates(schedule: Schedule, epochs: number, stepsPerEpoch: number): number[] {
  const total = epochs * stepsPerEpoch;
  const trace: Trace = {
    granularity: 'step',
    lr0: LR0,
    epochs,
    steps_per_epoch: stepsPerEpoch,
    records: Array.from({ length: total }, (_, t) => ({ step: t, epoch: Math.floor(t / stepsPerEpoch), batch_loss: 1 })),
  };
  return replayTrace(schedule, trace, NO_RANDOMNESS).points.map((p) => p.lr);
}

function assertRates(name: string, expected: readonly number[], epochs: number, stepsPerEpoch: number, params: Record<string, unknown> = {}): void {
  for (const [impl, schedule] of bothSchedules(name, params)) {
    runRates(schedule, epochs, stepsPerEpoch).forEach((lr, t) => {
      const want = expected[t] as number;
      assert.ok(Math.abs(lr - want) <= 1e-9 * Math.abs(want) + 1e-300, `${name} (${impl}) at step ${t} of ${expected.length}: ${lr} ≠ ${want}`);
    });
  }
}

/** PyTorch's LinearLR, chainable form: each step multiplies the previous rate. */
function torchLinearLR(total: number, start = 1, end = 0): number[] {
  const rates = [LR0 * start];
  for (let t = 1; t < total; t++) {
    const prev = rates[t - 1] as number;
    rates.push(t > total ? prev : prev * (1 + (end - start) / (total * start + (t - 1) * (end - start))));
  }
  return rates;
}

/** PyTorch's OneCycleLR (two phases, cosine annealing, no momentum cycling). */
function torchOneCycle(total: number, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4): number[] {
  const initial = LR0 / divFactor;
  const phases = [
    { end: pctStart * total - 1, from: initial, to: LR0 },
    { end: total - 1, from: LR0, to: initial / finalDivFactor },
  ];
  const anneal = (from: number, to: number, pct: number): number => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
  return Array.from({ length: total }, (_, step) => {
    let start = 0;
    for (const [i, phase] of phases.entries()) {
      if (step <= phase.end || i === phases.length - 1) return anneal(phase.from, phase.to, (step - start) / (phase.end - start));
      start = phase.end;
    }
    throw new Error('unreachable');
  });
}

test('linear_decay follows PyTorch LinearLR(start_factor=1, end_factor=0, total_iters=T)', () => {
  // The chainable form starts at 0 for end_factor 0 only after T steps; before, it is lr0(1 - t/T).
  for (const [epochs, spe] of [[10, 79], [3, 7], [1, 1]] as const) assertRates('linear_decay', torchLinearLR(epochs * spe), epochs, spe);
});

test('one_cycle follows PyTorch OneCycleLR with cosine annealing, default and chosen parameters', () => {
  for (const [epochs, spe] of [[10, 79], [4, 25], [2, 3]] as const) assertRates('one_cycle', torchOneCycle(epochs * spe), epochs, spe);
  assertRates('one_cycle', torchOneCycle(500, 0.25, 10, 100), 5, 100, { pct_start: 0.25, div_factor: 10, final_div_factor: 100 });
  // Its landmarks: lr0/25 first, lr0 at the end of the rise, lr0/25/1e4 last.
  const rates = runRates(bothSchedules('one_cycle')[1]?.[1] as Schedule, 10, 100);
  assert.ok(Math.abs((rates[0] as number) - LR0 / 25) < 1e-15);
  assert.ok(Math.abs((rates[299] as number) - LR0) < 1e-15);
  assert.ok(Math.abs((rates[999] as number) - LR0 / 25 / 1e4) < 1e-15);
});

test('rex gives lr0 (1 - p) / (1/2 + (1 - p)/2), p = t/T', () => {
  const total = 790;
  const expected = Array.from({ length: total }, (_, t) => {
    const p = t / total;
    return (LR0 * (1 - p)) / (0.5 + 0.5 * (1 - p));
  });
  assertRates('rex', expected, 10, 79);
  // Above linear decay everywhere inside the run: REX holds the rate up longer.
  const linear = torchLinearLR(total);
  expected.forEach((r, t) => t > 0 && assert.ok(r > (linear[t] as number), `step ${t}`));
});

test('warmup_cosine warms up linearly over the first 5 % of the steps, then follows a cosine to 0', () => {
  const total = 1000;
  const w = 0.05 * total;
  const expected = Array.from({ length: total }, (_, t) => (t < w ? LR0 * Math.min(1, (t + 1) / w) : LR0 * 0.5 * (1 + Math.cos((Math.PI * (t - w)) / (total - w)))));
  assertRates('warmup_cosine', expected, 10, 100);
  assert.equal(expected[49], LR0);
  assert.equal(expected[50], LR0);
  assertRates('warmup_cosine', Array.from({ length: 200 }, (_, t) => (t < 20 ? LR0 * Math.min(1, (t + 1) / 20) : LR0 * 0.5 * (1 + Math.cos((Math.PI * (t - 20)) / 180)))), 4, 50, { warmup: 0.1 });
});

test('the budget-aware schedules stretch to any budget and scale with lr0', () => {
  for (const name of ['linear_decay', 'rex', 'one_cycle', 'warmup_cosine']) {
    assert.ok(baselinesOf('dlr').some((b) => b.name === name), `${name} is a dlr baseline`);
    const { rule } = baselineRule(getBaseline(name));
    assert.equal(scaleBehaviour(rule).scales, true, name);
    // The same fraction of the budget gives the same factor at 100 steps and at 10 000.
    const [, rule100] = bothSchedules(name)[1] as [string, Schedule];
    const short = runRates(rule100, 1, 100);
    const long = runRates(rule100, 100, 100);
    // (Not at step 0: a warm-up's first step is 1/W of lr0, and W grows with the budget.)
    for (const pct of [0.1, 0.5, 0.9]) {
      const a = short[Math.round(pct * 100)] as number;
      const b = long[Math.round(pct * 10_000)] as number;
      assert.ok(Math.abs(a - b) <= 0.05 * LR0, `${name} at ${pct * 100} % of the budget: ${a} vs ${b}`);
    }
  }
});
