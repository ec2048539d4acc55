/**
 * The result records of a campaign: what one evaluation left, a scored
 * candidate, a hall-of-fame entry with its fresh-seed test scores, the
 * counters and the summary. They are plain JSON data: the event log, the
 * checkpoints and hof.json hold them as they are, and `src/report` and
 * `src/cli` read them from here rather than from the campaign loop.
 */
import type { TrainResult } from '../evaluator/train.js';
import type { CampaignConfig } from './config.js';
import type { Level } from './fitness.js';
import type { Origin } from './individual.js';
import { isBoundedText } from '../grammar/bounded.js';

/** What one task evaluation left, kept in the cache, the log and the hall of fame. */
export interface TaskOutcome {
  readonly score: number;
  readonly ok: boolean;
  /** Why the run gave the floor: a stop reason of the training loop, or a worker failure. */
  readonly failure?: string;
  readonly fitness?: Readonly<Record<string, number>>;
  readonly test?: Readonly<Record<string, number>>;
  readonly summary?: {
    readonly epochs: number;
    readonly steps: number;
    readonly finalLoss: number | null;
    readonly finalAcc: number | null;
    readonly lrMin: number | null;
    readonly lrMax: number | null;
  };
  readonly wallMs: number;
  readonly backend?: string;
  /** The GPU adapter, for runs on webgpu. */
  readonly adapter?: TrainResult['adapter'];
  /** The per-epoch curves, kept for hall-of-fame members (reports plot them). */
  readonly curves?: TrainResult['curves'];
  /**
   * The starting rate this outcome was trained at, when the campaign scores
   * full fidelity at the best of several rates (`fitnessRates`): the rate
   * whose validation score the fitness is.
   */
  readonly lr0?: number;
}

export interface ScoredCandidate {
  readonly id: string;
  readonly text: string;
  readonly origin: Origin;
  readonly level: Level;
  readonly cheap: Readonly<Record<string, TaskOutcome>>;
  readonly full?: Readonly<Record<string, TaskOutcome>>;
  readonly combined: number;
  readonly fitness: number;
}

export interface HallOfFameEntry {
  readonly id: string;
  readonly text: string;
  readonly simplified: string;
  readonly hash: string;
  readonly origin: Origin;
  /** Baselines this rule descends from (itself, for a seed). */
  readonly lineage: readonly string[];
  readonly combined: number;
  readonly scores: Readonly<Record<string, number>>;
  readonly generation: number;
  readonly wallMs: number;
  readonly curves?: Readonly<Record<string, TrainResult['curves']>>;
  /**
   * Filled at the end when the campaign tunes (config "tuning"): per task —
   * search tasks and held-out validation tasks — the lr0 chosen on the
   * validation split and the test metrics at that lr0 over the fresh seeds.
   */
  readonly tuned?: Readonly<Record<string, TunedTask>>;
  /** Filled at the end: test metrics over fresh seeds, per task. */
  readonly test?: Readonly<Record<string, TestScores>>;
}

/** One rule on one task after equal tuning of lr0 (tuning.ts). */
export interface TunedTask {
  /** The rate chosen on the validation split with the search seed. */
  readonly lr0: number;
  /** Every rate tried, with its validation score (null: the run stopped). */
  readonly grid: ReadonlyArray<{ readonly lr0: number; readonly score: number | null }>;
  /** Test metrics at the chosen rate over the fresh seeds (the same seeds for every rule). */
  readonly test: TestScores;
  /** A validation task: the search never saw it. */
  readonly heldOut: boolean;
}

/**
 * Whether a tuned rate is the lowest or highest point of its grid (a grid of
 * one point has no edge): the best rate may lie beyond, so that rule was not
 * tuned as well as the others and a comparison with it proves less.
 */
export function gridEdge(t: TunedTask): 'lowest' | 'highest' | undefined {
  const rates = t.grid.map((g) => g.lr0);
  if (rates.length < 2) return undefined;
  if (t.lr0 === Math.min(...rates)) return 'lowest';
  if (t.lr0 === Math.max(...rates)) return 'highest';
  return undefined;
}

/** Test metrics of one rule on one task over the fresh seeds. */
export interface TestScores {
  /** Mean and sd over the runs that finished (NaN, null in JSON, when none did). */
  readonly mean: number;
  readonly sd: number;
  /** One per fresh seed, in seed order; NaN (null in JSON) where the run stopped. */
  readonly values: readonly number[];
  readonly metric: string;
  /** Per seed: why the run stopped, or null. Folders of schema 1 lack it; the store's upgrade fills it. */
  readonly failures?: readonly (string | null)[];
}

