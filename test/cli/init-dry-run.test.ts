import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { defaultConfig, KNOWN_FIELDS, resolveConfig } from '../../src/evolution/config.js';
import { readConfigFile } from '../../src/cli/config-file.js';
import { displayPath } from '../../src/cli/paths.js';

const work = mkdtempSync(join(tmpdir(), 'autolr-init-'));

test('autolr init writes a commented config with every field, each default from the config module, that evolve reads back as the defaults', async () => {
  for (const variant of ['dlr', 'alr'] as const) {
    const file = join(work, `${variant}.jsonc`);
    const r = await cli('init', '--variant', variant, '--task', 'synthetic', '-o', file);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\/\/ /m, 'it explains itself in comments');
    for (const field of KNOWN_FIELDS) assert.match(text, new RegExp(`^ {2}(// )?"${field}": `, 'm'), `the field ${field}`);
    const fields = readConfigFile(file);
    assert.deepEqual(fields, { tasks: ['synthetic'], ...JSON.parse(JSON.stringify(defaultConfig(variant))) });
    assert.deepEqual(resolveConfig(fields), resolveConfig({ tasks: ['synthetic'], variant }), 'read back, it is the default campaign');
  }
  const printed = await cli('init', '-o', '-');
  assert.equal(printed.code, 0, printed.err);
  assert.match(printed.out, /^ {2}"tasks": \["mnist-mlp"\],$/m);
  assert.match(printed.out, /^ {2}"population": 20,$/m);
  assert.match(printed.out, /^ {2}\/\/ "lr0": 0\.001,$/m, 'fields without a default are there, commented out, with an example');
});

test('autolr init refuses to overwrite a file or an unknown task (exit 2); --force replaces the file', async () => {
  const file = join(work, 'taken.jsonc');
  writeFileSync(file, 'mine');
  const refused = await cli('init', '-o', file);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /taken\.jsonc exists; choose another -o, or replace it with --force/);
  assert.equal(readFileSync(file, 'utf8'), 'mine');
  assert.equal((await cli('init', '-o', file, '--force')).code, 0);
  assert.match(readFileSync(file, 'utf8'), /"tasks": \["mnist-mlp"\]/);
  const unknown = await cli('init', '--task', 'imagenet', '-o', join(work, 'x.jsonc'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown task "imagenet"/);
  assert.equal(existsSync(join(work, 'x.jsonc')), false);
});

