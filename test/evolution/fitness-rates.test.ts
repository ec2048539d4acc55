/**
 * Full-fidelity fitness at the best of several starting rates
 * ("fitnessRates"): each full-fidelity candidate trains at every rate of a
 * small log grid around the task's lr0, and its fitness is the run with the
 * best validation score, chosen as equal tuning chooses. Selection then
 * compares rules each near its own best step size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { campaignCost } from '../../src/cli/campaign-cost.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { loadLatestCheckpoint } from '../../src/evolution/checkpoint.js';
import { ConfigError, resolveConfig, type CampaignConfig } from '../../src/evolution/config.js';
import type { TaskOutcome } from '../../src/evolution/records.js';
import { startingRate } from '../../src/evolution/scorer.js';
import { pickTuned, tuningGrid } from '../../src/evolution/tuning.js';
import { recordingEvaluator } from '../helpers/recording.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-fitness-rates-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

/** One generation on the synthetic task, in process, without re-scoring or tuning: only the search's runs are recorded. */
function tinyCampaign(name: string, fields: Record<string, unknown>): CampaignConfig {
  return resolveConfig({ name, tasks: ['synthetic'], budgets: { cheap: { epochs: 1 }, full: { epochs: 2 } }, generations: 1, workers: 0, backend: 'wasm', finalSeeds: 0, tuning: false, ...fields });
}

test('"fitnessRates" is {points: odd n ≥ 3, span > 1}; absent or false means one rate and leaves the config as it was', () => {
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: { points: 5, span: 30 } }).fitnessRates, { points: 5, span: 30 });
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: {} }).fitnessRates, { points: 3, span: 10 });
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: { cheap: true } }).fitnessRates, { points: 3, span: 10, cheap: true });
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: { cheap: false } }).fitnessRates, { points: 3, span: 10 });
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: { centre: 3 } }).fitnessRates, { points: 3, span: 10, centre: 3 });
  assert.deepEqual(resolveConfig({ tasks: ['synthetic'], fitnessRates: { centre: 1 } }).fitnessRates, { points: 3, span: 10 });
  for (const off of [undefined, false]) assert.equal('fitnessRates' in resolveConfig({ tasks: ['synthetic'], fitnessRates: off }), false);
  const refused: Array<[unknown, RegExp]> = [
    [{ points: 4 }, /"fitnessRates.points" must be odd/],
    [{ points: 1 }, /"points" must be an integer from 3 to 99, not 1/],
    [{ span: 1 }, /"span" must be a number above 1/],
    [{ rates: 3 }, /unknown field "fitnessRates.rates" \(known: points, span, cheap, centre\)/],
    [{ centre: 0 }, /"centre" must be a number above 0/],
    [{ centre: '3' }, /"centre" must be a number above 0/],
    [{ cheap: 'yes' }, /"cheap" must be true or false/],
    [true, /"fitnessRates" must be false or \{"points": 3, "span": 10\}/],
  ];
  for (const [value, message] of refused) {
    assert.throws(() => resolveConfig({ tasks: ['synthetic'], fitnessRates: value }), (e: unknown) => e instanceof ConfigError && message.test(e.message), message.source);
  }
});

test('every full-fidelity candidate trains at each rate of the grid, and its fitness is the best rate\'s run, recorded with that rate', async () => {
  const config = tinyCampaign('rates', { population: 4, seeds: ['constant', 'exponential'], multiFidelity: false, fitnessRates: { points: 3, span: 10 } });
  const { evaluator, runs: recorded } = recordingEvaluator(pool);
  await runCampaign(config, { runsDir: runs, evaluator });
  const centre = startingRate(config, 'synthetic');
  const grid = tuningGrid(centre, { points: 3, span: 10 });
  const evaluations = readFileSync(join(runs, 'rates', 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; rule?: string; full?: Record<string, TaskOutcome> })
    .filter((e) => e.type === 'evaluation');
  assert.equal(evaluations.length, 4);
  let moved = 0;
  for (const e of evaluations) {
    const full = e.full?.['synthetic'];
    assert.ok(full, `${e.rule} has a full-fidelity score`);
    const mine = recorded.filter((r) => r.job.ruleText === e.rule && r.job.fidelity === 'full');
    // Random rules train on two seeds per rate; the others on one.
    const seeds = new Set(mine.map((r) => r.job.seed)).size;
    assert.deepEqual([...new Set(mine.map((r) => r.job.lr0))].sort(), [...grid].sort(), `${e.rule} trained at each rate of the grid`);
    assert.equal(mine.length, grid.length * seeds);
    const scoreAt = (lr0: number): number | undefined => {
      const at = mine.filter((r) => r.job.lr0 === lr0).map((r) => r.outcome);
      if (at.some((o) => !o.ok)) return undefined;
      return at.reduce((a, o) => a + (o.ok ? o.result.score : 0), 0) / at.length;
    };
    const chosen = pickTuned(grid.map((lr0) => ({ lr0, score: scoreAt(lr0) })), centre);
    assert.equal(full.lr0, chosen.lr0, `${e.rule}: the recorded rate is the best one`);
    if (chosen.score !== undefined) assert.equal(full.score, chosen.score, `${e.rule}: the fitness is the best rate's score`);
    if (full.lr0 !== centre) moved++;
  }
  // On this task the constant's best rate is not Adam's default, so selection did see other rates.
  assert.ok(moved > 0, 'at least one candidate was scored away from the centre');
});

