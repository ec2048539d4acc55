import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { baselineRule, BASELINES } from '../../src/baselines/registry.js';
import { ignoresLr, lrUse } from '../../src/export/ignores-lr.js';
import { parseRule } from '../../src/grammar/parser.js';
import { scaleBehaviour } from '../../src/schedule/scale.js';

const dlr = (text: string) => parseRule(text, 'dlr');
const alr = (text: string) => parseRule(text, 'alr');

test('schedules: lr or lr0 as a value is used; a constant or absolute rate ignores it; the acceptance clause does not count', () => {
  assert.equal(lrUse(dlr('epoch: lr0 * pow(0.9, epoch)')), 'value');
  assert.equal(lrUse(dlr('step: lr * 0.99')), 'value');
  assert.equal(lrUse(dlr('step: 0.003958693651093116')), 'unread');
  assert.equal(lrUse(dlr('epoch: epoch < 3 ? 0.1 : 0.01')), 'unread');
  assert.equal(lrUse(dlr('epoch: lr0 > 0.01 ? 0.1 : 0.01')), 'tests-only');
  assert.equal(lrUse(dlr('step: 0.01; accept: lr > 0.001 ? 1 : 0')), 'unread');
  assert.equal(ignoresLr(dlr('epoch: lr0 > 0.01 ? 0.1 : 0.01')), true);
  assert.equal(ignoresLr(dlr('epoch: lr0 > 0.01 ? lr0 : 0.01')), false);
});

test('adaptive rules: lr reaching the update through a state counts; through a dead state or a comparison it does not', () => {
  assert.equal(lrUse(alr('update: lr * grad')), 'value');
  assert.equal(lrUse(alr('alpha: lr * grad; update: alpha')), 'value');
  assert.equal(lrUse(alr('alpha: lr * grad; beta: alpha; update: sign(beta)')), 'value'); // sign(lr·g) is conservative: counted
  assert.equal(lrUse(alr('alpha: lr * grad; update: grad')), 'unread'); // alpha is dead: never allocated, never read
  assert.equal(lrUse(alr('alpha: lr * grad; update: alpha > 0 ? grad : -grad')), 'tests-only');
  assert.equal(lrUse(alr('update: grad > lr ? grad : 0.5 * grad')), 'tests-only');
  assert.equal(ignoresLr(alr('update: grad > lr ? grad : lr')), false);
});

test('of the baselines, exactly those with absolute rates ignore lr, and none of them scales with lr0', () => {
  const ignoring = BASELINES.filter((b) => ignoresLr(baselineRule(b).rule)).map((b) => b.name);
  // CLR's bounds follow lr0 by default (clr.ts), so tuning lr0 tunes it; SGD-SA's rate list, ADES and sign are absolute.
  assert.deepEqual(ignoring, ['sgd_sa', 'ades', 'sign']);
  for (const name of ['clr_triangular', 'clr_triangular2', 'clr_exp_range', 'clr_modified_triangular2']) {
    const b = BASELINES.find((x) => x.name === name);
    assert.ok(b, name);
    assert.equal(scaleBehaviour(baselineRule(b).rule).scales, true, `${name} with default bounds scales with lr0`);
  }
  for (const b of BASELINES.filter((x) => ignoresLr(baselineRule(x).rule))) {
    assert.equal(scaleBehaviour(baselineRule(b).rule).scales, false, `${b.name} ignores lr yet scales with it`);
  }
});

test('the published ALR MNIST winner ignores lr (it only enters a comparison); the DLR MNIST winner (a constant) too', () => {
  const winner = (campaign: string) => {
    const hof = JSON.parse(readFileSync(new URL(`../../examples/runs/${campaign}/hof.json`, import.meta.url), 'utf8')) as { hallOfFame: Array<{ text: string }> };
    return (hof.hallOfFame[0] as { text: string }).text;
  };
  assert.equal(lrUse(alr(winner('alr-mnist-mlp'))), 'tests-only');
  assert.equal(lrUse(dlr(winner('dlr-mnist-mlp'))), 'unread');
  assert.equal(ignoresLr(dlr(winner('dlr-fashion-mnist-mlp'))), false);
});
