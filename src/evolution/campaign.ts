/**
 * A campaign end to end, in three phases:
 * 1. open: a new campaign seeds its population and creates its folder; a
 *    resumed one continues from its newest intact checkpoint (a complete one
 *    only hands back its results);
 * 2. each generation: ask the strategy for candidates, score them (scorer.ts:
 *    cache, cheap fidelity, hurdle, full fidelity), tell the strategy, and
 *    record the generation (event lines, hall of fame, checkpoint);
 * 3. finish: re-score the hall of fame and the baselines on the test split
 *    with fresh seeds (rescoring.ts) and write the results.
 *
 * Every evaluation uses the campaign's evaluation seed and all search
 * randomness comes from saved streams, so a killed-and-resumed campaign ends
 * exactly as an uninterrupted one. The folder is the store's (store.ts): this
 * module never touches a file itself.
 */
import { join } from 'node:path';
import { loadGrammar, type Grammar } from '../grammar/bnf.js';
import { MappingError, randomGenotype } from '../grammar/genotype.js';
import { InputError } from '../errors.js';
import { Stream } from '../random/stream.js';
import { EvaluationCache } from './cache.js';
import { LEGACY_CONFIG_VALUES, type CampaignConfig } from './config.js';
import { quantile } from './fitness.js';
import { emptyStandings, recordGeneration, sortedBaselines } from './hall-of-fame.js';
import type { Individual, Origin } from './individual.js';
import { type CampaignSummary, type Counters, type ScoredCandidate, type Standings, type TaskOutcome, emptyCounters } from './records.js';
import { finalSeeds, rescoreStandings } from './rescoring.js';
import { tuneStandings, type TuningPlan, type TuningSettings } from './tuning.js';
import { evaluationSeed, referenceRule, Scorer, startingRate, type Evaluator, type HurdleState, type References, type RunListener, type ScoredGeneration } from './scorer.js';
import type { SearchStrategy } from './search-strategy.js';
import { seedIndividuals } from './seeding.js';
import { DEFAULT_STRATEGY_NAME, lookupStrategy } from './strategies.js';
import { CampaignFolderError, CampaignStore, type CheckpointBody } from './store.js';

export type { Evaluator } from './scorer.js';
export type { CampaignSummary } from './records.js';

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

/** What a campaign is doing: searching (generation by generation), re-scoring its finalists on the test split, or tuning their lr0. */
export type CampaignStage = 'search' | 'rescoring' | 'tuning';

export interface CampaignProgress {
  readonly stage: CampaignStage;
  /** 0-based generation in progress (during the final stages: the last one). */
  readonly generation: number;
  readonly generations: number;
  /** Training runs finished in this generation, and those started so far (more are queued after the hurdle). */
  readonly done: number;
  readonly queued: number;
  readonly cacheHits: number;
  /** Best combined score in the hall of fame so far. */
  readonly best: number | undefined;
  /** Estimated milliseconds to the end of the search, from the mean time of the generations run in this process; undefined in the final stages. */
  readonly etaMs: number | undefined;
}

/** A config the campaign cannot run (more seeds than the population holds). */
export class CampaignError extends InputError {}

/** Where a campaign stands: exactly what its checkpoints hold, as live objects. */
interface Run {
  /** The last generation finished (-1: none yet). */
  generation: number;
  readonly strategy: SearchStrategy;
  readonly cache: EvaluationCache<TaskOutcome>;
  readonly counters: Counters;
  readonly references: References;
  hurdle: HurdleState;
  standings: Standings;
  readonly genealogy: Record<string, Origin>;
  eventsBytes: number;
  complete: boolean;
}

interface Context {
  readonly config: CampaignConfig;
  readonly store: CampaignStore;
  readonly run: Run;
  readonly scorer: Scorer;
  readonly progress: Progress;
  readonly log: (line: string) => void;
}

