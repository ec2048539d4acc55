import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BASELINES, baselineRule, getBaseline } from '../../src/baselines/registry.js';
import type { AlrRule, DlrRule, Rule, Variant } from '../../src/grammar/ast.js';
import { interpretAlrStep, type AlrElementState } from '../../src/grammar/interpret-alr.js';
import { parseRule } from '../../src/grammar/parser.js';
import { simplifyRule } from '../../src/grammar/simplify.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { replayTrace } from '../../src/schedule/trace.js';
import { EvaluationCache, contextKey, type CacheJSON } from '../../src/evolution/cache.js';
import {
  FINGERPRINT_VERSION,
  behaviourFingerprint,
  behaviourSignature,
  compileAlrStep,
  probeDlr,
  probeStream,
  probeTraces,
} from '../../src/evolution/fingerprint.js';
import { alrRuleArb, check, dlrRuleArb, sameValue } from '../helpers/arbitraries.js';

const fp = (text: string, variant: Variant = 'dlr'): string => behaviourFingerprint(parseRule(text, variant));
const baselineFp = (name: string, params: Record<string, unknown> = {}): string =>
  behaviourFingerprint(baselineRule(getBaseline(name), params).rule);

/** The first token where two rules' probe outputs part, to make a failure readable. */
function firstDifference(a: Rule, b: Rule): string {
  const sa = behaviourSignature(a).split(' ');
  const sb = behaviourSignature(b).split(' ');
  const i = sa.findIndex((t, k) => t !== sb[k]);
  return i < 0 ? (sa.length === sb.length ? 'none' : `lengths ${sa.length} vs ${sb.length}`) : `token ${i}: ${sa[i]} vs ${sb[i]}`;
}

function assertSame(texts: readonly string[], variant: Variant = 'dlr'): void {
  const [first, ...rest] = texts.map((t) => parseRule(t, variant));
  for (const [i, other] of rest.entries()) {
    assert.equal(behaviourFingerprint(other), behaviourFingerprint(first as Rule), `${texts[i + 1]} vs ${texts[0]}: ${firstDifference(other, first as Rule)}`);
  }
}

const ADAM_ALT =
  'alpha: 0.1 * grad + 0.9 * alpha; beta: 0.001 * (grad * grad) + 0.999 * beta; ' +
  'update: lr * alpha / (1 - 0.9 ** (step + 1)) / (sqrt(beta) / sqrt(1 - 0.999 ** (step + 1)) + 1e-8)';

test('rules that act the same share a fingerprint', () => {
  assertSame(['lr * 0.5', '0.5 * lr', 'lr / 2', 'epoch: lr * 0.5']);
  // Closed form against repeated multiplication: float64 noise only.
  assertSame(['lr0 * pow(0.95, epoch)', 'lr * 0.95']);
  // lr starts at lr0 and an epoch rule that keeps it never moves it.
  assertSame(['lr0', 'lr', 'max(lr, lr0)']);
  // Training at lr0 throughout is granularity-free: an epoch rule's first
  // epoch runs at lr0, a step rule's every step (the bounded grammars derive
  // this form; it trained bit-identically to the constant in a campaign).
  assertSame(['epoch: lr0', 'step: lr0', 'step: lr', 'step: lr0 * min(1, max(0, 3.17))']);
  assertSame(['lr0 * pow(0.5, floor(epoch / 10))', 'lr0 * pow(2, -floor(epoch / 10))', 'lr0 / pow(2, floor(epoch / 10))']);
  assertSame(['step: 0.001 + 0.005 * max(0, 1 - abs(step / 2000 - 2 * floor(1 + step / 4000) + 1))', baselineRule(getBaseline('clr_triangular'), { step_size: 2000, base_lr: 0.001 }).text]);
  assertSame(['step: lr0 * (1 + 5 * max(0, 1 - abs(step / 2000 - 2 * floor(1 + step / 4000) + 1)))', baselineRule(getBaseline('clr_triangular'), { step_size: 2000 }).text]);
  // Acceptance is what the trainer makes of it: clamped to [0, 1].
  assertSame(['step: lr * 0.999; accept: 1', 'step: lr * 0.999; accept: 2', 'step: 0.999 * lr; accept: max(1, dloss)']);
  assertSame(['epoch: lr; accept: dloss < 0 ? 1 : 0', 'epoch: lr; accept: dloss < 0 ? 5 : -1']);

  assertSame([baselineRule(getBaseline('adam')).text, ADAM_ALT], 'alr');
  // Different states, same updates.
  assertSame(['alpha: 0.9 * alpha + grad; update: lr * alpha', 'alpha: 0.9 * alpha + lr * grad; update: alpha'], 'alr');
  assertSame(['update: lr * grad', 'update: grad * lr', 'beta: beta + grad; update: lr * grad'], 'alr');
  assertSame(['update: 0.001 * sign(grad)', 'update: grad > 0 ? 0.001 : grad < 0 ? -0.001 : 0'], 'alr');
});

