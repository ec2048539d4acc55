/**
 * `autolr eval`: one fitness run — train a task's network under a rule and
 * print its scores, curves and why it stopped, if it did.
 */
import type { Command } from 'commander';
import type { Variant } from '../../grammar/ast.js';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../../evaluator/backend.js';
import { DEFAULT_LR0 } from '../../evaluator/lr0.js';
import { driverFor, train, type TrainResult } from '../../evaluator/train.js';
import type { BaseOptimizer } from '../../baselines/types.js';
import { lookupTask, TASKS } from '../../tasks/registry.js';
import { FIDELITIES, type Fidelity } from '../../tasks/task.js';
import { parseBudgetsOption, parseChoiceOption, parseIntegerOption, parsePositiveNumberOption } from '../options.js';
import type { BudgetOverride } from '../../tasks/budgets.js';
import { resolveRuleOfAnyVariant, type RuleArgument } from '../rule-argument.js';
import { renderTable } from '../table.js';
import { BASE_OPTIMIZERS } from '../../schedule/base-optimizer.js';

/** Re-exported: other commands take the same --backend choices. */
export { BACKEND_CHOICES };

interface EvalOptions {
  rule: string;
  params?: string;
  variant?: Variant;
  task: string;
  fidelity: Fidelity;
  seed: number;
  optimizer?: BaseOptimizer;
  lr0?: number;
  backend: BackendChoice;
  dataDir?: string;
  splitSeed: number;
  budgets?: BudgetOverride;
  json?: boolean;
}

export function registerEval(program: Command, out: (s: string) => void): void {
  program
    .command('eval')
    .description('train a task under one rule and print its score (one fitness run)')
    .requiredOption('--rule <rule>', 'a baseline name (see "autolr list baselines") or rule text')
    .option('--params <json>', 'baseline parameters as JSON')
    .option('--variant <variant>', 'read rule text as dlr or alr (default: whichever parses)', parseChoiceOption('--variant', ['dlr', 'alr'] as const))
    .requiredOption('--task <task>', `one of: ${TASKS.map((t) => t.name).join(', ')}`)
    .option('--fidelity <fidelity>', 'cheap or full budget', parseChoiceOption('--fidelity', FIDELITIES), 'cheap')
    .option('--seed <n>', 'run seed (initial weights, shuffling, dropout, random rule terms)', parseIntegerOption('--seed', 0, 2 ** 31 - 1), 0)
    .option('--optimizer <name>', 'base optimizer a schedule drives (default: the baseline\'s own, else adam)', parseChoiceOption('--optimizer', BASE_OPTIMIZERS))
    .option('--lr0 <rate>', `initial learning rate (default: ${Object.entries(DEFAULT_LR0).map(([k, v]) => `${k} ${v}`).join(', ')})`, parsePositiveNumberOption('--lr0'))
    .option('--backend <backend>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, parseChoiceOption('--backend', BACKEND_CHOICES), 'auto')
    .option('--data-dir <dir>', 'folder with dataset files (Fashion-MNIST, CIFAR-10)')
    .option('--split-seed <n>', 'seed of the train/fitness split', parseIntegerOption('--split-seed', 0, 2 ** 31 - 1), 0)
    .option('--budgets <json>', 'budget fields changed from the task\'s own, by fidelity, as a campaign config\'s "budgets"', parseBudgetsOption('--budgets'))
    .option('--json', 'print the full result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolr eval --rule dlrs --task helmholtz-500',
        '  autolr eval --rule clr_triangular --params \'{"step_size": 100}\' --task mnist-cnn --fidelity full --seed 3',
        '  autolr eval --rule "epoch: lr0 * pow(0.9, epoch)" --task mnist-mlp --optimizer sgd --lr0 0.1',
        '  autolr eval --rule adam --task synthetic --json',
        '  autolr eval --rule dlrs --task helmholtz-1000 --fidelity full --budgets \'{"full": {"epochs": 150}}\'',
      ].join('\n'),
    )
    .action(async (options: EvalOptions) => {
      const arg = resolveRuleOfAnyVariant(options.rule, options.variant, options.params);
      const task = lookupTask(options.task, options.budgets);
      const backend = await initBackend(options.backend);
      const optimizer = options.optimizer ?? (arg.baseline?.entry.variant === 'dlr' ? arg.baseline.entry.optimizer : 'adam');
      const result = await train(driverFor(arg.rule, optimizer), task, {
        fidelity: options.fidelity,
        seed: options.seed,
        ...(options.lr0 !== undefined ? { lr0: options.lr0 } : {}),
        taskOptions: { splitSeed: options.splitSeed, ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}) },
        backend: backend.name,
      });
      out(options.json ? JSON.stringify({ rule: arg.text, optimizer: arg.rule.variant === 'dlr' ? optimizer : undefined, ...result }, null, 2) : format(result, arg, arg.rule.variant === 'dlr' ? optimizer : undefined));
    });
}

function format(r: TrainResult, arg: RuleArgument, optimizer: string | undefined): string {
  const lines = [
    `rule:      ${arg.text}${optimizer ? `  (on ${optimizer})` : ''}`,
    `task:      ${r.task}, ${r.fidelity} fidelity, seed ${r.seed}, backend ${r.backend}`,
    ...(r.adapter
      ? [`adapter:   ${[r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter((x) => x !== '').join(' / ')}${r.adapter.software ? ' (software rasterizer)' : ''}`]
      : []),
    `score:     ${r.score}${r.stopped ? `  (floor: stopped early)` : ''}`,
    `fitness:   ${Object.entries(r.fitness).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`,
    `test:      ${Object.entries(r.test).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`,
    `run:       ${r.epochs} epochs, ${r.steps} steps, ${(r.wallMs / 1000).toFixed(1)} s`,
  ];
  if (r.stopped) lines.push(`stopped:   ${r.stopped.reason} at epoch ${r.stopped.epoch}, step ${r.stopped.step}: ${r.stopped.detail}`);
  const rows = r.curves.loss.map((loss, i) => [
    i,
    loss.toPrecision(5),
    (r.curves.acc[i] as number).toFixed(4),
    (r.curves.lr[i] as number).toPrecision(4),
    ...(r.curves.acceptance ? [`${r.curves.acceptance[i]?.kept ?? 0}/${r.curves.acceptance[i]?.tried ?? 0}`] : []),
  ]);
  lines.push('', renderTable(['epoch', 'loss', 'acc', 'lr', ...(r.curves.acceptance ? ['kept'] : [])], rows));
  return lines.join('\n');
}