test('evolve --dry-run prints the resolved config, the seeded rules and the cost in runs, and writes nothing', async () => {
  const file = join(work, 'dry.jsonc');
  assert.equal((await cli('init', '--task', 'synthetic', '-o', file)).code, 0);
  const runs = join(work, 'runs-never-made');
  // --population given; --generations left at its default, so the file's 12 (not a flag) holds.
  const r = await cli('evolve', '--config', file, '--population', '18', '--seeds', 'constant,exponential,cosine', '--runs', runs, '--dry-run');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dry run: nothing trained, nothing written; the campaign would write .*runs-never-made\/dlr-synthetic-s0$/m);
  const config = JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.indexOf('\n}') + 2)) as Record<string, unknown>;
  assert.deepEqual(config, JSON.parse(JSON.stringify(resolveConfig({ tasks: ['synthetic'], population: 18, seeds: ['constant', 'exponential', 'cosine'] }))));
  assert.match(r.out, /seeded rules \(3 of a population of 18; the rest are random derivations of dlr-relative\):\n {2}constant +epoch: lr0\n {2}exponential +epoch: lr0 \* pow\(0\.95, epoch\)\n {2}cosine +epoch: /);
  // 18 + 11 × (18 − 2 elites) = 194 candidates; re-scoring: (10 + 1 + 3) rules × 1 task × 5 seeds; tuning: 14 × (7 + 5).
  assert.match(r.out, /^ {2}search +194 cheap \+ \d+ full +194 candidates over 12 generations, each cheap on 1 task; about \d+ \(the seeds and 25 % of the rest\) also full$/m);
  assert.match(r.out, /^ {2}re-scoring +70 full +at most 14 rules .* × 1 task × 5 fresh seeds$/m);
  assert.match(r.out, /^ {2}tuning +168 full +at most 14 rules × 1 task × \(7 rates \+ 5 seeds\)$/m);
  assert.match(r.out, /^ {2}total +194 cheap \+ \d+ full$/m);
  assert.equal(existsSync(runs), false, 'no folder is created');

  const json = JSON.parse((await cli('evolve', '--task', 'synthetic,helmholtz-250', '--seeds', 'constant', '--runs', runs, '--dry-run', '--json')).out) as {
    config: { tasks: string[] };
    seeds: Array<{ baseline: string; rule: string }>;
    cost: Array<{ stage: string; cheapRuns: number; fullRuns: number }>;
  };
  assert.deepEqual(json.config.tasks, ['synthetic', 'helmholtz-250']);
  assert.deepEqual(json.seeds, [{ baseline: 'constant', rule: 'epoch: lr0' }]);
  assert.deepEqual(json.cost.map((s) => s.stage), ['references', 'search', 're-scoring', 'tuning']);
  assert.deepEqual(json.cost[0], { stage: 'references', tasks: ['synthetic', 'helmholtz-250'], cheapRuns: 2, fullRuns: 2, how: 'the reference constant once per task and fidelity, to normalise the scores' });
  assert.equal(existsSync(runs), false);
  // The PINN's acc is computed from its exact solution: a grammar that can read it is warned about.
  assert.deepEqual((json as unknown as { warnings: string[] }).warnings, [
    'the grammar dlr-relative can read acc and acc_prev, which on helmholtz-250 are computed from the exact solution (acc is 1 − the relative L2 error against it): a rule that reads them cannot run where that is unknown. To search without acc and acc_prev, write the grammar out (autolr grammar dlr-relative > no-oracle.bnf), delete them from it and give its path as "grammar".',
  ]);
  assert.doesNotMatch(r.out, /warning/, 'no oracle on the synthetic task');

  // Tuning kept to the held-out tasks: the search task is re-scored as searched but not tuned, and the cost says so.
  const heldOut = await cli('evolve', '--task', 'synthetic', '--validation', 'helmholtz-500,helmholtz-1000', '--seeds', 'constant', '--hall-of-fame', '1', '--tuning-points', '3', '--tuning-tasks', 'held-out', '--runs', runs, '--dry-run');
  assert.equal(heldOut.code, 0, heldOut.err);
  assert.match(heldOut.out, /"tuning": \{\n\s+"points": 3,\n\s+"span": 30,\n\s+"tasks": "held-out"\n\s+\}/);
  assert.match(heldOut.out, /^ {2}re-scoring +15 full +at most 3 rules .* × 1 task × 5 fresh seeds$/m);
  assert.match(heldOut.out, /^ {2}tuning +48 full +at most 3 rules × 2 tasks \(held out only\) × \(3 rates \+ 5 seeds\)$/m);
  assert.match(heldOut.out, /^warning: the grammar dlr-relative can read acc and acc_prev, which on helmholtz-500, helmholtz-1000 are computed from the exact solution/m);

  // The checks a new campaign makes before its folder exists refuse a dry run too.
  const crowded = await cli('evolve', '--task', 'synthetic', '--population', '4', '--runs', runs, '--dry-run');
  assert.equal(crowded.code, 2);
  assert.match(crowded.err, /16 baselines are seeded but the population holds 4/);
  assert.equal(existsSync(runs), false);
});

