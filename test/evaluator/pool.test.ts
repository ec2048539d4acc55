import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runJob, type EvalJob, type EvalOutcome } from '../../src/evaluator/job.js';
import { EvaluatorPool, PoolClosedError } from '../../src/evaluator/pool.js';
import { parseRule, RuleSyntaxError } from '../../src/grammar/parser.js';
import { RETIRE_MESSAGE, THROW_MESSAGE, UNCAUGHT_MESSAGE } from '../fixtures/workers/misbehaving.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/workers/misbehaving.ts', import.meta.url));
const CLOSE_AND_EXIT = fileURLToPath(new URL('../fixtures/workers/close-and-exit.ts', import.meta.url));

const JOB: EvalJob = {
  ruleText: 'epoch: lr0 * pow(0.5, epoch)',
  variant: 'dlr',
  optimizer: 'sgd',
  task: 'synthetic',
  fidelity: 'cheap',
  seed: 3,
  splitSeed: 0,
};

/** The outcome without its timings, which differ run to run. */
function timeless(outcome: EvalOutcome): unknown {
  assert.ok(outcome.ok, `expected a result, got ${JSON.stringify(outcome)}`);
  const { wallMs: _wall, ...result } = outcome.result;
  return result;
}

/** Piscina creates replacement workers asynchronously; wait for the count to settle. */
async function settled(pool: EvaluatorPool, replaced: number): Promise<void> {
  for (let i = 0; i < 100 && pool.stats.replaced < replaced; i++) await new Promise((r) => setTimeout(r, 50));
}

function failure(outcome: EvalOutcome): { reason: string; detail: string } {
  assert.ok(!outcome.ok, 'expected a failure');
  return outcome;
}

describe('with the real worker', () => {
  let pool: EvaluatorPool;
  before(async () => {
    pool = await EvaluatorPool.create({ workers: 2, backend: 'wasm', timeLimitMs: 60_000 });
  });
  after(() => pool.close());

  test('a job gives the same result in a worker as in this thread', async () => {
    // The step rule with an acceptance clause fills the optional parts of a result (lrSteps, acceptance counts).
    const stepJob: EvalJob = { ...JOB, ruleText: 'step: lr0 * pow(0.99, step); accept: 0.9', optimizer: 'momentum', seed: 4 };
    const [inWorker, stepInWorker] = await Promise.all([pool.evaluate(JOB), pool.evaluate(stepJob)]);
    assert.deepEqual(timeless(inWorker), timeless(await runJob(JOB, 'wasm')));
    assert.deepEqual(timeless(stepInWorker), timeless(await runJob(stepJob, 'wasm')));
    assert.ok(stepInWorker.ok && stepInWorker.result.lrSteps !== undefined && stepInWorker.result.curves.acceptance !== undefined);
    assert.ok(inWorker.ok && inWorker.workerMs > 0 && inWorker.result.backend === 'wasm');
  });

  test('invalid rule text is refused in the worker with the parser message', async () => {
    const text = 'epoch: lr0 * fetch(1)';
    const expected = (() => {
      try {
        parseRule(text, 'dlr');
      } catch (err) {
        assert.ok(err instanceof RuleSyntaxError);
        return err.message;
      }
      assert.fail('the rule should not parse');
    })();
    assert.deepEqual(await pool.evaluate({ ...JOB, ruleText: text }), { ok: false, reason: 'invalid-rule', detail: expected });
    assert.equal(failure(await pool.evaluate({ ...JOB, task: 'no-such-task' })).reason, 'error');
    assert.deepEqual(pool.stats, { completed: 4, crashed: 0, timedOut: 0, replaced: 0 });
  });
});