test('with "cheap", the cheap fidelity is taken at the best rate too, so the hurdle compares rules at their best rates', async () => {
  const config = tinyCampaign('cheap-rates', { population: 4, seeds: ['constant'], fitnessRates: { points: 3, span: 10, cheap: true } });
  const { evaluator, runs: recorded } = recordingEvaluator(pool);
  await runCampaign(config, { runsDir: runs, evaluator });
  const grid = tuningGrid(startingRate(config, 'synthetic'), config.fitnessRates as { points: number; span: number });
  const evaluations = readFileSync(join(runs, 'cheap-rates', 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; rule?: string; cheap?: Record<string, TaskOutcome> })
    .filter((e) => e.type === 'evaluation');
  assert.equal(evaluations.length, 4);
  for (const e of evaluations) {
    const cheapRuns = recorded.filter((r) => r.job.ruleText === e.rule && r.job.fidelity === 'cheap');
    assert.deepEqual([...new Set(cheapRuns.map((r) => r.job.lr0))].sort(), [...grid].sort(), `${e.rule}: cheap runs at each rate`);
    assert.ok(grid.includes(e.cheap?.['synthetic']?.lr0 as number), `${e.rule}: the cheap outcome records its rate`);
  }
});

test('"centre" moves the fitness grid to a multiple of the starting rate, at both fidelities, and apart in the cache', async () => {
  const config = tinyCampaign('centred-rates', { population: 2, seeds: ['constant'], fitnessRates: { points: 3, span: 10, cheap: true, centre: 3 } });
  const { evaluator, runs: recorded } = recordingEvaluator(pool);
  await runCampaign(config, { runsDir: runs, evaluator });
  const grid = tuningGrid(3 * startingRate(config, 'synthetic'), { points: 3, span: 10 });
  for (const fidelity of ['cheap', 'full'] as const) {
    const rates = [...new Set(recorded.filter((r) => r.job.fidelity === fidelity).map((r) => r.job.lr0))].sort();
    assert.deepEqual(rates, [...grid].sort(), `${fidelity}: every run at a rate of the grid around 3·lr0`);
  }
  // A score at another grid is another evaluation: the cache keeps it apart from one around lr0.
  const saved = loadLatestCheckpoint<{ cache: { entries: Array<{ context: string }> } }>(join(runs, 'centred-rates'));
  const contexts = saved?.body.cache.entries.map((e) => e.context) ?? [];
  assert.ok(contexts.length > 0 && contexts.every((c) => c.endsWith('|rates=3x10@3')), contexts.join('; '));
});

test('the dry run counts each full run once per rate', () => {
  const base = { tasks: ['synthetic'], population: 8, generations: 2, multiFidelity: false } as const;
  const search = (extra: object): number => campaignCost(resolveConfig({ ...base, ...extra }), 2).find((s) => s.stage === 'search')?.fullRuns ?? NaN;
  assert.equal(search({ fitnessRates: { points: 5 } }), 5 * search({}));
  assert.match(campaignCost(resolveConfig({ ...base, fitnessRates: { points: 3 } }), 2).find((s) => s.stage === 'search')?.how ?? '', /each full one at 3 rates$/);
  assert.match(campaignCost(resolveConfig({ ...base, fitnessRates: { points: 3, centre: 3 } }), 2).find((s) => s.stage === 'search')?.how ?? '', /each full one at 3 rates around 3·lr0$/);
  const withCheap = (extra: object) => campaignCost(resolveConfig({ ...base, multiFidelity: true, ...extra }), 2).find((s) => s.stage === 'search');
  assert.equal(withCheap({ fitnessRates: { points: 3, cheap: true } })?.cheapRuns, 3 * (withCheap({})?.cheapRuns ?? NaN));
  assert.match(withCheap({ fitnessRates: { points: 3, cheap: true } })?.how ?? '', /each run at 3 rates$/);
});
