/**
 * Builds the campaign report: one self-contained HTML page (inline CSS and
 * SVG, no scripts, no external resources) with the plots and the tables.
 */
import type { CampaignConfig } from '../evolution/config.js';
import { comparedTests, evolvedRuleOf, ruleName, stoppedNote, type HallOfFameEntry } from '../evolution/records.js';
import { comparePaired, formatPaired, signed } from '../evolution/paired.js';
import { campaignVerdict, describeMetric, type DiscoveryVerdict, type TaskVerdict } from '../evolution/verdict.js';
import { getTask } from '../tasks/registry.js';
import { cacheAndPromotionChart, curveChart, scoreByGenerationChart, scoreByTimeChart, type CurveSeries } from './charts.js';
import { generationRows, type EventLog } from './events.js';
import { renderSvg } from './svg.js';

export interface ReportInput {
  readonly config: CampaignConfig;
  readonly events: EventLog;
  readonly hallOfFame: readonly HallOfFameEntry[];
  /** Every seeded baseline at full fidelity, best first (older campaigns: only the best one). */
  readonly baselines: readonly HallOfFameEntry[];
  /** The best non-seed rule, when the hall of fame does not hold it (it may hold only seeds). */
  readonly bestEvolved?: HallOfFameEntry;
  /** False while the campaign is still running (figures from its last checkpoint). */
  readonly final: boolean;
  /** Wall time of the final re-scoring and tuning (campaigns that recorded it). */
  readonly finalStages?: { readonly rescoreMs: number; readonly tuningMs: number; readonly tuningRuns: number };
  /** How many of the best evolved rules get curves in the plots. */
  readonly topCurves?: number;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const f4 = (x: number | undefined | null): string => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(4));

/*
 * Column headings name what a number is and which way is better: the search
 * score as its task describes it (higher is always better: the search
 * maximises it), the test metric as the re-scoring recorded it.
 */

function searchHeading(task: string): string {
  return `${task} search score: ${getTask(task).scoreDescription}, higher is better`;
}

/** The test metric recorded for a task (by any rule re-scored on it), or undefined before the re-scoring. */
function testMetricOf(input: ReportInput, task: string): string | undefined {
  const rules = [...input.hallOfFame, ...(input.bestEvolved ? [input.bestEvolved] : []), ...input.baselines];
  for (const r of rules) {
    const metric = r.test?.[task]?.metric ?? r.tuned?.[task]?.test.metric;
    if (metric !== undefined) return metric;
  }
  return undefined;
}

function testHeading(input: ReportInput, task: string, label = task): string {
  const metric = testMetricOf(input, task);
  return `${label} test: ${metric !== undefined ? `${describeMetric(metric)} (mean ± sd)` : 'mean ± sd'}`;
}

function combinedHeading(config: CampaignConfig): string {
  return config.tasks.length === 1
    ? 'search score, higher is better'
    : `combined search score: ${config.aggregate} over tasks of score ÷ ${config.reference}’s, higher is better`;
}

const PAIRED_NOTE = 'verdict: mean difference in the test metric [95 % CI], seeds won';

function testCell(h: HallOfFameEntry, task: string): string {
  const t = h.test?.[task];
  return t ? `${f4(t.mean)} ± ${f4(t.sd)}${stoppedNote(t)}` : '–';
}

/** `rule` against `base` on the test split, paired by seed: verdict, mean difference with its 95 % interval, seeds won. */
function pairedCell(rule: HallOfFameEntry | undefined, base: HallOfFameEntry, task: string): string {
  // At both tuned rates when both were tuned: the comparison the protocol makes.
  const tuned = rule?.tuned !== undefined && base.tuned !== undefined;
  const r = rule ? comparedTests(rule, tuned)?.[task] : undefined;
  const b = comparedTests(base, tuned)?.[task];
  const c = r && b ? comparePaired(r, b) : undefined;
  return c ? formatPaired(c) : '–';
}