export async function runCampaign(config: CampaignConfig, options: CampaignOptions): Promise<CampaignSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const store = new CampaignStore(join(options.runsDir, config.name));
  const completed = options.resume ? completedCampaign(config, options.runsDir) : undefined;
  if (completed) {
    log(`campaign ${config.name} is already complete`);
    return completed;
  }
  // One process holds a campaign at a time; the lock goes when the run ends, however it ends
  // (a killed process leaves a lock that the next one recognises as stale).
  try {
    const run = options.resume ? resume(store, config, log) : open(store, config);
    const progress = new Progress(config, run, options.onProgress);
    const ctx: Context = { config, store, run, scorer: new Scorer(config, options.evaluator, run.cache, run.counters, run.references, progress), progress, log };
    for (let generation = run.generation + 1; generation < config.generations && !run.complete; generation++) {
      await runGeneration(ctx, generation);
      options.afterCheckpoint?.(generation);
    }
    if (!run.complete) await finish(ctx);
    return summaryOf(store, config, run, started);
  } finally {
    store.unlock();
  }
}

/** A new campaign's starting point: its search strategy and the seeded individuals it is given. */
export interface CampaignPlan {
  readonly strategy: SearchStrategy;
  readonly seeds: readonly Individual[];
}

/**
 * Everything that can refuse a new campaign's config, run before its folder is
 * created (so a refused campaign leaves nothing behind); writes nothing.
 * `autolr evolve --dry-run` shows what it returns.
 */
export function planCampaign(config: CampaignConfig, runsDir: string): CampaignPlan {
  return plan(new CampaignStore(join(runsDir, config.name)), config);
}

function plan(store: CampaignStore, config: CampaignConfig): CampaignPlan {
  store.ensureNew();
  if (config.tasks.length > 1) referenceRule(config);
  const grammar = loadGrammar(config.grammar, config.variant);
  checkGrammarDerives(grammar);
  const stream = new Stream(`autolr:${config.seed}:strategy`);
  const strategy = lookupStrategy(config.strategy ?? DEFAULT_STRATEGY_NAME).create({ grammar, config, stream });
  const seeds = seedIndividuals(grammar, config.variant, config.seeds, stream);
  if (seeds.length > config.population) {
    throw new CampaignError(`${seeds.length} baselines are seeded but the population holds ${config.population}: raise the population or choose fewer seeds (--seeds)`);
  }
  return { strategy, seeds };
}

/** A new campaign: the seeded population, its folder, and checkpoint 0. */
function open(store: CampaignStore, config: CampaignConfig): Run {
  const { strategy, seeds } = plan(store, config);
  strategy.seed(seeds);
  store.create(config);
  const run: Run = {
    generation: -1,
    strategy,
    cache: new EvaluationCache<TaskOutcome>(),
    counters: emptyCounters(),
    references: { cheap: {}, full: {} },
    hurdle: { previousCheapScores: [] },
    standings: emptyStandings(),
    genealogy: {},
    eventsBytes: 0,
    complete: false,
  };
  // Checkpoint 0 holds the seeded population, so even a campaign stopped in its first generation can resume.
  store.writeCheckpoint(0, checkpointOf(config, run));
  return run;
}

/**
 * A grammar must derive rules the parser accepts before a campaign is
 * created for it. Tried on a stream of its own, so the search's draws are
 * the same whether or not this check ran.
 */
function checkGrammarDerives(grammar: Grammar): void {
  const stream = new Stream('autolr:grammar-check');
  let last: Error | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      randomGenotype(grammar, stream);
      return;
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      last = err;
    }
  }
  throw new CampaignError(`the grammar ${grammar.origin} derives no rule the rule language accepts (20 random derivations tried): ${last?.message ?? ''}`);
}

/**
 * On resume the checkpoint's own copy of the config is the truth: a
 * config.json edited since (budgets, tasks, generations, seeds…) would mix
 * two campaigns into one. Only how it runs may differ.
 */
