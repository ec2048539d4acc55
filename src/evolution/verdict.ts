/**
 * The question a campaign exists to answer, in one sentence: did evolution's
 * best rule beat the best baseline — both at their tuned lr0 where the
 * campaign tuned — on each task, by a paired difference whose 95 % interval
 * excludes zero? `hof` and the report print it first.
 */
import { parseRule, variantOfRuleText } from '../grammar/parser.js';
import { describeMetric, testMetric } from '../tasks/metrics.js';
import { oracleReads, oracleSentences, type OracleRead } from '../tasks/oracle-signals.js';
import { comparePaired, lowerIsBetter, signed, type PairedComparison } from './paired.js';
import { comparedTests, evolvedRuleOf, finishedRuns, gridEdge, ruleName, type HallOfFameEntry, type TestScores } from './records.js';

export interface TaskVerdict {
  readonly task: string;
  /** A validation task the search never saw. */
  readonly heldOut: boolean;
  /** The baseline with the best test mean on this task, which the rule is compared with. */
  readonly baseline: string;
  readonly metric: string;
  readonly comparison: PairedComparison;
  /** The compared rules (the evolved one, the baseline) whose tuned lr0 is an end of its grid, with which end. */
  readonly atGridEdge: ReadonlyArray<{ readonly rule: string; readonly edge: 'lowest' | 'highest' }>;
}

export interface DiscoveryVerdict {
  /** The id of the evolved rule compared (absent when none reached full fidelity). */
  readonly rule?: string;
  /** Whether the comparison is of tuned rates (the campaign tuned lr0) or of the rates as searched. */
  readonly tuned: boolean;
  readonly tasks: readonly TaskVerdict[];
  /** Signals the rule reads that some of its tasks compute from an oracle (the PINN's exact solution). */
  readonly oracle: readonly OracleRead[];
  readonly headline: string;
}

/** A test metric in words with its direction (tasks/metrics.ts), for headings and the report's opening. */
export { describeMetric };

/** A rule's test scores on a task: at its tuned rate when tuned, else as searched. */
function scoresOn(h: HallOfFameEntry, task: string, tuned: boolean): TestScores | undefined {
  return comparedTests(h, tuned)?.[task];
}

/** The baseline whose finished runs have the best mean on the task (the lower for an error). */
function bestBaselineOn(baselines: readonly HallOfFameEntry[], task: string, tuned: boolean): HallOfFameEntry | undefined {
  let best: { entry: HallOfFameEntry; mean: number } | undefined;
  for (const b of baselines) {
    const t = scoresOn(b, task, tuned);
    if (!t || finishedRuns(t) === 0 || !Number.isFinite(t.mean)) continue;
    const better = best === undefined || (lowerIsBetter(t.metric) ? t.mean < best.mean : t.mean > best.mean);
    if (better) best = { entry: b, mean: t.mean };
  }
  return best?.entry;
}

/** The verdict of a campaign's results: its best evolved rule (`evolvedRuleOf`) against its re-scored baselines. */
export function campaignVerdict(results: {
  readonly bestEvolved?: HallOfFameEntry | null;
  readonly hallOfFame: readonly HallOfFameEntry[];
  readonly baselines: readonly HallOfFameEntry[];
}): DiscoveryVerdict {
  return discoveryVerdict(evolvedRuleOf(results), results.baselines);
}

export function discoveryVerdict(rule: HallOfFameEntry | undefined, baselines: readonly HallOfFameEntry[]): DiscoveryVerdict {
  if (!rule) return { tuned: false, tasks: [], oracle: [], headline: 'No evolved rule reached full fidelity, so evolution has nothing to set against the baselines.' };
  const tuned = rule.tuned !== undefined && baselines.some((b) => b.tuned !== undefined);
  const tasks = Object.keys((tuned ? rule.tuned : rule.test) ?? {});
  const verdicts: TaskVerdict[] = tasks.flatMap((task) => {
    const mine = scoresOn(rule, task, tuned);
    const base = bestBaselineOn(baselines, task, tuned);
    const theirs = base ? scoresOn(base, task, tuned) : undefined;
    const comparison = mine && theirs ? comparePaired(mine, theirs) : undefined;
    if (!base || !mine || !comparison) return [];
    const atGridEdge = tuned ? edgesOf([rule, base], task) : [];
    return [{ task, heldOut: tuned && rule.tuned?.[task]?.heldOut === true, baseline: ruleName(base), metric: mine.metric, comparison, atGridEdge }];
  });
  const oracle = oracleReadsOf(rule, [...new Set([...Object.keys(rule.scores), ...tasks])]);
  const oracleNote = oracleSentences(rule.id, oracle).map((s) => ` ${s}`).join('');
  const tunedBaselines = baselines.filter((b) => b.tuned !== undefined).length;
  const partial = tuned && tunedBaselines < baselines.length ? { tuned: tunedBaselines, seeded: baselines.length } : undefined;
  return { rule: rule.id, tuned, tasks: verdicts, oracle, headline: headlineOf(rule, tuned, verdicts, partial) + oracleNote };
}

