/**
 * The evolution strategy as an ask/tell object over plain data: `ask()` hands
 * out individuals to evaluate, `tell()` takes their fitness back. It never
 * trains anything itself, so the campaign loop decides how (worker pool,
 * cache, fidelities) and the strategy stays a deterministic function of its
 * config, its stream and the fitnesses told — which is what lets a campaign
 * resume from `snapshot()` with the same results as an uninterrupted run.
 *
 * Two modes:
 * - generational (SGE / AutoLR): each generation keeps the `elites` best
 *   (with their fitness, not evaluated again) and breeds the rest by
 *   tournament, crossover, codon mutation and constant mutation;
 * - regularized (aging) evolution (Real et al. 2019, as in AutoML-Zero): the
 *   population is a queue; each batch of children, bred the same way from
 *   `sampleSize` tournaments, replaces the same number of the OLDEST
 *   individuals, the best included — aging keeps a lucky evaluation from
 *   dominating forever. `best()` still remembers the best ever seen.
 *
 * In both modes a new individual must act unlike every one asked before in
 * the campaign (its behaviour fingerprint, the evaluation cache's key, is
 * new): a rule that acts like one already scored would only be a cache hit,
 * a place in the generation spent on no exploration.
 */
import { createHash } from 'node:crypto';
import type { Grammar } from '../grammar/bnf.js';
import { DEFAULT_MAX_EXPANSIONS, mapGenotype, MappingError, randomGenotype, type Genotype, type Mapped } from '../grammar/genotype.js';
import { printRule } from '../grammar/printer.js';
import { parseRule } from '../grammar/parser.js';
import { behaviourFingerprint, FINGERPRINT_VERSION } from './fingerprint.js';
import type { Evaluated, Individual, Origin } from './individual.js';
import { crossover, DEFAULT_RATE_KEY, makeValid, mutate, mutateConstants, tournament, type MutationRates } from './operators.js';
import { Stream, type StreamState } from '../random/stream.js';
import type { CampaignConfig } from './config.js';
import type { SearchStrategy, StrategyKind } from './search-strategy.js';
import { InputError } from '../errors.js';

export type StrategyMode = 'generational' | 'regularized';

export interface StrategyConfig {
  /** Individuals per generation (generational) or in the queue (regularized). */
  populationSize: number;
  /** Generational mode: the best individuals carried over unchanged, with their fitness. Ignored by regularized mode. */
  elites: number;
  /** Generational mode: picks per tournament (with replacement). */
  tournamentSize: number;
  /** Probability that a child is a crossover of two tournament winners rather than a copy of the first (then mutated). */
  crossoverProbability: number;
  /** Default per-codon mutation probability. */
  mutationRate: number;
  /** Per-nonterminal overrides of `mutationRate` (names without brackets: `{ const: 0.3 }`). */
  mutationRates?: Record<string, number>;
  /** Per-constant probability of a scale-aware Gaussian perturbation. */
  constantMutationProbability: number;
  /** Relative size of a constant mutation: x ← x + sigma·N(0,1)·max(|x|, 1e-3). */
  constantSigma: number;
  mode: StrategyMode;
  /** Regularized mode: picks per tournament; defaults to `tournamentSize`. */
  sampleSize?: number;
  /** Regularized mode: children per ask(); defaults to half the population (at least 1). */
  batchSize?: number;
  /** Derivation depth limit for offspring; defaults to the grammar's %max-depth. */
  maxDepth?: number;
  /** Size cap (nonterminal expansions) for offspring and random individuals, not for seeds; defaults to 256. */
  maxExpansions?: number;
}

/**
 * The one set of search defaults: campaigns take theirs from here
 * (`defaultConfig` in config.ts), so the strategy and the campaign config
 * cannot disagree. They are what every campaign has run, the published ones
 * included (the strategy's own defaults once said 1 elite, crossover 0.9,
 * codon mutation 0.15 and constants 0.15 / 0.2, AutoLR's dynamic-rule
 * settings, but no campaign ran them):
 * - populationSize 20: AutoLR ran 5 to 200; 20 is diverse enough for
 *   tournaments yet one generation is 18 short trainings.
 * - elites 2: the best survive without being trained again.
 * - tournamentSize 3 (sge3's default; AutoLR used 2–5): moderate pressure.
 * - crossoverProbability 0.7 and mutationRate 0.1 per codon.
 * - constantMutationProbability 0.3, constantSigma 0.3: constants change
 *   by about ±30%, a local refinement of values that structure mutations
 *   alone never tune.
 * - mode generational (SGE/AutoLR).
 * - maxExpansions 256 (about twice the largest hand-made rule: Adam is 102
 *   expansions, the modified triangular CLR 139). Genes that run out during
 *   mapping are extended by uniform random choices up to %max-depth, and the
 *   built-in grammars' recursive productions make such random subtrees
 *   explode (from an empty alr genotype the median is ~1700 expansions):
 *   without a cap, children a few thousand nodes long would cost slow
 *   training runs and be unreadable. Oversized children are bred again.
 */
