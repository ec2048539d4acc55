import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { bin, noise, num, sig, un, type AlrRule, type Expr } from '../../src/grammar/ast.js';
import { compileAlrRule, compileTensorExpr, type TensorInputs } from '../../src/grammar/compile-tensor.js';
import { parseRule } from '../../src/grammar/parser.js';
import { BINARY_FNS, COMPARE_FNS, UNARY_FNS } from '../../src/grammar/semantics.js';
import { partScope } from '../../src/grammar/signals.js';
import { alrRuleArb, check, exprArb } from '../helpers/arbitraries.js';

const WIDTH = 7;
const TENSOR_NAMES = ['grad', 'alpha', 'beta', 'sigma'] as const;

/**
 * The interpreter in float32: every input and every intermediate result is
 * rounded to float32, as the tensors are. tfjs's cpu kernels compute each op in
 * float64 on float32 operands and round the result, so they agree with this
 * exactly, except log10 (tfjs has none; it is ln|x| / ln 10, an extra rounding).
 */
function interpret32(e: Expr, s: Readonly<Record<string, number>>): number {
  const r = Math.fround;
  switch (e.kind) {
    case 'const':
      return r(e.value);
    case 'signal': {
      const v = s[e.name];
      if (v === undefined) throw new Error(`no signal ${e.name}`);
      return r(v);
    }
    case 'unary':
      return r(UNARY_FNS[e.op](interpret32(e.arg, s)));
    case 'binary':
      return r(BINARY_FNS[e.op](interpret32(e.left, s), interpret32(e.right, s)));
    case 'cond':
      return COMPARE_FNS[e.op](interpret32(e.left, s), interpret32(e.right, s))
        ? interpret32(e.then, s)
        : interpret32(e.otherwise, s);
    default:
      throw new Error(`no random terms in adaptive rules (${e.kind})`);
  }
}

/** Same NaN, same infinity, or within 1e-5 relative (log10's extra rounding, and what it feeds). */
function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));
}

function usesLog10(e: Expr): boolean {
  if (e.kind === 'unary' && e.op === 'log10') return true;
  switch (e.kind) {
    case 'unary':
      return usesLog10(e.arg);
    case 'binary':
      return usesLog10(e.left) || usesLog10(e.right);
    case 'cond':
      return [e.left, e.right, e.then, e.otherwise].some(usesLog10);
    default:
      return false;
  }
}

// Elements include exact zeros of both signs (the protected divisor) and tiny
// non-zero values that must be divided by for real.
const elementArb = fc.oneof(
  fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, 2, Math.fround(1e-12), -Math.fround(1e-30), 1e-11, 1000),
  fc.integer({ min: -5, max: 1000 }),
);
const vectorArb = fc.array(elementArb, { minLength: WIDTH, maxLength: WIDTH });
const inputsArb = fc.record({
  grad: vectorArb,
  alpha: vectorArb,
  beta: vectorArb,
  sigma: vectorArb,
  lr: fc.oneof(fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.constantFrom(0.001, 0.1, 1)),
  step: fc.integer({ min: 0, max: 10_000 }),
});
type RawInputs = typeof inputsArb extends fc.Arbitrary<infer T> ? T : never;

function toTensors(raw: RawInputs): TensorInputs {
  return {
    grad: tf.tensor1d(raw.grad),
    alpha: tf.tensor1d(raw.alpha),
    beta: tf.tensor1d(raw.beta),
    sigma: tf.tensor1d(raw.sigma),
    lr: raw.lr,
    step: raw.step,
  };
}

function elementSignals(raw: RawInputs, i: number): Record<string, number> {
  const s: Record<string, number> = { lr: raw.lr, step: raw.step };
  for (const n of TENSOR_NAMES) s[n] = raw[n][i] as number;
  return s;
}

const ZEROS = new Array<number>(WIDTH).fill(0);

/** Inputs with zero states, for the hand-written cases. */
function withGrad(grad: number[], extra: Partial<RawInputs> = {}): TensorInputs {
  return toTensors({ grad, alpha: ZEROS, beta: ZEROS, sigma: ZEROS, lr: 0.1, step: 0, ...extra });
}

