/**
 * The campaign folder, and the only module that reads or writes one. Nothing
 * else in the engine knows its layout:
 *
 *   config.json       the resolved config, written once, when the campaign is created
 *   events.jsonl      one line per evaluation and one per generation, appended per generation
 *   checkpoints/      gen-NNNNNN.json: 0 holds the seeded population, g + 1 follows
 *                     generation g, generations + 1 the completed campaign (checkpoint.ts:
 *                     a checksummed header line, then the body; the newest three are kept)
 *   hof.json          the final results, written once, when the campaign completes
 *   report.html       where `autolr report` writes by default
 *   campaign.lock     while a process runs the campaign: its pid and host
 *
 * Consistency contract (what makes a kill at any moment harmless):
 * 1. Creating writes config.json, an empty events.jsonl, then checkpoint 0.
 * 2. A generation appends all its event lines in one write, THEN writes its
 *    checkpoint, which records the log's byte count. Events beyond the newest
 *    intact checkpoint's byte count belong to a generation that did not
 *    finish: resuming cuts them off, and the rerun generation appends the
 *    same lines again.
 * 3. Completing writes hof.json, THEN the final checkpoint. hof.json appears
 *    only then, so a folder holding it is complete whatever happened after.
 * 0. One process runs a campaign at a time: creating and resuming take the
 *    lock (O_EXCL), and a lock whose process has died on this host is stale.
 * 4. Every whole-file write is atomic: temporary file, fsync, rename. A
 *    checkpoint whose checksum or length does not match is skipped (and
 *    reported); the newest intact one wins.
 *
 * Schema: hof.json and checkpoint bodies carry `"schema": 2`. Files without
 * the field are schema 1 (written before it existed), and `upgrade` is the
 * one path that turns them into the current shape; a newer schema is refused.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { loadLatestCheckpoint, StorageError, storageReason, writeCheckpoint, writeFileAtomic } from './checkpoint.js';
import { ConfigError, LEGACY_CONFIG_VALUES, resolveConfig, type CampaignConfig } from './config.js';
import type { Fidelity } from '../tasks/task.js';
import { bestEvolvedFromEvents, ranked, sortedBaselines } from './hall-of-fame.js';
import type { Origin } from './individual.js';
import { finishedRuns, type CampaignResults, type Counters, type HallOfFameEntry, type ResultsView, type TestScores } from './records.js';

export const SCHEMA = 2;

/** A folder that is not a usable campaign for what was asked of it. */
export class CampaignFolderError extends InputError {}

/** Everything a campaign needs to continue exactly where it was. */
export interface CheckpointBody {
  readonly schema: number;
  readonly config: CampaignConfig;
  /** The last generation finished (-1: none yet). */
  readonly generation: number;
  /** The search strategy's own plain-data state. */
  readonly strategy: unknown;
  readonly cache: unknown;
  readonly references: Readonly<Record<Fidelity, Record<string, number>>>;
  readonly previousCheapScores: readonly number[];
  /**
   * The lowest cheap score of a seeded baseline (set in the first generation):
   * the hurdle never falls below it. Absent without seeds, and in schema 1
   * checkpoints that predate it (those resume as they ran, without it).
   */
  readonly seedFloor?: number;
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly genealogy: Readonly<Record<string, Origin>>;
  readonly bestBaseline?: HallOfFameEntry;
  /** Every seeded baseline's best full-fidelity result, by baseline name (absent before the first generation). */
  readonly baselines?: Readonly<Record<string, HallOfFameEntry>>;
  /** The best rule at full fidelity that is not a seed; absent while there is none. */
  readonly bestEvolved?: HallOfFameEntry;
  readonly eventsBytes: number;
  readonly counters: Counters;
  readonly complete: boolean;
}

/** A checkpoint to resume from, with what loading it took. */
export interface ResumePoint {
  readonly body: CheckpointBody;
  /** Bytes of events cut off: the interrupted generation's. */
  readonly discardedBytes: number;
  /** What was wrong with the event log and how it was mended (a log cut short, a partial last line). */
  readonly repairs: readonly string[];
}

type Document = Record<string, unknown> & { schema?: unknown };

/**
 * The one upgrade path: a checkpoint body or hof.json of any schema in, the
 * current shape out. Schema 1 differs in that
 * - checkpoints did not track the best evolved rule: it is recovered from the
 *   event log (`events`, up to the checkpoint's byte count; the log keeps no
 *   curves, so neither does the entry);
 * - hof.json could lack `baselines`, `bestBaseline` and `bestEvolved`;
 * - fresh-seed test scores had no `failures`, and where no run finished
 *   their mean was 0 rather than missing (0 would read as a real score).
 * Fields a schema 1 checkpoint lacks for its search (`seedFloor`, `baselines`)
 * stay absent, so it resumes exactly as it ran.
 */
