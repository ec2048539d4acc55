/**
 * `autolr init`: writes a commented campaign config (JSONC) holding every
 * field with its default, to edit and run with `autolr evolve --config`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Variant } from '../../grammar/ast.js';
import { lookupTask } from '../../tasks/registry.js';
import { configTemplate } from '../config-file.js';
import { UsageError } from '../errors.js';
import { parseChoiceOption } from '../options.js';
import { displayPath } from '../paths.js';

interface InitOptions {
  variant: Variant;
  task: string;
  output: string;
  force?: boolean;
}

export function registerInit(program: Command, out: (s: string) => void): void {
  program
    .command('init')
    .description('write a commented campaign config with every field and its default (run it with "autolr evolve --config FILE")')
    .option('--variant <variant>', 'dlr (schedules) or alr (optimizers)', parseChoiceOption('--variant', ['dlr', 'alr'] as const), 'dlr')
    .option('--task <tasks>', 'task, or several separated by commas (see "autolr list tasks")', 'mnist-mlp')
    .option('-o, --output <file>', 'where to write it; "-" prints it', 'campaign.jsonc')
    .option('--force', 'replace the file if it exists')
    .addHelpText(
      'after',
      [
        '',
        'The file is JSON with comments (JSONC), which "autolr evolve --config" reads as it is.',
        '',
        'Examples:',
        '  autolr init',
        '  autolr init --variant alr --task mnist-mlp,fashion-mnist-mlp -o alr.jsonc',
        '  autolr init -o - | less',
      ].join('\n'),
    )
    .action((options: InitOptions) => {
      const tasks = options.task.split(',').map((t) => t.trim()).filter((t) => t !== '');
      if (tasks.length === 0) throw new UsageError('--task must name at least one task (see "autolr list tasks")');
      for (const t of tasks) lookupTask(t, undefined);
      const text = configTemplate(options.variant, tasks);
      if (options.output === '-') {
        out(text.trimEnd());
        return;
      }
      if (existsSync(options.output) && !options.force) throw new UsageError(`${options.output} exists; choose another -o, or replace it with --force`);
      writeFileSync(options.output, text);
      const shown = displayPath(options.output);
      out(`wrote ${shown}\nsee what it would do: autolr evolve --config ${shown} --dry-run\nrun it:               autolr evolve --config ${shown}`);
    });
}
