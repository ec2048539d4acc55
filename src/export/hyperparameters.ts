/**
 * Which constants of an exported adaptive rule are a baseline's named
 * hyperparameters (Adam's β1, β2, ε; momentum's μ), so that exported
 * optimizers take them as constructor arguments with the exported values as
 * defaults, as `torch.optim` and `tf.train` users expect.
 *
 * A rule tree's constants are anonymous literals. A baseline writes its rule
 * text from named parameters (`ruleText(p)`), so the exporter finds them by
 * probing: it writes the text with a distinctive sentinel value for every
 * parameter, and once more per parameter with only that one changed, parses
 * each, and compares the constants position by position (positions in the
 * walk order of `grammar/emit`). A constant that equals the parameter's
 * sentinel in both probes is a use of it; one that changes without equalling
 * the sentinel is a derived use (a value computed in JavaScript, such as a
 * `1 - β` folded before it reached the text), which cannot be rewritten
 * consistently, so that parameter stays fixed and the export says so.
 *
 * Only rules known to be a baseline (`ExportInfo.baseline`: `--rule NAME`)
 * are probed, and the exported tree must have the probes' shape with every
 * other constant equal; the defaults are read from the exported tree itself,
 * so they are the exported values bit for bit. Evolved rules expose nothing:
 * their constants are fixed by the search.
 */
import type { AlrRule, Expr } from '../grammar/ast.js';
import { ALR_STATES, exprEquals, mapChildren, num } from '../grammar/ast.js';
import { constantsInWalkOrder } from '../grammar/emit.js';
import { parseRule } from '../grammar/parser.js';
import { getBaseline } from '../baselines/registry.js';
import type { AlrBaseline, ParamSpec, ParamValues } from '../baselines/types.js';
import type { ExportInfo } from './header.js';

export const ALR_PARTS = [...ALR_STATES, 'update'] as const;
export type AlrPart = (typeof ALR_PARTS)[number];

export interface Hyperparameter {
  /** The baseline's name for it (adam's `beta1`): the key the exported expressions read it by. */
  readonly name: string;
  /** Its value in the exported rule, the constructors' default. */
  readonly value: number;
  /** Its range, which the constructors check. */
  readonly spec: ParamSpec;
}

export interface RuleHyperparameters {
  /** The baseline the rule was recognised as, when it was. */
  readonly baseline?: string;
  /** In the baseline's parameter order. */
  readonly exposed: readonly Hyperparameter[];
  /** Parameters the rule uses only in a derived form: fixed at their values. */
  readonly derived: readonly string[];
  /** Per part, per constant in walk order: the name of the exposed parameter it is, if any. */
  readonly constantNames: Readonly<Record<AlrPart, readonly (string | undefined)[]>>;
}

const NO_NAMES: Readonly<Record<AlrPart, readonly (string | undefined)[]>> = { alpha: [], beta: [], sigma: [], update: [] };
const NONE: RuleHyperparameters = { exposed: [], derived: [], constantNames: NO_NAMES };

/** Sentinels: values no baseline writes by itself, distinct per parameter and between the two sets. */
const sentinel = (set: 0 | 1, k: number): number => (set === 0 ? 0.3183098861837907 : 0.36787944117144233) + k / 1024;

/** The tree with every constant 0: two trees of one shape compare equal. */
function shapeOf(e: Expr): Expr {
  return e.kind === 'const' ? num(0) : mapChildren(e, shapeOf);
}

type PartConstants = Record<AlrPart, number[]>;

function constantsOf(rule: AlrRule): PartConstants {
  return Object.fromEntries(ALR_PARTS.map((p) => [p, constantsInWalkOrder(rule[p])])) as PartConstants;
}

function sameShape(a: AlrRule, b: AlrRule): boolean {
  return ALR_PARTS.every((p) => exprEquals(shapeOf(a[p]), shapeOf(b[p])));
}

/**
 * The hyperparameters an exported adaptive rule exposes: those of the
 * baseline `info` names, when the rule is that baseline's text; none for
 * any other rule.
 */
