/**
 * AST → a fast scalar JavaScript closure, for schedule rules evaluated at
 * every step. The closure's source is generated from a validated AST only
 * (numbers printed exactly, signal names checked against a strict pattern), so
 * no rule text ever reaches `new Function`.
 */
import type { Expr } from './ast.js';
import { NO_RANDOMNESS, type Signals } from './interpreter.js';
import * as sem from './semantics.js';
import type { RandomSource } from './semantics.js';

export type ScalarFn = (signals: Signals, rng?: RandomSource) => number;

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

class CodeGen {
  private temps = 0;
  readonly signals = new Set<string>();

  gen(e: Expr): string {
    switch (e.kind) {
      case 'const':
        return literal(e.value);
      case 'signal':
        if (!SAFE_NAME.test(e.name)) throw new Error(`invalid signal name ${JSON.stringify(e.name)}`);
        this.signals.add(e.name);
        return `v_${e.name}`;
      case 'rand':
        return 'rng.uniform()';
      case 'noise':
        return `(${this.gen(e.sigma)} * rt.drawNormal(rng))`;
      case 'choice': {
        const k = `k${this.temps++}`;
        const branches = e.options
          .map((o, i) => (i === e.options.length - 1 ? this.gen(o) : `${k} === ${i} ? ${this.gen(o)} : `))
          .join('');
        return `((${k}) => ${branches})(rt.drawIndex(rng, ${e.options.length}))`;
      }
      case 'unary': {
        const a = this.gen(e.arg);
        switch (e.op) {
          case 'neg':
            return `(-${a})`;
          case 'square': {
            const t = `t${this.temps++}`;
            return `((${t}) => ${t} * ${t})(${a})`;
          }
          case 'sqrt':
            return `rt.psqrt(${a})`;
          case 'log':
            return `rt.plog(${a})`;
          case 'log10':
            return `rt.plog10(${a})`;
          case 'sigmoid':
            return `rt.sigmoid(${a})`;
          default:
            return `Math.${e.op}(${a})`;
        }
      }
      case 'binary': {
        const a = this.gen(e.left);
        const b = this.gen(e.right);
        switch (e.op) {
          case 'add':
            return `(${a} + ${b})`;
          case 'sub':
            return `(${a} - ${b})`;
          case 'mul':
            return `(${a} * ${b})`;
          case 'div':
            return `rt.pdiv(${a}, ${b})`;
          case 'pow':
            return `rt.ppow(${a}, ${b})`;
          case 'min':
            return `Math.min(${a}, ${b})`;
          case 'max':
            return `Math.max(${a}, ${b})`;
        }
        throw new Error('unreachable');
      }
      case 'cond': {
        const ops = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '===', ne: '!==' } as const;
        return `((${this.gen(e.left)}) ${ops[e.op]} (${this.gen(e.right)}) ? ${this.gen(e.then)} : ${this.gen(e.otherwise)})`;
      }
    }
  }
}

/**
 * Compiles an expression to `(signals, rng?) => number`, with exactly the
 * interpreter's values and random-draw order.
 */
export function compileScalar(e: Expr): ScalarFn {
  const cg = new CodeGen();
  const body = cg.gen(e);
  const reads = [...cg.signals]
    .map((n) => `const v_${n} = s.${n}; if (v_${n} === undefined) rt.missing(${JSON.stringify(n)});`)
    .join('\n');
  // Source generated from a checked AST only: see the module comment.
  const factory = new Function('rt', 'NO_RANDOMNESS', `return function rule(s, rng = NO_RANDOMNESS) {\n${reads}\nreturn ${body};\n};`) as (
    rt: typeof RUNTIME,
    none: RandomSource,
  ) => ScalarFn;
  return factory(RUNTIME, NO_RANDOMNESS);
}
