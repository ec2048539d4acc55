/**
 * The credible-discovery protocol end to end on small real tasks: a campaign
 * searches on the synthetic task, then tunes lr0 for every finalist and every
 * re-scored baseline on the same grid — on the search task and on a held-out
 * validation task the search never saw — selecting on validation scores only,
 * and tests each at its chosen rate with the same fresh seeds.
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
import type { HallOfFameEntry } from '../../src/evolution/records.js';
import { pickTuned, tuningGrid } from '../../src/evolution/tuning.js';
import { campaignVerdict } from '../../src/evolution/verdict.js';
import { campaignReport } from '../../src/report/campaign-report.js';
import { recordingEvaluator } from '../helpers/recording.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-tuning-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

test('tuning: every finalist and baseline gets the same grid on search and held-out tasks, chosen on validation, tested at the chosen rate', async () => {
  const config = resolveConfig({
    name: 'tuned',
    tasks: ['synthetic'],
    validation: { tasks: ['helmholtz-250'] },
    budgets: { cheap: { epochs: 1 }, full: { epochs: 2 } },
    population: 5,
    generations: 2,
    seeds: ['constant', 'linear_decay'],
    workers: 0,
    backend: 'wasm',
    finalSeeds: 2,
    hallOfFame: 2,
    tuning: { points: 3, span: 10 },
  });
  // Every job the campaign runs, with what came back.
  const { evaluator: recording, runs: jobs } = recordingEvaluator(pool);
  const summary = await runCampaign(config, { runsDir: runs, evaluator: recording });
  const hof = JSON.parse(readFileSync(join(runs, 'tuned', 'hof.json'), 'utf8')) as { hallOfFame: HallOfFameEntry[]; baselines: HallOfFameEntry[]; bestEvolved: HallOfFameEntry | null };
  const entries = [...hof.hallOfFame, ...hof.baselines, ...(hof.bestEvolved ? [hof.bestEvolved] : [])];
  assert.equal(hof.baselines.length, 2);
  const searchSeed = config.seed;
  for (const e of entries) {
    assert.ok(e.tuned, `${e.id} is tuned`);
    assert.deepEqual(Object.keys(e.tuned).sort(), ['helmholtz-250', 'synthetic']);
    assert.equal(e.tuned['synthetic']?.heldOut, false);
    assert.equal(e.tuned['helmholtz-250']?.heldOut, true);
    for (const [task, t] of Object.entries(e.tuned)) {
      // The same grid for every rule: centred where the task trains untuned (Adam's 0.001 for synthetic, the PINN's 0.01).
      const centre = task === 'synthetic' ? 0.001 : 0.01;
      assert.deepEqual(t.grid.map((g) => g.lr0), tuningGrid(centre, { points: 3, span: 10 }), `${e.id} on ${task}`);
      // Chosen from the validation scores alone…
      assert.equal(t.lr0, pickTuned(t.grid.map((g) => ({ lr0: g.lr0, score: g.score ?? undefined })), centre).lr0);
      // …which are the fitness (validation-split) scores of the search seed's runs at each rate.
      const gridRuns = jobs.filter((j) => j.job.ruleText === e.text && j.job.task === task && j.job.seed === searchSeed && j.job.fidelity === 'full' && t.grid.some((g) => g.lr0 === j.job.lr0));
      for (const g of t.grid) {
        const run = gridRuns.find((j) => j.job.lr0 === g.lr0);
        assert.ok(run, `${e.id} on ${task} ran at ${g.lr0}`);
        assert.equal(g.score, run.outcome.ok && run.outcome.result.stopped === undefined ? run.outcome.result.score : null);
      }
      // Test runs: fresh seeds only, and only at the chosen rate (no test metric of another rate exists to select on).
      const testRuns = jobs.filter((j) => j.job.ruleText === e.text && j.job.task === task && j.job.seed !== searchSeed);
      assert.ok(testRuns.length >= 2);
      for (const j of testRuns) assert.ok(j.job.lr0 === t.lr0 || (task === 'synthetic' && j.job.lr0 === undefined), `${e.id} on ${task}: a test run at ${j.job.lr0}, chosen ${t.lr0}`);
      assert.equal(t.test.values.length, 2);
    }
  }
  assert.ok(summary.hallOfFame.every((h) => h.tuned !== undefined));
  // The protocol's cost is recorded and reported.
  const stages = (JSON.parse(readFileSync(join(runs, 'tuned', 'hof.json'), 'utf8')) as { finalStages: { tuningRuns: number; tuningMs: number } }).finalStages;
  const tuningJobs = jobs.filter((j) => j.job.lr0 !== undefined).length;
  assert.equal(stages.tuningRuns, tuningJobs);
  const html = await campaignReport(join(runs, 'tuned'));
  assert.match(html, /equal tuning \d+\.\d min \(\d+ training runs\)/);
  assert.match(html, /Tuned comparison/);
  assert.match(html, /helmholtz-250 \(held out\) lr0/);
});

test('tuning kept to the held-out tasks: no rule is tuned on the search task, which keeps its untuned re-scoring; the verdict is the held-out one', async () => {
  const config = resolveConfig({
    name: 'tuned-held-out',
    tasks: ['synthetic'],
    validation: { tasks: ['helmholtz-250'] },
    budgets: { cheap: { epochs: 1 }, full: { epochs: 2 } },
    population: 4,
    generations: 1,
    seeds: ['constant', 'linear_decay'],
    // Every candidate at full fidelity, so that an evolved rule reaches the verdict.
    multiFidelity: false,
    workers: 0,
    backend: 'wasm',
    finalSeeds: 2,
    hallOfFame: 1,
    tuning: { points: 3, span: 10, tasks: 'held-out' },
  });
  const { evaluator, runs: recorded } = recordingEvaluator(pool);
  await runCampaign(config, { runsDir: runs, evaluator });
  const mine = recorded.map((r) => r.job);
  const hof = JSON.parse(readFileSync(join(runs, 'tuned-held-out', 'hof.json'), 'utf8')) as { hallOfFame: HallOfFameEntry[]; baselines: HallOfFameEntry[]; bestEvolved: HallOfFameEntry | null };
  const entries = [...hof.hallOfFame, ...hof.baselines, ...(hof.bestEvolved ? [hof.bestEvolved] : [])];
  for (const e of entries) {
    assert.deepEqual(Object.keys(e.tuned ?? {}), ['helmholtz-250'], `${e.id} is tuned on the held-out task only`);
    assert.equal(e.tuned?.['helmholtz-250']?.heldOut, true);
    assert.deepEqual(Object.keys(e.test ?? {}), ['synthetic'], `${e.id} keeps its untuned re-scoring on the search task`);
  }
  assert.equal(mine.filter((j) => j.task === 'synthetic' && j.lr0 !== undefined).length, 0, 'nothing is trained at a tuning rate on the search task');
  // 3 unique rules at most (hall of fame = best evolved or a seed) × 1 task × (3 rates + 2 seeds).
  const tuningRuns = mine.filter((j) => j.task === 'helmholtz-250').length;
  assert.ok(tuningRuns > 0 && tuningRuns % 5 === 0 && tuningRuns <= 15, `${tuningRuns} tuning runs`);
  const verdict = campaignVerdict({ ...hof, baselines: hof.baselines });
  assert.ok(hof.bestEvolved, 'an evolved rule reached full fidelity');
  assert.equal(verdict.tuned, true, verdict.headline);
  assert.deepEqual(verdict.tasks.map((t) => [t.task, t.heldOut]), [['helmholtz-250', true]]);
});
