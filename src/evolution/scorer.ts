/**
 * Scoring candidates: the evaluation cache (structural and behavioural hits,
 * and one training run for twins asked at the same time), the two fidelities
 * with the hurdle between them, the reference scores that make several tasks
 * comparable, and the counters all of this moves. Every candidate is trained
 * with the campaign's evaluation seed (common random numbers make scores
 * comparable and cacheable).
 *
 * Results are handed back, and enter the cache, in candidate order whatever
 * order workers finish in: which of two behavioural twins a later hit reuses
 * must not depend on timing, or a resumed campaign could differ.
 */
import { isRandom, ruleParts, type Rule } from '../grammar/ast.js';
import { ruleHash } from '../grammar/hash.js';
import { parseRule } from '../grammar/parser.js';
import { printRule } from '../grammar/printer.js';
import { baselineRule, getBaseline } from '../baselines/registry.js';
import type { EvalJob, EvalOutcome } from '../evaluator/job.js';
import type { TrainResult } from '../evaluator/train.js';
import { InputError } from '../errors.js';
import { overrideKey } from '../tasks/budgets.js';
import type { Fidelity } from '../tasks/task.js';
import type { EvaluationCache } from './cache.js';
import { resolveLr0 } from '../evaluator/lr0.js';
import { lookupTask } from '../tasks/registry.js';
import { budgetsFor, type CampaignConfig, type FitnessRates } from './config.js';
import { combineScores, quantile, selectionFitness, type Level } from './fitness.js';
import type { Individual } from './individual.js';
import { scoresOf, type Counters, type ScoredCandidate, type TaskOutcome } from './records.js';
import { bestOfGrid } from './tuning.js';

/** Runs one evaluation job; the worker pool or the in-process runner. */
export interface Evaluator {
  evaluate(job: EvalJob): Promise<EvalOutcome>;
}

/** Told as each training run starts and finishes, for progress displays. */
export interface RunListener {
  started(): void;
  finished(): void;
}

export type Outcomes = Readonly<Record<string, TaskOutcome>>;
export type References = Record<Fidelity, Record<string, number>>;

/** What the hurdle between the fidelities carries from one generation to the next (saved in checkpoints). */
export interface HurdleState {
  readonly previousCheapScores: readonly number[];
  /** The worst seeded baseline's cheap score: the hurdle never falls below it. */
  readonly seedFloor?: number;
}

export interface ScoredGeneration {
  readonly scored: readonly ScoredCandidate[];
  readonly promoted: number;
  readonly hurdle?: number;
  readonly next: HurdleState;
}

/** A multi-task campaign's reference baseline that cannot serve (it is of the other variant). */
export class ReferenceBaselineError extends InputError {}

/** The reference baseline of a multi-task campaign as a rule (a BaselineError or ReferenceBaselineError when it cannot serve). */
export function referenceRule(config: CampaignConfig): { rule: Rule; text: string } {
  const { rule, text } = baselineRule(getBaseline(config.reference));
  if (rule.variant !== config.variant) throw new ReferenceBaselineError(`the reference baseline ${config.reference} is not a ${config.variant} rule`);
  return { rule, text };
}

/** The evaluation seed every candidate is trained with. */
export function evaluationSeed(config: CampaignConfig): number {
  return config.seed;
}

interface Unstored {
  readonly fidelity: Fidelity;
  readonly order: number;
  readonly rule: Rule;
  readonly context: string;
  readonly outcome: TaskOutcome;
  readonly text: string;
}

export class Scorer {
  private readonly unstored: Unstored[] = [];
  /** Runs in flight by fidelity: a generation's full runs may start while its cheap stage is still being stored. */
  private readonly pending: Record<Fidelity, Map<string, Promise<TaskOutcome>>> = { cheap: new Map(), full: new Map() };

  constructor(
    private readonly config: CampaignConfig,
    private readonly evaluator: Evaluator,
    private readonly cache: EvaluationCache<TaskOutcome>,
    readonly counters: Counters,
    readonly references: References,
    private readonly listener?: RunListener,
  ) {
  }

