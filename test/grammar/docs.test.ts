import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALR_SIGNALS, DLR_SIGNALS } from '../../src/grammar/signals.js';
import { baselineRule, baselinesOf } from '../../src/baselines/registry.js';

test('docs/rule-language.md states every signal with its exact definition from the code', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rule-language.md'), 'utf8');
  for (const s of [...DLR_SIGNALS, ...ALR_SIGNALS]) {
    assert.ok(doc.includes(`| \`${s.name}\` | ${s.definition} |`), `docs/rule-language.md lacks the row for ${s.name}`);
  }
});

test('docs/rule-language.md shows every baseline as the exact rule text the registry seeds', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rule-language.md'), 'utf8');
  for (const b of [...baselinesOf('dlr'), ...baselinesOf('alr')]) {
    assert.ok(doc.includes(`| \`${b.name}\` | \`${baselineRule(b).text}\` |`), `docs/rule-language.md lacks the rule of ${b.name}`);
  }
});
