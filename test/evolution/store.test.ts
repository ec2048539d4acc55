import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { completedCampaign, runCampaign } from '../../src/evolution/campaign.js';
import { writeCheckpoint } from '../../src/evolution/checkpoint.js';
import { resolveConfig } from '../../src/evolution/config.js';
import { CampaignFolderError, CampaignStore, readResultsFile, SCHEMA } from '../../src/evolution/store.js';
import { InputError } from '../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'autolr-store-'));
const SRC = join(import.meta.dirname, '..', '..', 'src');
const PUBLISHED = join(import.meta.dirname, '..', '..', 'examples', 'runs');

function entry(id: string, combined: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, text: 'epoch: lr0', simplified: 'epoch: lr0', hash: `h-${id}`, origin: { kind: 'random' }, lineage: [], combined, scores: { synthetic: combined }, generation: 0, wallMs: 1, ...extra };
}

function folder(name: string, config: Record<string, unknown> = { name, tasks: ['synthetic'] }): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

test('an older hof.json (no schema) is read in the current shape: lists, test scores with failures, no mean where no run finished', () => {
  const dir = folder('old-hof');
  const seed = entry('g0-0', 0.5, { origin: { kind: 'seed', baseline: 'constant' }, lineage: ['constant'], test: { synthetic: { mean: 0, sd: 0, values: [null, null], metric: 'accuracy' } } });
  const best = entry('g2-3', 0.9, { test: { synthetic: { mean: 0.8, sd: 0.1, values: [0.7, 0.9], metric: 'accuracy' } } });
  writeFileSync(join(dir, 'hof.json'), JSON.stringify({ campaign: 'old-hof', hallOfFame: [best], bestBaseline: seed, counters: {} }));
  const results = new CampaignStore(dir).results();
  assert.equal(results.schema, SCHEMA);
  assert.deepEqual(results.baselines, [], 'no baselines list in the file: an empty one');
  assert.equal(results.bestEvolved, null);
  assert.deepEqual(results.hallOfFame[0]?.test?.synthetic?.failures, [null, null]);
  const stopped = results.bestBaseline?.test?.synthetic;
  assert.ok(stopped && Number.isNaN(stopped.mean) && Number.isNaN(stopped.sd), 'the 0 written where no run finished is no mean');
  assert.deepEqual(stopped.failures, ['stopped (reason not recorded)', 'stopped (reason not recorded)']);
  // The view (hof, report) shows the best baseline as the baselines of a campaign that kept only it.
  const view = new CampaignStore(dir).view();
  assert.equal(view.final, true);
  assert.deepEqual(view.baselines.map((b) => b.id), ['g0-0']);
  // Baselines stored by name rather than as a list are read as a list, best first.
  writeFileSync(join(dir, 'hof.json'), JSON.stringify({ hallOfFame: [best], baselines: { a: entry('g0-1', 0.2), b: entry('g0-2', 0.6) } }));
  assert.deepEqual(readResultsFile(dir).baselines.map((b) => b.id), ['g0-2', 'g0-1']);
});

