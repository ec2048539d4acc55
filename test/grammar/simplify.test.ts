import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import {
  BINARY_OPS,
  COMPARE_OPS,
  UNARY_OPS,
  bin,
  choice,
  cond,
  exprEquals,
  isRandom,
  mapChildren,
  noise,
  num,
  rand,
  ruleEquals,
  sig,
  size,
  un,
  type BinaryOp,
  type Expr,
  type Rule,
} from '../../src/grammar/ast.js';
import { ruleHash, structuralKey } from '../../src/grammar/hash.js';
import { interpret } from '../../src/grammar/interpreter.js';
import { parseRule } from '../../src/grammar/parser.js';
import { printRule } from '../../src/grammar/printer.js';
import type { RandomSource } from '../../src/grammar/semantics.js';
import { partScope } from '../../src/grammar/signals.js';
import { simplifyExpr, simplifyRule } from '../../src/grammar/simplify.js';
import { interpretAlrStep } from '../../src/grammar/interpret-alr.js';
import type { AlrRule } from '../../src/grammar/ast.js';
import { alrRuleArb, check, constantArb, dlrRuleArb, exprArb, sameValue, signalValuesArb } from '../helpers/arbitraries.js';

const ACCEPT_SIGNALS = partScope('dlr', 'accept') as readonly string[];
const EPOCH_SIGNALS = partScope('dlr', 'epoch') as readonly string[];

/** A seeded stream that counts its draws, so tests can check the stream stays aligned, not just the value. */
function countingRng(seed: number): { rng: RandomSource; draws: () => number } {
  const g = seedrandom(String(seed));
  let n = 0;
  return {
    rng: {
      uniform: () => {
        n++;
        return g();
      },
    },
    draws: () => n,
  };
}

/**
 * exprArb rarely produces the shapes the simplifier rewrites (x + 0, -(-x),
 * min(x, x), a conditional with equal branches…), and rarely reaches the
 * values where a wrong rewrite shows (±Infinity, NaN, divisors under the
 * protection threshold, two draws in one expression). This generator plants
 * both on purpose: every rewrite's left-hand side is one of its node shapes,
 * and its leaves include overflowing and NaN subtrees.
 */
function identityProneArb(signals: readonly string[], random: boolean): fc.Arbitrary<Expr> {
  const special = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(0, -0, 1, -1) },
    { weight: 1, arbitrary: fc.constantFrom(2, 0.5, -0.5, 1000, -1000, 710, 1e300, 1e-13) },
  );
  const inf = un('exp', num(1000));
  const signal = fc.constantFrom(...signals).map(sig);
  const leaves: Array<fc.Arbitrary<Expr>> = [
    fc.oneof(constantArb, special).map(num),
    signal,
    fc.constantFrom(inf, un('neg', inf), bin('sub', inf, inf)),
    // Overflows for large signal values, so it is ±Infinity or NaN only sometimes.
    signal.map((s) => bin('mul', un('exp', s), s)),
  ];
  // In the random variant, half the leaves draw, so operands that both draw are common.
  const leaf = random ? fc.oneof(fc.oneof(...leaves), fc.constant(rand())) : fc.oneof(...leaves);
  const unary = fc.constantFrom(...UNARY_OPS);
  const binary = fc.constantFrom(...BINARY_OPS);
  const compare = fc.constantFrom(...COMPARE_OPS);
  // The root is always a node: a lone leaf has nothing to simplify.
  const { node } = fc.letrec<{ tree: Expr; node: Expr }>((tie) => {
    const sub = tie('tree');
    const nodes: Array<fc.Arbitrary<Expr>> = [
      fc.tuple(unary, sub).map(([op, a]) => un(op, a)),
      fc.tuple(binary, sub, sub).map(([op, a, b]) => bin(op, a, b)),
      fc.tuple(compare, sub, sub, sub, sub).map(([op, a, b, t, o]) => cond(op, a, b, t, o)),
      fc.tuple(binary, sub, special, fc.boolean()).map(([op, a, c, left]) => (left ? bin(op, num(c), a) : bin(op, a, num(c)))),
      fc.tuple(binary, sub).map(([op, a]) => bin(op, a, a)),
      fc.tuple(unary, unary, sub).map(([outer, inner, a]) => un(outer, un(inner, a))),
      fc.tuple(binary, sub, sub, fc.constantFrom('left', 'right', 'both')).map(([op, a, b, where]) =>
        bin(op, where === 'right' ? a : un('neg', a), where === 'left' ? b : un('neg', b)),
      ),
      fc.tuple(sub, sub).map(([a, b]) => un('neg', bin('sub', a, b))),
      fc.tuple(compare, sub, sub, sub).map(([op, a, b, x]) => cond(op, a, b, x, x)),
      fc.tuple(compare, special, special, sub, sub).map(([op, a, b, t, o]) => cond(op, num(a), num(b), t, o)),
    ];
    if (random) {
      nodes.push(
        fc.array(sub, { minLength: 1, maxLength: 3 }).map((options) => choice(options)),
        sub.map((s) => noise(s)),
      );
    }
    return {
      tree: fc.oneof({ depthSize: 'medium', maxDepth: 6, withCrossShrink: true }, leaf, tie('node')),
      node: fc.oneof(...nodes),
    };
  });
  return node;
}

