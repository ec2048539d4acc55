/**
 * A campaign end to end: seed the population, then per generation ask the
 * strategy for candidates, score them (cache, cheap fidelity, hurdle, full
 * fidelity) through the evaluator, tell the strategy, log every evaluation,
 * keep the hall of fame and checkpoint. At the end the hall of fame is
 * re-scored on the test split with fresh seeds.
 *
 * Resuming loads the newest intact checkpoint, cuts the event log back to
 * what that checkpoint had seen, and goes on. Every evaluation uses the
 * campaign's evaluation seed and all search randomness comes from saved
 * streams, so a killed-and-resumed campaign ends exactly as an uninterrupted
 * one.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule, Variant } from '../grammar/ast.js';
import { loadGrammar } from '../grammar/bnf.js';
import { ruleHash } from '../grammar/hash.js';
import { parseRule } from '../grammar/parser.js';
import { printRule } from '../grammar/printer.js';
import { simplifyRule } from '../grammar/simplify.js';
import { baselineRule, getBaseline } from '../baselines/registry.js';
import type { EvalJob, EvalOutcome } from '../evaluator/job.js';
import type { TrainResult } from '../evaluator/train.js';
import { overrideKey } from '../tasks/budgets.js';
import type { Fidelity } from '../tasks/task.js';
import { EvaluationCache } from './cache.js';
import { loadLatestCheckpoint, writeCheckpoint, writeFileAtomic } from './checkpoint.js';
import type { CampaignConfig } from './config.js';
import { combineScores, quantile, selectionFitness, type Level } from './fitness.js';
import type { Individual, Origin } from './individual.js';
import { seedIndividuals } from './seeding.js';
import { SgeStrategy, type StrategyState } from './strategy.js';
import { Stream } from '../random/stream.js';
import { InputError } from '../errors.js';

/** Runs one evaluation job; the worker pool or the in-process runner. */
export interface Evaluator {
  evaluate(job: EvalJob): Promise<EvalOutcome>;
}

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
  /** Filled at the end: test metrics over fresh seeds, per task. */
  readonly test?: Readonly<Record<string, TestScores>>;
}

/** Test metrics of one rule on one task over the fresh seeds. */
export interface TestScores {
  /** Mean and sd over the runs that finished (NaN values are runs that stopped). */
  readonly mean: number;
  readonly sd: number;
  /** One per fresh seed, in seed order; NaN (null in JSON) where the run stopped. */
  readonly values: readonly number[];
  readonly metric: string;
  /** Per seed: why the run stopped, or null; absent in campaigns of older versions. */
  readonly failures?: readonly (string | null)[];
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

interface CheckpointBody {
  readonly config: CampaignConfig;
  readonly generation: number;
  readonly strategy: StrategyState;
  readonly cache: unknown;
  readonly references: Readonly<Record<Fidelity, Record<string, number>>>;
  readonly previousCheapScores: readonly number[];
  /**
   * The lowest cheap score of a seeded baseline (set in the first generation):
   * the hurdle never falls below it. Absent without seeds, and in checkpoints
   * of older versions (which resume as they ran).
   */
  readonly seedFloor?: number;
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly genealogy: Readonly<Record<string, Origin>>;
  readonly bestBaseline?: HallOfFameEntry;
  /** Every seeded baseline's best full-fidelity result, by baseline name (absent in checkpoints of older versions). */
  readonly baselines?: Readonly<Record<string, HallOfFameEntry>>;
  /**
   * The best rule at full fidelity that is not a seeded baseline: the hall of
   * fame may hold only seeds, and the evidence compares evolution's best with
   * them. Absent in checkpoints of older versions (then read from the event log).
   */
  readonly bestEvolved?: HallOfFameEntry;
  readonly eventsBytes: number;
  readonly counters: Counters;
  readonly complete: boolean;
}

interface Counters {
  evaluations: number;
  cacheHits: number;
  structureHits: number;
  behaviourHits: number;
  promoted: number;
  candidates: number;
  failures: number;
  workerMs: number;
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

export interface CampaignOptions {
  readonly runsDir: string;
  readonly resume?: boolean;
  readonly evaluator: Evaluator;
  /** Progress lines (one per generation and for notable events). */
  readonly log?: (line: string) => void;
  /** Called after each checkpoint (tests use it to kill a campaign mid-way). */
  readonly afterCheckpoint?: (generation: number) => void;
  /** Called as evaluations finish, for progress displays. */
  readonly onProgress?: (progress: CampaignProgress) => void;
}

export interface CampaignProgress {
  /** 0-based generation in progress. */
  readonly generation: number;
  readonly generations: number;
  /** Training runs finished in this generation, and those started so far (more are queued after the hurdle). */
  readonly done: number;
  readonly queued: number;
  readonly cacheHits: number;
  /** Best combined score in the hall of fame so far. */
  readonly best: number | undefined;
  /** Estimated milliseconds to the end, from the mean time of the generations run in this process. */
  readonly etaMs: number | undefined;
}

export class CampaignError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignError';
  }
}

