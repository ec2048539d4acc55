import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const runs = mkdtempSync(join(tmpdir(), 'autolr-compare-'));
const base = { tasks: ['synthetic'], population: 4, generations: 2, finalSeeds: 3, hallOfFame: 1, tuning: { points: 3, span: 10 }, seed: 4, multiFidelity: false };
// Every candidate at full fidelity, so the tiny search always has an evolved rule to compare.

async function campaign(name: string, fields: Record<string, unknown>): Promise<string> {
  const config = join(runs, `${name}.json`);
  writeFileSync(config, JSON.stringify({ ...base, ...fields }));
  const made = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', name);
  assert.equal(made.code, 0, made.err);
  return join(runs, name);
}

test('autolr compare: the evolved rule against every tuned baseline, as a table, Markdown or JSON; baselines from a campaign run the same way', async () => {
  const seeded = await campaign('seeded', { seeds: ['constant', 'exponential', 'cosine'] });
  const table = await cli('compare', seeded, '--wide');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^synthetic \(searched on\): test accuracy, higher is better; 3 fresh seeds, every rule at its tuned lr0$/m);
  assert.match(table.out, /rule +tuned lr0 +test mean ± sd +rule − baseline \[95 % CI\] +seeds won +verdict/);
  for (const name of ['constant', 'exponential', 'cosine']) {
    assert.match(table.out, new RegExp(`^${name}( \\(best baseline\\))? +\\d\\.\\d\\de-\\d( \\((lowest|highest) of grid\\))? +\\d\\.\\d{4} ± \\d\\.\\d{4} +[+-]\\d\\.\\d{4}.* +\\d/3 +(better|worse|no detectable difference)$`, 'm'));
  }
  const markdown = await cli('compare', seeded, '--markdown');
  assert.match(markdown.out, /^\| rule \| tuned lr0 \| test mean ± sd \| rule − baseline \[95 % CI\] \| seeds won \| verdict \|\n\|---\|---\|---\|---\|---\|---\|$/m);
  assert.match(markdown.out, /^\| g\d+-\d+ \(evolved\) \| \d\.\d\de-\d( \((lowest|highest) of grid\))? \| /m);
  const json = JSON.parse((await cli('compare', seeded, '--json')).out);
  assert.equal(json.tasks[0].rows.length, 4);
  assert.equal(json.tasks[0].rows[1].paired.seeds, 3);

  // Without seeds the campaign has no baselines of its own; the seeded one's pair with it seed by seed.
  const bare = await campaign('bare', { seeds: 'none' });
  const alone = await cli('compare', bare);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /no baseline was tuned: .*--baselines-from/);
  const borrowed = await cli('compare', bare, '--baselines-from', seeded, '--json');
  assert.equal(borrowed.code, 0, borrowed.err);
  assert.deepEqual(JSON.parse(borrowed.out).tasks[0].rows.slice(1).map((r: { name: string }) => r.name).sort(), ['constant', 'cosine', 'exponential']);

  const other = await campaign('other-seed', { seeds: ['constant'], seed: 5 });
  const refused = await cli('compare', bare, '--baselines-from', other);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /ran a different protocol from .*bare, so its baselines' runs are not paired with the rule's: seed: 4 vs 5/);
  const shorter = await campaign('shorter', { seeds: ['constant'], budgets: { full: { epochs: 4 } } });
  const unpaired = await cli('compare', bare, '--baselines-from', shorter);
  assert.equal(unpaired.code, 2);
  assert.match(unpaired.err, /share no task trained with the same budget: nothing pairs/);
  assert.match((await cli('compare', join(runs, 'nothing'))).err, /is not a campaign folder/);
});
