/**
 * The hall-of-fame and baseline tables that `autolr hof` and `autolr evolve`
 * print: scores on the search, test scores over the fresh seeds, and paired
 * comparisons with the baselines.
 */
import { comparedTests, finishedRuns, ruleName, stoppedNote, type HallOfFameEntry } from '../evolution/records.js';
import { comparePaired, formatPaired } from '../evolution/paired.js';
import { renderTable } from './table.js';

function testText(h: HallOfFameEntry): string {
  if (!h.test) return '-';
  return Object.entries(h.test)
    .map(([task, t]) => (finishedRuns(t) === 0 ? `${task}: all ${t.values.length} runs stopped` : `${task} ${t.metric} ${t.mean.toFixed(4)} ± ${t.sd.toFixed(4)}${stoppedNote(t)}`))
    .join('; ');
}

/** Per task, at the tuned rate: "synthetic lr0 0.0032: score 0.9100 ± 0.0100"; held-out tasks marked. */
function tunedText(h: HallOfFameEntry): string {
  if (!h.tuned) return '-';
  return Object.entries(h.tuned)
    .map(([task, t]) => {
      const where = `${task}${t.heldOut ? ' (held out)' : ''} lr0 ${t.lr0.toPrecision(3)}`;
      return finishedRuns(t.test) === 0 ? `${where}: all ${t.test.values.length} runs stopped` : `${where}: ${t.test.metric} ${t.test.mean.toFixed(4)} ± ${t.test.sd.toFixed(4)}${stoppedNote(t.test)}`;
    })
    .join('; ');
}

function versus(h: HallOfFameEntry, base: HallOfFameEntry | undefined): string {
  if (!base) return '-';
  const search = h.combined - base.combined;
  const parts = [`${search >= 0 ? '+' : ''}${search.toFixed(4)}`];
  const tuned = h.tuned !== undefined && base.tuned !== undefined;
  const mine = comparedTests(h, tuned);
  const theirs = comparedTests(base, tuned);
  if (mine && theirs) {
    for (const [task, t] of Object.entries(mine)) {
      const b = theirs[task];
      const diff = t.mean - (b?.mean ?? NaN);
      // A baseline none of whose runs finished has no mean to compare with.
      if (b && finishedRuns(t) > 0 && finishedRuns(b) > 0 && Number.isFinite(diff)) parts.push(`${task} ${tuned ? 'tuned ' : ''}test ${diff >= 0 ? '+' : ''}${diff.toFixed(4)}`);
    }
  }
  return parts.join(', ');
}

/**
 * The seeded baselines, each compared with the campaign's best rule (test
 * differences are paired by seed) and, when that best rule is itself a seed,
 * with the best evolved rule too.
 */
export function formatBaselines(baselines: readonly HallOfFameEntry[], best: HallOfFameEntry | undefined, evolved?: HallOfFameEntry, width?: number): string {
  const tasks = [...new Set(baselines.flatMap((h) => Object.keys(h.scores)))];
  const withEvolved = evolved !== undefined && evolved.hash !== best?.hash;
  const tuned = baselines.some((b) => b.tuned !== undefined);
  const rows = baselines.map((b) => [
    ruleName(b),
    b.combined.toFixed(4),
    ...tasks.map((t) => (b.scores[t] === undefined ? '-' : (b.scores[t] as number).toFixed(4))),
    testText(b),
    ...(tuned ? [tunedText(b)] : []),
    best ? pairedText(best, b) : '-',
    ...(withEvolved ? [pairedText(evolved, b)] : []),
  ]);
  const vs = tuned ? 'tuned, paired seeds, 95 % CI' : 'paired seeds, 95 % CI';
  const head = ['baseline', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', ...(tuned ? ['tuned: lr0, test'] : []), `best rule vs baseline (${vs})`];
  const full = withEvolved ? [...head, `best evolved ${evolved.id} vs baseline`] : head;
  // The free-text columns (test scores, tuned rates, comparisons) give way to a narrow terminal.
  const firstText = 2 + tasks.length;
  return renderTable(full, rows, { width, shrink: full.map((_, i) => i).filter((i) => i >= firstText) });
}

/**
 * Per task: the rule against the baseline on the same fresh seeds — at both
 * their tuned rates when both were tuned — as a verdict, the mean paired
 * difference with its 95 % interval, and the seeds won.
 */
function pairedText(rule: HallOfFameEntry, base: HallOfFameEntry): string {
  const tuned = rule.tuned !== undefined && base.tuned !== undefined;
  const mine = comparedTests(rule, tuned);
  const theirs = comparedTests(base, tuned);
  if (!mine || !theirs) return '-';
  const several = Object.keys(mine).length > 1;
  const parts = Object.entries(mine).flatMap(([task, t]) => {
    const b = theirs[task];
    return b ? [`${several ? `${task} ` : ''}${formatPaired(comparePaired(t, b))}`] : [];
  });
  return parts.join('; ') || '-';
}

export function formatHallOfFame(entries: readonly HallOfFameEntry[], base: HallOfFameEntry | undefined, final: boolean, evolved?: HallOfFameEntry, width?: number): string {
  const tasks = [...new Set(entries.flatMap((h) => Object.keys(h.scores)))];
  const tuned = entries.some((h) => h.tuned !== undefined);
  const rows = entries.map((h, i) => [
    i + 1,
    h.id,
    h.combined.toFixed(4),
    ...tasks.map((t) => (h.scores[t] === undefined ? '-' : (h.scores[t] as number).toFixed(4))),
    testText(h),
    ...(tuned ? [tunedText(h)] : []),
    versus(h, base),
    h.lineage.join(', ') || '(random)',
    `${(h.wallMs / 1000).toFixed(1)} s`,
    h.simplified,
  ]);
  const head = ['rank', 'id', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', ...(tuned ? ['tuned: lr0, test'] : []), 'vs best baseline', 'from', 'time', 'rule (simplified)'];
  // Everything after the scores is free text (test scores, comparisons, lineage, the rule) and gives way to a narrow terminal.
  const firstText = 3 + tasks.length;
  const lines = [renderTable(head, rows, { width, shrink: head.map((_, i) => i).filter((i) => i >= firstText && head[i] !== 'time') })];
  if (base) {
    lines.push('', `best baseline: ${ruleName(base)} (${base.id}) score ${base.combined.toFixed(4)}${base.test ? `, ${testText(base)}` : ''}`);
  }
  if (evolved && !entries.some((h) => h.hash === evolved.hash)) {
    lines.push(
      '',
      `best evolved rule (below the hall of fame shown): ${evolved.id} score ${evolved.combined.toFixed(4)}${evolved.test ? `, ${testText(evolved)}` : ''}: ${evolved.simplified}`,
    );
  }
  if (!final) lines.push('', '(campaign still running: scores from its last checkpoint; test re-scoring comes at the end)');
  return lines.join('\n');
}