/** The evaluation seed every candidate is trained with (common random numbers make scores comparable and cacheable). */
export function evaluationSeed(config: CampaignConfig): number {
  return config.seed;
}

/** Seeds of the final re-scoring: never the search's. */
function finalSeeds(config: CampaignConfig): number[] {
  return Array.from({ length: config.finalSeeds }, (_, i) => config.seed + 1_000_003 * (i + 1));
}

export async function runCampaign(config: CampaignConfig, options: CampaignOptions): Promise<CampaignSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const dir = join(options.runsDir, config.name);
  const eventsPath = join(dir, 'events.jsonl');
  const grammar = loadGrammar(config.grammar, config.variant);

  let state: CheckpointBody;
  let strategy: SgeStrategy;
  let cache: EvaluationCache<TaskOutcome>;
  if (options.resume) {
    const loaded = loadLatestCheckpoint<CheckpointBody>(dir);
    for (const s of loaded?.skipped ?? []) log(`checkpoint ${s.path} is unusable (${s.reason}); using an older one`);
    if (!loaded || loaded.body === undefined) {
      throw new CampaignError(`${dir} has no usable checkpoint to resume from${loaded ? '' : ' (did the campaign finish its first generation?)'}`);
    }
    state = loaded.body;
    if (state.complete) log(`campaign ${config.name} is already complete`);
    const size = existsSync(eventsPath) ? statSync(eventsPath).size : 0;
    if (size > state.eventsBytes) {
      truncateSync(eventsPath, state.eventsBytes);
      log(`discarded ${size - state.eventsBytes} bytes of events from the interrupted generation ${state.generation + 1}`);
    }
    strategy = new SgeStrategy(grammar, strategyConfig(config), new Stream(`autolr:${config.seed}:strategy`), state.strategy);
    cache = EvaluationCache.fromJSON<TaskOutcome>(state.cache);
    log(`resuming ${config.name} after generation ${state.generation + 1} of ${config.generations}`);
  } else {
    if (existsSync(join(dir, 'config.json'))) {
      throw new CampaignError(`${dir} already holds a campaign; resume it with --resume ${dir}, or choose another --name`);
    }
    // Everything that can refuse the config runs before the folder is created, so a refused
    // campaign leaves nothing behind.
    const stream = new Stream(`autolr:${config.seed}:strategy`);
    strategy = new SgeStrategy(grammar, strategyConfig(config), stream);
    const seeds = seedIndividuals(grammar, config.variant, config.seeds, stream);
    if (seeds.length > config.population) {
      throw new CampaignError(
        `${seeds.length} baselines are seeded but the population holds ${config.population}: raise the population or choose fewer seeds (--seeds)`,
      );
    }
    strategy.seed(seeds);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(eventsPath, '');
    cache = new EvaluationCache<TaskOutcome>();
    state = {
      config,
      generation: -1,
      strategy: strategy.snapshot(),
      cache: cache.toJSON(),
      references: { cheap: {}, full: {} },
      previousCheapScores: [],
      hallOfFame: [],
      genealogy: {},
      eventsBytes: 0,
      counters: { evaluations: 0, cacheHits: 0, structureHits: 0, behaviourHits: 0, promoted: 0, candidates: 0, failures: 0, workerMs: 0 },
      complete: false,
    };
    // Checkpoint 0 holds the seeded population, so even a campaign stopped in its first generation can resume.
    writeCheckpoint(dir, 0, state);
  }

  const counters: Counters = { ...state.counters };
  const references = { cheap: { ...state.references.cheap }, full: { ...state.references.full } };
  const genealogy: Record<string, Origin> = { ...state.genealogy };
  let hallOfFame = [...state.hallOfFame];
  let bestBaseline = state.bestBaseline;
  const baselines: Record<string, HallOfFameEntry> = { ...(state.baselines ?? {}) };
  let bestEvolved = state.bestEvolved ?? (state.generation >= 0 ? bestEvolvedFromLog(eventsPath, config.variant, genealogy) : undefined);
  let previousCheap = [...state.previousCheapScores];
  let seedFloor = state.seedFloor;

  const scoreTasks = async (rule: Rule, text: string, fidelity: Fidelity, order = 0): Promise<Record<string, TaskOutcome>> => {
    const entries = await Promise.all(
      config.tasks.map(async (task, t) => [task, await evaluateCached(rule, text, task, fidelity, order * config.tasks.length + t)] as const),
    );
    return Object.fromEntries(entries);
  };

  // New results enter the cache in candidate order once a stage is complete, never in the order
  // workers happen to finish: which of two behavioural twins a later hit reuses must not depend on timing.
  const unstored: Array<{ order: number; rule: Rule; context: string; outcome: TaskOutcome; text: string }> = [];
  const flushCache = (): void => {
    unstored.sort((a, b) => a.order - b.order);
    for (const u of unstored) cache.store(u.rule, u.context, u.outcome, u.text);
    unstored.length = 0;
    pending.clear();
  };

  const pending = new Map<string, Promise<TaskOutcome>>();
  // Campaigns on the tasks' own budgets keep the cache context they always had, so their caches stay valid.
  const budgetsKey = overrideKey(config.budgets);
  const evaluateCached = async (rule: Rule, text: string, task: string, fidelity: Fidelity, order: number): Promise<TaskOutcome> => {
    const context = `${task}|${fidelity}|${evaluationSeed(config)}|${config.optimizer}|${config.lr0 ?? ''}|${config.splitSeed}${budgetsKey === '' ? '' : `|${budgetsKey}`}`;
    if (config.cache) {
      const hit = cache.lookup(rule, context);
      if (hit) {
        counters.cacheHits++;
        if (hit.hit === 'structure') counters.structureHits++;
        else counters.behaviourHits++;
        return hit.value;
      }
      const key = `${ruleHash(rule)}|${context}`;
      const inFlight = pending.get(key);
      if (inFlight) {
        counters.cacheHits++;
        counters.structureHits++;
        return inFlight;
      }
      const p = runOne(text, task, fidelity).then((outcome) => {
        unstored.push({ order, rule, context, outcome, text });
        return outcome;
      });
      pending.set(key, p);
      return p;
    }
    return runOne(text, task, fidelity);
  };

  let progressGeneration = state.generation + 1;
  let genDone = 0;
  let genQueued = 0;
  const generationTimes: number[] = [];
  const report = (): void => {
    if (!options.onProgress) return;
    const mean = generationTimes.length > 0 ? generationTimes.reduce((a, b) => a + b, 0) / generationTimes.length : undefined;
    options.onProgress({
      generation: progressGeneration,
      generations: config.generations,
      done: genDone,
      queued: genQueued,
      cacheHits: counters.cacheHits,
      best: hallOfFame[0]?.combined,
      etaMs: mean === undefined ? undefined : mean * Math.max(0, config.generations - progressGeneration),
    });
  };

  const runOne = async (text: string, task: string, fidelity: Fidelity, seed = evaluationSeed(config)): Promise<TaskOutcome> => {
    counters.evaluations++;
    genQueued++;
    report();
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
      ...(config.lr0 !== undefined ? { lr0: config.lr0 } : {}),
      ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}),
      ...(config.budgets !== undefined ? { budgets: config.budgets } : {}),
    };
    const outcome = await options.evaluator.evaluate(job);
    genDone++;
    report();
    if (!outcome.ok) {
      counters.failures++;
      return { score: 0, ok: false, failure: `${outcome.reason}: ${outcome.detail}`, wallMs: 0 };
    }
    counters.workerMs += outcome.result.wallMs;
    return toTaskOutcome(outcome.result);
  };

  const ensureReferences = async (fidelity: Fidelity): Promise<void> => {
    if (config.tasks.length < 2 || Object.keys(references[fidelity]).length === config.tasks.length) return;
    const { rule, text } = baselineRule(getBaseline(config.reference));
    if (rule.variant !== config.variant) throw new CampaignError(`the reference baseline ${config.reference} is not a ${config.variant} rule`);
    const scores = await scoreTasks(rule, printRule(rule), fidelity);
    flushCache();
    for (const [task, o] of Object.entries(scores)) references[fidelity][task] = o.score;
    log(`reference ${config.reference} (${text}) at ${fidelity} fidelity: ${Object.entries(references[fidelity]).map(([t, s]) => `${t} ${s.toFixed(4)}`).join(', ')}`);
  };

  for (let generation = state.generation + 1; generation < config.generations && !state.complete; generation++) {
    const genStarted = performance.now();
    progressGeneration = generation;
    genDone = 0;
    genQueued = 0;
    const candidates = strategy.ask();
    for (const c of candidates) genealogy[c.id] = c.origin;
    counters.candidates += candidates.length;
    const rules = candidates.map((c) => parseRule(c.text, config.variant));

    const firstLevel: Fidelity = config.multiFidelity ? 'cheap' : 'full';
    await ensureReferences(firstLevel);
    const first = await Promise.all(candidates.map((c, i) => scoreTasks(rules[i] as Rule, c.text, firstLevel, i)));
    flushCache();
    const firstCombined = first.map((scores) => combineScores(mapScores(scores), references[firstLevel]));

    let promotedIndex: number[] = [];
    let hurdle: number | undefined;
    let second: Array<Record<string, TaskOutcome> | undefined> = candidates.map(() => undefined);
    if (config.multiFidelity) {
      // The hurdle is set by the previous generation's cheap scores (the first generation sets its own),
      // but never below the worst seeded baseline: when most of a generation trains at chance level
      // (common with random adaptive rules), its quantile would wave chance-level rules through to
      // the costly full runs (an ALR campaign spent 69 % of its full-fidelity time on them).
      if (generation === 0 && seedFloor === undefined) {
        const seeded = firstCombined.filter(
          (_, i) => (candidates[i] as Individual).origin.kind === 'seed' && Object.values(first[i] ?? {}).every((o) => o.ok),
        );
        if (seeded.length > 0) seedFloor = Math.min(...seeded);
      }
      const basis = previousCheap.length > 0 ? previousCheap : firstCombined;
      hurdle = Math.max(quantile(basis, config.hurdleQuantile), seedFloor ?? -Infinity);
      // Seeded baselines always run at full fidelity: they are what the hall of fame is compared with.
      const threshold = hurdle;
      promotedIndex = firstCombined.flatMap((s, i) => {
        const seeded = (candidates[i] as Individual).origin.kind === 'seed';
        const passed = s >= threshold && Object.values(first[i] ?? {}).every((o) => o.ok);
        return seeded || passed ? [i] : [];
      });
      await ensureReferences('full');
      const full = await Promise.all(promotedIndex.map((i) => scoreTasks(rules[i] as Rule, (candidates[i] as Individual).text, 'full', i)));
      flushCache();
      second = candidates.map(() => undefined);
      promotedIndex.forEach((i, k) => (second[i] = full[k]));
      counters.promoted += promotedIndex.length;
      previousCheap = firstCombined;
    }

    const scored: ScoredCandidate[] = candidates.map((c, i) => {
      const full = config.multiFidelity ? second[i] : first[i];
      const level: Level = full ? 'full' : 'cheap';
      const combined = full ? combineScores(mapScores(full), references.full) : (firstCombined[i] as number);
      return {
        id: c.id,
        text: c.text,
        origin: c.origin,
        level,
        cheap: config.multiFidelity ? (first[i] as Record<string, TaskOutcome>) : {},
        ...(full ? { full } : {}),
        combined,
        fitness: selectionFitness(level, combined),
      };
    });
    strategy.tell(scored.map((s) => ({ id: s.id, fitness: s.fitness })));

    // Event log: one line per candidate, in candidate order (deterministic whatever order workers finished in).
    const lines = scored.map((s, i) =>
      JSON.stringify({
        type: 'evaluation',
        generation,
        id: s.id,
        genotype: (candidates[i] as Individual).genotype,
        rule: s.text,
        origin: s.origin,
        level: s.level,
        combined: s.combined,
        cheap: stripCurves(s.cheap),
        ...(s.full ? { full: stripCurves(s.full) } : {}),
      }),
    );
    for (const s of scored) {
      if (s.level === 'full') hallOfFame = updateHallOfFame(hallOfFame, s, generation, genealogy, config.hallOfFame, config.variant);
      if (s.origin.kind !== 'seed' && s.level === 'full' && (!bestEvolved || s.combined > bestEvolved.combined)) {
        bestEvolved = hofEntry(s, generation, genealogy, config.variant);
      }
      if (s.origin.kind === 'seed' && s.level === 'full') {
        const name = s.origin.baseline;
        const seen = baselines[name];
        const improves = !seen || s.combined > seen.combined;
        const best = !bestBaseline || s.combined > bestBaseline.combined;
        const entry = improves || best ? hofEntry(s, generation, genealogy, config.variant) : undefined;
        if (improves) baselines[name] = entry as HallOfFameEntry;
        if (best) bestBaseline = entry;
      }
    }
    const combinedAll = scored.map((s) => s.combined);
    const best = strategy.best();
    const stats = {
      type: 'generation',
      generation,
      candidates: candidates.length,
      promoted: promotedIndex.length,
      hurdle: hurdle ?? null,
      best: best ? { id: best.id, fitness: best.fitness } : null,
      bestCombinedThisGeneration: Math.max(...combinedAll),
      medianCombined: quantile(combinedAll, 0.5),
      cache: { hits: counters.cacheHits, structure: counters.structureHits, behaviour: counters.behaviourHits },
      evaluations: counters.evaluations,
      failures: counters.failures,
      wallMs: Math.round(performance.now() - genStarted),
    };
    appendFileSync(eventsPath, `${lines.join('\n')}\n${JSON.stringify(stats)}\n`);
    const top = hallOfFame[0];
    log(
      `generation ${generation + 1}/${config.generations}: ${candidates.length} candidates, ${promotedIndex.length} promoted` +
        `${hurdle !== undefined ? ` (hurdle ${hurdle.toFixed(4)})` : ''}, cache hits ${counters.cacheHits}, ` +
        `best ${top ? `${top.combined.toFixed(4)} ${top.simplified}` : '-'} (${((performance.now() - genStarted) / 1000).toFixed(1)} s)`,
    );

    state = {
      config,
      generation,
      strategy: strategy.snapshot(),
      cache: cache.toJSON(),
      references,
      previousCheapScores: previousCheap,
      ...(seedFloor !== undefined ? { seedFloor } : {}),
      hallOfFame,
      genealogy,
      ...(bestBaseline ? { bestBaseline } : {}),
      baselines: { ...baselines },
      ...(bestEvolved ? { bestEvolved } : {}),
      eventsBytes: statSync(eventsPath).size,
      counters: { ...counters },
      complete: false,
    };
    writeCheckpoint(dir, generation + 1, state);
    generationTimes.push(performance.now() - genStarted);
    options.afterCheckpoint?.(generation);
  }

  if (!state.complete) {
    // The hall of fame, the best evolved rule and the baselines are re-scored with the same fresh
    // seeds, so every comparison on the test split is paired seed by seed; a rule in several of
    // these lists (a seed in the hall of fame) trains once.
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
    hallOfFame = hof;
    bestEvolved = evolved;
    toRescore.forEach((n, i) => (baselines[n] = rescored[i] as HallOfFameEntry));
    if (bestBaseline?.origin.kind === 'seed') bestBaseline = baselines[bestBaseline.origin.baseline] ?? bestBaseline;
    const baselineList = sortedBaselines(baselines);
    writeFileAtomic(
      join(dir, 'hof.json'),
      `${JSON.stringify({ campaign: config.name, config, hallOfFame, bestBaseline: bestBaseline ?? null, baselines: baselineList, bestEvolved: bestEvolved ?? null, counters }, null, 2)}\n`,
    );
    state = {
      ...state,
      hallOfFame,
      ...(bestBaseline ? { bestBaseline } : {}),
      baselines: { ...baselines },
      ...(bestEvolved ? { bestEvolved } : {}),
      counters: { ...counters },
      complete: true,
    };
    writeCheckpoint(dir, config.generations + 1, state);
  } else if (existsSync(join(dir, 'hof.json'))) {
    hallOfFame = (JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: HallOfFameEntry[] }).hallOfFame;
  }
  return {
    dir,
    generations: config.generations,
    hallOfFame,
    ...(bestBaseline ? { bestBaseline } : {}),
    baselines: sortedBaselines(baselines),
    ...(bestEvolved ? { bestEvolved } : {}),
    counters,
    wallMs: performance.now() - started,
  };
}

