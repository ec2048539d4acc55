import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { GrammarError, loadGrammar, parseGrammar, formatGrammar, type Grammar } from '../../src/grammar/bnf.js';
import { mapGenotype, MappingError, randomGenotype, type Genotype } from '../../src/grammar/genotype.js';
import { reverseMap, ReverseMappingError } from '../../src/grammar/reverse.js';
import { parseRule } from '../../src/grammar/parser.js';
import { printRule } from '../../src/grammar/printer.js';
import { ruleEquals, depth as exprDepth, ruleParts } from '../../src/grammar/ast.js';
import { alrRuleArb, check, dlrRuleArb } from '../helpers/arbitraries.js';

const dlr = loadGrammar('dlr');
const alr = loadGrammar('alr');

function stream(seed: number): { uniform(): number } {
  const g = seedrandom(String(seed));
  return { uniform: () => g() };
}

test('the built-in grammars load, know their variant, and print in their own notation', () => {
  assert.equal(dlr.variant, 'dlr');
  assert.equal(alr.variant, 'alr');
  assert.equal(dlr.start, 'rule');
  const again = parseGrammar(formatGrammar(dlr), 'printed');
  assert.deepEqual([...again.productions.keys()], [...dlr.productions.keys()]);
  assert.throws(() => loadGrammar('dlr', 'alr'), /derives dlr rules, but a alr grammar is needed/);
  assert.throws(() => loadGrammar('/nonexistent/x.bnf'), /no such grammar file/);
});

test('malformed grammar files are refused with the line and the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['<r> ::= epoch: <e>\n<e> ::= lr', /missing "%variant dlr"/],
    ['%variant xyz\n<r> ::= epoch: lr', /line 1: %variant must be dlr or alr/],
    ['%variant dlr\n<r> ::= epoch: <e>', /line 2: <e> is used but never defined/],
    ['%variant dlr\n<r> ::= epoch: lr\n<x> ::= lr', /line 3: <x> cannot be reached/],
    ['%variant dlr\n<r> ::= epoch: <e>\n<e> ::= (<e> + <e>)', /line 3: <r>, <e> never finish: every alternative leads back into them/],
    ['%variant dlr\n<r> ::= epoch: lr\n<r> ::= epoch: lr0', /line 3: <r> is defined twice/],
    ['%variant dlr\n| lr', /line 2: a "\|" continuation line comes before any rule/],
    ['%variant dlr\nepoch: lr', /line 2: expected "<name> ::= …"/],
    ['%variant dlr\n<r> ::= epoch: %real(1)%', /line 2: cannot read the slot/],
    ['%variant dlr\n<r> ::= epoch: %logreal(0, 1)%', /line 2: .*log-scaled, so its bounds must be positive/],
    ['%variant dlr\n%max-depth 0\n<r> ::= epoch: lr', /line 2: %max-depth must be an integer/],
    ['%variant dlr\n%colour blue\n<r> ::= epoch: lr', /unknown directive %colour/],
    ['%variant dlr\n%max-depth 2\n<r> ::= epoch: <a>\n<a> ::= <b>\n<b> ::= lr', /shortest derivation is 3 deep, more than %max-depth 2/],
    ['', /no rules/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseGrammar(text, 'test.bnf'), (err: unknown) => err instanceof GrammarError && reason.test(err.message), reason.source);
  }
});

function checkRandomIndividuals(g: Grammar): void {
  check(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
      const m = randomGenotype(g, stream(seed));
      assert.ok(m.depth <= g.initDepth, `depth ${m.depth} > init depth ${g.initDepth}`);
      // The genotype alone (no random stream) reproduces the rule: it holds every choice made.
      const again = mapGenotype(g, m.genotype);
      assert.ok(ruleEquals(again.rule, m.rule));
      assert.deepEqual(again.genotype, m.genotype);
      assert.equal(again.text, m.text);
      for (const [, e] of ruleParts(m.rule)) assert.ok(exprDepth(e) <= 2 * g.initDepth);
    }),
    300,
  );
}

test('every random dlr individual maps to a valid rule within the depth limit, reproducibly', () => checkRandomIndividuals(dlr));
test('every random alr individual maps to a valid rule within the depth limit, reproducibly', () => checkRandomIndividuals(alr));