/** The oracle signals an entry's rule reads on the tasks; none when its text does not parse (a folder from another version). */
function oracleReadsOf(rule: HallOfFameEntry, tasks: readonly string[]): OracleRead[] {
  try {
    return oracleReads(parseRule(rule.text, variantOfRuleText(rule.text)), tasks);
  } catch {
    return [];
  }
}

/** Which of the compared rules were tuned to an end of their grid on the task. */
function edgesOf(rules: readonly HallOfFameEntry[], task: string): TaskVerdict['atGridEdge'] {
  return rules.flatMap((h) => {
    const t = h.tuned?.[task];
    const edge = t ? gridEdge(t) : undefined;
    return edge ? [{ rule: ruleName(h), edge }] : [];
  });
}

function clause(v: TaskVerdict): string {
  const c = v.comparison;
  const interval = c.interval ? ` [${signed(c.interval.low)}, ${signed(c.interval.high)}]` : ' (too few finished runs for an interval)';
  return `${v.task}${v.heldOut ? ' (held out)' : ''}: ${signed(c.meanDiff)}${interval} ${testMetric(v.metric).words} vs ${v.baseline}`;
}

/**
 * `partial`: the campaign tuned only some of its seeded baselines
 * (`"rescoreBaselines": "best"`), so "the best tuned baseline" would claim
 * more than was compared: the headline counts them and says how to reach
 * the bar, every tuned baseline (`autolr compare --baselines-from`).
 */
function headlineOf(rule: HallOfFameEntry, tuned: boolean, verdicts: readonly TaskVerdict[], partial?: { tuned: number; seeded: number }): string {
  const who = `Evolution's best rule, ${rule.id},${tuned ? ' at its tuned lr0,' : ''}`;
  const against = !tuned ? 'the best baseline' : partial ? `the best of its ${partial.tuned} tuned baseline${partial.tuned === 1 ? '' : 's'}` : 'the best tuned baseline';
  if (verdicts.length === 0) return `${who} has no re-scored baseline to be compared with.`;
  const of = (kind: TaskVerdict['comparison']['verdict']): TaskVerdict[] => verdicts.filter((v) => v.comparison.verdict === kind);
  const better = of('better');
  const parts = [
    better.length > 0
      ? `${who} beat ${against} on ${better.length} of ${verdicts.length} task${verdicts.length === 1 ? '' : 's'} (${better.map(clause).join('; ')})`
      : `${who} did not beat ${against} on any of ${verdicts.length} task${verdicts.length === 1 ? '' : 's'}`,
    ...(of('no detectable difference').length > 0 ? [`no detectable difference on ${of('no detectable difference').map(clause).join('; ')}`] : []),
    ...(of('worse').length > 0 ? [`worse on ${of('worse').map(clause).join('; ')}`] : []),
  ];
  const caveat = tuned ? '' : ' (rates as searched: this campaign did not tune lr0, so a win may be a better step size)';
  const edges = verdicts.flatMap((v) => v.atGridEdge.map((e) => `${e.rule} on ${v.task} (${e.edge})`));
  // A rate at an end of its grid may not be that rule's best, so a comparison with it proves less.
  const edgeNote = edges.length > 0 ? ` Tuned to an end of the lr0 grid, so perhaps not at their best: ${edges.join(', ')}.` : '';
  const partialNote = partial
    ? ` Only ${partial.tuned} of the ${partial.seeded} seeded baselines ${partial.tuned === 1 ? 'was' : 'were'} tuned ("rescoreBaselines": "best"), so this is not the discovery bar: set the rule against every tuned baseline with autolr compare --baselines-from a campaign that tuned them all.`
    : '';
  return `${parts.join('; ')}.${caveat}${edgeNote}${partialNote} Differences are paired over the fresh seeds, 95 % Student-t intervals.`;
}