/** signalValuesArb plus values at the edges: huge, tiny, -0, near the division threshold. */
function valuesArb(names: readonly string[]): fc.Arbitrary<Record<string, number>> {
  const edge = fc.constantFrom(1e308, -1e308, 5e-324, -0, 1e-13, -1e-12, 709.8, 800, -800, 2 ** 53);
  const wide = fc.record(
    Object.fromEntries(names.map((n) => [n, fc.oneof(edge, fc.double({ noNaN: true, noDefaultInfinity: true }))])) as Record<
      string,
      fc.Arbitrary<number>
    >,
  );
  return fc.oneof({ weight: 1, arbitrary: signalValuesArb(names) }, { weight: 1, arbitrary: wide });
}

const GENERATORS: ReadonlyArray<[string, fc.Arbitrary<Expr>]> = [
  ['exprArb, deterministic', exprArb({ signals: ACCEPT_SIGNALS, random: false })],
  ['exprArb, random', exprArb({ signals: ACCEPT_SIGNALS, random: true })],
  ['identity-prone, deterministic', identityProneArb(ACCEPT_SIGNALS, false)],
  ['identity-prone, random', identityProneArb(ACCEPT_SIGNALS, true)],
];

/** Evaluates with a fresh stream and reports the value with the number of draws. */
function run(e: Expr, signals: Record<string, number>, seed: number): { value: number; draws: number } {
  const { rng, draws } = countingRng(seed);
  const value = interpret(e, signals, rng);
  return { value, draws: draws() };
}

for (const [name, arb] of GENERATORS) {
  test(`simplification keeps every value and the random stream (${name})`, () => {
    check(
      // Several assignments per tree: simplifying is the costly part, evaluating is cheap.
      fc.property(arb, fc.array(valuesArb(ACCEPT_SIGNALS), { minLength: 1, maxLength: 6 }), fc.integer(), (e, assignments, seed) => {
        const simplified = simplifyExpr(e);
        for (const signals of assignments) {
          const before = run(e, signals, seed);
          const after = run(simplified, signals, seed);
          assert.ok(sameValue(before.value, after.value), `${before.value} became ${after.value}`);
          assert.equal(after.draws, before.draws);
        }
      }),
      600,
    );
  });

  test(`simplification is idempotent and never grows the tree (${name})`, () => {
    check(
      fc.property(arb, (e) => {
        const once = simplifyExpr(e);
        assert.ok(exprEquals(simplifyExpr(once), once));
        assert.ok(size(once) <= size(e));
      }),
      400,
    );
  });
}

test('simplified rules print and parse back to the same tree', () => {
  const proneDlr = fc
    .tuple(identityProneArb(EPOCH_SIGNALS, true), fc.option(identityProneArb(ACCEPT_SIGNALS, true), { nil: undefined }))
    .map(([lr, accept]): Rule => (accept ? { variant: 'dlr', granularity: 'step', lr, accept } : { variant: 'dlr', granularity: 'epoch', lr }));
  const rules: fc.Arbitrary<Rule> = fc.oneof(dlrRuleArb({ random: true }), alrRuleArb(), proneDlr);
  check(
    fc.property(rules, (rule) => {
      const simplified = simplifyRule(rule);
      assert.ok(ruleEquals(parseRule(printRule(simplified), rule.variant), simplified), printRule(simplified));
    }),
    400,
  );
});