test('a run that would stop counts only up to the stop, by stop reason', () => {
  // Not finite: NaN and ±Infinity stop a run alike (lr-not-finite).
  assertSame(['epoch > 3 ? exp(1000) : lr * 0.9', 'epoch > 3 ? exp(1000) - exp(1000) : lr * 0.9', 'epoch > 3 ? -exp(1000) : lr * 0.9']);
  // Not positive: what comes after the stop is never seen.
  assertSame(['epoch > 3 ? -1 : lr * 0.9', 'epoch > 3 ? 0 : lr * 0.9', 'epoch > 3 ? (epoch > 5 ? 7 : -lr) : lr * 0.9']);
  assert.notEqual(fp('epoch > 3 ? 0 : lr * 0.9'), fp('epoch > 3 ? exp(1000) : lr * 0.9'));
  // Above the cap is a number: the cap belongs to the evaluation context.
  assert.notEqual(fp('epoch > 3 ? 20 : lr * 0.9'), fp('epoch > 3 ? 30 : lr * 0.9'));
  assertSame(['update: step > 3 ? exp(1000) : lr * grad', 'update: step > 3 ? (step > 5 ? 0 : exp(1000) - exp(1000)) : lr * grad'], 'alr');
});

test('rules that act differently get different fingerprints', () => {
  const pairs: Array<[string, string, Variant?]> = [
    ['lr * 0.5', 'lr * 0.51'],
    ['lr * 0.5', 'lr * 0.5000001'],
    // Only lr0 itself is granularity-free: `epoch: 0.5 * lr0` runs epoch 0 at lr0.
    ['epoch: lr0 * 0.5', 'step: lr0 * 0.5'],
    ['epoch: lr0', 'step: lr0; accept: 1'],
    ['epoch: lr0', 'epoch: lr0; accept: 1'],
    ['step: lr * 0.999', 'step: lr * 0.999; accept: 1'],
    ['epoch: lr', 'epoch: lr; accept: 1'],
    ['step: lr; accept: exp(-dloss / 0.5)', 'step: lr; accept: exp(-dloss / 0.51)'],
    ['epoch: lr; accept: exp(-dloss / 0.5)', 'epoch: lr; accept: exp(-dloss / 0.51)'],
    ['epoch: lr0 * choice(0.5, 1)', 'epoch: lr0 * choice(1, 0.5)'],
    ['lr * (loss < loss_prev ? 1.1 : 0.5)', 'lr * (loss <= loss_prev ? 1.1 : 0.5)'],
    ['lr0 * (epoch < 45 ? 1 : 0.1)', 'lr0 * (epoch < 46 ? 1 : 0.1)'],
    ['step: step < 30000 ? lr0 : lr0 / 10', 'step: step < 31000 ? lr0 : lr0 / 10'],
    ['update: lr * grad', 'update: lr * grad * 1.0000001', 'alr'],
    ['update: step > 500 ? lr * grad : 2 * lr * grad', 'update: step > 50000 ? lr * grad : 2 * lr * grad', 'alr'],
    [baselineRule(getBaseline('adam')).text, baselineRule(getBaseline('adam')).text.replaceAll('0.999', '0.998'), 'alr'],
  ];
  for (const [a, b, variant = 'dlr'] of pairs) assert.notEqual(fp(a, variant), fp(b, variant), `${a} vs ${b}`);

  assert.notEqual(baselineFp('step_decay', { every: 10 }), baselineFp('step_decay', { every: 11 }));
  assert.notEqual(baselineFp('cosine_restarts', { period: 10 }), baselineFp('cosine_restarts', { period: 11 }));
  assert.notEqual(baselineFp('exponential', { gamma: 0.95 }), baselineFp('exponential', { gamma: 0.951 }));
  for (const clr of ['clr_triangular', 'clr_triangular2', 'clr_exp_range', 'clr_modified_triangular2']) {
    assert.notEqual(baselineFp(clr, { step_size: 2000 }), baselineFp(clr, { step_size: 2001 }), clr);
  }
});

test('no two baselines share a fingerprint, and fingerprints are stable across calls', () => {
  const seen = new Map<string, string>();
  for (const b of BASELINES) {
    const { rule } = baselineRule(b);
    const f = behaviourFingerprint(rule);
    assert.match(f, /^[0-9a-f]{16}$/);
    assert.equal(behaviourFingerprint(rule), f, `${b.name} changed between calls`);
    assert.equal(behaviourFingerprint(parseRule(baselineRule(b).text, b.variant)), f, `${b.name} reparsed`);
    assert.equal(seen.get(f), undefined, `${b.name} shares ${f} with ${seen.get(f)}`);
    seen.set(f, b.name);
  }
});

