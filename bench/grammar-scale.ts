/**
 * How many rules sampled from each built-in grammar are rate-relative:
 * the share whose rates scale with lr0 (lr0 0.01 against 0.1 and 0.03, 1e-9 relative)
 * and the share whose rates all stay within [lr0/1e4, 100·lr0], on the
 * reference trace of src/schedule/scale.ts (adaptive rules: updates against
 * the plain gradient step on a reference gradient sequence).
 *
 *   npx tsx bench/grammar-scale.ts [samples=1000] [grammar ...]
 */
import { builtinGrammars, loadGrammar } from '../src/grammar/bnf.js';
import { randomGenotype } from '../src/grammar/genotype.js';
import { Stream } from '../src/random/stream.js';
import { scaleBehaviour } from '../src/schedule/scale.js';

const samples = Number(process.argv[2] ?? 1000);
const names = process.argv.length > 3 ? process.argv.slice(3) : builtinGrammars();

console.log('grammar          samples  scale with lr0  within [lr0/1e4, 100·lr0]  both');
for (const name of names) {
  const grammar = loadGrammar(name);
  const rng = new Stream(`autolr:grammar-scale:${name}`);
  let scales = 0;
  let inRange = 0;
  let both = 0;
  for (let i = 0; i < samples; i++) {
    const { rule } = randomGenotype(grammar, rng);
    const b = scaleBehaviour(rule, { seed: i });
    if (b.scales) scales++;
    if (b.inRange) inRange++;
    if (b.scales && b.inRange) both++;
  }
  const pct = (k: number): string => `${((100 * k) / samples).toFixed(1)} %`;
  console.log(`${name.padEnd(16)} ${String(samples).padStart(7)}  ${pct(scales).padStart(14)}  ${pct(inRange).padStart(25)}  ${pct(both).padStart(6)}`);
}
