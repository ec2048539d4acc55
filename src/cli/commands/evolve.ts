/**
 * `autolr evolve`: runs (or resumes) an evolution campaign into runs/<name>/.
 */
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openCampaignEvaluator } from '../../queue/choose-evaluator.js';
import { completedCampaign, planCampaign, runCampaign } from '../../evolution/campaign.js';
import { budgetsFor, ConfigError, defaultConfig, resolveConfig, type CampaignConfig } from '../../evolution/config.js';
import type { CampaignSummary } from '../../evolution/records.js';
import { CampaignStore } from '../../evolution/store.js';
import { BudgetError, type BudgetOverride } from '../../tasks/budgets.js';
import { checkTaskLoads, lookupTask } from '../../tasks/registry.js';
import type { Task } from '../../tasks/task.js';
import { loadGrammar } from '../../grammar/bnf.js';
import { grammarOracleReads, oracleSentences } from '../../tasks/oracle-signals.js';
import { UsageError } from '../errors.js';
import { parseBudgetsOption, parseChoiceOption, parseIntegerOption, parsePositiveNumberOption } from '../options.js';
import { progressDisplay } from '../progress.js';
import { formatBaselines, formatHallOfFame } from '../hall-of-fame-table.js';
import { tableWidth } from '../table.js';
import { readConfigFile } from '../config-file.js';
import { campaignCost, formatCost, stageSeconds, type RunSeconds } from '../campaign-cost.js';
import { measureRunSeconds } from '../measure-runs.js';
import { displayPath } from '../paths.js';
import { campaignVerdict } from '../../evolution/verdict.js';
import { BACKEND_CHOICES, initBackend } from '../../evaluator/backend.js';
import { BASE_OPTIMIZERS } from '../../schedule/base-optimizer.js';

interface EvolveOptions {
  task?: string;
  variant?: string;
  population?: number;
  generations?: number;
  seed?: number;
  workers?: number;
  name?: string;
  config?: string;
  resume?: string;
  runs: string;
  seeds?: string;
  optimizer?: string;
  grammar?: string;
  backend?: string;
  multiFidelity?: boolean;
  cache?: boolean;
  dataDir?: string;
  budgets?: BudgetOverride;
  timeLimit?: number;
  validation?: string;
  tuningPoints?: number;
  tuningTasks?: 'all' | 'held-out';
  finalSeeds?: number;
  hallOfFame?: number;
  queue?: string;
  dryRun?: boolean;
  measure?: boolean;
  json?: boolean;
}