  /**
   * One generation: the first fidelity for every candidate, then (with
   * multi-fidelity) the full one for the seeds and for those that pass the
   * hurdle. Returns the candidates scored in their order.
   */
  async scoreGeneration(candidates: readonly Individual[], generation: number, hurdleState: HurdleState, log: (line: string) => void): Promise<ScoredGeneration> {
    const { config } = this;
    this.counters.candidates += candidates.length;
    const rules = candidates.map((c) => parseRule(c.text, config.variant));
    const firstLevel: Fidelity = config.multiFidelity ? 'cheap' : 'full';
    await this.ensureReferences(firstLevel, log);
    // Full runs start as soon as a candidate is known to be promoted (see `earlyPromotion`), not after the whole cheap stage.
    const started = new Map<number, Promise<Outcomes>>();
    const startFull = (i: number): void => void started.set(i, this.scoreTasks(rules[i] as Rule, (candidates[i] as Individual).text, 'full', i));
    const early = config.multiFidelity ? this.earlyPromotion(candidates, generation, hurdleState) : undefined;
    const onScored = early && ((i: number, outcomes: Outcomes): void => (early(i, outcomes) ? startFull(i) : undefined));
    const first = await this.scoreAll(
      candidates.map((c, i) => ({ rule: rules[i] as Rule, text: c.text, order: i })),
      firstLevel,
      onScored,
    );
    const firstCombined = first.map((o) => this.combine(o, firstLevel));
    if (!config.multiFidelity) {
      const scored = candidates.map((c, i) => scoredCandidate(c, {}, first[i], firstCombined[i] as number));
      return { scored, promoted: 0, next: hurdleState };
    }
    const { hurdle, seedFloor } = this.hurdle(candidates, first, firstCombined, generation, hurdleState);
    // Seeded baselines always run at full fidelity: they are what the hall of fame is compared with.
    const promotedIndex = firstCombined.flatMap((s, i) => {
      const passed = s >= hurdle && allFinished(first[i] as Outcomes);
      return (candidates[i] as Individual).origin.kind === 'seed' || passed ? [i] : [];
    });
    for (const i of started.keys()) if (!promotedIndex.includes(i)) throw new Error(`internal error: candidate ${i} started at full fidelity but was not promoted`);
    await this.ensureReferences('full', log);
    for (const i of promotedIndex) if (!started.has(i)) startFull(i);
    const full = await Promise.all(promotedIndex.map((i) => started.get(i) as Promise<Outcomes>));
    this.flush('full');
    const second: Array<Outcomes | undefined> = candidates.map(() => undefined);
    promotedIndex.forEach((i, k) => (second[i] = full[k]));
    this.counters.promoted += promotedIndex.length;
    const scored = candidates.map((c, i) => {
      const outcomes = second[i];
      return scoredCandidate(c, first[i] as Outcomes, outcomes, outcomes ? this.combine(outcomes, 'full') : (firstCombined[i] as number));
    });
    return { scored, promoted: promotedIndex.length, hurdle, next: { previousCheapScores: firstCombined, ...(seedFloor !== undefined ? { seedFloor } : {}) } };
  }

  /**
   * The hurdle is set by the previous generation's cheap scores (the first
   * generation sets its own), but never below the worst seeded baseline: when
   * most of a generation trains at chance level (common with random adaptive
   * rules), its quantile would wave chance-level rules through to the costly
   * full runs (an ALR campaign spent 69 % of its full-fidelity time on them).
   */
  private hurdle(
    candidates: readonly Individual[],
    first: readonly Outcomes[],
    firstCombined: readonly number[],
    generation: number,
    state: HurdleState,
  ): { hurdle: number; seedFloor: number | undefined } {
    let seedFloor = state.seedFloor;
    if (generation === 0 && seedFloor === undefined) {
      const seeded = firstCombined.filter((_, i) => (candidates[i] as Individual).origin.kind === 'seed' && allFinished(first[i] ?? {}));
      if (seeded.length > 0) seedFloor = Math.min(...seeded);
    }
    const basis = state.previousCheapScores.length > 0 ? state.previousCheapScores : firstCombined;
    return { hurdle: Math.max(quantile(basis, this.config.hurdleQuantile), seedFloor ?? -Infinity), seedFloor };
  }

