/**
 * `autolr baselines`: scores every baseline of a variant on a task, so a user
 * can see what evolution has to beat.
 */
import type { Command } from 'commander';
import { baselineRule, baselinesOf } from '../../baselines/registry.js';
import { EvaluatorPool } from '../../evaluator/pool.js';
import type { EvalOutcome } from '../../evaluator/job.js';
import type { BudgetOverride } from '../../tasks/budgets.js';
import { FIDELITIES, type Fidelity } from '../../tasks/task.js';
import type { BackendChoice } from '../../evaluator/backend.js';
import { parseBudgetsOption, parseChoiceOption, parseIntegerOption } from '../options.js';
import { addWidthOptions, renderTable, tableWidth, type WidthOptions } from '../table.js';
import { BACKEND_CHOICES, initBackend } from '../../evaluator/backend.js';
import { checkTaskLoads, lookupTask } from '../../tasks/registry.js';
import { BASE_OPTIMIZERS, type BaseOptimizer } from '../../schedule/base-optimizer.js';

interface BaselinesOptions extends WidthOptions {
  task: string;
  variant: 'dlr' | 'alr';
  fidelity: Fidelity;
  seed: number;
  workers: number;
  backend: BackendChoice;
  optimizer?: BaseOptimizer;
  dataDir?: string;
  budgets?: BudgetOverride;
  json?: boolean;
}

export function registerBaselines(program: Command, out: (s: string) => void): void {
  const command = program
    .command('baselines')
    .description('score every baseline of a variant on a task (what evolution has to beat)')
    .requiredOption('--task <task>', 'the task (see "autolr list tasks")')
    .option('--variant <variant>', 'dlr (schedules) or alr (optimizers)', parseChoiceOption('--variant', ['dlr', 'alr'] as const), 'dlr')
    .option('--fidelity <fidelity>', 'cheap or full budget', parseChoiceOption('--fidelity', FIDELITIES), 'cheap')
    .option('--seed <n>', 'training seed', parseIntegerOption('--seed', 0, 2 ** 31 - 1), 0)
    .option('--workers <n>', 'worker threads (0: this thread)', parseIntegerOption('--workers', 0, 256), 2)
    .option('--optimizer <name>', 'run every schedule on this base optimizer instead of its paper\'s', parseChoiceOption('--optimizer', BASE_OPTIMIZERS))
    .option('--backend <backend>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, parseChoiceOption('--backend', BACKEND_CHOICES), 'auto')
    .option('--data-dir <dir>', 'folder with dataset files')
    .option('--budgets <json>', 'budget fields changed from the task\'s own, by fidelity, as a campaign config\'s "budgets"', parseBudgetsOption('--budgets'))
    .option('--json', 'print as JSON');
  addWidthOptions(command)
    .addHelpText('after', '\nOn a terminal the table fits its width, long text cut with "…"; in a pipe or a file every cell is printed in full.\n\nExamples:\n  autolr baselines --task mnist-mlp\n  autolr baselines --task synthetic --variant alr --fidelity full --json\n  autolr baselines --task helmholtz-1000 --budgets \'{"cheap": {"epochs": 20}}\'')
    .action(async (options: BaselinesOptions) => {
      const task = lookupTask(options.task, options.budgets);
      await initBackend(options.backend);
      await checkTaskLoads(task, { splitSeed: 0, ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}) });
      const pool = await EvaluatorPool.create({ workers: options.workers, backend: options.backend, timeLimitMs: 3_600_000 });
      const entries = baselinesOf(options.variant).map((b) => ({ b, ...baselineRule(b) }));
      let outcomes: EvalOutcome[];
      try {
        outcomes = await Promise.all(
          entries.map(({ b, text }) =>
            pool.evaluate({
              ruleText: text,
              variant: b.variant,
              optimizer: options.optimizer ?? (b.variant === 'dlr' ? b.optimizer : 'adam'),
              task: options.task,
              fidelity: options.fidelity,
              seed: options.seed,
              splitSeed: 0,
              ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
              ...(options.budgets !== undefined ? { budgets: options.budgets } : {}),
            }),
          ),
        );
      } finally {
        await pool.close();
      }
      const results = entries
        .map(({ b, text }, i) => {
          const o = outcomes[i] as EvalOutcome;
          return o.ok
            ? { name: b.name, score: o.result.score, test: o.result.test, stopped: o.result.stopped?.reason ?? null, wallMs: o.result.wallMs, rule: text }
            : { name: b.name, score: 0, test: {}, stopped: `${o.reason}: ${o.detail}`, wallMs: 0, rule: text };
        })
        .sort((a, b) => b.score - a.score);
      if (options.json) {
        out(JSON.stringify({ task: options.task, fidelity: options.fidelity, seed: options.seed, baselines: results }, null, 2));
        return;
      }
      out(
        renderTable(
          ['rank', 'baseline', 'score', 'test', 'stopped', 'time', 'rule'],
          results.map((r, i) => [
            i + 1,
            r.name,
            r.score.toFixed(4),
            Object.entries(r.test).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ') || '-',
            r.stopped ?? '-',
            `${(r.wallMs / 1000).toFixed(1)} s`,
            r.rule,
          ]),
          { width: tableWidth(options), shrink: [3, 4, 6] },
        ),
      );
    });
}
