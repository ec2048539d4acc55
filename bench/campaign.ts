/**
 * What the engine's shortcuts buy: the same small campaign run (a) the AutoLR
 * way — every candidate trained sequentially at the full budget — and (b) with
 * this engine's worker pool, cache and fidelity hurdles. Prints, from this one
 * run, the total time (from creating the pool to closing it, so worker
 * start-up counts), candidates scored per hour, the ratio, the cache hit
 * rate, the share of candidates promoted to full fidelity, and what bounds
 * the ratio: the training runs each way by fidelity with their mean time,
 * and the ratio (b) would reach with no overhead at all — every run's own
 * training time, spread perfectly over the workers.
 *
 *   npm run bench:campaign -- [task] [population] [generations]
 *   (defaults: synthetic 12 4; the README's figures use mnist-mlp 12 3)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/evaluator/backend.js';
import { EvaluatorPool } from '../src/evaluator/pool.js';
import { runCampaign, type CampaignSummary } from '../src/evolution/campaign.js';
import { resolveConfig, type CampaignConfig } from '../src/evolution/config.js';
import type { Evaluator } from '../src/evolution/scorer.js';
import type { Fidelity } from '../src/tasks/task.js';

const [task = 'synthetic', population = '12', generations = '4'] = process.argv.slice(2);
const runs = mkdtempSync(join(tmpdir(), 'autolr-bench-'));

/** Training runs by fidelity and their summed training time (each run's own wall time, in its worker). */
type Tally = Record<Fidelity, { runs: number; trainMs: number }>;

/** The pool, counting the runs that go through it. */
function tallying(pool: EvaluatorPool, tally: Tally): Evaluator {
  return {
    async evaluate(job) {
      const outcome = await pool.evaluate(job);
      tally[job.fidelity].runs++;
      if (outcome.ok) tally[job.fidelity].trainMs += outcome.result.wallMs;
      return outcome;
    },
  };
}

