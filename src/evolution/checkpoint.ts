/**
 * Checkpoints: one file per completed generation, written atomically (temp
 * file, fsync, rename) so a kill at any moment leaves either the old set or
 * the new one, never half a file. Each file is a header line with the SHA-256
 * and length of the body that follows, so a truncated or corrupted file is
 * detected and the previous checkpoint used instead.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';

const FORMAT = 'autolr-checkpoint/1';
const KEEP = 3;

export function checkpointDir(campaignDir: string): string {
  return join(campaignDir, 'checkpoints');
}

/**
 * A file of the campaign folder could not be written (a full disk, a
 * read-only folder): the previous version of the file is kept, and the
 * campaign stops with this message rather than carry on without its record.
 */
export class StorageError extends InputError {}

/**
 * Writes `data` durably to `path`: every byte to a temporary file (a write
 * may take fewer bytes than asked, as on a full disk), fsync, then a rename
 * over the old file and an fsync of the folder. Until the rename, the old
 * file is untouched; if anything fails, the temporary file is removed and
 * the old one stays.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const bytes = Buffer.from(data, 'utf8');
  try {
    const fd = openSync(tmp, 'w');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StorageError(`cannot write ${path}: ${storageReason(err)}; its previous version is kept. Free space, then resume with --resume`, { cause: err });
  }
  syncFolder(dirname(path));
}

/** Why a write failed, in words a user acts on. */
export function storageReason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
}

/** Makes a rename durable: the folder's entry is what a crash could otherwise lose. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the file itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes checkpoint number `index` (the campaign numbers them: 0 before the first generation, g + 1 after generation g). */
export function writeCheckpoint(campaignDir: string, index: number, body: unknown): string {
  const dir = checkpointDir(campaignDir);
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(body);
  const header = JSON.stringify({ format: FORMAT, generation: index, sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) });
  const path = join(dir, `gen-${String(index).padStart(6, '0')}.json`);
  writeFileAtomic(path, `${header}\n${text}`);
  // Keep a few: if the newest turns out unreadable, the one before it is still there.
  const files = listCheckpoints(campaignDir);
  for (const old of files.slice(KEEP)) rmSync(join(dir, old), { force: true });
  return path;
}

function listCheckpoints(campaignDir: string): string[] {
  try {
    return readdirSync(checkpointDir(campaignDir))
      .filter((f) => /^gen-\d+\.json$/.test(f))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

export interface LoadedCheckpoint<T> {
  readonly generation: number;
  readonly body: T;
  readonly path: string;
  /** Checkpoints skipped because they were corrupt, with why. */
  readonly skipped: ReadonlyArray<{ path: string; reason: string }>;
}

/** The newest intact checkpoint, or undefined when there is none. */
export function loadLatestCheckpoint<T>(campaignDir: string): LoadedCheckpoint<T> | undefined {
  const skipped: Array<{ path: string; reason: string }> = [];
  for (const file of listCheckpoints(campaignDir)) {
    const path = join(checkpointDir(campaignDir), file);
    const reason = (() => {
      try {
        const raw = readFileSync(path, 'utf8');
        const newline = raw.indexOf('\n');
        if (newline < 0) return 'no header line';
        const header = JSON.parse(raw.slice(0, newline)) as { format?: string; generation?: number; sha256?: string; bytes?: number };
        const text = raw.slice(newline + 1);
        if (header.format !== FORMAT) return `unknown format ${JSON.stringify(header.format)}`;
        if (Buffer.byteLength(text) !== header.bytes) return `truncated (${Buffer.byteLength(text)} of ${header.bytes} bytes)`;
        if (createHash('sha256').update(text).digest('hex') !== header.sha256) return 'checksum mismatch';
        return { generation: header.generation as number, body: JSON.parse(text) as T };
      } catch (err) {
        return `unreadable: ${(err as Error).message}`;
      }
    })();
    if (typeof reason === 'string') {
      skipped.push({ path, reason });
      continue;
    }
    return { ...reason, path, skipped };
  }
  return skipped.length > 0 ? { generation: -1, body: undefined as T, path: '', skipped } : undefined;
}
