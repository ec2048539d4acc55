/** Plain, borderless text tables (cli-table3) that read well in a terminal and in a pipe. */
import Table from 'cli-table3';

const PLAIN = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

export function renderTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, options: { wrap?: number[] } = {}): string {
  const table = new Table({
    head: [...head],
    chars: PLAIN,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    wordWrap: true,
    colWidths: options.wrap ? head.map((_, i) => options.wrap?.[i] ?? null) as number[] : [],
  });
  for (const row of rows) table.push(row.map(String));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}
