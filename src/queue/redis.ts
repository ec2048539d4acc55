/**
 * Connections to the queue's Redis, and the check of its persistence.
 *
 * Every connection retries for ever (`maxRetriesPerRequest: null`, as BullMQ
 * requires of workers): a Redis restart pauses a campaign and its workers,
 * and they carry on when it is back. What survives the restart is what Redis
 * wrote to disk, so campaigns require the append-only file (see
 * `checkPersistence` and docs/distributed.md).
 */
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError } from '../errors.js';
import { messageOf } from '../evaluator/job.js';
import type { QueueAddress } from './url.js';

/** A Redis whose settings would lose a campaign's jobs on restart. */
export class QueuePersistenceError extends InputError {}

/** ioredis options for an address; BullMQ opens its own connections from the same options. */
export function connectionOptions(address: QueueAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username !== undefined ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.tls ? { tls: { servername: address.host } } : {}),
    maxRetriesPerRequest: null,
    // Reconnect quickly at first, then every 2 s for as long as Redis is away.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** A plain client (registry, worker descriptions, the persistence check); the caller quits it. */
export function openClient(address: QueueAddress): Redis {
  return new Redis(connectionOptions(address));
}

/**
 * Waits until a first connection succeeds, or says why it cannot: a wrong
 * address or password should end the command, not retry silently for ever.
 */
export async function connectOnce(address: QueueAddress, timeoutMs = 10_000): Promise<Redis> {
  const client = new Redis({ ...connectionOptions(address), lazyConnect: true, retryStrategy: () => null });
  const timer = setTimeout(() => client.disconnect(), timeoutMs);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (err) {
    client.disconnect();
    throw new QueueConnectionError(`cannot reach the queue at ${address.redacted}: ${messageOf(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The queue's Redis cannot be reached or refuses the credentials. */
export class QueueConnectionError extends InputError {}

/**
 * A campaign needs Redis to keep its jobs across a restart: the append-only
 * file (`appendonly yes`; with the default `appendfsync everysec` a crash of
 * Redis itself loses at most the last second, which the campaign re-adds
 * when it reconnects). RDB snapshots alone (`save`) lose every job added
 * since the last snapshot, so they are refused too. Managed Redis services
 * that forbid CONFIG cannot be checked: the campaign says so and goes on.
 */
export async function checkPersistence(client: Redis, address: QueueAddress, warn: (line: string) => void): Promise<void> {
  let appendonly: string | undefined;
  try {
    const reply = (await client.call('CONFIG', 'GET', 'appendonly')) as string[];
    appendonly = reply[1];
  } catch (err) {
    warn(`cannot read the persistence settings of ${address.redacted} (${messageOf(err)}); make sure it runs with appendonly yes, or a Redis restart loses queued jobs`);
    return;
  }
  if (appendonly !== 'yes') {
    throw new QueuePersistenceError(
      `the queue at ${address.redacted} runs without the append-only file (appendonly ${appendonly ?? 'unknown'}): a Redis restart would lose the campaign's jobs and results. ` +
        'Start redis-server with --appendonly yes (or "appendonly yes" in redis.conf, or CONFIG SET appendonly yes)',
    );
  }
}
