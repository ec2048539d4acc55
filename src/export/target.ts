/**
 * What an export target is: one (format, variant) pair and the function that
 * writes its module. The list of targets is `targets.ts`.
 */
import type { AlrRule, DlrRule, Rule, Variant } from '../grammar/ast.js';
import { InputError } from '../errors.js';
import type { ExportInfo } from './header.js';

export const EXPORT_FORMATS = ['ts', 'js', 'py'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface GenerateOptions {
  /** The default learning rate written into exported optimizers (adaptive rules). */
  readonly lr0: number;
}

export interface ExportTarget {
  readonly format: ExportFormat;
  readonly variant: Variant;
  /** The module text; `rule` is of the target's variant (`exportRule` sees to it). */
  generate(rule: Rule, info: ExportInfo, options: GenerateOptions): string;
}

/** Thrown for rules an exporter cannot handle. */
export class ExportError extends InputError {}

export function requireDlr(rule: Rule): DlrRule {
  if (rule.variant !== 'dlr') {
    throw new ExportError('this generator writes schedule (dlr) rules; adaptive (alr) rules are exported as optimizers by alr-js.ts and alr-python.ts');
  }
  return rule;
}

export function requireAlr(rule: Rule): AlrRule {
  if (rule.variant !== 'alr') {
    throw new ExportError('this generator writes adaptive (alr) rules as optimizers; schedule (dlr) rules are exported by js.ts and python.ts');
  }
  return rule;
}
