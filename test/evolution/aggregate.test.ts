import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { AGGREGATES, combineScores, RATIO_FLOOR, REFERENCE_FLOOR } from '../../src/evolution/fitness.js';

const refs = { a: 2, b: 0.5, c: 1, d: 4 };
const near = (x: number, y: number): void => assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${x} ≠ ${y}`);

test('each aggregate of the ratios score / reference', () => {
  const scores = { a: 1, b: 1, c: 3, d: 2 }; // ratios 0.5, 2, 3, 0.5
  near(combineScores(scores, refs, 'mean'), 1.5);
  near(combineScores(scores, refs, 'median'), 1.25);
  near(combineScores(scores, refs, 'min'), 0.5);
  near(combineScores(scores, refs, 'geomean'), Math.pow(0.5 * 2 * 3 * 0.5, 1 / 4));
  // The old default stays the default of combineScores (campaigns that never named one).
  near(combineScores(scores, refs), 1.5);
});

test('one task is its own score, whatever the aggregate', () => {
  for (const a of AGGREGATES) assert.equal(combineScores({ x: 0.93 }, undefined, a), 0.93);
});

test('a task whose reference barely trains rules the mean, not the geometric mean or the median', () => {
  const weak = { easy: 0.9, hard: REFERENCE_FLOOR * 2 };
  const failsEasy = { easy: 0, hard: 0.05 }; // ratios 0, 25
  const solid = { easy: 0.9, hard: 0.002 }; // ratios 1, 1
  assert.ok(combineScores(failsEasy, weak, 'mean') > combineScores(solid, weak, 'mean'));
  assert.ok(combineScores(failsEasy, weak, 'geomean') < combineScores(solid, weak, 'geomean'));
  // The floor: failing a task multiplies the geometric mean by RATIO_FLOOR^(1/n), not by 0.
  near(combineScores(failsEasy, weak, 'geomean'), Math.sqrt(RATIO_FLOOR * 25));
});

test('aggregates are monotone in every task score and lie between the smallest and largest ratio (but geomean at its floor)', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.01, max: 3, noNaN: true }), { minLength: 2, maxLength: 6 }), fc.nat(5), fc.double({ min: 0, max: 1, noNaN: true }), (raw, at, bump) => {
      const scores = Object.fromEntries(raw.map((v, i) => [`t${i}`, v]));
      const references = Object.fromEntries(raw.map((_, i) => [`t${i}`, 1]));
      const better = { ...scores, [`t${at % raw.length}`]: (raw[at % raw.length] as number) + bump };
      for (const a of AGGREGATES) {
        const s = combineScores(scores, references, a);
        assert.ok(combineScores(better, references, a) >= s - 1e-12, a);
        assert.ok(s >= Math.min(...raw) - 1e-12 && s <= Math.max(...raw) + 1e-12, a);
      }
    }),
  );
});
