/**
 * The published evidence (examples/runs, docs/results.md) is reproducible: the
 * winner of a published campaign, trained again with the campaign's seed at
 * the cheap fidelity on the backend the campaign used, gets exactly the score
 * its event log recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../src/evaluator/job.js';
import type { BackendChoice } from '../../src/evaluator/backend.js';
import type { CampaignConfig } from '../../src/evolution/config.js';

const RUNS = join(import.meta.dirname, '..', '..', 'examples', 'runs');

interface CheapOutcome {
  readonly score: number;
  readonly backend?: string;
}

/** Re-trains the campaign's winner on `task` at the cheap fidelity; returns the new and the logged score. */
async function rescoreWinner(campaign: string, task: string): Promise<{ score: number; published: number }> {
  const dir = join(RUNS, campaign);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as CampaignConfig;
  const hof = JSON.parse(readFileSync(join(dir, 'hof.json'), 'utf8')) as { hallOfFame: Array<{ id: string; text: string }> };
  const winner = hof.hallOfFame[0];
  assert.ok(winner, `${campaign}: the published hall of fame has a winner`);
  const logged = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string; id?: string; cheap?: Record<string, CheapOutcome> })
    .find((e) => e.type === 'evaluation' && e.id === winner.id);
  const published = logged?.cheap?.[task];
  assert.ok(published, `the event log has ${winner.id}'s cheap score on ${task}`);
  const outcome = await runJob(
    {
      ruleText: winner.text,
      variant: config.variant,
      optimizer: config.optimizer,
      task,
      fidelity: 'cheap',
      seed: config.seed,
      splitSeed: config.splitSeed,
      ...(config.lr0 !== undefined ? { lr0: config.lr0 } : {}),
      ...(config.budgets !== undefined ? { budgets: config.budgets } : {}),
    },
    (published.backend ?? 'wasm') as BackendChoice,
  );
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.reason}: ${outcome.detail}`);
  return { score: outcome.result.score, published: published.score };
}

test('the published DLR MNIST winner re-scores to its recorded cheap-fidelity score', async () => {
  const { score, published } = await rescoreWinner('dlr-mnist-mlp', 'mnist-mlp');
  assert.equal(score, published);
});
