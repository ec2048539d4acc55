import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const runs = mkdtempSync(join(tmpdir(), 'autolr-evolve-'));
const configFile = join(runs, 'tiny.json');
writeFileSync(configFile, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 1, seeds: ['constant', 'exponential'], finalSeeds: 1, hallOfFame: 2 }));

test('autolr evolve runs a campaign from a config file and prints its hall of fame', async () => {
  const r = await cli('evolve', '--config', configFile, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', 'tiny');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /campaign tiny: dlr rules on synthetic, population 4, 1 generations/);
  assert.match(r.err, /generation 1\/1: 4 candidates/);
  assert.match(r.out, /rank +id +score +synthetic \(search\) +test \(fresh seeds\) +tuned: lr0, test +vs best baseline +from +time +rule \(simplified\)\n1 +/);
  assert.match(r.out, /seeded baselines \(full fidelity\):/);
  assert.match(r.out, /next: autolr report /);
  assert.ok(existsSync(join(runs, 'tiny', 'hof.json')));
  const again = await cli('evolve', '--resume', join(runs, 'tiny'), '--backend', 'wasm');
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /already complete/);
});

test('autolr evolve refuses bad input with exit code 2, naming the field, and writes nothing', async () => {
  // Refusals that used to come after the folder was written (issue 14, item 6): a bad reference, a grammar deriving nothing valid.
  const refConfig = join(runs, 'badref.json');
  writeFileSync(refConfig, JSON.stringify({ reference: 'constnt' }));
  const grammar = join(runs, 'nothing.bnf');
  writeFileSync(grammar, '%variant dlr\n%max-depth 6\n%init-depth 3\n<rule> ::= epoch: <e>\n<e> ::= foo(lr0)\n');
  // A complete campaign whose hof.json was truncated (issue 14, item 8).
  const truncated = join(runs, 'truncated');
  cpSync(join(import.meta.dirname, '..', '..', 'examples', 'runs', 'dlr-mnist-mlp'), truncated, { recursive: true });
  writeFileSync(join(truncated, 'hof.json'), readFileSync(join(truncated, 'hof.json'), 'utf8').slice(0, 100));
  const emptyGrammarConfig = join(runs, 'nothing.json');
  writeFileSync(emptyGrammarConfig, JSON.stringify({ grammar, seeds: 'none' }));
  const cases: Array<[string[], RegExp]> = [
    [['--variant', 'dlr'], /give --task/],
    [['--task', 'imagenet'], /unknown task "imagenet"/],
    [['--task', 'synthetic', '--population', '1'], /--population must be an integer from 2/],
    [['--task', 'synthetic', '--population', '4'], /16 baselines are seeded but the population holds 4/],
    [['--task', 'synthetic', '--seeds', 'dlsr'], /unknown baseline "dlsr"/],
    [['--task', 'synthetic', '--seeds', 'adam'], /adam/],
    [['--config', join(runs, 'missing.json')], /cannot read the config file/],
    [['--task', 'synthetic', '--name', 'tiny'], /already holds a campaign; resume it/],
    [['--resume', join(runs, 'nowhere')], /is not a campaign folder/],
    [['--task', 'synthetic', '--tuning-points', '4'], /"tuning.points" must be odd/],
    [['--task', 'synthetic', '--tuning-tasks', 'held-out'], /"tuning.tasks": "held-out" tunes only on validation tasks, and the campaign has none/],
    [['--task', 'synthetic', '--validation', 'helmholtz-250', '--tuning-points', '0', '--tuning-tasks', 'held-out'], /--tuning-tasks chooses where the final tuning runs, and tuning is off/],
    [['--task', 'synthetic', '--validation', 'helmholtz-250', '--tuning-tasks', 'validation'], /--tuning-tasks must be one of all, held-out/],
    [['--task', 'synthetic', '--validation', 'synthetic'], /"validation.tasks" must be tasks the search never sees; synthetic is in "tasks"/],
    [['--task', 'synthetic', '--validation', 'imagenet'], /unknown task "imagenet"/],
    [['--resume', join(runs, 'tiny'), '--population', '30'], /only --workers, --backend and --queue may change, not --population/],
    [['--resume', truncated], /hof\.json is not valid JSON/],
    [['--task', 'synthetic,helmholtz-250', '--name', 'badref', '--config', refConfig], /unknown baseline "constnt"/],
    [['--task', 'synthetic', '--name', 'nothing-derives', '--config', emptyGrammarConfig], /derives no rule the rule language accepts/],
  ];
  for (const [args, message] of cases) {
    const r = await cli('evolve', ...args, '--workers', '0', '--backend', 'wasm', '--runs', runs);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  assert.equal(existsSync(join(runs, 'badref')), false);
  assert.equal(existsSync(join(runs, 'nothing-derives')), false);
  // A task whose data cannot load stops everything before the search, with the loader's message (issue 14, item 2).
  const empty = join(runs, 'no-data');
  mkdirSync(empty);
  for (const command of [['evolve', '--task', 'fashion-mnist-mlp', '--name', 'nodata', '--runs', runs], ['baselines', '--task', 'fashion-mnist-mlp']]) {
    const r = await cli(...command, '--data-dir', empty, '--workers', '0', '--backend', 'wasm');
    assert.equal(r.code, 2, `${command[0]}: ${r.err}`);
    assert.match(r.err, /Fashion-MNIST files missing/);
  }
  assert.equal(existsSync(join(runs, 'nodata')), false);
  const bad = join(runs, 'bad.json');
  writeFileSync(bad, JSON.stringify({ tasks: ['synthetic'], crossoverProbability: 2 }));
  const r = await cli('evolve', '--config', bad, '--runs', runs);
  assert.equal(r.code, 2);
  assert.match(r.err, /config: "crossoverProbability" must be a number from 0 to 1, not 2/);
});

test('Ctrl-C stops a campaign at once, says how to resume, and the resumed campaign completes', { timeout: 180_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const config = join(runs, 'long.json');
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 40, seeds: ['constant'], finalSeeds: 1, hallOfFame: 2 }));
  const dir = join(runs, 'stopped');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', 'stopped'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (existsSync(join(dir, 'checkpoints')) && readdirSync(join(dir, 'checkpoints')).includes('gen-000002.json')) {
        clearInterval(timer);
        child.kill('SIGINT');
        resolve();
      }
    }, 20);
  });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 130);
  assert.match(stderr, /interrupted: .*stopped keeps its last checkpoint\. Resume with:\n {2}autolr evolve --resume .*stopped/);
  assert.equal(existsSync(join(dir, 'hof.json')), false);
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 40, seeds: ['constant'], finalSeeds: 1, hallOfFame: 2 }));
});
