/**
 * The rule language's abstract syntax.
 *
 * A rule is a small program made of scalar expressions. Everything else in the
 * grammar package (parser, printers, simplifier, hash, compilers, genotype
 * mapping) consumes or produces these plain-data trees. They are immutable by
 * convention: every transformation builds new nodes.
 */

/** One-argument functions. Semantics (including the protected ones) live in `semantics.ts`. */
export const UNARY_OPS = [
  'neg',
  'abs',
  'sqrt',
  'square',
  'exp',
  'log',
  'log10',
  'floor',
  'sign',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Two-argument operators and functions. `div` and `pow` are protected (see `semantics.ts`). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Comparisons; they only appear as the test of a conditional. */
export const COMPARE_OPS = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

export type Expr =
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'signal'; readonly name: string }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  /** `left <op> right ? then : otherwise`; only the taken branch is evaluated. */
  | {
      readonly kind: 'cond';
      readonly op: CompareOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly then: Expr;
      readonly otherwise: Expr;
    }
  /** Picks one option uniformly at random (one draw), then evaluates only that option. */
  | { readonly kind: 'choice'; readonly options: readonly Expr[] }
  /** A normal draw with standard deviation `sigma` (mean 0). */
  | { readonly kind: 'noise'; readonly sigma: Expr }
  /** A uniform draw in [0, 1). */
  | { readonly kind: 'rand' };

export type Variant = 'dlr' | 'alr';
export type Granularity = 'epoch' | 'step';

/**
 * A dynamic (schedule) rule: gives the base optimizer's next learning rate,
 * once per epoch or before every step. With an acceptance clause every step is
 * tentative: `accept` gives the probability of keeping it (SGD-SA's Metropolis test).
 */
export interface DlrRule {
  readonly variant: 'dlr';
  readonly granularity: Granularity;
  readonly lr: Expr;
  readonly accept?: Expr;
}

/**
 * An adaptive (per-weight) rule in AutoLR's shape: states alpha, beta, sigma
 * (zero-initialised) are updated in that order, then the weight moves by
 * `w ← w − update`. A state whose expression is just its own name never changes.
 */
export interface AlrRule {
  readonly variant: 'alr';
  readonly alpha: Expr;
  readonly beta: Expr;
  readonly sigma: Expr;
  readonly update: Expr;
}

export type Rule = DlrRule | AlrRule;

/** The state parts of an adaptive rule, in update order. */
export const ALR_STATES = ['alpha', 'beta', 'sigma'] as const;
export type AlrState = (typeof ALR_STATES)[number];

// ---- constructors: short names keep tests and baselines readable ----

export const num = (value: number): Expr => ({ kind: 'const', value });
export const sig = (name: string): Expr => ({ kind: 'signal', name });
export const un = (op: UnaryOp, arg: Expr): Expr => ({ kind: 'unary', op, arg });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right });
export const cond = (op: CompareOp, left: Expr, right: Expr, then: Expr, otherwise: Expr): Expr => ({
  kind: 'cond',
  op,
  left,
  right,
  then,
  otherwise,
});
export const choice = (options: readonly Expr[]): Expr => ({ kind: 'choice', options });
export const noise = (sigma: Expr): Expr => ({ kind: 'noise', sigma });
export const rand = (): Expr => ({ kind: 'rand' });

/** The direct sub-expressions of a node, in evaluation order. */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'const':
    case 'signal':
    case 'rand':
      return [];
    case 'unary':
      return [e.arg];
    case 'binary':
      return [e.left, e.right];
    case 'cond':
      return [e.left, e.right, e.then, e.otherwise];
    case 'choice':
      return e.options;
    case 'noise':
      return [e.sigma];
  }
}

/** The same node with each direct sub-expression replaced by `f` of it (evaluation order kept). */
export function mapChildren(e: Expr, f: (child: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'const':
    case 'signal':
    case 'rand':
      return e;
    case 'unary':
      return un(e.op, f(e.arg));
    case 'binary':
      return bin(e.op, f(e.left), f(e.right));
    case 'cond':
      return cond(e.op, f(e.left), f(e.right), f(e.then), f(e.otherwise));
    case 'choice':
      return choice(e.options.map(f));
    case 'noise':
      return noise(f(e.sigma));
  }
}

