/**
 * Equal tuning of the initial learning rate. A rule evolved at one lr0 and a
 * baseline run at its default are not comparable: a "discovery" may only be a
 * better step size. So every finalist and every baseline gets the same
 * treatment — lr0 on the same log grid around the rate the campaign trains
 * with, each point trained with the search seed and scored on the validation
 * (fitness) split, the best kept — and only then are they compared on the
 * test split with fresh seeds (as DeepOBS does, and the Lion and AutoLR
 * papers did for their baselines).
 *
 * This module is the protocol's arithmetic: the grid and the choice. Which
 * runs it takes is the campaign's business; nothing here ever sees a test
 * metric.
 */

export interface TuningSettings {
  /** Points on the grid (odd, so the untuned rate is one of them). */
  readonly points: number;
  /** The grid spans lr0 / span to lr0 · span. */
  readonly span: number;
}

/**
 * Seven points from lr0/30 to 30·lr0 (factors of about 3.1): wide enough to
 * correct a default that is off by an order of magnitude either way (Adam's
 * 1e-3 against the 4e-3 an MNIST campaign found), fine enough that the best
 * point is within a factor 1.8 of the optimum, and 7 runs per rule and task.
 */
export const DEFAULT_TUNING: TuningSettings = { points: 7, span: 30 };

/** The log grid around `center`, ascending, `center` itself in the middle. */
export function tuningGrid(center: number, settings: TuningSettings = DEFAULT_TUNING): number[] {
  const { points, span } = settings;
  if (!(center > 0 && Number.isFinite(center))) throw new RangeError(`the grid's centre must be a positive rate, not ${center}`);
  if (!Number.isInteger(points) || points < 1 || points % 2 === 0) throw new RangeError(`tuning points must be an odd integer ≥ 1, not ${points}`);
  if (!(span >= 1 && Number.isFinite(span))) throw new RangeError(`the tuning span must be at least 1, not ${span}`);
  if (points === 1) return [center];
  const half = (points - 1) / 2;
  // The middle point is exactly `center` (no rounding through exp/log), so the untuned run is one of the grid's.
  return Array.from({ length: points }, (_, i) => (i === half ? center : center * span ** ((i - half) / half)));
}

export interface TuningTrial {
  readonly lr0: number;
  /** The validation score (higher is better), or undefined for a run that stopped. */
  readonly score: number | undefined;
}

/**
 * The best trial by validation score. Ties (common when several rates solve
 * a task) go to the rate nearest the centre on the log scale, then to the
 * smaller rate, so the choice does not depend on the order of the trials.
 * With no finished trial, the centre stands (the rule keeps its own rate).
 */
export function pickTuned(trials: readonly TuningTrial[], center: number): TuningTrial {
  const distance = (t: TuningTrial): number => Math.abs(Math.log(t.lr0 / center));
  const finished = trials.filter((t): t is TuningTrial & { score: number } => t.score !== undefined && Number.isFinite(t.score));
  if (finished.length === 0) return { lr0: center, score: undefined };
  return finished.reduce((best, t) => {
    if (t.score !== best.score) return t.score > best.score ? t : best;
    if (distance(t) !== distance(best)) return distance(t) < distance(best) ? t : best;
    return t.lr0 < best.lr0 ? t : best;
  });
}
