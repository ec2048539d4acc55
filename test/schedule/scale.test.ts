import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { baselineRule, BASELINES } from '../../src/baselines/registry.js';
import { parseRule } from '../../src/grammar/parser.js';
import { scaleBehaviour } from '../../src/schedule/scale.js';

test('baselines that multiply lr0 or lr scale with it (CLR, whose bounds follow lr0, too); absolute rates, sign steps and 10^floor(log10 lr) do not', () => {
  const scaling = BASELINES.filter((b) => scaleBehaviour(baselineRule(b).rule).scales).map((b) => b.name);
  assert.deepEqual(scaling, [
    'aldvi',
    'clr_triangular',
    'clr_triangular2',
    'clr_exp_range',
    'clr_modified_triangular2',
    'constant',
    'step_decay',
    'exponential',
    'cosine',
    'cosine_restarts',
    'linear_decay',
    'rex',
    'one_cycle',
    'warmup_cosine',
    'sgd',
    'momentum',
    'nesterov',
    'adam',
    'rmsprop',
    'adagrad',
  ]);
});

test('every baseline keeps its rates within [lr0/1e4, 100·lr0] on the reference trace, but those that anneal to nearly 0 by design', () => {
  // one_cycle ends at lr0/25/1e4; warmup_cosine's last step of 300 is at 3e-5·lr0.
  const outside = BASELINES.filter((b) => !scaleBehaviour(baselineRule(b).rule).inRange).map((b) => b.name);
  assert.deepEqual(outside, ['one_cycle', 'warmup_cosine']);
});

test('DLRS scales under a factor of 10 but not of 3: both factors are checked', () => {
  const dlrs = baselineRule(BASELINES.find((b) => b.name === 'dlrs') as (typeof BASELINES)[number]).rule;
  assert.equal(scaleBehaviour(dlrs, { factors: [10] }).scales, true);
  assert.equal(scaleBehaviour(dlrs, { factors: [3] }).scales, false);
});

test('hand-written rules: relative forms scale, absolute ones and rates that leave the range are told apart', () => {
  const of = (text: string): ReturnType<typeof scaleBehaviour> => scaleBehaviour(parseRule(text, text.includes('update') ? 'alr' : 'dlr'));
  assert.deepEqual(of('epoch: 0.004'), { scales: false, inRange: true });
  assert.deepEqual(of('step: lr * 0.999'), { scales: true, inRange: true });
  assert.deepEqual(of('step: lr0 * (1 - step / (epochs * steps_per_epoch))'), { scales: true, inRange: true });
  // Grows 1.5× per epoch: 1.5^29 ≈ 1.3e5 times lr0 by the end.
  assert.deepEqual(of('epoch: lr * 1.5'), { scales: true, inRange: false });
  // Random draws are replayed from the same seed at every scale.
  assert.deepEqual(of('step: lr0 * choice(0.5, 1, 2)'), { scales: true, inRange: true });
  // A plain gradient step ignores lr: at the reference lr 0.01 it happens to be within range, but it does not scale.
  assert.deepEqual(of('update: grad'), { scales: false, inRange: true });
  assert.deepEqual(of('update: 1000 * lr * grad'), { scales: true, inRange: false });
  assert.deepEqual(of('update: lr * sign(grad)'), { scales: true, inRange: true });
});
