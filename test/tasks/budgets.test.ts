import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBudgetOverride, BudgetError, overrideKey, parseBudgetOverride } from '../../src/tasks/budgets.js';
import { getTask } from '../../src/tasks/registry.js';
import { checkJob, runJob, type EvalJob } from '../../src/evaluator/job.js';
import { ConfigError, resolveConfig } from '../../src/evolution/config.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { cli } from '../helpers/cli.js';
import { baselinesOf } from '../../src/baselines/registry.js';

test('a budget override is checked field by field, with messages that name the place', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[1], /--budgets must be an object by fidelity, e.g. \{"cheap": \{"epochs": 30\}/],
    [{ medium: { epochs: 3 } }, /--budgets: unknown fidelity "medium" \(known: cheap, full\)/],
    [{ full: 3 }, /--budgets\.full must be an object of budget fields \(epochs, batchSize, trainSamples, fitnessSamples, points\)/],
    [{ full: { epoch: 3 } }, /--budgets\.full: unknown budget field "epoch"/],
    [{ full: { epochs: 0 } }, /--budgets\.full\.epochs must be an integer from 1 to 1000000, not 0/],
    [{ cheap: { points: 2.5 } }, /--budgets\.cheap\.points must be an integer/],
    [{ cheap: { points: '200' } }, /not "200"/],
    [{ full: { epochs: 1e9 } }, /from 1 to 1000000, not 1000000000/],
  ];
  for (const [raw, message] of cases) assert.throws(() => parseBudgetOverride(raw, '--budgets'), (e: Error) => e instanceof BudgetError && message.test(e.message));
  assert.deepEqual(parseBudgetOverride({ full: { epochs: 150, points: 100 } }, 'x'), { full: { epochs: 150, points: 100 } });
});

test('an override changes only the fields it names, keeps the task name, and describes the new budget', () => {
  const pinn = applyBudgetOverride(getTask('helmholtz-1000'), { cheap: { epochs: 20 }, full: { epochs: 80, points: 100 } });
  assert.equal(pinn.name, 'helmholtz-1000');
  assert.deepEqual(pinn.budgets.cheap, { epochs: 20, batchSize: 200, points: 200, summary: '200 steps, 200 points' });
  assert.deepEqual(pinn.budgets.full, { epochs: 80, batchSize: 200, points: 100, summary: '800 steps, 100 points' });
  const mlp = applyBudgetOverride(getTask('mnist-mlp'), { full: { epochs: 3, trainSamples: 500 } });
  assert.equal(mlp.budgets.full.summary, '3 epochs × 500 samples');
  assert.deepEqual(mlp.budgets.cheap, getTask('mnist-mlp').budgets.cheap, 'the cheap budget keeps its own values');
  const same = getTask('synthetic');
  assert.equal(applyBudgetOverride(same, undefined), same);
  assert.equal(applyBudgetOverride(same, { cheap: {} }), same, 'an empty override is no override');
});

test('an override the task cannot honour is refused', () => {
  assert.throws(() => applyBudgetOverride(getTask('helmholtz-500'), { full: { trainSamples: 100 } }), /task helmholtz-500 does not read the budget field "trainSamples" \(its fields: epochs, points\)/);
  assert.throws(() => applyBudgetOverride(getTask('mnist-mlp'), { cheap: { points: 100 } }), /does not read the budget field "points"/);
  assert.throws(() => applyBudgetOverride(getTask('helmholtz-500'), { cheap: { epochs: 900 } }), /the cheap budget \(9000 steps, 200 points\) trains longer than the full one \(8000 steps/);
});

test('equal overrides give equal cache keys, whatever order their fields were written in', () => {
  assert.equal(overrideKey({ full: { points: 100, epochs: 80 }, cheap: { epochs: 20 } }), overrideKey({ cheap: { epochs: 20 }, full: { epochs: 80, points: 100 } }));
  assert.notEqual(overrideKey({ full: { epochs: 80 } }), overrideKey({ full: { epochs: 81 } }));
  assert.equal(overrideKey(undefined), '');
  assert.equal(overrideKey({ full: {} }), '');
});

test('a job carries its budgets into the worker: the run trains the overridden epochs, the same as training the changed task', async () => {
  const job: EvalJob = { ruleText: 'epoch: lr0', variant: 'dlr', optimizer: 'adam', task: 'synthetic', fidelity: 'cheap', seed: 3, splitSeed: 0, budgets: { cheap: { epochs: 1, trainSamples: 100 } } };
  const outcome = await runJob(job, 'wasm');
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.result.epochs, 1);
  assert.equal(outcome.result.steps, Math.ceil(100 / 32), 'one epoch over the 100 samples asked for');
  const plain = await runJob({ ...job, budgets: undefined } as EvalJob, 'wasm');
  assert.ok(plain.ok);
  assert.equal(plain.result.epochs, 3, 'the task keeps its own budget without an override');
  assert.match(checkJob({ ...job, budgets: { cheap: { epochs: -1 } } }) ?? '', /budgets\.cheap\.epochs must be an integer/);
  const refused = await runJob({ ...job, task: 'helmholtz-250', budgets: { cheap: { batchSize: 3 } } }, 'wasm');
  assert.deepEqual(refused.ok ? undefined : refused.reason, 'error');
  assert.match(refused.ok ? '' : refused.detail, /does not read the budget field "batchSize"/);
});

