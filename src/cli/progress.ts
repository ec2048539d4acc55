/**
 * Campaign progress: a live bar (cli-progress) on a terminal, nothing extra
 * in a pipe or CI log (the campaign's one line per generation is enough there).
 *
 * The bar owns the terminal's last line only while nothing else is printed.
 * A line to print stops the bar (its line is cleared and the cursor put back
 * at its start), prints the line with the terminal's own wrapping, and the
 * next update starts a fresh bar below it — so every printed line stays above
 * the bar, whole, and the summary after the campaign overwrites nothing.
 * (A bar that stays up across prints restores, when it stops, the cursor
 * position saved when it started: what was printed since is overwritten.)
 */
import cliProgress from 'cli-progress';
import type { CampaignProgress } from '../evolution/campaign.js';

function formatEta(ms: number | undefined): string {
  if (ms === undefined) return '?';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The bar's label: the generation while searching; the final stages by name (they are not a generation). */
export function stageLabel(p: Pick<CampaignProgress, 'stage' | 'generation' | 'generations'>): string {
  switch (p.stage) {
    case 'search':
      return `generation ${p.generation + 1}/${p.generations}`;
    case 'rescoring':
      return 're-scoring on test seeds';
    case 'tuning':
      return 'tuning lr0 and testing';
  }
}

export interface ProgressDisplay {
  update(p: CampaignProgress): void;
  /** Prints a line above the bar (or plainly, without a bar). */
  log(line: string): void;
  stop(): void;
}

/** `plain` prints a line when there is no terminal (and is what tests capture). */
export function progressDisplay(plain: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) {
    return { update: () => {}, log: plain, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{stage} |{bar}| {value}/{total} runs | best {best} | cache hits {hits} | ETA {remaining}',
      hideCursor: true,
      // Stopping clears the bar's line, so a printed line or the summary takes its place.
      clearOnComplete: true,
      // true: the terminal keeps wrapping long lines (false would switch it off while the bar
      // runs, cutting printed rules at the edge); the bar itself is cut to the terminal's width.
      linewrap: true,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update(p) {
      const payload = { stage: stageLabel(p), best: p.best?.toFixed(4) ?? '-', hits: p.cacheHits, remaining: formatEta(p.etaMs) };
      const total = Math.max(1, p.queued);
      if (!running) {
        bar.start(total, p.done, payload);
        running = true;
        return;
      }
      bar.setTotal(total);
      bar.update(p.done, payload);
    },
    log(line) {
      if (running) {
        bar.stop();
        running = false;
      }
      stream.write(`${line}\n`);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
