/**
 * The tuned comparison a discovery is judged by, task by task: the evolved
 * rule and every baseline at their tuned lr0, their test scores over the
 * fresh seeds, and the rule's paired difference with each baseline. The
 * verdict (verdict.ts) reads one line of it, the rule against the best
 * baseline; this is the whole table behind that line, which `autolr compare`
 * prints and docs/results.md publishes.
 *
 * Baselines may come from another campaign, as long as both ran the same
 * protocol on the same tasks: under common random numbers the same rule, task,
 * seed and rate train to the same score, so a campaign without seeds (the
 * rediscovery test) can be set against the tuned baselines of one with them,
 * paired seed by seed, on the tasks both trained alike. `protocolDifferences`
 * says when that would be unsound, `sharedTasks` on which tasks it holds.
 */
import { budgetsFor, type CampaignConfig } from './config.js';
import { comparePaired, lowerIsBetter, type PairedComparison } from './paired.js';
import type { HallOfFameEntry, TestScores, TunedTask } from './records.js';
import { finishedRuns, gridEdge, ruleName } from './records.js';

export interface ComparisonRow {
  /** A baseline's name, or the evolved rule's id. */
  readonly name: string;
  readonly evolved: boolean;
  /** The tuned lr0 on this task. */
  readonly lr0: number;
  /**
   * Set when the chosen lr0 is the grid's lowest or highest point (and the
   * grid has more than one): the best rate may lie beyond, so this rule was
   * not tuned as well as the others and a win over it proves less.
   */
  readonly atEdge?: 'lowest' | 'highest';
  readonly test: TestScores;
  /** The evolved rule minus this baseline, paired over the fresh seeds (absent on the rule's own row). */
  readonly paired?: PairedComparison;
}

export interface TaskComparison {
  readonly task: string;
  /** A task the search never saw. */
  readonly heldOut: boolean;
  readonly metric: string;
  /** The evolved rule first, then the baselines, best tuned test mean first (rules none of whose runs finished last). */
  readonly rows: readonly ComparisonRow[];
  /** The baseline with the best tuned test mean, the one the verdict compares with. */
  readonly bestBaseline?: string;
  /**
   * Set when the other baselines came from another campaign (`--baselines-from`)
   * but that one did not tune this task with the same budget: the rows here
   * are the rule's own campaign's tuned baselines only.
   */
  readonly ownBaselinesOnly?: true;
}

export class ComparisonError extends Error {}

/** Config values compared as the JSON the folders hold them in (absent and undefined alike). */
const same = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

/** The row's atEdge field (see ComparisonRow.atEdge). */
function edgeOf(t: TunedTask): { atEdge?: 'lowest' | 'highest' } {
  const edge = gridEdge(t);
  return edge ? { atEdge: edge } : {};
}

/** Better first by the metric's direction; a rule with no finished run goes last. */
function byTunedMean(lower: boolean): (a: ComparisonRow, b: ComparisonRow) => number {
  const key = (r: ComparisonRow): number => (finishedRuns(r.test) > 0 && Number.isFinite(r.test.mean) ? r.test.mean : lower ? Infinity : -Infinity);
  return (a, b) => (lower ? key(a) - key(b) : key(b) - key(a)) || a.name.localeCompare(b.name);
}

/**
 * The rule against every tuned baseline on every task the rule was tuned on,
 * search tasks first, as the campaign listed them. Throws when the rule or no
 * baseline was tuned: an untuned comparison is exactly what this table exists
 * to replace.
 */
export function tunedComparison(rule: HallOfFameEntry, baselines: readonly HallOfFameEntry[], only?: readonly string[]): TaskComparison[] {
  if (!rule.tuned) throw new ComparisonError(`${rule.id} was not tuned: the campaign ran without the final lr0 tuning (tuning: false), so there is no tuned comparison to show`);
  const tuned = baselines.filter((b) => b.tuned !== undefined);
  if (tuned.length === 0) throw new ComparisonError('no baseline was tuned: a campaign without seeds has none of its own; compare with another campaign\'s (--baselines-from)');
  const tasks = taskOrder(rule)
    .filter((task) => only === undefined || only.includes(task))
    .map((task) => [task, rule.tuned?.[task] as TunedTask] as const);
  return tasks.map(([task, mine]) => {
    const lower = lowerIsBetter(mine.test.metric);
    const rows = tuned.flatMap((b): ComparisonRow[] => {
      const theirs = b.tuned?.[task];
      if (!theirs) return [];
      const paired = comparePaired(mine.test, theirs.test);
      return [{ name: ruleName(b), evolved: false, lr0: theirs.lr0, ...edgeOf(theirs), test: theirs.test, ...(paired ? { paired } : {}) }];
    });
    rows.sort(byTunedMean(lower));
    const best = rows.find((r) => finishedRuns(r.test) > 0 && Number.isFinite(r.test.mean));
    return {
      task,
      heldOut: mine.heldOut,
      metric: mine.test.metric,
      rows: [{ name: rule.id, evolved: true, lr0: mine.lr0, ...edgeOf(mine), test: mine.test }, ...rows],
      ...(best ? { bestBaseline: best.name } : {}),
    };
  });
}

