/**
 * The one walk over a rule expression that every code generator shares. A
 * target (the scalar compiler, the tensor compiler, the text printer, each
 * exported language) supplies an operator table; the walker visits the tree
 * bottom-up, left to right, and combines what the table made of the children.
 *
 * The table's operator fields are records keyed by the AST's operator unions,
 * so adding an operator to `ast.ts` fails to compile until every target says
 * what it becomes there.
 */
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type BinaryOp, type CompareOp, type Expr, type UnaryOp } from './ast.js';

export interface OperatorTable<T> {
  readonly constant: (value: number) => T;
  /** Only ever called with the names the rule reads; see `safeName` for generators that print them. */
  readonly signal: (name: string) => T;
  readonly unary: { readonly [op in UnaryOp]: (arg: T) => T };
  readonly binary: { readonly [op in BinaryOp]: (left: T, right: T) => T };
  /** The test of a conditional. */
  readonly compare: { readonly [op in CompareOp]: (left: T, right: T) => T };
  /** `test ? then : otherwise`; `test` is what `compare` made. */
  readonly cond: (test: T, then: T, otherwise: T) => T;
  /** Random terms; targets without randomness (adaptive rules) refuse them here. */
  readonly choice: (options: readonly T[]) => T;
  readonly noise: (sigma: T) => T;
  readonly rand: () => T;
}

export function emitExpr<T>(e: Expr, table: OperatorTable<T>): T {
  const emit = (x: Expr): T => emitExpr(x, table);
  switch (e.kind) {
    case 'const':
      return table.constant(e.value);
    case 'signal':
      return table.signal(e.name);
    case 'unary':
      return table.unary[e.op](emit(e.arg));
    case 'binary':
      return table.binary[e.op](emit(e.left), emit(e.right));
    case 'cond':
      return table.cond(table.compare[e.op](emit(e.left), emit(e.right)), emit(e.then), emit(e.otherwise));
    case 'choice':
      return table.choice(e.options.map(emit));
    case 'noise':
      return table.noise(emit(e.sigma));
    case 'rand':
      return table.rand();
  }
}

/**
 * The same table, with each constant first offered to `replace` with its
 * position among the expression's constants in walk order (0, 1, …): what
 * `replace` returns stands for it, `undefined` keeps the table's literal.
 * Exporters name a baseline's parameters this way (`export/hyperparameters`)
 * without a node kind the rest of the engine would have to know. The count
 * lives in the returned table: make one per expression walked.
 */
export function replaceConstants<T>(table: OperatorTable<T>, replace: (index: number, value: number) => T | undefined): OperatorTable<T> {
  let index = 0;
  return { ...table, constant: (value) => replace(index++, value) ?? table.constant(value) };
}

const ignore = (): undefined => undefined;
const ignoreEach = <K extends string>(keys: readonly K[]): { [k in K]: () => undefined } =>
  Object.fromEntries(keys.map((k) => [k, ignore])) as { [k in K]: () => undefined };
const WALK_ONLY: OperatorTable<undefined> = {
  constant: ignore,
  signal: ignore,
  unary: ignoreEach(UNARY_OPS),
  binary: ignoreEach(BINARY_OPS),
  compare: ignoreEach(COMPARE_OPS),
  cond: ignore,
  choice: ignore,
  noise: ignore,
  rand: ignore,
};

/** The expression's constants in the order `emitExpr` reaches them: the positions `replaceConstants` counts. */
export function constantsInWalkOrder(e: Expr): number[] {
  const values: number[] = [];
  emitExpr(
    e,
    replaceConstants(WALK_ONLY, (_i, value) => {
      values.push(value);
      return undefined;
    }),
  );
  return values;
}

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A signal name checked to be a plain identifier before it is pasted into
 * generated source. The parser only makes such names; this guards trees built
 * by hand from turning into code injection.
 */
export function safeName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`invalid signal name ${JSON.stringify(name)}`);
  return name;
}

/** A record with every key of `ops` mapped through `f`, keeping the key type (so totality carries over). */
export function mapOps<K extends string, A, B>(ops: { readonly [k in K]: A }, f: (value: A, key: K) => B): { [k in K]: B } {
  const out = {} as { [k in K]: B };
  for (const key of Object.keys(ops) as K[]) out[key] = f(ops[key], key);
  return out;
}

/** Building blocks of text targets: `f(a, b, …)`, `(a op b)`, and a bare `a op b` (a conditional's test). */
export const callText =
  (f: string) =>
  (...args: string[]): string =>
    `${f}(${args.join(', ')})`;
export const infixText =
  (op: string) =>
  (a: string, b: string): string =>
    `(${a} ${op} ${b})`;
export const testText =
  (op: string) =>
  (a: string, b: string): string =>
    `${a} ${op} ${b}`;
