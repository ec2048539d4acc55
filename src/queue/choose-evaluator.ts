/**
 * The one place a campaign's runner is chosen: the local evaluator pool, or
 * the campaign's queue on Redis when a queue address is given. Either is the
 * scorer's `Evaluator`; nothing else in a campaign knows which it has.
 */
import { EvaluatorPool } from '../evaluator/pool.js';
import type { CampaignConfig } from '../evolution/config.js';
import type { Evaluator } from '../evolution/scorer.js';
import { QueueEvaluator } from './evaluator.js';
import { parseQueueUrl } from './url.js';

export interface CampaignEvaluator extends Evaluator {
  close(): Promise<void>;
}

/** `queueUrl` is the address with its password (a config keeps only the redacted one). */
export async function openCampaignEvaluator(config: CampaignConfig, queueUrl: string | undefined, log: (line: string) => void): Promise<CampaignEvaluator> {
  const hardLimitMs = config.timeLimit * 1000;
  if (queueUrl === undefined) return EvaluatorPool.create({ workers: config.workers, backend: config.backend, timeLimitMs: hardLimitMs });
  return QueueEvaluator.open({
    address: parseQueueUrl(queueUrl),
    campaign: config.name,
    grammar: config.grammar,
    variant: config.variant,
    hardLimitMs,
    log,
  });
}
