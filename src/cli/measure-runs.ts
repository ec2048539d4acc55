/**
 * Times one training run of each task a campaign trains on, at each fidelity
 * it uses, on this machine and backend: what `evolve --dry-run --measure`
 * multiplies the stages' run counts by (campaign-cost.ts). The rule is the
 * plainest of the variant (`constant` on the campaign's base optimizer;
 * `adam` for optimizers): an evolved rule's cost per step is close to it, the
 * training itself being the bulk.
 */
import { driverFor, train } from '../evaluator/train.js';
import { baselineRule, getBaseline } from '../baselines/registry.js';
import { budgetsFor, type CampaignConfig } from '../evolution/config.js';
import { lookupTask } from '../tasks/registry.js';
import type { Fidelity } from '../tasks/task.js';
import type { RunSeconds } from './campaign-cost.js';

export async function measureRunSeconds(config: CampaignConfig, backend: string, log: (line: string) => void): Promise<RunSeconds> {
  const { rule } = baselineRule(getBaseline(config.variant === 'dlr' ? 'constant' : 'adam'));
  const driver = driverFor(rule, config.optimizer);
  const taskOptions = { splitSeed: config.splitSeed, ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}) };
  const timed = async (task: string, fidelity: Fidelity): Promise<number> => {
    const started = performance.now();
    await train(driver, lookupTask(task, budgetsFor(config, task)), { fidelity, seed: config.seed, taskOptions, backend, ...(config.lr0 !== undefined ? { lr0: config.lr0 } : {}) });
    return (performance.now() - started) / 1000;
  };
  const seconds: Record<string, { cheap?: number; full: number }> = {};
  for (const task of [...config.tasks, ...(config.validation?.tasks ?? [])]) {
    // The first run of a task also loads its data, which a worker does once: it is not counted.
    log(`measuring ${task}: loading its data with one cheap run`);
    await timed(task, 'cheap');
    const cheap = config.multiFidelity ? await timed(task, 'cheap') : undefined;
    log(`measuring ${task}: one full run`);
    const full = await timed(task, 'full');
    seconds[task] = { ...(cheap !== undefined ? { cheap } : {}), full };
  }
  return seconds;
}