function checkConfigUnchanged(saved: CampaignConfig, current: CampaignConfig, where: string): void {
  const mayChange = new Set(['workers', 'backend', 'name', 'queue']);
  // A field the checkpoint's config lacks either predates it (then it holds its legacy value) or was added since.
  const value = (c: CampaignConfig, k: string): string | undefined => {
    const v = (c as unknown as Record<string, unknown>)[k];
    return v === undefined ? (c === saved && k in LEGACY_CONFIG_VALUES ? JSON.stringify(LEGACY_CONFIG_VALUES[k]) : undefined) : JSON.stringify(v);
  };
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  const changed = keys.filter((k) => !mayChange.has(k) && value(saved, k) !== value(current, k));
  if (changed.length > 0) {
    throw new CampaignFolderError(
      `${where}/config.json differs from the campaign's checkpoint in ${changed.map((k) => `"${k}"`).join(', ')}: a resumed campaign keeps its own settings (only workers, backend and queue may change); restore config.json, or start a new campaign`,
    );
  }
}

/** A campaign continued from its newest intact checkpoint, with the interrupted generation's events cut off. */
function resume(store: CampaignStore, config: CampaignConfig, log: (line: string) => void): Run {
  store.lock();
  const { body, discardedBytes, repairs } = store.resumePoint((path, reason) => log(`checkpoint ${path} is unusable (${reason}); using an older one`));
  checkConfigUnchanged(body.config, config, store.dir);
  for (const repair of repairs) log(repair);
  if (body.complete) log(`campaign ${config.name} is already complete`);
  // Generations are counted from 1 in every message, as the progress lines count them.
  if (discardedBytes > 0) log(`discarded ${discardedBytes} bytes of events from the interrupted generation ${body.generation + 2}`);
  const grammar = loadGrammar(config.grammar, config.variant);
  const stream = new Stream(`autolr:${config.seed}:strategy`);
  const strategy = lookupStrategy(config.strategy ?? DEFAULT_STRATEGY_NAME).create({ grammar, config, stream, state: body.strategy });
  log(`resuming ${config.name} after generation ${body.generation + 1} of ${config.generations}`);
  return {
    generation: body.generation,
    strategy,
    cache: EvaluationCache.fromJSON<TaskOutcome>(body.cache),
    counters: { ...body.counters },
    references: { cheap: { ...body.references.cheap }, full: { ...body.references.full } },
    hurdle: { previousCheapScores: [...body.previousCheapScores], ...(body.seedFloor !== undefined ? { seedFloor: body.seedFloor } : {}) },
    standings: {
      hallOfFame: [...body.hallOfFame],
      baselines: { ...(body.baselines ?? {}) },
      ...(body.bestBaseline ? { bestBaseline: body.bestBaseline } : {}),
      ...(body.bestEvolved ? { bestEvolved: body.bestEvolved } : {}),
    },
    genealogy: { ...body.genealogy },
    eventsBytes: body.eventsBytes,
    complete: body.complete,
  };
}

/** One generation: ask → score → tell → record. */
async function runGeneration(ctx: Context, generation: number): Promise<void> {
  const { config, run, scorer, store, progress } = ctx;
  const started = performance.now();
  progress.startGeneration(generation);
  const candidates = run.strategy.ask();
  for (const c of candidates) run.genealogy[c.id] = c.origin;
  const result = await scorer.scoreGeneration(candidates, generation, run.hurdle, ctx.log);
  run.strategy.tell(result.scored.map((s) => ({ id: s.id, fitness: s.fitness })));
  run.hurdle = result.next;
  run.standings = recordGeneration(run.standings, result.scored, generation, run.genealogy, { size: config.hallOfFame, variant: config.variant });
  // Event lines in candidate order, whatever order the workers finished in.
  const lines = [...result.scored.map((s, i) => evaluationLine(generation, candidates[i] as Individual, s)), generationLine(ctx, generation, result, started)];
  run.eventsBytes = store.appendEvents(lines);
  ctx.log(generationSummary(ctx, generation, result, started));
  run.generation = generation;
  store.writeCheckpoint(generation + 1, checkpointOf(config, run));
  progress.endGeneration(performance.now() - started);
}

/**
 * The final stage: the hall of fame, the best evolved rule and the baselines
 * re-scored on the same fresh seeds, the results written, then the final
 * checkpoint (in that order: hof.json is what marks a campaign complete).
 */