export function upgrade(kind: 'checkpoint', doc: Document, events: () => string): CheckpointBody;
export function upgrade(kind: 'results', doc: Document): CampaignResults;
export function upgrade(kind: 'checkpoint' | 'results', doc: Document, events?: () => string): CheckpointBody | CampaignResults {
  const schema = doc.schema ?? 1;
  if (typeof schema !== 'number' || schema > SCHEMA) {
    throw new CampaignFolderError(`written by a newer version of autolr (schema ${JSON.stringify(schema)}; this one reads up to ${SCHEMA})`);
  }
  if (schema === SCHEMA) return kind === 'results' ? (doc as unknown as CampaignResults) : (doc as unknown as CheckpointBody);
  // Lists may also come as records by name (the checkpoints' form of baselines).
  const entries = (list: unknown): HallOfFameEntry[] =>
    (Array.isArray(list) ? (list as HallOfFameEntry[]) : typeof list === 'object' && list !== null ? Object.values(list as Record<string, HallOfFameEntry>) : []).map(upgradeEntry);
  const entry = (e: unknown): HallOfFameEntry | undefined => (e ? upgradeEntry(e as HallOfFameEntry) : undefined);
  if (kind === 'results') {
    const { schema: _schema, ...rest } = doc;
    return {
      schema: SCHEMA,
      ...rest,
      hallOfFame: entries(doc.hallOfFame),
      bestBaseline: entry(doc.bestBaseline) ?? null,
      baselines: entries(doc.baselines),
      bestEvolved: entry(doc.bestEvolved) ?? null,
    } as CampaignResults;
  }
  const body = doc as unknown as CheckpointBody;
  const bestEvolved = body.bestEvolved ?? (body.generation >= 0 && events ? bestEvolvedFromEvents(events(), body.config.variant, body.genealogy) : undefined);
  return { ...body, schema: SCHEMA, hallOfFame: body.hallOfFame.map(upgradeEntry), ...(bestEvolved ? { bestEvolved } : {}) };
}

function upgradeEntry(h: HallOfFameEntry): HallOfFameEntry {
  if (!h.test) return h;
  const test = Object.fromEntries(Object.entries(h.test).map(([task, t]) => [task, upgradeTestScores(t)]));
  return { ...h, test };
}

function upgradeTestScores(t: TestScores): TestScores {
  const none = finishedRuns(t) === 0;
  return {
    ...t,
    ...(none ? { mean: NaN, sd: NaN } : {}),
    failures: t.failures ?? t.values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'stopped (reason not recorded)')),
  };
}

export class CampaignStore {
  /** Whether this store holds the folder's lock. */
  private locked = false;

  /** `dir` as the user named it: error messages repeat it. */
  constructor(readonly dir: string) {}

  private get configPath(): string {
    return join(this.dir, 'config.json');
  }

  private get eventsPath(): string {
    return join(this.dir, 'events.jsonl');
  }

  private get resultsPath(): string {
    return join(this.dir, 'hof.json');
  }

  get defaultReportPath(): string {
    return join(this.dir, 'report.html');
  }

  /** Whether the folder holds a campaign (its config). */
  exists(): boolean {
    return existsSync(this.configPath);
  }

  /** Whether the campaign completed (its results are written). */
  isComplete(): boolean {
    return existsSync(this.resultsPath);
  }

  /** Refuses a folder that already holds a campaign (before anything is written). */
  ensureNew(): void {
    if (this.exists()) {
      throw new CampaignFolderError(`${this.dir} already holds a campaign; resume it with --resume ${this.dir}, or choose another --name`);
    }
  }

