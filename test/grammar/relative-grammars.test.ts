/**
 * The rate-relative grammars: rules they derive through their relative part
 * scale with lr0 (a property of the grammar, checked on sampled rules), most
 * stay in a trainable range, and every seed stays derivable — the
 * scale-equivariant ones through the relative part, the others through the
 * one free production.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { baselineRule, baselinesOf } from '../../src/baselines/registry.js';
import type { Variant } from '../../src/grammar/ast.js';
import { loadGrammar } from '../../src/grammar/bnf.js';
import { mapGenotype, randomGenotype } from '../../src/grammar/genotype.js';
import { reverseMap } from '../../src/grammar/reverse.js';
import { Stream } from '../../src/random/stream.js';
import { scaleBehaviour } from '../../src/schedule/scale.js';

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
