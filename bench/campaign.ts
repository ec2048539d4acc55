/**
 * What the engine's shortcuts buy: the same small campaign run (a) the AutoLR
 * way — every candidate trained sequentially at the full budget — and (b) with
 * this engine's worker pool, cache and fidelity hurdles. Prints, from this one
 * run, the total time, candidates scored per hour, the ratio, the cache hit
 * rate and the share of candidates promoted to full fidelity.
 *
 *   npm run bench:campaign -- [task] [population] [generations]
 *   (defaults: synthetic 12 4; the README's figures use mnist-mlp 12 3)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/evaluator/backend.js';
import { EvaluatorPool } from '../src/evaluator/pool.js';
import { runCampaign, type CampaignSummary } from '../src/evolution/campaign.js';
import { resolveConfig } from '../src/evolution/config.js';

const [task = 'synthetic', population = '12', generations = '4'] = process.argv.slice(2);
const runs = mkdtempSync(join(tmpdir(), 'autolr-bench-'));

async function campaign(name: string, settings: Record<string, unknown>): Promise<CampaignSummary> {
  const config = resolveConfig({
    name,
    tasks: [task],
    variant: 'dlr',
    population: Number(population),
    generations: Number(generations),
    seeds: ['constant', 'dlrs', 'exponential', 'clr_triangular'],
    backend: 'wasm',
    finalSeeds: 0,
    ...settings,
  });
  const pool = await EvaluatorPool.create({ workers: config.workers, backend: 'wasm', timeLimitMs: 600_000 });
  try {
    return await runCampaign(config, { runsDir: runs, evaluator: pool });
  } finally {
    await pool.close();
  }
}

await initBackend('wasm');
const workers = Math.min(2, availableParallelism());
const plain = await campaign('sequential-full', { workers: 0, multiFidelity: false, cache: false });
const engine = await campaign('engine', { workers, multiFidelity: true, cache: true });
rmSync(runs, { recursive: true, force: true });

const perHour = (s: CampaignSummary): number => (s.counters.candidates / s.wallMs) * 3_600_000;
const row = (label: string, s: CampaignSummary): string =>
  `${label.padEnd(38)}${(s.wallMs / 1000).toFixed(1).padStart(9)} s${perHour(s).toFixed(0).padStart(10)}${String(s.counters.evaluations).padStart(8)}` +
  `${(s.hallOfFame[0]?.combined ?? NaN).toFixed(4).padStart(10)}`;
console.log(`campaign: ${task}, population ${population}, ${generations} generations, dlr, 4 seeded baselines`);
console.log(`${''.padEnd(38)}${'total'.padStart(11)}${'cand/h'.padStart(10)}${'runs'.padStart(8)}${'best'.padStart(10)}`);
console.log(row('(a) sequential, full budget, no cache', plain));
console.log(row(`(b) ${workers} workers + cache + hurdles`, engine));
console.log(`speed-up (candidates per hour, b / a): ${(perHour(engine) / perHour(plain)).toFixed(2)}x`);
const lookups = engine.counters.candidates * 1;
console.log(`cache hit rate (b): ${((100 * engine.counters.cacheHits) / Math.max(1, lookups)).toFixed(1)} % of candidates (${engine.counters.structureHits} exact, ${engine.counters.behaviourHits} behavioural)`);
console.log(`promoted to full fidelity (b): ${((100 * engine.counters.promoted) / Math.max(1, engine.counters.candidates)).toFixed(1)} % of candidates`);