export function ruleHyperparameters(rule: AlrRule, info: ExportInfo): RuleHyperparameters {
  if (info.baseline === undefined) return NONE;
  let baseline;
  try {
    baseline = getBaseline(info.baseline.name);
  } catch {
    return NONE;
  }
  return baseline.variant === 'alr' ? probeHyperparameters(rule, baseline) : NONE;
}

/** The hyperparameters of `baseline` that `rule`'s constants are, found by probing its rule text (module comment). */
export function probeHyperparameters(rule: AlrRule, baseline: AlrBaseline): RuleHyperparameters {
  const specs = baseline.params.filter((s) => typeof s.default === 'number');
  // List parameters (none among the adaptive baselines) keep their defaults in the probes.
  const fixedLists: Record<string, number | readonly number[]> = Object.fromEntries(
    baseline.params.filter((s) => typeof s.default !== 'number').map((s) => [s.name, s.default]),
  );
  const probe = (values: ParamValues): AlrRule | undefined => {
    try {
      const r = parseRule(baseline.ruleText({ ...fixedLists, ...values }), 'alr');
      return r.variant === 'alr' && sameShape(r, rule) ? r : undefined;
    } catch {
      return undefined;
    }
  };
  const baseValues = Object.fromEntries(specs.map((s, k) => [s.name, sentinel(0, k)]));
  const base = probe(baseValues);
  if (base === undefined) return NONE;
  const baseConstants = constantsOf(base);
  const actual = constantsOf(rule);
  // Per part and constant: the parameters it moves with, and whether it is one of them as written.
  const dependsOn: Record<AlrPart, Array<Array<{ name: string; direct: boolean }>>> = {
    alpha: baseConstants.alpha.map(() => []),
    beta: baseConstants.beta.map(() => []),
    sigma: baseConstants.sigma.map(() => []),
    update: baseConstants.update.map(() => []),
  };
  for (const [k, spec] of specs.entries()) {
    const moved = probe({ ...baseValues, [spec.name]: sentinel(1, k) });
    if (moved === undefined) return NONE;
    const movedConstants = constantsOf(moved);
    for (const part of ALR_PARTS) {
      baseConstants[part].forEach((v, i) => {
        const w = movedConstants[part][i] as number;
        if (!Object.is(v, w)) dependsOn[part][i]?.push({ name: spec.name, direct: v === sentinel(0, k) && w === sentinel(1, k) });
      });
    }
  }
  const values = new Map<string, number[]>();
  const derived = new Set<string>();
  for (const part of ALR_PARTS) {
    for (const [i, deps] of dependsOn[part].entries()) {
      const v = actual[part][i] as number;
      const only = deps.length === 1 ? deps[0] : undefined;
      if (deps.length === 0) {
        // A constant of the text itself: the exported rule must have it too, or it is not this baseline's text.
        if (!Object.is(v, baseConstants[part][i])) return NONE;
      } else if (only?.direct) {
        values.set(only.name, [...(values.get(only.name) ?? []), v]);
      } else {
        for (const d of deps) derived.add(d.name);
      }
    }
  }
  const exposed: Hyperparameter[] = [];
  for (const spec of specs) {
    const uses = values.get(spec.name);
    if (uses === undefined || derived.has(spec.name)) continue;
    const value = uses[0] as number;
    // Every use must hold one value: otherwise the rule was edited after it was written from parameters.
    if (!uses.every((u) => Object.is(u, value))) return NONE;
    exposed.push({ name: spec.name, value, spec });
  }
  const names = new Set(exposed.map((h) => h.name));
  const constantNames = Object.fromEntries(
    ALR_PARTS.map((part) => [part, dependsOn[part].map((deps) => (deps.length === 1 && deps[0]?.direct && names.has(deps[0].name) ? deps[0].name : undefined))]),
  ) as Record<AlrPart, (string | undefined)[]>;
  return { baseline: baseline.name, exposed, derived: [...derived], constantNames };
}

/**
 * How a target's constructor spells a hyperparameter: a keyword, and the
 * index when several values share one keyword as a tuple (torch's `betas`).
 */
export interface Spelling {
  readonly keyword: string;
  readonly index?: number;
}

/**
 * torch.optim's keywords where a baseline's parameter is one of its
 * optimizers' (Adam's betas and eps, SGD's momentum, RMSprop's alpha for
 * ρ, Adagrad's eps); other parameters keep the baseline's own names.
 */