test('a folder of a newer schema, or one that is not a campaign, is refused with an input error', () => {
  const dir = folder('newer');
  writeFileSync(join(dir, 'hof.json'), JSON.stringify({ schema: SCHEMA + 1, hallOfFame: [] }));
  assert.throws(() => new CampaignStore(dir).view(), (e: unknown) => e instanceof CampaignFolderError && /newer version of autolr \(schema 3/.test(e.message));
  assert.throws(() => new CampaignStore(join(root, 'nowhere')).view(), (e: unknown) => e instanceof InputError && /is not a campaign folder \(no config.json\)/.test(e.message));
  assert.throws(() => readResultsFile(join(root, 'nowhere')), /no hall of fame at .*nowhere: give a campaign folder that has finished/);
  const running = folder('running');
  assert.throws(() => new CampaignStore(running).view(), /has no hall of fame yet \(no generation has finished\)/);
  assert.throws(() => new CampaignStore(running).resumePoint(), /has no usable checkpoint to resume from \(did the campaign finish its first generation\?\)/);
});

test('an older checkpoint resumes as it ran: the best evolved rule comes from the events it had seen, later events are cut off', () => {
  const dir = folder('old-checkpoint');
  const line = (id: string, origin: Record<string, unknown>, combined: number, generation = 0): string =>
    JSON.stringify({ type: 'evaluation', generation, id, genotype: {}, rule: 'epoch: lr0 * 0.5', origin, level: 'full', combined, cheap: {}, full: { synthetic: { score: combined, ok: true, wallMs: 7 } } });
  const seen = [line('g0-0', { kind: 'seed', baseline: 'constant' }, 0.9), line('g0-1', { kind: 'random' }, 0.4), line('g0-2', { kind: 'random' }, 0.6), JSON.stringify({ type: 'generation', generation: 0 })].join('\n') + '\n';
  const interrupted = `${line('g1-5', { kind: 'random' }, 0.95, 1)}\n`;
  writeFileSync(join(dir, 'events.jsonl'), seen + interrupted);
  const config = resolveConfig({ name: 'old-checkpoint', tasks: ['synthetic'] });
  const body = {
    config,
    generation: 0,
    strategy: {},
    cache: {},
    references: { cheap: {}, full: {} },
    previousCheapScores: [0.1],
    hallOfFame: [entry('g0-0', 0.9)],
    genealogy: { 'g0-0': { kind: 'seed', baseline: 'constant' }, 'g0-1': { kind: 'random' }, 'g0-2': { kind: 'random' } },
    bestBaseline: entry('g0-0', 0.9),
    eventsBytes: Buffer.byteLength(seen),
    counters: { evaluations: 3, cacheHits: 0, structureHits: 0, behaviourHits: 0, promoted: 3, candidates: 3, failures: 0, workerMs: 21 },
    complete: false,
  };
  writeCheckpoint(dir, 1, body);
  const skipped: string[] = [];
  const point = new CampaignStore(dir).resumePoint((path) => skipped.push(path));
  assert.deepEqual(skipped, []);
  assert.equal(point.discardedBytes, Buffer.byteLength(interrupted));
  assert.equal(readFileSync(join(dir, 'events.jsonl'), 'utf8'), seen);
  assert.equal(point.body.schema, SCHEMA);
  assert.equal(point.body.bestEvolved?.id, 'g0-2', 'the best non-seed rule the checkpoint had seen, not the interrupted generation\'s');
  assert.equal(point.body.bestEvolved?.wallMs, 7);
  assert.equal(point.body.seedFloor, undefined, 'no seed floor: the campaign goes on as it ran');
  assert.equal(point.body.baselines, undefined);
  // The running campaign's view reads the same upgraded checkpoint.
  const view = new CampaignStore(dir).view();
  assert.equal(view.final, false);
  assert.equal(view.bestEvolved?.id, 'g0-2');
});

test('only the store knows the campaign folder: no other source file names its files or touches the file system in src/evolution', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const path = join(dir, f);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  const owners = new Set(['evolution/store.ts', 'evolution/checkpoint.ts']);
  const layout = /['"`](hof\.json|events\.jsonl|config\.json|checkpoints|report\.html)['"`]/;
  for (const file of files(SRC)) {
    const name = relative(SRC, file).split('\\').join('/');
    if (owners.has(name)) continue;
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, layout, `${name} names a file of the campaign folder`);
    assert.doesNotMatch(text, /from '[./]*(evolution\/)?checkpoint\.js'/, `${name} uses the checkpoint files directly`);
    if (name.startsWith('evolution/')) assert.doesNotMatch(text, /from 'node:fs'/, `${name} touches files`);
  }
});

test('a published campaign folder (no checkpoints) resumes as complete: its results, nothing trained, nothing written', async () => {
  const dir = join(root, 'published');
  cpSync(join(PUBLISHED, 'dlr-mnist-mlp'), dir, { recursive: true });
  const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs, readFileSync(join(dir, f), 'utf8')]);
  const config = resolveConfig({ ...new CampaignStore(dir).rawConfig(), name: 'published' });
  const published = JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: Array<{ id: string; combined: number }>; counters: unknown };
  const nothing = {
    evaluate: (): never => {
      throw new Error('a complete campaign must not train');
    },
  };
  const lines: string[] = [];
  const summary = await runCampaign(config, { runsDir: root, resume: true, evaluator: nothing, log: (l) => lines.push(l) });
  assert.deepEqual(lines, ['campaign published is already complete']);
  assert.deepEqual(summary.hallOfFame.map((h) => [h.id, h.combined]), published.hallOfFame.map((h) => [h.id, h.combined]));
  assert.deepEqual(summary.counters, published.counters);
  assert.ok(summary.baselines.length > 0 && summary.bestBaseline);
  assert.deepEqual(completedCampaign(config, root)?.hallOfFame, summary.hallOfFame);
  const after = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs, readFileSync(join(dir, f), 'utf8')]);
  assert.deepEqual(after, before);
});
