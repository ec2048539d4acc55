/**
 * fast-check generators of rule-language trees, shared by the property tests.
 * Every property test runs with a fixed seed (see `PROPERTY_SEED`) so a
 * failure reproduces exactly.
 */
import fc from 'fast-check';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type AlrRule, type DlrRule, type Expr } from '../../src/grammar/ast.js';
import { partScope } from '../../src/grammar/signals.js';

export const PROPERTY_SEED = 20261125;

/** Runs a property with the suite's fixed seed. */
export function check<Ts>(property: fc.IPropertyWithHooks<Ts> | fc.IAsyncPropertyWithHooks<Ts>, numRuns = 200): void | Promise<void> {
  return fc.assert(property as fc.IProperty<Ts>, { seed: PROPERTY_SEED, numRuns });
}

/** Constants as rules contain them: small and large magnitudes, both signs, exact integers. */
export const constantArb: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 10 }),
  fc.constantFrom(0, 1, 0.5, 0.9, 0.999, 1e-8, 10, 2),
  fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
);

export interface ExprArbOptions {
  readonly signals: readonly string[];
  readonly maxDepth?: number;
  /** Include rand / noise / choice nodes. */
  readonly random?: boolean;
}

/** Random expression trees over the given signals. */
export function exprArb(options: ExprArbOptions): fc.Arbitrary<Expr> {
  const maxDepth = options.maxDepth ?? 5;
  const leaf: fc.Arbitrary<Expr> = fc.oneof(
    constantArb.map((value): Expr => ({ kind: 'const', value })),
    fc.constantFrom(...options.signals).map((name): Expr => ({ kind: 'signal', name })),
  );
  const { tree } = fc.letrec<{ tree: Expr; node: Expr }>((tie) => {
    const sub = tie('tree');
    const nodes: Array<fc.Arbitrary<Expr>> = [
      fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom(...UNARY_OPS), arg: sub }),
      fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY_OPS), left: sub, right: sub }),
      fc.record({
        kind: fc.constant('cond' as const),
        op: fc.constantFrom(...COMPARE_OPS),
        left: sub,
        right: sub,
        then: sub,
        otherwise: sub,
      }),
    ];
    if (options.random) {
      nodes.push(
        fc.record({ kind: fc.constant('choice' as const), options: fc.array(sub, { minLength: 1, maxLength: 4 }) }),
        fc.record({ kind: fc.constant('noise' as const), sigma: sub }),
        fc.constant({ kind: 'rand' as const }),
      );
    }
    return {
      tree: fc.oneof({ depthSize: 'small', maxDepth, withCrossShrink: true }, leaf, tie('node')),
      node: fc.oneof(...nodes),
    };
  });
  return tree;
}

/** Random dynamic rules, with and without an acceptance clause. */
export function dlrRuleArb(options: { maxDepth?: number; random?: boolean } = {}): fc.Arbitrary<DlrRule> {
  const lrSignals = partScope('dlr', 'epoch') as readonly string[];
  const acceptSignals = partScope('dlr', 'accept') as readonly string[];
  return fc
    .record({
      granularity: fc.constantFrom('epoch' as const, 'step' as const),
      lr: exprArb({ signals: lrSignals, ...options }),
      accept: fc.option(exprArb({ signals: acceptSignals, ...options }), { nil: undefined }),
    })
    .map(({ granularity, lr, accept }): DlrRule =>
      accept === undefined ? { variant: 'dlr', granularity, lr } : { variant: 'dlr', granularity, lr, accept },
    );
}

/** Random adaptive rules respecting each part's scope (no random terms: adaptive rules have none). */
export function alrRuleArb(options: { maxDepth?: number } = {}): fc.Arbitrary<AlrRule> {
  const part = (name: string): fc.Arbitrary<Expr> => exprArb({ signals: partScope('alr', name) as readonly string[], ...options });
  return fc
    .record({ alpha: part('alpha'), beta: part('beta'), sigma: part('sigma'), update: part('update') })
    .map((p): AlrRule => ({ variant: 'alr', ...p }));
}

/** Signal values for evaluation: finite, mixed magnitudes, some zeros. */
export function signalValuesArb(names: readonly string[]): fc.Arbitrary<Record<string, number>> {
  const value = fc.oneof(
    fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, 1, -1, 0.5),
    fc.integer({ min: 0, max: 1000 }),
  );
  return fc.record(Object.fromEntries(names.map((n) => [n, value])) as Record<string, fc.Arbitrary<number>>);
}

/** Equality for evaluation results: identical doubles, with NaN equal to NaN and 0 equal to -0. */
export function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
