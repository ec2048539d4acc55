/**
 * `autolr check`: reads a rule as the engine would — parse (refusing anything
 * off the whitelist), simplify, hash, and find it in the grammar — and prints
 * what it understood, or exactly why the text was refused.
 */
import type { Command } from 'commander';
import { signalsOf, ruleParts, type Rule, type Variant } from '../../grammar/ast.js';
import { GrammarError, loadGrammar } from '../../grammar/bnf.js';
import { mapGenotype } from '../../grammar/genotype.js';
import { parseRule, RuleSyntaxError } from '../../grammar/parser.js';
import { printRule } from '../../grammar/printer.js';
import { reverseMap, ReverseMappingError } from '../../grammar/reverse.js';
import { simplifyRule } from '../../grammar/simplify.js';
import { ruleHash } from '../../grammar/hash.js';
import { UsageError } from '../errors.js';
import { parseChoiceOption } from '../options.js';

interface CheckOptions {
  variant: Variant;
  grammar?: string;
  json?: boolean;
}

export interface CheckReport {
  readonly rule: string;
  readonly simplified: string;
  readonly variant: Variant;
  readonly granularity?: string;
  readonly reads: readonly string[];
  readonly hash: string;
  readonly grammar: { readonly name: string; readonly derivable: boolean; readonly depth?: number; readonly reason?: string };
}

export function registerCheck(program: Command, out: (s: string) => void): void {
  program
    .command('check')
    .description('parse, simplify and hash a rule, and check that the grammar can derive it')
    .argument('<rule>', 'rule text, e.g. "epoch: lr * 0.9" or "alpha: 0.9 * alpha + grad; update: lr * alpha"')
    .requiredOption('--variant <variant>', 'dlr (schedule) or alr (adaptive optimizer)', parseChoiceOption('--variant', ['dlr', 'alr'] as const))
    .option('--grammar <grammar>', 'grammar to derive it in (built-in name or .bnf path; default: the variant\'s built-in)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolr check "lr * (1 + 0.5 * abs(acc - acc_prev))" --variant dlr',
        '  autolr check "step: 0.1 * (1 + cos(3.14159 * step / 1000)); accept: exp(-dloss)" --variant dlr',
        '  autolr check "alpha: 0.9 * alpha + grad; update: lr * alpha" --variant alr --json',
      ].join('\n'),
    )
    .action((text: string, options: CheckOptions) => {
      const report = checkRule(text, options.variant, options.grammar);
      out(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    });
}

export function checkRule(text: string, variant: Variant, grammarName?: string): CheckReport {
  let rule: Rule;
  try {
    rule = parseRule(text, variant);
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw new UsageError(err.explain());
    throw err;
  }
  let grammar;
  try {
    grammar = loadGrammar(grammarName ?? variant, variant);
  } catch (err) {
    if (err instanceof GrammarError) throw new UsageError(err.message);
    throw err;
  }
  const simplified = simplifyRule(rule);
  const reads = new Set<string>();
  for (const [part, e] of ruleParts(rule)) {
    // An adaptive state left unchanged (`beta: beta`) reads nothing in effect.
    if (!(e.kind === 'signal' && e.name === part)) signalsOf(e, reads);
  }
  let derivation: CheckReport['grammar'];
  try {
    const depth = mapGenotype(grammar, reverseMap(grammar, rule)).depth;
    derivation = { name: grammar.origin, derivable: true, depth };
  } catch (err) {
    if (!(err instanceof ReverseMappingError)) throw err;
    derivation = { name: grammar.origin, derivable: false, reason: err.message };
  }
  return {
    rule: printRule(rule),
    simplified: printRule(simplified),
    variant,
    ...(rule.variant === 'dlr' ? { granularity: rule.granularity } : {}),
    reads: [...reads].sort(),
    hash: ruleHash(rule),
    grammar: derivation,
  };
}

function formatReport(r: CheckReport): string {
  const rows: Array<[string, string]> = [
    ['rule', r.rule],
    ['simplified', r.simplified],
    ['variant', r.variant === 'dlr' ? `dlr, runs per ${r.granularity ?? 'epoch'}` : 'alr'],
    ['reads', r.reads.length > 0 ? r.reads.join(', ') : '(no signals)'],
    ['hash', r.hash],
    [
      'grammar',
      r.grammar.derivable
        ? `${r.grammar.name}: derivable, depth ${r.grammar.depth ?? '?'}`
        : `${r.grammar.name}: NOT derivable — ${r.grammar.reason ?? ''}`,
    ],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`).join('\n');
}
