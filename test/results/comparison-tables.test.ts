/**
 * The tuned comparison tables in docs/results.md are what `autolr compare`
 * prints for the published campaign folders today: each table sits between
 * a marker naming the command and an end marker, and is rebuilt here. A
 * change to the comparison, its formatting or a published folder that is not
 * carried into the page fails this test, with the command that rebuilds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MARKED = /<!-- autolr compare (.+?) -->\n([\s\S]*?)\n<!-- end of autolr compare -->/g;

test('every tuned comparison table in docs/results.md is what autolr compare prints for its folder', async () => {
  const page = readFileSync(join(ROOT, 'docs', 'results.md'), 'utf8');
  const tables = [...page.matchAll(MARKED)];
  assert.ok(tables.length >= 2, 'docs/results.md publishes the protocol campaigns\' tables between markers');
  for (const [, args, published] of tables) {
    const argv = (args as string).split(/\s+/).map((a) => (a.startsWith('examples/') ? join(ROOT, a) : a));
    const r = await cli('compare', ...argv, '--markdown');
    assert.equal(r.code, 0, r.err);
    assert.equal(published, r.out, `the table for "autolr compare ${args}" is out of date: paste the output of "npx autolr compare ${args} --markdown"`);
  }
});
