/**
 * A campaign through the queue, end to end with real training: two real
 * `autolr worker` processes, a private Redis restarted mid-campaign, and a
 * campaign process killed with SIGKILL and resumed. Each must end with the
 * hall of fame of the same campaign on the local pool.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startWorker, type WorkerProcess } from './workers.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { runCampaign, type CampaignSummary } from '../../src/evolution/campaign.js';
import { resolveConfig, type CampaignConfig } from '../../src/evolution/config.js';
import { openCampaignEvaluator } from '../../src/queue/choose-evaluator.js';
import { queueName } from '../../src/queue/protocol.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const runs = mkdtempSync(join(tmpdir(), 'autolr-queue-campaign-'));
let redis: TestRedis;
let workers: WorkerProcess[] = [];
let reference: unknown;

const settings = { tasks: ['synthetic'], variant: 'dlr', population: 6, generations: 3, seeds: ['constant', 'dlrs', 'sgd_sa'], workers: 0, backend: 'wasm', finalSeeds: 2, hallOfFame: 4, tuning: false } as const;

function config(name: string, extra: Record<string, unknown> = {}): CampaignConfig {
  return resolveConfig({ name, ...settings, ...extra });
}

/** The hall of fame as hof.json holds it, without timings. */
function comparable(dir: string): unknown {
  const hof = JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: CampaignSummary['hallOfFame'] };
  return hof.hallOfFame.map((h) => ({ id: h.id, text: h.text, combined: h.combined, scores: h.scores, lineage: h.lineage, test: h.test }));
}

async function completedJobs(campaign: string): Promise<number> {
  const queue = new Queue(queueName(campaign), { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    return (await queue.getJobCounts('completed')).completed ?? 0;
  } finally {
    await queue.close();
  }
}

/** Jobs of `campaign` the workers started, from their output (one line per start). */
function jobsRun(campaign: string): number {
  return workers.reduce((n, w) => n + w.output().split('\n').filter((l) => l.includes(` ${campaign}: synthetic `)).length, 0);
}

before(async () => {
  redis = await startRedis();
  workers = [startWorker(redis.url), startWorker(redis.url)];
  await Promise.all(workers.map((w) => w.waitFor(/taking jobs from/)));
  const pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
  try {
    await runCampaign(config('local'), { runsDir: runs, evaluator: pool });
  } finally {
    await pool.close();
  }
  reference = comparable(join(runs, 'local'));
});

after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await redis.stop();
});

test('through the queue, with Redis restarted mid-campaign, a campaign ends with the local pool\'s hall of fame', async () => {
  const cfg = config('queued', { queue: redis.url });
  const evaluator = await openCampaignEvaluator(cfg, redis.url, () => undefined);
  let restarted: Promise<void> | undefined;
  try {
    await runCampaign(cfg, {
      runsDir: runs,
      evaluator,
      // The second generation's jobs are queued while Redis is down for half a second.
      afterCheckpoint: (generation) => {
        if (generation === 0) restarted = redis.restart(500);
      },
    });
  } finally {
    await evaluator.close();
  }
  await restarted;
  assert.ok(restarted !== undefined, 'Redis was restarted');
  assert.deepEqual(comparable(join(runs, 'queued')), reference);
  assert.equal(jobsRun('queued'), await completedJobs('queued'), 'every job ran once: none was lost and re-run');
  const saved = JSON.parse(readFileSync(join(runs, 'queued', 'config.json'), 'utf8')) as { queue?: string };
  assert.equal(saved.queue, redis.url);
});

test('a campaign process killed with SIGKILL and resumed runs only what it had not recorded, and ends with the same hall of fame', async () => {
  const name = 'killed';
  const args = ['--task', 'synthetic', '--variant', 'dlr', '--population', '6', '--generations', '3', '--seeds', 'constant,dlrs,sgd_sa', '--backend', 'wasm', '--final-seeds', '2', '--hall-of-fame', '4', '--tuning-points', '0'];
  const evolve = (extra: string[]): ReturnType<typeof spawn> =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'evolve', ...extra, '--queue', redis.url, '--runs', runs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const first = evolve([...args, '--name', name]);
  const checkpoints = join(runs, name, 'checkpoints');
  const exited = new Promise((r) => first.once('exit', r));
  // Killed as soon as the first generation is recorded, while the second one's jobs are in the queue.
  while (!(existsSync(checkpoints) && readdirSync(checkpoints).length >= 2)) {
    if (first.exitCode !== null) throw new Error('the campaign ended before it could be killed');
    await new Promise((r) => setTimeout(r, 50));
  }
  first.kill('SIGKILL');
  await exited;
  const second = evolve(['--resume', join(runs, name)]);
  let output = '';
  second.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  second.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise((r) => second.once('exit', r));
  assert.equal(code, 0, output);
  assert.deepEqual(comparable(join(runs, name)), reference);
  assert.equal(jobsRun(name), await completedJobs(name), 'no job ran twice: results that arrived while no campaign process waited were collected on resume');
});
