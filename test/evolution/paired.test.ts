import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaired, formatPaired } from '../../src/evolution/paired.js';
import type { TestScores } from '../../src/evolution/records.js';

const scores = (values: Array<number | null>): TestScores => ({ mean: 0, sd: 0, metric: 'accuracy', values: values as number[] });

test('paired comparison: wins per seed, mean difference over the seeds where both finished', () => {
  const c = comparePaired(scores([0.9, 0.75, 0.7]), scores([0.85, 0.85, 0.7]));
  assert.deepEqual({ ...c, meanDiff: undefined }, { wins: 1, seeds: 3, meanDiff: undefined, finishedPairs: 3 });
  assert.ok(Math.abs((c?.meanDiff as number) - (0.05 - 0.1 + 0) / 3) < 1e-15);
  assert.equal(formatPaired(c), '1/3 (-0.0167)');
  assert.equal(formatPaired(comparePaired(scores([0.5]), scores([0.6]))), '0/1 (-0.1000)');
});

test('a run that stopped loses its seed and stays out of the mean (JSON null or NaN)', () => {
  const c = comparePaired(scores([0.9, 0.9, null]), scores([0.8, null, 0.8]));
  assert.deepEqual(c, { wins: 2, seeds: 3, meanDiff: 0.9 - 0.8, finishedPairs: 1 });
  assert.equal(formatPaired(c), '2/3 (+0.1000 over 1 finished pair)');
  assert.equal(formatPaired(comparePaired(scores([NaN]), scores([NaN]))), '0/1 (n/a over 0 finished pairs)');
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
