/**
 * What happens to queued jobs when workers fail, with real `autolr worker`
 * processes (a fixture runner that notes and delays each job, then trains for
 * real) on a private Redis: a worker killed mid-job, a job that crashes every
 * worker, a worker of another installation, hostile rule text, Ctrl-C.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { cli } from '../helpers/cli.js';
import { FIXTURE_RUNNER, startWorker, type WorkerProcess } from './workers.js';
import { QueueEvaluator } from '../../src/queue/evaluator.js';
import { parseQueueUrl } from '../../src/queue/url.js';
import { CAMPAIGNS_KEY, queueName, type QueuedJob } from '../../src/queue/protocol.js';
import { ENGINE_VERSION } from '../../src/queue/fingerprint.js';
import { QueuePersistenceError } from '../../src/queue/redis.js';
import type { EvalJob } from '../../src/evaluator/job.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { Scorer } from '../../src/evolution/scorer.js';
import { EvaluationCache } from '../../src/evolution/cache.js';
import { emptyCounters, type TaskOutcome } from '../../src/evolution/records.js';
import { resolveConfig } from '../../src/evolution/config.js';

let redis: TestRedis;
let workers: WorkerProcess[] = [];
const marker = join(mkdtempSync(join(tmpdir(), 'autolr-queue-')), 'jobs.txt');
const quiet = (): void => undefined;

const job = (seed: number, ruleText = 'epoch: lr * 0.9'): EvalJob => ({ ruleText, variant: 'dlr', optimizer: 'adam', task: 'synthetic', fidelity: 'cheap', seed, splitSeed: 0 });

/** Marker lines of the jobs started with `seed`: one per start, with the worker process's id. */
function starts(seed: number): string[] {
  if (!existsSync(marker)) return [];
  return readFileSync(marker, 'utf8').split('\n').filter((l) => l.startsWith(`${seed} `)).map((l) => l.split(' ')[1] as string);
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function open(campaign: string): Promise<QueueEvaluator> {
  return QueueEvaluator.open({ address: parseQueueUrl(redis.url), campaign, grammar: 'dlr', variant: 'dlr', hardLimitMs: 60_000, log: quiet });
}

before(async () => {
  redis = await startRedis();
  const env = { AUTOLR_TEST_MARKER: marker, AUTOLR_TEST_SLEEP_MS: '2500' };
  workers = [0, 1, 2].map(() => startWorker(redis.url, ['--job-runner', FIXTURE_RUNNER, '--stall-ms', '2000'], env));
  await Promise.all(workers.map((w) => w.waitFor(/taking jobs from/)));
});

after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await redis.stop();
});

test('a campaign refuses a Redis without the append-only file, naming the setting', async () => {
  const bare = await startRedis({ appendonly: false });
  try {
    await assert.rejects(
      QueueEvaluator.open({ address: parseQueueUrl(bare.url), campaign: 'bare', grammar: 'dlr', variant: 'dlr', hardLimitMs: 1000, log: quiet }),
      (err: Error) => err instanceof QueuePersistenceError && /appendonly yes/.test(err.message),
    );
  } finally {
    await bare.stop();
  }
});

