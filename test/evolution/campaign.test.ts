import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { runCampaign, type CampaignSummary } from '../../src/evolution/campaign.js';
import { resolveConfig, type CampaignConfig } from '../../src/evolution/config.js';
import { writeCheckpoint } from '../../src/evolution/checkpoint.js';
import { finalSeeds } from '../../src/evolution/rescoring.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-campaign-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

function config(name: string, extra: Record<string, unknown> = {}): CampaignConfig {
  return resolveConfig({
    name,
    tasks: ['synthetic'],
    variant: 'dlr',
    population: 6,
    generations: 3,
    seeds: ['constant', 'dlrs', 'sgd_sa'],
    workers: 0,
    backend: 'wasm',
    finalSeeds: 2,
    hallOfFame: 4,
    ...extra,
  });
}

/** The parts of a hall of fame that must not depend on how the campaign was run (timings excluded). */
function comparable(s: CampaignSummary | { hallOfFame: CampaignSummary['hallOfFame'] }): unknown {
  // Through JSON, as hof.json holds them: a rule none of whose runs finished has a NaN mean in memory, null on disk.
  return JSON.parse(JSON.stringify(s.hallOfFame.map((h) => ({ id: h.id, text: h.text, combined: h.combined, scores: h.scores, lineage: h.lineage, test: h.test, tuned: h.tuned }))));
}

function hofOf(dir: string): { hallOfFame: CampaignSummary['hallOfFame'] } {
  return JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: CampaignSummary['hallOfFame'] };
}

let reference: CampaignSummary;

test('a campaign writes its folder: config, one event line per evaluation and per generation, checkpoints, hall of fame', async () => {
  reference = await runCampaign(config('ref'), { runsDir: runs, evaluator: pool });
  const dir = join(runs, 'ref');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).name, 'ref');
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const generations = events.filter((e) => e.type === 'generation');
  const evaluations = events.filter((e) => e.type === 'evaluation');
  assert.equal(generations.length, 3);
  assert.equal(evaluations.length, 6 + 4 + 4, 'the first generation is the whole population, later ones the non-elite offspring');
  for (const e of evaluations) {
    assert.ok(typeof e.rule === 'string' && e.genotype && e.origin && e.cheap, 'each evaluation records its rule, genotype, origin and scores');
  }
  // Seeds always reach full fidelity; others only at or above the hurdle.
  for (const e of evaluations) {
    const g = generations.find((x) => x.generation === e.generation) as { hurdle: number };
    const seeded = (e.origin as { kind: string }).kind === 'seed';
    if (e.level === 'full' && !seeded) assert.ok((e.cheap as { synthetic: { score: number } }).synthetic.score >= g.hurdle);
    if (seeded) assert.equal(e.level, 'full');
  }
  // The hurdle never falls below the worst seeded baseline's cheap score.
  const seedCheap = evaluations
    .filter((e) => e.generation === 0 && (e.origin as { kind: string }).kind === 'seed')
    .map((e) => (e.cheap as { synthetic: { score: number } }).synthetic.score);
  for (const g of generations) assert.ok((g.hurdle as number) >= Math.min(...seedCheap), `generation ${String(g.generation)}: hurdle ${String(g.hurdle)}`);
  assert.ok(readdirSync(join(dir, 'checkpoints')).length <= 3);
  const hof = hofOf(dir);
  assert.ok(hof.hallOfFame.length > 0 && hof.hallOfFame.length <= 4);
  for (const h of hof.hallOfFame) assert.equal(h.test?.synthetic?.values.length, 2, 'final re-scoring uses the fresh seeds');
  assert.ok(reference.bestBaseline, 'the best seeded baseline is kept for comparison');
  // Every seeded baseline is kept with its curves and re-scored on the same fresh seeds (paired comparisons).
  const stored = JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { baselines: CampaignSummary['baselines'] };
  assert.deepEqual(stored.baselines.map((b) => (b.origin as { baseline: string }).baseline).sort(), ['constant', 'dlrs', 'sgd_sa']);
  for (const b of stored.baselines) {
    assert.equal(b.test?.synthetic?.values.length, 2);
    assert.ok((b.curves?.synthetic?.lr.length ?? 0) > 0, 'baseline curves are kept for the report');
  }
  assert.deepEqual(
    [...stored.baselines].sort((a, b) => b.combined - a.combined).map((b) => b.id),
    stored.baselines.map((b) => b.id),
    'baselines are listed best first',
  );
  assert.equal(reference.bestBaseline?.id, stored.baselines[0]?.id);
});

