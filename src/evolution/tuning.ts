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
 * The grid and the choice are pure arithmetic; `tuneStandings` runs the
 * stage. Selection never sees a test metric: the test runs happen at the
 * chosen rate, after it is chosen.
 */
import type { HallOfFameEntry, Standings, TaskOutcome, TunedTask } from './records.js';
import { testScores } from './rescoring.js';

export interface TuningSettings {
  /** Points on the grid (odd, so the untuned rate is one of them). */
  readonly points: number;
  /** The grid spans lr0 / span to lr0 · span. */
  readonly span: number;
  /**
   * Where rules are tuned: on every task (absent, the default), or only on
   * the held-out ones, where the verdict that matters is decided. The
   * search tasks then keep only their untuned re-scoring; on an expensive
   * task (the PINN at thousands of steps) this halves the stage.
   */
  readonly tasks?: 'held-out';
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

/**
 * Trains at every rate of the grid around `centre` and picks the best by
 * validation score (`pickTuned`; a run that failed or gave no finite score
 * is no candidate). Equal tuning and fitness at several rates both choose so.
 */
export async function bestOfGrid(centre: number, settings: TuningSettings, trainAt: (lr0: number) => Promise<TaskOutcome>): Promise<{ chosen: TuningTrial; trials: TuningTrial[]; outcome: TaskOutcome }> {
  const grid = tuningGrid(centre, settings);
  const outcomes = await Promise.all(grid.map(trainAt));
  const trials = grid.map((lr0, i) => {
    const o = outcomes[i] as TaskOutcome;
    return { lr0, score: o.ok && Number.isFinite(o.score) ? o.score : undefined };
  });
  const chosen = pickTuned(trials, centre);
  return { chosen, trials, outcome: outcomes[grid.indexOf(chosen.lr0)] as TaskOutcome };
}

/** Trains a rule on a task at full fidelity with a given seed and starting rate. */
export type RunAt = (text: string, task: string, seed: number, lr0: number) => Promise<TaskOutcome>;

export interface TuningPlan {
  readonly settings: TuningSettings;
  /** Every task the comparison covers: the search's, then the held-out ones. */
  readonly tasks: ReadonlyArray<{ readonly name: string; readonly heldOut: boolean }>;
  /** The seed candidates were scored with during the search: tuning selects with it, on the validation split. */
  readonly searchSeed: number;
  /** The fresh seeds of the test comparison, the same for every rule. */
  readonly testSeeds: readonly number[];
  /** The rate a task trains from untuned: the grid's centre. */
  readonly centreOf: (task: string) => number;
}

/**
 * Tunes every finalist and baseline of the standings — the hall of fame, the
 * best evolved rule and the re-scored baselines — on every task of the plan,
 * each distinct rule (by structural hash) once however many lists hold it.
 * Selection reads only validation scores; test runs happen at the chosen
 * rate afterwards.
 */
export async function tuneStandings(standings: Standings, plan: TuningPlan, runAt: RunAt, log: (line: string) => void): Promise<Standings> {
  const byHash = new Map<string, Promise<Record<string, TunedTask>>>();
  const tune = (h: HallOfFameEntry): Promise<HallOfFameEntry> => {
    let tuned = byHash.get(h.hash);
    if (!tuned) {
      tuned = tuneRule(h.text, plan, runAt);
      byHash.set(h.hash, tuned);
    }
    return tuned.then((t) => ({ ...h, tuned: t }));
  };
  const rules = new Set([...standings.hallOfFame, ...(standings.bestEvolved ? [standings.bestEvolved] : []), ...rescoredBaselines(standings)].map((h) => h.hash));
  const runs = rules.size * plan.tasks.length * (plan.settings.points + plan.testSeeds.length);
  log(`tuning lr0 for ${rules.size} rule(s) on ${plan.tasks.length} task(s): ${plan.settings.points} rates each, then ${plan.testSeeds.length} fresh seeds at the best (${runs} runs)`);
  const [hallOfFame, bestEvolved, baselineEntries] = await Promise.all([
    Promise.all(standings.hallOfFame.map(tune)),
    standings.bestEvolved ? tune(standings.bestEvolved) : Promise.resolve(undefined),
    Promise.all(Object.entries(standings.baselines).map(async ([name, b]) => [name, b.test ? await tune(b) : b] as const)),
  ]);
  const baselines = Object.fromEntries(baselineEntries);
  const bestBaseline = standings.bestBaseline?.origin.kind === 'seed' ? (baselines[standings.bestBaseline.origin.baseline] ?? standings.bestBaseline) : standings.bestBaseline;
  return { hallOfFame, baselines, ...(bestBaseline ? { bestBaseline } : {}), ...(bestEvolved ? { bestEvolved } : {}) };
}

/** The baselines the final stage re-scored (those with test scores): tuning compares the same set. */
function rescoredBaselines(standings: Standings): HallOfFameEntry[] {
  return Object.values(standings.baselines).filter((b) => b.test !== undefined);
}

async function tuneRule(text: string, plan: TuningPlan, runAt: RunAt): Promise<Record<string, TunedTask>> {
  const out: Record<string, TunedTask> = {};
  for (const task of plan.tasks) {
    const { chosen, trials } = await bestOfGrid(plan.centreOf(task.name), plan.settings, (lr0) => runAt(text, task.name, plan.searchSeed, lr0));
    const tests = await Promise.all(plan.testSeeds.map((seed) => runAt(text, task.name, seed, chosen.lr0)));
    out[task.name] = { lr0: chosen.lr0, grid: trials.map((t) => ({ lr0: t.lr0, score: t.score ?? null })), test: testScores(tests), heldOut: task.heldOut };
  }
  return out;
}