  /** Starts a new campaign's folder, holding its lock (of two processes creating one campaign, one gets it). */
  create(config: CampaignConfig): void {
    this.ensureNew();
    mkdirSync(this.dir, { recursive: true });
    this.lock();
    // The other process may have created it between the first check and the lock.
    this.ensureNew();
    writeFileAtomic(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(this.eventsPath, '');
  }

  private get lockPath(): string {
    return join(this.dir, 'campaign.lock');
  }

  /**
   * Takes the folder for this process: a lock file made with O_EXCL holding
   * the process id and host. A lock left by a process of this host that no
   * longer exists (killed with SIGKILL) is taken over; a live holder, or one
   * on another host, is refused with who holds it.
   */
  lock(): void {
    // No folder, nothing to guard: whatever comes next refuses it with its own message.
    if (!existsSync(this.dir)) return;
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.lockPath, mine, { flag: 'wx' });
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot lock ${this.dir}: ${(err as Error).message}`, { cause: err });
      }
      const holder = this.lockHolder();
      if (holder && holder.host === hostname() && !processAlive(holder.pid)) {
        rmSync(this.lockPath, { force: true });
        continue;
      }
      const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process';
      throw new CampaignFolderError(`${this.dir} is in use by ${who}; one process runs a campaign at a time. If that process is gone, delete ${this.lockPath}`);
    }
    throw new CampaignFolderError(`${this.dir} is in use by another process; one process runs a campaign at a time`);
  }

  /** Gives the folder back (only if this store took it). */
  unlock(): void {
    if (!this.locked) return;
    rmSync(this.lockPath, { force: true });
    this.locked = false;
  }

  private lockHolder(): { pid: number; host: string; since: string } | undefined {
    try {
      const h = JSON.parse(readFileSync(this.lockPath, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
      return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, since: String(h.since) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** The saved config as written (resuming merges run-time overrides into it before resolving). */
  /**
   * The saved config as written, with the values that campaigns ran with
   * before a field existed filled in where it is missing (a saved config is
   * always a resolved one, so a missing field is a newer one).
   */
  rawConfig(): Record<string, unknown> {
    if (!this.exists()) throw new CampaignFolderError(`${this.dir} is not a campaign folder (no config.json)`);
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(this.configPath, 'utf8'));
    } catch (err) {
      throw new CampaignFolderError(`${this.configPath}: ${(err as Error).message}`);
    }
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new CampaignFolderError(`${this.configPath}: not a JSON object`);
    return { ...LEGACY_CONFIG_VALUES, ...(saved as Record<string, unknown>) };
  }

  config(): CampaignConfig {
    const raw = this.rawConfig();
    try {
      return resolveConfig(raw);
    } catch (err) {
      if (err instanceof ConfigError) throw new CampaignFolderError(`${this.configPath}: ${err.message}`);
      throw err;
    }
  }

  /** Appends one generation's event lines in a single write; returns the log's size after it. */
  appendEvents(lines: readonly string[]): number {
    try {
      appendFileSync(this.eventsPath, `${lines.join('\n')}\n`);
    } catch (err) {
      // Whatever part of the generation's lines got written lies beyond the last checkpoint's
      // byte count, so resuming cuts it off: the log stays consistent.
      throw new StorageError(`cannot append to ${this.eventsPath}: ${storageReason(err)}; the last checkpoint is kept. Free space, then resume with --resume`, { cause: err });
    }
    return statSync(this.eventsPath).size;
  }

  /** The event log as far as it goes (empty when there is none). */
  events(): string {
    return existsSync(this.eventsPath) ? readFileSync(this.eventsPath, 'utf8') : '';
  }

  /** The first `bytes` of the event log: what a checkpoint had seen. */
  private eventsUpTo(bytes: number): string {
    return existsSync(this.eventsPath) ? readFileSync(this.eventsPath).subarray(0, bytes).toString('utf8') : '';
  }

  /** Writes checkpoint `index` (0 before the first generation, g + 1 after generation g). */
  writeCheckpoint(index: number, body: Omit<CheckpointBody, 'schema'>): void {
    writeCheckpoint(this.dir, index, { schema: SCHEMA, ...body });
  }

  /**
   * The newest intact checkpoint, upgraded, with the event log cut back to
   * what it had seen. `onSkipped` hears of each newer checkpoint that was
   * unusable, before a folder with none usable is refused.
   */
  resumePoint(onSkipped: (path: string, reason: string) => void = () => {}): ResumePoint {
    const loaded = loadLatestCheckpoint<Document>(this.dir);
    if (!loaded || loaded.body === undefined) {
      const why = (loaded?.skipped ?? []).map((s) => `${s.path}: ${s.reason}`).join('; ');
      throw new CampaignFolderError(`${this.dir} has no usable checkpoint to resume from${loaded ? ` (${why})` : ' (did the campaign finish its first generation?)'}`);
    }
    // Only now is it true that an older checkpoint is used instead.
    for (const s of loaded.skipped) onSkipped(s.path, s.reason);
    const bytes = loaded.body.eventsBytes as number;
    const size = existsSync(this.eventsPath) ? statSync(this.eventsPath).size : 0;
    if (size > bytes) truncateSync(this.eventsPath, bytes);
    const repairs = size < bytes ? [`${this.eventsPath} holds ${size} bytes, fewer than the ${bytes} its checkpoint recorded: some event lines were lost (the search goes on from the checkpoint, which does not need them)`] : [];
    repairs.push(...this.endOnWholeLine());
    let document = loaded.body;
    if (repairs.length > 0) {
      // The checkpoint must record the log as it now is, or a later resume would cut it at a byte
      // count inside a line: rewrite it (same number, atomically) with the mended length.
      document = { ...document, eventsBytes: statSync(this.eventsPath).size };
      writeCheckpoint(this.dir, loaded.generation, document);
    }
    const kept = document.eventsBytes as number;
    const body = upgrade('checkpoint', document, () => this.eventsUpTo(kept));
    return { body, discardedBytes: Math.max(0, size - bytes), repairs };
  }

  /** Cuts a partial last line off the event log, so that the next append starts a line of its own. */
  private endOnWholeLine(): string[] {
    if (!existsSync(this.eventsPath)) return [];
    const log = readFileSync(this.eventsPath);
    if (log.length === 0 || log[log.length - 1] === 0x0a) return [];
    const whole = log.lastIndexOf(0x0a) + 1;
    truncateSync(this.eventsPath, whole);
    return [`${this.eventsPath} ended in a partial line (${log.length - whole} bytes); cut it off`];
  }

  /** Writes hof.json: the campaign is complete from here on. */
  writeResults(results: Omit<CampaignResults, 'schema'>): void {
    writeFileAtomic(this.resultsPath, `${JSON.stringify({ schema: SCHEMA, ...results }, null, 2)}\n`);
  }

  /** hof.json, upgraded. */
  results(): CampaignResults {
    return readResultsFile(this.resultsPath);
  }

  /**
   * The results as far as they go: hof.json once the campaign is complete,
   * else its newest checkpoint (no test re-scoring yet).
   */
  view(): ResultsView {
    if (!this.exists()) throw new CampaignFolderError(`${this.dir} is not a campaign folder (no config.json)`);
    if (this.isComplete()) {
      const r = readResults(this.resultsPath, (path, reason) => `${path} is not readable JSON (${reason})`);
      return viewOf(r.hallOfFame, r.bestBaseline ?? undefined, r.baselines, r.bestEvolved ?? undefined, true);
    }
    const loaded = loadLatestCheckpoint<Document>(this.dir);
    if (!loaded || loaded.generation < 0 || !loaded.body) throw new CampaignFolderError(`${this.dir} has no hall of fame yet (no generation has finished)`);
    const bytes = loaded.body.eventsBytes as number;
    const body = upgrade('checkpoint', loaded.body, () => this.eventsUpTo(bytes));
    return viewOf(body.hallOfFame, body.bestBaseline, sortedBaselines(body.baselines ?? {}), body.bestEvolved, false);
  }

  /** Writes a report page, by default into the folder; returns where. */
  writeReport(html: string, path = this.defaultReportPath): string {
    try {
      writeFileAtomic(path, html);
    } catch (err) {
      throw new CampaignFolderError(`cannot write ${path}: ${(err as Error).message}`);
    }
    return path;
  }
}

function viewOf(
  hallOfFame: readonly HallOfFameEntry[],
  bestBaseline: HallOfFameEntry | undefined,
  baselines: readonly HallOfFameEntry[],
  bestEvolved: HallOfFameEntry | undefined,
  final: boolean,
): ResultsView {
  // Campaigns that kept only the best baseline show it as the one baseline.
  const list = baselines.length > 0 ? baselines : bestBaseline ? [bestBaseline] : [];
  return { hallOfFame, bestBaseline: bestBaseline ?? null, baselines: list, bestEvolved: bestEvolved ?? null, final };
}

/**
 * A finished campaign's results from its folder, or from a hof.json named
 * directly (results can be copied without the rest of the folder).
 */
export function readResultsFile(pathOrDir: string): CampaignResults {
  const path = existsSync(pathOrDir) && statSync(pathOrDir).isDirectory() ? join(pathOrDir, 'hof.json') : pathOrDir;
  if (!existsSync(path)) {
    throw new CampaignFolderError(`no hall of fame at ${path}: give a campaign folder that has finished (it holds hof.json), or use --rule`);
  }
  return readResults(path, (p, reason) => `${p} is not valid JSON: ${reason}`);
}

function readResults(path: string, unreadable: (path: string, reason: string) => string): CampaignResults {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CampaignFolderError(unreadable(path, (err as Error).message));
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as Document).hallOfFame)) {
    throw new CampaignFolderError(`${path} has no "hallOfFame" list`);
  }
  const results = upgrade('results', json as Document);
  return { ...results, baselines: ranked(results.baselines) };
}

/** Whether a process of this host exists (signal 0 tests without sending anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
