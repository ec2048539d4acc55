/**
 * `autolr hof`: the hall of fame of a campaign — finished (hof.json) or still
 * running (its latest checkpoint) — compared with the campaign's best baseline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { finishedRuns, stoppedNote, type HallOfFameEntry } from '../../evolution/campaign.js';
import { comparePaired, formatPaired } from '../../evolution/paired.js';
import { loadLatestCheckpoint } from '../../evolution/checkpoint.js';
import { UsageError } from '../errors.js';
import { parseIntegerOption } from '../options.js';
import { renderTable } from '../table.js';

export interface HofFile {
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly bestBaseline?: HallOfFameEntry | null;
  /** Every seeded baseline at full fidelity, best first (empty for campaigns of older versions). */
  readonly baselines: readonly HallOfFameEntry[];
  /** The best rule that is not a seed (absent in campaigns of older versions, or when none reached full fidelity). */
  readonly bestEvolved?: HallOfFameEntry | null;
  readonly final: boolean;
}

type Stored = {
  hallOfFame: HallOfFameEntry[];
  bestBaseline?: HallOfFameEntry | null;
  baselines?: HallOfFameEntry[] | Record<string, HallOfFameEntry>;
  bestEvolved?: HallOfFameEntry | null;
};

function baselineList(stored: Stored): HallOfFameEntry[] {
  const b = stored.baselines ?? [];
  return (Array.isArray(b) ? [...b] : Object.values(b)).sort((x, y) => y.combined - x.combined || x.id.localeCompare(y.id));
}

