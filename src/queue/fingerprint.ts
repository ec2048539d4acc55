/**
 * The fingerprint every queued job carries: what a worker must share with the
 * campaign for its result to mean the same thing there. A worker on another
 * machine may run another autolr version, or have another copy of a grammar
 * file or of a task's budgets; its scores would then silently mix two engines
 * in one campaign. So each job names
 *
 * - the engine version (package.json's),
 * - the grammar (its origin and a digest of its productions and depth limits:
 *   the campaign searches it, and a worker that derives other rules from the
 *   same name is running another campaign),
 * - the task's definition (a digest of its name, kind, budgets after the
 *   campaign's overrides, floor score and starting rates),
 *
 * and a worker computes the same from its own installation and refuses the
 * job when any part differs, naming the part.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadGrammar, type Grammar } from '../grammar/bnf.js';
import type { Variant } from '../grammar/ast.js';
import type { BudgetOverride } from '../tasks/budgets.js';
import { lookupTask } from '../tasks/registry.js';
import { messageOf } from '../evaluator/job.js';

export interface JobFingerprint {
  readonly engine: string;
  readonly grammar: { readonly origin: string; readonly digest: string };
  readonly task: { readonly name: string; readonly digest: string };
}

/** This installation's version: src/queue and dist/queue both sit two levels below package.json. */
export const ENGINE_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Productions as written (not their line numbers: comments may move them) and the depth limits. */
export function grammarDigest(grammar: Grammar): string {
  return digest({
    variant: grammar.variant,
    start: grammar.start,
    maxDepth: grammar.maxDepth,
    initDepth: grammar.initDepth,
    productions: grammar.nonterminals.map((nt) => [nt, (grammar.productions.get(nt) ?? []).map((p) => p.source)]),
  });
}

/** What a task trains, as far as plain data says it (the code behind it is covered by the engine version). */
export function taskDigest(name: string, budgets: BudgetOverride | undefined): string {
  const task = lookupTask(name, budgets);
  return digest({ name: task.name, kind: task.kind, budgets: task.budgets, floorScore: task.floorScore, lr0: task.lr0 ?? null, budgetFields: task.budgetFields });
}

/**
 * The worker's side: why this installation cannot run a job carrying
 * `fingerprint`, or undefined when it can. Digests are memoised: a worker
 * checks every job, and grammars and tasks do not change while it runs.
 */
export class FingerprintChecker {
  private readonly grammars = new Map<string, string>();
  private readonly tasks = new Map<string, string>();

  mismatch(fingerprint: unknown, variant: Variant, budgets: BudgetOverride | undefined): string | undefined {
    if (!isFingerprint(fingerprint)) return 'the job carries no valid fingerprint (an older or foreign producer)';
    if (fingerprint.engine !== ENGINE_VERSION) return `the campaign runs autolr ${fingerprint.engine}, this worker autolr ${ENGINE_VERSION}`;
    const grammar = this.memo(this.grammars, `${variant}|${fingerprint.grammar.origin}`, () => grammarDigest(loadGrammar(fingerprint.grammar.origin, variant)));
    if (grammar.error !== undefined) return `the campaign's grammar ${fingerprint.grammar.origin} cannot be loaded here: ${grammar.error}`;
    if (grammar.value !== fingerprint.grammar.digest) return `the grammar ${fingerprint.grammar.origin} differs from the campaign's (another version or another file of that name)`;
    const task = this.memo(this.tasks, `${fingerprint.task.name}|${JSON.stringify(budgets ?? null)}`, () => taskDigest(fingerprint.task.name, budgets));
    if (task.error !== undefined) return `the campaign's task ${fingerprint.task.name} is unknown here: ${task.error}`;
    if (task.value !== fingerprint.task.digest) return `the task ${fingerprint.task.name} is defined differently here (budgets, floor score or starting rates differ)`;
    return undefined;
  }

  private memo(cache: Map<string, string>, key: string, compute: () => string): { value?: string; error?: string } {
    const known = cache.get(key);
    if (known !== undefined) return { value: known };
    try {
      const value = compute();
      cache.set(key, value);
      return { value };
    } catch (err) {
      return { error: messageOf(err) };
    }
  }
}

function isFingerprint(f: unknown): f is JobFingerprint {
  const x = f as Partial<JobFingerprint> | null;
  return (
    typeof x === 'object' && x !== null && typeof x.engine === 'string' &&
    typeof x.grammar?.origin === 'string' && typeof x.grammar.digest === 'string' &&
    typeof x.task?.name === 'string' && typeof x.task.digest === 'string'
  );
}
