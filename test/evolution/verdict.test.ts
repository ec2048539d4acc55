import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { HallOfFameEntry, TestScores, TunedTask } from '../../src/evolution/records.js';
import { campaignVerdict, discoveryVerdict } from '../../src/evolution/verdict.js';

const scores = (values: number[], metric = 'accuracy'): TestScores => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: 0, values, metric };
};
const tuned = (values: number[], heldOut = false, metric = 'accuracy'): TunedTask => ({ lr0: 0.003, grid: [], test: scores(values, metric), heldOut });

function entry(id: string, baseline: string | undefined, test: Record<string, TestScores>, tunedTasks?: Record<string, TunedTask>): HallOfFameEntry {
  return {
    id,
    text: 'epoch: lr0',
    simplified: 'epoch: lr0',
    hash: id,
    origin: baseline ? { kind: 'seed', baseline } : { kind: 'random' },
    lineage: baseline ? [baseline] : [],
    combined: 0.9,
    scores: {},
    generation: 1,
    wallMs: 1,
    test,
    ...(tunedTasks ? { tuned: tunedTasks } : {}),
  };
}

test('tuned: the rule against the best tuned baseline per task, held-out tasks named, the interval decides', () => {
  const rule = entry('g5-1', undefined, { a: scores([0.5, 0.5, 0.5]) }, { a: tuned([0.92, 0.925, 0.93]), b: tuned([0.80, 0.70, 0.90], true) });
  const strong = entry('g0-1', 'rex', { a: scores([0.6, 0.6, 0.6]) }, { a: tuned([0.90, 0.905, 0.91]), b: tuned([0.81, 0.71, 0.89], true) });
  const weak = entry('g0-2', 'constant', { a: scores([0.95, 0.95, 0.95]) }, { a: tuned([0.5, 0.5, 0.5]), b: tuned([0.1, 0.1, 0.1], true) });
  const v = discoveryVerdict(rule, [weak, strong]);
  assert.equal(v.tuned, true);
  // Compared with the best tuned baseline (rex), not the best untuned one (constant).
  assert.deepEqual(v.tasks.map((t) => [t.task, t.baseline, t.heldOut, t.comparison.verdict]), [
    ['a', 'rex', false, 'better'],
    ['b', 'rex', true, 'no detectable difference'],
  ]);
  assert.match(v.headline, /^Evolution's best rule, g5-1, at its tuned lr0, beat the best tuned baseline on 1 of 2 tasks \(a: \+0\.0200 \[\+0\.0200, \+0\.0200\] test accuracy vs rex\); no detectable difference on b \(held out\): /);
  assert.doesNotMatch(v.headline, /rates as searched/);
  assert.doesNotMatch(v.headline, /end of the lr0 grid/, 'grids of no points have no edge');
  assert.doesNotMatch(v.headline, /were tuned/, 'every seeded baseline was tuned');
});

test('a campaign that tuned only its best seed says so: one tuned baseline is not the bar', () => {
  // "rescoreBaselines": "best": the other seeds keep their search scores only.
  const rule = entry('g4-49', undefined, {}, { a: tuned([0.32, 0.31, 0.33], true) });
  const rex = entry('g0-3', 'rex', {}, { a: tuned([0.30, 0.29, 0.31], true) });
  const untuned = ['constant', 'cosine', 'linear_decay'].map((name, i) => entry(`g0-${i}`, name, { a: scores([0.2, 0.2, 0.2]) }));
  const v = discoveryVerdict(rule, [...untuned, rex]);
  assert.match(v.headline, /^Evolution's best rule, g4-49, at its tuned lr0, beat the best of its 1 tuned baseline on 1 of 1 task \(a \(held out\): .* vs rex\)\./);
  assert.match(v.headline, /Only 1 of the 4 seeded baselines was tuned \("rescoreBaselines": "best"\), so this is not the discovery bar: .*autolr compare --baselines-from/);
});

test('a compared rule tuned to an end of its grid is named in the verdict: its best rate may lie beyond', () => {
  const onGrid = (values: number[], lr0: number, heldOut = false): TunedTask => ({ ...tuned(values, heldOut), lr0, grid: [0.001, 0.003, 0.01].map((r) => ({ lr0: r, score: 0.5 })) });
  const rule = entry('g5-1', undefined, {}, { a: onGrid([0.92, 0.925, 0.93], 0.01), b: onGrid([0.8, 0.8, 0.8], 0.003, true) });
  const rex = entry('g0-1', 'rex', {}, { a: onGrid([0.90, 0.905, 0.91], 0.003), b: onGrid([0.81, 0.81, 0.81], 0.001, true) });
  const constant = entry('g0-2', 'constant', {}, { a: onGrid([0.5, 0.5, 0.5], 0.001), b: onGrid([0.1, 0.1, 0.1], 0.001, true) });
  const v = discoveryVerdict(rule, [constant, rex]);
  assert.deepEqual(v.tasks.map((t) => t.atGridEdge), [[{ rule: 'g5-1', edge: 'highest' }], [{ rule: 'rex', edge: 'lowest' }]]);
  // Only the two rules compared are named: the constant, not the best baseline anywhere, is left out.
  assert.match(v.headline, / Tuned to an end of the lr0 grid, so perhaps not at their best: g5-1 on a \(highest\), rex on b \(lowest\)\. Differences are paired/);
});

test('untuned campaigns say so; errors win when lower; no rule or no baseline is said plainly', () => {
  const err = (values: number[]): TestScores => scores(values, 'relative_error');
  const rule = entry('g2-4', undefined, { pinn: err([0.01, 0.012, 0.011]) });
  const base = entry('g0-1', 'cosine', { pinn: err([0.05, 0.051, 0.049]) });
  const v = discoveryVerdict(rule, [base]);
  assert.equal(v.tuned, false);
  assert.equal(v.tasks[0]?.comparison.verdict, 'better');
  assert.match(v.headline, /beat the best baseline on 1 of 1 task .*rates as searched: this campaign did not tune lr0/);
  assert.match(discoveryVerdict(undefined, [base]).headline, /^No evolved rule reached full fidelity/);
  assert.match(discoveryVerdict(rule, []).headline, /has no re-scored baseline/);
  assert.equal(discoveryVerdict(entry('g1-1', undefined, { pinn: err([0.2, 0.3, 0.25]) }), [base]).tasks[0]?.comparison.verdict, 'worse');
});

test('campaigns that predate recording the best evolved rule use the best non-seed rule of the hall of fame', () => {
  const seed = entry('g0-1', 'cosine', { a: scores([0.9, 0.9]) });
  const evolved = entry('g3-3', undefined, { a: scores([0.8, 0.85]) });
  assert.match(campaignVerdict({ bestEvolved: null, hallOfFame: [seed, evolved], baselines: [seed] }).headline, /g3-3/);
});

test('a rule that reads a signal its tasks compute from an oracle is named in the verdict, with the tasks', () => {
  const onPinn = (text: string): HallOfFameEntry => ({
    ...entry('g2-33', undefined, { 'helmholtz-500': scores([0.02, 0.03], 'relative_error') }),
    text,
    scores: { 'helmholtz-250': 4.6 },
  });
  const baseline = entry('g0-1', 'cosine', { 'helmholtz-500': scores([0.03, 0.04], 'relative_error') });
  const reads = discoveryVerdict(onPinn('step: lr0 * (1 - step / (epochs * steps_per_epoch)) / (0.5 + acc)'), [baseline]);
  assert.deepEqual(reads.oracle, [{ signals: ['acc'], tasks: ['helmholtz-250', 'helmholtz-500'], source: 'the exact solution (acc is 1 − the relative L2 error against it)' }]);
  assert.match(reads.headline, / g2-33 reads acc, which on helmholtz-250, helmholtz-500 is computed from the exact solution \(acc is 1 − the relative L2 error against it\): a rule that reads it cannot run where that is unknown\.$/);
  // The loss is the PINN's own residual, which its users have; a dead read does not count.
  const clean = discoveryVerdict(onPinn('step: lr0 * (1 > 2 ? acc : 1 - step / (epochs * steps_per_epoch)) / (0.5 + loss)'), [baseline]);
  assert.deepEqual(clean.oracle, []);
  assert.doesNotMatch(clean.headline, /oracle|exact solution/);
  // On an image task acc is the training accuracy: no note.
  const image = discoveryVerdict({ ...onPinn('epoch: lr0 * acc'), scores: { 'mnist-mlp': 0.96 }, test: { 'mnist-mlp': scores([0.9, 0.91]) } }, [entry('g0-1', 'cosine', { 'mnist-mlp': scores([0.9, 0.9]) })]);
  assert.deepEqual(image.oracle, []);
});