const TORCH: Readonly<Record<string, Readonly<Record<string, Spelling>>>> = {
  adam: { beta1: { keyword: 'betas', index: 0 }, beta2: { keyword: 'betas', index: 1 }, eps: { keyword: 'eps' } },
  momentum: { mu: { keyword: 'momentum' } },
  nesterov: { mu: { keyword: 'momentum' } },
  rmsprop: { rho: { keyword: 'alpha' }, eps: { keyword: 'eps' } },
  adagrad: { eps: { keyword: 'eps' } },
};

/** tf.train's argument names (adam's beta1, beta2, epsilon; momentum's momentum; rmsprop's decay for ρ). */
const TFJS: Readonly<Record<string, Readonly<Record<string, Spelling>>>> = {
  adam: { beta1: { keyword: 'beta1' }, beta2: { keyword: 'beta2' }, eps: { keyword: 'epsilon' } },
  momentum: { mu: { keyword: 'momentum' } },
  nesterov: { mu: { keyword: 'momentum' } },
  rmsprop: { rho: { keyword: 'decay' }, eps: { keyword: 'epsilon' } },
  adagrad: { eps: { keyword: 'epsilon' } },
};

/** One constructor argument: its keyword and the hyperparameters it holds (several: a tuple, in index order). */
export interface Argument {
  readonly keyword: string;
  readonly members: readonly Hyperparameter[];
}

/** The constructor arguments of the exposed hyperparameters in a target's spelling, in first-use order. */
export function constructorArguments(h: RuleHyperparameters, target: 'torch' | 'tfjs'): Argument[] {
  const table = (target === 'torch' ? TORCH : TFJS)[h.baseline ?? ''] ?? {};
  const args: Array<{ keyword: string; members: Array<{ index: number; h: Hyperparameter }> }> = [];
  for (const p of h.exposed) {
    const spelling = table[p.name] ?? { keyword: p.name };
    let arg = args.find((a) => a.keyword === spelling.keyword);
    if (arg === undefined) {
      arg = { keyword: spelling.keyword, members: [] };
      args.push(arg);
    }
    arg.members.push({ index: spelling.index ?? 0, h: p });
  }
  return args.map((a) => ({ keyword: a.keyword, members: a.members.sort((x, y) => x.index - y.index).map((m) => m.h) }));
}

/**
 * What torch calls a bad value in its errors ("Invalid beta parameter at
 * index 0: …", "Invalid epsilon value: …", "Invalid momentum value: …").
 */
export function valueLabel(keyword: string, index: number, tuple: boolean): string {
  if (tuple) return `${keyword.replace(/s$/, '')} parameter at index ${index}`;
  return keyword === 'eps' || keyword === 'epsilon' ? 'epsilon value' : `${keyword} value`;
}

/** The range a hyperparameter must lie in, as words ("in [0, 1)", "> 0"), or undefined when any finite number goes. */
export function rangeText(spec: ParamSpec): string | undefined {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return `in ${spec.exclusiveMin ? '(' : '['}${min}, ${max}${spec.exclusiveMax ? ')' : ']'}`;
  if (min !== undefined) return `${spec.exclusiveMin ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${spec.exclusiveMax ? '<' : '<='} ${max}`;
  return undefined;
}

/** The header's word on the constructor's hyperparameters (`call`: how the target writes the constructor with them). */
export function hyperparameterNote(h: RuleHyperparameters, call: string): string[] {
  const lines: string[] = [];
  if (h.exposed.length > 0) {
    lines.push(`Hyperparameters (constructor arguments; the defaults are the exported values): ${call}.`);
  } else if (h.baseline === undefined) {
    lines.push('Hyperparameters: none; the rule\'s constants are fixed by the search (they are not a known optimizer\'s parameters).');
  } else {
    lines.push(`Hyperparameters: none${h.derived.length > 0 ? '' : ` (${h.baseline} has no parameters)`}.`);
  }
  if (h.derived.length > 0) {
    lines.push(`Fixed, not arguments: ${h.derived.join(', ')} (the rule text uses ${h.derived.length === 1 ? 'it' : 'them'} in a computed form, which cannot be rewritten consistently).`);
  }
  return lines;
}
