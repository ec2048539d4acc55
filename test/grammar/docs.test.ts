import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALR_SIGNALS, DLR_SIGNALS } from '../../src/grammar/signals.js';

test('docs/rule-language.md states every signal with its exact definition from the code', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rule-language.md'), 'utf8');
  for (const s of [...DLR_SIGNALS, ...ALR_SIGNALS]) {
    assert.ok(doc.includes(`| \`${s.name}\` | ${s.definition} |`), `docs/rule-language.md lacks the row for ${s.name}`);
  }
});
