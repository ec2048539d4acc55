/**
 * The acceptance function of exported schedule modules whose rule has an
 * acceptance clause: src/export/js.ts puts this file's @module region in the
 * acceptance slot of runtime/lr-callback.ts, its slot filled with the clause.
 * The default is `accept: sigmoid(-dloss / lr + noise(0.1))`.
 */
import { noise, pdiv, sigmoid, type Rng, type Signals } from './scalar.js';

// @module-begin

/** Probability of keeping a tentative step (clamp to [0, 1]); s.dloss is the loss change it caused. */
export function acceptance(s/*«*/: Signals & { dloss: number }/*»*/, rng/*«*/: Rng/*»*/ = Math.random)/*«*/: number/*»*/ {
  return /*@accept{*/sigmoid(pdiv(-s.dloss, s.lr) + noise(rng, 0.1))/*}*/;
}
// @module-end