test('evolve --dry-run --measure times one run per task and fidelity here and estimates each stage from them; --measure alone is refused', async () => {
  const runs = join(work, 'runs-measured');
  const args = ['evolve', '--task', 'synthetic', '--validation', 'helmholtz-500', '--budgets', '{"cheap": {"epochs": 2}, "full": {"epochs": 3}}', '--seeds', 'constant', '--population', '4', '--generations', '2', '--tuning-points', '3', '--final-seeds', '2', '--backend', 'wasm', '--workers', '2', '--runs', runs, '--dry-run', '--measure'];
  const json = JSON.parse((await cli(...args, '--json')).out) as {
    cost: Array<{ stage: string; tasks: string[]; cheapRuns: number; fullRuns: number }>;
    time: { backend: string; runSeconds: Record<string, { cheap?: number; full: number }>; stageSeconds: Record<string, number> };
  };
  assert.equal(json.time.backend, 'wasm');
  assert.deepEqual(Object.keys(json.time.runSeconds), ['synthetic', 'helmholtz-500'], 'the search task and the held-out one');
  for (const run of Object.values(json.time.runSeconds)) {
    assert.ok(run.full > 0 && run.cheap !== undefined && run.cheap > 0, JSON.stringify(run));
  }
  // Each stage: its runs shared equally among its tasks, times each task's measured run.
  for (const stage of json.cost) {
    const expected = stage.tasks.reduce((sum, t) => {
      const run = json.time.runSeconds[t] as { cheap?: number; full: number };
      return sum + (stage.cheapRuns / stage.tasks.length) * (run.cheap as number) + (stage.fullRuns / stage.tasks.length) * run.full;
    }, 0);
    assert.ok(Math.abs((json.time.stageSeconds[stage.stage] as number) - expected) < 1e-9, stage.stage);
  }
  assert.deepEqual(json.cost.find((s) => s.stage === 'tuning')?.tasks, ['synthetic', 'helmholtz-500'], 'tuning also trains on the held-out task');
  const text = await cli(...args);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^time, from one measured run of each task on wasm \(synthetic: cheap \d+\.\d s, full \d+\.\d s; helmholtz-500: cheap /m);
  assert.match(text.out, /^ {2}total +\S+ (s|min|h) on one worker; with 2 workers, /m);
  assert.equal(existsSync(runs), false, 'measuring writes nothing');
  const alone = await cli('evolve', '--task', 'synthetic', '--runs', runs, '--measure');
  assert.equal(alone.code, 2);
  assert.match(alone.err, /--measure goes with --dry-run/);
});

test('a config file may hold comments and trailing commas; a broken one is refused naming the line and column', async () => {
  const file = join(work, 'commented.jsonc');
  writeFileSync(file, '// mine\n{\n  "tasks": ["synthetic"], /* the quick one */\n  "population": 18,\n}\n');
  const ok = await cli('evolve', '--config', file, '--runs', join(work, 'none'), '--dry-run', '--json');
  assert.equal(ok.code, 0, ok.err);
  assert.equal((JSON.parse(ok.out) as { config: { population: number } }).config.population, 18);
  const broken = join(work, 'broken.jsonc');
  writeFileSync(broken, '{\n  "tasks": ["synthetic"]\n  "population": 18\n}\n');
  const r = await cli('evolve', '--config', broken, '--dry-run');
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read the config file .*broken\.jsonc: CommaExpected at line 3, column 3/);
  const list = join(work, 'list.json');
  writeFileSync(list, '["synthetic"]');
  assert.match((await cli('evolve', '--config', list, '--dry-run')).err, /must hold one JSON object of campaign fields/);
});

test('evolve --help shows the defaults, taken from the config module', async () => {
  const r = await cli('evolve', '--help');
  assert.equal(r.code, 0);
  const d = defaultConfig('dlr');
  const tuning = d.tuning === false ? 0 : d.tuning.points;
  // Each option's entry, its wrapped lines joined.
  const entries = r.out.split(/\n {2}(?=-)/).map((e) => e.replace(/\s+/g, ' ').trim());
  const entry = (flag: string): string => entries.find((e) => e.startsWith(`${flag} `)) ?? assert.fail(`no ${flag} in:\n${r.out}`);
  for (const [flag, value] of [['--population', d.population], ['--generations', d.generations], ['--workers', d.workers], ['--final-seeds', d.finalSeeds], ['--hall-of-fame', d.hallOfFame], ['--tuning-points', tuning], ['--time-limit', d.timeLimit], ['--variant', '"dlr"'], ['--seeds', '"all"'], ['--optimizer', `"${d.optimizer}"`]] as const) {
    assert.ok(entry(flag).endsWith(`(default: ${value})`), `${flag} shows its default ${value}: ${entry(flag)}`);
  }
  assert.match(r.out, /--dry-run/);
});

