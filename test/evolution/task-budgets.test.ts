/**
 * Per-task budgets ("taskBudgets"): each task of a campaign trains with its
 * own entry over the campaign's "budgets", in the search, the re-scoring and
 * the tuning alike — an MLP and a CNN, or a PINN at two frequencies, need not
 * share one budget.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { budgetsFor, ConfigError, resolveConfig } from '../../src/evolution/config.js';
import { layerOverrides } from '../../src/tasks/budgets.js';
import { recordingEvaluator } from '../helpers/recording.js';

test('a task\'s own budget fields lie over the campaign\'s, fidelity by fidelity', () => {
  assert.deepEqual(layerOverrides({ cheap: { epochs: 1 }, full: { epochs: 10, trainSamples: 5000 } }, { full: { epochs: 3 } }), { cheap: { epochs: 1 }, full: { epochs: 3, trainSamples: 5000 } });
  assert.deepEqual(layerOverrides(undefined, { full: { epochs: 3 } }), { full: { epochs: 3 } });
  assert.deepEqual(layerOverrides({ full: { epochs: 10 } }, undefined), { full: { epochs: 10 } });
  const config = resolveConfig({
    tasks: ['mnist-mlp'],
    validation: { tasks: ['fashion-mnist-mlp', 'fashion-mnist-cnn'] },
    budgets: { full: { epochs: 10 } },
    taskBudgets: { 'fashion-mnist-cnn': { full: { epochs: 3 } } },
  });
  assert.deepEqual(budgetsFor(config, 'mnist-mlp'), { full: { epochs: 10 } });
  assert.deepEqual(budgetsFor(config, 'fashion-mnist-cnn'), { full: { epochs: 3 } });
  // A task named only in taskBudgets gets its own fields alone.
  assert.deepEqual(budgetsFor(resolveConfig({ tasks: ['synthetic'], taskBudgets: { synthetic: { cheap: { epochs: 2 } } } }), 'synthetic'), { cheap: { epochs: 2 } });
});

test('taskBudgets refuses tasks the campaign does not train on and malformed overrides, naming the field', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ taskBudgets: { 'fashion-mnist-cnn': { full: { epochs: 3 } } } }, /"taskBudgets" names "fashion-mnist-cnn", which is not one of the campaign's tasks \(mnist-mlp, fashion-mnist-mlp\)/],
    [{ taskBudgets: { 'mnist-mlp': { full: { epochz: 3 } } } }, /"taskBudgets"\."mnist-mlp"\.full: unknown budget field "epochz"/],
    [{ taskBudgets: { 'fashion-mnist-mlp': { full: { epochs: 0 } } } }, /"taskBudgets"\."fashion-mnist-mlp"\.full\.epochs must be an integer from 1/],
    [{ taskBudgets: ['mnist-mlp'] }, /"taskBudgets" must be an object of task names to budget overrides/],
  ];
  for (const [fields, message] of cases) {
    assert.throws(() => resolveConfig({ tasks: ['mnist-mlp'], validation: 'fashion-mnist-mlp', ...fields }), (e: unknown) => e instanceof ConfigError && message.test(e.message), message.source);
  }
});

let pool: EvaluatorPool;
before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

test('every run of a task carries its own budget: search, re-scoring and tuning, search and held-out tasks', async () => {
  const config = resolveConfig({
    name: 'per-task',
    tasks: ['synthetic'],
    validation: { tasks: ['helmholtz-250'] },
    budgets: { cheap: { epochs: 1 }, full: { epochs: 2 } },
    taskBudgets: { 'helmholtz-250': { full: { epochs: 3 } } },
    population: 4,
    generations: 1,
    seeds: ['constant'],
    workers: 0,
    backend: 'wasm',
    finalSeeds: 2,
    hallOfFame: 1,
    tuning: { points: 3, span: 10 },
  });
  const { evaluator: recording, runs: jobs } = recordingEvaluator(pool);
  await runCampaign(config, { runsDir: mkdtempSync(join(tmpdir(), 'autolr-task-budgets-')), evaluator: recording });
  const on = (task: string) => jobs.filter((j) => j.job.task === task);
  assert.ok(on('synthetic').length > 0 && on('helmholtz-250').length > 0);
  for (const { job, outcome } of on('synthetic')) {
    assert.deepEqual(job.budgets, { cheap: { epochs: 1 }, full: { epochs: 2 } });
    if (outcome.ok) assert.equal(outcome.result.epochs, job.fidelity === 'full' ? 2 : 1);
  }
  // The held-out PINN only runs at full fidelity (tuning and test), with its own 3 epochs.
  for (const { job, outcome } of on('helmholtz-250')) {
    assert.deepEqual(job.budgets, { cheap: { epochs: 1 }, full: { epochs: 3 } });
    assert.equal(job.fidelity, 'full');
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.detail);
    assert.equal(outcome.result.epochs, 3);
  }
});
