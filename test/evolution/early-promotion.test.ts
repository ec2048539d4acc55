/**
 * Full runs start before the generation's cheap stage ends (the scorer's
 * early promotion), and the campaign does not depend on the order in which
 * runs come back: the same campaign with two different patterns of delays
 * in front of the evaluator gives the same hall of fame, scores, counters
 * and event log (less wall times).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import type { EvalJob } from '../../src/evaluator/job.js';
import { runCampaign, type CampaignSummary } from '../../src/evolution/campaign.js';
import { resolveConfig } from '../../src/evolution/config.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-early-promotion-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
  rmSync(runs, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The campaign with a delay (drawn from `delays`) before each job reaches the pool, recording when full jobs were submitted. */
async function campaign(name: string, delays: string): Promise<{ summary: CampaignSummary; fullWhileCheapInFlight: number; events: unknown[] }> {
  const draw = seedrandom(delays);
  let cheapInFlight = 0;
  let fullWhileCheapInFlight = 0;
  const evaluator = {
    async evaluate(job: EvalJob) {
      if (job.fidelity === 'cheap') cheapInFlight++;
      else if (cheapInFlight > 0) fullWhileCheapInFlight++;
      try {
        await sleep(draw() * 40);
        return await pool.evaluate(job);
      } finally {
        if (job.fidelity === 'cheap') cheapInFlight--;
      }
    },
  };
  const config = resolveConfig({
    name,
    tasks: ['synthetic'],
    population: 8,
    generations: 3,
    seeds: ['constant', 'dlrs', 'exponential'],
    workers: 0,
    backend: 'wasm',
    multiFidelity: true,
    cache: true,
    finalSeeds: 0,
    tuning: false,
  });
  const summary = await runCampaign(config, { runsDir: runs, evaluator });
  const events = readFileSync(join(runs, name, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l, (key, value: unknown) => (/wallMs|elapsed|time|At$/i.test(key) ? undefined : value)) as unknown);
  return { summary, fullWhileCheapInFlight, events };
}

test('full runs start while the cheap stage is still running, and the campaign is the same whatever order runs return in', async () => {
  const a = await campaign('early-a', 'delays a');
  const b = await campaign('early-b', 'delays b');
  assert.ok(a.fullWhileCheapInFlight > 0 && b.fullWhileCheapInFlight > 0, `full runs submitted during a cheap stage: ${a.fullWhileCheapInFlight}, ${b.fullWhileCheapInFlight}`);
  const standings = (s: CampaignSummary) => s.hallOfFame.map((h) => [h.text, h.combined]);
  assert.deepEqual(standings(b.summary), standings(a.summary));
  const counts = (s: CampaignSummary) => {
    const { candidates, evaluations, cacheHits, structureHits, behaviourHits, promoted } = s.counters;
    return { candidates, evaluations, cacheHits, structureHits, behaviourHits, promoted };
  };
  assert.deepEqual(counts(b.summary), counts(a.summary));
  assert.ok(a.events.length > 20, `${a.events.length} events`);
  assert.deepEqual(b.events, a.events);
});
