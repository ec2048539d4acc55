/**
 * Plain, borderless text tables (cli-table3) that read well in a terminal and
 * in a pipe, and fit a width when given one: headers wrap onto a second line,
 * and the columns a table names as shrinkable (long free text: rules,
 * descriptions) are cut with "…", the widest first.
 */
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import { parseIntegerOption } from './options.js';

const PLAIN = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};
const GAP = 2;
/** A shrinkable column keeps at least this many characters, and its header's longest word up to HEADER_WORD. */
const MIN_SHRUNK = 6;
const HEADER_WORD = 8;

export interface TableFit {
  /** Characters a line may take; undefined: every cell in full. */
  readonly width?: number | undefined;
  /** Columns (by index) whose cells may be cut with "…" to fit; the others are never cut. */
  readonly shrink?: readonly number[];
}

/**
 * Display width, counted in code points: the tables hold ASCII and a few
 * one-column symbols (±, ×, …), never wide (CJK) characters or colour codes.
 */
function displayWidth(s: string): number {
  return [...s].length;
}

/** `s` cut to `width` characters, the last being "…" when anything was cut. */
export function truncateText(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function longestWord(s: string): number {
  return Math.max(0, ...s.split(/\s+/).map(displayWidth));
}

/**
 * Column widths that fit `width`, or undefined when the table fits as it is.
 * Headers first give way (wrapping at spaces), then the shrinkable columns,
 * one character at a time from the widest, so that long texts are cut evenly.
 */
function fitWidths(head: readonly string[], cells: ReadonlyArray<readonly string[]>, fit: TableFit): number[] | undefined {
  const { width } = fit;
  const shrink = new Set(fit.shrink ?? []);
  const valueWidth = head.map((_, i) => Math.max(0, ...cells.map((row) => displayWidth(row[i] ?? ''))));
  const natural = head.map((h, i) => Math.max(displayWidth(h), valueWidth[i] as number));
  const lineWidth = (ws: readonly number[]): number => ws.reduce((a, b) => a + b, 0) + GAP * (ws.length - 1);
  if (width === undefined || lineWidth(natural) <= width) return undefined;
  const widths = head.map((h, i) => Math.max(longestWord(h), valueWidth[i] as number));
  const floor = head.map((h, i) => Math.min(widths[i] as number, Math.max(Math.min(longestWord(h), HEADER_WORD), MIN_SHRUNK)));
  let excess = lineWidth(widths) - width;
  while (excess > 0) {
    let widest = -1;
    for (const i of shrink) {
      if ((widths[i] as number) > (floor[i] as number) && (widest < 0 || (widths[i] as number) > (widths[widest] as number))) widest = i;
    }
    // Every shrinkable column at its floor: the line stays longer than asked, and the terminal wraps it.
    if (widest < 0) break;
    widths[widest] = (widths[widest] as number) - 1;
    excess--;
  }
  return widths;
}

export function renderTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, fit: TableFit = {}): string {
  const cells = rows.map((row) => row.map(String));
  const widths = fitWidths(head, cells, fit);
  // The header goes in as the first row: cli-table3 types a head as plain strings, and only a cell can wrap on its own.
  const table = new Table({
    chars: PLAIN,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colWidths: widths ?? [],
  });
  table.push(head.map((content) => ({ content, wordWrap: true })));
  for (const row of cells) table.push(widths ? row.map((c, i) => truncateText(c, widths[i] as number)) : row);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}

export interface WidthOptions {
  readonly wide?: boolean;
  readonly width?: number;
}

/**
 * The width tables fit: --width; else, when standard output is a terminal,
 * its width; else (a pipe, a file) none, so nothing is lost to grep or a log.
 */
export function tableWidth(options: WidthOptions, stdout: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  if (options.wide) return undefined;
  if (options.width !== undefined) return options.width;
  return stdout.isTTY ? (stdout.columns ?? 80) : undefined;
}

/** --wide and --width for a command that prints tables. */
export function addWidthOptions(command: Command): Command {
  return command
    .addOption(new Option('--wide', 'print every cell in full, however wide (the default when output is not a terminal)').conflicts('width'))
    .addOption(
      new Option('--width <columns>', "fit tables to this many columns, cutting long text with \"…\" (default: the terminal's width)").argParser(parseIntegerOption('--width', 20, 10_000)),
    );
}
