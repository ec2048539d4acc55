/**
 * Seeding a bounded grammar: dlr-shape derives only lr0 · min(1, max(0, f)),
 * so the decaying baselines enter it in their bounded form, which must give
 * exactly their hand-coded rates; alr-shape derives only lr · min(1,
 * max(-1, d)), so the optimizers that scale with lr enter it with each
 * weight's step capped at lr. The baselines that are not a rate times a
 * factor are refused with both reasons.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { getBaseline, baselineRule, baselinesOf } from '../../src/baselines/registry.js';
import type { DlrBaseline } from '../../src/baselines/types.js';
import { loadGrammar } from '../../src/grammar/bnf.js';
import { parseRule } from '../../src/grammar/parser.js';
import { printRule } from '../../src/grammar/printer.js';
import type { Individual } from '../../src/evolution/individual.js';
import { ruleName, type HallOfFameEntry } from '../../src/evolution/records.js';
import { boundedForm, isBoundedText } from '../../src/grammar/bounded.js';
import { seedIndividuals, SeedingError } from '../../src/evolution/seeding.js';
import { interpretAlrStep } from '../../src/grammar/interpret-alr.js';
import { Stream } from '../../src/random/stream.js';
import { referenceTrace } from '../../src/schedule/scale.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { replayTrace } from '../../src/schedule/trace.js';

const SHAPES = ['constant', 'step_decay', 'exponential', 'cosine', 'cosine_restarts', 'linear_decay', 'rex', 'one_cycle', 'warmup_cosine'];

test('dlr-shape takes every decaying baseline in its bounded form, and each seed gives its baseline\'s hand-coded rates', () => {
  const g = loadGrammar('dlr-shape', 'dlr');
  const seeds = seedIndividuals(g, 'dlr', SHAPES, new Stream('s'));
  assert.deepEqual(seeds.map((s) => s.id), SHAPES.map((name) => `seed-${name}`));
  for (const seed of seeds) {
    const baseline = getBaseline(seed.id.slice('seed-'.length)) as DlrBaseline;
    const rule = parseRule(seed.text, 'dlr');
    assert.equal(rule.variant, 'dlr');
    if (rule.variant !== 'dlr') continue;
    assert.match(seed.text, /^(epoch|step): lr0 \* min\(1, max\(0, /, seed.id);
    const { params } = baselineRule(baseline);
    for (const lr0 of [1e-3, 0.1]) {
      const trace = referenceTrace(rule.granularity, lr0);
      const seeded: number[] = replayTrace(scheduleFromRule(rule), trace, new Stream('r')).points.map((p) => p.lr);
      const hand: number[] = replayTrace(baseline.handCoded(params), trace, new Stream('r')).points.map((p) => p.lr);
      assert.equal(seeded.length, hand.length);
      seeded.forEach((rate, i) => assert.ok(Math.abs(rate - (hand[i] as number)) <= 1e-12 * lr0, `${seed.id} at record ${i}: ${rate} against ${hand[i]}`));
      // The shapes decay or warm up, so the clip must not be what makes them agree.
      assert.ok(hand.every((r) => r >= 0 && r <= lr0 * (1 + 1e-12)), `${seed.id} stays within [0, lr0]`);
    }
  }
});

test('a rule the grammar derives as written is seeded as written (the bounded form is only a fallback)', () => {
  const relative = loadGrammar('dlr-relative', 'dlr');
  const [seed] = seedIndividuals(relative, 'dlr', ['linear_decay'], new Stream('s'));
  assert.equal(seed?.text, baselineRule(getBaseline('linear_decay')).text);
});

test('the baselines that are not lr0 times a factor cannot seed dlr-shape, and the error gives both reasons', () => {
  const g = loadGrammar('dlr-shape', 'dlr');
  const others = baselinesOf('dlr').map((b) => b.name).filter((name) => !SHAPES.includes(name));
  assert.deepEqual(others, ['dlrs', 'aldvi', 'sgd_sa', 'clr_triangular', 'clr_triangular2', 'clr_exp_range', 'clr_modified_triangular2']);
  for (const name of others) {
    assert.throws(() => seedIndividuals(g, 'dlr', [name], new Stream('s')), (err: unknown) => {
      assert.ok(err instanceof SeedingError, name);
      assert.match(err.message, new RegExp(`the baseline "${name}" cannot be seeded: ".*" cannot be derived by the grammar dlr-shape`));
      return true;
    });
  }
});

test('boundedForm reads lr0 off products and quotients only', () => {
  const form = (text: string): string | undefined => {
    const bounded = boundedForm(parseRule(text, text.startsWith('update') ? 'alr' : 'dlr'));
    return bounded && printRule(bounded);
  };
  assert.equal(form('epoch: lr0'), 'epoch: lr0 * min(1, max(0, 1))');
  assert.equal(form('epoch: 0.5 * lr0 * (1 + cos(epoch))'), 'epoch: lr0 * min(1, max(0, 0.5 * (1 + cos(epoch))))');
  assert.equal(form('step: lr0 * (1 - step / 100) / (0.5 + 0.5 * (1 - step / 100))'), 'step: lr0 * min(1, max(0, (1 - step / 100) / (0.5 + 0.5 * (1 - step / 100))))');
  assert.equal(form('epoch: (1 - epoch / epochs) * lr0'), 'epoch: lr0 * min(1, max(0, 1 - epoch / epochs))');
  assert.equal(form('epoch: lr0 + 0.1'), undefined);
  assert.equal(form('epoch: lr * 0.9'), undefined);
  assert.equal(form('epoch: 0.1 / lr0'), undefined);
  assert.equal(form('step: lr0; accept: 0.5'), undefined);
  assert.equal(form('update: lr * grad'), 'update: lr * min(1, max(-1, grad))');
  assert.equal(form('update: 0.001 * sign(grad)'), undefined);
  assert.equal(form('update: -alpha'), undefined);
});

const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop', 'adagrad'];

/** One weight's updates under a rule over 300 noisy, shrinking gradients (as scale.ts's reference). */
function updates(text: string, lr: number): number[] {
  const rule = parseRule(text, 'alr');
  if (rule.variant !== 'alr') throw new Error('not an adaptive rule');
  const grads = new Stream('test:gradients');
  const state = { alpha: 0, beta: 0, sigma: 0 };
  return Array.from({ length: 300 }, (_, step) => interpretAlrStep(rule, state, (2 * Math.exp(-step / 100) + 0.01) * (grads.uniform() - 0.3), lr, step));
}

