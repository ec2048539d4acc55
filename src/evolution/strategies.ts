/**
 * The search strategies a campaign config can name. Adding one is a module
 * implementing `StrategyKind` and one line in STRATEGIES; the campaign looks
 * strategies up here and needs no change.
 */
import type { StrategyKind } from './search-strategy.js';
import { sgeStrategy } from './strategy.js';

/** The strategy of campaigns whose config names none. */
export const DEFAULT_STRATEGY_NAME = 'sge';

const STRATEGIES = new Map<string, StrategyKind>([[sgeStrategy.name, sgeStrategy]]);

export function strategyNames(): string[] {
  return [...STRATEGIES.keys()];
}

export function lookupStrategy(name: string): StrategyKind {
  const kind = STRATEGIES.get(name);
  if (!kind) throw new Error(`no search strategy "${name}" (known: ${strategyNames().join(', ')})`);
  return kind;
}

/** Makes a strategy nameable in configs from outside this module (plug-ins, tests); names are unique. */
export function registerStrategy(kind: StrategyKind): void {
  if (STRATEGIES.has(kind.name)) throw new Error(`a search strategy "${kind.name}" is already registered`);
  STRATEGIES.set(kind.name, kind);
}
