/**
 * Guards of a campaign folder (issue 14): one process holds it at a time (a
 * second run is refused naming the holder, two new campaigns of one name
 * cannot both write it, a lock left by a killed process does not block it
 * forever), and an event log cut inside a line is mended on resume.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { resolveConfig } from '../../src/evolution/config.js';
import { CampaignFolderError, CampaignStore } from '../../src/evolution/store.js';
import { InputError } from '../../src/errors.js';

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-lock-'));
const config = (name: string) =>
  resolveConfig({ name, tasks: ['synthetic'], population: 4, generations: 2, seeds: ['constant'], workers: 0, backend: 'wasm', finalSeeds: 1, hallOfFame: 1, tuning: false });

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
});
after(async () => {
  await pool.close();
});

const events = (name: string): number => readFileSync(join(runs, name, 'events.jsonl'), 'utf8').trim().split('\n').length;

test('two new campaigns of one name: one runs, the other is refused, and the event log is one campaign\'s', async () => {
  const results = await Promise.allSettled([runCampaign(config('twin'), { runsDir: runs, evaluator: pool }), runCampaign(config('twin'), { runsDir: runs, evaluator: pool })]);
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(refused.length, 1);
  assert.ok((refused[0] as PromiseRejectedResult).reason instanceof CampaignFolderError);
  assert.match(String((refused[0] as PromiseRejectedResult).reason.message), /already holds a campaign|is in use by process/);
  assert.equal(events('twin'), 4 + 2 + 2, 'one population, two generation lines, one offspring batch');
  assert.equal(existsSync(join(runs, 'twin', 'campaign.lock')), false, 'the lock goes with the run');
});

test('a second resume while one runs is refused naming the holder; a lock left by a dead process is taken over', async () => {
  // A campaign stopped after its first generation, to resume.
  let stop = false;
  await runCampaign(config('held'), { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!stop) { stop = true; throw new Error('stopped'); } } }).catch(() => undefined);
  assert.equal(existsSync(join(runs, 'held', 'campaign.lock')), false, 'a run that throws gives the lock back');
  const first = runCampaign(config('held'), { runsDir: runs, evaluator: pool, resume: true });
  await assert.rejects(runCampaign(config('held'), { runsDir: runs, evaluator: pool, resume: true }), new RegExp(`is in use by process ${process.pid} on ${hostname()}`));
  await first;
  // A killed process's lock: its pid no longer exists.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const stopped = config('stale');
  let once = false;
  await runCampaign(stopped, { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!once) { once = true; throw new Error('stopped'); } } }).catch(() => undefined);
  writeFileSync(join(runs, 'stale', 'campaign.lock'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'earlier' }));
  const resumed = await runCampaign(stopped, { runsDir: runs, evaluator: pool, resume: true });
  assert.equal(resumed.generations, 2);
  // Held on another host: refused, with how to clear it.
  const other = config('elsewhere');
  let twice = false;
  await runCampaign(other, { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!twice) { twice = true; throw new Error('stopped'); } } }).catch(() => undefined);
  writeFileSync(join(runs, 'elsewhere', 'campaign.lock'), JSON.stringify({ pid: 1, host: 'another-host', since: 'earlier' }));
  await assert.rejects(runCampaign(other, { runsDir: runs, evaluator: pool, resume: true }), /in use by process 1 on another-host .*If that process is gone, delete .*campaign\.lock/);
});

test('an event log cut inside a line is mended on resume, said so, and the log stays one JSON record per line (issue 14, item 5)', async () => {
  let once = false;
  const c = config('cut');
  await runCampaign(c, { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!once) { once = true; throw new Error('stopped'); } } }).catch(() => undefined);
  const path = join(runs, 'cut', 'events.jsonl');
  const log = readFileSync(path);
  writeFileSync(path, log.subarray(0, log.length - 25)); // the end of the last line is gone
  const lines: string[] = [];
  await runCampaign(c, { runsDir: runs, evaluator: pool, resume: true, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /fewer than the \d+ its checkpoint recorded/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /ended in a partial line \(\d+ bytes\); cut it off/.test(l)), lines.join('\n'));
  const records = readFileSync(path, 'utf8').trim().split('\n');
  for (const r of records) JSON.parse(r);
  assert.equal(records.filter((r) => r.includes('"type":"generation"')).length, 1, 'the cut generation line is gone, the resumed generation logged once');
});

test('config.json edited or truncated between runs is reported, not mixed into the resumed campaign (issue 14, item 7)', async () => {
  let once = false;
  const c = config('edited');
  await runCampaign(c, { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!once) { once = true; throw new Error('stopped'); } } }).catch(() => undefined);
  const path = join(runs, 'edited', 'config.json');
  const original = readFileSync(path, 'utf8');
  const edited = resolveConfig({ ...JSON.parse(original), generations: 5, budgets: { full: { epochs: 3 } } });
  await assert.rejects(runCampaign(edited, { runsDir: runs, evaluator: pool, resume: true }), /config\.json differs from the campaign's checkpoint in "budgets", "generations"/);
  // How it runs may change.
  const relaxed = resolveConfig({ ...JSON.parse(original), workers: 1 });
  writeFileSync(path, original.slice(0, 40));
  await assert.rejects(async () => new CampaignStore(join(runs, 'edited')).config(), (e: unknown) => e instanceof CampaignFolderError && /config\.json/.test(e.message));
  writeFileSync(path, original);
  await runCampaign(relaxed, { runsDir: runs, evaluator: pool, resume: true });
});

test('smaller refusals (issue 14, item 8): an unknown mutationRates key is an input error before any folder; with every checkpoint damaged, nothing claims an older one is used', async () => {
  await assert.rejects(runCampaign(resolveConfig({ ...config('rates'), mutationRates: { nosuch: 0.3 } }), { runsDir: runs, evaluator: pool }), (e: unknown) => e instanceof InputError && /nosuch/.test(e.message));
  assert.equal(existsSync(join(runs, 'rates')), false);
  let once = false;
  const c = config('damaged');
  await runCampaign(c, { runsDir: runs, evaluator: pool, afterCheckpoint: () => { if (!once) { once = true; throw new Error('stopped'); } } }).catch(() => undefined);
  const dir = join(runs, 'damaged', 'checkpoints');
  for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'garbage');
  const lines: string[] = [];
  await assert.rejects(runCampaign(c, { runsDir: runs, evaluator: pool, resume: true, log: (l) => lines.push(l) }), /has no usable checkpoint to resume from \(.*gen-000001\.json: no header line/);
  assert.deepEqual(lines.filter((l) => /using an older one/.test(l)), []);
});

test('failures are counted by reason, so a campaign whose runs all fail alike can say why (issue 14, item 2)', async () => {
  const failing = { evaluate: async () => ({ ok: false as const, reason: 'error' as const, detail: 'fashion-mnist: files missing\n  at loader' }) };
  const summary = await runCampaign(config('all-fail'), { runsDir: runs, evaluator: failing });
  assert.ok(summary.counters.failures > 0);
  assert.deepEqual(summary.counters.failureReasons, { 'error: fashion-mnist: files missing': summary.counters.failures });
});
