/**
 * Queue addresses: `redis://[user:password@]host:port[/db]`, or `rediss://`
 * for TLS. Parsed into connection options here and nowhere else, and written
 * anywhere (campaign folders, logs, `queue status`) only in redacted form.
 */
import { InputError } from '../errors.js';

/** A queue address that cannot be used (wrong scheme, no host, a database that is not a number). */
export class QueueUrlError extends InputError {}

export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  /** The address with its password replaced by `***`: safe to print and to store. */
  readonly redacted: string;
}

const DEFAULT_PORT = 6379;
export const REDACTED_PASSWORD = '***';

/** The address to connect to; an address whose password was redacted is refused (it cannot connect). */
export function parseQueueUrl(text: string): QueueAddress {
  const address = parse(text);
  // An address already redacted (from a campaign folder) has no password to use.
  if (address.password === REDACTED_PASSWORD) {
    throw new QueueUrlError('this queue address has its password redacted (as campaign folders store it): give the address with its password, e.g. --queue redis://user:password@host:port');
  }
  return address;
}

/** The redacted form of an address (what a campaign folder stores); an address already redacted stays as it is. */
export function redactQueueUrl(text: string): string {
  return parse(text).redacted;
}

function parse(text: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueUrlError(`the queue address ${JSON.stringify(redactLoosely(text))} is not a URL; expected redis://[user:password@]host:port[/db] (or rediss:// for TLS)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new QueueUrlError(`the queue address must start with redis:// or rediss:// (TLS), not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new QueueUrlError('the queue address names no host: redis://host:port[/db]');
  if (url.search !== '' || url.hash !== '') throw new QueueUrlError('the queue address takes no query or fragment: redis://[user:password@]host:port[/db]');
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!/^\d*$/.test(path) || !Number.isSafeInteger(db)) throw new QueueUrlError(`the queue address's database must be a number (redis://host:port/0), not ${JSON.stringify(path)}`);
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const auth = username !== undefined || password !== undefined ? `${url.username}${password !== undefined ? `:${REDACTED_PASSWORD}` : ''}@` : '';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    tls: url.protocol === 'rediss:',
    redacted: `${url.protocol}//${auth}${url.host}${path === '' ? '' : `/${db}`}`,
  };
}

/** For error messages about text that is not even a URL: anything between "//" and "@" could be a password. */
function redactLoosely(text: string): string {
  return text.replace(/\/\/[^@/]*@/, `//${REDACTED_PASSWORD}@`);
}
