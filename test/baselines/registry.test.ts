import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadGrammar } from '../../src/grammar/bnf.js';
import { mapGenotype } from '../../src/grammar/genotype.js';
import { reverseMap } from '../../src/grammar/reverse.js';
import { ruleEquals } from '../../src/grammar/ast.js';
import { BASELINES, baselineRule, baselinesOf, getBaseline } from '../../src/baselines/registry.js';
import { resolveParams } from '../../src/baselines/params.js';
import { BaselineError } from '../../src/baselines/types.js';

test('the registry holds every baseline the issue names, each documented', () => {
  const names = BASELINES.map((b) => b.name);
  for (const n of ['dlrs', 'aldvi', 'sgd_sa', 'clr_triangular', 'clr_triangular2', 'clr_exp_range', 'clr_modified_triangular2',
    'constant', 'step_decay', 'exponential', 'cosine', 'cosine_restarts', 'sgd', 'momentum', 'nesterov', 'adam', 'rmsprop', 'adagrad', 'ades', 'sign']) {
    assert.ok(names.includes(n), `missing ${n}`);
  }
  assert.equal(new Set(names).size, names.length, 'names are unique');
  for (const b of BASELINES) {
    assert.ok(b.title && b.description && b.reference, b.name);
    for (const p of b.params) assert.ok(p.description, `${b.name}.${p.name}`);
  }
  assert.equal(baselinesOf('dlr').length + baselinesOf('alr').length, BASELINES.length);
});

test('every seed rule parses, and reverse-maps into its grammar and back', () => {
  const grammars = { dlr: loadGrammar('dlr'), alr: loadGrammar('alr') };
  for (const b of BASELINES) {
    const { rule } = baselineRule(b);
    const g = grammars[b.variant];
    const back = mapGenotype(g, reverseMap(g, rule));
    assert.ok(ruleEquals(back.rule, rule), b.name);
    assert.ok(back.depth <= g.maxDepth, b.name);
  }
});

test('bad parameters and unknown names give a clear error', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => baselineRule(getBaseline('clr_triangular'), { step_size: -5 }), /clr_triangular: step_size must be at least 0, not -5/],
    [() => baselineRule(getBaseline('clr_triangular'), { step_size: 2.5 }), /step_size must be an integer, not 2.5/],
    [() => baselineRule(getBaseline('clr_triangular2'), { base_lr: 0.1, max_lr: 0.01 }), /base_lr \(0.1\) must not exceed max_lr \(0.01\)/],
    [() => baselineRule(getBaseline('clr_triangular'), { max_lr: 0.01 }), /max_lr \(0.01\) is absolute but base_lr is lr0: give base_lr too, or max_ratio instead/],
    [() => baselineRule(getBaseline('clr_triangular'), { max_ratio: 0.5 }), /max_ratio must be at least 1, not 0.5/],
    [() => baselineRule(getBaseline('sgd_sa'), { rates: [] }), /sgd_sa: rates must not be empty/],
    [() => baselineRule(getBaseline('sgd_sa'), { rates: [0.1, -0.2] }), /rates\[1\] must be greater than 0, not -0.2/],
    [() => baselineRule(getBaseline('sgd_sa'), { rates: 0.1 }), /rates must be a list of numbers/],
    [() => baselineRule(getBaseline('adam'), { beta1: 1 }), /beta1 must be less than 1, not 1/],
    [() => baselineRule(getBaseline('adam'), { beta1: 'high' }), /beta1 must be a number, not "high"/],
    [() => baselineRule(getBaseline('adam'), { lr: 0.1 }), /adam has no parameter "lr" \(its parameters: beta1, beta2, eps\)/],
    [() => baselineRule(getBaseline('constant'), { x: 1 }), /constant has no parameter "x" \(it takes no parameters\)/],
    [() => getBaseline('dlsr'), /unknown baseline "dlsr"\. Did you mean "dlrs"\? Known: dlrs, aldvi/],
    [() => getBaseline('frobnicate'), /unknown baseline "frobnicate"\. Known:/],
  ];
  for (const [f, message] of cases) assert.throws(f, (e: unknown) => e instanceof BaselineError && message.test(e.message), message.source);
});

test('parameters write into the rule text exactly', () => {
  const b = getBaseline('adam');
  const { text } = baselineRule(b, { beta1: 0.8762, eps: 1e-7 });
  assert.match(text, /alpha: 0\.8762 \* alpha \+ \(1 - 0\.8762\) \* grad/);
  assert.match(text, /\+ 1e-7\)$/);
  assert.deepEqual(resolveParams(getBaseline('clr_exp_range')), { base_lr: 0, max_lr: 0, max_ratio: 6, step_size: 0, cycles: 4, gamma: 0.99994 });
  // CLR's bounds follow lr0 unless given: relative by default, the paper's absolute ones through parameters.
  assert.match(baselineRule(getBaseline('clr_triangular')).text, /^step: lr0 \+ \(6 \* lr0 - lr0\) \* max\(0, /);
  assert.match(baselineRule(getBaseline('clr_triangular'), { base_lr: 0.001, max_lr: 0.006 }).text, /^step: 0\.001 \+ \(0\.006 - 0\.001\) \* max\(0, /);
  assert.match(baselineRule(getBaseline('clr_triangular'), { base_lr: 0.002 }).text, /^step: 0\.002 \+ \(0\.012 - 0\.002\) \* max\(0, /);
  // Budget-relative by default; the papers' absolute counts through parameters.
  assert.equal(baselineRule(getBaseline('step_decay')).text, 'epoch: lr0 * pow(0.5, floor(epoch * 3 / epochs))');
  assert.equal(baselineRule(getBaseline('step_decay'), { every: 10 }).text, 'epoch: lr0 * pow(0.5, floor(epoch / 10))');
  assert.ok(baselineRule(getBaseline('clr_triangular')).text.includes('step / ((epochs * steps_per_epoch) / 8)'));
  assert.ok(baselineRule(getBaseline('cosine_restarts')).text.includes('(epoch - (epochs / 3) * floor(epoch / (epochs / 3))) / (epochs / 3)'));
  assert.equal(baselineRule(getBaseline('aldvi'), { sigma: 0.001 }).text, 'epoch: lr * (1 + 1 * abs(acc - acc_prev)) + noise(0.001)');
});