export function registerEvolve(program: Command, out: (s: string) => void, err: (s: string) => void): void {
  // Help shows the defaults of a dlr campaign (the config module's); flags left at them do not override a --config file.
  const d = defaultConfig('dlr');
  program
    .command('evolve')
    .description('run an evolution campaign (or resume one) and write it to runs/<name>/')
    .option('--task <tasks>', 'task, or several separated by commas (see "autolr list tasks")')
    .option('--variant <variant>', 'dlr (schedules) or alr (optimizers)', parseChoiceOption('--variant', ['dlr', 'alr'] as const), d.variant)
    .option('--population <n>', 'population size', parseIntegerOption('--population', 2, 10_000), d.population)
    .option('--generations <n>', 'generations', parseIntegerOption('--generations', 1, 100_000), d.generations)
    .option('--seed <n>', 'campaign seed', parseIntegerOption('--seed', 0, 2 ** 31 - 1), d.seed)
    .option('--workers <n>', 'worker threads (0: evaluate in this thread)', parseIntegerOption('--workers', 0, 256), d.workers)
    .option('--name <name>', 'campaign folder name under the runs folder (default: <variant>-<tasks>-s<seed>)')
    .option('--seeds <list>', 'baselines to seed: all, none, or names separated by commas', d.seeds === 'all' ? 'all' : d.seeds.join(','))
    .option('--optimizer <name>', 'base optimizer schedules drive', parseChoiceOption('--optimizer', BASE_OPTIMIZERS), d.optimizer)
    .option('--grammar <grammar>', 'grammar the rules are derived from: a built-in one (autolr list grammars) or a .bnf file (default: dlr-relative or alr-relative, by variant)')
    .option('--backend <backend>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, parseChoiceOption('--backend', BACKEND_CHOICES), d.backend)
    .option('--no-multi-fidelity', 'score every candidate at full fidelity (no cheap first pass)')
    .option('--no-cache', 'evaluate every candidate, even exact or behavioural duplicates')
    .option('--data-dir <dir>', 'folder with dataset files (Fashion-MNIST, CIFAR-10)')
    .option('--budgets <json>', 'budget fields changed from every task\'s own, by fidelity, e.g. \'{"full": {"epochs": 150}}\'', parseBudgetsOption('--budgets'))
    .option('--time-limit <seconds>', 'wall-time limit of one evaluation', parsePositiveNumberOption('--time-limit'), d.timeLimit)
    .option('--validation <tasks>', 'held-out tasks, separated by commas: finalists and baselines are tuned and tested on them too')
    .option('--tuning-points <n>', 'lr0 grid points of the final equal tuning (odd; 0: no tuning)', parseIntegerOption('--tuning-points', 0, 99), d.tuning === false ? 0 : d.tuning.points)
    .option('--tuning-tasks <which>', 'tasks the final tuning covers: all, or held-out (the validation tasks only, where the verdict is decided)', parseChoiceOption('--tuning-tasks', ['all', 'held-out'] as const))
    .option('--final-seeds <n>', 'fresh seeds of the final test comparison', parseIntegerOption('--final-seeds', 0, 100), d.finalSeeds)
    .option('--hall-of-fame <n>', 'size of the hall of fame', parseIntegerOption('--hall-of-fame', 1, 1000), d.hallOfFame)
    .option('--queue <url>', 'run the jobs on the workers of a Redis queue: redis://[user:password@]host:port[/db], rediss:// for TLS (docs/distributed.md)')
    .option('--config <file>', 'a campaign config, JSON or JSON with comments ("autolr init" writes one with every field); flags given override it')
    .option('--resume <dir>', 'continue the campaign in this folder from its last checkpoint')
    .option('--runs <dir>', 'folder holding campaign folders', 'runs')
    .option('--dry-run', 'print the resolved config, the seeded rules and the cost in training runs; train nothing, write nothing')
    .option('--measure', 'with --dry-run: time one run of each task per fidelity on this machine and estimate each stage\'s time')
    .option('--json', 'print the summary (or the dry run) as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolr evolve --task mnist-mlp --variant dlr',
        '  autolr evolve --task helmholtz-250,helmholtz-500 --variant dlr --population 12 --generations 5 --name pinn-a',
        '  autolr evolve --task mnist-mlp --variant alr --seeds adam,rmsprop,ades --workers 2 --seed 7',
        '  autolr evolve --task mnist-mlp --validation fashion-mnist-mlp,fashion-mnist-cnn --tuning-points 7 --final-seeds 5',
        '  autolr evolve --task helmholtz-250,helmholtz-750 --validation helmholtz-500,helmholtz-1000 --tuning-tasks held-out',
        '  autolr evolve --task mnist-mlp --grammar dlr-shape --seeds linear_decay,cosine,rex',
        '  autolr init && autolr evolve --config campaign.jsonc --dry-run',
        '  autolr evolve --config campaign.jsonc',
        '  autolr evolve --resume runs/pinn-a',
        '  autolr evolve --task mnist-mlp --queue redis://:secret@10.0.0.5:6379 --name wide   # workers: autolr worker --queue …',
      ].join('\n'),
    )
    .action(async (all: EvolveOptions, command: Command) => {
      // Only the flags the user gave count: one left at its default neither overrides the config file nor is refused on --resume.
      const options = Object.fromEntries(Object.entries(all).filter(([k]) => k === 'runs' || command.getOptionValueSource(k) !== 'default')) as EvolveOptions;
      const { config, runsDir, resume, queueUrl } = buildConfig(options, err);
      if (options.measure === true && options.dryRun !== true) throw new UsageError('--measure goes with --dry-run');
      if (options.dryRun) {
        const measured = options.measure === true ? await measureStages(config, err) : undefined;
        out(dryRun(config, runsDir, options.json === true, measured));
        return;
      }
      // A complete campaign only shows its results: no backend, no workers, nothing written.
      const completed = resume ? completedCampaign(config, runsDir) : undefined;
      if (completed) {
        err(`campaign ${config.name} is already complete`);
        out(options.json ? JSON.stringify(completed, null, 2) : formatSummary(completed));
        return;
      }
      campaignTasks(config);
      for (const w of oracleWarnings(config)) err(`warning: ${w}`);
      await initBackend(config.backend);
      // Before any folder is written or worker started: a task whose data cannot load ends here, with the loader's message.
      await checkCampaignTasksLoad(config);
      const pool = await openCampaignEvaluator(config, queueUrl, err);
      const display = progressDisplay(err);
      const dir = join(runsDir, config.name);
      const shownDir = displayPath(dir);
      // Ctrl-C: every checkpoint is complete on disk (written atomically) and resuming reruns the
      // interrupted generation identically, so stopping at once loses nothing but that generation's time.
      const onInterrupt = (): void => {
        display.stop();
        err(`\ninterrupted: ${shownDir} keeps its last checkpoint. Resume with:\n  autolr evolve --resume ${shownDir}`);
        process.exit(130);
      };
      process.once('SIGINT', onInterrupt);
      let summary: CampaignSummary;
      try {
        const runners = config.queue !== undefined ? `the workers of ${config.queue}` : `${config.workers} worker(s)`;
        err(`campaign ${config.name}: ${config.variant} rules on ${config.tasks.join(' + ')}, population ${config.population}, ${config.generations} generations, ${runners}`);
        summary = await runCampaign(config, { runsDir, resume, evaluator: pool, log: (line) => display.log(line), onProgress: (p) => display.update(p) });
      } finally {
        display.stop();
        process.removeListener('SIGINT', onInterrupt);
        await pool.close();
      }
      out(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    });
}

/** The config, and the queue address with its password (the config holds it redacted). */
function buildConfig(options: EvolveOptions, err: (s: string) => void): { config: CampaignConfig; runsDir: string; resume: boolean; queueUrl?: string } {
  if (options.resume) {
    // Resuming keeps the campaign's own settings: a flag that would change one is refused, not ignored.
    const ignored = Object.entries(options)
      .filter(([k, v]) => v !== undefined && !['resume', 'workers', 'backend', 'queue', 'runs', 'json'].includes(k) && !(k === 'multiFidelity' && v === true) && !(k === 'cache' && v === true))
      .map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (ignored.length > 0) {
      throw new UsageError(`--resume continues a campaign with its own settings; only --workers, --backend and --queue may change, not ${ignored.join(', ')}`);
    }
    const dir = resolve(options.resume);
    // The folder holds the queue's address redacted: the address comes again from the command line, or the campaign resumes on the local pool.
    const { queue: savedQueue, ...saved } = new CampaignStore(options.resume).rawConfig() as Record<string, unknown>;
    if (savedQueue !== undefined && options.queue === undefined) err(`this campaign ran on the queue ${String(savedQueue)}; it resumes on the local pool (give --queue with the address to use the queue)`);
    const overrides: Record<string, unknown> = {};
    if (options.workers !== undefined) overrides.workers = options.workers;
    if (options.backend !== undefined) overrides.backend = options.backend;
    if (options.queue !== undefined) overrides.queue = options.queue;
    const config = safeResolve({ ...saved, ...overrides, name: basename(dir) });
    return { config, runsDir: displayPath(dirname(dir)), resume: true, ...(options.queue !== undefined ? { queueUrl: options.queue } : {}) };
  }
  const fromFile: Record<string, unknown> = options.config ? readConfigFile(options.config) : {};
  const flags: Record<string, unknown> = {};
  if (options.task !== undefined) flags.tasks = options.task;
  if (options.variant !== undefined) flags.variant = options.variant;
  if (options.population !== undefined) flags.population = options.population;
  if (options.generations !== undefined) flags.generations = options.generations;
  if (options.seed !== undefined) flags.seed = options.seed;
  if (options.workers !== undefined) flags.workers = options.workers;
  if (options.name !== undefined) flags.name = options.name;
  if (options.seeds !== undefined) flags.seeds = options.seeds;
  if (options.optimizer !== undefined) flags.optimizer = options.optimizer;
  if (options.grammar !== undefined) flags.grammar = options.grammar;
  if (options.backend !== undefined) flags.backend = options.backend;
  if (options.multiFidelity === false) flags.multiFidelity = false;
  if (options.cache === false) flags.cache = false;
  if (options.dataDir !== undefined) flags.dataDir = options.dataDir;
  if (options.budgets !== undefined) flags.budgets = options.budgets;
  if (options.timeLimit !== undefined) flags.timeLimit = options.timeLimit;
  if (options.validation !== undefined) flags.validation = { tasks: options.validation.split(',').map((t) => t.trim()).filter((t) => t !== '') };
  if (options.tuningPoints !== undefined) flags.tuning = options.tuningPoints === 0 ? false : { ...(typeof fromFile.tuning === 'object' ? fromFile.tuning : {}), points: options.tuningPoints };
  if (options.tuningTasks !== undefined) {
    const tuning = flags.tuning ?? fromFile.tuning;
    if (tuning === false) throw new UsageError('--tuning-tasks chooses where the final tuning runs, and tuning is off (--tuning-points 0 or "tuning": false)');
    flags.tuning = { ...(typeof tuning === 'object' && tuning !== null ? tuning : {}), tasks: options.tuningTasks };
  }
  if (options.finalSeeds !== undefined) flags.finalSeeds = options.finalSeeds;
  if (options.hallOfFame !== undefined) flags.hallOfFame = options.hallOfFame;
  if (options.queue !== undefined) flags.queue = options.queue;
  const merged = { ...fromFile, ...flags };
  if (merged.tasks === undefined) throw new UsageError('give --task (or "tasks" in --config); see "autolr list tasks"');
  const queueUrl = typeof merged.queue === 'string' ? merged.queue : undefined;
  // As the user can type it: the store's own messages ("resume it with --resume …") name folders under it.
  return { config: safeResolve(merged), runsDir: displayPath(options.runs), resume: false, ...(queueUrl !== undefined ? { queueUrl } : {}) };
}

function safeResolve(raw: Record<string, unknown>): CampaignConfig {
  try {
    return resolveConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`config: ${e.message}`);
    throw e;
  }
}

