/**
 * The evaluator pool on webgpu: every piscina worker brings up its own Dawn
 * instance and GPU device (initBackend runs in each thread), results match
 * a run in this thread, and a process that used webgpu in its main thread
 * and in a worker exits by itself.
 *
 * Skips where there is no WebGPU adapter (see test/helpers/webgpu.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJob, type EvalJob, type EvalOutcome } from '../../src/evaluator/job.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { adapterLabel, webgpuAvailability } from '../helpers/webgpu.js';

const gpu = await webgpuAvailability();

const EXIT_FIXTURE = fileURLToPath(new URL('../fixtures/workers/webgpu-exit.ts', import.meta.url));

const JOB: EvalJob = { ruleText: 'epoch: lr0 * pow(0.5, epoch)', variant: 'dlr', optimizer: 'momentum', task: 'synthetic', fidelity: 'cheap', seed: 3, splitSeed: 0 };

function timeless(outcome: EvalOutcome): unknown {
  assert.ok(outcome.ok, `expected a result, got ${JSON.stringify(outcome)}`);
  const { wallMs: _wall, ...result } = outcome.result;
  return result;
}

describe(`the evaluator pool on webgpu (${adapterLabel(gpu)})`, { skip: gpu.skip }, () => {
  it('two workers, each with its own device, give the results of this thread, adapter included', async () => {
    const other: EvalJob = { ...JOB, ruleText: 'step: lr0; accept: 0.9', seed: 4 };
    const pool = await EvaluatorPool.create({ workers: 2, backend: 'webgpu', timeLimitMs: 120_000 });
    let outcomes: EvalOutcome[];
    try {
      outcomes = await Promise.all([pool.evaluate(JOB), pool.evaluate(other)]);
    } finally {
      await pool.close();
    }
    for (const o of outcomes) {
      assert.ok(o.ok, JSON.stringify(o));
      assert.equal(o.result.backend, 'webgpu');
      assert.deepEqual(o.result.adapter, gpu.info?.adapter);
    }
    assert.deepEqual(timeless(outcomes[0]!), timeless(await runJob(JOB, 'webgpu')));
    assert.deepEqual(timeless(outcomes[1]!), timeless(await runJob(other, 'webgpu')));
  });

  it('a process that used webgpu in its main thread and a worker exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', EXIT_FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill(), 90_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    assert.equal(code, 0, `${out}\n${err}`);
    assert.equal(out.trim(), `ok webgpu ${gpu.info?.adapter?.vendor}`);
  });
});
