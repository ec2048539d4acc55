import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

test('autolr check prints the rule, its simplified form, hash and derivability', async () => {
  const r = await cli('check', 'lr * (2 + 3) + 0', '--variant', 'dlr');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /rule: +epoch: lr \* \(2 \+ 3\) \+ 0/);
  assert.match(r.out, /simplified: epoch: lr \* 5/);
  assert.match(r.out, /reads: +lr/);
  assert.match(r.out, /hash: +[0-9a-f]{16}/);
  assert.match(r.out, /grammar: +dlr: derivable, depth \d+/);
});

test('autolr check --json gives a machine-readable report; equal rules hash equally', async () => {
  const a = JSON.parse((await cli('check', '0.5 * lr', '--variant', 'dlr', '--json')).out);
  const b = JSON.parse((await cli('check', 'lr * 0.5 * 1', '--variant', 'dlr', '--json')).out);
  assert.equal(a.hash, b.hash);
  assert.equal(a.grammar.derivable, true);
  const alr = JSON.parse((await cli('check', 'alpha: 0.9 * alpha + grad; update: lr * alpha', '--variant', 'alr', '--json')).out);
  assert.deepEqual(alr.reads, ['alpha', 'grad', 'lr']);
});

test('autolr check refuses hostile text with exit code 2 and a caret under the problem', async () => {
  const r = await cli('check', 'lr + process.exit(1)', '--variant', 'dlr');
  assert.equal(r.code, 2);
  assert.match(r.err, /line 1 column 6: only the language's functions/);
  assert.match(r.err, /\n {2} {5}\^/);
});

test('autolr check reports a rule the grammar cannot derive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autolr-grammar-'));
  const file = join(dir, 'tiny.bnf');
  writeFileSync(file, '%variant dlr\n<r> ::= epoch: <e>\n<e> ::= (<e> * <e>) | lr | %real(0, 1)%\n');
  const r = await cli('check', 'lr + 1', '--variant', 'dlr', '--grammar', file);
  assert.equal(r.code, 0);
  assert.match(r.out, /NOT derivable — .*cannot be derived/);
  const wrong = await cli('check', 'lr', '--variant', 'alr', '--grammar', file);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /derives dlr rules, but a alr grammar is needed/);
});

test('bad usage exits 2 and names the bad field', async () => {
  const r = await cli('check', 'lr', '--variant', 'sgd');
  assert.equal(r.code, 2);
  assert.match(r.err, /--variant must be one of dlr, alr, not "sgd"/);
  assert.equal((await cli('check', 'lr')).code, 2);
  assert.equal((await cli('frobnicate')).code, 2);
  const bad = await cli('grammar', 'dlr', '--sample', 'many');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--sample must be an integer/);
});

test('autolr grammar shows a grammar and samples reproducible random rules', async () => {
  const shown = await cli('grammar', 'dlr', '--show');
  assert.equal(shown.code, 0);
  assert.match(shown.out, /%variant dlr/);
  assert.match(shown.out, /<rule> ::= epoch: <expr>/);
  const a = await cli('grammar', 'alr', '--sample', '4', '--seed', '3');
  const b = await cli('grammar', 'alr', '--sample', '4', '--seed', '3');
  assert.equal(a.out, b.out);
  assert.equal(a.out.split('\n').length, 4);
  assert.match(a.out, /update: /);
  const missing = await cli('grammar', './no-such.bnf');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such grammar file/);
});

test('the real process exits with the documented codes', () => {
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const ok = spawnSync(process.execPath, ['--import', 'tsx', main, 'check', 'lr', '--variant', 'dlr'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', main, 'check', 'lr = 0', '--variant', 'dlr'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /assignment is not allowed/);
});
