/**
 * The tuned comparison (evolution/comparison.ts) as text: a table per task
 * for the terminal, or as Markdown for a results page. Both say the same
 * thing in the same columns, so what docs/results.md publishes is what
 * `autolr compare` prints.
 */
import type { ComparisonRow, TaskComparison } from '../evolution/comparison.js';
import { signedDifference } from '../evolution/paired.js';
import { finishedRuns, stoppedNote } from '../evolution/records.js';
import { describeMetric } from '../tasks/metrics.js';
import { renderTable } from './table.js';

const HEAD = ['rule', 'tuned lr0', 'test mean ± sd', 'rule − baseline [95 % CI]', 'seeds won', 'verdict'];

/** The tuned rate, marked when it is an end of the grid (the best rate may lie beyond it). */
const rate = (row: ComparisonRow): string => `${row.lr0.toExponential(2)}${row.atEdge ? ` (${row.atEdge} of grid)` : ''}`;

function cells(row: ComparisonRow, best: string | undefined): string[] {
  const test = finishedRuns(row.test) === 0 ? `all ${row.test.values.length} runs stopped` : `${row.test.mean.toFixed(4)} ± ${row.test.sd.toFixed(4)}${stoppedNote(row.test)}`;
  const name = row.evolved ? `${row.name} (evolved)` : row.name === best ? `${row.name} (best baseline)` : row.name;
  if (!row.paired) return [name, rate(row), test, '', '', ''];
  const p = row.paired;
  const partial = p.finishedPairs < p.seeds ? ` (${p.finishedPairs} finished pairs)` : '';
  return [name, rate(row), test, `${signedDifference(p)}${partial}`, `${p.wins}/${p.seeds}`, p.verdict];
}

/** "fashion-mnist-mlp (held out): test accuracy, higher is better; 5 fresh seeds, every rule at its tuned lr0". */
function heading(t: TaskComparison): string {
  const seeds = t.rows[0]?.test.values.length ?? 0;
  const own = t.ownBaselinesOnly ? '; only this campaign\'s own tuned baselines (the other campaign did not tune this task with the same budget)' : '';
  return `${t.task}${t.heldOut ? ' (held out)' : ' (searched on)'}: ${describeMetric(t.metric)}; ${seeds} fresh seeds, every rule at its tuned lr0${own}`;
}

export function formatComparison(tasks: readonly TaskComparison[], width?: number): string {
  return tasks
    .map((t) => `${heading(t)}\n${renderTable(HEAD, t.rows.map((r) => cells(r, t.bestBaseline)), { width, shrink: [0, 3] })}`)
    .join('\n\n');
}

/** A Markdown cell: pipes escaped, so rule names and ids cannot break the table. */
const md = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');

export function markdownComparison(tasks: readonly TaskComparison[]): string {
  return tasks
    .map((t) => {
      const rows = t.rows.map((r) => `| ${cells(r, t.bestBaseline).map(md).join(' | ')} |`);
      return [`**${md(heading(t))}**`, '', `| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...rows].join('\n');
    })
    .join('\n\n');
}