/** "" without failures; else why the runs failed, most frequent reason first. */
function failureText(s: CampaignSummary): string {
  const reasons = Object.entries(s.counters.failureReasons ?? {}).sort((a, b) => b[1] - a[1]);
  if (s.counters.failures === 0 || reasons.length === 0) return '';
  if (reasons.length === 1) return `\nevery one of the ${s.counters.failures} failed runs failed the same way: ${reasons[0]?.[0] ?? ''}`;
  return `\nfailed runs by reason: ${reasons.slice(0, 3).map(([r, n]) => `${n}× ${r}`).join('; ')}${reasons.length > 3 ? `; and ${reasons.length - 3} other reason(s)` : ''}`;
}

/** The summary; on a terminal its tables fit the terminal's width (`autolr hof DIR --wide` prints them in full). */
function formatSummary(s: CampaignSummary): string {
  const width = tableWidth({});
  const lines = [
    `campaign folder: ${displayPath(s.dir)}`,
    `evaluations: ${s.counters.evaluations} (cache hits ${s.counters.cacheHits}, promoted ${s.counters.promoted}, failures ${s.counters.failures}), ${(s.wallMs / 1000).toFixed(0)} s${failureText(s)}`,
    '',
    campaignVerdict(s).headline,
    '',
    formatHallOfFame(s.hallOfFame, s.bestBaseline, true, s.bestEvolved, width),
  ];
  if (s.baselines.length > 0) lines.push('', 'seeded baselines (full fidelity):', formatBaselines(s.baselines, s.hallOfFame[0], s.bestEvolved, width));
  const dir = displayPath(s.dir);
  lines.push('', `next: autolr report ${dir}   ·   autolr export ${dir} --format ts -o best.ts`);
  return lines.join('\n');
}

