/**
 * Individuals as plain data: everything here survives JSON.stringify /
 * JSON.parse unchanged, so populations go into checkpoints and event logs
 * as they are, and workers receive them without custom serialisation.
 */
import type { Genotype } from '../grammar/genotype.js';

/** Where an individual came from, for lineage in the hall of fame. */
export type Origin =
  | { readonly kind: 'seed'; readonly baseline: string }
  | { readonly kind: 'random' }
  | {
      readonly kind: 'offspring';
      readonly parents: readonly string[];
      /** The variation operators that changed it, in the order applied: 'crossover', 'mutation', 'constant-mutation'. Empty for a plain copy. */
      readonly operators: readonly string[];
    };

export interface Individual {
  /** Unique within a campaign. */
  readonly id: string;
  /** The genotype as used by the mapping (repaired, no unused tails): it maps back to `text` without a random stream. */
  readonly genotype: Genotype;
  /** printRule of the mapped rule. */
  readonly text: string;
  readonly origin: Origin;
  /** The generation it was created in (the initial population is generation 0). */
  readonly birth: number;
}

/** An individual with its score. Higher fitness is better. */
export type Evaluated = Individual & { readonly fitness: number };
