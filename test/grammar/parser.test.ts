import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRule, parseExpression, RuleSyntaxError } from '../../src/grammar/parser.js';
import { printRule, printExpr } from '../../src/grammar/printer.js';
import { bin, num, ruleEquals, sig, un, exprEquals } from '../../src/grammar/ast.js';
import { alrRuleArb, check, dlrRuleArb } from '../helpers/arbitraries.js';

function refusal(text: string, variant: 'dlr' | 'alr' = 'dlr'): RuleSyntaxError {
  try {
    parseRule(text, variant);
  } catch (err) {
    assert.ok(err instanceof RuleSyntaxError, `expected a RuleSyntaxError, got ${String(err)}`);
    return err;
  }
  assert.fail(`"${text.slice(0, 60)}" was accepted`);
}

test('print → parse is the identity on random dynamic rules (with random terms)', () => {
  check(fc.property(dlrRuleArb({ random: true }), (rule) => ruleEquals(parseRule(printRule(rule), 'dlr'), rule)), 300);
});

test('print → parse is the identity on random adaptive rules', () => {
  check(fc.property(alrRuleArb(), (rule) => ruleEquals(parseRule(printRule(rule), 'alr'), rule)), 300);
});

test('negative constants and negations stay distinct through printing', () => {
  const cases = [num(-0.5), un('neg', num(0.5)), un('neg', num(-0.5)), un('neg', un('neg', sig('lr'))), num(-0), bin('sub', sig('lr'), num(-2))];
  for (const e of cases) {
    const back = parseExpression(printExpr(e), 'dlr', 'epoch');
    assert.ok(exprEquals(back, e), `${printExpr(e)} read back differently`);
  }
  assert.equal(printExpr(un('neg', num(0.5))), '-(0.5)');
  assert.equal(printExpr(bin('sub', sig('lr'), num(-2))), 'lr - -2');
});

test('the text forms of a rule', () => {
  const bare = parseRule('lr * 0.5', 'dlr');
  assert.deepEqual(bare, { variant: 'dlr', granularity: 'epoch', lr: bin('mul', sig('lr'), num(0.5)) });
  const step = parseRule('step: 0.1; accept: exp(-dloss)', 'dlr');
  assert.equal(step.variant === 'dlr' && step.granularity, 'step');
  assert.ok(step.variant === 'dlr' && step.accept !== undefined);
  const sign = parseRule('lr * sign(grad)', 'alr');
  assert.deepEqual(sign, {
    variant: 'alr',
    alpha: sig('alpha'),
    beta: sig('beta'),
    sigma: sig('sigma'),
    update: bin('mul', sig('lr'), un('sign', sig('grad'))),
  });
  assert.equal(printRule(sign), 'update: lr * sign(grad)');
  // Math.* aliases and ** read as the language's own functions.
  assert.equal(printRule(parseRule('Math.max(lr, 1e-4) ** 2', 'dlr')), 'epoch: pow(max(lr, 0.0001), 2)');
});

test('hostile inputs are refused with a position and a reason, and nothing is evaluated', () => {
  let touched = false;
  const g = globalThis as Record<string, unknown>;
  g.__autolrProbe = () => {
    touched = true;
  };
  const cases: Array<[string, RegExp]> = [
    ['process.exit(1)', /only the language's functions/],
    ['this.constructor.constructor("return process")()', /only the language's functions/],
    ['Math.constructor', /property access/],
    ['Math.constructor("x")', /only the language's functions/],
    ['(()=>1)()', /only the language's functions/],
    ['lr = 0', /assignment is not allowed/],
    ['require("fs")', /unknown function "require"/],
    ['__autolrProbe()', /unknown function/],
    ['lr /* hidden */ * 2', /comments are not allowed/],
    ['lr // trailing', /comments are not allowed/],
    ['`${lr}`', /template string/],
    ['lr["constructor"]', /property access/],
    ['new Date()', /"new"/],
    ['lr, lr', /comma operator/],
    ['"use strict"', /only numbers are allowed as literals/],
    ['lr < 1', /comparison can only be the test/],
    ['lr > 1 && lr < 2 ? 1 : 2', /test of a conditional must be one comparison/],
    ['lr % 2', /"%" is not in the language/],
    ['max(lr)', /max takes 2 arguments/],
    ['noise()', /noise takes 1 argument/],
    ['foo + 1', /unknown name "foo"/],
    ['dloss', /unknown name "dloss"/],
    ['epoch: lr; step: lr', /either per epoch or per step/],
    ['accept: 1', /needs its rate/],
    ['lr;\nlr', /label each one/],
    ['epoch: lr; epoch: lr', /given twice/],
    ['warmup: lr', /unknown part "warmup"/],
    ['if (lr) lr', /if statement/],
    ['1n', /only numbers/],
    ['1e999', /too large/],
    ['lr +', /syntax error/],
    ['', /empty/],
    ['x'.repeat(100_000), /100000 characters long; the limit is 20000/],
    ['('.repeat(10_000) + 'lr' + ')'.repeat(10_000), /limit is 20000|nested/],
    ['('.repeat(5_000) + 'lr' + ')'.repeat(5_000), /nested more than 64 deep/],
    ['-'.repeat(15_000) + 'lr', /nested too deeply|more than 128 levels/],
    ['-('.repeat(100) + 'lr' + ')'.repeat(100), /nested more than 64 deep/],
  ];
  for (const [text, reason] of cases) {
    const err = refusal(text);
    assert.match(err.message, reason, `wrong reason for ${text.slice(0, 40)}`);
    assert.ok(err.line >= 1 && err.column >= 1);
  }
  assert.equal(touched, false);
  delete g.__autolrProbe;
});

test('deep but legal nesting within the limits parses; deeper trees are refused, not crashed on', () => {
  const ok = 'abs('.repeat(60) + 'lr' + ')'.repeat(60);
  assert.equal(printExpr(parseExpression(ok, 'dlr', 'epoch')), ok);
  const tooDeep = Array.from({ length: 200 }, () => '-').join(' ') + ' lr';
  assert.match(refusal(tooDeep).message, /more than 128 levels deep|nested too deeply/);
});

test('errors point at the offending place', () => {
  const err = refusal('lr * 2 +\n  process.exit(1)');
  assert.equal(err.line, 2);
  assert.equal(err.column, 3);
  assert.match(err.explain(), /\n {2} {2}process\.exit\(1\)\n {2} {2}\^/);
});

test('adaptive parts only read what AutoLR\'s shape allows', () => {
  assert.match(refusal('alpha: sigma; update: alpha', 'alr').message, /unknown name "sigma"; "alpha" may read grad, alpha, lr, step/);
  assert.match(refusal('alpha: grad', 'alr').message, /needs "update: …"/);
  assert.match(refusal('update: noise(grad)', 'alr').message, /noise is not available in adaptive rules/);
});