export const DEFAULT_STRATEGY: Readonly<StrategyConfig> = Object.freeze({
  populationSize: 20,
  elites: 2,
  tournamentSize: 3,
  crossoverProbability: 0.7,
  mutationRate: 0.1,
  constantMutationProbability: 0.3,
  constantSigma: 0.3,
  mode: 'generational',
  maxExpansions: 256,
});

/** A config with every default filled in (what a snapshot records). */
export interface ResolvedStrategyConfig {
  readonly populationSize: number;
  readonly elites: number;
  readonly tournamentSize: number;
  readonly crossoverProbability: number;
  readonly mutationRate: number;
  readonly mutationRates: Readonly<Record<string, number>>;
  readonly constantMutationProbability: number;
  readonly constantSigma: number;
  readonly mode: StrategyMode;
  readonly sampleSize: number;
  readonly batchSize: number;
  readonly maxDepth: number;
  readonly maxExpansions: number;
}

/** Everything needed to continue a strategy exactly: JSON-serialisable. */
export interface StrategyState {
  readonly format: typeof STATE_FORMAT;
  /** Hash of the grammar's productions: genotypes mean nothing under another grammar. */
  readonly grammar: string;
  readonly config: ResolvedStrategyConfig;
  readonly seed: string;
  readonly stream: StreamState;
  /** Batches told so far. */
  readonly generation: number;
  /** The next id number. */
  readonly nextId: number;
  /** The current evaluated population (regularized: the queue, oldest first). */
  readonly population: readonly Evaluated[];
  /** Seeded individuals waiting for the first ask(). */
  readonly initial: readonly Individual[];
  /** The batch asked and not yet told, if any. */
  readonly pending: readonly Individual[] | null;
  /** Generational: the elites carried into the pending generation. */
  readonly carried: readonly Evaluated[];
  readonly best: Evaluated | null;
  /** Behaviour fingerprints of every individual asked so far (seeds, random and offspring), in the order first asked. */
  readonly explored: readonly string[];
  /**
   * The FINGERPRINT_VERSION `explored` was computed with (absent: 1). Under
   * another version those digests match nothing, so a resume recomputes what
   * it can: the fingerprints of the individuals the snapshot holds.
   */
  readonly fingerprintVersion?: number;
}

const STATE_FORMAT = 'autolr-strategy/2';
/** Snapshots from before `explored` was kept (checkpoints of campaigns begun by an earlier version): still resumable. */
const STATE_FORMAT_1 = 'autolr-strategy/1';

/**
 * Breeding attempts before a child settles for a rule already explored (or,
 * if no variation was valid, a copy of its first parent). Each attempt costs
 * a mapping and a fingerprint (about 1.5 ms), a repeat costs a place in the
 * generation; late in a campaign most variations of the fittest rules have
 * been tried, hence fresh parents every ATTEMPTS_PER_PAIR attempts.
 */
const MAX_ATTEMPTS = 20;
const ATTEMPTS_PER_PAIR = 5;

const CONFIG_KEYS: ReadonlyArray<keyof StrategyConfig> = [
  'populationSize',
  'elites',
  'tournamentSize',
  'crossoverProbability',
  'mutationRate',
  'mutationRates',
  'constantMutationProbability',
  'constantSigma',
  'mode',
  'sampleSize',
  'batchSize',
  'maxDepth',
  'maxExpansions',
];

/** Strategy settings the grammar or population cannot take (a mutation rate for an unknown nonterminal, …): the user's to change. */
export class StrategyError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyError';
  }
}

