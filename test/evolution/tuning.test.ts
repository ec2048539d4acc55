import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError, resolveConfig } from '../../src/evolution/config.js';
import { DEFAULT_TUNING, pickTuned, tuningGrid } from '../../src/evolution/tuning.js';

test('the default grid: seven log-spaced rates from lr0/30 to 30·lr0, lr0 exactly in the middle', () => {
  const g = tuningGrid(0.001);
  assert.equal(g.length, 7);
  assert.equal(g[3], 0.001);
  assert.ok(Math.abs((g[0] as number) - 0.001 / 30) < 1e-15 && Math.abs((g[6] as number) - 0.03) < 1e-15);
  for (let i = 1; i < g.length; i++) assert.ok(Math.abs((g[i] as number) / (g[i - 1] as number) - Math.cbrt(30)) < 1e-12);
  assert.deepEqual(tuningGrid(0.01, { points: 1, span: 30 }), [0.01]);
  assert.throws(() => tuningGrid(0.01, { points: 4, span: 30 }), /odd/);
  assert.throws(() => tuningGrid(0, DEFAULT_TUNING), /positive/);
  assert.throws(() => tuningGrid(0.01, { points: 3, span: 0.5 }), /span/);
});

test('the tuned rate is the best validation score; ties go to the rate nearest the centre, then the smaller', () => {
  const center = 0.01;
  const grid = tuningGrid(center, { points: 5, span: 100 }); // 1e-4, 1e-3, 1e-2, 1e-1, 1
  const score = (values: (number | undefined)[]) => grid.map((lr0, i) => ({ lr0, score: values[i] }));
  assert.equal(pickTuned(score([0.1, 0.5, 0.7, 0.9, undefined]), center).lr0, grid[3]);
  assert.equal(pickTuned(score([0.9, 0.5, 0.7, 0.9, undefined]), center).lr0, grid[3], 'equal scores: nearer the centre');
  assert.equal(pickTuned(score([0.2, 0.9, 0.7, 0.9, 0.1]), center).lr0, grid[1], 'equally near: the smaller rate');
  assert.deepEqual(pickTuned(score([undefined, undefined, undefined, undefined, undefined]), center), { lr0: center, score: undefined });
  assert.equal(pickTuned(score([NaN, 0.1, undefined, undefined, undefined]), center).lr0, grid[1], 'NaN is a stopped run');
});

test('the choice does not depend on the order of the trials', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }), { minLength: 7, maxLength: 7 }), fc.nat(), (scores, seed) => {
      const trials = tuningGrid(0.003).map((lr0, i) => ({ lr0, score: scores[i] }));
      const shuffled = [...trials].sort((a, b) => Math.sin(seed + a.lr0 * 1e6) - Math.sin(seed + b.lr0 * 1e6));
      assert.deepEqual(pickTuned(shuffled, 0.003), pickTuned(trials, 0.003));
    }),
  );
});

test('"tuning.tasks": "held-out" is kept in the config, "all" is left out (so older configs still match), anything else is refused', () => {
  const base = { tasks: ['synthetic'], validation: { tasks: ['helmholtz-250'] } };
  assert.deepEqual(resolveConfig({ ...base, tuning: { points: 3, tasks: 'held-out' } }).tuning, { points: 3, span: 30, tasks: 'held-out' });
  assert.deepEqual(resolveConfig({ ...base, tuning: { points: 3, tasks: 'all' } }).tuning, { points: 3, span: 30 });
  assert.throws(() => resolveConfig({ ...base, tuning: { tasks: 'search' } }), (e: unknown) => e instanceof ConfigError && /"tasks" must be one of all, held-out, not "search"/.test(e.message));
  assert.throws(() => resolveConfig({ ...base, tuning: { steps: 3 } }), (e: unknown) => e instanceof ConfigError && /unknown field "tuning.steps" \(known: points, span, tasks\)/.test(e.message));
  assert.throws(() => resolveConfig({ tasks: ['synthetic'], tuning: { tasks: 'held-out' } }), (e: unknown) => e instanceof ConfigError && /the campaign has none: add "validation"/.test(e.message));
});
