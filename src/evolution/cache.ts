/**
 * The evaluation cache: training runs are the campaign's whole cost, so a
 * candidate that is a rule already scored in the same evaluation context
 * reuses that score instead of training again.
 *
 * Two kinds of hit, tried in order:
 * - structure: the same rule up to spelling (`ruleHash` of the simplified
 *   rule), an exact duplicate whose run would give the same numbers;
 * - behaviour: a different structure with the same behavioural fingerprint
 *   (`behaviourFingerprint`: same outputs on fixed probes). Its score is
 *   reused on the bet that rules that act the same on the probes act the same
 *   in training; the hit says which rule's text it came from.
 *
 * The context is everything besides the rule that the run's result depends
 * on (task, fidelity, seed, base optimizer, lr0, …): hits never cross
 * contexts. It is given as a ready key string, or as a flat object whose
 * canonical key this module builds (key order and undefined values ignored).
 *
 * `toJSON` / `fromJSON` turn the cache into plain data and back, for campaign
 * checkpoints; values must themselves be plain JSON data.
 */
import type { Rule } from '../grammar/ast.js';
import { ruleHash } from '../grammar/hash.js';
import { behaviourFingerprint, FINGERPRINT_VERSION } from './fingerprint.js';

export type ContextValue = string | number | boolean | null | undefined;
export type EvaluationContext = string | Readonly<Record<string, ContextValue>>;

export type CacheHitKind = 'structure' | 'behaviour';

export interface CacheHit<T> {
  readonly hit: CacheHitKind;
  readonly value: T;
  /** Text of the rule whose evaluation is reused. */
  readonly sourceText: string;
}

export interface CacheStats {
  readonly lookups: number;
  readonly structureHits: number;
  readonly behaviourHits: number;
}

export interface CacheEntryJSON<T> {
  readonly context: string;
  readonly hash: string;
  /** Null when the entry came from a cache saved under another fingerprint version. */
  readonly fingerprint: string | null;
  readonly text: string;
  readonly value: T;
}

export interface CacheJSON<T> {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly fingerprintVersion: number;
  readonly stats: CacheStats;
  /** In the order first stored, which decides each fingerprint's representative. */
  readonly entries: ReadonlyArray<CacheEntryJSON<T>>;
}

const FORMAT = 'autolr-evaluation-cache';

/** The canonical key of a context: a string as is, an object as its sorted defined entries. */
export function contextKey(context: EvaluationContext): string {
  if (typeof context === 'string') return context;
  const entries = Object.keys(context)
    .filter((k) => context[k] !== undefined)
    .sort()
    .map((k) => [k, context[k]]);
  return JSON.stringify(entries);
}

interface Entry<T> {
  readonly context: string;
  readonly hash: string;
  readonly fingerprint: string | undefined;
  readonly text: string;
  readonly value: T;
}

interface RuleKeys {
  readonly hash: string;
  fingerprint?: string;
}

// NUL cannot occur in a hash or fingerprint, so context + NUL + digest is unambiguous.
const join = (context: string, digest: string): string => `${context}\u0000${digest}`;

export class EvaluationCache<T> {
  /** (context, rule hash) → entry, in the order first stored. */
  private readonly entries = new Map<string, Entry<T>>();
  /** (context, fingerprint) → the entries key of the first rule stored with that behaviour. */
  private readonly behaviours = new Map<string, string>();
  /** Digests per rule object (rules are immutable), so lookup then store computes each once. */
  private readonly keys = new WeakMap<Rule, RuleKeys>();
  private counters = { lookups: 0, structureHits: 0, behaviourHits: 0 };

  /** The earlier evaluation this rule can reuse in `context`, if any; every call counts as a lookup. */
  lookup(rule: Rule, context: EvaluationContext): CacheHit<T> | undefined {
    this.counters.lookups++;
    const ctx = contextKey(context);
    const keys = this.keysOf(rule);
    const exact = this.entries.get(join(ctx, keys.hash));
    if (exact) {
      this.counters.structureHits++;
      return { hit: 'structure', value: exact.value, sourceText: exact.text };
    }
    if (this.behaviours.size === 0) return undefined;
    const representative = this.behaviours.get(join(ctx, this.fingerprintOf(rule, keys)));
    const similar = representative === undefined ? undefined : this.entries.get(representative);
    if (!similar) return undefined;
    this.counters.behaviourHits++;
    return { hit: 'behaviour', value: similar.value, sourceText: similar.text };
  }