async function finish(ctx: Context): Promise<void> {
  const { config, run, store } = ctx;
  const started = performance.now();
  ctx.progress.startStage('rescoring');
  run.standings = await rescoreStandings(config, run.standings, (text, task, fidelity, seed) => ctx.scorer.runOne(text, task, fidelity, seed), ctx.log);
  const rescored = performance.now();
  const runsBefore = run.counters.evaluations;
  if (config.tuning !== false && config.finalSeeds > 0) {
    ctx.progress.startStage('tuning');
    run.standings = await tuneStandings(run.standings, tuningPlan(config, config.tuning), (text, task, seed, lr0) => ctx.scorer.runOne(text, task, 'full', seed, lr0), ctx.log);
    ctx.log(`tuning took ${((performance.now() - rescored) / 60_000).toFixed(1)} min for ${run.counters.evaluations - runsBefore} runs (untuned re-scoring ${((rescored - started) / 60_000).toFixed(1)} min)`);
  }
  const finalStages = { rescoreMs: Math.round(rescored - started), tuningMs: Math.round(performance.now() - rescored), tuningRuns: run.counters.evaluations - runsBefore };
  const { hallOfFame, bestBaseline, baselines, bestEvolved } = run.standings;
  store.writeResults({
    campaign: config.name,
    config,
    hallOfFame,
    bestBaseline: bestBaseline ?? null,
    baselines: sortedBaselines(baselines),
    bestEvolved: bestEvolved ?? null,
    counters: run.counters,
    finalStages,
  });
  run.complete = true;
  store.writeCheckpoint(config.generations + 1, checkpointOf(config, run));
}

/** Equal tuning over the search tasks (unless the settings keep it to the held-out ones) and the held-out ones, centred where each task trains untuned. */
function tuningPlan(config: CampaignConfig, settings: TuningSettings): TuningPlan {
  const searchTasks = settings.tasks === 'held-out' ? [] : config.tasks;
  return {
    settings,
    tasks: [...searchTasks.map((name) => ({ name, heldOut: false })), ...(config.validation?.tasks ?? []).map((name) => ({ name, heldOut: true }))],
    searchSeed: evaluationSeed(config),
    testSeeds: finalSeeds(config),
    centreOf: (task) => startingRate(config, task),
  };
}

/** The checkpoint body of a run, its fields in the order campaigns have always written them. */
function checkpointOf(config: CampaignConfig, run: Run): Omit<CheckpointBody, 'schema'> {
  const { hallOfFame, bestBaseline, baselines, bestEvolved } = run.standings;
  return {
    config,
    generation: run.generation,
    strategy: run.strategy.snapshot(),
    cache: run.cache.toJSON(),
    references: run.references,
    previousCheapScores: run.hurdle.previousCheapScores,
    ...(run.hurdle.seedFloor !== undefined ? { seedFloor: run.hurdle.seedFloor } : {}),
    hallOfFame,
    genealogy: run.genealogy,
    ...(bestBaseline ? { bestBaseline } : {}),
    // Checkpoint 0 has never carried baselines; every later one does.
    ...(run.generation >= 0 ? { baselines: { ...baselines } } : {}),
    ...(bestEvolved ? { bestEvolved } : {}),
    eventsBytes: run.eventsBytes,
    counters: { ...run.counters },
    complete: run.complete,
  };
}

function evaluationLine(generation: number, candidate: Individual, s: ScoredCandidate): string {
  return JSON.stringify({
    type: 'evaluation',
    generation,
    id: s.id,
    genotype: candidate.genotype,
    rule: s.text,
    origin: s.origin,
    level: s.level,
    combined: s.combined,
    cheap: stripCurves(s.cheap),
    ...(s.full ? { full: stripCurves(s.full) } : {}),
  });
}

function generationLine(ctx: Context, generation: number, result: ScoredGeneration, started: number): string {
  const { counters, strategy } = ctx.run;
  const combinedAll = result.scored.map((s) => s.combined);
  const best = strategy.best();
  return JSON.stringify({
    type: 'generation',
    generation,
    candidates: result.scored.length,
    promoted: result.promoted,
    hurdle: result.hurdle ?? null,
    best: best ? { id: best.id, fitness: best.fitness } : null,
    bestCombinedThisGeneration: Math.max(...combinedAll),
    medianCombined: quantile(combinedAll, 0.5),
    cache: { hits: counters.cacheHits, structure: counters.structureHits, behaviour: counters.behaviourHits },
    evaluations: counters.evaluations,
    failures: counters.failures,
    wallMs: Math.round(performance.now() - started),
  });
}