/** Number of nodes. Iterative, so hostile depths cannot overflow the stack. */
export function size(e: Expr): number {
  let n = 0;
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const node = stack.pop() as Expr;
    n++;
    stack.push(...children(node));
  }
  return n;
}

/** Depth of the tree (a leaf has depth 1). Iterative for the same reason as `size`. */
export function depth(e: Expr): number {
  let max = 0;
  const stack: Array<[Expr, number]> = [[e, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [Expr, number];
    if (d > max) max = d;
    for (const c of children(node)) stack.push([c, d + 1]);
  }
  return max;
}

/** True when evaluating the expression draws from the random stream. */
export function isRandom(e: Expr): boolean {
  if (e.kind === 'rand' || e.kind === 'noise' || e.kind === 'choice') return true;
  return children(e).some(isRandom);
}

/** Names of the signals an expression reads. */
export function signalsOf(e: Expr, into: Set<string> = new Set()): Set<string> {
  if (e.kind === 'signal') into.add(e.name);
  for (const c of children(e)) signalsOf(c, into);
  return into;
}

/** Structural equality; constants compare with `Object.is` (so -0 ≠ 0 and NaN = NaN). */
export function exprEquals(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'const':
      return Object.is(a.value, (b as typeof a).value);
    case 'signal':
      return a.name === (b as typeof a).name;
    case 'unary':
      return a.op === (b as typeof a).op && exprEquals(a.arg, (b as typeof a).arg);
    case 'binary': {
      const o = b as typeof a;
      return a.op === o.op && exprEquals(a.left, o.left) && exprEquals(a.right, o.right);
    }
    case 'cond': {
      const o = b as typeof a;
      return (
        a.op === o.op &&
        exprEquals(a.left, o.left) &&
        exprEquals(a.right, o.right) &&
        exprEquals(a.then, o.then) &&
        exprEquals(a.otherwise, o.otherwise)
      );
    }
    case 'choice': {
      const o = b as typeof a;
      return a.options.length === o.options.length && a.options.every((x, i) => exprEquals(x, o.options[i] as Expr));
    }
    case 'noise':
      return exprEquals(a.sigma, (b as typeof a).sigma);
    case 'rand':
      return true;
  }
}

/** The named expressions of a rule, in evaluation order. */
export function ruleParts(rule: Rule): Array<[string, Expr]> {
  if (rule.variant === 'dlr') {
    const parts: Array<[string, Expr]> = [[rule.granularity, rule.lr]];
    if (rule.accept) parts.push(['accept', rule.accept]);
    return parts;
  }
  return [
    ['alpha', rule.alpha],
    ['beta', rule.beta],
    ['sigma', rule.sigma],
    ['update', rule.update],
  ];
}

export function ruleEquals(a: Rule, b: Rule): boolean {
  const pa = ruleParts(a);
  const pb = ruleParts(b);
  return (
    a.variant === b.variant &&
    pa.length === pb.length &&
    pa.every(([name, e], i) => {
      const other = pb[i] as [string, Expr];
      return name === other[0] && exprEquals(e, other[1]);
    })
  );
}

/** Applies `f` to every part of a rule, keeping its shape. */
export function mapRule(rule: Rule, f: (e: Expr, part: string) => Expr): Rule {
  if (rule.variant === 'dlr') {
    const lr = f(rule.lr, rule.granularity);
    return rule.accept
      ? { variant: 'dlr', granularity: rule.granularity, lr, accept: f(rule.accept, 'accept') }
      : { variant: 'dlr', granularity: rule.granularity, lr };
  }
  return {
    variant: 'alr',
    alpha: f(rule.alpha, 'alpha'),
    beta: f(rule.beta, 'beta'),
    sigma: f(rule.sigma, 'sigma'),
    update: f(rule.update, 'update'),
  };
}
