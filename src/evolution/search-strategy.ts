/**
 * What the campaign asks of a search strategy, after evosax's ask/tell: it
 * hands out individuals, takes their fitness back, and its whole state is
 * plain data in and out (the campaign puts `snapshot()` in each checkpoint and
 * gives it back to `create` on resume). A strategy never trains anything and
 * draws randomness only from the stream it is given, so the same seed and the
 * same fitnesses give the same search.
 */
import type { Grammar } from '../grammar/bnf.js';
import type { Stream } from '../random/stream.js';
import type { CampaignConfig } from './config.js';
import type { Evaluated, Individual } from './individual.js';

export interface SearchStrategy {
  /** Adds seeded individuals to the first population (before the first ask); returns them as added, with the strategy's ids. */
  seed(initial: readonly Individual[]): readonly Individual[];
  /** The next batch to evaluate; asking again before telling returns the same batch. */
  ask(): Individual[];
  /** The fitness of every individual of the last batch (higher is better, finite), in any order. */
  tell(evaluated: ReadonlyArray<{ readonly id: string; readonly fitness: number }>): void;
  /** The best individual ever told. */
  best(): Evaluated | undefined;
  /** The state as JSON-serialisable data: `create` with it continues exactly from here. */
  snapshot(): unknown;
}

export interface StrategyContext {
  readonly grammar: Grammar;
  readonly config: CampaignConfig;
  /** The campaign's strategy stream; seeding draws from it too. */
  readonly stream: Stream;
  /** A `snapshot()` to continue from. */
  readonly state?: unknown;
}

/** A strategy the campaign can run, known by the name a config gives in `"strategy"`. */
export interface StrategyKind {
  readonly name: string;
  readonly description: string;
  create(context: StrategyContext): SearchStrategy;
}
