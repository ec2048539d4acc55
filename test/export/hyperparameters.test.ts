/**
 * Which constants of an exported adaptive rule are a baseline's named
 * hyperparameters (export/hyperparameters.ts), and how the exported modules
 * write them. The real-PyTorch runs of the constructors are in torch.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baselineRule, baselinesOf, getBaseline } from '../../src/baselines/registry.js';
import { lit, scalar } from '../../src/baselines/params.js';
import type { AlrBaseline } from '../../src/baselines/types.js';
import type { AlrRule } from '../../src/grammar/ast.js';
import { constantsInWalkOrder } from '../../src/grammar/emit.js';
import { parseRule } from '../../src/grammar/parser.js';
import { printPythonTensorExpr } from '../../src/export/alr-python.js';
import { exportRule } from '../../src/export/targets.js';
import { ALR_PARTS, constructorArguments, probeHyperparameters, ruleHyperparameters } from '../../src/export/hyperparameters.js';

const alr = (text: string): AlrRule => parseRule(text, 'alr') as AlrRule;

describe('replaceConstants and constantsInWalkOrder', () => {
  it('count constants in the order the walker reaches them, conditionals included, so a printer names the ones counted', () => {
    const e = alr('update: (lr < 0.5 ? 2 : 3) * pow(0.25, grad) + 7').update;
    assert.deepEqual(constantsInWalkOrder(e), [0.5, 2, 3, 0.25, 7]);
    assert.equal(
      printPythonTensorExpr(e, ['A', undefined, 'B']),
      'o.add(o.mul(o.where((o.c(x["lr"]) < o.c(h["A"])), o.c(2.0), o.c(h["B"])), o.ppow(o.c(0.25), x["grad"])), o.c(7.0))',
    );
  });
});

describe('probing a baseline\'s rule text', () => {
  it('every adaptive baseline exposes each of its parameters, at the positions its rule text writes it, with the exported values', () => {
    const want: Record<string, string[]> = {
      sgd: [],
      momentum: ['mu'],
      nesterov: ['mu'],
      adam: ['beta1', 'beta2', 'eps'],
      rmsprop: ['rho', 'eps'],
      adagrad: ['eps'],
      ades: ['beta1', 'beta2'],
      sign: ['beta'],
    };
    assert.deepEqual(baselinesOf('alr').map((b) => b.name).sort(), Object.keys(want).sort(), 'a new adaptive baseline: say here what it exposes');
    for (const b of baselinesOf('alr')) {
      const { rule, params } = baselineRule(b);
      const h = probeHyperparameters(rule as AlrRule, b as AlrBaseline);
      assert.deepEqual(h.exposed.map((p) => p.name), want[b.name], b.name);
      for (const p of h.exposed) assert.ok(Object.is(p.value, params[p.name]), `${b.name}.${p.name}`);
      assert.deepEqual(h.derived, [], b.name);
      // Each named position holds exactly that parameter's value; every other constant is not a parameter's.
      for (const part of ALR_PARTS) {
        const values = constantsInWalkOrder((rule as AlrRule)[part]);
        h.constantNames[part].forEach((name, i) => {
          if (name !== undefined) assert.equal(values[i], params[name], `${b.name} ${part}[${i}]`);
        });
      }
    }
    const adam = probeHyperparameters(baselineRule(getBaseline('adam')).rule as AlrRule, getBaseline('adam') as AlrBaseline);
    // alpha: 0.9 * alpha + (1 - 0.9) * grad: the 1 is the text's own.
    assert.deepEqual(adam.constantNames.alpha, ['beta1', undefined, 'beta1']);
    assert.deepEqual(adam.constantNames.update, [undefined, 'beta1', undefined, undefined, 'beta2', undefined, 'eps']);
  });

  it('reads the values from the exported rule: non-default parameters become the defaults, bit for bit', () => {
    const b = getBaseline('adam') as AlrBaseline;
    const { rule } = baselineRule(b, { beta1: 0.123456789012345, beta2: 0.5, eps: 3e-9 });
    const h = probeHyperparameters(rule as AlrRule, b);
    assert.deepEqual(
      h.exposed.map((p) => [p.name, p.value]),
      [
        ['beta1', 0.123456789012345],
        ['beta2', 0.5],
        ['eps', 3e-9],
      ],
    );
  });

  it('a parameter the text uses in a computed form stays fixed and is named as such; the others are still exposed', () => {
    // 1 − β1 folded in JavaScript: its constant moves with β1 but is not β1, so β1 cannot be rewritten consistently.
    const folded: AlrBaseline = {
      ...(getBaseline('adam') as AlrBaseline),
      name: 'folded',
      ruleText: (p) => `alpha: ${lit(scalar(p, 'beta1'))} * alpha + ${lit(1 - scalar(p, 'beta1'))} * grad; update: lr * alpha / (sqrt(square(grad)) + ${lit(scalar(p, 'eps'))})`,
    };
    const rule = alr(folded.ruleText({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    const h = probeHyperparameters(rule, folded);
    assert.deepEqual(h.derived, ['beta1']);
    assert.deepEqual(h.exposed.map((p) => p.name), ['eps'], 'beta2 is unused, beta1 derived');
    assert.deepEqual(h.constantNames.alpha, [undefined, undefined], 'neither the direct nor the derived use of beta1 is named');
  });

  it('a rule that is not the named baseline\'s text, or names no baseline, exposes nothing', () => {
    const b = getBaseline('momentum') as AlrBaseline;
    const none = (rule: AlrRule): void => {
      const h = probeHyperparameters(rule, b);
      assert.deepEqual([h.exposed, h.baseline], [[], undefined], JSON.stringify(rule));
    };
    none(alr('alpha: 0.9 * alpha + 2 * grad; update: lr * alpha')); // a constant of the text changed
    none(alr('alpha: 0.9 * alpha - grad; update: lr * alpha')); // another shape
    none(alr('alpha: 0.9 * alpha + grad; update: lr * alpha * 0.9')); // one more constant
    // Two uses of μ with different values: edited after it was written from parameters.
    const nesterov = getBaseline('nesterov') as AlrBaseline;
    assert.deepEqual(probeHyperparameters(alr('alpha: 0.9 * alpha + grad; update: lr * (grad + 0.8 * alpha)'), nesterov).exposed, []);
    const { rule, text } = baselineRule(b);
    assert.deepEqual(ruleHyperparameters(rule as AlrRule, { text }).exposed, [], 'evolved (no baseline named): fixed by the search');
    assert.deepEqual(ruleHyperparameters(rule as AlrRule, { text, baseline: { name: 'no-such', params: {} } }).exposed, []);
  });

  it('spells the arguments as torch.optim and tf.train do', () => {
    const args = (name: string, target: 'torch' | 'tfjs'): Array<[string, string[]]> => {
      const b = getBaseline(name) as AlrBaseline;
      return constructorArguments(probeHyperparameters(baselineRule(b).rule as AlrRule, b), target).map((a) => [a.keyword, a.members.map((m) => m.name)]);
    };
    assert.deepEqual(args('adam', 'torch'), [
      ['betas', ['beta1', 'beta2']],
      ['eps', ['eps']],
    ]);
    assert.deepEqual(args('adam', 'tfjs'), [
      ['beta1', ['beta1']],
      ['beta2', ['beta2']],
      ['epsilon', ['eps']],
    ]);
    assert.deepEqual(args('momentum', 'torch'), [['momentum', ['mu']]]);
    assert.deepEqual(args('rmsprop', 'torch'), [
      ['alpha', ['rho']],
      ['eps', ['eps']],
    ]);
    assert.deepEqual(args('rmsprop', 'tfjs'), [
      ['decay', ['rho']],
      ['epsilon', ['eps']],
    ]);
    // Not one of torch's optimizers: the baseline's own names.
    assert.deepEqual(args('ades', 'torch'), [
      ['beta1', ['beta1']],
      ['beta2', ['beta2']],
    ]);
  });
});

describe('the Python module', () => {
  it('reads exposed constants from h, keeps the others literal, and lists the constructor in its header', () => {
    const { rule, text } = baselineRule(getBaseline('adam'));
    const py = exportRule(rule, { text, baseline: { name: 'adam', params: {} } }, 'py', 0.01);
    assert.match(py, /"alpha": lambda o, x, h: o\.add\(o\.mul\(o\.c\(h\["beta1"\]\), x\["alpha"\]\), o\.mul\(o\.sub\(o\.c\(1\.0\), o\.c\(h\["beta1"\]\)\), x\["grad"\]\)\)/);
    assert.doesNotMatch(py.slice(py.indexOf('STATE_RULES')), /o\.c\(0\.9\)|o\.c\(0\.999\)|o\.c\(1e-8\)/);
    assert.match(py, /^# Hyperparameters \(constructor arguments; the defaults are the exported values\): EvolvedOptimizer\(params, lr=0\.01, betas=\(0\.9, 0\.999\), eps=1e-8\)/m);
    assert.match(py, /^ {4}"betas": \(\("beta1", 0\.9, \(0\.0, True\), \(1\.0, False\), "beta parameter at index 0"\), \("beta2", 0\.999,/m);
    const evolved = exportRule(rule, { text }, 'py', 0.01);
    assert.match(evolved, /^HYPERPARAMETERS = \{\}$/m);
    assert.match(evolved, /^# Hyperparameters: none; the rule's constants are fixed by the search/m);
    assert.match(evolved, /o\.c\(0\.9\)/);
  });

  it('the header lists only the states the update depends on', () => {
    const header = (t: string): string => {
      const py = exportRule(alr(t), { text: t }, 'py');
      return py.slice(py.indexOf('# signals read:'), py.indexOf('#\n', py.indexOf('# signals read:')));
    };
    const plain = header('update: lr * grad');
    assert.match(plain, /grad:/);
    assert.doesNotMatch(plain, /alpha:|beta:|sigma:/);
    // beta is updated but never reaches the update: not read.
    const momentum = header('alpha: 0.9 * alpha + grad; beta: beta + 1; update: lr * alpha');
    assert.match(momentum, /alpha:/);
    assert.doesNotMatch(momentum, /beta:|sigma:/);
    // alpha reaches the update through sigma.
    const chained = header('alpha: alpha + grad; beta: beta + 1; sigma: 0.5 * alpha; update: lr * sigma');
    assert.match(chained, /alpha:[\s\S]*sigma:/);
    assert.doesNotMatch(chained, /beta:/);
  });
});