/** Swaps operands of commutative operators wherever that cannot reorder two draws, as a seeded coin says. */
function commute(e: Expr, coin: () => boolean): Expr {
  const inner = mapChildren(e, (c) => commute(c, coin));
  if (inner.kind === 'binary') {
    const swappable = (['add', 'mul', 'min', 'max'] as BinaryOp[]).includes(inner.op) && !(isRandom(inner.left) && isRandom(inner.right));
    return swappable && coin() ? bin(inner.op, inner.right, inner.left) : inner;
  }
  if (inner.kind === 'cond' && !(isRandom(inner.left) && isRandom(inner.right)) && coin()) {
    const mirrored = { lt: 'gt', gt: 'lt', le: 'ge', ge: 'le', eq: 'eq', ne: 'ne' } as const;
    return cond(mirrored[inner.op], inner.right, inner.left, inner.then, inner.otherwise);
  }
  return inner;
}

test('structuralKey ignores the order of commuting operands, and such reorderings keep values and draws', () => {
  check(
    fc.property(identityProneArb(ACCEPT_SIGNALS, true), valuesArb(ACCEPT_SIGNALS), fc.integer(), (e, signals, seed) => {
      const flips = seedrandom(`flip${seed}`);
      const swapped = commute(e, () => flips() < 0.5);
      assert.equal(structuralKey(swapped), structuralKey(e));
      const before = run(e, signals, seed);
      const after = run(swapped, signals, seed);
      assert.ok(sameValue(before.value, after.value));
      assert.equal(after.draws, before.draws);
    }),
    300,
  );
});

// ---- concrete examples ----

const simplified = (text: string): string => printRule(simplifyRule(parseRule(`epoch: ${text}`, 'dlr')));

function becomes(text: string, expected: string): void {
  assert.equal(simplified(text), `epoch: ${expected}`, text);
}

function stays(text: string): void {
  assert.equal(simplified(text), printRule(parseRule(`epoch: ${text}`, 'dlr')), text);
}

test('additive identities', () => {
  becomes('lr + 0', 'lr');
  becomes('0 + lr', 'lr');
  becomes('lr + -0', 'lr');
  becomes('lr - 0', 'lr');
  becomes('0 - lr', '-lr');
  becomes('lr + -loss', 'lr - loss');
  becomes('lr - -loss', 'lr + loss');
  becomes('-lr + loss', 'loss - lr');
  becomes('-(lr - loss)', 'loss - lr');
  becomes('lr + -0.5', 'lr - 0.5');
  becomes('-0.5 + lr', 'lr - 0.5');
  becomes('lr - -0.5', 'lr + 0.5');
  // Swapping would reorder two draws.
  stays('-rand() + rand()');
  stays('-(rand() - rand())');
  // No swap needed here, so the rewrite is fine.
  becomes('rand() + -rand()', 'rand() - rand()');
  // Not exact: Inf - Inf is NaN.
  stays('lr - lr');
  stays('exp(lr) - exp(lr)');
});

test('multiplicative identities', () => {
  becomes('lr * 1', 'lr');
  becomes('1 * lr', 'lr');
  becomes('lr / 1', 'lr');
  becomes('lr * -1', '-lr');
  becomes('-1 * lr', '-lr');
  becomes('lr / -1', '-lr');
  becomes('-lr * -loss', 'lr * loss');
  becomes('-(-lr) * -1', '-lr');
  // Not exact: Inf * 0 is NaN; protected division of -a by a tiny -b gives -a.
  stays('lr * 0');
  stays('0 * lr');
  stays('-lr / -loss');
  stays('lr / lr');
});

test('power identities', () => {
  becomes('pow(lr, 1)', 'lr');
  becomes('lr ** 1', 'lr');
  becomes('pow(loss - 3, 1)', 'loss - 3');
  becomes('pow(lr, 0)', '1');
  becomes('pow(exp(lr), 0)', '1');
  // Dropping the base would drop its draw.
  stays('pow(rand(), 0)');
  // Math.pow(1, NaN) is NaN.
  stays('pow(1, lr)');
});

test('unary identities', () => {
  becomes('-(-lr)', 'lr');
  becomes('abs(abs(lr))', 'abs(lr)');
  becomes('abs(-lr)', 'abs(lr)');
  becomes('square(-lr)', 'square(lr)');
  becomes('square(abs(lr))', 'square(lr)');
  becomes('sqrt(-lr)', 'sqrt(lr)');
  becomes('log(abs(lr))', 'log(lr)');
  becomes('log10(-lr)', 'log10(lr)');
  becomes('abs(exp(lr))', 'exp(lr)');
  becomes('abs(sigmoid(lr))', 'sigmoid(lr)');
  becomes('floor(floor(lr))', 'floor(lr)');
  becomes('sign(sign(lr))', 'sign(lr)');
  becomes('-(0.5)', '-0.5');
  becomes('-(0)', '-0');
  stays('cos(-lr)');
  stays('abs(sin(lr))');
});

