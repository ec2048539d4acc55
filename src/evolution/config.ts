/**
 * Campaign configuration: defaults, validation with messages that name the
 * field, and the resolved form saved in the campaign folder. A config file is
 * the same JSON object; command-line flags override its fields.
 */
import type { Variant } from '../grammar/ast.js';
import type { BaseOptimizer } from '../baselines/types.js';
import { BACKEND_CHOICES, type BackendChoice } from '../evaluator/backend-choices.js';
import { BudgetError, isEmptyOverride, layerOverrides, parseBudgetOverride, type BudgetOverride } from '../tasks/budgets.js';
import { InputError } from '../errors.js';
import { QueueUrlError, redactQueueUrl } from '../queue/url.js';
import { BASE_OPTIMIZERS } from '../schedule/base-optimizer.js';
import { AGGREGATES, DEFAULT_AGGREGATE, type Aggregate } from './fitness.js';
import { DEFAULT_STRATEGY } from './strategy.js';
import { DEFAULT_TUNING, type TuningSettings } from './tuning.js';
import { strategyNames } from './strategies.js';

export interface CampaignConfig {
  /** Folder name under runs/. */
  readonly name: string;
  readonly variant: Variant;
  /** Built-in grammar name or .bnf path; default: the variant's. */
  readonly grammar: string;
  /** One or more tasks; several combine into one fitness (see fitness.ts). */
  readonly tasks: readonly string[];
  /** Budget fields changed from every task's own, by fidelity, e.g. {"full": {"epochs": 150}}. */
  readonly budgets?: BudgetOverride;
  /**
   * Budget fields of single tasks, over `budgets`, e.g. {"fashion-mnist-cnn":
   * {"full": {"epochs": 3}}}: tasks of one campaign may need different
   * budgets (an MLP and a CNN, a PINN at 250 and at 1000 Hz). Read through
   * `budgetsFor`, never directly.
   */
  readonly taskBudgets?: Readonly<Record<string, BudgetOverride>>;
  /** Base optimizer schedules drive. */
  readonly optimizer: BaseOptimizer;
  readonly lr0?: number;
  readonly population: number;
  readonly generations: number;
  readonly seed: number;
  /** Baselines seeded into the first population: 'all' of the variant, or names. */
  readonly seeds: 'all' | readonly string[];
  /** Baseline whose score normalises each task's score when there are several tasks. */
  readonly reference: string;
  /** The search strategy, by name (see strategies.ts); absent: the default, SGE. */
  readonly strategy?: string;
  readonly mode: 'generational' | 'regularized';
  readonly elites: number;
  readonly tournamentSize: number;
  readonly crossoverProbability: number;
  readonly mutationRate: number;
  /** Per-nonterminal codon mutation rates overriding mutationRate, e.g. {"const": 0.3}. */
  readonly mutationRates?: Readonly<Record<string, number>>;
  readonly constantMutationProbability: number;
  readonly constantSigma: number;
  /** Cheap first, full only above the hurdle; false runs every candidate at full fidelity. */
  readonly multiFidelity: boolean;
  /** Quantile of the previous generation's cheap scores a candidate must reach to run at full fidelity. */
  readonly hurdleQuantile: number;
  readonly cache: boolean;
  /** Worker threads; 0 evaluates in the main thread. */
  readonly workers: number;
  readonly backend: BackendChoice;
  /** Wall-time limit of one evaluation, in seconds. */
  readonly timeLimit: number;
  readonly splitSeed: number;
  readonly dataDir?: string;
  /** Size of the hall of fame. */
  readonly hallOfFame: number;
  /** Fresh seeds the hall of fame is re-scored with on the test split at the end. */
  readonly finalSeeds: number;
  /** Baselines re-scored with the same fresh seeds: every seeded one, or only the best. */
  readonly rescoreBaselines: 'all' | 'best';
  /** Seeds a full-fidelity fitness is averaged over (the first is the evaluation seed, so 1 is a single run). */
  readonly fitnessSeeds: number;
  /**
   * The fewest seeds for a rule that draws random numbers: one draw sequence
   * is luck, and a random rule once ranked second on search and far lower
   * on fresh seeds (docs/results.md, Fashion-MNIST).
   */
  readonly randomFitnessSeeds: number;
  /**
   * Full-fidelity fitness at the best of a log grid of starting rates around
   * the task's lr0 (chosen on the validation score, as equal tuning chooses),
   * or absent: one rate. Costs `points` times the full runs; absent from
   * configs that predate it, which ran at one rate. With `cheap`, the cheap
   * fidelity too, so that the hurdle does not filter out, at one rate, the
   * shapes the full fidelity would score at their best.
   */
  readonly fitnessRates?: FitnessRates;
  /** How several tasks' ratios to the reference combine into one fitness (fitness.ts). */
  readonly aggregate: Aggregate;
  /**
   * Equal tuning of lr0 for every finalist and baseline before the test
   * comparison (tuning.ts), or false. Saved configs that predate the field
   * ran without it.
   */
  readonly tuning: TuningSettings | false;
  /** Tasks the search never sees, on which finalists and baselines are tuned and tested too. */
  readonly validation?: { readonly tasks: readonly string[] };
  /**
   * The Redis queue whose workers run the jobs (docs/distributed.md), with its
   * password redacted: the address to connect to comes from the command line,
   * so a campaign folder never holds a password. How a campaign runs, not what
   * it computes: a resumed campaign may change it.
   */
  readonly queue?: string;
}

