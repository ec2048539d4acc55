/**
 * The hall of fame and what it is compared with, as plain data in and plain
 * data out: the best distinct rules at full fidelity, every seeded baseline's
 * best result, the best of those, and the best rule that is not a seed. The
 * campaign folds each generation's scored candidates into `Standings`; the
 * store saves them; nothing here touches a file.
 */
import type { Variant } from '../grammar/ast.js';
import { ruleHash } from '../grammar/hash.js';
import { parseRule } from '../grammar/parser.js';
import { printRule } from '../grammar/printer.js';
import { simplifyRule } from '../grammar/simplify.js';
import type { Level } from './fitness.js';
import type { Origin } from './individual.js';
import { scoresOf, type HallOfFameEntry, type ScoredCandidate, type Standings, type TaskOutcome } from './records.js';

/** The baselines a rule descends from, through every parent recorded in the genealogy. */
export function lineageOf(id: string, genealogy: Readonly<Record<string, Origin>>): string[] {
  const seeds = new Set<string>();
  const stack = [id];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const cur = stack.pop() as string;
    if (seen.has(cur)) continue;
    seen.add(cur);
    const o = genealogy[cur];
    if (!o) continue;
    if (o.kind === 'seed') seeds.add(o.baseline);
    if (o.kind === 'offspring') stack.push(...o.parents);
  }
  return [...seeds].sort();
}

export function hofEntry(s: ScoredCandidate, generation: number, genealogy: Readonly<Record<string, Origin>>, variant: Variant): HallOfFameEntry {
  const rule = parseRule(s.text, variant);
  const outcomes = s.full ?? s.cheap;
  return {
    id: s.id,
    text: s.text,
    simplified: printRule(simplifyRule(rule)),
    hash: ruleHash(rule),
    origin: s.origin,
    lineage: lineageOf(s.id, genealogy),
    combined: s.combined,
    scores: scoresOf(outcomes),
    generation,
    wallMs: Object.values(outcomes).reduce((a, o) => a + o.wallMs, 0),
    curves: Object.fromEntries(Object.entries(outcomes).flatMap(([t, o]) => (o.curves ? [[t, o.curves]] : []))),
  };
}

/** Keeps the best N distinct rules (by structural hash) scored at full fidelity. */
export function updateHallOfFame(
  hof: readonly HallOfFameEntry[],
  s: ScoredCandidate,
  generation: number,
  genealogy: Readonly<Record<string, Origin>>,
  size: number,
  variant: Variant,
): HallOfFameEntry[] {
  const entry = hofEntry(s, generation, genealogy, variant);
  const existing = hof.find((h) => h.hash === entry.hash);
  if (existing && existing.combined >= entry.combined) return [...hof];
  const next = hof.filter((h) => h.hash !== entry.hash);
  next.push(entry);
  next.sort((a, b) => b.combined - a.combined || a.id.localeCompare(b.id));
  return next.slice(0, size);
}

/** Entries best first (ties by id, so the order never depends on insertion). */
export function ranked(entries: Iterable<HallOfFameEntry>): HallOfFameEntry[] {
  return [...entries].sort((a, b) => b.combined - a.combined || a.id.localeCompare(b.id));
}

/** The seeded baselines, best first. */
export function sortedBaselines(baselines: Readonly<Record<string, HallOfFameEntry>>): HallOfFameEntry[] {
  return ranked(Object.values(baselines));
}

export function emptyStandings(): Standings {
  return { hallOfFame: [], baselines: {} };
}

/**
 * Folds one generation's scored candidates, in candidate order, into the
 * standings. Only full-fidelity results count: a cheap score is not
 * comparable with them.
 */
export function recordGeneration(
  standings: Standings,
  scored: readonly ScoredCandidate[],
  generation: number,
  genealogy: Readonly<Record<string, Origin>>,
  settings: { readonly size: number; readonly variant: Variant },
): Standings {
  let { hallOfFame, bestBaseline, bestEvolved } = standings;
  const baselines: Record<string, HallOfFameEntry> = { ...standings.baselines };
  for (const s of scored) {
    if (s.level !== 'full') continue;
    hallOfFame = updateHallOfFame(hallOfFame, s, generation, genealogy, settings.size, settings.variant);
    if (s.origin.kind !== 'seed') {
      if (!bestEvolved || s.combined > bestEvolved.combined) bestEvolved = hofEntry(s, generation, genealogy, settings.variant);
      continue;
    }
    const name = s.origin.baseline;
    const seen = baselines[name];
    const improves = !seen || s.combined > seen.combined;
    const best = !bestBaseline || s.combined > bestBaseline.combined;
    // One entry object for both lists: they are the same result.
    const entry = improves || best ? hofEntry(s, generation, genealogy, settings.variant) : undefined;
    if (improves) baselines[name] = entry as HallOfFameEntry;
    if (best) bestBaseline = entry;
  }
  return { hallOfFame, baselines, ...(bestBaseline ? { bestBaseline } : {}), ...(bestEvolved ? { bestEvolved } : {}) };
}

/** An evaluation line of the event log, as far as recovering the best evolved rule needs it. */
interface LoggedEvaluation {
  readonly type: string;
  readonly generation: number;
  readonly level?: Level;
  readonly origin?: Origin;
  readonly id?: string;
  readonly rule?: string;
  readonly combined?: number;
  readonly full?: Record<string, TaskOutcome>;
}

/**
 * The best non-seed rule at full fidelity in an event log (the first of
 * equals), for checkpoints written before campaigns tracked it. The log keeps
 * no curves, so neither does this entry.
 */
export function bestEvolvedFromEvents(eventsText: string, variant: Variant, genealogy: Readonly<Record<string, Origin>>): HallOfFameEntry | undefined {
  let best: HallOfFameEntry | undefined;
  for (const line of eventsText.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as LoggedEvaluation;
    if (e.type !== 'evaluation' || e.level !== 'full' || !e.origin || e.origin.kind === 'seed' || !e.full) continue;
    if (best && (e.combined as number) <= best.combined) continue;
    const candidate: ScoredCandidate = { id: e.id as string, text: e.rule as string, origin: e.origin, level: 'full', cheap: {}, full: e.full, combined: e.combined as number, fitness: 0 };
    best = hofEntry(candidate, e.generation, genealogy, variant);
  }
  return best;
}