/**
 * How tables and verdicts name a rule: a seed by its baseline's name, an
 * evolved rule by its id. A seed that entered a bounded grammar in its
 * bounded form (seeding.ts: the capped Adam of alr-shape is not Adam) is
 * named "adam (bounded)", so that no table passes it off as the baseline.
 */
export const ruleName = (h: HallOfFameEntry): string => {
  if (h.origin.kind !== 'seed') return h.id;
  return isBoundedText(h.text) ? `${h.origin.baseline} (bounded)` : h.origin.baseline;
};

/**
 * The rule a campaign's verdict is about: its best evolved rule — recorded,
 * or, in campaigns that predate recording it, the best non-seed rule of the
 * hall of fame.
 */
export function evolvedRuleOf(results: { readonly bestEvolved?: HallOfFameEntry | null; readonly hallOfFame: readonly HallOfFameEntry[] }): HallOfFameEntry | undefined {
  return results.bestEvolved ?? results.hallOfFame.find((h) => h.origin.kind !== 'seed');
}

/**
 * A rule's test scores per task as comparisons use them: at its tuned rate
 * (search and held-out tasks) when `tuned`, else as searched.
 */
export function comparedTests(h: HallOfFameEntry, tuned: boolean): Readonly<Record<string, TestScores>> | undefined {
  return tuned ? (h.tuned ? Object.fromEntries(Object.entries(h.tuned).map(([task, t]) => [task, t.test])) : undefined) : h.test;
}

/** Fresh-seed runs that finished (a stopped run is NaN, or null once read back from JSON). */
export function finishedRuns(t: TestScores): number {
  return t.values.filter((v) => typeof v === 'number' && Number.isFinite(v)).length;
}

/** " (k of n stopped)" when some fresh-seed runs stopped early, else "". */
export function stoppedNote(t: TestScores): string {
  const stopped = t.values.length - finishedRuns(t);
  return stopped > 0 ? ` (${stopped} of ${t.values.length} stopped)` : '';
}

/** Per task: the score of each outcome. */
export function scoresOf(outcomes: Readonly<Record<string, TaskOutcome>>): Record<string, number> {
  return Object.fromEntries(Object.entries(outcomes).map(([t, o]) => [t, o.score]));
}

export interface Counters {
  evaluations: number;
  cacheHits: number;
  structureHits: number;
  behaviourHits: number;
  promoted: number;
  candidates: number;
  failures: number;
  workerMs: number;
  /** Failures by reason (first line of the worker's message); absent until one happens, and in older campaigns. */
  failureReasons?: Record<string, number>;
}

export function emptyCounters(): Counters {
  return { evaluations: 0, cacheHits: 0, structureHits: 0, behaviourHits: 0, promoted: 0, candidates: 0, failures: 0, workerMs: 0 };
}

/**
 * The hall of fame with what it is compared with: every seeded baseline's best
 * full-fidelity result (by baseline name), the best of them, and the best rule
 * that is not a seed (the hall of fame may hold only seeds).
 */
export interface Standings {
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly bestBaseline?: HallOfFameEntry;
  readonly baselines: Readonly<Record<string, HallOfFameEntry>>;
  readonly bestEvolved?: HallOfFameEntry;
}

/** What hof.json holds: written once, when the campaign completes. */
export interface CampaignResults {
  readonly schema: number;
  /** Absent only in hand-made files. */
  readonly campaign?: string;
  readonly config?: CampaignConfig;
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly bestBaseline: HallOfFameEntry | null;
  /** The seeded baselines scored at full fidelity, best first. */
  readonly baselines: readonly HallOfFameEntry[];
  readonly bestEvolved: HallOfFameEntry | null;
  readonly counters?: Counters;
  /** Wall time of the final stages, for the protocol's cost (absent in campaigns that predate it). */
  readonly finalStages?: { readonly rescoreMs: number; readonly tuningMs: number; readonly tuningRuns: number };
}

/** The results as far as they go: hof.json when the campaign is complete, else its newest checkpoint. */
export interface ResultsView {
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly bestBaseline: HallOfFameEntry | null;
  /** The seeded baselines at full fidelity, best first. */
  readonly baselines: readonly HallOfFameEntry[];
  readonly bestEvolved: HallOfFameEntry | null;
  /** False while the campaign is still running (figures from its last checkpoint, no test re-scoring yet). */
  readonly final: boolean;
}

export interface CampaignSummary {
  readonly dir: string;
  readonly generations: number;
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly bestBaseline?: HallOfFameEntry;
  /** The seeded baselines scored at full fidelity, best first. */
  readonly baselines: readonly HallOfFameEntry[];
  /** The best rule evolution found (not a seed), re-scored like the hall of fame; absent if none reached full fidelity. */
  readonly bestEvolved?: HallOfFameEntry;
  readonly counters: Counters;
  readonly wallMs: number;
}