test('the hurdle never falls below the worst seeded baseline (quantile 0 would let every rule through)', async () => {
  await runCampaign(config('floor', { hurdleQuantile: 0, generations: 2 }), { runsDir: runs, evaluator: pool });
  const events = readFileSync(join(runs, 'floor', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const cheap = (e: Record<string, unknown>): number => (e.cheap as { synthetic: { score: number } }).synthetic.score;
  const evaluations = events.filter((e) => e.type === 'evaluation');
  const floor = Math.min(...evaluations.filter((e) => e.generation === 0 && (e.origin as { kind: string }).kind === 'seed').map(cheap));
  const generations = events.filter((e) => e.type === 'generation') as Array<{ generation: number; hurdle: number }>;
  for (const g of generations) {
    const previous = evaluations.filter((e) => e.generation === Math.max(0, g.generation - 1)).map(cheap);
    assert.equal(g.hurdle, Math.max(Math.min(...previous), floor), `generation ${g.generation}`);
  }
  assert.ok(
    evaluations.some((e) => cheap(e) < floor),
    'some random rule scored below every seed, so the floor was what kept it from full fidelity',
  );
  for (const e of evaluations) if (cheap(e) < floor) assert.equal(e.level, 'cheap');
});

test('the same seed gives the same campaign; the cache never changes its results', async () => {
  const again = await runCampaign(config('again'), { runsDir: runs, evaluator: pool });
  assert.deepEqual(comparable(again), comparable(reference));
  const uncached = await runCampaign(config('uncached', { cache: false }), { runsDir: runs, evaluator: pool });
  assert.deepEqual(comparable(uncached), comparable(reference));
  assert.ok(reference.counters.evaluations <= uncached.counters.evaluations);
});

test('a campaign stopped after a checkpoint resumes to the same hall of fame, and a corrupt checkpoint falls back to the one before', async () => {
  await assert.rejects(
    runCampaign(config('interrupted'), {
      runsDir: runs,
      evaluator: pool,
      afterCheckpoint: (g) => {
        if (g === 1) throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  const dir = join(runs, 'interrupted');
  // Damage the newest checkpoint: resuming must notice and use generation 0's.
  const newest = readdirSync(join(dir, 'checkpoints')).sort().pop() as string;
  const path = join(dir, 'checkpoints', newest);
  writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200));
  const lines: string[] = [];
  const resumed = await runCampaign(config('interrupted'), { runsDir: runs, evaluator: pool, resume: true, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /is unusable \(truncated/.test(l)), lines.join('\n'));
  assert.deepEqual(comparable(resumed), comparable(reference));
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.equal(events.filter((e) => e.type === 'generation').length, 3, 'no generation is logged twice');
});

test('the best evolved rule is re-scored beside the hall of fame; a rule in several lists trains once; old checkpoints recover it from the log', async () => {
  const finalJobs: string[] = [];
  const fresh = new Set(finalSeeds(config('evolved', { seed: 0 })));
  const counting = {
    evaluate: (job: Parameters<EvaluatorPool['evaluate']>[0]) => {
      if (fresh.has(job.seed)) finalJobs.push(`${job.ruleText}|${job.seed}`);
      return pool.evaluate(job);
    },
  };
  // Without equal tuning, so that the final stage's runs are the fresh-seed re-scoring alone (tuning has its own test).
  const summary = await runCampaign(config('evolved', { seed: 0, tuning: false }), { runsDir: runs, evaluator: counting });
  const evolved = summary.bestEvolved;
  assert.ok(evolved, 'some offspring reached full fidelity');
  assert.notEqual(evolved.origin.kind, 'seed');
  assert.equal(evolved.test?.synthetic?.values.length, 2, 'on the same fresh seeds as the hall of fame');
  const stored = JSON.parse(readFileSync(join(runs, 'evolved', 'hof.json'), 'utf8')) as { bestEvolved: typeof evolved };
  const asStored = (x: unknown): unknown => JSON.parse(JSON.stringify(x)) as unknown;
  assert.deepEqual(stored.bestEvolved.test, asStored(evolved.test));
  const distinct = new Set([...summary.hallOfFame, evolved, ...summary.baselines].map((h) => h.hash));
  assert.equal(finalJobs.length, distinct.size * 2, 'each distinct rule trains once per fresh seed');
  assert.equal(new Set(finalJobs).size, finalJobs.length);

  // A checkpoint of schema 1 (no schema field) has no bestEvolved: resuming reads it from the event log.
  const dir = join(runs, 'evolved');
  const last = JSON.parse(readFileSync(join(dir, 'checkpoints', readdirSync(join(dir, 'checkpoints')).sort().pop() as string), 'utf8').split('\n').slice(1).join('\n')) as Record<string, unknown>;
  assert.equal(last.complete, true);
  assert.equal(last.schema, 2);
  const { bestEvolved: _dropped, schema: _schema, ...older } = last;
  writeCheckpoint(dir, 4, { ...older, complete: false, hallOfFame: summary.hallOfFame.map(({ test: _t, ...h }) => h) });
  // A campaign is complete once its hof.json is written; this one must resume into its final stage again.
  rmSync(join(dir, 'hof.json'));
  const resumed = await runCampaign(config('evolved', { seed: 0, tuning: false }), { runsDir: runs, evaluator: pool, resume: true });
  assert.equal(resumed.bestEvolved?.id, evolved.id);
  assert.equal(resumed.bestEvolved?.combined, evolved.combined);
  assert.deepEqual(asStored(resumed.bestEvolved?.test), asStored(evolved.test));
});

test('refusals leave no campaign folder behind', async () => {
  await assert.rejects(runCampaign(config('ref'), { runsDir: runs, evaluator: pool }), /already holds a campaign; resume it/);
  await assert.rejects(runCampaign(config('too-small', { population: 2, seeds: 'all' }), { runsDir: runs, evaluator: pool }), /16 baselines are seeded but the population holds 2/);
  assert.equal(existsSync(join(runs, 'too-small')), false);
  await assert.rejects(runCampaign(config('unknown-seed', { seeds: ['dlsr'] }), { runsDir: runs, evaluator: pool }), /unknown baseline "dlsr"/);
  assert.equal(existsSync(join(runs, 'unknown-seed')), false);
  await assert.rejects(runCampaign(config('nothing'), { runsDir: runs, evaluator: pool, resume: true }), /has no usable checkpoint/);
  assert.throws(() => config('bad', { population: 0 }), /"population" must be an integer from 2/);
  assert.throws(() => config('bad', { colour: 'red' }), /unknown field "colour"/);
  assert.throws(() => config('../escape'), /"name" must be a plain folder name/);
});

test('a campaign killed with SIGKILL resumes from the command line to the same hall of fame', { timeout: 240_000 }, async () => {
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const file = join(runs, 'killed.json');
  const { name: _name, ...settings } = config('killed');
  writeFileSync(file, JSON.stringify(settings));
  const args = ['--import', 'tsx', main, 'evolve', '--config', file, '--runs', runs, '--name', 'killed'];
  const dir = join(runs, 'killed');
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  // Kill it as soon as generation 2 has been checkpointed: mid-way through generation 3.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const files = existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')) : [];
      if (files.includes('gen-000001.json')) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      if (!existsSync(join(dir, 'hof.json'))) resolve();
      else reject(new Error('the campaign finished before it could be killed'));
    });
  });
  await new Promise((r) => child.on('exit', r));
  const resumed = spawn(process.execPath, ['--import', 'tsx', main, 'evolve', '--resume', dir], { stdio: 'ignore' });
  const code = await new Promise((r) => resumed.on('exit', r));
  assert.equal(code, 0);
  assert.deepEqual(comparable(hofOf(dir)), comparable(reference));
});