function sortedBaselines(baselines: Readonly<Record<string, HallOfFameEntry>>): HallOfFameEntry[] {
  return Object.values(baselines).sort((a, b) => b.combined - a.combined || a.id.localeCompare(b.id));
}

function strategyConfig(config: CampaignConfig): ConstructorParameters<typeof SgeStrategy>[1] {
  return {
    populationSize: config.population,
    elites: config.elites,
    tournamentSize: config.tournamentSize,
    crossoverProbability: config.crossoverProbability,
    mutationRate: config.mutationRate,
    ...(config.mutationRates ? { mutationRates: config.mutationRates } : {}),
    constantMutationProbability: config.constantMutationProbability,
    constantSigma: config.constantSigma,
    mode: config.mode,
  };
}

function mapScores(scores: Readonly<Record<string, TaskOutcome>>): Record<string, number> {
  return Object.fromEntries(Object.entries(scores).map(([t, o]) => [t, o.score]));
}

function stripCurves(scores: Readonly<Record<string, TaskOutcome>>): Record<string, Omit<TaskOutcome, 'curves'>> {
  return Object.fromEntries(
    Object.entries(scores).map(([t, o]) => {
      const { curves: _curves, ...rest } = o;
      return [t, rest];
    }),
  );
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

function lineageOf(id: string, genealogy: Readonly<Record<string, Origin>>): string[] {
  const seeds = new Set<string>();
  const stack = [id];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const cur = stack.pop() as string;
    if (seen.has(cur)) continue;
    seen.add(cur);
    const o = genealogy[cur];
    if (!o) continue;
    if (o.kind === 'seed') seeds.add(o.baseline);
    if (o.kind === 'offspring') stack.push(...o.parents);
  }
  return [...seeds].sort();
}

