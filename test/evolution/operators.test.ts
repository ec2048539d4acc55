import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadGrammar, parseGrammar, type Grammar } from '../../src/grammar/bnf.js';
import { mapGenotype, randomGenotype, type Genotype } from '../../src/grammar/genotype.js';
import { crossover, makeValid, mutate, mutateConstants, tournament } from '../../src/evolution/operators.js';
import type { Evaluated } from '../../src/evolution/individual.js';
import { deriveStream, Stream } from '../../src/random/stream.js';
import { check } from '../helpers/arbitraries.js';

const dlr = loadGrammar('dlr');
const alr = loadGrammar('alr');
const grammarArb = fc.constantFrom(dlr, alr);

/** A random genotype as the strategy makes them, a little deeper than %init-depth so genes are long. */
function randomOf(g: Grammar, seed: number, depth = g.initDepth + 2): Genotype {
  return randomGenotype(g, new Stream(`genotype:${seed}`), Math.min(depth, g.maxDepth)).genotype;
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

test('a restored stream continues the exact same sequence, also through JSON', () => {
  const a = new Stream('campaign');
  for (let i = 0; i < 37; i++) a.uniform();
  a.normal();
  const saved = JSON.parse(JSON.stringify(a.state())) as object;
  const b = new Stream('campaign', saved);
  const xs = Array.from({ length: 500 }, () => [a.uniform(), a.int(7), a.normal()]);
  const ys = Array.from({ length: 500 }, () => [b.uniform(), b.int(7), b.normal()]);
  assert.deepEqual(ys, xs);
  // state() is a copy: drawing after saving does not change what was saved.
  const s1 = JSON.stringify(b.state());
  const again = new Stream('campaign', JSON.parse(s1) as object);
  b.uniform();
  assert.equal(JSON.stringify(again.state()), s1);
});

test('streams: same seed same draws, derived streams independent, int and pick in range, bad states refused', () => {
  assert.deepEqual(
    Array.from({ length: 20 }, ((s) => () => s.uniform())(new Stream('x'))),
    Array.from({ length: 20 }, ((s) => () => s.uniform())(new Stream('x'))),
  );
  const d1 = deriveStream('7', 'strategy');
  const d2 = deriveStream('7', 'seeding');
  assert.equal(d1.seed, '7:strategy');
  assert.notEqual(d1.uniform(), d2.uniform());
  const s = new Stream('ranges');
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) {
    const k = s.int(3);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 3);
    counts[k] = (counts[k] as number) + 1;
    assert.ok(['a', 'b'].includes(s.pick(['a', 'b'])));
  }
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 120, `int(3) counts ${counts.join(', ')}`);
  assert.throws(() => s.int(0), RangeError);
  assert.throws(() => s.pick([]), RangeError);
  assert.throws(() => new Stream('x', { i: 0, j: 0, S: [1, 2] }), /not a saved random-stream state/);
  assert.throws(() => new Stream('x', {}), /not a saved random-stream state/);
});

test('mutated and crossed genotypes, once made valid, map within the depth limit and agree with their rule', () => {
  check(
    fc.property(grammarArb, seedArb, seedArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 8 }), (g, s1, s2, rate, cut) => {
      const maxDepth = g.maxDepth - cut;
      const stream = new Stream(`ops:${s1}:${s2}`);
      const { child } = crossover(randomOf(g, s1), randomOf(g, s2), 0.9, stream);
      const varied = mutateConstants(mutate(g, child, { '*': rate }, stream), 0.5, 0.3, stream);
      const m = makeValid(g, varied, stream, maxDepth);
      assert.ok(m, 'repair and extension always give a valid rule for the built-in grammars');
      assert.ok(m.depth <= maxDepth, `depth ${m.depth} > ${maxDepth}`);
      // The returned genotype holds every choice: it maps again without a stream, to the same text.
      const again = mapGenotype(g, m.genotype, { maxDepth });
      assert.equal(again.text, m.text);
      assert.deepEqual(again.genotype, m.genotype);
    }),
    150,
  );
});

test('every gene of a crossover child equals the gene of one parent', () => {
  check(
    fc.property(grammarArb, seedArb, seedArb, (g, s1, s2) => {
      const a = randomOf(g, s1);
      const b = randomOf(g, s2);
      const { child, crossed } = crossover(a, b, 1, new Stream(`x:${s1}:${s2}`));
      assert.ok(crossed);
      for (const nt of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const gene = child[nt];
        assert.ok(
          (gene === undefined && (a[nt] === undefined || b[nt] === undefined)) ||
            (gene !== undefined && (JSON.stringify(gene) === JSON.stringify(a[nt]) || JSON.stringify(gene) === JSON.stringify(b[nt]))),
          `gene <${nt}> comes from neither parent`,
        );
      }
      for (const nt of Object.keys(child)) assert.ok(nt in a || nt in b);
    }),
  );
});

test('crossover happens with the given probability, and otherwise the child is a copy of the first parent', () => {
  const a = randomOf(dlr, 1);
  const b = randomOf(dlr, 2);
  const stream = new Stream('crossover-rate');
  const trials = 2000;
  const p = 0.3;
  let crossed = 0;
  for (let i = 0; i < trials; i++) {
    const r = crossover(a, b, p, stream);
    if (r.crossed) crossed++;
    else assert.deepEqual(r.child, a);
  }
  // Four binomial standard deviations: a false alarm about once in 15 000 seeds (and the seed is fixed).
  const tolerance = 4 * Math.sqrt((p * (1 - p)) / trials);
  assert.ok(Math.abs(crossed / trials - p) <= tolerance, `observed ${crossed / trials}, expected ${p} ± ${tolerance.toFixed(3)}`);
  assert.equal(crossover(a, b, 0, stream).crossed, false);
  assert.equal(crossover(a, b, 1, stream).crossed, true);
  assert.throws(() => crossover(a, b, 1.5, stream), /probability in \[0, 1\]/);
});

