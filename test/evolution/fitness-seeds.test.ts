/**
 * Full-fidelity fitness over several seeds: `fitnessSeeds` for every rule,
 * and never fewer than `randomFitnessSeeds` for a rule that draws random
 * numbers, averaged into one outcome that the cache keeps.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { resolveConfig } from '../../src/evolution/config.js';
import { CampaignStore } from '../../src/evolution/store.js';
import { isRandom, ruleParts } from '../../src/grammar/ast.js';
import { parseRule } from '../../src/grammar/parser.js';
import { recordingEvaluator } from '../helpers/recording.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-fitness-seeds-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

test('random rules are scored on at least two seeds, others on fitnessSeeds; the fitness is the mean of those runs', async () => {
  const { evaluator: recording, runs: jobs } = recordingEvaluator(pool);
  const config = resolveConfig({ name: 'seeds', tasks: ['synthetic'], population: 4, generations: 1, seeds: ['constant', 'sgd_sa'], workers: 0, backend: 'wasm', multiFidelity: false, finalSeeds: 0, tuning: false });
  assert.equal(config.fitnessSeeds, 1);
  assert.equal(config.randomFitnessSeeds, 2);
  await runCampaign(config, { runsDir: runs, evaluator: recording });
  const events = readFileSync(join(runs, 'seeds', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; rule?: string; full?: Record<string, { score: number }> });
  const evaluated = events.filter((e) => e.type === 'evaluation');
  assert.ok(evaluated.some((e) => ruleParts(parseRule(e.rule as string, 'dlr')).some(([, x]) => isRandom(x))), 'SGD-SA draws random numbers');
  for (const e of evaluated) {
    const random = ruleParts(parseRule(e.rule as string, 'dlr')).some(([, x]) => isRandom(x));
    const mine = jobs.filter((j) => j.job.ruleText === e.rule);
    assert.deepEqual(mine.map((j) => j.job.seed), random ? [config.seed, config.seed + 7919] : [config.seed], e.rule);
    const scores = mine.map((j) => (j.outcome.ok ? j.outcome.result.score : 0));
    assert.ok(Math.abs((e.full?.synthetic?.score as number) - scores.reduce((a, b) => a + b, 0) / scores.length) < 1e-12, 'the mean of the runs');
  }
});

test('fitnessSeeds applies to every rule; saved configs that predate the protocol resume as they ran', () => {
  const c = resolveConfig({ tasks: ['synthetic'], fitnessSeeds: 3 });
  assert.equal(c.fitnessSeeds, 3);
  assert.throws(() => resolveConfig({ tasks: ['synthetic'], fitnessSeeds: 0 }), /"fitnessSeeds" must be an integer from 1 to 20/);
  // A published folder's config.json has none of the new fields: one seed, the mean of ratios, no tuning.
  const old = new CampaignStore(join(import.meta.dirname, '..', '..', 'examples', 'runs', 'dlr-helmholtz-4f')).config();
  assert.deepEqual([old.fitnessSeeds, old.randomFitnessSeeds, old.aggregate, old.tuning, old.grammar], [1, 1, 'mean', false, 'dlr']);
  // A new one gets the protocol's defaults.
  const fresh = resolveConfig({ tasks: ['synthetic'] });
  assert.deepEqual([fresh.fitnessSeeds, fresh.randomFitnessSeeds, fresh.aggregate, fresh.tuning, fresh.grammar, fresh.finalSeeds], [1, 2, 'geomean', { points: 7, span: 30 }, 'dlr-relative', 5]);
});
