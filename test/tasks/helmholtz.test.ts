import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactSolution, scoreFromRelativeError, SPEED_OF_SOUND } from '../../src/tasks/helmholtz.js';

test('the analytic Helmholtz solution meets the equation and the boundary values', () => {
  for (const frequency of [250, 500, 750, 1000]) {
    const setup = { frequency, psi0: 1, psi1: 0, batchFraction: 1, passesPerEpoch: 1 };
    const psi = exactSolution(setup);
    const k = (2 * Math.PI * frequency) / SPEED_OF_SOUND;
    assert.ok(Math.abs(psi(0) - 1) < 1e-12 && Math.abs(psi(1)) < 1e-9, `${frequency} Hz boundary values`);
    const h = 1e-4;
    for (const x of [0.1, 0.37, 0.5, 0.83]) {
      const second = (psi(x + h) - 2 * psi(x) + psi(x - h)) / (h * h);
      assert.ok(Math.abs(second + k * k * psi(x)) < 1e-3 * k * k, `${frequency} Hz at x = ${x}`);
    }
  }
});

test('the PINN score is -log10 of the relative error, floored at 0', () => {
  assert.equal(scoreFromRelativeError(0.01), 2);
  assert.equal(scoreFromRelativeError(1), 0);
  assert.equal(scoreFromRelativeError(3), 0);
  assert.equal(scoreFromRelativeError(NaN), 0);
});

test('any Helmholtz frequency is a task', async () => {
  const { getTask } = await import('../../src/tasks/registry.js');
  assert.match(getTask('helmholtz-600').description, /600 Hz/);
  assert.throws(() => getTask('helmholtz-0'), /unknown task/);
  assert.throws(() => getTask('helmholtz-x'), /unknown task/);
});
