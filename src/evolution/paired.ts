/**
 * Paired comparison of two rules' test scores on the same fresh seeds (the
 * hall of fame and every baseline are re-scored with the same seeds).
 */
import type { TestScores } from './records.js';

/**
 * Test metrics where less is better (the PINN's relative error); every other
 * metric (accuracy, score) is better higher.
 */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['relative_error']);

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric);
}

export interface PairedComparison {
  /** Seeds on which the rule did better (a higher accuracy, a lower error), or finished where the other stopped. */
  readonly wins: number;
  readonly seeds: number;
  /** Mean of rule − other over the seeds where both finished (NaN when there are none); negative is better for an error. */
  readonly meanDiff: number;
  readonly finishedPairs: number;
}

const finished = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Undefined when the two were not scored on the same number of seeds. */
export function comparePaired(rule: TestScores, other: TestScores): PairedComparison | undefined {
  if (rule.values.length !== other.values.length || rule.values.length === 0) return undefined;
  let wins = 0;
  const diffs: number[] = [];
  const lower = lowerIsBetter(rule.metric);
  rule.values.forEach((r, i) => {
    const o = other.values[i];
    if (finished(r) && finished(o)) {
      diffs.push(r - o);
      if (lower ? r < o : r > o) wins++;
    } else if (finished(r)) {
      wins++;
    }
  });
  const meanDiff = diffs.length > 0 ? diffs.reduce((a, d) => a + d, 0) / diffs.length : NaN;
  return { wins, seeds: rule.values.length, meanDiff, finishedPairs: diffs.length };
}

/** "4/5 (+0.0050)", noting pairs left out of the mean when a run stopped. */
export function formatPaired(c: PairedComparison | undefined): string {
  if (!c) return '-';
  const mean = Number.isFinite(c.meanDiff) ? `${c.meanDiff >= 0 ? '+' : ''}${c.meanDiff.toFixed(4)}` : 'n/a';
  const partial = c.finishedPairs < c.seeds ? ` over ${c.finishedPairs} finished pair${c.finishedPairs === 1 ? '' : 's'}` : '';
  return `${c.wins}/${c.seeds} (${mean}${partial})`;
}