interface Measured {
  readonly summary: CampaignSummary;
  /** From creating the pool to closing it. */
  readonly wallMs: number;
  readonly tally: Tally;
  /** CPU time of this process, worker threads included, over the same span: what the campaign cost, whatever else the machine ran. */
  readonly cpuMs?: number;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The bench's campaign: the same search every way it is run, with the settings that differ. */
function benchConfig(name: string, settings: Record<string, unknown>): CampaignConfig {
  return resolveConfig({
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
}

async function campaign(name: string, settings: Record<string, unknown>): Promise<Measured> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  const tally: Tally = { cheap: { runs: 0, trainMs: 0 }, full: { runs: 0, trainMs: 0 } };
  const config = benchConfig(name, settings);
  const pool = await EvaluatorPool.create({ workers: config.workers, backend: 'wasm', timeLimitMs: 600_000 });
  let summary: CampaignSummary;
  try {
    summary = await runCampaign(config, { runsDir: runs, evaluator: tallying(pool, tally) });
  } finally {
    await pool.close();
  }
  return { summary, wallMs: performance.now() - started, tally, cpuMs: cpuMs() - cpuStarted };
}

await initBackend('wasm');
const workers = Math.min(2, availableParallelism());
const load = loadavg();
const plainRun = await campaign('sequential-full', { workers: 0, multiFidelity: false, cache: false });
const engineRun = await campaign('engine', { workers, multiFidelity: true, cache: true });
rmSync(runs, { recursive: true, force: true });
const engine = engineRun.summary;

const perHour = (m: Measured): number => (m.summary.counters.candidates / m.wallMs) * 3_600_000;
const row = (label: string, m: Measured): string =>
  `${label.padEnd(38)}${(m.wallMs / 1000).toFixed(1).padStart(9)} s${perHour(m).toFixed(0).padStart(10)}${String(m.summary.counters.evaluations).padStart(8)}` +
  `${(m.summary.hallOfFame[0]?.combined ?? NaN).toFixed(4).padStart(10)}`;
console.log(`campaign: ${task}, population ${population}, ${generations} generations, dlr, 4 seeded baselines`);
console.log(`load average before: ${load.map((l) => l.toFixed(2)).join(' ')} (${availableParallelism()} cores), after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${''.padEnd(38)}${'total'.padStart(11)}${'cand/h'.padStart(10)}${'runs'.padStart(8)}${'best'.padStart(10)}`);
console.log(row('(a) sequential, full budget, no cache', plainRun));
console.log(row(`(b) ${workers} workers + cache + hurdles`, engineRun));
console.log(`speed-up (candidates per hour, b / a): ${(perHour(engineRun) / perHour(plainRun)).toFixed(2)}x`);
const lookups = engine.counters.candidates * 1;
console.log(`cache hit rate (b): ${((100 * engine.counters.cacheHits) / Math.max(1, lookups)).toFixed(1)} % of candidates (${engine.counters.structureHits} exact, ${engine.counters.behaviourHits} behavioural)`);
console.log(`promoted to full fidelity (b): ${((100 * engine.counters.promoted) / Math.max(1, engine.counters.candidates)).toFixed(1)} % of candidates`);
const runsOf = (t: Tally): string =>
  (['cheap', 'full'] as const).map((f) => `${t[f].runs} ${f}${t[f].runs > 0 ? ` (mean ${(t[f].trainMs / t[f].runs / 1000).toFixed(2)} s)` : ''}`).join(', ');
console.log(`training runs: (a) ${runsOf(plainRun.tally)}; (b) ${runsOf(engineRun.tally)}`);
const cpuOf = (m: Measured): number => m.cpuMs ?? NaN;
console.log(
  `CPU time: (a) ${(cpuOf(plainRun) / 1000).toFixed(1)} s, (b) ${(cpuOf(engineRun) / 1000).toFixed(1)} s: candidates per CPU-hour, b / a: ${(cpuOf(plainRun) / cpuOf(engineRun)).toFixed(2)}x ` +
    `(the wall-time ratio on ${workers} otherwise idle cores approaches ${workers}x this less the overhead)`,
);
// The ratio with no overhead: (a)'s training time against (b)'s spread evenly over its workers.
const trainMs = (t: Tally): number => t.cheap.trainMs + t.full.trainMs;
const ideal = trainMs(plainRun.tally) / (trainMs(engineRun.tally) / workers);
console.log(`bound: with no overhead and ${workers} perfectly busy workers, (b) / (a) would be ${ideal.toFixed(2)}x; overhead (b): ${(100 * (1 - trainMs(engineRun.tally) / workers / engineRun.wallMs)).toFixed(0)} % of its worker time`);

// ---- The queue (#18): the engine's campaign (b) again, its jobs run by 1 and by 2 `autolr worker`
// processes (one thread each) through a private Redis on this machine. Overhead per job: each row's
// wall time times its threads, less the runs' own training time, per run; the queue's own cost is
// the difference from (b). Imports are here so that this block stays one piece.
const { startRedis } = await import('../test/helpers/redis.js');
const { startWorker } = await import('../test/queue/workers.js');
const { openCampaignEvaluator } = await import('../src/queue/choose-evaluator.js');

async function queueCampaign(name: string, url: string): Promise<Measured> {
  const started = performance.now();
  const tally: Tally = { cheap: { runs: 0, trainMs: 0 }, full: { runs: 0, trainMs: 0 } };
  const config = benchConfig(name, { workers, multiFidelity: true, cache: true });
  const evaluator = await openCampaignEvaluator(config, url, () => undefined);
  let summary: CampaignSummary;
  try {
    summary = await runCampaign(config, {
      runsDir: runs,
      evaluator: {
        async evaluate(job) {
          const outcome = await evaluator.evaluate(job);
          tally[job.fidelity].runs++;
          if (outcome.ok) tally[job.fidelity].trainMs += outcome.result.wallMs;
          return outcome;
        },
      },
    });
  } finally {
    await evaluator.close();
  }
  return { summary, wallMs: performance.now() - started, tally };
}

const redis = await startRedis();
const queueRows: Array<{ processes: number; measured: Measured }> = [];
try {
  for (const processes of [1, 2]) {
    // Workers start before the campaign (they run on other machines in real use), so their start-up is not counted.
    const procs = Array.from({ length: processes }, () => startWorker(redis.url));
    await Promise.all(procs.map((p) => p.waitFor(/taking jobs from/)));
    queueRows.push({ processes, measured: await queueCampaign(`queue-${processes}`, redis.url) });
    for (const p of procs) p.child.kill('SIGINT');
    await Promise.all(procs.map((p) => p.exited()));
  }
} finally {
  await redis.stop();
  rmSync(runs, { recursive: true, force: true });
}
const overheadPerRun = (m: Measured, threads: number): number => (m.wallMs * threads - (m.tally.cheap.trainMs + m.tally.full.trainMs)) / Math.max(1, m.tally.cheap.runs + m.tally.full.runs);
const poolOverhead = overheadPerRun(engineRun, workers);
console.log(`\nthrough the queue (Redis on this machine; same campaign as (b))`);
console.log(`${''.padEnd(38)}${'total'.padStart(11)}${'cand/h'.padStart(10)}${'runs'.padStart(8)}${'best'.padStart(10)}${'ovh/run'.padStart(11)}${'vs (b)'.padStart(11)}`);
console.log(`${row(`(b) local pool, ${workers} threads`, engineRun)}${poolOverhead.toFixed(0).padStart(8)} ms`);
for (const { processes, measured } of queueRows) {
  const overhead = overheadPerRun(measured, processes);
  console.log(`${row(`(q${processes}) queue, ${processes} worker process${processes === 1 ? '' : 'es'}`, measured)}${overhead.toFixed(0).padStart(8)} ms${(overhead - poolOverhead).toFixed(0).padStart(8)} ms`);
}
console.log(`same hall of fame through the queue as on the pool: ${queueRows.every(({ measured }) => JSON.stringify(measured.summary.hallOfFame.map((h) => [h.text, h.combined])) === JSON.stringify(engine.hallOfFame.map((h) => [h.text, h.combined])))}`);
