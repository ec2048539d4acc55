/**
 * Every export target, one line each: a new target is a generator module that
 * exports an `ExportTarget` and a line here. `autolr export` only looks the
 * target up.
 */
import type { Rule } from '../grammar/ast.js';
import { DEFAULT_LR0 } from '../evaluator/lr0.js';
import { ALR_JS, ALR_TS } from './alr-js.js';
import { ALR_PY } from './alr-python.js';
import type { ExportInfo } from './header.js';
import { DLR_JS, DLR_TS } from './js.js';
import { DLR_PY } from './python.js';
import { ExportError, type ExportFormat, type ExportTarget } from './target.js';

export { EXPORT_FORMATS, ExportError, type ExportFormat, type ExportTarget } from './target.js';

export const EXPORT_TARGETS: readonly ExportTarget[] = [DLR_TS, DLR_JS, DLR_PY, ALR_TS, ALR_JS, ALR_PY];

export function findTarget(format: ExportFormat, variant: Rule['variant']): ExportTarget {
  const target = EXPORT_TARGETS.find((t) => t.format === format && t.variant === variant);
  if (target === undefined) throw new ExportError(`no ${format} export for ${variant} rules`);
  return target;
}

/**
 * Generates the code for a rule in one format: schedule rules as functions and
 * callbacks, adaptive rules as optimizer classes (`lr0`: their default rate).
 */
export function exportRule(rule: Rule, info: ExportInfo, format: ExportFormat, lr0: number = DEFAULT_LR0.alr): string {
  return findTarget(format, rule.variant).generate(rule, info, { lr0 });
}
