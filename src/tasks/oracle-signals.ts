/**
 * Which signals a rule reads that a task computes from an oracle. On the
 * Helmholtz PINN `acc` is 1 − the error against the exact solution: a
 * campaign can train with it, but a rule that reads it cannot run on a real
 * PINN, whose solution is unknown. The verdict, `evolve` and `export` say so
 * from here, so that no one mistakes such a rule for a usable one.
 */
import type { Rule, Variant } from '../grammar/ast.js';
import type { Grammar } from '../grammar/bnf.js';
import { allSignals, signalsRead } from '../grammar/signals.js';
import { simplifyRule } from '../grammar/simplify.js';
import { getTask, UnknownTaskError } from './registry.js';

export interface OracleRead {
  /** The oracle signals read, in the signal table's order. */
  readonly signals: readonly string[];
  /** The tasks on which they are oracles, in the order given. */
  readonly tasks: readonly string[];
  /** What the tasks compute them from. */
  readonly source: string;
}

/** The oracle signals among `read` on the given tasks, one entry per distinct source. */
function oraclesAmong(read: readonly string[], tasks: readonly string[]): OracleRead[] {
  const bySource = new Map<string, { signals: Set<string>; tasks: string[] }>();
  for (const name of tasks) {
    const oracle = knownTask(name)?.oracleSignals;
    const hit = oracle ? read.filter((s) => oracle.names.includes(s)) : [];
    if (!oracle || hit.length === 0) continue;
    const entry = bySource.get(oracle.source) ?? { signals: new Set<string>(), tasks: [] };
    hit.forEach((s) => entry.signals.add(s));
    entry.tasks.push(name);
    bySource.set(oracle.source, entry);
  }
  return [...bySource].map(([source, e]) => ({ signals: read.filter((s) => e.signals.has(s)), tasks: e.tasks, source }));
}

/** A task by name, or undefined for a name this version does not know (a folder written by another). */
function knownTask(name: string) {
  try {
    return getTask(name);
  } catch (err) {
    if (err instanceof UnknownTaskError) return undefined;
    throw err;
  }
}

/** The oracle signals a rule reads on the given tasks: in its simplified form's live parts, so a dead read does not count. */
export function oracleReads(rule: Rule, tasks: readonly string[]): OracleRead[] {
  return oraclesAmong(signalsRead(simplifyRule(rule)), tasks);
}

/** The oracle signals a grammar can derive on the given tasks (a signal named in any of its terminals). */
export function grammarOracleReads(g: Grammar, tasks: readonly string[]): OracleRead[] {
  return oraclesAmong(grammarSignals(g, g.variant), tasks);
}

function grammarSignals(g: Grammar, variant: Variant): string[] {
  const words = new Set<string>();
  for (const productions of g.productions.values()) {
    for (const p of productions) {
      for (const sym of p.symbols) if (sym.kind === 'text') for (const w of sym.text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w);
    }
  }
  return allSignals(variant).filter((s) => words.has(s));
}

/**
 * One sentence per source, e.g. "g2-33 reads acc, which on helmholtz-500 is
 * computed from the exact solution (…): it cannot run where that is unknown."
 */
export function oracleSentences(who: string, reads: readonly OracleRead[], verb = 'reads'): string[] {
  return reads.map((r) => {
    const one = r.signals.length === 1;
    return `${who} ${verb} ${r.signals.join(' and ')}, which on ${r.tasks.join(', ')} ${one ? 'is' : 'are'} computed from ${r.source}: a rule that reads ${one ? 'it' : 'them'} cannot run where that is unknown.`;
  });
}