describe('with a misbehaving worker', () => {
  let pool: EvaluatorPool;
  before(async () => {
    pool = await EvaluatorPool.create({ workers: 2, backend: 'wasm', timeLimitMs: 1500, workerFile: FIXTURE });
  });
  after(() => pool.close());

  test('a runner that throws is an error with its message', async () => {
    assert.deepEqual(await pool.evaluate({ ...JOB, ruleText: 'throw' }), { ok: false, reason: 'error', detail: THROW_MESSAGE });
  });

  test('a worker that exits or throws uncaught is a crash', async () => {
    const [exited, uncaught] = await Promise.all([pool.evaluate({ ...JOB, ruleText: 'exit' }), pool.evaluate({ ...JOB, ruleText: 'uncaught' })]);
    assert.equal(failure(exited).reason, 'crash');
    assert.match(failure(exited).detail, /exited with code: 1/);
    assert.equal(failure(uncaught).reason, 'crash');
    assert.match(failure(uncaught).detail, new RegExp(UNCAUGHT_MESSAGE));
  });

  test('a worker that fails inside training reports its outcome, then retires', async () => {
    assert.deepEqual(await pool.evaluate({ ...JOB, ruleText: 'retire' }), { ok: false, reason: 'error', detail: RETIRE_MESSAGE });
  });

  test('a worker that never answers is stopped at the time limit, and the pool goes on', async () => {
    const started = performance.now();
    const [hung, spun] = await Promise.all([pool.evaluate({ ...JOB, ruleText: 'hang' }), pool.evaluate({ ...JOB, ruleText: 'spin' })]);
    const elapsed = performance.now() - started;
    assert.equal(failure(hung).reason, 'timeout');
    assert.equal(failure(spun).reason, 'timeout');
    assert.ok(elapsed >= 1500, `stopped after ${elapsed} ms`);
    assert.match(failure(hung).detail, /no result within 1500 ms/);
    // Real training runs, on workers spawned to replace the stopped ones.
    const [a, b] = await Promise.all([pool.evaluate(JOB), pool.evaluate({ ...JOB, seed: 4 })]);
    assert.deepEqual(timeless(a), timeless(await runJob(JOB, 'wasm')));
    assert.ok(b.ok);
    await settled(pool, 5);
    assert.deepEqual(pool.stats, { completed: 4, crashed: 2, timedOut: 2, replaced: 5 });
  });

  test('closing stops the workers; evaluate then rejects, as that is the caller\'s error, not the candidate\'s', async () => {
    const rejected = assert.rejects(pool.evaluate({ ...JOB, ruleText: 'hang' }), PoolClosedError);
    await pool.close();
    await rejected;
    await assert.rejects(pool.evaluate(JOB), PoolClosedError);
  });
});

test('a worker over its heap limit is out of memory', async () => {
  const pool = await EvaluatorPool.create({ workers: 1, backend: 'wasm', timeLimitMs: 20_000, maxOldGenerationSizeMb: 96, workerFile: FIXTURE });
  try {
    const outcome = failure(await pool.evaluate({ ...JOB, ruleText: 'allocate' }));
    assert.equal(outcome.reason, 'out-of-memory', outcome.detail);
    assert.match(outcome.detail, /memory limit/);
    assert.equal(pool.stats.crashed, 1);
    assert.equal(pool.stats.completed, 0);
  } finally {
    await pool.close();
  }
});

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

test('an unavailable backend fails create(), not every job', { skip: tfjsNodeInstalled && '@tensorflow/tfjs-node is installed here' }, async () => {
  await assert.rejects(EvaluatorPool.create({ workers: 1, backend: 'tfjs-node', timeLimitMs: 1000 }), /could not start: backend 'tfjs-node' is not available/);
});

test('workers: 0 runs jobs in this thread with the same results', async () => {
  const pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 60_000 });
  assert.deepEqual(timeless(await pool.evaluate(JOB)), timeless(await runJob(JOB, 'wasm')));
  assert.equal(failure(await pool.evaluate({ ...JOB, ruleText: 'epoch: (' })).reason, 'invalid-rule');
  await pool.close();
  // A run in this thread cannot be stopped from outside: the pool's limit becomes the trainer's, checked between steps.
  const hurried = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 1 });
  assert.equal(failure(await hurried.evaluate(JOB)).reason, 'timeout');
  assert.equal((await hurried.evaluate({ ...JOB, timeLimitMs: 0.5 })).ok, true, 'a stop at the job\'s own limit is a result');
  assert.deepEqual(hurried.stats, { completed: 1, crashed: 0, timedOut: 1, replaced: 0 });
  await hurried.close();
});

test('a process that closes its pool exits by itself', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLOSE_AND_EXIT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill(), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(killer);
  assert.equal(code, 0, out);
  assert.equal(out.trim(), 'error');
});