/** The campaign's tasks, search and held-out, with its budgets; a budget a task cannot take is the config's error. */
function campaignTasks(config: CampaignConfig): Task[] {
  return [...config.tasks, ...(config.validation?.tasks ?? [])].map((t) => {
    try {
      return lookupTask(t, budgetsFor(config, t));
    } catch (e) {
      if (e instanceof BudgetError) throw new UsageError(`config: ${e.message}`);
      throw e;
    }
  });
}

/** Loads every task's data once (after initBackend), so a missing dataset ends the command with the loader's message. */
async function checkCampaignTasksLoad(config: CampaignConfig): Promise<void> {
  for (const task of campaignTasks(config)) {
    await checkTaskLoads(task, { splitSeed: config.splitSeed, ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}) });
  }
}

/** Times one run per task and fidelity (measure-runs.ts) on the campaign's backend, after the checks a campaign makes first. */
async function measureStages(config: CampaignConfig, err: (s: string) => void): Promise<{ seconds: RunSeconds; backend: string; workers: number }> {
  campaignTasks(config);
  const backend = await initBackend(config.backend);
  await checkCampaignTasksLoad(config);
  return { seconds: await measureRunSeconds(config, backend.name, err), backend: backend.name, workers: config.workers };
}

/**
 * What the campaign would do, from every check a new campaign makes before
 * its folder exists (the folder is not created): the resolved config, the
 * seeded rules as the grammar derives them, and the cost in training runs.
 */