  /**
   * Which candidates can start their full run as soon as their cheap score
   * is in: seeds always (they are promoted whatever they score), and, once
   * the hurdle no longer depends on this generation (from the second
   * generation on it is the previous one's quantile and the seed floor),
   * those that pass it. Undefined when full runs must wait for the stage:
   * a multi-task campaign whose full reference scores are not in yet.
   *
   * Starting early changes when full runs are looked up and started, not
   * what they return, nor what is stored: results are stored per fidelity
   * in candidate order, and a run in flight is shared until its stage is
   * stored, so hit counts and results do not depend on arrival order. What
   * it buys: the workers no longer idle at the end of the cheap stage while
   * the slowest cheap runs finish.
   */
  private earlyPromotion(candidates: readonly Individual[], generation: number, state: HurdleState): ((i: number, outcomes: Outcomes) => boolean) | undefined {
    const { tasks } = this.config;
    if (tasks.length > 1 && Object.keys(this.references.full).length !== tasks.length) return undefined;
    const hurdleKnown = state.previousCheapScores.length > 0 && !(generation === 0 && state.seedFloor === undefined);
    const known = hurdleKnown ? this.hurdle(candidates, [], [], generation, state).hurdle : undefined;
    return (i, outcomes) =>
      (candidates[i] as Individual).origin.kind === 'seed' || (known !== undefined && this.combine(outcomes, 'cheap') >= known && allFinished(outcomes));
  }

  /** Scores rules on every task at one fidelity, then stores the new results in candidate order. */
  private async scoreAll(
    items: ReadonlyArray<{ rule: Rule; text: string; order: number }>,
    fidelity: Fidelity,
    onScored?: (order: number, outcomes: Outcomes) => void,
  ): Promise<Outcomes[]> {
    const outcomes = await Promise.all(
      items.map(async (it) => {
        const o = await this.scoreTasks(it.rule, it.text, fidelity, it.order);
        onScored?.(it.order, o);
        return o;
      }),
    );
    this.flush(fidelity);
    return outcomes;
  }

  private combine(outcomes: Outcomes, fidelity: Fidelity): number {
    return combineScores(scoresOf(outcomes), this.references[fidelity], this.config.aggregate);
  }

  private async scoreTasks(rule: Rule, text: string, fidelity: Fidelity, order: number): Promise<Record<string, TaskOutcome>> {
    const tasks = this.config.tasks;
    const entries = await Promise.all(tasks.map(async (task, t) => [task, await this.evaluateCached(rule, text, task, fidelity, order * tasks.length + t)] as const));
    return Object.fromEntries(entries);
  }

  /** Stores `fidelity`'s new results in candidate order; another fidelity's runs still in flight stay pending. */
  private flush(fidelity: Fidelity): void {
    const ready = this.unstored.filter((u) => u.fidelity === fidelity).sort((a, b) => a.order - b.order);
    for (const u of ready) this.cache.store(u.rule, u.context, u.outcome, u.text);
    const rest = this.unstored.filter((u) => u.fidelity !== fidelity);
    this.unstored.length = 0;
    this.unstored.push(...rest);
    this.pending[fidelity].clear();
  }

  // Nothing is awaited before the look-up and the job start, so across a stage they happen
  // synchronously in candidate order: hit counts and shared in-flight runs are reproducible.
  private async evaluateCached(rule: Rule, text: string, task: string, fidelity: Fidelity, order: number): Promise<TaskOutcome> {
    const { config, counters } = this;
    const seeds = this.fitnessSeedsOf(rule, fidelity);
    if (!config.cache) return this.runAtBestRate(text, task, fidelity, seeds);
    // The seed count joins the context only when it is above one, so single-seed campaigns keep their cache keys.
    // Tasks on their own budgets keep the cache context they always had, so old caches stay valid.
    const budgetsKey = overrideKey(budgetsFor(config, task));
    const grid = this.fitnessRatesAt(fidelity);
    const rates = grid ? `|rates=${grid.points}x${grid.span}${grid.centre === undefined ? '' : `@${grid.centre}`}` : '';
    const context = `${task}|${fidelity}|${evaluationSeed(config)}|${config.optimizer}|${config.lr0 ?? ''}|${config.splitSeed}${budgetsKey === '' ? '' : `|${budgetsKey}`}${seeds > 1 ? `|seeds=${seeds}` : ''}${rates}`;
    const hit = this.cache.lookup(rule, context);
    if (hit) {
      counters.cacheHits++;
      if (hit.hit === 'structure') counters.structureHits++;
      else counters.behaviourHits++;
      return hit.value;
    }
    const key = `${ruleHash(rule)}|${context}`;
    const inFlight = this.pending[fidelity].get(key);
    if (inFlight) {
      counters.cacheHits++;
      counters.structureHits++;
      return inFlight;
    }
    const p = this.runAtBestRate(text, task, fidelity, seeds).then((outcome) => {
      this.unstored.push({ fidelity, order, rule, context, outcome, text });
      return outcome;
    });
    this.pending[fidelity].set(key, p);
    return p;
  }