/**
 * Equal tuning: per rule (the best evolved, then every tuned baseline) and
 * task — search tasks, then held-out ones — the chosen lr0 and the test
 * score there, and the best evolved rule against each baseline at both their
 * tuned rates.
 */
function tunedTable(input: ReportInput): string {
  const evolved = evolvedRuleOf(input);
  const rules = [...(evolved?.tuned ? [evolved] : []), ...input.baselines.filter((b) => b.tuned)];
  const tasks = [...new Set(rules.flatMap((r) => Object.keys(r.tuned ?? {})))];
  const label = (task: string): string => (rules.some((r) => r.tuned?.[task]?.heldOut) ? `${task} (held out)` : task);
  const head = [
    'rule',
    ...tasks.flatMap((t) => [`${label(t)} lr0`, testHeading(input, t, label(t))]),
    ...(evolved?.tuned ? [`best evolved ${evolved.id} vs baseline, both tuned (${PAIRED_NOTE})`] : []),
  ];
  const rows = rules.map((r) => [
    r === evolved ? `best evolved ${r.id}` : ruleName(r),
    ...tasks.flatMap((t) => {
      const x = r.tuned?.[t];
      return x ? [x.lr0.toPrecision(3), `${f4(x.test.mean)} ± ${f4(x.test.sd)}${stoppedNote(x.test)}`] : ['–', '–'];
    }),
    ...(evolved?.tuned
      ? [
          r === evolved
            ? '–'
            : tasks
                .map((t) => {
                  const a = evolved.tuned?.[t]?.test;
                  const b = r.tuned?.[t]?.test;
                  return a && b ? `${t}: ${formatPaired(comparePaired(a, b))}` : `${t}: –`;
                })
                .join('; '),
        ]
      : []),
  ]);
  return table(head, rows, -1);
}