function disposeInputs(t: TensorInputs): void {
  tf.dispose([t.grad, t.alpha, t.beta, t.sigma]);
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('compileTensorExpr', () => {
  it('agrees element-wise with the float32 interpreter on random expressions', () => {
    const exprs = exprArb({ signals: partScope('alr', 'update') as readonly string[] });
    check(
      fc.property(exprs, inputsArb, (e, raw) => {
        const inputs = toTensors(raw);
        const out = compileTensorExpr(e)(inputs);
        const got = Array.from(out.dataSync());
        tf.dispose(out);
        disposeInputs(inputs);
        assert.deepEqual(out.shape, [WIDTH]);
        // Without log10 every kernel rounds exactly as interpret32 does, so even
        // discontinuous ops (floor, sign, comparisons) cannot flip: demand
        // identical values, zero signs included. With log10 a one-ulp difference may be amplified
        // by a later discontinuity, so only closeness is checked there.
        const exact = !usesLog10(e);
        for (let i = 0; i < WIDTH; i++) {
          const want = interpret32(e, elementSignals(raw, i));
          const g = got[i] as number;
          const ok = exact ? Object.is(g, want) : close(g, want);
          assert.ok(ok, `element ${i}: tensor ${g}, interpreter ${want}`);
        }
      }),
      300,
    );
  });

  it('mirrors the protected and NaN-sensitive cases exactly', () => {
    const x = tf.tensor1d([NaN, -0, 0, -2, 3, Infinity, -Infinity, Math.fround(1e-12)]);
    const xs = Array.from(x.dataSync());
    const cases: Array<[string, Expr]> = [
      ['sign', un('sign', sig('grad'))],
      ['div', bin('div', num(1), sig('grad'))],
      ['pow', bin('pow', sig('grad'), num(-0.5))],
      ['pow int', bin('pow', sig('grad'), num(-3))],
      ['pow inf', bin('pow', sig('grad'), num(Infinity))],
      ['pow nan', bin('pow', num(1), bin('mul', sig('grad'), num(NaN)))],
      ['log', un('log', sig('grad'))],
      ['log10', un('log10', sig('grad'))],
      ['sqrt', un('sqrt', sig('grad'))],
      ['min', bin('min', sig('grad'), num(1))],
      ['max', bin('max', num(1), sig('grad'))],
      ['floor', un('floor', sig('grad'))],
    ];
    const zeros = tf.zerosLike(x);
    for (const [name, e] of cases) {
      const out = compileTensorExpr(e)({ grad: x, alpha: zeros, beta: zeros, sigma: zeros, lr: 0.1, step: 0 });
      const got = Array.from(out.dataSync());
      out.dispose();
      xs.forEach((v, i) => {
        const want = interpret32(e, { grad: v, alpha: 0, beta: 0, sigma: 0, lr: 0.1, step: 0 });
        const g = got[i] as number;
        // log10 is ln|x| / ln 10 in float32 (see interpret32): an ulp off at worst.
        const ok =
          name === 'log10' && Number.isFinite(want) ? Math.abs(g - want) <= 2 ** -23 * Math.abs(want) : Object.is(g, want);
        assert.ok(ok, `${name}(${v}): tensor ${g}, interpreter ${want}`);
      });
    }
    tf.dispose([x, zeros]);
  });

  it('leaks no tensors, inside tf.tidy or outside it', () => {
    const text = 'alpha: 0.9 * alpha + grad; update: grad < 0 ? pow(alpha, lr) : max(log10(step), sign(grad))';
    const rule = parseRule(text, 'alr') as AlrRule;
    const inputs = withGrad([1, -2, 0, 3, 4, 5, 6], { step: 3 });
    const before = tf.memory().numTensors;
    const compiled = compileAlrRule(rule);
    const fn = compileTensorExpr(rule.update);
    assert.equal(tf.memory().numTensors, before, 'compiling allocates no tensors');

    tf.tidy(() => {
      compiled.step(inputs);
      fn(inputs);
    });
    assert.equal(tf.memory().numTensors, before, 'nothing survives a tidy that keeps nothing');

    const kept = tf.tidy(() => compiled.step(inputs));
    assert.equal(tf.memory().numTensors, before + 4, 'a tidy keeps exactly the four results');
    tf.dispose([kept.alpha, kept.beta, kept.sigma, kept.update]);

    const bare = fn(inputs);
    assert.equal(tf.memory().numTensors, before + 1, 'outside tidy only the result remains');
    bare.dispose();
    disposeInputs(inputs);
  });

  it('gives weight-shaped results, and never one of its inputs', () => {
    const inputs = withGrad([1, 2, 3, 4, 5, 6, 7], { lr: 0.5 });
    const scalarOnly = compileTensorExpr(bin('mul', sig('lr'), num(2)))(inputs);
    assert.deepEqual(scalarOnly.shape, [WIDTH]);
    assert.deepEqual(Array.from(scalarOnly.dataSync()), new Array<number>(WIDTH).fill(1));
    const same = compileTensorExpr(sig('grad'))(inputs);
    assert.notEqual(same, inputs.grad);
    tf.dispose([scalarOnly, same]);
    disposeInputs(inputs);
  });

  it('refuses random terms and unknown signals, naming them', () => {
    assert.throws(() => compileTensorExpr(bin('add', sig('grad'), noise(num(0.1)))), /random terms.*noise: noise\(0\.1\)/);
    assert.throws(() => compileTensorExpr({ kind: 'rand' }), /random terms.*rand\(\)/);
    assert.throws(() => compileTensorExpr({ kind: 'choice', options: [num(1), sig('grad')] }), /random terms.*choice\(1, grad\)/);
    assert.throws(() => compileTensorExpr(sig('epoch')), /signal "epoch" is not an input of adaptive rules/);
  });
});

describe('compileAlrRule', () => {
  const ADAM =
    'alpha: 0.9 * alpha + 0.1 * grad; beta: 0.999 * beta + 0.001 * square(grad); ' +
    'update: lr * (alpha / (1 - pow(0.9, step + 1))) / (sqrt(beta / (1 - pow(0.999, step + 1))) + 1e-7)';

  it('runs Adam written as a rule like a hand computation of Adam', () => {
    const rule = parseRule(ADAM, 'alr') as AlrRule;
    const compiled = compileAlrRule(rule);
    const grads = [
      [0.1, -0.2, 0, 3, 1e-3],
      [0.05, -0.1, 0, -3, 2e-3],
      [-0.3, 0.4, 0, 3, -1e-3],
    ];
    const n = 5;
    const lr = 0.01;
    let m = new Array<number>(n).fill(0);
    let v = new Array<number>(n).fill(0);
    let alpha = tf.zeros([n]);
    let beta = tf.zeros([n]);
    let sigma = tf.zeros([n]);
    for (let step = 0; step < grads.length; step++) {
      const g = grads[step] as number[];
      const grad = tf.tensor1d(g);
      const out = compiled.step({ grad, alpha, beta, sigma, lr, step });
      tf.dispose([grad, alpha, beta, sigma]);
      ({ alpha, beta, sigma } = out);

      const t = step + 1;
      m = m.map((mi, i) => 0.9 * mi + 0.1 * (g[i] as number));
      v = v.map((vi, i) => 0.999 * vi + 0.001 * (g[i] as number) ** 2);
      const want = m.map((mi, i) => {
        const mHat = mi / (1 - 0.9 ** t);
        const vHat = (v[i] as number) / (1 - 0.999 ** t);
        return (lr * mHat) / (Math.sqrt(vHat) + 1e-7);
      });
      const got = Array.from(out.update.dataSync());
      out.update.dispose();
      // float32 rounds 0.999 to 0.99900001, so 1 - 0.999^t is off by ~1.3e-5
      // relative; through the sqrt that is ~7e-6 of the update.
      want.forEach((w, i) => {
        const gi = got[i] as number;
        assert.ok(Math.abs(gi - w) <= 2e-5 * Math.abs(w) + 1e-12, `step ${step}, element ${i}: ${gi} vs Adam ${w}`);
      });
      assert.deepEqual(Array.from(sigma.dataSync()), new Array<number>(n).fill(0), 'sigma: sigma never changes');
    }
    tf.dispose([alpha, beta, sigma]);
  });

  it('updates the states in order, each part seeing the states already updated', () => {
    const text = 'alpha: alpha + grad; beta: beta + alpha; sigma: sigma + alpha * beta; update: alpha + beta + sigma';
    const rule = parseRule(text, 'alr') as AlrRule;
    const inputs = withGrad([1, 2, 3, 4, 5, 6, 7], { alpha: new Array<number>(WIDTH).fill(1), beta: new Array<number>(WIDTH).fill(10) });
    const out = compileAlrRule(rule).step(inputs);
    const g = [1, 2, 3, 4, 5, 6, 7];
    const a = g.map((x) => 1 + x);
    const b = a.map((x) => 10 + x);
    const s = a.map((x, i) => x * (b[i] as number));
    assert.deepEqual(Array.from(out.alpha.dataSync()), a);
    assert.deepEqual(Array.from(out.beta.dataSync()), b);
    assert.deepEqual(Array.from(out.sigma.dataSync()), s);
    assert.deepEqual(Array.from(out.update.dataSync()), a.map((x, i) => x + (b[i] as number) + (s[i] as number)));
    tf.dispose([out.alpha, out.beta, out.sigma, out.update]);
    disposeInputs(inputs);
  });

  it('agrees with the float32 interpreter over two steps of random rules', () => {
    const raw2 = fc.tuple(vectorArb, vectorArb, fc.double({ min: 1e-4, max: 1, noNaN: true }));
    check(
      fc.property(alrRuleArb({ maxDepth: 3 }), raw2, (rule, [g0, g1, lr]) => {
        const compiled = compileAlrRule(rule);
        const ref = Array.from({ length: WIDTH }, () => ({ alpha: 0, beta: 0, sigma: 0 }));
        let alpha = tf.zeros([WIDTH]);
        let beta = tf.zeros([WIDTH]);
        let sigma = tf.zeros([WIDTH]);
        const exact = ![rule.alpha, rule.beta, rule.sigma, rule.update].some(usesLog10);
        [g0, g1].forEach((g, step) => {
          const grad = tf.tensor1d(g);
          const out = compiled.step({ grad, alpha, beta, sigma, lr, step });
          tf.dispose([grad, alpha, beta, sigma]);
          ({ alpha, beta, sigma } = out);
          const got = {
            alpha: Array.from(out.alpha.dataSync()),
            beta: Array.from(out.beta.dataSync()),
            sigma: Array.from(out.sigma.dataSync()),
            update: Array.from(out.update.dataSync()),
          };
          out.update.dispose();
          for (let i = 0; i < WIDTH; i++) {
            const st = ref[i] as { alpha: number; beta: number; sigma: number };
            const s = { grad: g[i] as number, lr, step, ...st };
            s.alpha = interpret32(rule.alpha, s);
            s.beta = interpret32(rule.beta, s);
            s.sigma = interpret32(rule.sigma, s);
            const update = interpret32(rule.update, s);
            ref[i] = { alpha: s.alpha, beta: s.beta, sigma: s.sigma };
            const want = { alpha: s.alpha, beta: s.beta, sigma: s.sigma, update };
            for (const part of ['alpha', 'beta', 'sigma', 'update'] as const) {
              const gv = got[part][i] as number;
              const wv = want[part];
              const ok = exact ? Object.is(gv, wv) : close(gv, wv);
              assert.ok(ok, `step ${step} ${part}[${i}]: tensor ${gv}, interpreter ${wv}`);
            }
          }
        });
        tf.dispose([alpha, beta, sigma]);
      }),
      100,
    );
  });
});
