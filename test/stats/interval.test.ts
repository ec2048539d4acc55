import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { meanInterval, verdictOf } from '../../src/stats/interval.js';

const near = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test('the paired t interval of known data (t(0.975, 4) = 2.776445)', () => {
  const i = meanInterval([1, 2, 3, 4, 5]);
  assert.ok(i);
  // sd = sqrt(2.5); half-width = 2.776445 · sqrt(2.5) / sqrt(5).
  near(i.mean, 3);
  near(i.high - i.mean, (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5));
  near(i.mean - i.low, i.high - i.mean, 1e-12);
  assert.equal(i.n, 5);
  // 90 %: t(0.95, 4) = 2.131847.
  near((meanInterval([1, 2, 3, 4, 5], 0.9)?.high ?? NaN) - 3, (2.131847 * Math.sqrt(2.5)) / Math.sqrt(5));
  // Two values: t(0.975, 1) = 12.706205.
  near((meanInterval([0.1, 0.3])?.high ?? NaN) - 0.2, (12.706205 * Math.sqrt(0.02)) / Math.sqrt(2));
});

test('no interval from fewer than two differences or from non-finite ones', () => {
  assert.equal(meanInterval([]), undefined);
  assert.equal(meanInterval([0.5]), undefined);
  assert.equal(meanInterval([0.5, NaN]), undefined);
  assert.throws(() => meanInterval([1, 2], 1), /confidence/);
});

test('verdicts: wholly above zero is better for accuracies and worse for errors; straddling zero is no detectable difference', () => {
  const above = meanInterval([0.2, 0.25, 0.3, 0.22, 0.28]);
  const below = meanInterval([-0.2, -0.25, -0.3, -0.22, -0.28]);
  const straddling = meanInterval([0.2, -0.1, 0.3, -0.05, 0.1]);
  assert.equal(verdictOf(above, false), 'better');
  assert.equal(verdictOf(below, false), 'worse');
  assert.equal(verdictOf(above, true), 'worse');
  assert.equal(verdictOf(below, true), 'better');
  assert.equal(verdictOf(straddling, false), 'no detectable difference');
  assert.equal(verdictOf(straddling, true), 'no detectable difference');
  assert.equal(verdictOf(undefined, false), 'no detectable difference');
  // Four wins of five, one large loss: the seed count says "wins", the interval does not.
  assert.equal(verdictOf(meanInterval([0.1, 0.1, 0.1, 0.1, -0.6]), false), 'no detectable difference');
});

test('the interval holds its mean, widens with spread and narrows with more seeds', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 30 }), (xs) => {
      const i = meanInterval(xs);
      assert.ok(i && i.low <= i.mean + 1e-12 && i.mean <= i.high + 1e-12);
      const wider = meanInterval(xs.map((x) => 3 * x));
      assert.ok(wider && wider.high - wider.low >= 3 * (i.high - i.low) - 1e-9);
      const doubled = meanInterval([...xs, ...xs]);
      assert.ok(doubled && doubled.high - doubled.low <= i.high - i.low + 1e-12);
    }),
  );
});