function hofEntry(s: ScoredCandidate, generation: number, genealogy: Readonly<Record<string, Origin>>, variant: Variant): HallOfFameEntry {
  const rule = parseRule(s.text, variant);
  const outcomes = s.full ?? s.cheap;
  return {
    id: s.id,
    text: s.text,
    simplified: printRule(simplifyRule(rule)),
    hash: ruleHash(rule),
    origin: s.origin,
    lineage: lineageOf(s.id, genealogy),
    combined: s.combined,
    scores: mapScores(outcomes),
    generation,
    wallMs: Object.values(outcomes).reduce((a, o) => a + o.wallMs, 0),
    curves: Object.fromEntries(Object.entries(outcomes).flatMap(([t, o]) => (o.curves ? [[t, o.curves]] : []))),
  };
}

/** Keeps the best N distinct rules (by structural hash) scored at full fidelity. */
function updateHallOfFame(
  hof: readonly HallOfFameEntry[],
  s: ScoredCandidate,
  generation: number,
  genealogy: Readonly<Record<string, Origin>>,
  size: number,
  variant: Variant,
): HallOfFameEntry[] {
  const entry = hofEntry(s, generation, genealogy, variant);
  const existing = hof.find((h) => h.hash === entry.hash);
  if (existing && existing.combined >= entry.combined) return [...hof];
  const next = hof.filter((h) => h.hash !== entry.hash);
  next.push(entry);
  next.sort((a, b) => b.combined - a.combined || a.id.localeCompare(b.id));
  return next.slice(0, size);
}

