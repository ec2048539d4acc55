/**
 * `autolr hof`: the hall of fame of a campaign — finished (hof.json) or still
 * running (its latest checkpoint) — compared with the campaign's best baseline.
 */
import type { Command } from 'commander';
import { CampaignStore } from '../../evolution/store.js';
import { campaignVerdict } from '../../evolution/verdict.js';
import { formatBaselines, formatHallOfFame } from '../hall-of-fame-table.js';
import { parseIntegerOption } from '../options.js';
import { addWidthOptions, tableWidth, type WidthOptions } from '../table.js';

export function registerHof(program: Command, out: (s: string) => void): void {
  const command = program
    .command('hof')
    .description("show a campaign's hall of fame: the best distinct rules, their scores and where they come from")
    .argument('<campaign>', 'the campaign folder, e.g. runs/dlr-mnist-mlp-s0')
    .option('--top <k>', 'show the best k', parseIntegerOption('--top', 1, 1000))
    .option('--json', 'print as JSON')
    .option('--no-baselines', 'leave out the table of seeded baselines');
  addWidthOptions(command)
    .addHelpText(
      'after',
      '\nOn a terminal the tables fit its width, long text cut with "…"; in a pipe or a file every cell is printed in full.\n\nExamples:\n  autolr hof runs/dlr-mnist-mlp-s0\n  autolr hof runs/pinn-a --top 3 --json\n  autolr hof runs/pinn-a --wide | less -S',
    )
    .action((dir: string, options: { top?: number; json?: boolean; baselines: boolean } & WidthOptions) => {
      const hof = new CampaignStore(dir).view();
      const entries = hof.hallOfFame.slice(0, options.top ?? hof.hallOfFame.length);
      const verdict = campaignVerdict(hof);
      if (options.json) {
        out(JSON.stringify({ final: hof.final, verdict, hallOfFame: entries, bestBaseline: hof.bestBaseline, baselines: hof.baselines, bestEvolved: hof.bestEvolved }, null, 2));
        return;
      }
      if (hof.final) out(`${verdict.headline}\n`);
      const width = tableWidth(options);
      out(formatHallOfFame(entries, hof.bestBaseline ?? undefined, hof.final, hof.bestEvolved ?? undefined, width));
      if (options.baselines && hof.baselines.length > 0) {
        out(`\nseeded baselines (full fidelity):\n${formatBaselines(hof.baselines, entries[0], hof.bestEvolved ?? undefined, width)}`);
      }
    });
}
