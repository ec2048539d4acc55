/**
 * Campaign progress: a live bar (cli-progress) on a terminal, nothing extra
 * in a pipe or CI log (the campaign's one line per generation is enough there).
 */
import cliProgress from 'cli-progress';
import type { CampaignProgress } from '../evolution/campaign.js';

function formatEta(ms: number | undefined): string {
  if (ms === undefined) return '?';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
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
      format: 'generation {generation}/{generations} |{bar}| {value}/{total} runs | best {best} | cache hits {hits} | ETA {remaining}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { generation: p.generation + 1, generations: p.generations, best: p.best?.toFixed(4) ?? '-', hits: p.cacheHits, remaining: formatEta(p.etaMs) };
      if (!started) {
        bar.start(Math.max(1, p.queued), p.done, payload);
        started = true;
      }
      bar.setTotal(Math.max(1, p.queued));
      bar.update(p.done, payload);
    },
    log(line) {
      if (started) {
        // Clear the bar's line, print, and let the next update redraw it.
        stream.write(`\r\u001b[2K${line}\n`);
      } else {
        stream.write(`${line}\n`);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
