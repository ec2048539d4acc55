/**
 * The published reports (examples/runs/<name>/report.html) are what the
 * current code makes of their folders: each is generated again, by the
 * command, and compared byte for byte with the committed page. A report has
 * no time stamp and no random ids, so the same folder gives the same page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const RUNS = join(import.meta.dirname, '..', '..', 'examples', 'runs');
const PUBLISHED = readdirSync(RUNS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(RUNS, d.name, 'report.html')))
  .map((d) => d.name)
  .sort();
const out = mkdtempSync(join(tmpdir(), 'autolr-published-'));

/** The first line where two texts differ, for a failure message that shows what changed. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, k) => line !== y[k]);
  const at = i === -1 ? x.length : i;
  const clip = (s: string | undefined): string => (s === undefined ? '(none)' : s.length > 300 ? `${s.slice(0, 300)}…` : s);
  return `line ${at + 1}:\n  committed: ${clip(y[at])}\n  generated: ${clip(x[at])}`;
}

test('every published campaign has a report to check', () => {
  assert.deepEqual(PUBLISHED, ['alr-mnist-mlp', 'alr-mnist-shape', 'alr-mnist-tuned', 'dlr-fashion-mnist-mlp', 'dlr-helmholtz-1250-1500', 'dlr-helmholtz-4f', 'dlr-helmholtz-500', 'dlr-helmholtz-shape', 'dlr-helmholtz-tuned', 'dlr-mnist-mlp', 'dlr-mnist-rediscovery', 'dlr-mnist-rediscovery-rates', 'dlr-mnist-shape', 'dlr-mnist-shape-seeded', 'dlr-mnist-tuned', 'dlr-mnist-two-budgets', 'dlr-mnist-two-budgets-centred']);
});

for (const name of PUBLISHED) {
  test(`examples/runs/${name}/report.html is what autolr report makes of its folder today`, async () => {
    const target = join(out, `${name}.html`);
    const r = await cli('report', join(RUNS, name), '-o', target);
    assert.equal(r.code, 0, r.err);
    const generated = readFileSync(target, 'utf8');
    const committed = readFileSync(join(RUNS, name, 'report.html'), 'utf8');
    if (generated !== committed) {
      assert.fail(
        `examples/runs/${name}/report.html is out of date (${firstDifference(generated, committed)})\n` +
          `Regenerate it with: npx tsx src/cli/main.ts report examples/runs/${name}`,
      );
    }
  });
}

test('the published PINN report opens with a per-task answer, names its metrics, and shows its best evolved rule though only seeds top the hall of fame', () => {
  const html = readFileSync(join(RUNS, 'dlr-helmholtz-4f', 'report.html'), 'utf8');
  const opening = html.slice(html.indexOf('<p class="verdict">'), html.indexOf('</ul>'));
  for (const f of [250, 500, 750, 1000]) assert.match(opening, new RegExp(`<li>helmholtz-${f}, relative L2 error, lower is better: g2-43 did not beat (cosine|dlrs)`));
  assert.match(opening, /helmholtz-500, relative L2 error, lower is better: g2-43 did not beat cosine: worse by \+0\.3256 \(95 % interval \+0\.2205 to \+0\.4306; better on 0 of 5 seeds\)/);
  assert.match(opening, /helmholtz-750[^<]*within noise \(\+0\.1970\) \(95 % interval -0\.1097 to \+0\.5036, which includes 0/);
  assert.match(html, /<th>helmholtz-500 test: relative L2 error, lower is better \(mean ± sd\)<\/th>/);
  assert.match(html, /<th>helmholtz-500 search score: −log10\(relative L2 error\) on a 201-point grid \(2 = 1 % error\), higher is better<\/th>/);
  assert.match(html, /<td>best evolved<\/td><td>g2-43<\/td>/, 'the hall-of-fame table adds the best evolved rule');
  assert.match(html, /best seeded baseline \(cosine\)/, 'the score plot draws the best baseline');
  // The campaign predates keeping the best evolved rule's curves: the captions say so rather than passing seeds off as evolved.
  assert.doesNotMatch(html, /#1 g0-6/, 'the seed topping the hall of fame is drawn as the baseline it is');
  assert.match(html, /Not drawn: g2-43 \(best evolved\) — the campaign folder holds no curves for it on helmholtz-250/);
});
