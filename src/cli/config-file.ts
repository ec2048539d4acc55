/**
 * Campaign config files: JSON with comments (JSONC — `//` and `/* *\/`
 * comments, trailing commas), read with jsonc-parser, so the file
 * `autolr init` writes can explain every field and still be read back as is.
 * Plain JSON is JSONC too. The folder's own config.json stays plain JSON.
 */
import { readFileSync } from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Variant } from '../grammar/ast.js';
import { defaultConfig, KNOWN_FIELDS, type CampaignConfig } from '../evolution/config.js';
import { BACKEND_CHOICES } from '../evaluator/backend-choices.js';
import { UsageError } from './errors.js';

/** The fields of a config file read from `path`; a file that is not a JSON(C) object is refused naming the line and column. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the config file ${path}: ${(e as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new UsageError(`cannot read the config file ${path}: ${printParseErrorCode(first.error)} at line ${before.length}, column ${(before.at(-1) ?? '').length + 1}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`the config file ${path} must hold one JSON object of campaign fields`);
  return value as Record<string, unknown>;
}

/** What each field does, as `autolr init` explains it (docs/campaigns.md has the details). */
const FIELD_HELP: Readonly<Record<keyof CampaignConfig, string>> = {
  name: 'folder under the runs folder; default: <variant>-<tasks>-s<seed>',
  variant: 'dlr: learning-rate schedules; alr: per-weight adaptive optimizers',
  grammar: 'built-in grammar name (autolr list grammars) or a .bnf file',
  tasks: 'tasks the search trains on (autolr list tasks); several combine into one fitness',
  budgets: "budget fields changed from every task's own, by fidelity",
  taskBudgets: 'budget fields of single tasks, over "budgets"',
  optimizer: 'base optimizer the schedules drive (sgd, momentum, adam)',
  lr0: "starting rate; default: each task's own",
  population: 'individuals per generation',
  generations: 'generations of search',
  seed: 'seed of every random choice of the search',
  seeds: 'baselines seeded into the first population: "all", "none", or a list of names (autolr list baselines)',
  reference: "baseline whose score normalises each task's score when there are several tasks",
  strategy: 'search strategy by name; default: SGE (structured grammatical evolution)',
  mode: 'generational, or regularized (ageing) evolution',
  elites: 'best individuals carried over unchanged each generation',
  tournamentSize: 'individuals drawn per tournament selection',
  crossoverProbability: 'chance that two parents are crossed over',
  mutationRate: 'chance that a codon mutates',
  mutationRates: 'per-nonterminal codon mutation rates overriding mutationRate',
  constantMutationProbability: 'chance that a numeric constant is perturbed',
  constantSigma: 'relative size of a constant\'s perturbation (0.3: about ±30 %)',
  multiFidelity: 'cheap runs first, full runs only above the hurdle; false: every candidate at full fidelity',
  hurdleQuantile: "quantile of the previous generation's cheap scores a candidate must reach for a full run",
  cache: 'serve exact and behavioural duplicates from the cache',
  workers: 'worker threads; 0 trains in the main thread',
  backend: `tfjs backend: ${BACKEND_CHOICES.join(', ')}`,
  timeLimit: 'wall-time limit of one training run, in seconds',
  splitSeed: 'seed of the train / validation / test split',
  dataDir: 'folder with dataset files (Fashion-MNIST, CIFAR-10)',
  hallOfFame: 'size of the hall of fame',
  finalSeeds: 'fresh seeds of the final test comparison',
  rescoreBaselines: 'baselines re-scored on the fresh seeds: "all" seeded ones, or only the "best"',
  fitnessSeeds: 'seeds a full-fidelity fitness is averaged over',
  randomFitnessSeeds: 'the fewest seeds for a rule that draws random numbers',
  fitnessRates: 'full-fidelity fitness at the best of a log grid of starting rates around lr0, {"points": odd n, "span": s, "cheap": true to score the cheap fidelity so too, "centre": c to centre the grid on c·lr0}, so selection compares shapes rather than step sizes; default: one rate',
  aggregate: "how several tasks' ratios to the reference combine into one fitness",
  tuning: 'equal lr0 tuning of every finalist and baseline: {"points": odd n, "span": s, "tasks": "all" or "held-out" (the validation tasks only)}, or false',
  validation: 'held-out tasks, never searched on: finalists and baselines are tuned and tested on them too',
  queue: 'a Redis queue whose workers run the training (docs/distributed.md)',
};

/** Fields without a default, written commented out with an example value. */
const EXAMPLES: Readonly<Partial<Record<keyof CampaignConfig, unknown>>> = {
  name: 'my-campaign',
  budgets: { cheap: { epochs: 2 }, full: { epochs: 10 } },
  taskBudgets: { 'fashion-mnist-cnn': { full: { epochs: 3 } } },
  lr0: 0.001,
  strategy: 'sge',
  mutationRates: { const: 0.3 },
  dataDir: 'data',
  validation: { tasks: ['fashion-mnist-mlp'] },
  fitnessRates: { points: 3, span: 10 },
  queue: 'redis://localhost:6379',
};

/**
 * A commented campaign config (JSONC) with every field: the fields that have a
 * default hold it, read from the config module's defaults for the variant;
 * the others are commented out with an example.
 */
export function configTemplate(variant: Variant, tasks: readonly string[]): string {
  const defaults: Record<string, unknown> = { tasks, ...defaultConfig(variant) };
  const fields = [...KNOWN_FIELDS] as Array<keyof CampaignConfig>;
  const active = fields.filter((f) => defaults[f] !== undefined);
  const lastActive = active.at(-1);
  const lines = [
    `// An autolr campaign (${variant === 'dlr' ? 'learning-rate schedules' : 'adaptive optimizers'}): every field with its default.`,
    '// Run it: autolr evolve --config <this file>   (command-line flags override its fields)',
    '// See what it would do first: autolr evolve --config <this file> --dry-run',
    '// Fields: docs/campaigns.md. Comments and trailing commas are allowed.',
    '{',
  ];
  for (const field of fields) {
    lines.push(`  // ${FIELD_HELP[field]}`);
    const value = defaults[field];
    if (value === undefined) {
      lines.push(`  // "${field}": ${JSON.stringify(EXAMPLES[field] ?? null)},`);
    } else {
      lines.push(`  "${field}": ${JSON.stringify(value)}${field === lastActive ? '' : ','}`);
    }
  }
  lines.push('}', '');
  return lines.join('\n');
}
