import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { compileScalar } from '../../src/grammar/compile-scalar.js';
import { interpret } from '../../src/grammar/interpreter.js';
import { parseExpression } from '../../src/grammar/parser.js';
import { partScope } from '../../src/grammar/signals.js';
import { pdiv, ppow, psqrt, plog, plog10 } from '../../src/grammar/semantics.js';
import { check, exprArb, sameValue, signalValuesArb } from '../helpers/arbitraries.js';

const names = partScope('dlr', 'accept') as readonly string[];

function countingStream(seed: number): { uniform(): number; draws: number } {
  const g = seedrandom(String(seed));
  return {
    draws: 0,
    uniform() {
      this.draws++;
      return g();
    },
  };
}

test('the compiled closure equals the interpreter, value for value and draw for draw', () => {
  check(
    fc.property(exprArb({ signals: names, random: true, maxDepth: 6 }), signalValuesArb(names), fc.integer(), (e, signals, seed) => {
      const a = countingStream(seed);
      const b = countingStream(seed);
      const f = compileScalar(e);
      for (let i = 0; i < 3; i++) {
        const x = interpret(e, signals, a);
        const y = f(signals, b);
        assert.ok(sameValue(x, y), `interpreter ${x} vs compiled ${y}`);
      }
      assert.equal(a.draws, b.draws);
    }),
    400,
  );
});

test('protected operations give their documented finite values', () => {
  assert.equal(pdiv(3, 0), 3);
  assert.equal(pdiv(3, -0), 3);
  assert.equal(pdiv(3, 1e-13), 3e13);
  assert.equal(pdiv(3, 2), 1.5);
  assert.equal(ppow(0, -2), 1);
  assert.equal(ppow(-8, 1 / 3), 2);
  assert.equal(ppow(-2, 3), -8);
  assert.equal(ppow(10, -2), 0.01);
  assert.equal(psqrt(-4), 2);
  assert.equal(plog(0), 0);
  assert.equal(plog(-Math.E), 1);
  assert.equal(plog10(0), 0);
  assert.equal(plog10(-100), 2);
  // Overflow is not a domain error: it stays infinite and the training loop rejects the rate.
  assert.equal(ppow(10, 400), Infinity);
});

test('conditionals and choice evaluate only what they pick', () => {
  const e = parseExpression('lr > 1 ? noise(1) : 2', 'dlr', 'epoch');
  const s = countingStream(1);
  assert.equal(interpret(e, { lr: 0.5 }, s), 2);
  assert.equal(s.draws, 0);
  // One draw picks the option; only the rand() option draws again.
  const c = compileScalar(parseExpression('choice(10, rand(), 30)', 'dlr', 'epoch'));
  const s2 = countingStream(2);
  const counts = { ten: 0, rand: 0, thirty: 0 };
  for (let i = 0; i < 300; i++) {
    const before = s2.draws;
    const v = c({}, s2);
    if (v === 10) counts.ten++;
    else if (v === 30) counts.thirty++;
    else {
      assert.ok(v >= 0 && v < 1);
      counts.rand++;
    }
    assert.equal(s2.draws - before, v >= 0 && v < 1 ? 2 : 1);
  }
  for (const n of Object.values(counts)) assert.ok(n > 60, `uneven choice: ${JSON.stringify(counts)}`);
});

test('a rule that draws without a random stream fails loudly; a missing signal is named', () => {
  assert.throws(() => compileScalar(parseExpression('rand()', 'dlr', 'epoch'))({}), /no random stream was given/);
  assert.throws(() => compileScalar(parseExpression('lr * 2', 'dlr', 'epoch'))({}), /signal "lr" has no value/);
  assert.throws(() => interpret(parseExpression('lr * 2', 'dlr', 'epoch'), {}), /signal "lr" has no value/);
});
