/**
 * `autolr export`: writes a hall-of-fame rule (or a baseline / rule text) as
 * code for TensorFlow.js (TypeScript or JavaScript) or Python (Keras, PyTorch).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { displayPath } from '../paths.js';
import type { Rule, Variant } from '../../grammar/ast.js';
import { parseRule, RuleSyntaxError } from '../../grammar/parser.js';
import type { HallOfFameEntry } from '../../evolution/records.js';
import { readResultsFile } from '../../evolution/store.js';
import type { ExportInfo } from '../../export/header.js';
import { EXPORT_FORMATS, exportRule, type ExportFormat } from '../../export/targets.js';
import { DEFAULT_LR0 } from '../../evaluator/lr0.js';
import { oracleReads, oracleSentences } from '../../tasks/oracle-signals.js';
import { UsageError } from '../errors.js';
import { parseChoiceOption, parseIntegerOption, parsePositiveNumberOption } from '../options.js';
import { resolveRuleOfAnyVariant } from '../rule-argument.js';

interface ExportOptions {
  rule?: string;
  variant?: Variant;
  lr0?: number;
  params?: string;
  rank?: number;
  id?: string;
  format: ExportFormat;
  output?: string;
}

/** Picks the entry of a campaign's hall of fame by rank (1-based, default 1) or id. */
export function campaignRule(dir: string, options: { rank?: number; id?: string }): { rule: Rule; info: ExportInfo; lr0?: number } {
  const hof = readResultsFile(dir);
  const entries = hof.hallOfFame;
  const variant: Variant = hof.config?.variant ?? 'dlr';
  let entry: HallOfFameEntry | undefined;
  let rank: number | undefined;
  if (options.id !== undefined) {
    const i = entries.findIndex((e) => e.id === options.id);
    if (i >= 0) {
      entry = entries[i];
      rank = i + 1;
    } else {
      // Seeded baselines and the best evolved rule are exported from the campaign too, with the scores they got there.
      const others = [...hof.baselines, ...(hof.bestBaseline ? [hof.bestBaseline] : []), ...(hof.bestEvolved ? [hof.bestEvolved] : [])];
      entry = others.find((e) => e.id === options.id);
      if (!entry) {
        const ids = [...entries, ...others].map((e) => e.id);
        throw new UsageError(`no hall-of-fame or baseline entry with id "${options.id}" in ${dir} (ids: ${[...new Set(ids)].join(', ') || 'none'})`);
      }
    }
  } else {
    rank = options.rank ?? 1;
    if (entries.length === 0) throw new UsageError(`the hall of fame in ${dir} is empty`);
    if (rank > entries.length) throw new UsageError(`--rank ${rank} is out of range: the hall of fame in ${dir} has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
    entry = entries[rank - 1];
  }
  if (!entry) throw new UsageError(`no such entry in ${dir}`);
  let rule: Rule;
  try {
    rule = parseRule(entry.text, variant);
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw new UsageError(`entry ${entry.id} of ${dir}: ${err.explain()}`);
    throw err;
  }
  const campaign = hof.campaign ?? hof.config?.name;
  return {
    rule,
    ...(hof.config?.lr0 !== undefined ? { lr0: hof.config.lr0 } : {}),
    info: {
      text: entry.text,
      ...(campaign !== undefined ? { campaign } : {}),
      id: entry.id,
      ...(rank !== undefined ? { rank } : {}),
      combined: entry.combined,
      scores: entry.scores,
      ...(entry.test ? { test: entry.test } : {}),
      // A seeded baseline exports with its hyperparameters as constructor arguments, as `--rule NAME` does
      // (the probe checks the entry's tree against the baseline's text and reads the values from the tree).
      ...(entry.origin?.kind === 'seed' ? { baseline: { name: entry.origin.baseline, params: {} } } : {}),
    },
  };
}

export function registerExport(program: Command, out: (s: string) => void, err: (s: string) => void): void {
  program
    .command('export')
    .description('write a rule as code: TypeScript/JavaScript for TensorFlow.js, or Python for Keras and PyTorch')
    .argument('[campaign]', 'a finished campaign folder (holding hof.json)')
    .option('--rule <rule>', 'instead of a campaign: a baseline name or dynamic rule text')
    .option('--params <json>', 'baseline parameters as JSON, with --rule')
    .option('--variant <variant>', 'read --rule text as dlr or alr (default: whichever parses)', parseChoiceOption('--variant', ['dlr', 'alr'] as const))
    .option('--lr0 <rate>', `default learning rate of an exported optimizer (alr; default: the campaign's, else ${DEFAULT_LR0.alr})`, parsePositiveNumberOption('--lr0'))
    .option('--rank <n>', 'hall-of-fame rank to export, from 1 (default 1)', parseIntegerOption('--rank', 1, 1_000_000))
    .option('--id <id>', 'hall-of-fame entry id to export')
    .requiredOption('--format <format>', 'ts, js or py', parseChoiceOption('--format', EXPORT_FORMATS))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolr export runs/dlr-mnist-mlp-s0 --format ts -o schedule.ts',
        '  autolr export runs/dlr-mnist-mlp-s0 --rank 2 --format py',
        '  autolr export --rule dlrs --format js',
        '  autolr export --rule "epoch: lr0 * pow(0.5, epoch)" --format py -o schedule.py',
        '  autolr export runs/alr-fashion-mnist-mlp-s0 --format ts -o optimizer.ts   # an alr campaign: a tf.Optimizer',
        '  autolr export --rule adam --format py --lr0 0.002                         # torch.optim.Optimizer',
      ].join('\n'),
    )
    .action((campaign: string | undefined, options: ExportOptions) => {
      let rule: Rule;
      let info: ExportInfo;
      let lr0: number | undefined;
      if (options.rule !== undefined) {
        if (campaign !== undefined) throw new UsageError('give a campaign folder or --rule, not both');
        if (options.rank !== undefined || options.id !== undefined) throw new UsageError('--rank and --id select from a campaign, not with --rule');
        const arg = resolveRuleOfAnyVariant(options.rule, options.variant, options.params);
        rule = arg.rule;
        info = { text: arg.text, ...(arg.baseline ? { baseline: { name: arg.baseline.entry.name, params: arg.baseline.params } } : {}) };
      } else {
        if (campaign === undefined) throw new UsageError('give a campaign folder or --rule NAME_OR_TEXT');
        if (options.rank !== undefined && options.id !== undefined) throw new UsageError('give --rank or --id, not both');
        ({ rule, info, lr0 } = campaignRule(campaign, options));
        // Exported all the same (the user may have the signal): the warning says what the rule needs.
        const tasks = [...Object.keys(info.scores ?? {}), ...Object.keys(info.test ?? {})];
        for (const s of oracleSentences(info.id ?? 'the rule', oracleReads(rule, [...new Set(tasks)]))) err(`warning: ${s}`);
      }
      const code = exportRule(rule, info, options.format, options.lr0 ?? lr0 ?? DEFAULT_LR0.alr);
      if (options.output !== undefined) {
        try {
          writeFileSync(options.output, code);
        } catch (err) {
          throw new UsageError(`cannot write ${options.output}: ${(err as Error).message}`);
        }
        out(`wrote ${displayPath(options.output)}`);
      } else {
        out(code.trimEnd());
      }
    });
}
