import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaired, formatPaired } from '../../src/evolution/paired.js';
import type { TestScores } from '../../src/evolution/records.js';

const scores = (values: Array<number | null>): TestScores => ({ mean: 0, sd: 0, metric: 'accuracy', values: values as number[] });

test('paired comparison: wins per seed, mean difference over the seeds where both finished', () => {
  const c = comparePaired(scores([0.9, 0.75, 0.7]), scores([0.85, 0.85, 0.7]));
  assert.deepEqual({ ...c, meanDiff: undefined, interval: undefined }, { wins: 1, seeds: 3, meanDiff: undefined, finishedPairs: 3, interval: undefined, verdict: 'no detectable difference' });
  assert.ok(Math.abs((c?.meanDiff as number) - (0.05 - 0.1 + 0) / 3) < 1e-15);
  // Differences 0.05, -0.1, 0: sd 0.0764, t(0.975, 2) = 4.3027, half-width 0.1897.
  assert.equal(formatPaired(c), 'no difference: -0.0167 [-0.2064, +0.1731], 1/3 seeds');
  assert.equal(formatPaired(comparePaired(scores([0.5]), scores([0.6]))), 'no difference: -0.1000, 0/1 seeds');
});

test('a run that stopped loses its seed and stays out of the mean (JSON null or NaN)', () => {
  const c = comparePaired(scores([0.9, 0.9, null]), scores([0.8, null, 0.8]));
  assert.deepEqual(c, { wins: 2, seeds: 3, meanDiff: 0.9 - 0.8, finishedPairs: 1, verdict: 'no detectable difference' });
  assert.equal(formatPaired(c), 'no difference: +0.1000, 2/3 seeds (1 finished pair)');
  assert.equal(formatPaired(comparePaired(scores([NaN]), scores([NaN]))), 'no difference: n/a, 0/1 seeds (0 finished pairs)');
  assert.equal(comparePaired(scores([0.9]), scores([0.9, 0.8])), undefined, 'different seed counts are not paired');
  assert.equal(formatPaired(undefined), '-');
});

test('for an error metric the lower value wins the seed (the PINN re-scores on relative_error)', () => {
  const errors = (values: number[]): TestScores => ({ mean: 0, sd: 0, metric: 'relative_error', values });
  const c = comparePaired(errors([0.01, 0.05, 0.02]), errors([0.02, 0.04, 0.02]));
  assert.equal(c?.wins, 1, 'better on the first seed only (a tie is no win)');
  assert.ok(Math.abs((c?.meanDiff as number) - (-0.01 + 0.01 + 0) / 3) < 1e-15);
  assert.equal(comparePaired(errors([0.5, NaN]), errors([NaN, 0.1]))?.wins, 1, 'finishing where the other stopped still wins');
});

test('the verdict is the 95 % interval of the paired differences, not the seed count', () => {
  // Wins on 4 of 5 seeds by a little, loses one by a lot: no detectable difference.
  const mixed = comparePaired(scores([0.91, 0.91, 0.91, 0.91, 0.5]), scores([0.9, 0.9, 0.9, 0.9, 0.9]));
  assert.equal(mixed?.wins, 4);
  assert.equal(mixed?.verdict, 'no detectable difference');
  const steady = comparePaired(scores([0.912, 0.915, 0.911, 0.914, 0.913]), scores([0.9, 0.901, 0.9, 0.902, 0.899]));
  assert.equal(steady?.verdict, 'better');
  assert.ok((steady?.interval?.low as number) > 0);
  const errors = (values: number[]): TestScores => ({ mean: 0, sd: 0, metric: 'relative_error', values });
  assert.equal(comparePaired(errors([0.01, 0.011, 0.012]), errors([0.05, 0.052, 0.049]))?.verdict, 'better', 'a lower error is better');
});
