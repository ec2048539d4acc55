import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const runs = mkdtempSync(join(tmpdir(), 'autolr-hof-'));

test('autolr hof shows the hall of fame against the best baseline, as a table or JSON', async () => {
  const config = join(runs, 'c.json');
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 2, seeds: ['constant', 'exponential'], finalSeeds: 2, hallOfFame: 3 }));
  const made = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', 'h');
  assert.equal(made.code, 0, made.err);
  const table = await cli('hof', join(runs, 'h'));
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /rank +id +score +synthetic \(search\) +test \(fresh seeds\) +vs best baseline +from +time +rule \(simplified\)/);
  assert.match(table.out, /\nbest baseline: (constant|exponential) \(g0-\d+\) score 0\.\d+/);
  assert.match(table.out, /seeded baselines \(full fidelity\):\n.*baseline +score +synthetic \(search\) +test \(fresh seeds\) +best rule wins \(paired seeds\)/);
  assert.match(table.out, /\bconstant\b.*\d\/2 \([+-]\d\.\d{4}\)/, 'each baseline shows on how many of the 2 fresh seeds the best rule won');
  assert.doesNotMatch((await cli('hof', join(runs, 'h'), '--no-baselines')).out, /seeded baselines/);
  const json = JSON.parse((await cli('hof', join(runs, 'h'), '--top', '1', '--json')).out);
  assert.equal(json.final, true);
  assert.equal(json.hallOfFame.length, 1);
  assert.equal(json.hallOfFame[0].test.synthetic.values.length, 2);
  const missing = await cli('hof', join(runs, 'nothing'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /is not a campaign folder/);
});

test('autolr baselines scores every baseline of a variant on a task', async () => {
  const r = await cli('baselines', '--task', 'synthetic', '--variant', 'alr', '--workers', '0', '--backend', 'wasm', '--json');
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(r.out) as { baselines: Array<{ name: string; score: number }> };
  assert.deepEqual(result.baselines.map((b) => b.name).sort(), ['adagrad', 'adam', 'ades', 'momentum', 'nesterov', 'rmsprop', 'sgd', 'sign']);
  const scores = result.baselines.map((b) => b.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted best first');
  const bad = await cli('baselines', '--task', 'nope', '--backend', 'wasm');
  assert.equal(bad.code, 2);
});