function table(head: readonly string[], rows: readonly (readonly string[])[], ruleColumn: number): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows
    .map((r) => `<tr>${r.map((c, i) => (i === ruleColumn ? `<td><code>${escapeHtml(c)}</code></td>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

function hallOfFameTable(input: ReportInput, tasks: readonly string[]): string {
  const best = input.baselines[0];
  const tuned = input.baselines.some((b) => b.tuned !== undefined);
  const head = [
    'rank',
    'id',
    combinedHeading(input.config),
    ...tasks.map(searchHeading),
    ...tasks.map((t) => testHeading(input, t)),
    `vs best baseline${best?.origin.kind === 'seed' ? ` (${ruleName(best)})` : ''}, ${tuned ? 'both tuned, ' : ''}paired by seed (${PAIRED_NOTE})`,
    'from',
    'rule (simplified)',
  ];
  const evolved = input.bestEvolved && !input.hallOfFame.some((h) => h.hash === input.bestEvolved?.hash) ? [input.bestEvolved] : [];
  const rows = [...input.hallOfFame, ...evolved].map((h, i) => [
    i < input.hallOfFame.length ? String(i + 1) : 'best evolved',
    h.id,
    f4(h.combined),
    ...tasks.map((t) => f4(h.scores[t])),
    ...tasks.map((t) => testCell(h, t)),
    best ? tasks.map((t) => pairedCell(h, best, t)).join('; ') : '–',
    h.lineage.join(', ') || '(random)',
    h.simplified,
  ]);
  return table(head, rows, head.length - 1);
}

function baselineTable(input: ReportInput, tasks: readonly string[]): string {
  const top = input.hallOfFame[0];
  // When the best rule is a seed, the comparison that tells whether evolution found anything is with the best evolved rule.
  const evolved = input.bestEvolved && input.bestEvolved.hash !== top?.hash ? input.bestEvolved : undefined;
  const head = [
    'baseline',
    'id',
    combinedHeading(input.config),
    ...tasks.map(searchHeading),
    ...tasks.map((t) => testHeading(input, t)),
    `best rule vs baseline (${PAIRED_NOTE})`,
    ...(evolved ? [`best evolved ${evolved.id} vs baseline (${PAIRED_NOTE})`] : []),
    'rule',
  ];
  const rows = input.baselines.map((b) => [
    b.origin.kind === 'seed' ? ruleName(b) : '?',
    b.id,
    f4(b.combined),
    ...tasks.map((t) => f4(b.scores[t])),
    ...tasks.map((t) => testCell(b, t)),
    tasks.map((t) => pairedCell(top, b, t)).join('; '),
    ...(evolved ? [tasks.map((t) => pairedCell(evolved, b, t)).join('; ')] : []),
    b.simplified,
  ]);
  return table(head, rows, head.length - 1);
}

/**
 * The evolved rules whose curves are drawn: the top `topCurves` non-seed rules
 * of the hall of fame, and the best evolved rule wherever it stands (the hall
 * of fame may hold only seeds). Seeds in the hall of fame are drawn once, as
 * the baselines they are.
 */
function curveRules(input: ReportInput): Array<{ entry: HallOfFameEntry; label: string }> {
  const evolved = input.hallOfFame
    .map((entry, i) => ({ entry, label: `#${i + 1} ${entry.id}` }))
    .filter(({ entry }) => entry.origin.kind !== 'seed')
    .slice(0, input.topCurves ?? 3);
  const best = evolvedRuleOf(input);
  if (!best) return evolved;
  const shown = evolved.find(({ entry }) => entry.hash === best.hash);
  if (shown) return evolved.map((r) => (r === shown ? { ...r, label: `${r.label} (best evolved)` } : r));
  const rank = input.hallOfFame.findIndex((h) => h.hash === best.hash);
  return [{ entry: best, label: `${rank >= 0 ? `#${rank + 1} ` : ''}${best.id} (best evolved)` }, ...evolved];
}

function curveSeries(input: ReportInput, task: string): CurveSeries[] {
  const fromEntry = (h: HallOfFameEntry, label: string, kind: CurveSeries['kind']): CurveSeries[] => {
    const c = h.curves?.[task];
    return c ? [{ label, kind, lr: c.lr, loss: c.loss }] : [];
  };
  return [
    ...curveRules(input).flatMap(({ entry, label }) => fromEntry(entry, label, 'evolved')),
    ...input.baselines.flatMap((b) => fromEntry(b, ruleName(b), 'baseline')),
  ];
}

/** What the curve plots of a task show, and which evolved rule they lack because its folder holds no curves for it. */
function curveCaption(input: ReportInput, task: string, quantity: 'lr' | 'loss'): string {
  const rules = curveRules(input);
  const drawn = rules.filter(({ entry }) => entry.curves?.[task]);
  const missing = rules.filter(({ entry }) => !entry.curves?.[task]);
  const what = quantity === 'lr' ? 'Learning rate' : 'Training loss';
  const evolved = drawn.length > 0 ? `evolved rules (solid): ${drawn.map((r) => r.label).join(', ')}` : 'no evolved rule';
  const lacking =
    missing.length > 0
      ? ` Not drawn: ${missing.map((r) => r.label).join(', ')} — the campaign folder holds no curves for ${missing.length === 1 ? 'it' : 'them'} on ${task} (campaigns before curves were kept for the best evolved rule recorded none).`
      : '';
  return `${what} per epoch at full fidelity with the search seed: ${evolved}; seeded baselines (dashed).${lacking}`;
}

/** One task's verdict in words: beat, within noise of, or worse than the best baseline there, by how much, with the interval. */
function taskSentence(v: TaskVerdict, rule: string, tuned: boolean): string {
  const c = v.comparison;
  const base = `${v.baseline}${tuned ? ' (tuned)' : ''}`;
  const outcome =
    c.verdict === 'better'
      ? `${rule} beat ${base} by ${signed(c.meanDiff)}`
      : c.verdict === 'worse'
        ? `${rule} did not beat ${base}: worse by ${signed(c.meanDiff)}`
        : `${rule} did not beat ${base}: within noise (${signed(c.meanDiff)})`;
  const interval = c.interval
    ? `95 % interval ${signed(c.interval.low)} to ${signed(c.interval.high)}${c.verdict === 'no detectable difference' ? ', which includes 0' : ''}`
    : 'too few finished runs for an interval';
  const stopped = c.seeds - c.finishedPairs;
  const partial = stopped > 0 ? `; a run stopped on ${stopped} seed${stopped === 1 ? '' : 's'}, left out of the interval` : '';
  return `${v.task}${v.heldOut ? ' (held out)' : ''}, ${describeMetric(v.metric)}: ${outcome} (${interval}; better on ${c.wins} of ${c.seeds} seeds${partial}).`;
}

/**
 * The page's first lines answer the campaign's question: the verdict's
 * sentence, then per task — search tasks and held-out ones — what it rests
 * on, in words. Everything comes from `campaignVerdict`, the one judge the
 * hall-of-fame command and evolve's summary print too.
 */
function opening(input: ReportInput): string {
  if (!input.final) return '<p class="verdict"><strong>The campaign is still running: the comparison with the baselines comes at the end.</strong></p>';
  const verdict: DiscoveryVerdict = campaignVerdict({ ...input, bestEvolved: input.bestEvolved ?? null });
  const judged = new Set(verdict.tasks.map((v) => v.task));
  const allTasks = [...input.config.tasks, ...(verdict.tuned ? (input.config.validation?.tasks ?? []) : [])];
  const unjudged = verdict.rule !== undefined ? allTasks.filter((t) => !judged.has(t)) : [];
  const items = [
    ...verdict.tasks.map((v) => taskSentence(v, verdict.rule ?? '', verdict.tuned)),
    ...unjudged.map((t) => `${t}: no comparison (the rule or every baseline lacks test scores on it).`),
  ];
  const list = items.length > 0 ? `\n<ul class="per-task">\n${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n')}\n</ul>` : '';
  return `<p class="verdict"><strong>${escapeHtml(verdict.headline)}</strong></p>${list}`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

const STYLE = `
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td code { white-space: pre-wrap; word-break: break-word; font-size: 0.95em; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; }
figcaption { font-size: 0.85em; color: #555; max-width: 600px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
.verdict { background: #eef5ff; padding: 0.6em 1em; border-left: 4px solid #3a72c4; margin-bottom: 0; }
ul.per-task { background: #eef5ff; margin-top: 0; padding: 0.2em 1em 0.6em 2.5em; border-left: 4px solid #3a72c4; }
.note { background: #fff6d5; padding: 0.5em 1em; border-left: 4px solid #e0b000; }
`;

export async function buildReport(input: ReportInput): Promise<string> {
  const { config, events } = input;
  const rows = generationRows(events);
  const tasks = [...config.tasks];
  const bestBaseline = input.baselines[0];
  const figures: string[] = [];
  if (rows.length > 0) {
    figures.push(
      figure(
        await renderSvg(scoreByGenerationChart(rows, bestBaseline ? { name: ruleName(bestBaseline), score: bestBaseline.combined } : undefined)),
        `Best score so far at full fidelity, and the best and median combined score of each generation${bestBaseline ? `; the dashed line is the best seeded baseline, ${ruleName(bestBaseline)}, on the same search score` : ''}.`,
      ),
      figure(await renderSvg(scoreByTimeChart(rows, events)), 'Every candidate scored (at the end of its generation) against elapsed wall time; the line is the best so far.'),
      figure(
        await renderSvg(cacheAndPromotionChart(rows)),
        'Share of score look-ups answered by the cache, and share of candidates promoted past the hurdle to full fidelity.',
      ),
    );
  }
  const curveFigures: string[] = [];
  for (const task of tasks) {
    const series = curveSeries(input, task);
    if (series.length === 0) continue;
    for (const q of ['lr', 'loss'] as const) {
      curveFigures.push(figure(await renderSvg(curveChart(task, q, series)), curveCaption(input, task, q)));
    }
  }
  const last = rows[rows.length - 1];
  const totalRuns = last ? events.generations[events.generations.length - 1]?.evaluations ?? 0 : 0;
  const totalHits = events.generations[events.generations.length - 1]?.cacheHits ?? 0;
  const promoted = events.generations.reduce((a, g) => a + g.promoted, 0);
  const candidates = events.generations.reduce((a, g) => a + g.candidates, 0);
  const summary = [
    ['campaign', config.name],
    ['variant', `${config.variant} (grammar ${config.grammar}${config.variant === 'dlr' ? `, base optimizer ${config.optimizer}` : ''})`],
    ['tasks', tasks.join(', ')],
    ['population × generations', `${config.population} × ${config.generations} (${config.mode}), seed ${config.seed}`],
    ['generations done', `${rows.length} of ${config.generations}${input.final ? '' : ' — still running'}`],
    ['wall time', last ? `${(last.elapsedS / 60).toFixed(1)} min (generations only; the final stages below are not included)` : '–'],
    ...(input.finalStages
      ? [['final stages', `test re-scoring ${(input.finalStages.rescoreMs / 60_000).toFixed(1)} min; equal tuning ${(input.finalStages.tuningMs / 60_000).toFixed(1)} min (${input.finalStages.tuningRuns} training runs)`]]
      : []),
    ['candidates', `${candidates}, of which ${promoted} promoted to full fidelity`],
    ['training runs', `${totalRuns} (cache hits: ${totalHits})`],
    ['final re-scoring', `${config.finalSeeds} fresh seed(s) on the test split${config.tuning ? `, every rule at its own lr0 tuned on a ${config.tuning.points}-point grid from lr0/${config.tuning.span} to ${config.tuning.span}·lr0 (validation split, search seed)` : ''}`],
    ...(config.validation ? [['held-out validation tasks', config.validation.tasks.join(', ')]] : []),
  ];
  const dl = summary.map(([k, v]) => `<dt>${escapeHtml(k as string)}</dt><dd>${escapeHtml(v as string)}</dd>`).join('\n');
  const notes: string[] = [];
  if (!input.final) notes.push('The campaign is still running: scores come from its latest checkpoint, and the test re-scoring happens at the end.');
  if (events.skippedLines > 0) notes.push(`${events.skippedLines} line(s) of the event log could not be read and were skipped.`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>autolr report: ${escapeHtml(config.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>autolr campaign report: ${escapeHtml(config.name)}</h1>
${opening(input)}
${notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<dl>
${dl}
</dl>
${input.baselines.some((b) => b.tuned) ? `<h2>Tuned comparison (every rule at its own best lr0)</h2>\n${tunedTable(input)}` : ''}
<h2>Hall of fame</h2>
${input.hallOfFame.length > 0 ? hallOfFameTable(input, tasks) : '<p>No rule has been scored at full fidelity yet.</p>'}
<h2>Seeded baselines</h2>
${input.baselines.length > 0 ? baselineTable(input, tasks) : '<p>No seeded baseline was scored at full fidelity.</p>'}
<h2>Search</h2>
${figures.length > 0 ? figures.join('\n') : '<p>No generation has finished yet.</p>'}
<h2>Curves of the best rules and the baselines</h2>
${curveFigures.length > 0 ? curveFigures.join('\n') : '<p>No curves recorded.</p>'}
<footer><p>Generated by autolr from the campaign folder alone (the page is the same each time it is generated). Test scores: ${config.finalSeeds} fresh seed(s), the same for every rule and baseline, so differences are paired by seed.</p></footer>
</body>
</html>
`;
}
