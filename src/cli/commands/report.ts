/**
 * `autolr report`: a self-contained HTML report of a campaign (finished or
 * still running), with plots rendered to SVG at report time.
 */
import type { Command } from 'commander';
import { displayPath } from '../paths.js';
import { CampaignStore } from '../../evolution/store.js';
import { campaignReport } from '../../report/campaign-report.js';
import { parseIntegerOption } from '../options.js';

export function registerReport(program: Command, out: (s: string) => void): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a campaign: per task, whether evolution beat the best baseline; score plots, LR and loss curves, the hall of fame and the baselines')
    .argument('<campaign>', 'the campaign folder, e.g. runs/dlr-mnist-mlp-s0')
    .option('-o, --output <file>', 'where to write the page (default: <campaign>/report.html)')
    .option('--top <k>', 'how many of the best evolved rules get LR and loss curves (default 3; the best evolved rule always does)', parseIntegerOption('--top', 1, 20))
    .addHelpText(
      'after',
      ['', 'Examples:', '  autolr report runs/dlr-mnist-mlp-s0', '  autolr report runs/pinn-a -o pinn-a.html --top 5'].join('\n'),
    )
    .action(async (dir: string, options: { output?: string; top?: number }) => {
      // No time stamp: the same folder gives the same page (published reports are checked byte for byte).
      const html = await campaignReport(dir, options.top !== undefined ? { topCurves: options.top } : {});
      out(`wrote ${displayPath(new CampaignStore(dir).writeReport(html, options.output))}`);
    });
}
