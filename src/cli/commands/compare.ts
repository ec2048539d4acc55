/**
 * `autolr compare`: the table a discovery is judged by — a campaign's evolved
 * rule against every tuned baseline, per task, paired over the fresh seeds —
 * for the terminal, as Markdown or as JSON. With --baselines-from, the
 * baselines come from another campaign that ran the same protocol (a
 * campaign without seeds has none of its own), on the tasks both tuned
 * alike; a task only this campaign tuned keeps its own tuned baselines,
 * said in the table's heading, and one with none at all is named below.
 */
import type { Command } from 'commander';
import { borrowedComparison, ComparisonError, protocolDifferences, sharedTasks, tunedComparison, type TaskComparison } from '../../evolution/comparison.js';
import { evolvedRuleOf, type HallOfFameEntry } from '../../evolution/records.js';
import { CampaignStore } from '../../evolution/store.js';
import { InputError } from '../../errors.js';
import { formatComparison, markdownComparison } from '../comparison-table.js';
import { addWidthOptions, tableWidth, type WidthOptions } from '../table.js';

interface CompareOptions extends WidthOptions {
  readonly id?: string;
  readonly baselinesFrom?: string;
  readonly markdown?: boolean;
  readonly json?: boolean;
}

function finished(dir: string): CampaignStore {
  const store = new CampaignStore(dir);
  if (!store.exists()) throw new InputError(`${dir} is not a campaign folder (no config.json)`);
  if (!store.isComplete()) throw new InputError(`${dir} has not finished: the tuned comparison comes from its final stage (hof.json)`);
  return store;
}

/** The rule compared: the one named by --id, else the campaign's best evolved rule. */
function ruleOf(store: CampaignStore, id: string | undefined): HallOfFameEntry {
  const view = store.view();
  const all = [...(view.bestEvolved ? [view.bestEvolved] : []), ...view.hallOfFame, ...view.baselines];
  if (id !== undefined) {
    const found = all.find((h) => h.id === id);
    if (!found) throw new InputError(`${store.dir} has no rule ${id} among its tuned rules (${[...new Set(all.map((h) => h.id))].join(', ')})`);
    return found;
  }
  const evolved = evolvedRuleOf(view);
  if (!evolved) throw new InputError(`${store.dir} has no evolved rule that reached full fidelity; name one with --id`);
  return evolved;
}

export function registerCompare(program: Command, out: (s: string) => void): void {
  const command = program
    .command('compare')
    .description("a finished campaign's evolved rule against every tuned baseline, per task: tuned lr0, test mean ± sd, paired difference with its 95 % interval, verdict")
    .argument('<campaign>', 'a finished campaign folder that tuned lr0 (the default protocol)')
    .option('--id <id>', 'compare this rule of the campaign (default: its best evolved rule)')
    .option('--baselines-from <campaign>', 'take the tuned baselines from this campaign instead, on the tasks both tuned with the same budget (same seeds, optimizer and tuning grid: checked); other tasks keep this campaign\'s own')
    .option('--markdown', 'print Markdown tables (as docs/results.md publishes them)')
    .option('--json', 'print the comparison as JSON');
  addWidthOptions(command)
    .addHelpText(
      'after',
      '\nExamples:\n  autolr compare runs/dlr-mnist-tuned\n  autolr compare runs/dlr-mnist-tuned --markdown > table.md\n  autolr compare runs/dlr-mnist-rediscovery --baselines-from runs/dlr-mnist-tuned',
    )
    .action((dir: string, options: CompareOptions) => {
      const store = finished(dir);
      const rule = ruleOf(store, options.id);
      const own = store.view().baselines;
      let tasks: TaskComparison[];
      let leftOut: string[] = [];
      try {
        if (options.baselinesFrom === undefined) {
          tasks = tunedComparison(rule, own);
        } else {
          const other = finished(options.baselinesFrom);
          const differences = protocolDifferences(store.config(), other.config());
          if (differences.length > 0) {
            throw new InputError(`${options.baselinesFrom} ran a different protocol from ${dir}, so its baselines' runs are not paired with the rule's: ${differences.join('; ')}`);
          }
          const shared = sharedTasks(store.config(), other.config());
          if (shared.length === 0) throw new InputError(`${dir} and ${options.baselinesFrom} share no task trained with the same budget: nothing pairs`);
          ({ tasks, leftOut } = borrowedComparison(rule, own, other.view().baselines, shared));
        }
      } catch (err) {
        if (err instanceof ComparisonError) throw new InputError(`${dir}: ${err.message}`);
        throw err;
      }
      const note = leftOut.length > 0 ? `not compared (no tuned baseline there: ${options.baselinesFrom} did not tune on them with the same budget, and ${dir} has none of its own): ${leftOut.join(', ')}` : '';
      if (options.json) out(JSON.stringify({ rule: { id: rule.id, text: rule.text, simplified: rule.simplified }, tasks, ...(leftOut.length > 0 ? { leftOut } : {}) }, null, 2));
      else if (options.markdown) out(`${markdownComparison(tasks)}${note === '' ? '' : `\n\n${note}`}`);
      else out(`${rule.id}: ${rule.simplified}\n\n${formatComparison(tasks, tableWidth(options))}${note === '' ? '' : `\n\n${note}`}`);
    });
}