/**
 * What a saved config that predates a field ran with. A saved config is always
 * a resolved one, so a field it lacks was added later: it gets the behaviour
 * the campaign had, not today's default (the store applies this on read).
 */
export const LEGACY_CONFIG_VALUES: Readonly<Record<string, unknown>> = { aggregate: 'mean', tuning: false, fitnessSeeds: 1, randomFitnessSeeds: 1 };

/** The grammar new campaigns of each variant search: the rate-relative ones (docs/rule-language.md). */
export const DEFAULT_GRAMMARS: Readonly<Record<Variant, string>> = { dlr: 'dlr-relative', alr: 'alr-relative' };

export class ConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaultConfig(variant: Variant): Omit<CampaignConfig, 'name' | 'tasks'> {
  return {
    variant,
    grammar: DEFAULT_GRAMMARS[variant],
    optimizer: 'adam',
    population: DEFAULT_STRATEGY.populationSize,
    generations: 12,
    seed: 0,
    seeds: 'all',
    reference: variant === 'dlr' ? 'constant' : 'adam',
    mode: DEFAULT_STRATEGY.mode,
    elites: DEFAULT_STRATEGY.elites,
    tournamentSize: DEFAULT_STRATEGY.tournamentSize,
    crossoverProbability: DEFAULT_STRATEGY.crossoverProbability,
    mutationRate: DEFAULT_STRATEGY.mutationRate,
    constantMutationProbability: DEFAULT_STRATEGY.constantMutationProbability,
    constantSigma: DEFAULT_STRATEGY.constantSigma,
    multiFidelity: true,
    hurdleQuantile: 0.75,
    cache: true,
    workers: 2,
    backend: 'auto',
    timeLimit: 600,
    splitSeed: 0,
    hallOfFame: 10,
    finalSeeds: 5,
    rescoreBaselines: 'all',
    fitnessSeeds: 1,
    randomFitnessSeeds: 2,
    aggregate: DEFAULT_AGGREGATE,
    tuning: DEFAULT_TUNING,
  };
}

