/**
 * What `autolr queue status` reports: per campaign, its jobs by state
 * (BullMQ's counts) and the workers connected to its queue (BullMQ's list of
 * connections, joined with the description each worker keeps in Redis).
 */
import { Queue } from 'bullmq';
import { CAMPAIGNS_KEY, queueName, workerInfoKey } from './protocol.js';
import { connectionOptions, connectOnce } from './redis.js';
import type { QueueAddress } from './url.js';
import type { WorkerInfo } from './worker.js';
import { InputError } from '../errors.js';

export interface CampaignQueueStatus {
  readonly campaign: string;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
  /** Workers connected to this campaign's queue, by name; `info` is absent for a worker that gave none. */
  readonly workers: ReadonlyArray<{ readonly name: string; readonly info?: WorkerInfo }>;
}

/** A campaign that never queued a job on this Redis. */
export class UnknownCampaignError extends InputError {}

export async function queueStatus(address: QueueAddress, campaign?: string): Promise<CampaignQueueStatus[]> {
  const client = await connectOnce(address);
  try {
    const known = (await client.smembers(CAMPAIGNS_KEY)).sort();
    if (campaign !== undefined && !known.includes(campaign)) {
      throw new UnknownCampaignError(`no campaign ${campaign} on the queue at ${address.redacted}${known.length > 0 ? ` (campaigns there: ${known.join(', ')})` : ' (it holds no campaign)'}`);
    }
    const out: CampaignQueueStatus[] = [];
    for (const name of campaign !== undefined ? [campaign] : known) {
      const queue = new Queue(queueName(name), { connection: { ...connectionOptions(address), maxRetriesPerRequest: 1 } });
      try {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
        const connected = await queue.getWorkers();
        const workers = await Promise.all(
          connected.map(async (c) => {
            const raw = typeof c.rawname === 'string' ? c.rawname : '';
            const workerName = raw.includes(':w:') ? raw.slice(raw.indexOf(':w:') + 3) : raw;
            const info = await client.get(workerInfoKey(workerName));
            return { name: workerName, ...(info !== null ? { info: JSON.parse(info) as WorkerInfo } : {}) };
          }),
        );
        out.push({
          campaign: name,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
          workers: workers.sort((a, b) => a.name.localeCompare(b.name)),
        });
      } finally {
        await queue.close();
      }
    }
    return out;
  } finally {
    client.disconnect();
  }
}
