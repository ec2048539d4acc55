/**
 * `--rule` arguments: a baseline name (with optional `--params` JSON) or rule
 * text. Shared by every command that takes a rule.
 */
import type { Rule, Variant } from '../grammar/ast.js';
import { parseRule, RuleSyntaxError } from '../grammar/parser.js';
import { baselineRule, getBaseline, isBaselineName } from '../baselines/registry.js';
import { BaselineError, type Baseline, type ParamValues } from '../baselines/types.js';
import { UsageError } from './errors.js';

export interface RuleArgument {
  readonly rule: Rule;
  readonly text: string;
  /** Set when the argument named a baseline. */
  readonly baseline?: { readonly entry: Baseline; readonly params: ParamValues };
}

export function parseParamsJson(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`--params is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--params must be a JSON object, as in \'{"step_size": 500}\'');
  }
  return value as Record<string, unknown>;
}

/** Resolves a rule argument; `variant` is the variant expected of rule text (baselines carry their own). */
export function resolveRuleArgument(arg: string, variant: Variant, paramsJson?: string): RuleArgument {
  if (isBaselineName(arg.trim())) {
    try {
      const entry = getBaseline(arg.trim());
      const { rule, text, params } = baselineRule(entry, parseParamsJson(paramsJson));
      return { rule, text, baseline: { entry, params } };
    } catch (err) {
      if (err instanceof BaselineError) throw new UsageError(err.message);
      throw err;
    }
  }
  if (paramsJson !== undefined) throw new UsageError(`--params applies to a baseline name, and "${arg}" is not one (see: autolr list baselines)`);
  try {
    return { rule: parseRule(arg, variant), text: arg };
  } catch (err) {
    if (err instanceof RuleSyntaxError) {
      const looksLikeName = /^[a-z][a-z0-9_]*$/.test(arg.trim());
      if (looksLikeName) {
        try {
          getBaseline(arg.trim());
        } catch (nameErr) {
          throw new UsageError(`"${arg}" is neither rule text nor a baseline: ${(nameErr as Error).message}`);
        }
      }
      throw new UsageError(err.explain());
    }
    throw err;
  }
}

/** As resolveRuleArgument; without a variant, rule text is read as whichever variant parses (dlr first). */
export function resolveRuleOfAnyVariant(arg: string, variant: Variant | undefined, paramsJson?: string): RuleArgument {
  if (variant) return resolveRuleArgument(arg, variant, paramsJson);
  try {
    return resolveRuleArgument(arg, 'dlr', paramsJson);
  } catch (dlrError) {
    try {
      return resolveRuleArgument(arg, 'alr', paramsJson);
    } catch {
      throw dlrError;
    }
  }
}
