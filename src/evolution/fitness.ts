/**
 * From task scores to the one number selection compares.
 *
 * - One task: its score (accuracy, or −log10 relative error for the PINN).
 * - Several tasks: an aggregate (config "aggregate") over tasks of
 *   score / reference, where the reference is the score of a reference
 *   baseline (config "reference") on that task, run in the same campaign at
 *   the same fidelity and seed; a reference below 1e-3 counts as 1e-3 so a
 *   failed reference cannot blow the ratio up. See `AGGREGATES`.
 * - Fidelity ranks first: a candidate scored at full fidelity always ranks
 *   above one that stopped at the hurdle (cheap and full scores are on
 *   different scales), so selection sees level · 1e9 + combined score.
 */
export const REFERENCE_FLOOR = 1e-3;
const LEVEL_STEP = 1e9;

export type Level = 'cheap' | 'full';

/**
 * How the per-task ratios score / reference become one number:
 * - `mean`: what campaigns before this setting used. A task whose reference
 *   barely trains gives ratios in the tens and rules the mean (the
 *   four-frequency PINN campaign ranked DLRS second with a score of 0 at
 *   250 Hz, carried by the hardest frequencies).
 * - `median`: robust to one such task, blind to a failure on a minority.
 * - `min`: the worst task decides ("holds up everywhere"); no credit for
 *   doing better elsewhere.
 * - `geomean` (the default of new campaigns): ratios combine multiplicatively,
 *   so doubling the ratio on one task counts as much as on any other,
 *   whatever its scale; a ratio is floored at `RATIO_FLOOR` so that failing
 *   one task costs a large factor rather than zeroing every score.
 */
export const AGGREGATES = ['mean', 'median', 'min', 'geomean'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const DEFAULT_AGGREGATE: Aggregate = 'geomean';

/** The smallest ratio the geometric mean takes: failing one of four tasks multiplies it by 1e-3^(1/4) ≈ 0.18. */
export const RATIO_FLOOR = 1e-3;

const AGGREGATE_FNS: Readonly<Record<Aggregate, (ratios: readonly number[]) => number>> = {
  mean: (r) => r.reduce((a, x) => a + x, 0) / r.length,
  median: (r) => quantile(r, 0.5),
  min: (r) => Math.min(...r),
  geomean: (r) => Math.exp(r.reduce((a, x) => a + Math.log(Math.max(x, RATIO_FLOOR)), 0) / r.length),
};

export function combineScores(scores: Readonly<Record<string, number>>, references?: Readonly<Record<string, number>>, aggregate: Aggregate = 'mean'): number {
  const tasks = Object.keys(scores);
  if (tasks.length === 1) return scores[tasks[0] as string] as number;
  const ratios = tasks.map((t) => {
    const ref = references?.[t];
    if (ref === undefined) throw new Error(`no reference score for task ${t}`);
    return (scores[t] as number) / Math.max(ref, REFERENCE_FLOOR);
  });
  return AGGREGATE_FNS[aggregate](ratios);
}

export function selectionFitness(level: Level, combined: number): number {
  return (level === 'full' ? LEVEL_STEP : 0) + combined;
}

/** The q-quantile (linear interpolation) of a non-empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