/** Fills in the defaults and checks every setting, naming the first bad one. */
export function resolveStrategyConfig(g: Grammar, config: Partial<StrategyConfig> = {}): ResolvedStrategyConfig {
  for (const key of Object.keys(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new StrategyError(`unknown strategy setting "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  const c = { ...DEFAULT_STRATEGY, ...stripUndefined(config) };
  const int = (name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
      throw new StrategyError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, not ${String(v)}`);
    }
    return v as number;
  };
  const probability = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new StrategyError(`${name} must be a probability in [0, 1], not ${String(v)}`);
    return v;
  };
  if (c.mode !== 'generational' && c.mode !== 'regularized') {
    throw new StrategyError(`mode must be "generational" or "regularized", not ${JSON.stringify(c.mode)}`);
  }
  const populationSize = int('populationSize', c.populationSize, 1);
  // As in a campaign config, the default number of elites shrinks to fit a small population; a given one must fit.
  const elitesOrDefault = config.elites ?? Math.min(c.elites, populationSize - 1);
  const elites = c.mode === 'generational' ? int('elites', elitesOrDefault, 0, populationSize - 1) : int('elites', elitesOrDefault, 0);
  const tournamentSize = int('tournamentSize', c.tournamentSize, 1);
  const rates: Record<string, number> = {};
  for (const nt of Object.keys(c.mutationRates ?? {}).sort()) {
    if (!g.nonterminals.includes(nt)) {
      throw new StrategyError(`mutationRates names <${nt}>, which the grammar ${g.origin} does not define (its nonterminals: ${g.nonterminals.join(', ')})`);
    }
    rates[nt] = probability(`mutationRates.${nt}`, c.mutationRates?.[nt]);
  }
  if (typeof c.constantSigma !== 'number' || !Number.isFinite(c.constantSigma) || c.constantSigma < 0) {
    throw new StrategyError(`constantSigma must be a finite number >= 0, not ${String(c.constantSigma)}`);
  }
  const startDepth = g.minDepth.get(g.start) ?? 1;
  return {
    populationSize,
    elites,
    tournamentSize,
    crossoverProbability: probability('crossoverProbability', c.crossoverProbability),
    mutationRate: probability('mutationRate', c.mutationRate),
    mutationRates: rates,
    constantMutationProbability: probability('constantMutationProbability', c.constantMutationProbability),
    constantSigma: c.constantSigma,
    mode: c.mode,
    sampleSize: int('sampleSize', c.sampleSize ?? tournamentSize, 1),
    batchSize: int('batchSize', c.batchSize ?? Math.max(1, Math.floor(populationSize / 2)), 1, populationSize),
    maxDepth: int(`maxDepth (the grammar's shortest derivation is ${startDepth} deep)`, c.maxDepth ?? g.maxDepth, startDepth, 64),
    maxExpansions: int('maxExpansions', c.maxExpansions, 1, DEFAULT_MAX_EXPANSIONS),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Identifies a grammar by what its genotypes mean: the variant, the start symbol and every production. */
export function grammarFingerprint(g: Grammar): string {
  const h = createHash('sha256');
  h.update(`${g.variant}\n${g.start}\n`);
  for (const nt of g.nonterminals) h.update(`<${nt}> ::= ${(g.productions.get(nt) ?? []).map((p) => p.source).join(' | ')}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Plain-data deep copy; also proves the value survives the trip to a checkpoint file. */
function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function sameCodons(a: Genotype, b: Genotype): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k]?.codons ?? [];
    const y = b[k]?.codons ?? [];
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
  }
  return true;
}

function sameReals(a: Genotype, b: Genotype): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k]?.reals ?? [];
    const y = b[k]?.reals ?? [];
    if (x.length !== y.length || x.some((v, i) => !Object.is(v, y[i]))) return false;
  }
  return true;
}

export class SgeStrategy implements SearchStrategy {
  private readonly grammar: Grammar;
  private readonly cfg: ResolvedStrategyConfig;
  private readonly rates: MutationRates;
  private readonly fingerprint: string;
  private readonly stream: Stream;
  private gen: number;
  private nextId: number;
  private current: Evaluated[];
  private initial: Individual[];
  private pending: Individual[] | null;
  private carried: Evaluated[];
  private bestEver: Evaluated | null;
  /** Fingerprints of every individual asked (see `StrategyState.explored`); a Set keeps insertion order for the snapshot. */
  private explored: Set<string>;

  /**
   * The strategy draws from `stream` and nothing else should. With `state`
   * (a `snapshot()`), it continues from there: the config must resolve to the
   * snapshot's, the grammar must be the same, and `stream` must have the
   * snapshot's seed (its position is taken from the snapshot).
   */
  constructor(grammar: Grammar, config: Partial<StrategyConfig>, stream: Stream, state?: StrategyState) {
    this.grammar = grammar;
    this.cfg = resolveStrategyConfig(grammar, config);
    this.rates = { [DEFAULT_RATE_KEY]: this.cfg.mutationRate, ...this.cfg.mutationRates };
    this.fingerprint = grammarFingerprint(grammar);
    if (state === undefined) {
      this.stream = stream;
      this.gen = 0;
      this.nextId = 0;
      this.current = [];
      this.initial = [];
      this.pending = null;
      this.carried = [];
      this.bestEver = null;
      this.explored = new Set();
      return;
    }
    if (state.format !== STATE_FORMAT && state.format !== STATE_FORMAT_1) throw new StrategyError(`not a strategy snapshot (format ${JSON.stringify(state.format)}, expected "${STATE_FORMAT}")`);
    if (state.grammar !== this.fingerprint) {
      throw new StrategyError(`the snapshot was taken with another grammar than ${grammar.origin} (its genotypes would mean other rules)`);
    }
    const mine = JSON.stringify(this.cfg);
    if (JSON.stringify(state.config) !== mine) {
      const diff = (Object.keys(this.cfg) as Array<keyof ResolvedStrategyConfig>)
        .filter((k) => JSON.stringify(this.cfg[k]) !== JSON.stringify(state.config[k]))
        .map((k) => `${k}: ${JSON.stringify(state.config[k])} in the snapshot, ${JSON.stringify(this.cfg[k])} now`);
      throw new StrategyError(`the strategy settings differ from the snapshot's (${diff.join('; ')})`);
    }
    if (state.seed !== stream.seed) {
      throw new StrategyError(`the snapshot's stream was seeded with "${state.seed}", not "${stream.seed}"`);
    }
    const s = clone(state);
    this.stream = new Stream(stream.seed, s.stream);
    this.gen = s.generation;
    this.nextId = s.nextId;
    this.current = [...s.population];
    this.initial = [...s.initial];
    this.pending = s.pending === null ? null : [...s.pending];
    this.carried = [...s.carried];
    this.bestEver = s.best;
    const current = s.format === STATE_FORMAT && (s.fingerprintVersion ?? 1) === FINGERPRINT_VERSION;
    this.explored = new Set(current ? s.explored : this.knownFingerprints());
  }

  /** The resolved settings (defaults filled in). */
  get config(): ResolvedStrategyConfig {
    return this.cfg;
  }

  /** Batches told so far; individuals asked now are born in this generation (the initial population in 0). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Adds individuals (e.g. from `seedIndividuals`) to the initial population;
   * only before the first ask(). Each is mapped again under this grammar and
   * depth limit to make sure it is valid here, and gets an id of the
   * strategy's (its origin keeps the baseline's name). Returns them as added.
   */
  seed(initial: readonly Individual[]): readonly Individual[] {
    if (this.started) throw new StrategyError('seed() must come before the first ask()');
    if (this.initial.length + initial.length > this.cfg.populationSize) {
      throw new StrategyError(`${this.initial.length + initial.length} seeded individuals do not fit in a population of ${this.cfg.populationSize}`);
    }
    const added: Individual[] = [];
    for (const ind of initial) {
      let mapped: Mapped;
      try {
        mapped = mapGenotype(this.grammar, ind.genotype, { maxDepth: this.cfg.maxDepth });
      } catch (err) {
        if (err instanceof MappingError) throw new StrategyError(`the seeded individual ${ind.id} is not valid under ${this.grammar.origin}: ${err.message}`);
        throw err;
      }
      added.push({ id: this.newId(0), genotype: mapped.genotype, text: printRule(mapped.rule), origin: clone(ind.origin), birth: 0 });
      this.explored.add(behaviourFingerprint(mapped.rule));
    }
    this.initial.push(...added);
    return added;
  }

  /**
   * The next batch to evaluate: the initial population first (seeds, then
   * random individuals to fill it), then offspring. Asking again before
   * telling returns the same batch, so a campaign resumed from a snapshot
   * taken mid-generation re-evaluates exactly what was outstanding.
   */
  ask(): Individual[] {
    if (this.pending !== null) return [...this.pending];
    const birth = this.gen;
    let batch: Individual[];
    if (this.current.length === 0) {
      batch = this.initialPopulation();
    } else if (this.cfg.mode === 'generational') {
      this.carried = this.elitesOf(this.current);
      const select = (): Evaluated => tournament(this.current, this.cfg.tournamentSize, this.stream);
      batch = Array.from({ length: this.cfg.populationSize - this.cfg.elites }, () => this.breed(select, birth));
    } else {
      this.carried = [];
      const select = (): Evaluated => tournament(this.current, this.cfg.sampleSize, this.stream);
      batch = Array.from({ length: this.cfg.batchSize }, () => this.breed(select, birth));
    }
    this.pending = batch;
    return [...batch];
  }

  /**
   * The fitness of every individual of the last batch (higher is better,
   * finite), in any order: results are placed by id, so the order in which
   * workers finish does not change the run.
   */
  tell(evaluated: ReadonlyArray<{ readonly id: string; readonly fitness: number }>): void {
    if (this.pending === null) throw new StrategyError('tell() without an outstanding ask()');
    const asked = new Set(this.pending.map((i) => i.id));
    const fitness = new Map<string, number>();
    for (const { id, fitness: f } of evaluated) {
      if (!asked.has(id)) throw new StrategyError(`tell() got a fitness for "${id}", which is not in the batch asked`);
      if (fitness.has(id)) throw new StrategyError(`tell() got two fitness values for "${id}"`);
      if (typeof f !== 'number' || !Number.isFinite(f)) throw new StrategyError(`the fitness of "${id}" must be a finite number, not ${String(f)}`);
      fitness.set(id, f);
    }
    const missing = this.pending.filter((i) => !fitness.has(i.id)).map((i) => i.id);
    if (missing.length > 0) {
      throw new StrategyError(`tell() is missing the fitness of ${missing.length} of the ${this.pending.length} individuals asked: ${missing.join(', ')}`);
    }
    const scored: Evaluated[] = this.pending.map((i) => ({ ...i, fitness: fitness.get(i.id) as number }));
    if (this.current.length === 0) this.current = scored;
    else if (this.cfg.mode === 'generational') this.current = [...this.carried, ...scored];
    else this.current = [...this.current.slice(scored.length), ...scored];
    for (const e of scored) if (this.bestEver === null || e.fitness > this.bestEver.fitness) this.bestEver = e;
    this.pending = null;
    this.carried = [];
    this.gen++;
  }

  /** The best individual ever told (the earliest among equals). */
  best(): Evaluated | undefined {
    return this.bestEver ?? undefined;
  }

  /** The current evaluated population; in regularized mode the queue, oldest first. */
  population(): readonly Evaluated[] {
    return this.current;
  }

  snapshot(): StrategyState {
    return clone({
      format: STATE_FORMAT,
      grammar: this.fingerprint,
      config: this.cfg,
      seed: this.stream.seed,
      stream: this.stream.state(),
      generation: this.gen,
      nextId: this.nextId,
      population: this.current,
      initial: this.initial,
      pending: this.pending,
      carried: this.carried,
      best: this.bestEver,
      explored: [...this.explored],
      fingerprintVersion: FINGERPRINT_VERSION,
    });
  }

  private get started(): boolean {
    return this.gen > 0 || this.pending !== null;
  }

  private newId(birth: number): string {
    return `g${birth}-${this.nextId++}`;
  }

  /** The `elites` fittest, best first; ties keep population order (a stable sort). */
  private elitesOf(population: readonly Evaluated[]): Evaluated[] {
    return [...population].sort((a, b) => b.fitness - a.fitness).slice(0, this.cfg.elites);
  }

  /**
   * Seeds, then random individuals. A random rule that acts like a seed or an
   * earlier draw is drawn again (up to MAX_ATTEMPTS times): shallow random
   * rules repeat often, and every duplicate would cost a training run.
   */
  private initialPopulation(): Individual[] {
    const batch = [...this.initial];
    this.initial = [];
    const initDepth = Math.min(this.grammar.initDepth, this.cfg.maxDepth);
    while (batch.length < this.cfg.populationSize) {
      let chosen: Mapped | undefined;
      let fingerprint = '';
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        let m: Mapped;
        try {
          m = randomGenotype(this.grammar, this.stream, initDepth);
        } catch (err) {
          if (err instanceof MappingError) continue;
          throw err;
        }
        if (m.expansions > this.cfg.maxExpansions) continue;
        chosen = m;
        fingerprint = behaviourFingerprint(m.rule);
        if (!this.explored.has(fingerprint)) break;
      }
      if (chosen === undefined) {
        throw new StrategyError(
          `the grammar ${this.grammar.origin} gave no valid random individual within ${this.cfg.maxExpansions} expansions in ${MAX_ATTEMPTS} attempts`,
        );
      }
      this.explored.add(fingerprint);
      batch.push({ id: this.newId(0), genotype: chosen.genotype, text: printRule(chosen.rule), origin: { kind: 'random' }, birth: 0 });
    }
    return batch;
  }

  /** What a version-1 snapshot (or one fingerprinted by other probes) tells of the explored rules: the individuals it still holds. */
  private knownFingerprints(): string[] {
    const held = [...this.current, ...this.carried, ...this.initial, ...(this.pending ?? [])];
    return held.map((i) => behaviourFingerprint(parseRule(i.text, this.grammar.variant)));
  }

  /**
   * One child: two tournament winners, crossover (with its probability),
   * codon mutation, constant mutation, then mapping (repair and extension).
   * A variation that maps to no valid rule, or to one over maxExpansions, is
   * tried again; so is one that acts like a rule already explored in the
   * campaign (population, batch, or any earlier generation): without this
   * the population fills with copies of one good rule and later generations
   * are mostly cache hits. Every ATTEMPTS_PER_PAIR attempts two new parents
   * are drawn. After MAX_ATTEMPTS the last valid variation is kept even if it
   * repeats a behaviour, or, if none was valid, the child is a copy of the
   * first parent.
   */
  private breed(select: () => Evaluated, birth: number): Individual {
    let p1 = select();
    let p2 = select();
    let lastValid: Omit<Individual, 'id'> | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0 && attempt % ATTEMPTS_PER_PAIR === 0) {
        p1 = select();
        p2 = select();
      }
      const { child, crossed } = crossover(p1.genotype, p2.genotype, this.cfg.crossoverProbability, this.stream);
      const mutated = mutate(this.grammar, child, this.rates, this.stream);
      const varied = mutateConstants(mutated, this.cfg.constantMutationProbability, this.cfg.constantSigma, this.stream);
      const mapped = makeValid(this.grammar, varied, this.stream, this.cfg.maxDepth, this.cfg.maxExpansions);
      if (mapped === undefined) continue;
      const twoParents = crossed && p1.id !== p2.id;
      const operators: string[] = [];
      if (twoParents) operators.push('crossover');
      if (!sameCodons(child, mutated)) operators.push('mutation');
      if (!sameReals(mutated, varied)) operators.push('constant-mutation');
      const origin: Origin = { kind: 'offspring', parents: twoParents ? [p1.id, p2.id] : [p1.id], operators };
      lastValid = { genotype: mapped.genotype, text: printRule(mapped.rule), origin, birth };
      const fingerprint = behaviourFingerprint(mapped.rule);
      if (!this.explored.has(fingerprint)) {
        this.explored.add(fingerprint);
        return { id: this.newId(birth), ...lastValid };
      }
    }
    if (lastValid) return { id: this.newId(birth), ...lastValid };
    return { id: this.newId(birth), genotype: clone(p1.genotype), text: p1.text, origin: { kind: 'offspring', parents: [p1.id], operators: [] }, birth };
  }
}

/** The strategy settings a campaign config gives. */
export function sgeSettings(config: CampaignConfig): StrategyConfig {
  return {
    populationSize: config.population,
    elites: config.elites,
    tournamentSize: config.tournamentSize,
    crossoverProbability: config.crossoverProbability,
    mutationRate: config.mutationRate,
    ...(config.mutationRates ? { mutationRates: { ...config.mutationRates } } : {}),
    constantMutationProbability: config.constantMutationProbability,
    constantSigma: config.constantSigma,
    mode: config.mode,
  };
}

export const sgeStrategy: StrategyKind = {
  name: 'sge',
  description: 'structured grammatical evolution (AutoLR): generational with elites, or regularized (aging)',
  create: ({ grammar, config, stream, state }) => new SgeStrategy(grammar, sgeSettings(config), stream, state as StrategyState | undefined),
};
