/**
 * The hall-of-fame and baseline tables that `autolr hof` and `autolr evolve`
 * print: scores on the search, test scores over the fresh seeds, and paired
 * comparisons with the baselines.
 */
import { finishedRuns, stoppedNote, type HallOfFameEntry } from '../evolution/records.js';
import { comparePaired, formatPaired } from '../evolution/paired.js';
import { renderTable } from './table.js';

function testText(h: HallOfFameEntry): string {
  if (!h.test) return '-';
  return Object.entries(h.test)
    .map(([task, t]) => (finishedRuns(t) === 0 ? `${task}: all ${t.values.length} runs stopped` : `${task} ${t.metric} ${t.mean.toFixed(4)} ± ${t.sd.toFixed(4)}${stoppedNote(t)}`))
    .join('; ');
}

function versus(h: HallOfFameEntry, base: HallOfFameEntry | undefined): string {
  if (!base) return '-';
  const search = h.combined - base.combined;
  const parts = [`${search >= 0 ? '+' : ''}${search.toFixed(4)}`];
  if (h.test && base.test) {
    for (const [task, t] of Object.entries(h.test)) {
      const b = base.test[task];
      const diff = t.mean - (b?.mean ?? NaN);
      // A baseline none of whose runs finished has no mean to compare with.
      if (b && finishedRuns(t) > 0 && finishedRuns(b) > 0 && Number.isFinite(diff)) parts.push(`${task} test ${diff >= 0 ? '+' : ''}${diff.toFixed(4)}`);
    }
  }
  return parts.join(', ');
}

/**
 * The seeded baselines, each compared with the campaign's best rule (test
 * differences are paired by seed) and, when that best rule is itself a seed,
 * with the best evolved rule too.
 */
export function formatBaselines(baselines: readonly HallOfFameEntry[], best: HallOfFameEntry | undefined, evolved?: HallOfFameEntry): string {
  const tasks = [...new Set(baselines.flatMap((h) => Object.keys(h.scores)))];
  const withEvolved = evolved !== undefined && evolved.hash !== best?.hash;
  const rows = baselines.map((b) => [
    b.origin.kind === 'seed' ? b.origin.baseline : b.id,
    b.combined.toFixed(4),
    ...tasks.map((t) => (b.scores[t] === undefined ? '-' : (b.scores[t] as number).toFixed(4))),
    testText(b),
    best ? pairedText(best, b) : '-',
    ...(withEvolved ? [pairedText(evolved, b)] : []),
  ]);
  const head = ['baseline', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', 'best rule wins (paired seeds)'];
  return renderTable(withEvolved ? [...head, `best evolved ${evolved.id} wins`] : head, rows);
}

/** Per task: on how many fresh seeds the rule beat the baseline, and the mean paired difference. */
function pairedText(rule: HallOfFameEntry, base: HallOfFameEntry): string {
  if (!rule.test || !base.test) return '-';
  const several = Object.keys(rule.test).length > 1;
  const parts = Object.entries(rule.test).flatMap(([task, t]) => {
    const b = base.test?.[task];
    return b ? [`${several ? `${task} ` : ''}${formatPaired(comparePaired(t, b))}`] : [];
  });
  return parts.join('; ') || '-';
}

export function formatHallOfFame(entries: readonly HallOfFameEntry[], base: HallOfFameEntry | undefined, final: boolean, evolved?: HallOfFameEntry): string {
  const tasks = [...new Set(entries.flatMap((h) => Object.keys(h.scores)))];
  const rows = entries.map((h, i) => [
    i + 1,
    h.id,
    h.combined.toFixed(4),
    ...tasks.map((t) => (h.scores[t] === undefined ? '-' : (h.scores[t] as number).toFixed(4))),
    testText(h),
    versus(h, base),
    h.lineage.join(', ') || '(random)',
    `${(h.wallMs / 1000).toFixed(1)} s`,
    h.simplified,
  ]);
  const head = ['rank', 'id', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', 'vs best baseline', 'from', 'time', 'rule (simplified)'];
  const lines = [renderTable(head, rows)];
  if (base) {
    lines.push('', `best baseline: ${base.lineage.join(', ')} (${base.id}) score ${base.combined.toFixed(4)}${base.test ? `, ${testText(base)}` : ''}`);
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
