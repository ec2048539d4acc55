/**
 * The final re-scoring: the hall of fame, the best evolved rule and the
 * baselines trained again on the test split with fresh seeds (never the
 * search's), every rule on the same seeds so that comparisons on the test
 * split are paired seed by seed.
 */
import type { Fidelity } from '../tasks/task.js';
import type { CampaignConfig } from './config.js';
import type { HallOfFameEntry, Standings, TaskOutcome, TestScores } from './records.js';

export type RunOne = (text: string, task: string, fidelity: Fidelity, seed: number) => Promise<TaskOutcome>;

/** Seeds of the final re-scoring: never the search's. */
export function finalSeeds(config: CampaignConfig): number[] {
  return Array.from({ length: config.finalSeeds }, (_, i) => config.seed + 1_000_003 * (i + 1));
}

/**
 * Re-scores the standings: the hall of fame, the best evolved rule and the
 * baselines (every one, or only the best, as configured). A rule in several
 * of these lists (a seed in the hall of fame) trains once.
 */
export async function rescoreStandings(config: CampaignConfig, standings: Standings, runOne: RunOne, log: (line: string) => void): Promise<Standings> {
  const { hallOfFame, bestEvolved } = standings;
  let { bestBaseline } = standings;
  const baselines: Record<string, HallOfFameEntry> = { ...standings.baselines };
  const toRescore = config.rescoreBaselines === 'all' ? Object.keys(baselines) : bestBaseline?.origin.kind === 'seed' ? [bestBaseline.origin.baseline] : [];
  const rescore = testRescorer(config, runOne);
  const unique = new Set([...hallOfFame, ...(bestEvolved ? [bestEvolved] : []), ...toRescore.map((n) => baselines[n] as HallOfFameEntry)].map((h) => h.hash));
  const seeds = finalSeeds(config).length;
  if (seeds > 0) log(`re-scoring ${unique.size} rule(s) on the test split with ${seeds} fresh seeds`);
  const [hof, evolved, rescored] = await Promise.all([
    Promise.all(hallOfFame.map(rescore)),
    bestEvolved ? rescore(bestEvolved) : Promise.resolve(undefined),
    Promise.all(toRescore.map((n) => rescore(baselines[n] as HallOfFameEntry))),
  ]);
  toRescore.forEach((n, i) => (baselines[n] = rescored[i] as HallOfFameEntry));
  if (bestBaseline?.origin.kind === 'seed') bestBaseline = baselines[bestBaseline.origin.baseline] ?? bestBaseline;
  return { hallOfFame: hof, baselines, ...(bestBaseline ? { bestBaseline } : {}), ...(evolved ? { bestEvolved: evolved } : {}) };
}

/**
 * Re-scores entries on the test split with the fresh seeds, each distinct rule
 * (by structural hash) once however many lists it is in.
 */
function testRescorer(config: CampaignConfig, runOne: RunOne): (h: HallOfFameEntry) => Promise<HallOfFameEntry> {
  const seeds = finalSeeds(config);
  const byHash = new Map<string, Promise<Record<string, TestScores>>>();
  const testsOf = async (text: string): Promise<Record<string, TestScores>> => {
    const test: Record<string, TestScores> = {};
    for (const task of config.tasks) {
      const outcomes = await Promise.all(seeds.map((seed) => runOne(text, task, 'full', seed)));
      test[task] = testScores(outcomes);
    }
    return test;
  };
  return async (h) => {
    if (seeds.length === 0) return h;
    let tests = byHash.get(h.hash);
    if (!tests) {
      tests = testsOf(h.text);
      byHash.set(h.hash, tests);
    }
    return { ...h, test: await tests };
  };
}

/** The test metrics of a rule's fresh-seed runs on one task. */
export function testScores(outcomes: readonly TaskOutcome[]): TestScores {
  const metric = outcomes.map((o) => Object.keys(o.test ?? {})[0]).find((m) => m !== undefined) ?? 'score';
  const values = outcomes.map((o) => (o.ok ? (o.test?.[metric] ?? o.score) : NaN));
  const finite = values.filter((v) => Number.isFinite(v));
  // No finished run has no mean (NaN, null in JSON): a 0 would read as a real score.
  const mean = finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
  const sd = finite.length > 0 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, finite.length - 1)) : NaN;
  const failures = outcomes.map((o) => (o.ok ? null : (o.failure ?? 'failed')));
  return { mean, sd, values, metric, failures };
}
