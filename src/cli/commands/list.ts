/** `autolr list`: what the engine knows — baselines, grammars. */
import type { Command } from 'commander';
import { BASELINES } from '../../baselines/registry.js';
import { baselineRule } from '../../baselines/registry.js';
import { builtinGrammars, loadGrammar } from '../../grammar/bnf.js';
import { describeParams, resolveParams } from '../../baselines/params.js';
import { addWidthOptions, renderTable, tableWidth, type WidthOptions } from '../table.js';
import { TASKS } from '../../tasks/registry.js';
import { parseChoiceOption } from '../options.js';
import { DEFAULT_GRAMMARS } from '../../evolution/config.js';

const SUBJECTS = ['baselines', 'grammars', 'tasks'] as const;

interface ListOptions extends WidthOptions {
  variant?: 'dlr' | 'alr';
  rules?: boolean;
  json?: boolean;
}

export function registerList(program: Command, out: (s: string) => void): void {
  const command = program
    .command('list')
    .description('list what the engine knows: baselines, grammars or tasks')
    .argument('<what>', SUBJECTS.join(' | '), parseChoiceOption('<what>', SUBJECTS))
    .option('--variant <variant>', 'only dlr (schedules) or alr (optimizers)', parseChoiceOption('--variant', ['dlr', 'alr'] as const))
    .option('--rules', 'also print each baseline\'s seed rule text, description and reference')
    .option('--json', 'print as JSON');
  addWidthOptions(command)
    .addHelpText(
      'after',
      '\nOn a terminal the table fits its width, long text cut with "…"; in a pipe or a file every cell is printed in full.\n\nExamples:\n  autolr list baselines\n  autolr list baselines --variant alr --rules\n  autolr list grammars --json\n  autolr list tasks\n  autolr list tasks --wide',
    )
    .action((what: (typeof SUBJECTS)[number], options: ListOptions) => {
      out(what === 'baselines' ? listBaselines(options) : what === 'grammars' ? listGrammars(options) : listTasks(options));
    });
}

function listBaselines(options: ListOptions): string {
  const chosen = BASELINES.filter((b) => options.variant === undefined || b.variant === options.variant);
  if (options.json) {
    return JSON.stringify(
      chosen.map((b) => ({
        name: b.name,
        title: b.title,
        variant: b.variant,
        ...(b.variant === 'dlr' ? { granularity: b.granularity, optimizer: b.optimizer } : {}),
        description: b.description,
        reference: b.reference,
        params: Object.fromEntries(b.params.map((p) => [p.name, { default: p.default, description: p.description }])),
        rule: baselineRule(b).text,
      })),
      null,
      2,
    );
  }
  const rows = chosen.map((b) => [
    b.name,
    b.variant === 'dlr' ? `dlr, per ${b.granularity}, on ${b.optimizer}` : 'alr',
    describeParams(resolveParams(b)) || '-',
    b.title,
  ]);
  const table = renderTable(['name', 'kind', 'parameters (defaults)', 'what'], rows, { width: tableWidth(options), shrink: [2, 3] });
  if (!options.rules) return table;
  const details = chosen.map((b) => `${b.name}: ${b.description}\n  ${b.reference}\n  ${baselineRule(b).text}`);
  return `${table}\n\n${details.join('\n\n')}`;
}

function listGrammars(options: ListOptions): string {
  const grammars = builtinGrammars()
    .map((name) => {
      const g = loadGrammar(name);
      return { name, variant: g.variant, default: DEFAULT_GRAMMARS[g.variant] === name, maxDepth: g.maxDepth, initDepth: g.initDepth, nonterminals: g.nonterminals.length };
    })
    .filter((g) => options.variant === undefined || g.variant === options.variant);
  if (options.json) return JSON.stringify(grammars, null, 2);
  return renderTable(
    ['name', 'variant', 'default', 'max depth', 'init depth', 'nonterminals'],
    grammars.map((g) => [g.name, g.variant, g.default ? 'yes' : '', g.maxDepth, g.initDepth, g.nonterminals]),
    { width: tableWidth(options) },
  );
}

function listTasks(options: ListOptions): string {
  if (options.json) {
    return JSON.stringify(
      TASKS.map((t) => ({ name: t.name, kind: t.kind, description: t.description, score: t.scoreDescription, budgets: t.budgets })),
      null,
      2,
    );
  }
  return renderTable(
    ['name', 'kind', 'cheap', 'full', 'what'],
    TASKS.map((t) => [t.name, t.kind, t.budgets.cheap.summary, t.budgets.full.summary, t.description]),
    { width: tableWidth(options), shrink: [2, 3, 4] },
  );
}