function dryRun(config: CampaignConfig, runsDir: string, json: boolean, measured?: { seconds: RunSeconds; backend: string; workers: number }): string {
  campaignTasks(config);
  const { seeds } = planCampaign(config, runsDir);
  const cost = campaignCost(config, seeds.length);
  const folder = join(runsDir, config.name);
  const seeded = seeds.map((s) => ({ baseline: s.origin.kind === 'seed' ? s.origin.baseline : s.id, rule: s.text }));
  if (json) {
    const time = measured && { backend: measured.backend, runSeconds: measured.seconds, stageSeconds: Object.fromEntries(cost.map((s) => [s.stage, stageSeconds(s, measured.seconds)])) };
    return JSON.stringify({ folder, config, seeds: seeded, cost, ...(time ? { time } : {}), warnings: oracleWarnings(config) }, null, 2);
  }
  const width = Math.max(0, ...seeded.map((s) => s.baseline.length));
  return [
    `dry run: nothing trained, nothing written; the campaign would write ${displayPath(folder)}`,
    '',
    'resolved config:',
    JSON.stringify(config, null, 2),
    '',
    `seeded rules (${seeds.length} of a population of ${config.population}; the rest are random derivations of ${config.grammar}):`,
    ...seeded.map((s) => `  ${s.baseline.padEnd(width)}  ${s.rule}`),
    '',
    ...oracleWarnings(config).flatMap((w) => [`warning: ${w}`, '']),
    formatCost(cost, measured),
  ].join('\n');
}

/** Signals the campaign's grammar can read that its tasks compute from an oracle (the PINN's exact solution). */
function oracleWarnings(config: CampaignConfig): string[] {
  const tasks = [...config.tasks, ...(config.validation?.tasks ?? [])];
  const reads = grammarOracleReads(loadGrammar(config.grammar, config.variant), tasks);
  const names = [...new Set(reads.flatMap((r) => r.signals))].join(' and ');
  const fix = ` To search without ${names}, write the grammar out (autolr grammar ${config.grammar} > no-oracle.bnf), delete them from it and give its path as "grammar".`;
  return oracleSentences(`the grammar ${config.grammar}`, reads, 'can read').map((s) => s + fix);
}