test('a rule and its simplified form share a fingerprint; random rules fingerprint deterministically', () => {
  check(
    fc.property(dlrRuleArb({ random: true }), (rule) => {
      const f = behaviourFingerprint(rule);
      assert.equal(behaviourFingerprint(structuredClone(rule)), f);
      assert.equal(behaviourFingerprint(simplifyRule(rule)), f);
    }),
    150,
  );
  check(
    fc.property(alrRuleArb(), (rule) => {
      assert.equal(behaviourFingerprint(simplifyRule(rule)), behaviourFingerprint(rule));
    }),
    150,
  );
});

test('the probe replay gives what replayTrace gives, up to a stop', () => {
  check(
    fc.property(dlrRuleArb({ random: true, maxDepth: 4 }), (drawn) => {
      // replayTrace asks an epoch rule's acceptance clause nothing, so
      // compare epoch rules without one (the extra draws would shift the stream).
      const rule: DlrRule = drawn.granularity === 'epoch' ? { variant: 'dlr', granularity: 'epoch', lr: drawn.lr } : drawn;
      const outputs = probeDlr(rule);
      const traces = probeTraces(rule.granularity);
      assert.deepEqual(
        outputs.map((o) => o.probe),
        traces.map((t) => t.name),
      );
      for (const [i, { name, trace }] of traces.entries()) {
        const out = outputs[i] as (typeof outputs)[number];
        const points = replayTrace(scheduleFromRule(rule), trace, probeStream(name)).points;
        const rates = points.slice(0, out.rates.length).map((p) => p.lr);
        assert.ok(
          rates.every((r, k) => sameValue(r, out.rates[k] as number)),
          `${name}: rates differ`,
        );
        assert.equal(out.stopped, out.rates.length < points.length || !(out.rates.at(-1)! > 0 && Number.isFinite(out.rates.at(-1))));
        if (rule.accept) {
          const probabilities = points.slice(0, out.acceptance.length).map((p) => p.acceptance?.probability as number);
          assert.ok(
            probabilities.every((p, k) => sameValue(p, out.acceptance[k] as number)),
            `${name}: acceptance differs`,
          );
        }
      }
    }),
    100,
  );
});

test('the compiled adaptive step equals interpretAlrStep', () => {
  check(
    fc.property(
      alrRuleArb({ maxDepth: 4 }),
      fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(1e-3, 0.1),
      (rule: AlrRule, grads, lr) => {
        const stepper = compileAlrStep(rule);
        const compiled: AlrElementState = { alpha: 0, beta: 0, sigma: 0 };
        const reference: AlrElementState = { alpha: 0, beta: 0, sigma: 0 };
        grads.forEach((g, step) => {
          const u = stepper(compiled, g, lr, step);
          const v = interpretAlrStep(rule, reference, g, lr, step);
          assert.ok(sameValue(u, v), `update at step ${step}: ${u} vs ${v}`);
          for (const s of ['alpha', 'beta', 'sigma'] as const) assert.ok(sameValue(compiled[s], reference[s]), s);
        });
      },
    ),
    150,
  );
});

test('a fingerprint takes well under 5 ms', (t) => {
  const rules = BASELINES.map((b) => baselineRule(b).rule);
  for (const r of rules) behaviourFingerprint(r);
  const rounds = 5;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) for (const r of rules) behaviourFingerprint(r);
  const ms = (performance.now() - started) / (rounds * rules.length);
  t.diagnostic(`${ms.toFixed(3)} ms per fingerprint (mean over the ${rules.length} baselines)`);
  // Loose, so a busy machine does not fail it; the point is the order of magnitude.
  assert.ok(ms < 5, `${ms} ms per fingerprint`);
});

// ---- the evaluation cache ----

const dlr = (text: string): Rule => parseRule(text, 'dlr');
const CTX = { task: 'synthetic', fidelity: 'cheap', seed: 1, optimizer: 'adam', lr0: 0.01 };