test('hints name paths relative to the working directory when they lie inside it', async () => {
  assert.equal(displayPath('/home/u/proj/runs/a', '/home/u/proj'), 'runs/a');
  assert.equal(displayPath('runs/a', '/home/u/proj'), 'runs/a');
  assert.equal(displayPath('/home/u/proj', '/home/u/proj'), '.');
  assert.equal(displayPath('/tmp/runs/a', '/home/u/proj'), '/tmp/runs/a', 'outside it, absolute');
  assert.equal(displayPath('/home/u/proj/..x/a', '/home/u/proj'), '..x/a');
  const here = process.cwd();
  process.chdir(work);
  try {
    const config = join(work, 'tiny.json');
    writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 1, seeds: ['constant'], finalSeeds: 1, hallOfFame: 1, tuning: false }));
    const r = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', join(work, 'runs'), '--name', 'rel');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^campaign folder: runs\/rel$/m);
    assert.match(r.out, /^next: autolr report runs\/rel {3}· {3}autolr export runs\/rel --format ts -o best\.ts$/m);
    const again = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', join(work, 'runs'), '--name', 'rel');
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, /runs\/rel already holds a campaign; resume it with --resume runs\/rel,/, 'the store names the folder as the user can type it');
    const init = await cli('init', '-o', join(work, 'here.jsonc'));
    assert.match(init.out, /^wrote here\.jsonc\n.*autolr evolve --config here\.jsonc --dry-run/m);
  } finally {
    process.chdir(here);
  }
});

test('the oracle warning\'s fix works: the grammar written out with acc and acc_prev deleted is searched without a warning', async () => {
  const shown = await cli('grammar', 'dlr-shape');
  assert.equal(shown.code, 0, shown.err);
  const withoutOracle = shown.out.replace('| acc | acc_prev | batch_loss', '| batch_loss');
  assert.notEqual(withoutOracle, shown.out);
  // The published PINN shape campaign's grammar (examples/grammars) is exactly this, below its own comment.
  const published = readFileSync('examples/grammars/dlr-shape-no-oracle.bnf', 'utf8');
  assert.equal(published.slice(published.indexOf('\n#\n') + 3).trimEnd(), withoutOracle.trimEnd());
  const bnf = join(work, 'no-oracle.bnf');
  writeFileSync(bnf, withoutOracle);
  const config = (grammar: string): string => {
    const file = join(work, `pinn-${grammar === bnf ? 'file' : grammar}.json`);
    writeFileSync(file, JSON.stringify({ name: 'pinn', tasks: ['helmholtz-250'], grammar, seeds: ['constant', 'linear_decay'] }));
    return file;
  };
  const warned = await cli('evolve', '--config', config('dlr-shape'), '--runs', join(work, 'never'), '--dry-run');
  assert.equal(warned.code, 0, warned.err);
  assert.match(warned.out, /^warning: the grammar dlr-shape can read acc and acc_prev, which on helmholtz-250 are computed from the exact solution/m);
  const clean = await cli('evolve', '--config', config(bnf), '--runs', join(work, 'never'), '--dry-run');
  assert.equal(clean.code, 0, clean.err);
  assert.doesNotMatch(clean.out, /warning/);
  assert.match(clean.out, /seeded rules \(2 of a population of 20; the rest are random derivations of .*no-oracle\.bnf\)/);
});

test('evolve --grammar chooses the grammar (a built-in or a file); an unknown one or one of the other variant is refused with the choices', async () => {
  const runs = join(work, 'runs-grammar');
  const shape = await cli('evolve', '--task', 'synthetic', '--grammar', 'dlr-shape', '--seeds', 'constant,cosine', '--runs', runs, '--dry-run');
  assert.equal(shape.code, 0, shape.err);
  assert.match(shape.out, /"grammar": "dlr-shape"/);
  assert.match(shape.out, /^ {2}cosine +epoch: lr0 \* min\(1, max\(0, 0\.5 \* \(1 \+ cos\(/m);
  const unknown = await cli('evolve', '--task', 'synthetic', '--grammar', 'dlr-shapes', '--runs', runs, '--dry-run');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /dlr-shapes: no such grammar file \(built-in grammars: dlr, alr, alr-relative, alr-shape, dlr-relative, dlr-shape\)/);
  const otherVariant = await cli('evolve', '--task', 'synthetic', '--grammar', 'alr-shape', '--runs', runs, '--dry-run');
  assert.equal(otherVariant.code, 2);
  assert.match(otherVariant.err, /alr-shape: this grammar derives alr rules, but a dlr grammar is needed/);
  assert.equal(existsSync(runs), false);
});
