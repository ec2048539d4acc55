/**
 * The published winners (examples/winners/) are what `autolr export` writes
 * today from the published campaigns (examples/runs/): a change to a
 * generator, a runtime file or a header fails here until the winners are
 * regenerated, with the command to do it in the message.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const WINNERS = 'examples/winners';

/**
 * Each published file and the export it came from (docs/results.md,
 * examples/runs/README.md): rank 1 of its campaign, except the PINN
 * campaign's, whose hall of fame holds only seeds: there the best evolved
 * rule, by id.
 */
const PUBLISHED: ReadonlyArray<{ file: string; campaign: string; args: readonly string[] }> = [
  { file: 'dlr-mnist-mlp.ts', campaign: 'dlr-mnist-mlp', args: ['--format', 'ts'] },
  { file: 'dlr-mnist-mlp.js', campaign: 'dlr-mnist-mlp', args: ['--format', 'js'] },
  { file: 'dlr_mnist_mlp.py', campaign: 'dlr-mnist-mlp', args: ['--format', 'py'] },
  { file: 'dlr-fashion-mnist-mlp.ts', campaign: 'dlr-fashion-mnist-mlp', args: ['--format', 'ts'] },
  { file: 'dlr_fashion_mnist_mlp.py', campaign: 'dlr-fashion-mnist-mlp', args: ['--format', 'py'] },
  { file: 'dlr-helmholtz-4f.ts', campaign: 'dlr-helmholtz-4f', args: ['--id', 'g2-43', '--format', 'ts'] },
  { file: 'dlr_helmholtz_4f.py', campaign: 'dlr-helmholtz-4f', args: ['--id', 'g2-43', '--format', 'py'] },
  { file: 'alr-mnist-mlp.ts', campaign: 'alr-mnist-mlp', args: ['--format', 'ts'] },
  { file: 'alr-mnist-mlp.js', campaign: 'alr-mnist-mlp', args: ['--format', 'js'] },
  { file: 'alr_mnist_mlp.py', campaign: 'alr-mnist-mlp', args: ['--format', 'py'] },
];

const out = mkdtempSync(join(tmpdir(), 'autolr-winners-'));
after(() => rmSync(out, { recursive: true, force: true }));

test('every published winner is listed here with the export it came from', () => {
  assert.deepEqual(readdirSync(WINNERS).sort(), PUBLISHED.map((p) => p.file).sort());
});

for (const { file, campaign, args } of PUBLISHED) {
  test(`examples/winners/${file} is today's export of examples/runs/${campaign}`, async () => {
    const fresh = join(out, file);
    const exportArgs = ['export', `examples/runs/${campaign}`, ...args];
    const r = await cli(...exportArgs, '-o', fresh);
    assert.equal(r.code, 0, r.err);
    const regenerate = `npx tsx src/cli/main.ts ${exportArgs.join(' ')} -o ${WINNERS}/${file}`;
    const published = readFileSync(join(WINNERS, file), 'utf8').split('\n');
    const today = readFileSync(fresh, 'utf8').split('\n');
    const line = today.findIndex((l, i) => l !== published[i]);
    const at = line < 0 ? published.length : line;
    assert.ok(
      line < 0 && published.length === today.length,
      `${WINNERS}/${file} is out of date (from line ${at + 1}: ${JSON.stringify(published[at] ?? '(end of file)')}, today ${JSON.stringify(today[at] ?? '(end of file)')}); regenerate it with\n  ${regenerate}`,
    );
  });
}
