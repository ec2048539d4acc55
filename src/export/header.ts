/**
 * The comment block at the top of every exported file: where the rule comes
 * from, its text (as found and simplified), its scores or baseline parameters,
 * and the signals it reads with their definitions from `signals.ts`.
 */
import type { Rule } from '../grammar/ast.js';
import { printRule } from '../grammar/printer.js';
import { simplifyRule } from '../grammar/simplify.js';
import { signalDocs, signalsRead } from '../grammar/signals.js';
import { lrUse } from './ignores-lr.js';

/** What an export knows about the rule besides its tree. */
export interface ExportInfo {
  /** The rule text as given (campaign entry or --rule argument). */
  readonly text: string;
  readonly campaign?: string;
  /** Hall-of-fame entry id and rank (1-based), for campaign exports. */
  readonly id?: string;
  readonly rank?: number;
  readonly combined?: number;
  readonly scores?: Readonly<Record<string, number>>;
  readonly test?: Readonly<Record<string, { readonly mean: number; readonly sd: number; readonly metric: string }>>;
  readonly baseline?: { readonly name: string; readonly params: Readonly<Record<string, number | readonly number[]>> };
}

/** Signals whose values come from the training loss (or accuracy) rather than the clock. */
const LOSS_SIGNALS = new Set(['loss', 'loss_prev', 'loss_first', 'loss_last', 'loss_best', 'batch_loss', 'dloss', 'acc', 'acc_prev']);

export function isLossDriven(rule: Rule): boolean {
  return signalsRead(rule).some((n) => LOSS_SIGNALS.has(n));
}

/**
 * Characters that end a comment line in JavaScript (LF, CR, U+2028, U+2029)
 * or Python (LF, CR), every other control character, and `*` before `/`
 * (which would close a block comment), written as visible escapes.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const UNSAFE_IN_COMMENT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\*(?=\/)/g;

/**
 * A value from a campaign folder (names, ids, task and metric names, scores:
 * hof.json is a file anyone may hand over) as text that stays inside one
 * comment line whatever it holds: its line breaks cannot end the comment and
 * turn the rest into code the exported module runs on import.
 */
export function commentText(value: unknown): string {
  return String(value).replace(UNSAFE_IN_COMMENT, (c) => (c === '*' ? '*\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Header lines, without comment markers; every value that came from outside goes through `commentText`. */
export function headerLines(rule: Rule, info: ExportInfo, target: string): string[] {
  const c = commentText;
  const lines: string[] = [`Learning-rate rule exported by autolr (${target}).`, ''];
  if (info.campaign !== undefined) lines.push(`campaign:   ${c(info.campaign)}`);
  if (info.id !== undefined) lines.push(`entry:      ${c(info.id)}${info.rank !== undefined ? ` (rank ${c(info.rank)})` : ''}`);
  if (info.baseline) lines.push(`baseline:   ${c(info.baseline.name)}`);
  lines.push(`rule:       ${c(info.text.replace(/\s+/g, ' ').trim())}`);
  lines.push(`simplified: ${c(printRule(simplifyRule(rule)))}`);
  if (info.combined !== undefined) lines.push(`combined:   ${c(info.combined)}`);
  if (info.scores && Object.keys(info.scores).length > 0) {
    lines.push('scores:');
    for (const [task, score] of Object.entries(info.scores)) lines.push(`  ${c(task)}: ${c(score)}`);
  }
  if (info.test && Object.keys(info.test).length > 0) {
    lines.push('test metrics (fresh seeds):');
    for (const [task, t] of Object.entries(info.test)) lines.push(`  ${c(task)}: ${c(t.metric)} ${c(t.mean)} ± ${c(t.sd)}`);
  }
  if (info.baseline && Object.keys(info.baseline.params).length > 0) {
    lines.push('parameters:');
    for (const [name, v] of Object.entries(info.baseline.params)) lines.push(`  ${c(name)} = ${c(Array.isArray(v) ? `[${v.join(', ')}]` : String(v))}`);
  }
  const read = signalsRead(rule);
  const docs = new Map(signalDocs(rule.variant).map((d) => [d.name, d.definition]));
  lines.push('', read.length > 0 ? 'signals read:' : 'signals read: none');
  for (const name of read) lines.push(`  ${name}: ${docs.get(name) ?? ''}`);
  if (isLossDriven(rule)) {
    lines.push(
      '',
      'NOTE: this rule is loss-driven: its rates depend on the training loss (or',
      'accuracy) it is fed, so feed it the same quantities as defined above (mean',
      'minibatch training loss per epoch, etc.) or its behaviour will differ from',
      'what autolr measured.',
    );
  }
  lines.push(...ignoredLrNote(rule));
  if (rule.variant === 'dlr' && rule.accept) {
    lines.push(
      '',
      'NOTE: the acceptance clause needs a tentative step that can be undone',
      '(re-measure the loss on the same minibatch, keep the step with probability',
      'acceptance(...)); the exported acceptance function gives that probability,',
      'but the callbacks/schedulers below only set the rate.',
    );
  }
  return lines;
}

/**
 * The warning for rules whose step size never takes the user's learning rate
 * (`ignores-lr.ts`): without it their users tune lr=, --lr0 or a scheduler
 * that changes nothing.
 */
export function ignoredLrNote(rule: Rule): string[] {
  const use = lrUse(rule);
  if (use === 'value') return [];
  const lines =
    rule.variant === 'dlr'
      ? ['', 'NOTE: this rule ignores lr: lr=, --lr0 and the optimizer\'s starting rate', 'have no effect; its rates are fixed by the rule.']
      : ['', 'NOTE: this rule ignores lr: lr=, --lr0 and schedulers have no effect; its', 'step size is fixed by the rule.'];
  if (use === 'tests-only') lines.push('(It reads lr only in a comparison that picks a branch; lr never scales a step.)');
  return lines;
}

/** The same note as one line, for the warning an exported module gives at construction; undefined when lr is used. */
export function ignoredLrWarning(rule: Rule): string | undefined {
  const text = ignoredLrNote(rule)
    .filter((l) => l !== '')
    .join(' ')
    .replace(/^NOTE: /, '');
  return text === '' ? undefined : text;
}

/** The header as a comment block: `//` lines for JS/TS, `#` lines for Python. */
export function formatHeader(rule: Rule, info: ExportInfo, target: string, style: 'js' | 'py'): string {
  const prefix = style === 'js' ? '//' : '#';
  return headerLines(rule, info, target)
    .map((l) => (l === '' ? prefix : `${prefix} ${l}`))
    .join('\n');
}