test('a campaign config takes "budgets" and refuses a malformed one, naming the field', () => {
  const config = resolveConfig({ tasks: ['synthetic'], budgets: { full: { epochs: 4 } } });
  assert.deepEqual(config.budgets, { full: { epochs: 4 } });
  assert.equal(resolveConfig({ tasks: ['synthetic'], budgets: {} }).budgets, undefined, 'an empty override is not saved');
  assert.throws(() => resolveConfig({ tasks: ['synthetic'], budgets: { full: { epochs: 'many' } } }), (e: Error) => e instanceof ConfigError && /"budgets"\.full\.epochs must be an integer/.test(e.message));
});

test('a campaign trains at its budgets, and keeps its cache apart from the same campaign at the tasks\' own budgets', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'autolr-budgets-'));
  const pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 60_000 });
  try {
    const base = { tasks: ['synthetic'], population: 3, generations: 1, seeds: ['constant'], workers: 0, backend: 'wasm', finalSeeds: 1, hallOfFame: 1 };
    await runCampaign(resolveConfig({ ...base, name: 'short', budgets: { cheap: { epochs: 1 }, full: { epochs: 2 } } }), { runsDir: runs, evaluator: pool });
    const events = readFileSync(join(runs, 'short', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const seed = events.find((e) => (e.origin as { kind: string } | undefined)?.kind === 'seed') as { cheap: { synthetic: { summary: { epochs: number } } }; full: { synthetic: { summary: { epochs: number } } } };
    assert.equal(seed.cheap.synthetic.summary.epochs, 1);
    assert.equal(seed.full.synthetic.summary.epochs, 2);
    assert.deepEqual(JSON.parse(readFileSync(join(runs, 'short', 'config.json'), 'utf8')).budgets, { cheap: { epochs: 1 }, full: { epochs: 2 } }, 'the folder records its budgets, so it resumes with them');
    await runCampaign(resolveConfig({ ...base, name: 'own' }), { runsDir: runs, evaluator: pool });
    const own = readFileSync(join(runs, 'own', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ownSeed = own.find((e) => (e.origin as { kind: string } | undefined)?.kind === 'seed') as typeof seed;
    assert.equal(ownSeed.full.synthetic.summary.epochs, 8);
  } finally {
    await pool.close();
  }
});

test('autolr baselines takes --budgets: every baseline trains the overridden epochs', async () => {
  const r = await cli('baselines', '--task', 'synthetic', '--budgets', '{"cheap": {"epochs": 1, "trainSamples": 64}}', '--workers', '0', '--backend', 'wasm', '--json');
  assert.equal(r.code, 0, r.err);
  const { baselines } = JSON.parse(r.out) as { baselines: Array<{ name: string; wallMs: number }> };
  assert.equal(baselines.length, baselinesOf('dlr').length);
  const bad = await cli('baselines', '--task', 'synthetic', '--budgets', '{"cheap": {"points": 5}}', '--backend', 'wasm');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /task synthetic does not read the budget field "points"/);
});

test('eval and evolve take --budgets; a bad one ends with exit code 2 and no campaign folder', async () => {
  const r = await cli('eval', '--rule', 'constant', '--task', 'synthetic', '--budgets', '{"cheap": {"epochs": 1}}', '--backend', 'wasm');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /run: +1 epochs, /);
  const badJson = await cli('eval', '--rule', 'constant', '--task', 'synthetic', '--budgets', '{epochs: 1}', '--backend', 'wasm');
  assert.equal(badJson.code, 2);
  assert.match(badJson.err, /--budgets is not valid JSON/);
  const unread = await cli('eval', '--rule', 'constant', '--task', 'helmholtz-250', '--budgets', '{"cheap": {"trainSamples": 10}}', '--backend', 'wasm');
  assert.equal(unread.code, 2);
  assert.match(unread.err, /helmholtz-250 does not read the budget field "trainSamples"/);
  const runs = mkdtempSync(join(tmpdir(), 'autolr-budgets-cli-'));
  const evolve = await cli('evolve', '--task', 'synthetic,helmholtz-250', '--budgets', '{"full": {"points": 10}}', '--name', 'x', '--runs', runs, '--workers', '0', '--backend', 'wasm');
  assert.equal(evolve.code, 2);
  assert.match(evolve.err, /config: task synthetic does not read the budget field "points"/);
  assert.equal(existsSync(join(runs, 'x')), false);
});
