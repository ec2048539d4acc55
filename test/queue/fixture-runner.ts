/**
 * A job runner for the queue tests (`autolr worker --job-runner`): it notes
 * every job it starts in a marker file (seed and process id, one line each),
 * so a test sees which worker process holds a job and how often a job ran;
 * it waits AUTOLR_TEST_SLEEP_MS before training, so a test can kill or stop
 * a worker mid-job; the rule text `exit` kills the thread (a crash). Every
 * other job then trains for real.
 */
import { appendFileSync } from 'node:fs';
import { executeJob } from '../../src/evaluator/job.js';
import type { JobRunner } from '../../src/evaluator/worker.js';

const runner: JobRunner = async (task) => {
  const marker = process.env.AUTOLR_TEST_MARKER;
  if (marker !== undefined) appendFileSync(marker, `${task.job.seed} ${process.pid} ${task.job.ruleText}\n`);
  if (task.job.ruleText === 'exit') process.exit(1);
  await new Promise((r) => setTimeout(r, Number(process.env.AUTOLR_TEST_SLEEP_MS ?? 0)));
  return executeJob(task.job, task.backend);
};

export default runner;
