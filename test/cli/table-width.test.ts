import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { renderTable, tableWidth } from '../../src/cli/table.js';
import { TASKS } from '../../src/tasks/registry.js';

const published = join(import.meta.dirname, '..', '..', 'examples', 'runs', 'dlr-mnist-mlp');
const widthOf = (line: string): number => [...line].length;

test('renderTable fits a width by cutting only the shrinkable columns with "…", widest first, and wraps headers', () => {
  const head = ['rank', 'score', 'rule (simplified)', 'from'];
  const rows = [
    [1, '0.9603', 'step: lr0 * pow(0.95, epoch) * (loss < loss_prev ? 1.05 : 0.5)', 'aldvi, clr_triangular, constant'],
    [2, '0.9590', 'epoch: lr0', 'constant'],
  ];
  const full = renderTable(head, rows);
  assert.ok(full.includes('step: lr0 * pow(0.95, epoch) * (loss < loss_prev ? 1.05 : 0.5)'));
  assert.equal(renderTable(head, rows, { width: 1000, shrink: [2, 3] }), full, 'a table that fits is left as it is');
  const fitted = renderTable(head, rows, { width: 50, shrink: [2, 3] });
  for (const line of fitted.split('\n')) assert.ok(widthOf(line) <= 50, `wider than 50: "${line}"`);
  assert.match(fitted, /^1 +0\.9603 +step: lr0 \* pow\(… +aldvi, clr_trian…$/m, 'both free-text columns cut evenly, each ending in "…"');
  assert.match(fitted, /^2 +0\.9590 +epoch: lr0 +constant$/m, 'short cells are whole');
  // Narrower, headers wrap at their spaces rather than widen their columns.
  const narrower = renderTable(head, rows, { width: 36, shrink: [2, 3] });
  for (const line of narrower.split('\n')) assert.ok(widthOf(line) <= 36, `wider than 36: "${line}"`);
  assert.match(narrower, /^rank +score +rule +from\n +\(simplifi…\n1 +0\.9603 +step: lr0… +aldvi, cl…$/m);
  // Columns not named shrinkable are never cut, even when the line then stays too wide.
  const unshrinkable = renderTable(head, rows, { width: 30, shrink: [] });
  assert.ok(unshrinkable.includes('step: lr0 * pow(0.95, epoch) * (loss < loss_prev ? 1.05 : 0.5)'));
});

test('tables fit the terminal when stdout is one, and are printed in full in a pipe or with --wide', () => {
  assert.equal(tableWidth({}, { isTTY: true, columns: 132 }), 132);
  assert.equal(tableWidth({}, { isTTY: true }), 80, 'a terminal that does not say its width is taken as 80 columns');
  assert.equal(tableWidth({}, { isTTY: false, columns: 132 }), undefined, 'a pipe keeps everything');
  assert.equal(tableWidth({ wide: true }, { isTTY: true, columns: 80 }), undefined);
  assert.equal(tableWidth({ width: 100 }, { isTTY: false }), 100);
});

test('list tasks and hof print every cell in full in a pipe, and fit --width N, cutting long text with "…"', async () => {
  const piped = await cli('list', 'tasks');
  assert.equal(piped.code, 0, piped.err);
  for (const task of TASKS) assert.ok(piped.out.includes(task.description), `${task.name}'s description in full`);
  assert.equal((await cli('list', 'tasks', '--wide')).out, piped.out);
  const narrow = await cli('list', 'tasks', '--width', '80');
  assert.equal(narrow.code, 0, narrow.err);
  for (const line of narrow.out.split('\n')) assert.ok(widthOf(line) <= 80, `wider than 80: "${line}"`);
  assert.match(narrow.out, /^synthetic +synthetic +\S.*…$/m);
  for (const subject of ['baselines', 'grammars']) {
    const r = await cli('list', subject, '--width', '70');
    assert.equal(r.code, 0, r.err);
    for (const line of r.out.split('\n')) assert.ok(widthOf(line) <= 70, `list ${subject}: wider than 70: "${line}"`);
  }

  const hofPiped = await cli('hof', published, '--top', '3');
  assert.match(hofPiped.out, /^1 +g15-345 .* step: 0\.003958693651093116$/m, 'the rule in full in a pipe');
  const hofNarrow = await cli('hof', published, '--top', '3', '--width', '100');
  assert.equal(hofNarrow.code, 0, hofNarrow.err);
  // Every line but the opening sentence (prose, which the terminal wraps) fits.
  for (const line of hofNarrow.out.split('\n').slice(1)) assert.ok(widthOf(line) <= 100, `wider than 100: "${line}"`);
  assert.match(hofNarrow.out, /^1 +g15-345 +0\.9603 .*step: 0\.\d*…$/m);
  assert.match(hofNarrow.out, /^sgd_sa +0\.9177 .*better: \+0\.0336 .*…$/m, 'the baselines table fits too');
});

test('--wide and --width refuse each other and bad widths, with exit code 2', async () => {
  const both = await cli('list', 'tasks', '--wide', '--width', '80');
  assert.equal(both.code, 2);
  assert.match(both.err, /--wide.*cannot be used with.*--width/);
  const tiny = await cli('hof', published, '--width', '5');
  assert.equal(tiny.code, 2);
  assert.match(tiny.err, /--width must be an integer from 20 to 10000, not "5"/);
});
