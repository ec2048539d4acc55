/** The queue's plain parts, without Redis: addresses and their redaction, results through JSON, fingerprints. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueueUrl, QueueUrlError, redactQueueUrl } from '../../src/queue/url.js';
import { ConfigError, resolveConfig } from '../../src/evolution/config.js';
import { decodeOutcome, encodeOutcome, failedOutcome, jobId } from '../../src/queue/protocol.js';
import { ENGINE_VERSION, FingerprintChecker, grammarDigest, taskDigest } from '../../src/queue/fingerprint.js';
import { loadGrammar } from '../../src/grammar/bnf.js';
import type { EvalOutcome } from '../../src/evaluator/job.js';

test('queue addresses: redis:// and rediss:// with user, password and database; anything else is refused by name', () => {
  const a = parseQueueUrl('rediss://autolr:s%3Acret@queue.example.org:6380/2');
  assert.deepEqual({ ...a }, { host: 'queue.example.org', port: 6380, db: 2, username: 'autolr', password: 's:cret', tls: true, redacted: 'rediss://autolr:***@queue.example.org:6380/2' });
  assert.deepEqual({ ...parseQueueUrl('redis://10.0.0.5') }, { host: '10.0.0.5', port: 6379, db: 0, tls: false, redacted: 'redis://10.0.0.5' });
  assert.equal(parseQueueUrl('redis://:pw@h:1').redacted, 'redis://:***@h:1');
  for (const bad of ['http://h:1', 'redis://h:1/x', 'not a url', 'redis://h:1/0?x=1']) assert.throws(() => parseQueueUrl(bad), QueueUrlError, bad);
  // A message about an address that is not a URL still hides what may be a password.
  assert.throws(() => parseQueueUrl('redis//user:hunter2@h'), (e: Error) => !e.message.includes('hunter2'));
  assert.throws(() => parseQueueUrl('redis://u:***@h:1'), /redacted/, 'a redacted address cannot connect');
  assert.equal(redactQueueUrl('redis://u:***@h:1'), 'redis://u:***@h:1');
});

test('a config keeps the queue address with its password redacted', () => {
  const config = resolveConfig({ tasks: ['synthetic'], queue: 'redis://autolr:hunter2@h:6379/1' });
  assert.equal(config.queue, 'redis://autolr:***@h:6379/1');
  assert.ok(!JSON.stringify(config).includes('hunter2'));
  assert.throws(() => resolveConfig({ tasks: ['synthetic'], queue: 'http://h' }), ConfigError);
  assert.equal(resolveConfig({ tasks: ['synthetic'] }).queue, undefined, 'no queue: the local pool, and nothing new in the config');
});

test('results cross the queue as JSON with NaN and infinities intact, and a malformed result is refused', () => {
  const outcome = { ok: true, workerMs: 1, result: { score: 0.5, wallMs: 3, fitness: { loss: NaN, acc: Infinity }, test: { loss: -Infinity }, curves: { loss: [1, NaN], acc: [], lr: [0.1] } } } as unknown as EvalOutcome;
  assert.deepEqual(decodeOutcome(encodeOutcome(outcome)), outcome);
  assert.throws(() => decodeOutcome('{"ok": true, "result": {"score": "1"}}'));
  assert.throws(() => decodeOutcome('{"ok": false, "reason": "rm -rf", "detail": ""}'));
  assert.deepEqual(failedOutcome('crash: the worker died: exit 1', 3), { ok: false, reason: 'crash', detail: 'the worker died: exit 1 (failed on 3 attempts through the queue)' });
  const unknown = failedOutcome('job stalled more than allowable limit', 3);
  assert.equal(!unknown.ok && unknown.reason, 'error', 'a reason BullMQ gives (too many stalls) reads as an error');
});

test('job ids depend on the job and its fingerprint only, so the same evaluation asked again is the same job', () => {
  const job = { ruleText: 'lr', variant: 'dlr', optimizer: 'adam', task: 'synthetic', fidelity: 'cheap', seed: 0, splitSeed: 0 } as const;
  const fingerprint = { engine: ENGINE_VERSION, grammar: { origin: 'dlr', digest: 'a' }, task: { name: 'synthetic', digest: 'b' } };
  const id = jobId({ job, fingerprint, hardLimitMs: 1000 });
  assert.equal(jobId({ job: { ...job }, fingerprint: { ...fingerprint }, hardLimitMs: 1000 }), id);
  assert.notEqual(jobId({ job: { ...job, seed: 1 }, fingerprint, hardLimitMs: 1000 }), id);
  assert.notEqual(jobId({ job, fingerprint: { ...fingerprint, engine: '9' }, hardLimitMs: 1000 }), id);
});

test('a worker names the part of the fingerprint that differs: engine, grammar, task', () => {
  const checker = new FingerprintChecker();
  const good = { engine: ENGINE_VERSION, grammar: { origin: 'dlr', digest: grammarDigest(loadGrammar('dlr', 'dlr')) }, task: { name: 'synthetic', digest: taskDigest('synthetic', undefined) } };
  assert.equal(checker.mismatch(good, 'dlr', undefined), undefined);
  assert.match(checker.mismatch({ ...good, engine: '0.0.1' }, 'dlr', undefined) ?? '', /campaign runs autolr 0\.0\.1, this worker autolr/);
  assert.match(checker.mismatch({ ...good, grammar: { origin: 'dlr', digest: 'other' } }, 'dlr', undefined) ?? '', /grammar dlr differs/);
  assert.match(checker.mismatch({ ...good, grammar: { origin: '/nowhere/g.bnf', digest: 'x' } }, 'dlr', undefined) ?? '', /cannot be loaded here/);
  assert.match(checker.mismatch(good, 'dlr', { cheap: { epochs: 5 } }) ?? '', /task synthetic is defined differently/);
  assert.match(checker.mismatch({ ...good, task: { name: 'no-such-task', digest: 'x' } }, 'dlr', undefined) ?? '', /unknown here/);
  assert.match(checker.mismatch({ engine: 1 }, 'dlr', undefined) ?? '', /no valid fingerprint/);
});
