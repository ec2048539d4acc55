import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  assert.match(table.out, /rank +id +score +synthetic \(search\) +test \(fresh seeds\) +tuned: lr0, test +vs best baseline +from +time +rule \(simplified\)/);
  // The answer first: whether evolution beat the best tuned baseline, with the interval's verdict.
  assert.match(table.out.split('\n')[0] as string, /^(No evolved rule reached full fidelity|Evolution's best rule, g\d+-\d+, at its tuned lr0, (beat|did not beat) the best tuned baseline)/);
  assert.match(table.out, /\nbest baseline: (constant|exponential) \(g0-\d+\) score 0\.\d+/);
  assert.match(table.out, /seeded baselines \(full fidelity\):\n.*baseline +score +synthetic \(search\) +test \(fresh seeds\) +tuned: lr0, test +best rule vs baseline \(tuned, paired seeds, 95 % CI\)/);
  assert.match(
    table.out,
    /\bconstant\b.*(better|worse|no difference): [+-]\d\.\d{4}( \[[+-]\d\.\d{4}, [+-]\d\.\d{4}\])?, \d\/2 seeds/,
    'each baseline shows the verdict, the mean paired difference (with its interval when there is spread) and the seeds won',
  );
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

test('autolr hof on a multi-task PINN campaign: the lower error wins a seed, each task is named, a baseline that never finished says so', async () => {
  const dir = join(runs, 'pinn');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'pinn', tasks: ['helmholtz-250', 'helmholtz-500'] }));
  const errors = (values: Array<number | null>) => {
    const done = values.filter((v): v is number => v !== null);
    const mean = done.length > 0 ? done.reduce((a, b) => a + b, 0) / done.length : null;
    return { mean, sd: done.length > 0 ? 0 : null, values, metric: 'relative_error', failures: values.map((v) => (v === null ? 'lr-not-positive: the rule gave the rate -0.001' : null)) };
  };
  const entry = (id: string, baseline: string | undefined, test: Record<string, unknown>) => ({
    id,
    text: 'epoch: lr0',
    simplified: 'epoch: lr0',
    hash: id,
    origin: baseline ? { kind: 'seed', baseline } : { kind: 'random' },
    lineage: baseline ? [baseline] : [],
    combined: 1,
    scores: { 'helmholtz-250': 2, 'helmholtz-500': 0.5 },
    generation: 0,
    wallMs: 1000,
    test,
  });
  const best = entry('g3-7', undefined, { 'helmholtz-250': errors([0.01, 0.02, 0.03]), 'helmholtz-500': errors([0.5, 0.4, 0.6]) });
  const dlrs = entry('g0-1', 'dlrs', { 'helmholtz-250': errors([null, null, null]), 'helmholtz-500': errors([0.45, 0.5, 0.7]) });
  writeFileSync(join(dir, 'hof.json'), JSON.stringify({ hallOfFame: [best], bestBaseline: dlrs, baselines: [dlrs] }));
  const r = await cli('hof', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /helmholtz-250: all 3 runs stopped; helmholtz-500 relative_error 0\.5500 ± 0\.0000/);
  assert.match(
    r.out,
    /helmholtz-250 no difference: n\/a, 3\/3 seeds \(0 finished pairs\); helmholtz-500 no difference: -0\.0500 \[-0\.2651, \+0\.1651\], 2\/3 seeds/,
    'lower errors on seeds 2 and 3 win them, but the interval does not exclude 0',
  );
  assert.match(r.out, /helmholtz-500 test -0\.0500/);
  assert.doesNotMatch(r.out, /helmholtz-250 test/, 'no difference with a baseline none of whose runs finished');
});

test('the published campaign folders (config, events, hof.json, no checkpoints) still work with hof, report, export and --resume', async () => {
  const published = join(import.meta.dirname, '..', '..', 'examples', 'runs');
  for (const name of ['dlr-mnist-mlp', 'dlr-fashion-mnist-mlp', 'alr-mnist-mlp', 'dlr-helmholtz-4f']) {
    const dir = join(published, name);
    const stored = JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: Array<{ id: string }> };
    const hof = await cli('hof', dir);
    assert.equal(hof.code, 0, `${name}: ${hof.err}`);
    assert.match(hof.out, new RegExp(`\\n1 +${stored.hallOfFame[0]?.id} `), name);
    assert.match(hof.out, /seeded baselines \(full fidelity\)/);
    const page = join(runs, `${name}.html`);
    const report = await cli('report', dir, '-o', page);
    assert.equal(report.code, 0, `${name}: ${report.err}`);
    assert.match(readFileSync(page, 'utf8'), /<svg[\s>]/);
    const exported = await cli('export', dir, '--format', 'py');
    assert.equal(exported.code, 0, `${name}: ${exported.err}`);
    assert.match(exported.out, new RegExp(`entry: +${stored.hallOfFame[0]?.id} \\(rank 1\\)`));
    const resumed = await cli('evolve', '--resume', dir, '--json');
    assert.equal(resumed.code, 0, `${name}: ${resumed.err}`);
    assert.match(resumed.err, /already complete/);
    assert.equal((JSON.parse(resumed.out) as { hallOfFame: Array<{ id: string }> }).hallOfFame[0]?.id, stored.hallOfFame[0]?.id);
  }
});