  /** Full-fidelity fitness runs `fitnessSeeds` seeds, and at least `randomFitnessSeeds` for a rule that draws random numbers. */
  private fitnessSeedsOf(rule: Rule, fidelity: Fidelity): number {
    if (fidelity !== 'full') return 1;
    return ruleParts(rule).some(([, e]) => isRandom(e)) ? Math.max(this.config.fitnessSeeds, this.config.randomFitnessSeeds) : this.config.fitnessSeeds;
  }

  /**
   * The fitness at the campaign's rate, or — at full fidelity with
   * `fitnessRates`, and at the cheap one too with its `cheap` — at the best
   * of a small log grid of starting rates around it (or around its
   * `centre` multiple), chosen on the validation score as equal tuning
   * chooses (ties to the centre). Selection then compares rules each near its own best step size,
   * so a rule cannot win by being a larger or smaller rate alone: tuning
   * would hand that to every baseline at the end anyway.
   */
  private async runAtBestRate(text: string, task: string, fidelity: Fidelity, seeds: number): Promise<TaskOutcome> {
    const settings = this.fitnessRatesAt(fidelity);
    if (!settings) return this.runAveraged(text, task, fidelity, seeds);
    const centre = startingRate(this.config, task) * (settings.centre ?? 1);
    const { chosen, outcome } = await bestOfGrid(centre, settings, (lr0) => this.runAveraged(text, task, fidelity, seeds, lr0));
    return { ...outcome, lr0: chosen.lr0 };
  }

  /** The grid of rates a fidelity's fitness is the best of, or undefined: one rate. */
  private fitnessRatesAt(fidelity: Fidelity): FitnessRates | undefined {
    const rates = this.config.fitnessRates;
    return rates && (fidelity === 'full' || rates.cheap) ? rates : undefined;
  }

  /**
   * The fitness over `seeds` seeds — the evaluation seed, then seeds derived
   * from it — as one outcome: scores and metrics averaged, failed only if a
   * run failed (its floor score is in the mean), curves of the first run.
   */
  private async runAveraged(text: string, task: string, fidelity: Fidelity, seeds: number, lr0 = this.config.lr0): Promise<TaskOutcome> {
    const base = evaluationSeed(this.config);
    if (seeds === 1) return this.runOne(text, task, fidelity, base, lr0);
    const runs = await Promise.all(Array.from({ length: seeds }, (_, j) => this.runOne(text, task, fidelity, base + FITNESS_SEED_STRIDE * j, lr0)));
    return averageOutcomes(runs);
  }

  /** One training run, outside the cache (the final re-scoring uses it with fresh seeds). */
  /** One training run; `lr0` overrides the campaign's starting rate (equal tuning tries a grid of them). */
  async runOne(text: string, task: string, fidelity: Fidelity, seed = evaluationSeed(this.config), lr0 = this.config.lr0): Promise<TaskOutcome> {
    const { config, counters } = this;
    counters.evaluations++;
    this.listener?.started();
    const budgets = budgetsFor(config, task);
    const job: EvalJob = {
      ruleText: text,
      variant: config.variant,
      optimizer: config.optimizer,
      task,
      fidelity,
      seed,
      splitSeed: config.splitSeed,
      // The trainer stops itself a little before the pool would kill the worker, so a slow run ends
      // with its curves and a floor score rather than as a killed thread.
      timeLimitMs: config.timeLimit * 900,
      ...(lr0 !== undefined ? { lr0 } : {}),
      ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}),
      ...(budgets !== undefined ? { budgets } : {}),
    };
    const outcome = await this.evaluator.evaluate(job);
    this.listener?.finished();
    if (!outcome.ok) {
      counters.failures++;
      // Counted by reason, so that a campaign whose runs all fail alike can say why on screen.
      const reason = `${outcome.reason}: ${outcome.detail.split('\n')[0]?.slice(0, 200) ?? ''}`;
      counters.failureReasons = { ...counters.failureReasons, [reason]: (counters.failureReasons?.[reason] ?? 0) + 1 };
      return { score: 0, ok: false, failure: `${outcome.reason}: ${outcome.detail}`, wallMs: 0 };
    }
    counters.workerMs += outcome.result.wallMs;
    return toTaskOutcome(outcome.result);
  }

  /** Scores the reference baseline once per fidelity when several tasks are combined. */
  private async ensureReferences(fidelity: Fidelity, log: (line: string) => void): Promise<void> {
    const { config, references } = this;
    if (config.tasks.length < 2 || Object.keys(references[fidelity]).length === config.tasks.length) return;
    const { rule, text } = referenceRule(config);
    const [scores] = await this.scoreAll([{ rule, text: printRule(rule), order: 0 }], fidelity);
    for (const [task, o] of Object.entries(scores as Outcomes)) references[fidelity][task] = o.score;
    log(`reference ${config.reference} (${text}) at ${fidelity} fidelity: ${Object.entries(references[fidelity]).map(([t, s]) => `${t} ${s.toFixed(4)}`).join(', ')}`);
  }
}

