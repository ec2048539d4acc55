/**
 * `autolr report`: a self-contained HTML report of a campaign (finished or
 * still running), with plots rendered to SVG at report time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveConfig, ConfigError } from '../../evolution/config.js';
import { writeFileAtomic } from '../../evolution/checkpoint.js';
import { buildReport } from '../../report/html.js';
import { parseEventLog } from '../../report/events.js';
import { UsageError } from '../errors.js';
import { parseIntegerOption } from '../options.js';
import { readHallOfFame } from './hof.js';

export async function campaignReport(dir: string, options: { topCurves?: number; generatedAt?: string } = {}): Promise<string> {
  const hof = readHallOfFame(dir);
  let config;
  try {
    config = resolveConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SyntaxError) throw new UsageError(`${join(dir, 'config.json')}: ${err.message}`);
    throw err;
  }
  const eventsPath = join(dir, 'events.jsonl');
  const events = parseEventLog(existsSync(eventsPath) ? readFileSync(eventsPath, 'utf8') : '');
  // Campaigns of older versions kept only the best baseline.
  const baselines = hof.baselines.length > 0 ? hof.baselines : hof.bestBaseline ? [hof.bestBaseline] : [];
  return buildReport({
    config,
    events,
    hallOfFame: hof.hallOfFame,
    baselines,
    ...(hof.bestEvolved ? { bestEvolved: hof.bestEvolved } : {}),
    final: hof.final,
    ...(options.topCurves !== undefined ? { topCurves: options.topCurves } : {}),
    ...(options.generatedAt !== undefined ? { generatedAt: options.generatedAt } : {}),
  });
}

export function registerReport(program: Command, out: (s: string) => void): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a campaign: score plots, LR and loss curves, the hall of fame and the baselines')
    .argument('<campaign>', 'the campaign folder, e.g. runs/dlr-mnist-mlp-s0')
    .option('-o, --output <file>', 'where to write the page (default: <campaign>/report.html)')
    .option('--top <k>', 'how many of the best rules get LR and loss curves (default 3)', parseIntegerOption('--top', 1, 20))
    .addHelpText(
      'after',
      ['', 'Examples:', '  autolr report runs/dlr-mnist-mlp-s0', '  autolr report runs/pinn-a -o pinn-a.html --top 5'].join('\n'),
    )
    .action(async (dir: string, options: { output?: string; top?: number }) => {
      const html = await campaignReport(dir, {
        ...(options.top !== undefined ? { topCurves: options.top } : {}),
        generatedAt: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
      });
      const path = options.output ?? join(dir, 'report.html');
      try {
        writeFileAtomic(path, html);
      } catch (err) {
        throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
      }
      out(`wrote ${path}`);
    });
}