export function readHallOfFame(dir: string): HofFile {
  if (!existsSync(join(dir, 'config.json'))) throw new UsageError(`${dir} is not a campaign folder (no config.json)`);
  const file = join(dir, 'hof.json');
  if (existsSync(file)) {
    let data: Stored;
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    } catch (e) {
      throw new UsageError(`${file} is not readable JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(data.hallOfFame)) throw new UsageError(`${file} has no "hallOfFame" list`);
    return { hallOfFame: data.hallOfFame, bestBaseline: data.bestBaseline ?? null, baselines: baselineList(data), bestEvolved: data.bestEvolved ?? null, final: true };
  }
  const checkpoint = loadLatestCheckpoint<Stored>(dir);
  if (!checkpoint || checkpoint.generation < 0 || !checkpoint.body) throw new UsageError(`${dir} has no hall of fame yet (no generation has finished)`);
  const body = checkpoint.body;
  return { hallOfFame: body.hallOfFame, bestBaseline: body.bestBaseline ?? null, baselines: baselineList(body), bestEvolved: body.bestEvolved ?? null, final: false };
}

export function registerHof(program: Command, out: (s: string) => void): void {
  program
    .command('hof')
    .description("show a campaign's hall of fame: the best distinct rules, their scores and where they come from")
    .argument('<campaign>', 'the campaign folder, e.g. runs/dlr-mnist-mlp-s0')
    .option('--top <k>', 'show the best k', parseIntegerOption('--top', 1, 1000))
    .option('--json', 'print as JSON')
    .option('--no-baselines', 'leave out the table of seeded baselines')
    .addHelpText('after', '\nExamples:\n  autolr hof runs/dlr-mnist-mlp-s0\n  autolr hof runs/pinn-a --top 3 --json')
    .action((dir: string, options: { top?: number; json?: boolean; baselines: boolean }) => {
      const hof = readHallOfFame(dir);
      const entries = hof.hallOfFame.slice(0, options.top ?? hof.hallOfFame.length);
      if (options.json) {
        out(JSON.stringify({ final: hof.final, hallOfFame: entries, bestBaseline: hof.bestBaseline, baselines: hof.baselines, bestEvolved: hof.bestEvolved ?? null }, null, 2));
        return;
      }
      out(formatHallOfFame(entries, hof.bestBaseline ?? undefined, hof.final, hof.bestEvolved ?? undefined));
      if (options.baselines && hof.baselines.length > 0) {
        out(`\nseeded baselines (full fidelity):\n${formatBaselines(hof.baselines, entries[0], hof.bestEvolved ?? undefined)}`);
      }
    });
}

function testText(h: HallOfFameEntry): string {
  if (!h.test) return '-';
  return Object.entries(h.test)
    .map(([task, t]) => (finishedRuns(t) === 0 ? `${task}: all ${t.values.length} runs stopped` : `${task} ${t.metric} ${t.mean.toFixed(4)} ± ${t.sd.toFixed(4)}${stoppedNote(t)}`))
    .join('; ');
}

function versus(h: HallOfFameEntry, base: HallOfFameEntry | undefined): string {
  if (!base) return '-';
  const search = h.combined - base.combined;
  const parts = [`${search >= 0 ? '+' : ''}${search.toFixed(4)}`];
  if (h.test && base.test) {
    for (const [task, t] of Object.entries(h.test)) {
      const b = base.test[task];
      const diff = t.mean - (b?.mean ?? NaN);
      // Campaigns of older versions wrote a mean of 0 where no run finished: there is nothing to compare.
      if (b && finishedRuns(t) > 0 && finishedRuns(b) > 0 && Number.isFinite(diff)) parts.push(`${task} test ${diff >= 0 ? '+' : ''}${diff.toFixed(4)}`);
    }
  }
  return parts.join(', ');
}

/**
 * The seeded baselines, each compared with the campaign's best rule (test
 * differences are paired by seed) and, when that best rule is itself a seed,
 * with the best evolved rule too.
 */
export function formatBaselines(baselines: readonly HallOfFameEntry[], best: HallOfFameEntry | undefined, evolved?: HallOfFameEntry): string {
  const tasks = [...new Set(baselines.flatMap((h) => Object.keys(h.scores)))];
  const withEvolved = evolved !== undefined && evolved.hash !== best?.hash;
  const rows = baselines.map((b) => [
    b.origin.kind === 'seed' ? b.origin.baseline : b.id,
    b.combined.toFixed(4),
    ...tasks.map((t) => (b.scores[t] === undefined ? '-' : (b.scores[t] as number).toFixed(4))),
    testText(b),
    best ? pairedText(best, b) : '-',
    ...(withEvolved ? [pairedText(evolved, b)] : []),
  ]);
  const head = ['baseline', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', 'best rule wins (paired seeds)'];
  return renderTable(withEvolved ? [...head, `best evolved ${evolved.id} wins`] : head, rows);
}

/** Per task: on how many fresh seeds the rule beat the baseline, and the mean paired difference. */
function pairedText(rule: HallOfFameEntry, base: HallOfFameEntry): string {
  if (!rule.test || !base.test) return '-';
  const several = Object.keys(rule.test).length > 1;
  const parts = Object.entries(rule.test).flatMap(([task, t]) => {
    const b = base.test?.[task];
    return b ? [`${several ? `${task} ` : ''}${formatPaired(comparePaired(t, b))}`] : [];
  });
  return parts.join('; ') || '-';
}

export function formatHallOfFame(entries: readonly HallOfFameEntry[], base: HallOfFameEntry | undefined, final: boolean, evolved?: HallOfFameEntry): string {
  const tasks = [...new Set(entries.flatMap((h) => Object.keys(h.scores)))];
  const rows = entries.map((h, i) => [
    i + 1,
    h.id,
    h.combined.toFixed(4),
    ...tasks.map((t) => (h.scores[t] === undefined ? '-' : (h.scores[t] as number).toFixed(4))),
    testText(h),
    versus(h, base),
    h.lineage.join(', ') || '(random)',
    `${(h.wallMs / 1000).toFixed(1)} s`,
    h.simplified,
  ]);
  const head = ['rank', 'id', 'score', ...tasks.map((t) => `${t} (search)`), 'test (fresh seeds)', 'vs best baseline', 'from', 'time', 'rule (simplified)'];
  const lines = [renderTable(head, rows)];
  if (base) {
    lines.push('', `best baseline: ${base.lineage.join(', ')} (${base.id}) score ${base.combined.toFixed(4)}${base.test ? `, ${testText(base)}` : ''}`);
  }
  if (evolved && !entries.some((h) => h.hash === evolved.hash)) {
    lines.push(
      '',
      `best evolved rule (below the hall of fame shown): ${evolved.id} score ${evolved.combined.toFixed(4)}${evolved.test ? `, ${testText(evolved)}` : ''}: ${evolved.simplified}`,
    );
  }
  if (!final) lines.push('', '(campaign still running: scores from its last checkpoint; test re-scoring comes at the end)');
  return lines.join('\n');
}
