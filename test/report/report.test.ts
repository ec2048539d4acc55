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
    assert.match((await page.locator('ul.per-task li').first().textContent()) ?? '', /^synthetic, test accuracy, higher is better: g\d+-\d+ (beat|did not beat) /);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

/**
 * What a plot shows, read from the page: legend labels, and per line mark its
 * colour and whether it is dashed; log-axis tick labels.
 */
interface DrawnPlot {
  readonly title: string;
  readonly legend: ReadonlyArray<{ readonly label: string; readonly colour: string }>;
  readonly lines: ReadonlyArray<{ readonly colour: string; readonly dashed: boolean }>;
  readonly rules: ReadonlyArray<{ readonly dashed: boolean }>;
  readonly axisLabels: readonly string[];
}

test('in Chromium, a campaign whose hall of fame holds only seeds opens with its answer, draws the best baseline on the score plot and its best evolved rule solid among dashed seeds, on one log-axis format', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, async () => {
  const curves = (rate: number, decay: number) => ({ synthetic: { lr: Array.from({ length: 8 }, (_, e) => rate * decay ** e), loss: Array.from({ length: 8 }, (_, e) => 1.1 * 0.7 ** e), acc: Array.from({ length: 8 }, () => 0.9) } });
  const entry = (id: string, origin: { kind: 'seed'; baseline: string } | { kind: 'random' }, values: number[], combined: number, rate: number, decay: number) => ({
    id, text: 'epoch: lr0', simplified: `epoch: lr0 * ${id}`, hash: id, origin, lineage: [], combined, scores: { synthetic: combined }, generation: 0, wallMs: 0,
    test: { synthetic: { mean: values.reduce((a, b) => a + b, 0) / values.length, sd: 0.01, values, metric: 'accuracy' } }, curves: curves(rate, decay),
  });
  const cosine = entry('g0-1', { kind: 'seed', baseline: 'cosine' }, [0.91, 0.9, 0.92], 0.93, 0.01, 0.8);
  const dlrs = entry('g0-2', { kind: 'seed', baseline: 'dlrs' }, [0.88, 0.87, 0.9], 0.9, 0.002, 1.2);
  const evolved = entry('g2-7', { kind: 'random' }, [0.934, 0.926, 0.946], 0.92, 0.0005, 1.5);
  const log = [0, 1, 2]
    .flatMap((g) => [
      JSON.stringify({ type: 'evaluation', generation: g, id: `g${g}-1`, level: 'full', combined: 0.85 + 0.03 * g, origin: { kind: 'random' }, cheap: {} }),
      JSON.stringify({ type: 'generation', generation: g, candidates: 4, promoted: 2, bestCombinedThisGeneration: 0.85 + 0.03 * g, medianCombined: 0.6, cache: { hits: g }, evaluations: 4 * (g + 1), failures: 0, wallMs: 30_000 }),
    ])
    .join('\n');
  const html = await buildReport({
    config: resolveConfig({ tasks: ['synthetic'], finalSeeds: 3 }),
    events: parseEventLog(log),
    hallOfFame: [cosine, dlrs],
    baselines: [cosine, dlrs],
    bestEvolved: evolved,
    final: true,
  });
  const path = join(runs, 'seeds-only.html');
  writeFileSync(path, html);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1250, height: 900 } });
    // tsx compiles the named helpers in the $$eval callback below into __name(...) calls, a helper the page lacks.
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    // The first lines answer the question, per task, in words.
    const first = await page.locator('body > *').nth(1).textContent();
    assert.match(first ?? '', /^Evolution's best rule, g2-7, beat the best baseline on 1 of 1 task/);
    assert.deepEqual(await page.locator('ul.per-task li').allTextContents(), [
      'synthetic, test accuracy, higher is better: g2-7 beat cosine by +0.0253 (95 % interval +0.0225 to +0.0282; better on 3 of 3 seeds).',
    ]);
    const plots: DrawnPlot[] = await page.$$eval('figure svg', (svgs) =>
      svgs.map((svg) => {
        const colourOf = (e: Element): string => e.getAttribute('stroke') ?? e.getAttribute('fill') ?? '';
        const dashed = (e: Element): boolean => (e.getAttribute('stroke-dasharray') ?? '').split(/[ ,]+/).filter((x) => x !== '' && x !== '1' && x !== '0').length > 0;
        return {
          title: svg.querySelector('.role-title-text text')?.textContent ?? '',
          legend: [...svg.querySelectorAll('.role-legend-entry')].flatMap((g) =>
            [...g.querySelectorAll('.role-legend-label text')].map((t, i) => ({ label: t.textContent ?? '', colour: colourOf(g.querySelectorAll('.role-legend-symbol path')[i] as Element) })),
          ),
          lines: [...svg.querySelectorAll('.mark-line.role-mark path')].map((p) => ({ colour: colourOf(p), dashed: dashed(p) })),
          rules: [...svg.querySelectorAll('.mark-rule.role-mark line, .mark-rule.role-mark path')].map((r) => ({ dashed: dashed(r) })),
          axisLabels: [...svg.querySelectorAll('.role-axis-label text')].map((t) => t.textContent ?? ''),
        };
      }),
    );
    const scorePlot = plots.find((p) => p.title === 'Score per generation');
    assert.ok(scorePlot);
    assert.ok(scorePlot.legend.some((l) => l.label === 'best seeded baseline (cosine)'), 'the best baseline is in the legend');
    assert.deepEqual(scorePlot.rules, [{ dashed: true }], 'and drawn as one dashed horizontal line');
    const lrPlot = plots.find((p) => p.title === 'Learning rate per epoch on synthetic');
    assert.ok(lrPlot);
    const legendColour = (label: string): string | undefined => lrPlot.legend.find((l) => l.label === label)?.colour;
    const evolvedColour = legendColour('g2-7 (best evolved)');
    assert.ok(evolvedColour, `the best evolved rule is in the legend: ${JSON.stringify(lrPlot.legend)}`);
    assert.ok(!lrPlot.legend.some((l) => /^#\d/.test(l.label)), 'the seeds topping the hall of fame are not drawn as evolved rules');
    assert.deepEqual(lrPlot.lines.filter((l) => l.colour === evolvedColour), [{ colour: evolvedColour, dashed: false }], 'its curve is drawn, solid');
    assert.deepEqual(lrPlot.lines.filter((l) => l.colour === legendColour('cosine')).map((l) => l.dashed), [true], 'a seed is drawn once, dashed');
    for (const p of plots.filter((x) => / per epoch on /.test(x.title))) {
      // Vega leaves the labels of crowded log ticks empty.
      const ticks = p.axisLabels.filter((t) => t !== '' && !/^\d+$/.test(t));
      assert.ok(ticks.length >= 2, `${p.title}: the log axis is labelled`);
      for (const t of ticks) assert.match(t, /^\de[+-]\d+$/, `${p.title}: every log-axis label reads as 1e-3 does`);
    }
    await page.screenshot({ path: join(runs, 'seeds-only.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
