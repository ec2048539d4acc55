/**
 * Reads a campaign's event log (events.jsonl) into per-generation figures for
 * the report. A line cut short by a crash is skipped, not fatal: the log of a
 * running or killed campaign is still worth a report.
 */

export interface EvaluationEvent {
  readonly generation: number;
  readonly id: string;
  readonly level: 'cheap' | 'full';
  readonly combined: number;
  readonly origin: { readonly kind: string; readonly baseline?: string };
  /** Training time this candidate cost (cache hits cost nothing and count 0). */
  readonly wallMs: number;
}

export interface GenerationEvent {
  readonly generation: number;
  readonly candidates: number;
  readonly promoted: number;
  readonly bestCombinedThisGeneration: number;
  readonly medianCombined: number;
  /** Cumulative counters at the end of the generation. */
  readonly cacheHits: number;
  readonly evaluations: number;
  readonly failures: number;
  readonly wallMs: number;
}

export interface EventLog {
  readonly evaluations: readonly EvaluationEvent[];
  readonly generations: readonly GenerationEvent[];
  /** Lines that were not valid events (e.g. the last line of a killed campaign). */
  readonly skippedLines: number;
}

type Json = Record<string, unknown>;

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function outcomeWallMs(outcomes: unknown): number {
  if (typeof outcomes !== 'object' || outcomes === null) return 0;
  return Object.values(outcomes as Record<string, Json>).reduce((a, o) => a + num(o?.wallMs), 0);
}

export function parseEventLog(text: string): EventLog {
  const evaluations: EvaluationEvent[] = [];
  const generations: GenerationEvent[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let e: Json;
    try {
      e = JSON.parse(line) as Json;
    } catch {
      skippedLines++;
      continue;
    }
    if (e.type === 'evaluation' && typeof e.id === 'string') {
      const origin = (typeof e.origin === 'object' && e.origin !== null ? e.origin : { kind: 'unknown' }) as EvaluationEvent['origin'];
      evaluations.push({
        generation: num(e.generation),
        id: e.id,
        level: e.level === 'full' ? 'full' : 'cheap',
        combined: num(e.combined),
        origin,
        wallMs: outcomeWallMs(e.cheap) + outcomeWallMs(e.full),
      });
    } else if (e.type === 'generation') {
      const cache = (e.cache ?? {}) as Json;
      generations.push({
        generation: num(e.generation),
        candidates: num(e.candidates),
        promoted: num(e.promoted),
        bestCombinedThisGeneration: num(e.bestCombinedThisGeneration),
        medianCombined: num(e.medianCombined),
        cacheHits: num(cache.hits),
        evaluations: num(e.evaluations),
        failures: num(e.failures),
        wallMs: num(e.wallMs),
      });
    } else {
      skippedLines++;
    }
  }
  return { evaluations, generations, skippedLines };
}

export interface GenerationRow {
  readonly generation: number;
  /** Best combined score at full fidelity up to and including this generation. */
  readonly bestSoFar: number | null;
  readonly bestThisGeneration: number;
  readonly median: number;
  /** Campaign wall time at the end of the generation, in seconds. */
  readonly elapsedS: number;
  /** Share of this generation's score look-ups answered by the cache. */
  readonly cacheHitRate: number;
  /** Share of this generation's candidates run at full fidelity. */
  readonly promotionRate: number;
  readonly trainingRuns: number;
  readonly cacheHits: number;
}

/** Per-generation series: best so far, median, elapsed time, cache-hit and promotion rates. */
export function generationRows(log: EventLog): GenerationRow[] {
  let elapsedMs = 0;
  let best: number | null = null;
  let prevHits = 0;
  let prevEvals = 0;
  return [...log.generations]
    .sort((a, b) => a.generation - b.generation)
    .map((g) => {
      elapsedMs += g.wallMs;
      for (const e of log.evaluations) {
        if (e.generation === g.generation && e.level === 'full' && (best === null || e.combined > best)) best = e.combined;
      }
      const hits = g.cacheHits - prevHits;
      const runs = g.evaluations - prevEvals;
      prevHits = g.cacheHits;
      prevEvals = g.evaluations;
      return {
        generation: g.generation,
        bestSoFar: best,
        bestThisGeneration: g.bestCombinedThisGeneration,
        median: g.medianCombined,
        elapsedS: elapsedMs / 1000,
        cacheHitRate: hits + runs > 0 ? hits / (hits + runs) : 0,
        promotionRate: g.candidates > 0 ? g.promoted / g.candidates : 0,
        trainingRuns: runs,
        cacheHits: hits,
      };
    });
}
