/**
 * The rate-relative grammars: rules they derive through their relative part
 * scale with lr0 (a property of the grammar, checked on sampled rules), most
 * stay in a trainable range, and every seed stays derivable — the
 * scale-equivariant ones through the relative part, the others through the
 * one free production. dlr-shape's rates never exceed lr0.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { baselineRule, baselinesOf } from '../../src/baselines/registry.js';
import type { Variant } from '../../src/grammar/ast.js';
import { loadGrammar } from '../../src/grammar/bnf.js';
import { mapGenotype, randomGenotype } from '../../src/grammar/genotype.js';
import { interpretAlrStep } from '../../src/grammar/interpret-alr.js';
import { reverseMap } from '../../src/grammar/reverse.js';
import { Stream } from '../../src/random/stream.js';
import { referenceTrace, scaleBehaviour } from '../../src/schedule/scale.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { replayTrace } from '../../src/schedule/trace.js';

const GRAMMARS: ReadonlyArray<[string, Variant]> = [
  ['dlr-relative', 'dlr'],
  ['alr-relative', 'alr'],
];
/** The index of <top>'s free production: the last of twenty. */
const FREE = 19;

for (const [name, variant] of GRAMMARS) {
  test(`${name}: sampled rules scale with lr0 through the relative part, and most stay within [lr0/1e4, 100·lr0]`, () => {
    const g = loadGrammar(name, variant);
    const rng = new Stream(`test:${name}`);
    const samples = 400;
    let relative = 0;
    let relativeScales = 0;
    let scales = 0;
    let inRange = 0;
    for (let i = 0; i < samples; i++) {
      const { rule, genotype } = randomGenotype(g, rng);
      const b = scaleBehaviour(rule, { seed: i });
      if (b.scales) scales++;
      if (b.inRange) inRange++;
      if (genotype.top?.codons[0] !== FREE && b.inRange) {
        relative++;
        if (b.scales) relativeScales++;
      }
    }
    // Relative rules scale exactly unless their rates underflow or overflow (compounding lr·0.01
    // per step reaches 0 within the trace), and those are out of range.
    assert.equal(relativeScales, relative, `${relativeScales} of ${relative} relative rules in range scale`);
    assert.ok(scales >= 0.9 * samples, `${scales} of ${samples} scale`);
    assert.ok(inRange >= 0.6 * samples, `${inRange} of ${samples} in range`);
  });

  test(`${name}: every ${variant} baseline is derivable; those that scale with lr0 derive through the relative part, but CLR's`, () => {
    const g = loadGrammar(name, variant);
    const scalingButFree: string[] = [];
    for (const b of baselinesOf(variant)) {
      const { rule } = baselineRule(b);
      const genotype = reverseMap(g, rule);
      assert.deepEqual(mapGenotype(g, genotype).rule, rule, b.name);
      const free = genotype.top?.codons[0] === FREE;
      const scales = scaleBehaviour(rule).scales;
      // Whatever derives through the relative part scales; whatever does not scale needs the free production.
      if (!free) assert.ok(scales, `${b.name} is relative yet does not scale`);
      if (!scales) assert.ok(free, `${b.name} does not scale yet is relative`);
      if (scales && free) scalingButFree.push(b.name);
    }
    // CLR's bounds follow lr0 (so it scales), but its triangle wave over raw step counts is not
    // among the relative part's factors (which read progress as epoch/epochs or step/T only).
    assert.deepEqual(scalingButFree, variant === 'dlr' ? ['clr_triangular', 'clr_triangular2', 'clr_exp_range', 'clr_modified_triangular2'] : []);
  });
}

test('dlr-shape: every rate a sampled rule gives lies in [0, lr0] (or is NaN, which stops a run), and every rule scales with lr0', () => {
  const g = loadGrammar('dlr-shape', 'dlr');
  const rng = new Stream('test:dlr-shape');
  const lr0 = 0.01;
  const samples = 300;
  let finite = 0;
  for (let i = 0; i < samples; i++) {
    const { rule } = randomGenotype(g, rng);
    assert.equal(rule.variant, 'dlr');
    if (rule.variant !== 'dlr') continue;
    const rates = replayTrace(scheduleFromRule(rule), referenceTrace(rule.granularity, lr0), new Stream(`test:dlr-shape:${i}`)).points.map((p) => p.lr);
    const bad = rates.find((r) => !Number.isNaN(r) && !(r >= 0 && r <= lr0));
    assert.equal(bad, undefined, `${i}: a rate of ${bad} outside [0, lr0]`);
    if (rates.every((r) => Number.isFinite(r))) finite++;
    // A rule whose rates are all finite scales exactly (lr0 enters only as the factor in front).
    if (rates.every((r) => Number.isFinite(r))) assert.ok(scaleBehaviour(rule, { seed: i, low: 0, high: 1 }).scales, `${i}: scales with lr0`);
  }
  assert.ok(finite >= 0.9 * samples, `${finite} of ${samples} rules give finite rates throughout`);
});

test('alr-shape: no sampled rule moves a weight by more than lr in one step, and nearly all scale with lr', () => {
  const g = loadGrammar('alr-shape', 'alr');
  const rng = new Stream('test:alr-shape');
  const samples = 300;
  let finite = 0;
  let scales = 0;
  for (let i = 0; i < samples; i++) {
    const { rule } = randomGenotype(g, rng);
    assert.equal(rule.variant, 'alr');
    if (rule.variant !== 'alr') continue;
    const lr = 0.01;
    const state = { alpha: 0, beta: 0, sigma: 0 };
    const grads = new Stream(`test:alr-shape:${i}`);
    const steps = Array.from({ length: 200 }, (_, step) => interpretAlrStep(rule, state, (grads.uniform() - 0.4) * 3, lr, step));
    const bad = steps.find((u) => !Number.isNaN(u) && !(Math.abs(u) <= lr));
    assert.equal(bad, undefined, `${i}: a step of ${bad} beyond lr`);
    if (steps.every((u) => Number.isFinite(u))) {
      finite++;
      if (scaleBehaviour(rule, { seed: i, low: 0, high: 1 }).scales) scales++;
    }
  }
  assert.ok(finite >= 0.8 * samples, `${finite} of ${samples} rules give finite steps throughout`);
  // lr enters only as the factor in front, so a rule fails to scale only where its steps
  // underflow into subnormals (lr · pow(grad, step) does within a few dozen steps).
  assert.ok(scales >= 0.95 * finite, `${scales} of ${finite} rules with finite steps scale`);
});
