import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { borrowedComparison, ComparisonError, protocolDifferences, sharedTasks, tunedComparison } from '../../src/evolution/comparison.js';
import { resolveConfig } from '../../src/evolution/config.js';
import type { HallOfFameEntry, TestScores, TunedTask } from '../../src/evolution/records.js';

const scores = (values: number[], metric = 'accuracy'): TestScores => ({ mean: values.reduce((a, b) => a + b, 0) / values.length, sd: 0, values, metric });
const tuned = (lr0: number, values: number[], heldOut = false, metric = 'accuracy'): TunedTask => ({ lr0, grid: [], test: scores(values, metric), heldOut });

function entry(id: string, baseline: string | undefined, tunedTasks?: Record<string, TunedTask>): HallOfFameEntry {
  return {
    id, text: 'epoch: lr0', simplified: 'epoch: lr0', hash: id,
    origin: baseline ? { kind: 'seed', baseline } : { kind: 'random' },
    lineage: baseline ? [baseline] : [], combined: 0.9, scores: {}, generation: 1, wallMs: 1,
    ...(tunedTasks ? { tuned: tunedTasks } : {}),
  };
}

test('every tuned baseline per task, best first, each paired with the rule; search tasks before held-out ones', () => {
  const rule = entry('g5-1', undefined, { held: tuned(0.01, [0.80, 0.70, 0.90], true), search: tuned(0.003, [0.92, 0.925, 0.93]) });
  const rex = entry('g0-1', 'rex', { search: tuned(0.001, [0.90, 0.905, 0.91]), held: tuned(0.003, [0.81, 0.71, 0.89], true) });
  const constant = entry('g0-2', 'constant', { search: tuned(0.03, [0.5, 0.5, 0.5]), held: tuned(0.1, [0.1, 0.1, 0.1], true) });
  const untuned = entry('g0-3', 'cosine');
  const [search, held] = tunedComparison(rule, [constant, untuned, rex]);
  assert.equal(search?.task, 'search');
  assert.equal(search?.heldOut, false);
  assert.deepEqual(search?.rows.map((r) => [r.name, r.evolved, r.lr0]), [['g5-1', true, 0.003], ['rex', false, 0.001], ['constant', false, 0.03]]);
  assert.equal(search?.bestBaseline, 'rex');
  assert.equal(search?.rows[0]?.paired, undefined, 'the rule is not compared with itself');
  assert.equal(search?.rows[1]?.paired?.verdict, 'better');
  assert.ok(Math.abs((search?.rows[1]?.paired?.meanDiff ?? 0) - 0.02) < 1e-12);
  assert.equal(search?.rows[1]?.paired?.wins, 3);
  assert.equal(held?.task, 'held');
  assert.equal(held?.heldOut, true);
  assert.equal(held?.rows[1]?.paired?.verdict, 'no detectable difference');
});

test('a rate chosen at an end of its grid is marked: the best rate may lie beyond it', () => {
  const grid = (lr0: number): TunedTask => ({ lr0, grid: [0.001, 0.01, 0.1].map((r) => ({ lr0: r, score: 0.5 })), test: scores([0.9, 0.91]), heldOut: false });
  const rule = entry('g1-1', undefined, { a: grid(0.01) });
  const [a] = tunedComparison(rule, [entry('g0-1', 'sgd', { a: grid(0.1) }), entry('g0-2', 'adam', { a: grid(0.001) })]);
  assert.deepEqual(a?.rows.map((r) => [r.name, r.atEdge]), [['g1-1', undefined], ['adam', 'lowest'], ['sgd', 'highest']]);
  // A single-point grid has no edge to speak of.
  const single = entry('g0-3', 'rex', { a: { lr0: 0.01, grid: [{ lr0: 0.01, score: 0.5 }], test: scores([0.9, 0.91]), heldOut: false } });
  assert.equal(tunedComparison(rule, [single])[0]?.rows[1]?.atEdge, undefined);
});

test('errors rank lower-first; a baseline none of whose runs finished goes last and is never the best', () => {
  const err = (lr0: number, values: number[]): TunedTask => tuned(lr0, values, false, 'relative_error');
  const rule = entry('g2-4', undefined, { pinn: err(0.001, [0.01, 0.012, 0.011]) });
  const cosine = entry('g0-1', 'cosine', { pinn: err(0.001, [0.05, 0.051, 0.049]) });
  const adam = entry('g0-2', 'constant', { pinn: err(0.003, [0.02, 0.021, 0.019]) });
  const dead = entry('g0-3', 'exponential', { pinn: { lr0: 0.1, grid: [], heldOut: false, test: { mean: NaN, sd: NaN, values: [NaN, NaN, NaN], metric: 'relative_error' } } });
  const [pinn] = tunedComparison(rule, [dead, cosine, adam]);
  assert.deepEqual(pinn?.rows.map((r) => r.name), ['g2-4', 'constant', 'cosine', 'exponential']);
  assert.equal(pinn?.bestBaseline, 'constant');
  assert.equal(pinn?.rows[1]?.paired?.verdict, 'better');
});

test('an untuned rule or no tuned baseline is refused, saying why', () => {
  assert.throws(() => tunedComparison(entry('g1-1', undefined), [entry('g0-1', 'rex', { a: tuned(0.1, [1]) })]), (e: unknown) => e instanceof ComparisonError && /g1-1 was not tuned/.test(e.message));
  assert.throws(() => tunedComparison(entry('g1-1', undefined, { a: tuned(0.1, [1]) }), [entry('g0-1', 'rex')]), /no baseline was tuned: .*--baselines-from/);
});