test('codon mutation: rate 0 is the identity, rate 1 changes every codon that can change, per-nonterminal rates apply', () => {
  check(
    fc.property(grammarArb, seedArb, (g, seed) => {
      const genotype = randomOf(g, seed);
      const stream = new Stream(`m:${seed}`);
      assert.deepEqual(mutate(g, genotype, { '*': 0 }, stream), genotype);
      assert.deepEqual(mutate(g, genotype, {}, stream), genotype);
      const all = mutate(g, genotype, { '*': 1 }, stream);
      let changed = 0;
      for (const [nt, gene] of Object.entries(genotype)) {
        const n = g.productions.get(nt)?.length ?? 0;
        const out = all[nt]?.codons ?? [];
        assert.equal(out.length, gene.codons.length);
        assert.deepEqual(all[nt]?.reals, gene.reals);
        gene.codons.forEach((c, i) => {
          const d = out[i] as number;
          assert.ok(Number.isInteger(d) && d >= 0 && d < n, `codon ${d} out of range for <${nt}>`);
          if (n > 1) {
            assert.notEqual(d, c, `a codon of <${nt}> did not change at rate 1`);
            changed++;
          } else assert.equal(d, c);
        });
      }
      assert.ok(changed > 0);
      // Only the listed nonterminal mutates when the default rate is 0.
      const onlyOp = mutate(g, genotype, { '*': 0, op: 1 }, stream);
      for (const nt of Object.keys(genotype)) {
        if (nt !== 'op') assert.deepEqual(onlyOp[nt], genotype[nt]);
      }
    }),
    100,
  );
  assert.throws(() => mutate(dlr, randomOf(dlr, 1), { '*': 2 }, new Stream('x')), /mutation rate of unlisted nonterminals must be a probability/);
});

test('constant mutation keeps values finite, is the identity at probability 0, and moves constants in proportion to their size', () => {
  const realsArb = fc.array(
    fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1e-8, -1e-300, 1.7e308, -1.7e308)),
    { minLength: 1, maxLength: 8 },
  );
  check(
    fc.property(realsArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), seedArb, (reals, p, sigma, seed) => {
      const genotype: Genotype = { const: { codons: reals.map(() => 0), reals } };
      const stream = new Stream(`c:${seed}`);
      assert.deepEqual(mutateConstants(genotype, 0, sigma, stream), genotype);
      const out = mutateConstants(genotype, p, sigma, stream);
      assert.deepEqual(out.const?.codons, genotype.const?.codons);
      assert.equal(out.const?.reals.length, reals.length);
      for (const v of out.const?.reals ?? []) assert.ok(Number.isFinite(v));
    }),
  );
  // Scale-aware: the median relative change is the same for a tiny and a large constant (sigma · 0.674 for a normal).
  const stream = new Stream('scale');
  for (const x of [2e-3, 0.9, 1000]) {
    const rel = Array.from({ length: 2001 }, () => {
      const y = mutateConstants({ c: { codons: [0], reals: [x] } }, 1, 0.2, stream).c?.reals[0] as number;
      return Math.abs(y - x) / x;
    }).sort((a, b) => a - b);
    const median = rel[1000] as number;
    assert.ok(Math.abs(median - 0.2 * 0.674) < 0.015, `median relative change ${median} for ${x}`);
  }
  // Zero moves too (the floor), by about sigma · 1e-3.
  const z = mutateConstants({ c: { codons: [0], reals: [0] } }, 1, 0.2, stream).c?.reals[0] as number;
  assert.ok(z !== 0 && Math.abs(z) < 0.01);
});

test('tournament returns the fittest of its picks, the earlier of equals', () => {
  const popArb = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 30 });
  check(
    fc.property(popArb, fc.integer({ min: 1, max: 10 }), seedArb, (fits, size, seed) => {
      const population: Evaluated[] = fits.map((fitness, i) => ({ id: `i${i}`, genotype: {}, text: '', origin: { kind: 'random' }, birth: 0, fitness }));
      // The same stream position replays the picks the tournament made.
      const picks = ((s) => Array.from({ length: size }, () => s.int(population.length)))(new Stream(`t:${seed}`));
      const winner = tournament(population, size, new Stream(`t:${seed}`));
      const best = Math.max(...picks.map((i) => fits[i] as number));
      const expected = Math.min(...picks.filter((i) => fits[i] === best));
      assert.equal(winner.id, `i${expected}`);
    }),
  );
  const population: Evaluated[] = [3, 9, 1, 9].map((fitness, i) => ({ id: `i${i}`, genotype: {}, text: '', origin: { kind: 'random' }, birth: 0, fitness }));
  // A large tournament almost surely samples everyone: the best wins, the first of two equals.
  assert.equal(tournament(population, 200, new Stream('big')).id, 'i1');
  assert.throws(() => tournament([], 3, new Stream('x')), /non-empty/);
});

test('makeValid returns undefined when no valid rule comes out', () => {
  // A grammar whose only derivation needs more expansions than the mapper allows.
  const deep = parseGrammar('%variant dlr\n%max-depth 64\n%init-depth 64\n<r> ::= epoch: <e>\n<e> ::= (<e> + <e>) | lr', 'deep.bnf');
  const alwaysFirst: Genotype = { r: { codons: [0], reals: [] }, e: { codons: Array.from({ length: 5000 }, () => 0), reals: [] } };
  assert.equal(makeValid(deep, alwaysFirst, new Stream('v'), 64), undefined);
  assert.ok(makeValid(dlr, {}, new Stream('v')));
});
