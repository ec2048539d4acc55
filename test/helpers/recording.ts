/**
 * An evaluator that trains through another and keeps every job with what
 * came back, so a test can check what a campaign actually trained (which
 * tasks, seeds, rates and budgets) rather than what it reports.
 */
import type { EvalJob, EvalOutcome } from '../../src/evaluator/job.js';
import type { Evaluator } from '../../src/evolution/campaign.js';

export interface RecordedRun {
  readonly job: EvalJob;
  readonly outcome: EvalOutcome;
}

export function recordingEvaluator(inner: Evaluator): { readonly evaluator: Evaluator; readonly runs: RecordedRun[] } {
  const runs: RecordedRun[] = [];
  const evaluator: Evaluator = {
    evaluate: async (job) => {
      const outcome = await inner.evaluate(job);
      runs.push({ job, outcome });
      return outcome;
    },
  };
  return { evaluator, runs };
}