function allFinished(outcomes: Outcomes): boolean {
  return Object.values(outcomes).every((o) => o.ok);
}

function scoredCandidate(c: Individual, cheap: Outcomes, full: Outcomes | undefined, combined: number): ScoredCandidate {
  const level: Level = full ? 'full' : 'cheap';
  return { id: c.id, text: c.text, origin: c.origin, level, cheap, ...(full ? { full } : {}), combined, fitness: selectionFitness(level, combined) };
}

function toTaskOutcome(r: TrainResult): TaskOutcome {
  const last = <T>(xs: readonly T[]): T | null => (xs.length > 0 ? (xs[xs.length - 1] as T) : null);
  return {
    score: r.score,
    ok: r.stopped === undefined,
    ...(r.stopped ? { failure: `${r.stopped.reason}: ${r.stopped.detail}` } : {}),
    fitness: r.fitness,
    test: r.test,
    summary: {
      epochs: r.epochs,
      steps: r.steps,
      finalLoss: last(r.curves.loss),
      finalAcc: last(r.curves.acc),
      lrMin: r.curves.lr.length > 0 ? Math.min(...r.curves.lr) : null,
      lrMax: r.curves.lr.length > 0 ? Math.max(...r.curves.lr) : null,
    },
    wallMs: r.wallMs,
    backend: r.backend,
    ...(r.adapter ? { adapter: r.adapter } : {}),
    curves: r.curves,
  };
}

/** Seeds of repeated fitness runs: apart from the fresh seeds of the final re-scoring (multiples of 1 000 003). */
const FITNESS_SEED_STRIDE = 7919;

function mean(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

function averageMetrics(records: ReadonlyArray<Readonly<Record<string, number>> | undefined>): Record<string, number> | undefined {
  const first = records[0];
  if (!first) return undefined;
  return Object.fromEntries(Object.keys(first).map((k) => [k, mean(records.map((r) => r?.[k] ?? NaN))]));
}

/**
 * The rate a task trains from when the campaign does not change it: the
 * campaign's lr0, or the task's default for the base optimizer (or the
 * adaptive rules' default). The centre of every grid of rates — fitness
 * rates and equal tuning alike.
 */
export function startingRate(config: CampaignConfig, task: string): number {
  return resolveLr0(lookupTask(task, budgetsFor(config, task)), config.variant === 'dlr' ? config.optimizer : 'alr', config.lr0);
}

function averageOutcomes(runs: readonly TaskOutcome[]): TaskOutcome {
  const [first] = runs as [TaskOutcome, ...TaskOutcome[]];
  const failed = runs.find((r) => !r.ok);
  const fitness = averageMetrics(runs.map((r) => r.fitness));
  const test = averageMetrics(runs.map((r) => r.test));
  return {
    ...first,
    score: mean(runs.map((r) => r.score)),
    ok: failed === undefined,
    ...(failed?.failure !== undefined ? { failure: `${failed.failure} (on ${runs.filter((r) => !r.ok).length} of ${runs.length} seeds)` } : {}),
    ...(fitness ? { fitness } : {}),
    ...(test ? { test } : {}),
    wallMs: runs.reduce((a, r) => a + r.wallMs, 0),
  };
}