/** Every field a config may hold, in the order `autolr init` writes them. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([
  'name', 'variant', 'grammar', 'tasks', 'budgets', 'taskBudgets', 'optimizer', 'lr0', 'population', 'generations', 'seed', 'seeds', 'reference', 'strategy', 'mode',
  'elites', 'tournamentSize', 'crossoverProbability', 'mutationRate', 'mutationRates', 'constantMutationProbability', 'constantSigma',
  'multiFidelity', 'hurdleQuantile', 'cache', 'workers', 'backend', 'timeLimit', 'splitSeed', 'dataDir', 'hallOfFame', 'finalSeeds',
  'rescoreBaselines', 'fitnessSeeds', 'randomFitnessSeeds', 'fitnessRates', 'aggregate', 'tuning', 'validation', 'queue',
]);

type Raw = Readonly<Record<string, unknown>>;

function integer(raw: Raw, field: string, min: number, max: number, fallback: number): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`"${field}" must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
  }
  return v;
}

function number(raw: Raw, field: string, min: number, max: number, fallback: number, exclusiveMin = false): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (exclusiveMin ? v <= min : v < min)) {
    throw new ConfigError(`"${field}" must be a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'and at most' : 'to'} ${max}, not ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(raw: Raw, field: string, choices: readonly T[], fallback: T): T {
  const v = raw[field] ?? fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`"${field}" must be one of ${choices.join(', ')}, not ${JSON.stringify(v)}`);
  }
  return v as T;
}

function bool(raw: Raw, field: string, fallback: boolean): boolean {
  const v = raw[field] ?? fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`"${field}" must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

function text(raw: Raw, field: string, fallback?: string): string | undefined {
  const v = raw[field] ?? fallback;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`"${field}" must be a non-empty string, not ${JSON.stringify(v)}`);
  return v;
}

/** Validates a raw config (file contents merged with flags) and fills the defaults. */
export function resolveConfig(raw: Raw): CampaignConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('a campaign config must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) throw new ConfigError(`unknown field "${key}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const variant = oneOf(raw, 'variant', ['dlr', 'alr'] as const, 'dlr');
  const d = defaultConfig(variant);
  const tasksRaw = raw.tasks;
  const tasks = typeof tasksRaw === 'string' ? tasksRaw.split(',').map((t) => t.trim()) : tasksRaw;
  if (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => typeof t !== 'string' || t === '')) {
    throw new ConfigError('"tasks" must name at least one task (e.g. "mnist-mlp", or several: ["helmholtz-250", "helmholtz-500"])');
  }
  const seedsRaw = raw.seeds ?? d.seeds;
  let seeds: 'all' | string[];
  if (seedsRaw === 'all') seeds = 'all';
  else if (seedsRaw === 'none') seeds = [];
  else if (typeof seedsRaw === 'string') seeds = seedsRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  else if (Array.isArray(seedsRaw) && seedsRaw.every((s) => typeof s === 'string')) seeds = [...(seedsRaw as string[])];
  else throw new ConfigError('"seeds" must be "all", "none", or a list of baseline names');
  const population = integer(raw, 'population', 2, 10_000, d.population);
  const name = text(raw, 'name', `${variant}-${(tasks as string[]).join('+')}-s${integer(raw, 'seed', 0, 2 ** 31 - 1, d.seed)}`) as string;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) {
    throw new ConfigError(`"name" must be a plain folder name (letters, digits, . _ + -), not ${JSON.stringify(name)}`);
  }
  const budgets = raw.budgets === undefined ? undefined : budgetOverrideOf(raw.budgets, '"budgets"');
  const validation = validationOf(raw.validation, tasks as string[]);
  const taskBudgets = taskBudgetsOf(raw.taskBudgets, [...(tasks as string[]), ...(validation.validation?.tasks ?? [])]);
  const lr0 = raw.lr0 === undefined ? undefined : number(raw, 'lr0', 0, 10, 0, true);
  const dataDir = text(raw, 'dataDir');
  // Only a config that names a strategy records one: the configs of every earlier campaign stay as they were.
  const strategy = raw.strategy === undefined ? undefined : oneOf(raw, 'strategy', strategyNames(), '');
  const ratesRaw = raw.mutationRates;
  if (ratesRaw !== undefined) {
    if (typeof ratesRaw !== 'object' || ratesRaw === null || Array.isArray(ratesRaw)) {
      throw new ConfigError('"mutationRates" must be an object of nonterminal names to rates, e.g. {"const": 0.3}');
    }
    for (const [nt, rate] of Object.entries(ratesRaw)) {
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new ConfigError(`"mutationRates.${nt}" must be a number from 0 to 1, not ${JSON.stringify(rate)}`);
    }
  }
  const config: CampaignConfig = {
    name,
    variant,
    grammar: text(raw, 'grammar', d.grammar) as string,
    tasks: tasks as string[],
    ...(budgets !== undefined && !isEmptyOverride(budgets) ? { budgets } : {}),
    ...(taskBudgets !== undefined ? { taskBudgets } : {}),
    optimizer: oneOf(raw, 'optimizer', BASE_OPTIMIZERS, d.optimizer),
    ...(lr0 !== undefined ? { lr0 } : {}),
    population,
    generations: integer(raw, 'generations', 1, 100_000, d.generations),
    seed: integer(raw, 'seed', 0, 2 ** 31 - 1, d.seed),
    seeds,
    reference: text(raw, 'reference', d.reference) as string,
    ...(strategy !== undefined ? { strategy } : {}),
    mode: oneOf(raw, 'mode', ['generational', 'regularized'] as const, d.mode),
    elites: integer(raw, 'elites', 0, population - 1, Math.min(d.elites, population - 1)),
    tournamentSize: integer(raw, 'tournamentSize', 1, population, Math.min(d.tournamentSize, population)),
    crossoverProbability: number(raw, 'crossoverProbability', 0, 1, d.crossoverProbability),
    mutationRate: number(raw, 'mutationRate', 0, 1, d.mutationRate),
    ...(ratesRaw !== undefined ? { mutationRates: ratesRaw as Record<string, number> } : {}),
    constantMutationProbability: number(raw, 'constantMutationProbability', 0, 1, d.constantMutationProbability),
    constantSigma: number(raw, 'constantSigma', 0, 10, d.constantSigma),
    multiFidelity: bool(raw, 'multiFidelity', d.multiFidelity),
    hurdleQuantile: number(raw, 'hurdleQuantile', 0, 1, d.hurdleQuantile),
    cache: bool(raw, 'cache', d.cache),
    workers: integer(raw, 'workers', 0, 256, d.workers),
    backend: oneOf(raw, 'backend', BACKEND_CHOICES, d.backend),
    timeLimit: number(raw, 'timeLimit', 0, 86_400, d.timeLimit, true),
    splitSeed: integer(raw, 'splitSeed', 0, 2 ** 31 - 1, d.splitSeed),
    ...(dataDir !== undefined ? { dataDir } : {}),
    hallOfFame: integer(raw, 'hallOfFame', 1, 1000, d.hallOfFame),
    finalSeeds: integer(raw, 'finalSeeds', 0, 100, d.finalSeeds),
    rescoreBaselines: oneOf(raw, 'rescoreBaselines', ['all', 'best'] as const, d.rescoreBaselines),
    fitnessSeeds: integer(raw, 'fitnessSeeds', 1, 20, d.fitnessSeeds),
    randomFitnessSeeds: integer(raw, 'randomFitnessSeeds', 1, 20, d.randomFitnessSeeds),
    ...fitnessRatesOf(raw.fitnessRates),
    aggregate: oneOf(raw, 'aggregate', AGGREGATES, d.aggregate),
    tuning: tuningOf(raw.tuning, d.tuning, validation.validation?.tasks.length ?? 0),
    ...validation,
    ...queueOf(raw.queue),
  };
  return config;
}

