/**
 * The command line on a real terminal: each case runs autolr in a tmux pane of
 * a fixed size (a real pseudo-terminal, so stdout and stderr are TTYs and the
 * progress bar draws) and reads the screen back with capture-pane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const repo = join(import.meta.dirname, '..', '..');
const main = join(repo, 'src', 'cli', 'main.ts');
const work = mkdtempSync(join(tmpdir(), 'autolr-tty-'));
const hasTmux = ((): boolean => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = hasTmux ? false : 'tmux is not installed (apt-get install tmux; CI installs it)';

interface Screen {
  /** The pane as it was drawn, one string per screen row, scrollback included. */
  readonly rows: string[];
  /** The same with the rows the terminal wrapped joined back into the lines that were printed. */
  readonly lines: string[];
}

/**
 * Runs autolr with `args` in a new tmux server (its own socket, so nothing else's
 * sessions are touched) in a pane `columns` wide; waits for it to exit and
 * returns the screen.
 */
async function onTerminal(name: string, columns: number, args: string[], timeoutMs: number): Promise<Screen> {
  const tmux = (...a: string[]): string => execFileSync('tmux', ['-L', `autolr-${name}-${process.pid}`, '-f', '/dev/null', ...a], { encoding: 'utf8' });
  const quoted = [process.execPath, '--import', 'tsx', main, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The exit status is printed last, and the shell then waits so that the pane stays to be read.
  tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', '100', '-c', repo, `sh -c "${quoted.replace(/"/g, '\\"')}; echo [exit \\$?]; sleep 600"`);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main');
      if (/^\[exit \d+\]$/m.test(screen)) break;
      if (Date.now() > deadline) throw new Error(`autolr ${args.join(' ')} did not finish in ${timeoutMs} ms; the screen:\n${screen}`);
      await sleep(200);
    }
    const rows = tmux('capture-pane', '-p', '-S', '-', '-t', 'main').replace(/\n+$/, '').split('\n');
    const lines = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main').replace(/\n+$/, '').split('\n');
    return { rows, lines };
  } finally {
    tmux('kill-server');
  }
}

test('on a terminal, evolve prints every generation line whole above the progress bar, and the summary overwrites none of them', { skip, timeout: 120_000 }, async () => {
  const config = join(work, 'tiny.json');
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 4, generations: 2, seeds: ['constant', 'exponential'], finalSeeds: 1, hallOfFame: 2, tuning: { points: 3 } }));
  const columns = 60;
  const screen = await onTerminal('evolve', columns, ['evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', work, '--name', 'tty'], 100_000);
  const text = screen.lines.join('\n');
  assert.match(text, /^\[exit 0\]$/m, text);
  // In order, each on its own line and whole: nothing printed later was drawn over them.
  const expected = [
    /^campaign tty: dlr rules on synthetic, population 4, 2 generations, 0 worker\(s\)$/,
    /^generation 1\/2: 4 candidates, \d+ promoted( \(hurdle \d\.\d{4}\))?, cache hits \d+, best \d\.\d{4} .+ \(\d+\.\d s\)$/,
    /^generation 2\/2: \d+ candidates, \d+ promoted( \(hurdle \d\.\d{4}\))?, cache hits \d+, best \d\.\d{4} .+ \(\d+\.\d s\)$/,
    /^re-scoring \d+ rule\(s\) on the test split with 1 fresh seeds$/,
    /^tuning lr0 for \d+ rule\(s\) on 1 task\(s\): 3 rates each, then 1 fresh seeds at the best \(\d+ runs\)$/,
    /^tuning took /,
    /^campaign folder: .*tty$/,
    /^evaluations: \d+ \(cache hits \d+, promoted \d+, failures 0\), \d+ s$/,
  ];
  let from = 0;
  for (const pattern of expected) {
    const at = screen.lines.findIndex((line, i) => i >= from && pattern.test(line));
    assert.ok(at >= 0, `no line ${pattern} after line ${from} on the screen:\n${text}`);
    from = at + 1;
  }
  // The bar is gone once the campaign ends: no bar left drawn, and none over a line.
  assert.doesNotMatch(text, /runs \| best/);
  // Lines longer than the terminal wrap onto the next row (a cut line would have lost its end above).
  const generationLines = screen.lines.filter((line) => line.startsWith('generation '));
  assert.ok(generationLines.some((line) => line.length > columns), `a generation line longer than ${columns} columns, to see it wrap:\n${text}`);
  assert.ok(screen.rows.length > screen.lines.length, 'the pane shows wrapped rows');
  assert.ok(screen.rows.every((row) => [...row].length <= columns));
  // The summary follows on the terminal: the table fits the pane's width.
  assert.match(text, /^rank +id +score/m);
  assert.match(text, /^next: autolr report /m);
  const tableRows = screen.rows.slice(screen.rows.findIndex((row) => row.startsWith('rank')));
  assert.ok(tableRows.some((row) => row.includes('…')), 'long cells are cut with "…" to fit the terminal');
});

test('on a terminal, hof fits the terminal width with long text cut by "…"; --wide prints every cell in full', { skip, timeout: 60_000 }, async () => {
  const campaign = join(repo, 'examples', 'runs', 'dlr-mnist-mlp');
  const columns = 90;
  const fitted = await onTerminal('hof', columns, ['hof', campaign, '--top', '3'], 50_000);
  const text = fitted.lines.join('\n');
  assert.match(text, /^\[exit 0\]$/m, text);
  const tableLines = fitted.lines.filter((line) => /^(rank|\d+ +g\d+-\d+|[a-z_0-9]+ +\d\.\d{4} +\d\.\d{4})/.test(line));
  assert.ok(tableLines.length >= 3 + 12, `hall-of-fame and baseline rows on the screen:\n${text}`);
  for (const line of tableLines) assert.ok([...line].length <= columns, `a table line wider than the terminal: ${line}`);
  assert.match(text, /^1 +g15-345 +0\.9603 .*step: 0\.\d*…$/m, 'the rule is cut with "…"');
  const wide = await onTerminal('hof-wide', columns, ['hof', campaign, '--top', '3', '--wide'], 50_000);
  assert.match(wide.lines.join('\n'), /^1 +g15-345 +0\.9603 .*aldvi, clr_triangular, clr_triangular2, constant, exponential, step_decay +8\.0 s +step: 0\.003958693651093116$/m);
});
