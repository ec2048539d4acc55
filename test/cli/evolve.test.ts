import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['node', 'autolr', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const runs = mkdtempSync(join(tmpdir(), 'autolr-evolve-'));
const configFile = join(runs, 'tiny.json');
writeFileSync(configFile, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 1, seeds: ['constant', 'exponential'], finalSeeds: 1, hallOfFame: 2 }));

test('autolr evolve runs a campaign from a config file and prints its hall of fame', async () => {
  const r = await cli('evolve', '--config', configFile, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', 'tiny');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /campaign tiny: dlr rules on synthetic, population 4, 1 generations/);
  assert.match(r.err, /generation 1\/1: 4 candidates/);
  assert.match(r.out, /rank +id +score +test \(fresh seeds\) +from +rule\n1 +/);
  assert.ok(existsSync(join(runs, 'tiny', 'hof.json')));
  const again = await cli('evolve', '--resume', join(runs, 'tiny'), '--backend', 'wasm');
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /already complete/);
});

test('autolr evolve refuses bad input with exit code 2, naming the field, and writes nothing', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--variant', 'dlr'], /give --task/],
    [['--task', 'imagenet'], /unknown task "imagenet"/],
    [['--task', 'synthetic', '--population', '1'], /--population must be an integer from 2/],
    [['--task', 'synthetic', '--population', '4'], /12 baselines are seeded but the population holds 4/],
    [['--task', 'synthetic', '--seeds', 'dlsr'], /unknown baseline "dlsr"/],
    [['--task', 'synthetic', '--seeds', 'adam'], /adam/],
    [['--config', join(runs, 'missing.json')], /cannot read the config file/],
    [['--task', 'synthetic', '--name', 'tiny'], /already holds a campaign; resume it/],
    [['--resume', join(runs, 'nowhere')], /is not a campaign folder/],
  ];
  for (const [args, message] of cases) {
    const r = await cli('evolve', ...args, '--workers', '0', '--backend', 'wasm', '--runs', runs);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  const bad = join(runs, 'bad.json');
  writeFileSync(bad, JSON.stringify({ tasks: ['synthetic'], crossoverProbability: 2 }));
  const r = await cli('evolve', '--config', bad, '--runs', runs);
  assert.equal(r.code, 2);
  assert.match(r.err, /config: "crossoverProbability" must be a number from 0 to 1, not 2/);
});
