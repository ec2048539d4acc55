import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli } from '../helpers/cli.js';
import { parseEventLog, generationRows } from '../../src/report/events.js';
import { buildReport } from '../../src/report/html.js';
import { resolveConfig } from '../../src/evolution/config.js';

const runs = mkdtempSync(join(tmpdir(), 'autolr-report-'));
const campaign = join(runs, 'r');

before(async () => {
  const config = join(runs, 'c.json');
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 5, generations: 3, seeds: ['constant', 'exponential', 'dlrs'], finalSeeds: 2, hallOfFame: 3 }));
  const made = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', runs, '--name', 'r');
  assert.equal(made.code, 0, made.err);
});

test('the event log gives per-generation best, median, elapsed time, cache-hit and promotion rates; a cut line is skipped', () => {
  const gen = (g: number, extra: Record<string, unknown>): string =>
    JSON.stringify({ type: 'generation', generation: g, candidates: 4, promoted: 2, bestCombinedThisGeneration: 0.5, medianCombined: 0.3, wallMs: 60_000, failures: 0, ...extra });
  const ev = (g: number, level: string, combined: number): string =>
    JSON.stringify({ type: 'evaluation', generation: g, id: `g${g}-${combined}`, level, combined, origin: { kind: 'random' }, cheap: { t: { wallMs: 10 } } });
  const text = [
    ev(0, 'full', 0.4),
    ev(0, 'cheap', 0.6),
    gen(0, { cache: { hits: 0 }, evaluations: 6 }),
    ev(1, 'full', 0.7),
    gen(1, { cache: { hits: 3 }, evaluations: 9, promoted: 1 }),
    '{"type":"evaluation","generation":2,"id":"g2-0","ru',
  ].join('\n');
  const log = parseEventLog(text);
  assert.equal(log.skippedLines, 1);
  assert.equal(log.evaluations.length, 3);
  const rows = generationRows(log);
  assert.deepEqual(
    rows.map((r) => [r.bestSoFar, r.elapsedS, r.cacheHitRate, r.promotionRate]),
    [
      [0.4, 60, 0, 0.5],
      [0.7, 120, 0.5, 0.25],
    ],
    'best so far counts full-fidelity scores only; cache rate = hits ÷ (hits + training runs) of the generation',
  );
});