test('arbitrary codon lists (as crossover and mutation leave them) map within the depth limit or fail with a MappingError', () => {
  const genotypeArb = (g: Grammar): fc.Arbitrary<Genotype> =>
    fc.record(
      Object.fromEntries(
        g.nonterminals.map((nt) => [
          nt,
          fc.record({
            codons: fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 12 }),
            reals: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 4 }),
          }),
        ]),
      ),
    );
  for (const g of [dlr, alr]) {
    check(
      fc.property(genotypeArb(g), fc.integer(), (genotype, seed) => {
        try {
          const m = mapGenotype(g, genotype, { rng: stream(seed), maxExpansions: 800 });
          assert.ok(m.depth <= g.maxDepth);
          assert.ok(ruleEquals(mapGenotype(g, m.genotype).rule, m.rule), 'the repaired genotype maps to the same rule');
        } catch (err) {
          assert.ok(err instanceof MappingError, String(err));
          assert.match(err.message, /more than 800 expansions/);
        }
      }),
      150,
    );
  }
});

test('mapping without a random stream refuses a genotype that runs out of codons', () => {
  assert.throws(() => mapGenotype(dlr, {}), /too few codons for <rule>/);
});

test('reverse mapping round-trips random dynamic rules', () => {
  check(
    fc.property(dlrRuleArb({ random: true, maxDepth: 4 }), (rule) => {
      const back = mapGenotype(dlr, reverseMap(dlr, rule)).rule;
      assert.ok(ruleEquals(back, rule), `${printRule(rule)} came back as ${printRule(back)}`);
    }),
    150,
  );
});

test('reverse mapping round-trips random adaptive rules', () => {
  check(
    fc.property(alrRuleArb({ maxDepth: 4 }), (rule) => {
      const back = mapGenotype(alr, reverseMap(alr, rule)).rule;
      assert.ok(ruleEquals(back, rule), `${printRule(rule)} came back as ${printRule(back)}`);
    }),
    100,
  );
});

test('reverse mapping explains what it cannot do', () => {
  const small = parseGrammar('%variant dlr\n<r> ::= epoch: <e>\n<e> ::= (<e> * <e>) | lr | %real(0, 1)%', 'small.bnf');
  assert.throws(() => reverseMap(small, parseRule('lr + 1', 'dlr')), (e: unknown) => e instanceof ReverseMappingError && /cannot be derived by the grammar small\.bnf/.test(e.message));
  assert.throws(() => reverseMap(small, parseRule('lr', 'alr')), /a alr rule cannot be expressed in the dlr grammar/);
  const deep = parseRule(`epoch: ${'('.repeat(30)}lr${' * 2)'.repeat(30)}`, 'dlr');
  assert.throws(() => reverseMap(small, deep), /within depth 16/);
  // A grammar without parentheses derives text whose structure differs from the derivation.
  const loose = parseGrammar('%variant dlr\n<r> ::= epoch: <e>\n<e> ::= <e> * <e> | <e> + <e> | lr | %real(0, 9)%', 'loose.bnf');
  assert.throws(() => reverseMap(loose, parseRule('(lr + 2) * 3', 'dlr')), /derives "epoch: lr \+ 2 \* 3" where "epoch: \(lr \+ 2\) \* 3" was meant; parenthesise/);
});

test('grammars in AutoLR\'s style — digit constants, operator nonterminals — reverse-map too', () => {
  const autolr = parseGrammar(
    [
      '%variant dlr',
      '<r> ::= epoch: <e>',
      '<e> ::= (<e> <op> <e>) | (epoch <cmp> <c> ? <e> : <e>) | lr | <c>',
      '<op> ::= + | *',
      '<cmp> ::= < | >=',
      '<c> ::= 0.<d><d> | <d>',
      '<d> ::= 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9',
    ].join('\n'),
    'autolr-style.bnf',
  );
  for (const text of ['lr * 0.25', 'epoch < 5 ? lr : lr * 0.5 + 0.07', '3']) {
    const rule = parseRule(text, 'dlr');
    assert.ok(ruleEquals(mapGenotype(autolr, reverseMap(autolr, rule)).rule, rule), text);
  }
  assert.throws(() => reverseMap(autolr, parseRule('lr * 0.125', 'dlr')), ReverseMappingError);
});