test('baselines from another campaign stand beside a rule only under the same protocol, on the tasks both trained alike', () => {
  const a = resolveConfig({ name: 'a', tasks: ['mnist-mlp'], validation: { tasks: ['fashion-mnist-mlp'] }, seed: 1, seeds: 'none', budgets: { full: { epochs: 10 } } });
  // What the search does may differ (seeds, population, generations, workers); how runs train and test may not.
  const b = resolveConfig({
    name: 'b', tasks: ['mnist-mlp'], validation: { tasks: ['fashion-mnist-mlp', 'fashion-mnist-cnn'] }, seed: 1, seeds: 'all', population: 24, generations: 3, workers: 1,
    budgets: { full: { epochs: 10 } }, taskBudgets: { 'fashion-mnist-cnn': { full: { epochs: 3 } } },
  });
  assert.deepEqual(protocolDifferences(a, b), []);
  assert.deepEqual(sharedTasks(a, b), ['mnist-mlp', 'fashion-mnist-mlp']);
  // A task searched in one campaign and held out in the other tunes and tests alike.
  assert.deepEqual(sharedTasks(resolveConfig({ tasks: ['fashion-mnist-mlp'], budgets: { full: { epochs: 10 } } }), b), ['fashion-mnist-mlp']);
  // Another budget on a task leaves it out; another seed, optimizer or grid pairs nothing.
  assert.deepEqual(sharedTasks(a, resolveConfig({ tasks: ['mnist-mlp'], validation: 'fashion-mnist-mlp', taskBudgets: { 'fashion-mnist-mlp': { full: { epochs: 10 } } } })), ['fashion-mnist-mlp']);
  const c = resolveConfig({ name: 'c', tasks: ['mnist-mlp'], seed: 2, optimizer: 'sgd', tuning: { points: 5, span: 10 } });
  assert.deepEqual(protocolDifferences(a, c).map((d) => d.split(':')[0]), ['optimizer', 'seed', 'tuning']);
  // A campaign tuned on its held-out tasks alone shares only those: its search task has no tuned runs.
  const heldOutOnly = resolveConfig({ name: 'h', tasks: ['mnist-mlp'], validation: { tasks: ['fashion-mnist-mlp'] }, seed: 1, budgets: { full: { epochs: 10 } }, tuning: { tasks: 'held-out' } });
  assert.deepEqual(protocolDifferences(heldOutOnly, b), []);
  assert.deepEqual(sharedTasks(heldOutOnly, b), ['fashion-mnist-mlp']);
  assert.deepEqual(sharedTasks(b, heldOutOnly), ['fashion-mnist-mlp']);
  // Tuning and test runs are full-fidelity only: a cheap budget that differs leaves the task shared.
  const cheaper = resolveConfig({ name: 'd', tasks: ['mnist-mlp'], validation: { tasks: ['fashion-mnist-mlp'] }, seed: 1, budgets: { cheap: { epochs: 4 }, full: { epochs: 10 } } });
  assert.deepEqual(sharedTasks(cheaper, b), ['mnist-mlp', 'fashion-mnist-mlp']);
  assert.deepEqual(sharedTasks(resolveConfig({ tasks: ['mnist-mlp'], seed: 1, budgets: { cheap: { epochs: 4 } } }), resolveConfig({ tasks: ['mnist-mlp'], seed: 1 })), ['mnist-mlp']);
});

test('borrowed baselines stand on the tasks both tuned; on the rest the campaign\'s own tuned baselines do, marked, and tasks with neither are left out', () => {
  // The rule's campaign searched on two budgets (mlp, cnn) and held out fmnist; the other campaign tuned mlp and fmnist only.
  const rule = entry('g2-42', undefined, { fmnist: tuned(0.003, [0.86, 0.861], true), mlp: tuned(0.01, [0.963, 0.964]), cnn: tuned(0.01, [0.981, 0.98]), extra: tuned(0.01, [0.5, 0.5], true) });
  const own = [entry('g0-5', 'linear_decay', { mlp: tuned(0.01, [0.962, 0.963]), cnn: tuned(0.01, [0.982, 0.981]), fmnist: tuned(0.003, [0.86, 0.86], true) })];
  const borrowed = [
    entry('g0-1', 'rex', { mlp: tuned(0.01, [0.962, 0.962]), fmnist: tuned(0.003, [0.861, 0.862], true) }),
    entry('g0-2', 'cosine', { mlp: tuned(0.01, [0.96, 0.961]), fmnist: tuned(0.003, [0.859, 0.86], true) }),
  ];
  const { tasks, leftOut } = borrowedComparison(rule, own, borrowed, ['mlp', 'fmnist']);
  assert.deepEqual(tasks.map((t) => [t.task, t.ownBaselinesOnly ?? false]), [['mlp', false], ['cnn', true], ['fmnist', false]], 'search tasks first, each group in the campaign\'s order');
  assert.deepEqual(tasks[0]?.rows.slice(1).map((r) => r.name), ['rex', 'cosine'], 'the borrowed baselines, not the campaign\'s own, on a shared task');
  assert.deepEqual(tasks[1]?.rows.map((r) => r.name), ['g2-42', 'linear_decay']);
  assert.equal(tasks[1]?.bestBaseline, 'linear_decay');
  assert.deepEqual(leftOut, ['extra'], 'no campaign tuned a baseline there');
  // A campaign without seeds has no baselines of its own: only the shared tasks remain.
  const bare = borrowedComparison(rule, [], borrowed, ['mlp', 'fmnist']);
  assert.deepEqual(bare.tasks.map((t) => t.task), ['mlp', 'fmnist']);
  assert.deepEqual(bare.leftOut, ['cnn', 'extra']);
});