  /**
   * Records an evaluation. Storing a rule again replaces its value; the first
   * rule stored with a behaviour stays the one behaviour hits come from.
   */
  store(rule: Rule, context: EvaluationContext, value: T, text: string): void {
    const ctx = contextKey(context);
    const keys = this.keysOf(rule);
    this.put({ context: ctx, hash: keys.hash, fingerprint: this.fingerprintOf(rule, keys), text, value });
  }

  stats(): CacheStats {
    return { ...this.counters };
  }

  /** Number of stored evaluations. */
  get size(): number {
    return this.entries.size;
  }

  toJSON(): CacheJSON<T> {
    return {
      format: FORMAT,
      version: 1,
      fingerprintVersion: FINGERPRINT_VERSION,
      stats: this.stats(),
      entries: [...this.entries.values()].map((e) => ({
        context: e.context,
        hash: e.hash,
        fingerprint: e.fingerprint ?? null,
        text: e.text,
        value: e.value,
      })),
    };
  }

  /**
   * Rebuilds a cache from `toJSON`'s data (e.g. read back from a checkpoint),
   * checking its shape; `reviveValue` may check or convert each value. Entries
   * saved under another fingerprint version keep their structure hits but
   * give no behaviour hits, since their fingerprints mean other probes.
   */
  static fromJSON<T>(data: unknown, reviveValue: (value: unknown) => T = (v) => v as T): EvaluationCache<T> {
    const fail = (what: string): never => {
      throw new Error(`not a saved evaluation cache: ${what}`);
    };
    if (!isObject(data)) return fail('expected an object');
    if (data.format !== FORMAT) fail(`"format" must be "${FORMAT}"`);
    if (data.version !== 1) fail(`unsupported version ${JSON.stringify(data.version)}`);
    const sameProbes = data.fingerprintVersion === FINGERPRINT_VERSION;
    const stats = data.stats;
    if (!isObject(stats)) return fail('"stats" must be an object');
    const count = (name: keyof CacheStats): number => {
      const v = stats[name];
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`"stats.${name}" must be a non-negative integer`);
    };
    if (!Array.isArray(data.entries)) return fail('"entries" must be an array');
    const cache = new EvaluationCache<T>();
    cache.counters = { lookups: count('lookups'), structureHits: count('structureHits'), behaviourHits: count('behaviourHits') };
    data.entries.forEach((raw: unknown, i) => {
      if (!isObject(raw)) return fail(`entries[${i}] must be an object`);
      for (const field of ['context', 'hash', 'text'] as const) {
        if (typeof raw[field] !== 'string') fail(`entries[${i}].${field} must be a string`);
      }
      if (raw.fingerprint !== null && typeof raw.fingerprint !== 'string') fail(`entries[${i}].fingerprint must be a string or null`);
      if (!('value' in raw)) fail(`entries[${i}] has no value`);
      cache.put({
        context: raw.context as string,
        hash: raw.hash as string,
        fingerprint: sameProbes && typeof raw.fingerprint === 'string' ? raw.fingerprint : undefined,
        text: raw.text as string,
        value: reviveValue(raw.value),
      });
    });
    return cache;
  }

  private put(entry: Entry<T>): void {
    const key = join(entry.context, entry.hash);
    this.entries.set(key, entry);
    if (entry.fingerprint === undefined) return;
    const behaviour = join(entry.context, entry.fingerprint);
    if (!this.behaviours.has(behaviour)) this.behaviours.set(behaviour, key);
  }

  private keysOf(rule: Rule): RuleKeys {
    let keys = this.keys.get(rule);
    if (!keys) {
      keys = { hash: ruleHash(rule) };
      this.keys.set(rule, keys);
    }
    return keys;
  }

  private fingerprintOf(rule: Rule, keys: RuleKeys): string {
    keys.fingerprint ??= behaviourFingerprint(rule);
    return keys.fingerprint;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
