/**
 * The runtime of exported schedule modules (TypeScript and JavaScript for
 * TensorFlow.js): the rule language's semantics on JavaScript numbers, restated
 * from src/grammar/semantics.ts so that an exported module depends on nothing.
 * test/export/runtime.test.ts runs these functions against semantics.ts.
 *
 * The generator (src/export/js.ts) copies the text between the @module lines
 * into every module. A span opened by a comment holding « and closed by one
 * holding » is TypeScript-only: kept in .ts exports, dropped from .js ones.
 * The export list after the region is for tests only.
 */
// @module-begin

// ---- runtime: the rule language's semantics (autolr src/grammar/semantics.ts) ----

/*«*//** A uniform random source in [0, 1): Math.random or seededRandom(seed). */
export type Rng = () => number;
/*»*/
/*«*//** Signals a rule reads; see the header for their definitions. */
export interface Signals {
  epoch: number;
  epochs: number;
  step: number;
  steps_per_epoch: number;
  lr: number;
  lr0: number;
  loss: number;
  loss_prev: number;
  loss_first: number;
  loss_last: number;
  loss_best: number;
  acc: number;
  acc_prev: number;
  batch_loss: number;
  dloss?: number;
}
/*»*/
/** a / b, except a / 0 = a. */
function pdiv(a/*«*/: number/*»*/, b/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return b === 0 ? a : a / b;
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a/*«*/: number/*»*/, b/*«*/: number/*»*/)/*«*/: number/*»*/ {
  if (a === 0 && b < 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return Math.pow(-a, b);
  return Math.pow(a, b);
}

function psqrt(x/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return Math.sqrt(Math.abs(x));
}

function plog(x/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return x === 0 ? 0 : Math.log(Math.abs(x));
}

function plog10(x/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return x === 0 ? 0 : Math.log10(Math.abs(x));
}

function sigmoid(x/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return 1 / (1 + Math.exp(-x));
}

function square(x/*«*/: number/*»*/)/*«*/: number/*»*/ {
  return x * x;
}

/** One uniform draw picks an option; only that option is evaluated. */
function choice(rng/*«*/: Rng/*»*/, options/*«*/: ReadonlyArray<() => number>/*»*/)/*«*/: number/*»*/ {
  const i = Math.min(options.length - 1, Math.floor(rng() * options.length));
  return (options[i]/*«*/as () => number/*»*/)();
}

/** sigma times a standard normal draw (Box–Muller: exactly two uniform draws). */
function noise(rng/*«*/: Rng/*»*/, sigma/*«*/: number/*»*/)/*«*/: number/*»*/ {
  const u1 = rng();
  const u2 = rng();
  return sigma * (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
}

/** A small seeded uniform source (mulberry32), for reproducible random rules. */
export function seededRandom(seed/*«*/: number/*»*/)/*«*/: Rng/*»*/ {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// @module-end

export { pdiv, ppow, psqrt, plog, plog10, sigmoid, square, choice, noise };