/** The budget override a task of the campaign trains with: its own entry in `taskBudgets` over `budgets`. */
export function budgetsFor(config: Pick<CampaignConfig, 'budgets' | 'taskBudgets'>, task: string): BudgetOverride | undefined {
  return layerOverrides(config.budgets, config.taskBudgets?.[task]);
}

/** A budget override of the config, its errors as the config's. */
function budgetOverrideOf(raw: unknown, where: string): BudgetOverride {
  try {
    return parseBudgetOverride(raw, where);
  } catch (err) {
    if (err instanceof BudgetError) throw new ConfigError(err.message);
    throw err;
  }
}

/** "taskBudgets": an override per task, each a task the campaign trains on (searched or held out). */
function taskBudgetsOf(raw: unknown, tasks: readonly string[]): Record<string, BudgetOverride> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('"taskBudgets" must be an object of task names to budget overrides, e.g. {"fashion-mnist-cnn": {"full": {"epochs": 3}}}');
  }
  const out: Record<string, BudgetOverride> = {};
  for (const [task, override] of Object.entries(raw)) {
    if (!tasks.includes(task)) throw new ConfigError(`"taskBudgets" names ${JSON.stringify(task)}, which is not one of the campaign's tasks (${tasks.join(', ')})`);
    const parsed = budgetOverrideOf(override, `"taskBudgets"."${task}"`);
    if (!isEmptyOverride(parsed)) out[task] = parsed;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** "queue": a redis:// or rediss:// address, kept with its password redacted. */
function queueOf(raw: unknown): { queue?: string } {
  if (raw === undefined) return {};
  if (typeof raw !== 'string') throw new ConfigError(`"queue" must be an address such as "redis://host:6379", not ${JSON.stringify(raw)}`);
  try {
    return { queue: redactQueueUrl(raw) };
  } catch (err) {
    if (err instanceof QueueUrlError) throw new ConfigError(`"queue": ${err.message}`);
    throw err;
  }
}

/**
 * "tuning": false, true (the default grid), or {"points": odd n, "span": s,
 * "tasks": "all" | "held-out"}. Tuning on the held-out tasks alone needs
 * some; "all" is left out of the resolved config, so configs saved before the
 * field existed still match their campaigns' checkpoints.
 */
function tuningOf(raw: unknown, fallback: TuningSettings | false, heldOutTasks: number): TuningSettings | false {
  if (raw === undefined) return fallback;
  if (raw === false) return false;
  if (raw === true) return DEFAULT_TUNING;
  const t = objectOf(raw, 'tuning', ['points', 'span', 'tasks'], 'false, true, or {"points": 7, "span": 30, "tasks": "all"}');
  const points = oddPoints(t, 'tuning', 1, DEFAULT_TUNING.points);
  const tasks = oneOf(t, 'tasks', ['all', 'held-out'] as const, 'all');
  if (tasks === 'held-out' && heldOutTasks === 0) {
    throw new ConfigError('"tuning.tasks": "held-out" tunes only on validation tasks, and the campaign has none: add "validation" or tune on "all" tasks');
  }
  return { points, span: number(t, 'span', 1, 1e6, DEFAULT_TUNING.span), ...(tasks === 'held-out' ? { tasks } : {}) };
}

/** The grid of starting rates fitness is taken at the best of, and whether the cheap fidelity uses it too. */
export interface FitnessRates {
  readonly points: number;
  readonly span: number;
  readonly cheap?: true;
  /**
   * The grid's middle rate as a multiple of the task's starting rate (1 when
   * absent). Fitness is a search setting: tuning keeps its grid around the
   * starting rate, so campaigns that centre fitness elsewhere still compare
   * under one protocol. For shapes bounded by lr0 whose best rate lies above
   * a grid around Adam's default (`dlr-mnist-two-budgets`: 33 of 36 CNN
   * candidates at the grid's top point).
   */
  readonly centre?: number;
}

/** "fitnessRates": absent or false (one rate), or {"points": odd n ≥ 3, "span": s > 1, "cheap": bool, "centre": c > 0}; the resolved config holds it (and "cheap", "centre") only when set. */
function fitnessRatesOf(raw: unknown): { fitnessRates?: FitnessRates } {
  if (raw === undefined || raw === false) return {};
  const t = objectOf(raw, 'fitnessRates', ['points', 'span', 'cheap', 'centre'], 'false or {"points": 3, "span": 10}');
  const points = oddPoints(t, 'fitnessRates', 3, 3);
  const cheap = bool(t, 'cheap', false);
  const centre = number(t, 'centre', 0, 1e6, 1, true);
  return { fitnessRates: { points, span: number(t, 'span', 1, 1e6, 10, true), ...(cheap ? { cheap: true as const } : {}), ...(centre !== 1 ? { centre } : {}) } };
}

/** A config field that must be an object of known fields, e.g. "tuning"; `expected` says what it may be. */
function objectOf(raw: unknown, field: string, known: readonly string[], expected: string): Raw {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`"${field}" must be ${expected}`);
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new ConfigError(`unknown field "${field}.${key}" (known: ${known.join(', ')})`);
  return raw as Raw;
}