test('min, max and conditionals', () => {
  becomes('min(lr, lr)', 'lr');
  becomes('max(lr * 2, lr * 2)', 'lr * 2');
  stays('min(rand(), rand())');
  stays('max(lr, loss)');
  becomes('1 < 2 ? lr : loss', 'lr');
  becomes('2 < 1 ? lr : loss', 'loss');
  // The test overflows to Infinity, which cannot be a constant, but it still decides the branch.
  becomes('exp(1000) > 1 ? lr : loss', 'lr');
  becomes('loss < 2 ? lr : lr', 'lr');
  becomes('loss < 2 ? rand() : rand()', 'rand()');
  stays('rand() < 0.5 ? lr : lr');
  // NaN < NaN is false, so a test with equal operands decides nothing.
  stays('lr < lr ? 1 : 2');
});

test('constant folding', () => {
  becomes('lr * (2 + 3)', 'lr * 5');
  becomes('2 * 3 + lr', '6 + lr');
  becomes('lr * (1 + 1) * 0.5', 'lr * 2 * 0.5');
  becomes('log(0)', '0');
  becomes('sqrt(-4) * lr', '2 * lr');
  becomes('pow(0, -1)', '1');
  becomes('rand() * (1 + 1)', 'rand() * 2');
  becomes('choice(1 + 1, lr)', 'choice(2, lr)');
  becomes('noise(0.5 * 2)', 'noise(1)');
  // Non-finite results stay as the expression that produces them.
  stays('exp(1000)');
  stays('exp(1000) * 0');
  becomes('-exp(1000) * 1', '-exp(1000)');
  // Random terms are never folded, even with constant arguments.
  stays('noise(0)');
  stays('choice(lr)');
  stays('choice(1, 1)');
});

test('simplifyRule keeps every part and the granularity', () => {
  const dlr = parseRule('step: lr * 1; accept: exp(-dloss / (0.1 * 10))', 'dlr');
  assert.equal(printRule(simplifyRule(dlr)), 'step: lr; accept: exp(-dloss)');
  const alr = parseRule('alpha: alpha * 1 + 0; beta: beta * 0.9 + grad * (1 - 0.9); update: lr * grad / (sqrt(beta) + 1)', 'alr');
  const s = simplifyRule(alr);
  assert.ok(ruleEquals(s, parseRule('beta: beta * 0.9 + grad * 0.09999999999999998; update: lr * grad / (sqrt(beta) + 1)', 'alr')), printRule(s));
});

test('simplifyRule drops the states of an adaptive rule that cannot reach the update', () => {
  const s = (text: string): string => printRule(simplifyRule(parseRule(text, 'alr')));
  assert.equal(s('alpha: grad; beta: step > pow(lr, step) ? beta - alpha : 0.636; sigma: beta; update: grad'), 'update: grad');
  // sigma feeds the update and reads beta, which reads alpha: all live.
  assert.equal(s('alpha: 0.9 * alpha + grad; beta: alpha * 2; sigma: beta + sigma; update: lr * sigma'), 'alpha: 0.9 * alpha + grad; beta: alpha * 2; sigma: beta + sigma; update: lr * sigma');
  // A state that only reads itself and the gradient, never read later: dead.
  assert.equal(s('alpha: 0.9 * alpha + grad; sigma: sigma + 1; update: lr * alpha'), 'alpha: 0.9 * alpha + grad; update: lr * alpha');
  assert.equal(ruleHash(parseRule('alpha: grad; beta: 0.5; update: lr * grad', 'alr')), ruleHash(parseRule('update: lr * grad', 'alr')));
  // States that copy a signal or a constant are read through, then fall dead.
  assert.equal(s('alpha: grad; update: alpha'), 'update: grad');
  assert.equal(s('alpha: grad; beta: alpha; sigma: 0.5; update: lr * beta * sigma'), 'update: lr * grad * 0.5');
  // A copy of the state's own previous value is not a copy of a fresh value: it stays.
  assert.equal(s('alpha: alpha + grad; beta: alpha; update: beta'), 'alpha: alpha + grad; update: alpha');
});

