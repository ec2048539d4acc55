/**
 * How much faster the compiled scalar closure is than the reference
 * interpreter on real schedule rules, and what mapping and reverse mapping
 * cost. Prints figures measured in this one run; no thresholds.
 *
 *   npm run bench:rules
 */
import { performance } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import { loadGrammar } from '../src/grammar/bnf.js';
import { compileScalar } from '../src/grammar/compile-scalar.js';
import { mapGenotype, randomGenotype } from '../src/grammar/genotype.js';
import { interpret } from '../src/grammar/interpreter.js';
import { reverseMap } from '../src/grammar/reverse.js';
import { baselineRule, baselinesOf } from '../src/baselines/registry.js';

const SIGNALS = {
  epoch: 3, epochs: 20, step: 1234, steps_per_epoch: 100, lr: 0.01, lr0: 0.01, loss: 0.5, loss_prev: 0.6,
  loss_first: 0.7, loss_last: 0.4, loss_best: 0.5, acc: 0.8, acc_prev: 0.75, batch_loss: 0.45, dloss: -0.01,
};

function timePerCall(f: () => void, minMs = 200): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    const ms = performance.now() - t0;
    if (ms >= minMs) return (ms * 1e6) / n; // ns per call
    n *= 2;
  }
}

const g = seedrandom('bench');
const rng = { uniform: () => g() };
console.log('rule                        interpreter ns  compiled ns   speed-up');
const seedRules = baselinesOf('dlr').map((b) => ({ name: b.name, rule: baselineRule(b).rule }));
for (const { name, rule } of seedRules) {
  if (rule.variant !== 'dlr') continue;
  const compiled = compileScalar(rule.lr);
  let sink = 0;
  const slow = timePerCall(() => (sink += interpret(rule.lr, SIGNALS, rng)));
  const fast = timePerCall(() => (sink += compiled(SIGNALS, rng)));
  if (Number.isNaN(sink)) console.log('(NaN)');
  console.log(`${name.padEnd(28)}${slow.toFixed(0).padStart(14)}${fast.toFixed(0).padStart(13)}${(slow / fast).toFixed(1).padStart(10)}x`);
}

const dlr = loadGrammar('dlr');
const randomMs = timePerCall(() => randomGenotype(dlr, rng), 300) / 1e6;
const seeds = seedRules.map((s) => s.rule);
const genotypes = seeds.map((r) => reverseMap(dlr, r));
const reverseMs = timePerCall(() => seeds.forEach((r) => reverseMap(dlr, r)), 300) / 1e6 / seeds.length;
const mapMs = timePerCall(() => genotypes.forEach((gt) => mapGenotype(dlr, gt)), 300) / 1e6 / seeds.length;
console.log(`\nrandom individual (dlr, init depth ${dlr.initDepth}): ${randomMs.toFixed(3)} ms`);
console.log(`map genotype → rule (seed rules, mean):   ${mapMs.toFixed(3)} ms`);
console.log(`reverse map rule → genotype (mean):       ${reverseMs.toFixed(3)} ms`);
