/**
 * Uncertainty of a paired comparison. Two rules trained with the same fresh
 * seeds give one difference per seed; whether one rule beats the other is a
 * question about the mean of those differences, answered with a confidence
 * interval rather than a count of seeds won (two equal rules give 4 or more
 * wins of 5 by chance 19 % of the time).
 *
 * Method: the paired Student-t interval, mean ± t(1 − α/2, n − 1) · sd / √n,
 * over the seeds where both runs finished. It assumes roughly normal
 * differences, which seed-to-seed noise of a final metric usually is; with
 * the few seeds a campaign affords, it is the standard choice (DeepOBS and
 * most optimizer comparisons report it).
 */
import jstat from 'jstat';

export const INTERVAL_METHOD = 'paired Student-t';

export interface MeanInterval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** Differences the interval is computed from. */
  readonly n: number;
  readonly confidence: number;
}

/** The t interval of the mean of `values`; undefined with fewer than 2 values (no spread to measure). */
export function meanInterval(values: readonly number[], confidence = 0.95): MeanInterval | undefined {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), not ${confidence}`);
  const n = values.length;
  if (n < 2 || values.some((v) => !Number.isFinite(v))) return undefined;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = jstat.jStat.studentt.inv(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, n, confidence };
}

export type Verdict = 'better' | 'worse' | 'no detectable difference';

/**
 * What an interval of (rule − other) says: better when it lies wholly on the
 * winning side of zero (above for accuracies, below for errors), worse when
 * wholly on the other, else no detectable difference.
 */
export function verdictOf(interval: MeanInterval | undefined, lowerIsBetter: boolean): Verdict {
  if (!interval) return 'no detectable difference';
  const [good, bad] = lowerIsBetter ? [interval.high < 0, interval.low > 0] : [interval.low > 0, interval.high < 0];
  return good ? 'better' : bad ? 'worse' : 'no detectable difference';
}
