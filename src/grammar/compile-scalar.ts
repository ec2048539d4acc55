/**
 * AST → a fast scalar JavaScript closure, for schedule rules evaluated at
 * every step. The closure's source is generated from a validated AST only
 * (numbers printed exactly, signal names checked against a strict pattern), so
 * no rule text ever reaches `new Function`.
 */
import type { Expr } from './ast.js';
import { callText as call, emitExpr, infixText as infix, safeName, type OperatorTable } from './emit.js';
import { NO_RANDOMNESS, type Signals } from './interpreter.js';
import * as sem from './semantics.js';
import type { RandomSource } from './semantics.js';

export type ScalarFn = (signals: Signals, rng?: RandomSource) => number;

/** The helpers generated code may call, passed in as one argument. */
const RUNTIME = {
  pdiv: sem.pdiv,
  ppow: sem.ppow,
  psqrt: sem.psqrt,
  plog: sem.plog,
  plog10: sem.plog10,
  sigmoid: sem.sigmoid,
  drawIndex: sem.drawIndex,
  drawNormal: sem.drawNormal,
  missing(name: string): never {
    throw new Error(`signal "${name}" has no value`);
  },
};

function literal(v: number): string {
  // Parenthesised so a negative constant can follow any operator.
  if (Number.isNaN(v)) return '(NaN)';
  return Object.is(v, -0) ? '(-0)' : `(${String(v)})`;
}

/**
 * The scalar compiler's operator table: JavaScript over `rt` (semantics.ts's
 * functions), signals read once into locals, draws from `rng`. It keeps
 * state (temporaries, the signals read), so each compilation makes its own.
 */
function scalarTable(): OperatorTable<string> & { readonly signals: Set<string> } {
  let temps = 0;
  const signals = new Set<string>();
  const test =
    (op: string) =>
    (a: string, b: string): string =>
      `(${a}) ${op} (${b})`;
  return {
    signals,
    constant: literal,
    signal: (name) => {
      signals.add(safeName(name));
      return `v_${name}`;
    },
    unary: {
      neg: (a) => `(-${a})`,
      abs: call('Math.abs'),
      sqrt: call('rt.psqrt'),
      // An arrow over a temporary, so the operand is evaluated (and draws) once.
      square: (a) => {
        const t = `t${temps++}`;
        return `((${t}) => ${t} * ${t})(${a})`;
      },
      exp: call('Math.exp'),
      log: call('rt.plog'),
      log10: call('rt.plog10'),
      floor: call('Math.floor'),
      sign: call('Math.sign'),
      sin: call('Math.sin'),
      cos: call('Math.cos'),
      tanh: call('Math.tanh'),
      sigmoid: call('rt.sigmoid'),
    },
    binary: {
      add: infix('+'),
      sub: infix('-'),
      mul: infix('*'),
      div: call('rt.pdiv'),
      pow: call('rt.ppow'),
      min: call('Math.min'),
      max: call('Math.max'),
    },
    compare: { lt: test('<'), le: test('<='), gt: test('>'), ge: test('>='), eq: test('==='), ne: test('!==') },
    cond: (t, a, b) => `(${t} ? ${a} : ${b})`,
    rand: () => 'rng.uniform()',
    noise: (sigma) => `(${sigma} * rt.drawNormal(rng))`,
    // The index is drawn first, then only the chosen option is evaluated.
    choice: (options) => {
      const k = `k${temps++}`;
      const branches = options.map((o, i) => (i === options.length - 1 ? o : `${k} === ${i} ? ${o} : `)).join('');
      return `((${k}) => ${branches})(rt.drawIndex(rng, ${options.length}))`;
    },
  };
}

/**
 * Compiles an expression to `(signals, rng?) => number`, with exactly the
 * interpreter's values and random-draw order.
 */
export function compileScalar(e: Expr): ScalarFn {
  const table = scalarTable();
  const body = emitExpr(e, table);
  const reads = [...table.signals]
    .map((n) => `const v_${n} = s.${n}; if (v_${n} === undefined) rt.missing(${JSON.stringify(n)});`)
    .join('\n');
  // Source generated from a checked AST only: see the module comment.
  const factory = new Function('rt', 'NO_RANDOMNESS', `return function rule(s, rng = NO_RANDOMNESS) {\n${reads}\nreturn ${body};\n};`) as (
    rt: typeof RUNTIME,
    none: RandomSource,
  ) => ScalarFn;
  return factory(RUNTIME, NO_RANDOMNESS);
}
