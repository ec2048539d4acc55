/**
 * The report of a campaign folder: its config, event log and results as far
 * as they go (read through the store), built into one page.
 */
import { CampaignStore } from '../evolution/store.js';
import { parseEventLog } from './events.js';
import { buildReport } from './html.js';

export async function campaignReport(dir: string, options: { topCurves?: number } = {}): Promise<string> {
  const store = new CampaignStore(dir);
  const hof = store.view();
  const finalStages = hof.final ? store.results().finalStages : undefined;
  return buildReport({
    config: store.config(),
    events: parseEventLog(store.events()),
    hallOfFame: hof.hallOfFame,
    baselines: hof.baselines,
    ...(hof.bestEvolved ? { bestEvolved: hof.bestEvolved } : {}),
    final: hof.final,
    ...(finalStages ? { finalStages } : {}),
    ...(options.topCurves !== undefined ? { topCurves: options.topCurves } : {}),
  });
}