/** The points of a rate grid centred on the campaign's own rate: odd, from `min`. */
function oddPoints(t: Raw, field: string, min: number, fallback: number): number {
  const points = integer(t, 'points', min, 99, fallback);
  if (points % 2 === 0) throw new ConfigError(`"${field}.points" must be odd (the campaign's own rate is the middle point), not ${points}`);
  return points;
}

/** "validation": {"tasks": [...]} or a comma-separated list; tasks the search also uses are refused. */
function validationOf(raw: unknown, searchTasks: readonly string[]): { validation?: { tasks: string[] } } {
  if (raw === undefined) return {};
  const listRaw = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Raw).tasks : raw;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const key of Object.keys(raw)) if (key !== 'tasks') throw new ConfigError(`unknown field "validation.${key}" (known: tasks)`);
  }
  const tasks = typeof listRaw === 'string' ? listRaw.split(',').map((t) => t.trim()).filter((t) => t !== '') : listRaw;
  if (!Array.isArray(tasks) || tasks.some((t) => typeof t !== 'string' || t === '')) {
    throw new ConfigError('"validation" must be {"tasks": ["fashion-mnist-mlp", ...]}');
  }
  const shared = (tasks as string[]).filter((t) => searchTasks.includes(t));
  if (shared.length > 0) throw new ConfigError(`"validation.tasks" must be tasks the search never sees; ${shared.join(', ')} ${shared.length === 1 ? 'is' : 'are'} in "tasks"`);
  return tasks.length === 0 ? {} : { validation: { tasks: [...new Set(tasks as string[])] } };
}