/** The tasks a rule was tuned on, search tasks first, each group as the campaign listed them. */
function taskOrder(rule: HallOfFameEntry): string[] {
  return Object.entries(rule.tuned ?? {})
    .sort(([, a], [, b]) => Number(a.heldOut) - Number(b.heldOut))
    .map(([task]) => task);
}

/**
 * The rule against baselines borrowed from another campaign on the tasks
 * both tuned alike (`shared`, from `sharedTasks`), and against its own
 * campaign's tuned baselines on the rest, marked `ownBaselinesOnly`: a task
 * the other campaign never tuned keeps its table instead of vanishing from
 * it. Tasks with no tuned baseline from either campaign are `leftOut`.
 */
export function borrowedComparison(
  rule: HallOfFameEntry,
  own: readonly HallOfFameEntry[],
  borrowed: readonly HallOfFameEntry[],
  shared: readonly string[],
): { tasks: TaskComparison[]; leftOut: string[] } {
  const order = taskOrder(rule);
  const rest = order.filter((t) => !shared.includes(t));
  const fromOther = shared.length > 0 ? tunedComparison(rule, borrowed, shared) : [];
  const ownTuned = own.some((b) => rest.some((t) => b.tuned?.[t] !== undefined));
  const fromOwn = ownTuned
    ? tunedComparison(rule, own, rest)
        .filter((t) => t.rows.length > 1)
        .map((t) => ({ ...t, ownBaselinesOnly: true as const }))
    : [];
  const tasks = [...fromOther, ...fromOwn].sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task));
  return { tasks, leftOut: rest.filter((t) => !fromOwn.some((c) => c.task === t)) };
}

/**
 * The fields of two campaigns' configs that must agree for one's tuned
 * baselines to stand beside the other's rule on any task: how a run trains
 * (variant, base optimizer, starting rate, data split and folder, backend),
 * how lr0 is tuned (grid, search seed) and which fresh seeds test it. Empty
 * when they agree; `sharedTasks` then says on which tasks.
 */
export function protocolDifferences(a: CampaignConfig, b: CampaignConfig): string[] {
  const fields = ['variant', 'optimizer', 'lr0', 'seed', 'splitSeed', 'finalSeeds', 'tuning', 'backend', 'dataDir'] as const;
  // Which tasks a campaign tunes on changes no run on a task both tuned: sharedTasks reads it.
  const value = (c: CampaignConfig, f: (typeof fields)[number]): unknown => (f === 'tuning' && c.tuning !== false ? { points: c.tuning.points, span: c.tuning.span } : c[f]);
  return fields.filter((f) => !same(value(a, f), value(b, f))).map((f) => `${f}: ${JSON.stringify(value(a, f) ?? null)} vs ${JSON.stringify(value(b, f) ?? null)}`);
}

/** Every task a campaign tunes on: the searched ones (unless it tunes on the held-out ones alone), then the held-out ones. */
const tunedTasks = (c: CampaignConfig): string[] => [...(c.tuning !== false && c.tuning.tasks === 'held-out' ? [] : c.tasks), ...(c.validation?.tasks ?? [])];

/**
 * The tasks of `a` that `b` tuned on too, with the same full-fidelity budget:
 * there the same rule trains to the same score in either campaign (whether a
 * task was searched or held out changes nothing about its tuning and test
 * runs, and neither trains at the cheap fidelity, so its budget may differ).
 */
export function sharedTasks(a: CampaignConfig, b: CampaignConfig): string[] {
  return tunedTasks(a).filter((t) => tunedTasks(b).includes(t) && same(fullBudget(a, t), fullBudget(b, t)));
}

/** A task's full-fidelity budget changes in a campaign, undefined when it keeps the task's own. */
function fullBudget(c: CampaignConfig, task: string): unknown {
  const full = budgetsFor(c, task)?.full;
  return full !== undefined && Object.keys(full).length > 0 ? full : undefined;
}