/**
 * Re-scores entries on the test split with the fresh seeds, each distinct rule
 * (by structural hash) once however many lists it is in.
 */
function testRescorer(
  config: CampaignConfig,
  runOne: (text: string, task: string, fidelity: Fidelity, seed: number) => Promise<TaskOutcome>,
): (h: HallOfFameEntry) => Promise<HallOfFameEntry> {
  const seeds = finalSeeds(config);
  const byHash = new Map<string, Promise<Record<string, TestScores>>>();
  const testsOf = async (text: string): Promise<Record<string, TestScores>> => {
    const test: Record<string, TestScores> = {};
    for (const task of config.tasks) {
      const outcomes = await Promise.all(seeds.map((seed) => runOne(text, task, 'full', seed)));
      const metric = outcomes.map((o) => Object.keys(o.test ?? {})[0]).find((m) => m !== undefined) ?? 'score';
      const values = outcomes.map((o) => (o.ok ? (o.test?.[metric] ?? o.score) : NaN));
      const finite = values.filter((v) => Number.isFinite(v));
      // No finished run has no mean (NaN, null in JSON): a 0 would read as a real score.
      const mean = finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
      const sd = finite.length > 0 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, finite.length - 1)) : NaN;
      const failures = outcomes.map((o) => (o.ok ? null : (o.failure ?? 'failed')));
      test[task] = { mean, sd, values, metric, failures };
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

/**
 * The best non-seed rule at full fidelity in the event log (the first of
 * equals), for checkpoints written before campaigns tracked it. The log keeps
 * no curves, so neither does this entry.
 */
function bestEvolvedFromLog(eventsPath: string, variant: Variant, genealogy: Readonly<Record<string, Origin>>): HallOfFameEntry | undefined {
  if (!existsSync(eventsPath)) return undefined;
  let best: HallOfFameEntry | undefined;
  for (const line of readFileSync(eventsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as { type: string; generation: number; level?: Level; origin?: Origin; id?: string; rule?: string; combined?: number; full?: Record<string, TaskOutcome> };
    if (e.type !== 'evaluation' || e.level !== 'full' || !e.origin || e.origin.kind === 'seed' || !e.full) continue;
    if (best && (e.combined as number) <= best.combined) continue;
    const candidate: ScoredCandidate = { id: e.id as string, text: e.rule as string, origin: e.origin, level: 'full', cheap: {}, full: e.full, combined: e.combined as number, fitness: 0 };
    best = hofEntry(candidate, e.generation, genealogy, variant);
  }
  return best;
}