test('cache: structure hits, behaviour hits, misses and counters', () => {
  const cache = new EvaluationCache<{ score: number }>();
  assert.equal(cache.lookup(dlr('lr * 0.5'), CTX), undefined);
  cache.store(dlr('lr * 0.5'), CTX, { score: 0.8 }, 'lr * 0.5');

  assert.deepEqual(cache.lookup(dlr('lr * 0.5'), CTX), { hit: 'structure', value: { score: 0.8 }, sourceText: 'lr * 0.5' });
  // Same structure up to spelling (commutative operands, identities).
  assert.equal(cache.lookup(dlr('0.5 * (lr * 1)'), CTX)?.hit, 'structure');
  // Another structure, same behaviour.
  assert.deepEqual(cache.lookup(dlr('lr / 2'), CTX), { hit: 'behaviour', value: { score: 0.8 }, sourceText: 'lr * 0.5' });
  // Key order and undefined values do not change the context.
  assert.equal(cache.lookup(dlr('lr / 2'), { lr0: 0.01, optimizer: 'adam', seed: 1, fidelity: 'cheap', task: 'synthetic', extra: undefined })?.hit, 'behaviour');
  // Hits never cross contexts, nor behaviours.
  assert.equal(cache.lookup(dlr('lr * 0.5'), { ...CTX, seed: 2 }), undefined);
  assert.equal(cache.lookup(dlr('lr * 0.51'), CTX), undefined);
  assert.equal(cache.lookup(parseRule('step: lr * 0.5', 'dlr'), CTX), undefined);

  assert.deepEqual(cache.stats(), { lookups: 8, structureHits: 2, behaviourHits: 2 });
  assert.equal(cache.size, 1);

  // A string context is a key as is.
  cache.store(dlr('lr0'), 'task-a|cheap|1', { score: 0.5 }, 'lr0');
  assert.equal(cache.lookup(dlr('lr'), 'task-a|cheap|1')?.sourceText, 'lr0');
  assert.equal(contextKey('task-a|cheap|1'), 'task-a|cheap|1');
  assert.equal(contextKey({ b: 1, a: 'x' }), contextKey({ a: 'x', b: 1, c: undefined }));
});

test('cache: the first rule stored with a behaviour is the one reused; a rule stored again is replaced', () => {
  const cache = new EvaluationCache<number>();
  cache.store(dlr('lr * 0.5'), CTX, 1, 'lr * 0.5');
  cache.store(dlr('lr / 2'), CTX, 2, 'lr / 2');
  assert.deepEqual(cache.lookup(dlr('lr * 0.25 * 2'), CTX), { hit: 'behaviour', value: 1, sourceText: 'lr * 0.5' });
  assert.deepEqual(cache.lookup(dlr('lr / 2'), CTX), { hit: 'structure', value: 2, sourceText: 'lr / 2' });
  cache.store(dlr('lr * 0.5'), CTX, 3, 'lr * 0.5');
  assert.equal(cache.lookup(dlr('lr * 0.25 * 2'), CTX)?.value, 3);
  assert.equal(cache.size, 2);
});

test('cache: toJSON / fromJSON round trip as plain data', () => {
  const cache = new EvaluationCache<{ score: number; curve: number[] }>();
  cache.store(dlr('lr * 0.5'), CTX, { score: 0.8, curve: [1, 2] }, 'lr * 0.5');
  cache.store(dlr('lr / 2'), CTX, { score: 0.7, curve: [3] }, 'lr / 2');
  cache.store(parseRule(baselineRule(getBaseline('adam')).text, 'alr'), 'ctx-b', { score: 0.9, curve: [] }, 'adam');
  cache.lookup(dlr('lr * 0.5'), CTX);
  cache.lookup(dlr('lr * 0.25 * 2'), CTX);

  const saved = JSON.parse(JSON.stringify(cache)) as CacheJSON<{ score: number; curve: number[] }>;
  assert.equal(saved.fingerprintVersion, FINGERPRINT_VERSION);
  const restored = EvaluationCache.fromJSON<{ score: number; curve: number[] }>(saved);
  assert.deepEqual(restored.toJSON(), cache.toJSON());
  assert.deepEqual(restored.stats(), { lookups: 2, structureHits: 1, behaviourHits: 1 });
  assert.deepEqual(restored.lookup(dlr('lr * 0.25 * 2'), CTX), { hit: 'behaviour', value: { score: 0.8, curve: [1, 2] }, sourceText: 'lr * 0.5' });
  assert.equal(restored.lookup(parseRule(ADAM_ALT, 'alr'), 'ctx-b')?.sourceText, 'adam');

  // Saved under other probes: structure hits stay, behaviour hits go.
  const stale = EvaluationCache.fromJSON({ ...saved, fingerprintVersion: FINGERPRINT_VERSION - 1 });
  assert.equal(stale.lookup(dlr('lr * 0.5'), CTX)?.hit, 'structure');
  assert.equal(stale.lookup(dlr('lr * 0.25 * 2'), CTX), undefined);

  // reviveValue sees every value.
  const revived = EvaluationCache.fromJSON(saved, (v) => (v as { score: number }).score);
  assert.equal(revived.lookup(dlr('lr / 2'), CTX)?.value, 0.7);

  for (const bad of [null, [], { ...saved, format: 'x' }, { ...saved, version: 2 }, { ...saved, entries: [{ hash: 1 }] }, { ...saved, stats: { lookups: -1 } }]) {
    assert.throws(() => EvaluationCache.fromJSON(bad), /not a saved evaluation cache/);
  }
});
