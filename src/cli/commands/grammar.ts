/** `autolr grammar`: show a grammar file, or sample random rules from it. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Stream } from '../../random/stream.js';
import { builtinGrammarPath, builtinGrammars, GrammarError, isBuiltinGrammar, loadGrammar } from '../../grammar/bnf.js';
import { MappingError, randomGenotype } from '../../grammar/genotype.js';
import { printRule } from '../../grammar/printer.js';
import { UsageError } from '../errors.js';
import { parseIntegerOption } from '../options.js';

interface GrammarOptions {
  show?: boolean;
  sample?: number;
  seed: number;
}

export function registerGrammar(program: Command, out: (s: string) => void): void {
  program
    .command('grammar')
    .description('show a rule grammar (built-in dlr or alr, or a .bnf file), or sample random rules from it')
    .argument('<grammar>', `a built-in grammar (${builtinGrammars().join(', ')}) or the path of a .bnf file`)
    .option('--show', 'print the grammar file (the default)')
    .option('--sample <n>', 'print n random rules derived from the grammar', parseIntegerOption('--sample', 1, 10_000))
    .option('--seed <n>', 'seed of the random rules', parseIntegerOption('--seed', 0, 2 ** 31 - 1), 1)
    .addHelpText(
      'after',
      '\nExamples:\n  autolr grammar dlr\n  autolr grammar alr --sample 5 --seed 7\n  autolr grammar ./my-grammar.bnf --sample 3',
    )
    .action((name: string, options: GrammarOptions) => {
      const grammar = load(name);
      if (options.sample === undefined || options.show) {
        out(readFileSync(isBuiltinGrammar(name) ? builtinGrammarPath(name) : name, 'utf8').trimEnd());
      }
      if (options.sample !== undefined) {
        const rng = new Stream(String(options.seed));
        for (let i = 0; i < options.sample; i++) {
          out(printRule(sampleOne(grammar, rng)));
        }
      }
    });
}

function load(name: string): ReturnType<typeof loadGrammar> {
  try {
    return loadGrammar(name);
  } catch (err) {
    if (err instanceof GrammarError) throw new UsageError(err.message);
    throw err;
  }
}

/** Random derivations can fail (a user grammar that derives invalid text); a few retries, then a clear error. */
function sampleOne(grammar: ReturnType<typeof loadGrammar>, rng: { uniform(): number }): ReturnType<typeof randomGenotype>['rule'] {
  let last: Error | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return randomGenotype(grammar, rng).rule;
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      last = err;
    }
  }
  throw new UsageError(`the grammar ${grammar.origin} keeps deriving invalid rules: ${last?.message ?? ''}`);
}