test('a worker killed with SIGKILL mid-job: another takes the job after stall detection, and the campaign gets one result', async () => {
  const evaluator = await open('stall');
  try {
    const result = evaluator.evaluate(job(11));
    await until(() => starts(11).length === 1, 'a worker to start the job');
    const holder = workers.find((w) => String(w.pid) === starts(11)[0]) as WorkerProcess;
    holder.child.kill('SIGKILL');
    await holder.exited();
    const outcome = await result;
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const [first, second] = starts(11);
    assert.equal(starts(11).length, 2, 'started once on the killed worker and once more');
    assert.notEqual(first, second, 'the second start is on another worker');
    const queue = new Queue(queueName('stall'), { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      assert.deepEqual(await queue.getJobCounts('completed', 'failed', 'active', 'waiting'), { completed: 1, failed: 0, active: 0, waiting: 0 });
    } finally {
      await queue.close();
    }
  } finally {
    await evaluator.close();
  }
  workers = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
});

test('a job that crashes its worker on every attempt gets the floor score with the reason, as a crash does on the local pool', async () => {
  const config = resolveConfig({ name: 'crash', tasks: ['synthetic'], seeds: [], workers: 1, backend: 'wasm' });
  const local = await EvaluatorPool.create({ workers: 1, backend: 'wasm', timeLimitMs: 60_000, workerFile: FIXTURE_RUNNER });
  const queued = await open('crash');
  const scored: TaskOutcome[] = [];
  const counters = [emptyCounters(), emptyCounters()];
  try {
    for (const [i, evaluator] of [local, queued].entries()) {
      const scorer = new Scorer(config, evaluator, new EvaluationCache<TaskOutcome>(), counters[i] as ReturnType<typeof emptyCounters>, { cheap: {}, full: {} });
      scored.push(await scorer.runOne('exit', 'synthetic', 'cheap', 31));
    }
  } finally {
    await Promise.all([local.close(), queued.close()]);
  }
  const [onPool, onQueue] = scored as [TaskOutcome, TaskOutcome];
  assert.equal(onQueue.ok, false);
  assert.equal(onQueue.score, onPool.score, 'the same floor score');
  assert.match(onPool.failure ?? '', /^crash: /);
  assert.match(onQueue.failure ?? '', /^crash: the worker died.*failed on 3 attempts through the queue/);
  assert.equal(counters[1]?.failures, 1, 'counted as one failed run');
  assert.equal(starts(31).filter((pid) => pid !== String(process.pid)).length, 3, 'three attempts ran on workers');
});

test('a worker of another installation refuses the jobs with a clear message and leaves them queued', async () => {
  const client = new Redis(redis.port, '127.0.0.1');
  const queue = new Queue(queueName('foreign'), { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    const data: QueuedJob = { job: job(41), fingerprint: { engine: '0.0.0-other', grammar: { origin: 'dlr', digest: 'x' }, task: { name: 'synthetic', digest: 'y' } }, hardLimitMs: 60_000 };
    await queue.add('evaluate', data, { jobId: 'foreign-1' });
    await client.sadd(CAMPAIGNS_KEY, 'foreign');
    const message = new RegExp(`refusing the jobs of campaign foreign: the campaign runs autolr 0\\.0\\.0-other, this worker autolr ${ENGINE_VERSION.replace(/\./g, '\\.')}`);
    await Promise.race(workers.map((w) => w.waitFor(message, 30_000)));
    const state = await queue.getJobState('foreign-1');
    assert.ok(state === 'delayed' || state === 'waiting', `the job is handed back, not run or failed (${state})`);
    assert.deepEqual(starts(41), [], 'nothing ran it');
  } finally {
    await queue.close();
    client.disconnect();
  }
});

test('rule text from the queue goes through the parser: code is refused as an invalid rule, never run', async () => {
  const evaluator = await open('hostile');
  try {
    const outcome = await evaluator.evaluate(job(51, 'require("fs").writeFileSync("/tmp/autolr-pwned", "x")'));
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.reason, 'invalid-rule');
    assert.equal(existsSync('/tmp/autolr-pwned'), false);
  } finally {
    await evaluator.close();
  }
});

test('queue status lists the jobs by state and the workers with their backend', async () => {
  const { code, out } = await cli('queue', 'status', redis.url, '--campaign', 'stall', '--json');
  assert.equal(code, 0);
  const [stall] = JSON.parse(out) as Array<{ campaign: string; completed: number; workers: Array<{ info?: { backend: string; threads: number } }> }>;
  assert.equal(stall?.campaign, 'stall');
  assert.equal(stall?.completed, 1);
  assert.equal(stall?.workers.length, workers.length, 'one entry per live worker process');
  for (const w of stall?.workers ?? []) assert.equal(w.info?.backend, 'wasm');
  const text = await cli('queue', 'status', redis.url);
  assert.match(text.out, /campaign stall: 0 waiting, 0 active, 0 delayed, 1 completed, 0 failed/);
  assert.equal((await cli('queue', 'status', redis.url, '--campaign', 'nope')).code, 2);
  assert.equal((await cli('queue', 'status', 'http://localhost')).code, 2);
});

test('Ctrl-C on a worker finishes the job in hand, then the worker exits', async () => {
  const evaluator = await open('ctrl-c');
  try {
    const result = evaluator.evaluate(job(61));
    await until(() => starts(61).length === 1, 'a worker to start the job');
    const holder = workers.find((w) => String(w.pid) === starts(61)[0]) as WorkerProcess;
    holder.child.kill('SIGINT');
    const outcome = await result;
    assert.equal(outcome.ok, true);
    assert.equal(await holder.exited(), 0);
    assert.match(holder.output(), /finishing the 1 job\(s\) in hand/);
    assert.deepEqual(starts(61), [String(holder.pid)], 'finished where it started, not handed over');
  } finally {
    await evaluator.close();
  }
});
