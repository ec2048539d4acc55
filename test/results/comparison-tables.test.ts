/**
 * The tuned comparison tables in docs/results.md are what `autolr compare`
 * prints for the published campaign folders today: each table sits between
 * a marker naming the command and an end marker, and is rebuilt here. A
 * change to the comparison, its formatting or a published folder that is not
 * carried into the page fails this test, with the command that rebuilds it.
 * The page's summary of all the campaigns is rebuilt from the same commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TaskComparison } from '../../src/evolution/comparison.js';
import { signedDifference } from '../../src/evolution/paired.js';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MARKED = /<!-- autolr compare (.+?) -->\n([\s\S]*?)\n<!-- end of autolr compare -->/g;
const SUMMARY = /<!-- summary of the marked comparisons -->\n([\s\S]*?)\n<!-- end of summary -->/;
/** A marker's arguments as a command line, the published folders resolved from the repository root. */
const commandLine = (args: string): string[] => args.split(/\s+/).map((a) => (a.startsWith('examples/') ? join(ROOT, a) : a));
const SUMMARY_HEAD = '| campaign | held-out task | evolved rule | best tuned baseline there | test mean, rule vs baseline | rule − baseline [95 % CI] | seeds won | verdict |';

test('every tuned comparison table in docs/results.md is what autolr compare prints for its folder', async () => {
  const page = readFileSync(join(ROOT, 'docs', 'results.md'), 'utf8');
  const tables = [...page.matchAll(MARKED)];
  assert.ok(tables.length >= 2, 'docs/results.md publishes the protocol campaigns\' tables between markers');
  for (const [, args, published] of tables) {
    const r = await cli('compare', ...commandLine(args as string), '--markdown');
    assert.equal(r.code, 0, r.err);
    assert.equal(published, r.out, `the table for "autolr compare ${args}" is out of date: paste the output of "npx autolr compare ${args} --markdown"`);
  }
});

/** The parts of `autolr compare --json` the summary reads. */
interface ComparedCampaign {
  readonly rule: { readonly id: string };
  readonly tasks: readonly TaskComparison[];
}

/**
 * One row per held-out task of a marked comparison: the evolved rule against
 * the best tuned baseline there, as that comparison's table says it.
 */
function summaryRows(campaign: string, compared: ComparedCampaign): string[] {
  return compared.tasks
    .filter((t) => t.heldOut)
    .map((t) => {
      const evolved = t.rows.find((r) => r.evolved);
      const best = t.rows.find((r) => !r.evolved && r.name === t.bestBaseline);
      assert.ok(evolved && best?.paired, `${campaign}: ${t.task} has the evolved rule and a paired best baseline`);
      const p = best.paired;
      const means = `${evolved.test.mean.toFixed(4)} vs ${best.test.mean.toFixed(4)}`;
      return `| \`${campaign}\` | ${t.task} | ${compared.rule.id} | ${best.name} | ${means} | ${signedDifference(p)} | ${p.wins}/${p.seeds} | ${p.verdict} |`;
    });
}

test('the summary of the protocol campaigns in docs/results.md is the held-out rows of every marked comparison', async () => {
  const page = readFileSync(join(ROOT, 'docs', 'results.md'), 'utf8');
  const published = SUMMARY.exec(page)?.[1];
  assert.ok(published !== undefined, 'docs/results.md has the summary between its markers');
  const rows: string[] = [];
  for (const [, args] of page.matchAll(MARKED)) {
    const r = await cli('compare', ...commandLine(args as string), '--json');
    assert.equal(r.code, 0, r.err);
    rows.push(...summaryRows(basename((args as string).split(/\s+/)[0] as string), JSON.parse(r.out) as ComparedCampaign));
  }
  const expected = [SUMMARY_HEAD, `|${SUMMARY_HEAD.split('|').slice(1, -1).map(() => '---').join('|')}|`, ...rows].join('\n');
  assert.equal(published, expected, `the summary is out of date; it should read:\n${expected}`);
});