test('alr-shape takes every optimizer that scales with lr, each with every weight\'s step capped at lr', () => {
  const g = loadGrammar('alr-shape', 'alr');
  const seeds = seedIndividuals(g, 'alr', OPTIMIZERS, new Stream('s'));
  assert.deepEqual(seeds.map((s) => s.id), OPTIMIZERS.map((name) => `seed-${name}`));
  const lr = 0.01;
  const capped: Record<string, number> = {};
  for (const seed of seeds) {
    assert.match(seed.text, /update: lr \* min\(1, max\(-1, /, seed.id);
    const name = seed.id.slice('seed-'.length);
    const original = updates(baselineRule(getBaseline(name)).text, lr);
    const bounded = updates(seed.text, lr);
    bounded.forEach((u, i) => {
      const want = Math.min(lr, Math.max(-lr, original[i] as number));
      assert.ok(Math.abs(u - want) <= 1e-12 * lr, `${name} at step ${i}: ${u} against ${want}`);
    });
    capped[name] = original.filter((u) => Math.abs(u) > lr).length;
  }
  // Adagrad's direction never exceeds 1; RMSprop's does at its first steps (|g| / √(0.1·g²) ≈ 3.2).
  assert.equal(capped.adagrad, 0);
  assert.ok((capped.rmsprop ?? 0) > 0);
});

test('ADES and Sign ignore lr and cannot seed alr-shape', () => {
  const g = loadGrammar('alr-shape', 'alr');
  for (const name of ['ades', 'sign']) {
    assert.throws(() => seedIndividuals(g, 'alr', [name], new Stream('s')), new RegExp(`the baseline "${name}" cannot be seeded: ".*" cannot be derived by the grammar alr-shape`));
  }
});

test('tables name a seed in bounded form "NAME (bounded)", read from its text alone, so none passes for its baseline', () => {
  const shape = seedIndividuals(loadGrammar('dlr-shape', 'dlr'), 'dlr', ['cosine'], new Stream('s'));
  const capped = seedIndividuals(loadGrammar('alr-shape', 'alr'), 'alr', ['adam'], new Stream('s'));
  const asWritten = seedIndividuals(loadGrammar('dlr-relative', 'dlr'), 'dlr', ['cosine'], new Stream('s'));
  const entry = (s: { id: string; text: string; origin: HallOfFameEntry['origin'] }): HallOfFameEntry => ({
    id: s.id, text: s.text, simplified: s.text, hash: s.id, origin: s.origin, lineage: [], combined: 0, scores: {}, generation: 0, wallMs: 0,
  });
  assert.equal(ruleName(entry(shape[0] as Individual)), 'cosine (bounded)');
  assert.equal(ruleName(entry(capped[0] as Individual)), 'adam (bounded)');
  assert.equal(ruleName(entry(asWritten[0] as Individual)), 'cosine');
  // Evolved rules keep their ids whatever their form; text that does not parse is not bounded.
  assert.equal(ruleName({ ...entry(shape[0] as Individual), origin: { kind: 'random' } }), 'seed-cosine');
  assert.equal(isBoundedText('step: lr0 * min(1, max(0, '), false);
  assert.equal(isBoundedText('step: lr0 * min(1, max(0.1, 1 - step / 10))'), false);
  assert.equal(isBoundedText('update: lr * min(1, max(-1, grad))'), true);
});
