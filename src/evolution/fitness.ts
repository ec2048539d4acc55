/**
 * From task scores to the one number selection compares.
 *
 * - One task: its score (accuracy, or −log10 relative error for the PINN).
 * - Several tasks: the mean over tasks of score / reference, where the
 *   reference is the score of a reference baseline (config "reference") on that
 *   task, run in the same campaign at the same fidelity and seed; a reference
 *   below 1e-3 counts as 1e-3 so a failed reference cannot blow the ratio up.
 * - Fidelity ranks first: a candidate scored at full fidelity always ranks
 *   above one that stopped at the hurdle (cheap and full scores are on
 *   different scales), so selection sees level · 1e9 + combined score.
 */
export const REFERENCE_FLOOR = 1e-3;
const LEVEL_STEP = 1e9;

export type Level = 'cheap' | 'full';

export function combineScores(scores: Readonly<Record<string, number>>, references?: Readonly<Record<string, number>>): number {
  const tasks = Object.keys(scores);
  if (tasks.length === 1) return scores[tasks[0] as string] as number;
  let sum = 0;
  for (const t of tasks) {
    const ref = references?.[t];
    if (ref === undefined) throw new Error(`no reference score for task ${t}`);
    sum += (scores[t] as number) / Math.max(ref, REFERENCE_FLOOR);
  }
  return sum / tasks.length;
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
