/**
 * What a campaign will cost, in training runs per stage, from its config
 * alone (`autolr evolve --dry-run`). The counts follow the campaign's stages
 * (docs/campaigns.md): the search (scorer.ts: every candidate cheap on every
 * task, the seeds and those above the hurdle also at full fidelity),
 * the final re-scoring (rescoring.ts) and the equal tuning (tuning.ts).
 * Search counts are estimates — the hurdle's pass rate is its quantile's, and
 * cache hits make them fewer; the final stages' are upper bounds (a rule in
 * several lists trains once). No time is estimated: a run's time depends on
 * the machine and backend, and `autolr eval` measures one.
 */
import type { CampaignConfig } from '../evolution/config.js';

export interface StageCost {
  readonly stage: 'references' | 'search' | 're-scoring' | 'tuning';
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
    stages.push({ stage: 'references', cheapRuns: config.multiFidelity ? tasks : 0, fullRuns: tasks * config.fitnessSeeds, how: `the reference ${config.reference} once per task and fidelity, to normalise the scores` });
  }
  const candidates = config.population + (config.generations - 1) * laterCandidates(config);
  const pass = 1 - config.hurdleQuantile;
  if (config.multiFidelity) {
    const promoted = Math.round(seeded + pass * (config.population - seeded) + pass * (config.generations - 1) * laterCandidates(config));
    stages.push({
      stage: 'search',
      cheapRuns: candidates * tasks,
      fullRuns: promoted * tasks * config.fitnessSeeds,
      how: `${plural(candidates, 'candidate')} over ${plural(config.generations, 'generation')}, each cheap on ${plural(tasks, 'task')}; about ${promoted} (the seeds and ${Math.round(pass * 100)} % of the rest) also full`,
    });
  } else {
    stages.push({ stage: 'search', cheapRuns: 0, fullRuns: candidates * tasks * config.fitnessSeeds, how: `${plural(candidates, 'candidate')} over ${plural(config.generations, 'generation')}, each full on ${plural(tasks, 'task')}` });
  }
  const finalists = config.hallOfFame + 1 + (config.rescoreBaselines === 'all' ? seeded : Math.min(1, seeded));
  if (config.finalSeeds > 0) {
    stages.push({
      stage: 're-scoring',
      cheapRuns: 0,
      fullRuns: finalists * tasks * config.finalSeeds,
      how: `at most ${plural(finalists, 'rule')} (hall of fame, best evolved, baselines) × ${plural(tasks, 'task')} × ${plural(config.finalSeeds, 'fresh seed')}`,
    });
  }
  if (config.tuning !== false && config.finalSeeds > 0) {
    const perTask = config.tuning.points + config.finalSeeds;
    stages.push({
      stage: 'tuning',
      cheapRuns: 0,
      fullRuns: finalists * (tasks + heldOut) * perTask,
      how: `at most ${plural(finalists, 'rule')} × ${plural(tasks + heldOut, 'task')}${heldOut > 0 ? ` (${heldOut} held out)` : ''} × (${plural(config.tuning.points, 'rate')} + ${plural(config.finalSeeds, 'seed')})`,
    });
  }
  return stages;
}

export function formatCost(stages: readonly StageCost[]): string {
  const cheap = stages.reduce((a, s) => a + s.cheapRuns, 0);
  const full = stages.reduce((a, s) => a + s.fullRuns, 0);
  const runs = (s: { cheapRuns: number; fullRuns: number }): string => [s.cheapRuns > 0 ? `${s.cheapRuns} cheap` : '', s.fullRuns > 0 ? `${s.fullRuns} full` : ''].filter((p) => p !== '').join(' + ') || '0';
  return [
    'cost, in training runs (search: an estimate, fewer with cache hits; final stages: at most):',
    ...stages.map((s) => `  ${s.stage.padEnd(11)} ${runs(s).padEnd(20)} ${s.how}`),
    `  ${'total'.padEnd(11)} ${runs({ cheapRuns: cheap, fullRuns: full })}`,
    'time is not estimated: it depends on the machine and backend; "autolr eval --rule constant --task TASK --fidelity full" times one full run',
  ].join('\n');
}