test('read-through and dead states leave the weights exactly as they were', () => {
  const rules = [
    'alpha: grad; beta: 0.9 * beta + alpha; sigma: lr; update: sigma * beta',
    'alpha: 0.9 * alpha + grad; beta: alpha; sigma: step; update: lr * beta / (sigma + 1)',
    'alpha: grad; beta: step > pow(lr, step) ? beta - alpha : 0.636; sigma: beta; update: grad',
  ];
  for (const text of rules) {
    const rule = parseRule(text, 'alr') as AlrRule;
    const simplified = simplifyRule(rule) as AlrRule;
    const a = { alpha: 0, beta: 0, sigma: 0 };
    const b = { alpha: 0, beta: 0, sigma: 0 };
    for (let step = 0; step < 6; step++) {
      const grad = Math.sin(step * 1.7) * 0.3;
      assert.equal(interpretAlrStep(simplified, b, grad, 0.01, step), interpretAlrStep(rule, a, grad, 0.01, step), `${text} at step ${step}`);
    }
  }
});

test('ruleHash identifies spellings of one rule and separates different rules', () => {
  const h = (text: string, variant: 'dlr' | 'alr' = 'dlr'): string => ruleHash(parseRule(text, variant));
  assert.match(h('epoch: lr * 0.5'), /^[0-9a-f]{16}$/);
  assert.equal(h('epoch: lr * 0.5'), h('epoch: 0.5 * lr'));
  assert.equal(h('epoch: lr * 0.5'), h('epoch: 1 * (lr * 0.5) + 0'));
  assert.equal(h('epoch: lr * 0.5'), h('lr * 0.5'));
  assert.notEqual(h('epoch: lr * 0.5'), h('epoch: lr * 0.25'));
  assert.notEqual(h('epoch: lr * 0.5'), h('step: lr * 0.5'));
  assert.notEqual(h('step: lr * 0.5'), h('step: lr * 0.5; accept: 1'));
  assert.equal(h('epoch: min(lr, lr0) + loss'), h('epoch: loss + min(lr0, lr)'));
  assert.equal(h('epoch: lr < loss ? lr : lr0'), h('epoch: loss > lr ? lr : lr0'));
  assert.equal(h('epoch: lr == loss ? lr : lr0'), h('epoch: loss == lr ? lr : lr0'));
  assert.notEqual(h('epoch: lr < loss ? lr : lr0'), h('epoch: loss < lr ? lr : lr0'));
  // One random operand: swapping cannot reorder draws.
  assert.equal(h('epoch: lr + rand()'), h('epoch: rand() + lr'));
  // Two random operands: their order decides which draw each one gets.
  assert.notEqual(h('epoch: rand() + 2 * rand()'), h('epoch: 2 * rand() + rand()'));
  assert.equal(h('update: grad * lr', 'alr'), h('update: lr * grad; alpha: alpha', 'alr'));
  // A dead state does not count; a live one does (structure, not behaviour, is hashed).
  assert.equal(h('update: lr * grad', 'alr'), h('update: lr * grad; alpha: grad', 'alr'));
  assert.notEqual(h('update: lr * (2 * grad)', 'alr'), h('update: lr * alpha; alpha: 2 * grad', 'alr'));
});

test('structuralKey encodes constants exactly', () => {
  assert.notEqual(structuralKey(num(0.1 + 0.2)), structuralKey(num(0.3)));
  assert.notEqual(structuralKey(num(-0)), structuralKey(num(0)));
  assert.notEqual(structuralKey(sig('lr')), structuralKey(num(1)));
});

test('trees as deep as the parser allows simplify without trouble', () => {
  let negs: Expr = sig('lr');
  let sums: Expr = sig('lr');
  let overflow: Expr = un('exp', num(1000));
  for (let i = 1; i < 128; i++) {
    negs = un('neg', negs);
    sums = bin('add', num(0), bin('mul', sums, num(1)));
    overflow = bin('mul', overflow, num(2));
  }
  assert.ok(exprEquals(simplifyExpr(negs), un('neg', sig('lr'))));
  assert.ok(exprEquals(simplifyExpr(sums), sig('lr')));
  // Never finite, so it must stay whole (and the repeated attempts to fold it stay cheap).
  assert.ok(exprEquals(simplifyExpr(overflow), overflow));
});
