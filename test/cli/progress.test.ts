import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCampaign, type CampaignProgress } from '../../src/evolution/campaign.js';
import { resolveConfig } from '../../src/evolution/config.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { progressDisplay } from '../../src/cli/progress.js';

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTerminal(columns: number): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns });
  return { stream, written: () => text };
}

const progress = (p: Partial<CampaignProgress>): CampaignProgress => ({ stage: 'search', generation: 0, generations: 2, done: 0, queued: 2, cacheHits: 0, best: undefined, etaMs: undefined, ...p });

test('a real campaign reports its stages in order: the search by generation, then re-scoring, then tuning, each counted afresh', async () => {
  await initBackend('wasm');
  const pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 60_000 });
  const seen: CampaignProgress[] = [];
  try {
    const config = resolveConfig({ tasks: ['synthetic'], population: 4, generations: 2, seeds: ['constant', 'exponential'], finalSeeds: 1, hallOfFame: 2, tuning: { points: 3 }, workers: 0, backend: 'wasm', name: 'stages' });
    await runCampaign(config, { runsDir: mkdtempSync(join(tmpdir(), 'autolr-progress-')), evaluator: pool, onProgress: (p) => seen.push(p) });
  } finally {
    await pool.close();
  }
  const order = seen.map((p) => (p.stage === 'search' ? `search ${p.generation}` : p.stage)).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(order, ['search 0', 'search 1', 'rescoring', 'tuning']);
  const firstRescoring = seen.find((p) => p.stage === 'rescoring');
  assert.equal(firstRescoring?.done, 0, 'the re-scoring bar starts from zero, not from the last generation\'s count');
  assert.ok(seen.filter((p) => p.stage !== 'search').every((p) => p.etaMs === undefined), 'no search ETA is shown for the final stages');
});

test('the bar is labelled by stage, and a printed line stops it: the line stands whole on its own, the bar starts again below', () => {
  const { stream, written } = fakeTerminal(80);
  const display = progressDisplay(() => assert.fail('a terminal gets a bar, not plain lines'), stream);
  display.update(progress({ generation: 1, generations: 2 }));
  const line = 'generation 2/2: 4 candidates, 1 promoted, cache hits 0, best 0.9100 epoch: lr0 * pow(epoch, 0.95) (0.2 s)';
  display.log(line);
  display.update(progress({ stage: 'rescoring', generation: 1, done: 1 }));
  display.stop();
  display.update(progress({ stage: 'tuning', generation: 1 }));
  display.stop();
  const text = written();
  assert.match(text, /generation 2\/2 \|/);
  assert.match(text, /re-scoring on test seeds \|/);
  assert.match(text, /tuning lr0 and testing \|/);
  assert.doesNotMatch(text.slice(text.indexOf('re-scoring')), /generation 2\/2 \|/, 'the final stages are not labelled as the last generation');
  // The terminal's own wrapping is never switched off (ESC [?7l), so long lines wrap instead of being cut.
  assert.ok(!text.includes('\u001b[?7l'));
  // The printed line comes whole, with its newline, right after the bar's line was cleared (ESC [2K).
  assert.ok(text.includes(`\u001b[2K${line}\n`));
  assert.ok(text.endsWith('\u001b[2K'), 'stopping clears the bar\'s line');
});

test('without a terminal nothing but the plain lines is printed', () => {
  const lines: string[] = [];
  const pipe = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const display = progressDisplay((line) => lines.push(line), pipe);
  display.update(progress({}));
  display.log('generation 1/2: 4 candidates');
  display.stop();
  assert.deepEqual(lines, ['generation 1/2: 4 candidates']);
});
