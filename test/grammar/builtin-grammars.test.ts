import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtinGrammarPath, builtinGrammars, isBuiltinGrammar, loadGrammar } from '../../src/grammar/bnf.js';

const GRAMMAR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'grammar', 'grammars');

test('every .bnf file in src/grammar/grammars is a built-in grammar, the default ones first', () => {
  const files = readdirSync(GRAMMAR_DIR).filter((f) => f.endsWith('.bnf')).map((f) => f.replace(/\.bnf$/, ''));
  const names = builtinGrammars();
  assert.deepEqual([...names].sort(), [...files].sort());
  assert.deepEqual(names.slice(0, 2), ['dlr', 'alr']);
  for (const name of names) {
    assert.ok(isBuiltinGrammar(name));
    assert.equal(builtinGrammarPath(name), join(GRAMMAR_DIR, `${name}.bnf`));
    // Each loads, and names itself by its built-in name in messages.
    assert.equal(loadGrammar(name).origin, name);
  }
  assert.equal(isBuiltinGrammar('no-such-grammar'), false);
});