test('autolr report writes one self-contained page: summary, plots as inline SVG, hall of fame and every baseline', async () => {
  const r = await cli('report', campaign);
  assert.equal(r.code, 0, r.err);
  const path = join(campaign, 'report.html');
  assert.equal(r.out, `wrote ${path}`);
  const html = readFileSync(path, 'utf8');
  assert.equal((html.match(/<svg[\s>]/g) ?? []).length, 5, 'three search plots, and LR and loss curves for the one task');
  for (const title of ['Score per generation', 'Score against wall time', 'Cache hits and promotions per generation', 'Learning rate per epoch on synthetic', 'Training loss per epoch on synthetic']) {
    assert.ok(html.includes(title), `plot "${title}" is present`);
  }
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i, 'nothing is loaded at view time');
  assert.doesNotMatch(html, /\s(src|href)=["'](?!#)/i);
  const hof = JSON.parse(readFileSync(join(campaign, 'hof.json'), 'utf8')) as { hallOfFame: Array<{ id: string }> };
  for (const h of hof.hallOfFame) assert.ok(html.includes(`<td>${h.id}</td>`), `hall-of-fame entry ${h.id} is in the table`);
  for (const name of ['constant', 'exponential', 'dlrs']) assert.ok(html.includes(`<td>${name}</td>`), `baseline ${name} is in the table`);
  assert.match(html, /(better|worse|no difference): [+-]\d\.\d{4}( \[[+-]\d\.\d{4}, [+-]\d\.\d{4}\])?, \d\/2 seeds/, 'paired comparisons over the fresh seeds, with their verdict');
  assert.match(html, /<h1>[^<]*<\/h1>\n<p class="verdict"><strong>Evolution&#39;s best rule, g\d+-\d+, at its tuned lr0, (beat|did not beat) the best tuned baseline/, 'the answer comes first');
  assert.match(html, /<ul class="per-task">\n<li>synthetic, test accuracy, higher is better: g\d+-\d+ (beat|did not beat) [a-z_]+ \(tuned\)/, 'then what it rests on, per task, in words');
  assert.match(html, /<th>synthetic search score: accuracy on 300 fitness points, higher is better<\/th>/);
  assert.match(html, /<th>synthetic test: test accuracy, higher is better \(mean ± sd\)<\/th>/);
  const results = JSON.parse(readFileSync(join(campaign, 'hof.json'), 'utf8')) as { bestEvolved: { id: string; curves?: Record<string, unknown> } | null };
  assert.ok(results.bestEvolved?.curves?.synthetic, 'a campaign keeps its best evolved rule\'s curves, so the report can draw them');
  assert.match(html, new RegExp(`${results.bestEvolved.id} \\(best evolved\\)`), 'and it does, labelled as such');
  const other = join(runs, 'elsewhere.html');
  assert.equal((await cli('report', campaign, '-o', other, '--top', '1')).code, 0);
  assert.ok(existsSync(other));
});

test('the report escapes rule text and renders a campaign that is still running', async () => {
  const running = join(runs, 'running');
  cpSync(campaign, running, { recursive: true });
  rmSync(join(running, 'hof.json'));
  const r = await cli('report', running);
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(join(running, 'report.html'), 'utf8'), /still running/);

  const html = await buildReport({
    config: resolveConfig({ tasks: ['synthetic'] }),
    events: parseEventLog(''),
    hallOfFame: [
      { id: 'x', text: 't', simplified: '</code><script>alert(1)</script>', hash: 'h', origin: { kind: 'random' }, lineage: [], combined: 1, scores: {}, generation: 0, wallMs: 0 },
    ],
    baselines: [],
    final: true,
  });
  assert.ok(!html.includes('<script>'));
  assert.ok(html.includes('&lt;/code&gt;&lt;script&gt;'));
  assert.match(html, /No generation has finished yet/);
});

test('when the hall of fame holds only seeds, the report adds the best evolved rule and compares every baseline with it', async () => {
  const testScores = (values: number[]) => ({ synthetic: { mean: values.reduce((a, b) => a + b, 0) / values.length, sd: 0, values, metric: 'accuracy' } });
  const entry = (id: string, origin: { kind: 'seed'; baseline: string } | { kind: 'random' }, values: number[]) => ({
    id, text: 'epoch: lr0', simplified: `epoch: lr0 * ${id}`, hash: id, origin, lineage: [], combined: 0.9, scores: { synthetic: 0.9 }, generation: 0, wallMs: 0, test: testScores(values),
  });
  const cosine = entry('g0-1', { kind: 'seed', baseline: 'cosine' }, [0.9, 0.8]);
  const dlrs = entry('g0-2', { kind: 'seed', baseline: 'dlrs' }, [0.7, 0.9]);
  const evolved = entry('g4-9', { kind: 'random' }, [0.8, 0.95]);
  const html = await buildReport({ config: resolveConfig({ tasks: ['synthetic'] }), events: parseEventLog(''), hallOfFame: [cosine], baselines: [cosine, dlrs], bestEvolved: evolved, final: true });
  assert.match(html, /<td>best evolved<\/td><td>g4-9<\/td>/);
  assert.match(html, /<th>best evolved g4-9 vs baseline \(verdict: mean difference in the test metric \[95 % CI\], seeds won\)<\/th>/);
  assert.match(html, /<td>dlrs<\/td>.*<td>no difference: \+0\.0500 \[-1\.8559, \+1\.9559\], 1\/2 seeds<\/td><td>no difference: \+0\.0750 \[-0\.2427, \+0\.3927\], 2\/2 seeds<\/td>/s);
});

test('bad report requests exit 2 with a message and write nothing', async () => {
  const missing = await cli('report', join(runs, 'nothing'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /is not a campaign folder/);
  const broken = join(runs, 'broken');
  cpSync(campaign, broken, { recursive: true });
  rmSync(join(broken, 'report.html'), { force: true });
  writeFileSync(join(broken, 'config.json'), '{"tasks": ');
  const bad = await cli('report', broken);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /config\.json/);
  assert.ok(!existsSync(join(broken, 'report.html')));
  const unwritable = await cli('report', campaign, '-o', join(runs, 'no', 'such', 'dir', 'r.html'));
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.err, /cannot write/);
});

const CHROMIUM = '/usr/bin/chromium';

test('the report loads in headless Chromium without errors or network requests, and its plots have marks', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)` }, async () => {
  const { chromium } = await import('playwright-core');
  const path = join(campaign, 'report.html');
  if (!existsSync(path)) assert.equal((await cli('report', campaign)).code, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (req) => {
      if (req.url() !== pathToFileURL(path).href) problems.push(`request: ${req.url()}`);
    });
    const response = await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    assert.ok(response?.ok());
    const plots = await page.$$eval('figure svg', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return { width: box.width, height: box.height, paths: s.querySelectorAll('path').length, text: s.textContent ?? '' };
      }),
    );
    assert.equal(plots.length, 5);
    for (const p of plots) {
      assert.ok(p.width > 300 && p.height > 150, `a plot is drawn at a readable size (${p.width}×${p.height})`);
      assert.ok(p.paths > 3, 'a plot has marks');
    }
    assert.ok(plots.some((p) => p.text.includes('generation')));
    // The tuned comparison (this campaign tuned lr0, as new campaigns do), the hall of fame, the baselines.
    assert.equal(await page.locator('table').count(), 3);
    assert.match((await page.locator('p.verdict').textContent()) ?? '', /^(No evolved rule|Evolution's best rule)/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
