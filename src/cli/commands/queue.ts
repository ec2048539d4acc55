/**
 * `autolr queue status`: the jobs and workers of campaigns on a Redis queue.
 */
import type { Command } from 'commander';
import { queueStatus, type CampaignQueueStatus } from '../../queue/status.js';
import { parseQueueUrl } from '../../queue/url.js';
import { renderTable } from '../table.js';

export function registerQueue(program: Command, out: (s: string) => void): void {
  const queue = program.command('queue').description('inspect the Redis queue of campaigns run with --queue');
  queue
    .command('status <url>')
    .description('waiting, active, completed and failed jobs per campaign, and the workers connected')
    .option('--campaign <name>', 'only this campaign')
    .option('--json', 'print as JSON')
    .addHelpText('after', ['', 'Examples:', '  autolr queue status redis://10.0.0.5:6379', '  autolr queue status redis://10.0.0.5:6379 --campaign wide --json'].join('\n'))
    .action(async (url: string, options: { campaign?: string; json?: boolean }) => {
      const address = parseQueueUrl(url);
      const status = await queueStatus(address, options.campaign);
      if (options.json) {
        out(JSON.stringify(status, null, 2));
        return;
      }
      if (status.length === 0) {
        out(`no campaign on ${address.redacted} yet`);
        return;
      }
      out(status.map(formatCampaign).join('\n\n'));
    });
}

function formatCampaign(s: CampaignQueueStatus): string {
  const head = `campaign ${s.campaign}: ${s.waiting} waiting, ${s.active} active, ${s.delayed} delayed, ${s.completed} completed, ${s.failed} failed`;
  if (s.workers.length === 0) return `${head}\nno worker connected`;
  const rows = s.workers.map((w) => [w.name, w.info?.host ?? '?', w.info?.backend ?? '?', w.info?.adapter ?? '', String(w.info?.threads ?? '?'), w.info?.engine ?? '?']);
  return `${head}\n${renderTable(['worker', 'host', 'backend', 'adapter', 'threads', 'autolr'], rows)}`;
}
