import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { BASELINES, baselineRule } from '../../src/baselines/registry.js';
import type { AlrBaseline, DlrBaseline } from '../../src/baselines/types.js';
import { interpretAlrStep } from '../../src/grammar/interpret-alr.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { replayTrace, type TraceReplay } from '../../src/schedule/trace.js';
import { check } from '../helpers/arbitraries.js';
import { epochTraceArb, paramsArb, stepTraceArb } from '../helpers/traces.js';

function stream(seed: number): { uniform(): number } {
  const g = seedrandom(`trace-${seed}`);
  return { uniform: () => g() };
}

function close(a: number, b: number, rel = 1e-12): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) || a === b;
}

/** Compares two replays up to the point a training run would stop (a rate that is not a positive number). */
function assertSameReplay(hand: TraceReplay, rule: TraceReplay, name: string): void {
  for (let i = 0; i < hand.points.length; i++) {
    const h = hand.points[i];
    const r = rule.points[i];
    assert.ok(h && r);
    assert.ok(close(h.lr, r.lr), `${name}, record ${i}: hand-coded ${h.lr} vs rule ${r.lr}`);
    if (h.acceptance || r.acceptance) {
      assert.ok(h.acceptance && r.acceptance, `${name}, record ${i}: only one side decided acceptance`);
      // The hand-coded SGD-SA cools T by repeated multiplication, the rule by pow:
      // T agrees to about `epoch` ulps, which exp(-dloss/T) scales by |dloss/T|
      // (up to ~745 before it underflows), so probabilities (as used, clamped to
      // [0, 1]) are held to 1e-9; the decisions themselves must be identical.
      const clamp = (p: number): number => Math.min(1, Math.max(0, p));
      assert.ok(close(clamp(h.acceptance.probability), clamp(r.acceptance.probability), 1e-9), `${name}, record ${i}: acceptance probability`);
      assert.equal(h.acceptance.accepted, r.acceptance.accepted, `${name}, record ${i}: accept/reject`);
    }
    if (!(h.lr > 0) || !Number.isFinite(h.lr)) return;
  }
  assert.deepEqual(hand.acceptance, rule.acceptance);
}

for (const baseline of BASELINES.filter((b): b is DlrBaseline => b.variant === 'dlr')) {
  test(`${baseline.name}: the hand-coded schedule and the compiled seed rule give the same rates${baseline.granularity === 'step' && baseline.name === 'sgd_sa' ? ' and accept/reject decisions' : ''}`, () => {
    const traces = baseline.granularity === 'epoch' ? epochTraceArb : stepTraceArb;
    check(
      fc.property(paramsArb(baseline), traces, fc.integer(), (params, trace, seed) => {
        const { rule, params: resolved } = baselineRule(baseline, params);
        assert.equal(rule.variant, 'dlr');
        if (rule.variant !== 'dlr') return;
        const hand = replayTrace(baseline.handCoded(resolved), trace, stream(seed));
        const compiled = replayTrace(scheduleFromRule(rule), trace, stream(seed));
        assertSameReplay(hand, compiled, baseline.name);
      }),
      120,
    );
  });
}

for (const baseline of BASELINES.filter((b): b is AlrBaseline => b.variant === 'alr')) {
  test(`${baseline.name}: the hand-coded optimizer and the seed rule give the same updates`, () => {
    const grads = fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 12 });
    check(
      fc.property(paramsArb(baseline), grads, fc.double({ min: 1e-5, max: 1, noNaN: true }), (params, sequence, lr) => {
        const { rule, params: resolved } = baselineRule(baseline, params);
        if (rule.variant !== 'alr') return;
        const hand = baseline.handCoded(resolved);
        const state = hand.init(4);
        const elements = Array.from({ length: 4 }, () => ({ alpha: 0, beta: 0, sigma: 0 }));
        sequence.forEach((g, step) => {
          const expected = hand.update(Float64Array.from(g), state, lr, step);
          g.forEach((gi, i) => {
            const got = interpretAlrStep(rule, elements[i] as { alpha: number; beta: number; sigma: number }, gi, lr, step);
            assert.ok(close(expected[i] as number, got), `${baseline.name} step ${step} element ${i}: hand ${expected[i]} vs rule ${got}`);
          });
        });
      }),
      100,
    );
  });
}
