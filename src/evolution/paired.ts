/**
 * Paired comparison of two rules' test scores on the same fresh seeds (the
 * hall of fame and every baseline are re-scored with the same seeds).
 */
import type { TestScores } from './records.js';
import { testMetric } from '../tasks/metrics.js';
import { meanInterval, verdictOf, type MeanInterval, type Verdict } from '../stats/interval.js';

/** True for errors (the PINN's relative error): which way a paired difference counts as better. */
export function lowerIsBetter(metric: string): boolean {
  return testMetric(metric).lowerIsBetter;
}

export interface PairedComparison {
  /** Seeds on which the rule did better (a higher accuracy, a lower error), or finished where the other stopped. */
  readonly wins: number;
  readonly seeds: number;
  /** Mean of rule − other over the seeds where both finished (NaN when there are none); negative is better for an error. */
  readonly meanDiff: number;
  readonly finishedPairs: number;
  /** The 95 % paired Student-t interval of rule − other (src/stats/interval.ts); absent with fewer than 2 finished pairs. */
  readonly interval?: MeanInterval;
  /** What the interval says: the rule is better, worse, or not detectably different. */
  readonly verdict: Verdict;
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
  const interval = meanInterval(diffs);
  return { wins, seeds: rule.values.length, meanDiff, finishedPairs: diffs.length, ...(interval ? { interval } : {}), verdict: verdictOf(interval, lower) };
}

/** A difference with its sign, 4 decimals; 'n/a' when there is none (no finished pair). */
export const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(4)}` : 'n/a');

/** "+0.0050 [+0.0012, +0.0088]": the mean paired difference and its 95 % interval, where there is one. */
export function signedDifference(c: PairedComparison): string {
  return `${signed(c.meanDiff)}${c.interval ? ` [${signed(c.interval.low)}, ${signed(c.interval.high)}]` : ''}`;
}

/**
 * "better: +0.0050 [+0.0012, +0.0088], 4/5 seeds": the verdict, the mean
 * paired difference with its 95 % interval, and the seeds won; noting pairs
 * left out when a run stopped.
 */
export function formatPaired(c: PairedComparison | undefined): string {
  if (!c) return '-';
  const partial = c.finishedPairs < c.seeds ? ` (${c.finishedPairs} finished pair${c.finishedPairs === 1 ? '' : 's'})` : '';
  return `${c.verdict === 'no detectable difference' ? 'no difference' : c.verdict}: ${signedDifference(c)}, ${c.wins}/${c.seeds} seeds${partial}`;
}
