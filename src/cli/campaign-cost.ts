/**
 * What a campaign will cost, in training runs per stage, from its config
 * alone (`autolr evolve --dry-run`). The counts follow the campaign's stages
 * (docs/campaigns.md): the search (scorer.ts: every candidate cheap on every
 * task, the seeds and those above the hurdle also at full fidelity),
 * the final re-scoring (rescoring.ts) and the equal tuning (tuning.ts).
 * Search counts are estimates — the hurdle's pass rate is its quantile's, and
 * cache hits make them fewer; the final stages' are upper bounds (a rule in
 * several lists trains once). Time is estimated only from runs measured on
 * this machine and backend (`evolve --dry-run --measure`, measure-runs.ts):
 * every stage's runs per task times that task's measured run.
 */
import type { CampaignConfig } from '../evolution/config.js';

export interface StageCost {
  readonly stage: 'references' | 'search' | 're-scoring' | 'tuning';
  /** The tasks the stage trains on; each gets an equal share of its runs. */
  readonly tasks: readonly string[];
  readonly cheapRuns: number;
  readonly fullRuns: number;
  /** How the count is made, in words. */
  readonly how: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Candidates the strategy asks for after the first generation (strategy.ts: the elites, or regularized batches of half the population). */
function laterCandidates(config: CampaignConfig): number {
  return config.mode === 'generational' ? config.population - config.elites : Math.max(1, Math.floor(config.population / 2));
}

export function campaignCost(config: CampaignConfig, seeded: number): StageCost[] {
  const tasks = config.tasks.length;
  const heldOut = config.validation?.tasks.length ?? 0;
  const stages: StageCost[] = [];
  if (tasks > 1) {
    stages.push({ stage: 'references', tasks: config.tasks, cheapRuns: config.multiFidelity ? tasks : 0, fullRuns: tasks * config.fitnessSeeds, how: `the reference ${config.reference} once per task and fidelity, to normalise the scores` });
  }
  const candidates = config.population + (config.generations - 1) * laterCandidates(config);
  // Full-fidelity fitness at the best of several starting rates trains each full candidate once per rate.
  const rates = config.fitnessRates?.points ?? 1;
  const cheapRates = config.fitnessRates?.cheap ? rates : 1;
  const centred = config.fitnessRates?.centre === undefined ? '' : ` around ${config.fitnessRates.centre}·lr0`;
  const atRates = rates > 1 ? `, each ${cheapRates > 1 ? 'run' : 'full one'} at ${rates} rates${centred}` : '';
  const pass = 1 - config.hurdleQuantile;
  if (config.multiFidelity) {
    const promoted = Math.round(seeded + pass * (config.population - seeded) + pass * (config.generations - 1) * laterCandidates(config));
    stages.push({
      stage: 'search',
      tasks: config.tasks,
      cheapRuns: candidates * tasks * cheapRates,
      fullRuns: promoted * tasks * config.fitnessSeeds * rates,
      how: `${plural(candidates, 'candidate')} over ${plural(config.generations, 'generation')}, each cheap on ${plural(tasks, 'task')}; about ${promoted} (the seeds and ${Math.round(pass * 100)} % of the rest) also full${atRates}`,
    });
  } else {
    stages.push({ stage: 'search', tasks: config.tasks, cheapRuns: 0, fullRuns: candidates * tasks * config.fitnessSeeds * rates, how: `${plural(candidates, 'candidate')} over ${plural(config.generations, 'generation')}, each full on ${plural(tasks, 'task')}${atRates}` });
  }
  const finalists = config.hallOfFame + 1 + (config.rescoreBaselines === 'all' ? seeded : Math.min(1, seeded));
  if (config.finalSeeds > 0) {
    stages.push({
      stage: 're-scoring',
      tasks: config.tasks,
      cheapRuns: 0,
      fullRuns: finalists * tasks * config.finalSeeds,
      how: `at most ${plural(finalists, 'rule')} (hall of fame, best evolved, baselines) × ${plural(tasks, 'task')} × ${plural(config.finalSeeds, 'fresh seed')}`,
    });
  }
  if (config.tuning !== false && config.finalSeeds > 0) {
    const perTask = config.tuning.points + config.finalSeeds;
    const tuned = [...(config.tuning.tasks === 'held-out' ? [] : config.tasks), ...(config.validation?.tasks ?? [])];
    const where = config.tuning.tasks === 'held-out' ? ' (held out only)' : heldOut > 0 ? ` (${heldOut} held out)` : '';
    stages.push({
      stage: 'tuning',
      tasks: tuned,
      cheapRuns: 0,
      fullRuns: finalists * tuned.length * perTask,
      how: `at most ${plural(finalists, 'rule')} × ${plural(tuned.length, 'task')}${where} × (${plural(config.tuning.points, 'rate')} + ${plural(config.finalSeeds, 'seed')})`,
    });
  }
  return stages;
}

/** Seconds one run takes on this machine and backend, by task: at the cheap fidelity (when the campaign uses it) and the full one. */
export type RunSeconds = Readonly<Record<string, { readonly cheap?: number; readonly full: number }>>;

/** A stage's training time in seconds on one worker: its runs per task times that task's measured run. */
export function stageSeconds(stage: StageCost, seconds: RunSeconds): number {
  let total = 0;
  for (const task of stage.tasks) {
    const run = seconds[task];
    if (run === undefined) throw new Error(`no measured run for task ${task}`);
    total += (stage.cheapRuns / stage.tasks.length) * (run.cheap ?? run.full) + (stage.fullRuns / stage.tasks.length) * run.full;
  }
  return total;
}

const minutes = (s: number): string => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export function formatCost(stages: readonly StageCost[], measured?: { seconds: RunSeconds; backend: string; workers: number }): string {
  const cheap = stages.reduce((a, s) => a + s.cheapRuns, 0);
  const full = stages.reduce((a, s) => a + s.fullRuns, 0);
  const runs = (s: { cheapRuns: number; fullRuns: number }): string => [s.cheapRuns > 0 ? `${s.cheapRuns} cheap` : '', s.fullRuns > 0 ? `${s.fullRuns} full` : ''].filter((p) => p !== '').join(' + ') || '0';
  const lines = [
    'cost, in training runs (search: an estimate, fewer with cache hits; final stages: at most):',
    ...stages.map((s) => `  ${s.stage.padEnd(11)} ${runs(s).padEnd(20)} ${s.how}`),
    `  ${'total'.padEnd(11)} ${runs({ cheapRuns: cheap, fullRuns: full })}`,
  ];
  if (measured === undefined) {
    lines.push('time: add --measure to time one run per task and fidelity on this machine and estimate each stage');
    return lines.join('\n');
  }
  const { seconds, backend, workers } = measured;
  const perStage = stages.map((s) => stageSeconds(s, seconds));
  const total = perStage.reduce((a, b) => a + b, 0);
  lines.push(
    '',
    `time, from one measured run of each task on ${backend} (${Object.entries(seconds)
      .map(([t, r]) => `${t}: ${r.cheap !== undefined ? `cheap ${r.cheap.toFixed(1)} s, ` : ''}full ${r.full.toFixed(1)} s`)
      .join('; ')}):`,
    ...stages.map((s, i) => `  ${s.stage.padEnd(11)} ${minutes(perStage[i] as number)} of training`),
    `  ${'total'.padEnd(11)} ${minutes(total)} on one worker; with ${workers} workers, ${minutes(total / Math.max(1, workers))} if they scale perfectly, which they do only on free cores`,
    '(an upper bound for the final stages and an estimate for the search; run times vary with the rule and with the machine\'s load)',
  );
  return lines.join('\n');
}