function generationSummary(ctx: Context, generation: number, result: ScoredGeneration, started: number): string {
  const { config, run } = ctx;
  const top = run.standings.hallOfFame[0];
  return (
    `generation ${generation + 1}/${config.generations}: ${result.scored.length} candidates, ${result.promoted} promoted` +
    `${result.hurdle !== undefined ? ` (hurdle ${result.hurdle.toFixed(4)})` : ''}, cache hits ${run.counters.cacheHits}, ` +
    `best ${top ? `${top.combined.toFixed(4)} ${top.simplified}` : '-'} (${((performance.now() - started) / 1000).toFixed(1)} s)`
  );
}

function stripCurves(scores: Readonly<Record<string, TaskOutcome>>): Record<string, Omit<TaskOutcome, 'curves'>> {
  return Object.fromEntries(
    Object.entries(scores).map(([t, o]) => {
      const { curves: _curves, ...rest } = o;
      return [t, rest];
    }),
  );
}

function summaryOf(store: CampaignStore, config: CampaignConfig, run: Run, started: number): CampaignSummary {
  const { hallOfFame, bestBaseline, baselines, bestEvolved } = run.standings;
  return {
    dir: store.dir,
    generations: config.generations,
    hallOfFame,
    ...(bestBaseline ? { bestBaseline } : {}),
    baselines: sortedBaselines(baselines),
    ...(bestEvolved ? { bestEvolved } : {}),
    counters: run.counters,
    wallMs: performance.now() - started,
  };
}

/**
 * A complete campaign's summary from its results alone (nothing is trained,
 * nothing written; a published folder has no checkpoints), or undefined while
 * the campaign is not complete.
 */
export function completedCampaign(config: CampaignConfig, runsDir: string): CampaignSummary | undefined {
  const started = performance.now();
  const store = new CampaignStore(join(runsDir, config.name));
  if (!store.isComplete()) return undefined;
  const r = store.results();
  return {
    dir: store.dir,
    generations: config.generations,
    hallOfFame: r.hallOfFame,
    ...(r.bestBaseline ? { bestBaseline: r.bestBaseline } : {}),
    baselines: r.baselines,
    ...(r.bestEvolved ? { bestEvolved: r.bestEvolved } : {}),
    counters: r.counters ?? emptyCounters(),
    wallMs: performance.now() - started,
  };
}

/** Progress of the generation under way, for displays: runs started and finished, and an estimate of the time left. */
class Progress implements RunListener {
  private generation: number;
  private stage: CampaignStage = 'search';
  private done = 0;
  private queued = 0;
  private readonly times: number[] = [];

  constructor(
    private readonly config: CampaignConfig,
    private readonly run: Run,
    private readonly onProgress?: (progress: CampaignProgress) => void,
  ) {
    this.generation = run.generation + 1;
  }

  startGeneration(generation: number): void {
    this.generation = generation;
    this.done = 0;
    this.queued = 0;
  }

  /** The final stages count their runs afresh (a display labels them by stage, not by the last generation). */
  startStage(stage: CampaignStage): void {
    this.stage = stage;
    this.done = 0;
    this.queued = 0;
  }

  endGeneration(ms: number): void {
    this.times.push(ms);
  }

  started(): void {
    this.queued++;
    this.report();
  }

  finished(): void {
    this.done++;
    this.report();
  }

  private report(): void {
    if (!this.onProgress) return;
    const mean = this.times.length > 0 ? this.times.reduce((a, b) => a + b, 0) / this.times.length : undefined;
    this.onProgress({
      stage: this.stage,
      generation: this.generation,
      generations: this.config.generations,
      done: this.done,
      queued: this.queued,
      cacheHits: this.run.counters.cacheHits,
      best: this.run.standings.hallOfFame[0]?.combined,
      etaMs: mean === undefined || this.stage !== 'search' ? undefined : mean * Math.max(0, this.config.generations - this.generation),
    });
  }
}
