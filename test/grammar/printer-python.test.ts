import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bin, cond, depth, num, sig, un, UNARY_OPS, type Expr } from '../../src/grammar/ast.js';
import { interpret } from '../../src/grammar/interpreter.js';
import { printPythonExpr, pythonFloat } from '../../src/grammar/printer-python.js';
import { runtimeText } from '../../src/export/template.js';
import type { RandomSource } from '../../src/grammar/semantics.js';
import { partScope } from '../../src/grammar/signals.js';
import { PROPERTY_SEED, exprArb, signalValuesArb } from '../helpers/arbitraries.js';
import { pythonSkipReason } from '../helpers/python.js';

const PYTHON = 'python3';
const noPython = pythonSkipReason();

function runPython(source: string, args: readonly string[] = []): { stdout: string; stderr: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'autolr-py-'));
  try {
    const file = join(dir, 'script.py');
    writeFileSync(file, source);
    const r = spawnSync(PYTHON, [...args, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Python's repr of a float, read back; anything else (an int, an exception) is reported as text. */
function parsePythonFloat(text: string): number | string {
  if (text === 'nan') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return /^-?[0-9.]+(e[+-]?[0-9]+)?$/.test(text) && /[.e]/.test(text) ? Number(text) : text;
}

/** A random source replaying fixed uniforms, so JavaScript and Python can draw the same numbers. */
function replay(values: readonly number[]): RandomSource {
  let i = 0;
  return {
    uniform(): number {
      const v = values[i++];
      if (v === undefined) throw new Error('replayed stream exhausted');
      return v;
    },
  };
}

const SIGNALS = partScope('dlr', 'epoch') as readonly string[];
const CASES = 300;
const RANDOM_CASES = 100;
const UNIFORMS = 64;

// Functions whose last bit may differ between V8 (its own fdlibm port) and the
// C library CPython calls. Only expressions using one of them get a tolerance
// (1e-12 relative); everything else (+ - * /, sqrt, floor, comparisons, the
// protections) is IEEE-exact in both and must give the identical double.
const LIBM = new Set(['exp', 'log', 'log10', 'sin', 'cos', 'tanh', 'sigmoid', 'pow']);

function usesLibm(e: Expr): boolean {
  if ((e.kind === 'unary' || e.kind === 'binary') && LIBM.has(e.op)) return true;
  switch (e.kind) {
    case 'unary':
      return usesLibm(e.arg);
    case 'binary':
      return usesLibm(e.left) || usesLibm(e.right);
    case 'cond':
      return [e.left, e.right, e.then, e.otherwise].some(usesLibm);
    case 'choice':
      return e.options.some(usesLibm);
    case 'noise':
      return true;
    default:
      return false;
  }
}

function agrees(py: number, js: number, tolerant: boolean): boolean {
  if (Object.is(py, js)) return true;
  if (!tolerant || !Number.isFinite(py) || !Number.isFinite(js)) return false;
  return Math.abs(py - js) <= 1e-12 * Math.max(Math.abs(py), Math.abs(js));
}

interface Case {
  readonly expr: Expr;
  readonly signals: Record<string, number>;
  readonly uniforms: readonly number[];
}

function script(cases: readonly Case[]): string {
  const lines = [
    runtimeText('scalar.py'),
    'class _Replay:',
    '    def __init__(self, values):',
    '        self.values = list(values)',
    '    def random(self):',
    '        return self.values.pop(0)',
    '',
    'def _show(f):',
    '    try:',
    '        v = f()',
    '    except Exception as e:',
    "        return 'raised ' + type(e).__name__ + ': ' + str(e)",
    "    return repr(v) if type(v) is float else 'not a float: ' + repr(v)",
    '',
  ];
  for (const c of cases) {
    for (const [name, v] of Object.entries(c.signals)) lines.push(`${name} = ${pythonFloat(v)}`);
    lines.push(`rng = _Replay([${c.uniforms.map(pythonFloat).join(', ')}])`);
    lines.push(`print(_show(lambda: ${printPythonExpr(c.expr)}))`);
  }
  return lines.join('\n') + '\n';
}

describe('printPythonExpr', () => {
  it('prints float literals that read back exactly, never ints', () => {
    assert.equal(pythonFloat(2), '2.0');
    assert.equal(pythonFloat(-3), '(-3.0)');
    assert.equal(pythonFloat(-0), '(-0.0)');
    assert.equal(pythonFloat(1e-7), '1e-7');
    assert.equal(pythonFloat(1e21), '1e+21');
    assert.equal(pythonFloat(123456789012345680000), '123456789012345680000.0');
    assert.equal(pythonFloat(NaN), '_NAN');
    assert.equal(pythonFloat(-Infinity), '(-_INF)');
  });

  it('routes everything but + - * and negation through the prelude', () => {
    const negPow = un('neg', bin('pow', sig('lr'), un('sqrt', sig('epoch'))));
    const e = cond('lt', sig('loss'), num(0.5), bin('div', sig('lr'), num(2)), negPow);
    assert.equal(printPythonExpr(e), '(_pdiv(lr, 2.0) if loss < 0.5 else (-_ppow(lr, _psqrt(epoch))))');
    assert.equal(printPythonExpr(bin('add', sig('lr'), num(-1)), (n) => `s["${n}"]`), '(s["lr"] + (-1.0))');
    assert.throws(() => printPythonExpr(sig('lr; import os')), /invalid signal name/);
  });

  it('gives the same double as interpret on random expressions, in one Python run', (t) => {
    if (noPython !== undefined) {
      t.skip(noPython);
      return;
    }
    const exprs = fc.sample(exprArb({ signals: SIGNALS, random: false }), { seed: PROPERTY_SEED, numRuns: CASES });
    const randomExprs = fc.sample(exprArb({ signals: SIGNALS, random: true }), { seed: PROPERTY_SEED + 1, numRuns: RANDOM_CASES });
    const values = fc.sample(signalValuesArb(SIGNALS), { seed: PROPERTY_SEED + 2, numRuns: CASES + RANDOM_CASES });
    const uniform = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
    const uniforms = fc.sample(fc.array(uniform, { minLength: UNIFORMS, maxLength: UNIFORMS }), {
      seed: PROPERTY_SEED + 3,
      numRuns: CASES + RANDOM_CASES,
    });
    // Random expressions replay the same uniforms in both languages, so they too
    // must agree draw for draw; a draw count beyond the replayed stream is skipped.
    const cases: Case[] = [...exprs, ...randomExprs].map((expr, i) => ({
      expr,
      signals: values[i] as Record<string, number>,
      uniforms: uniforms[i] as number[],
    }));
    const r = runPython(script(cases));
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    assert.equal(out.length, cases.length);
    let compared = 0;
    cases.forEach((c, i) => {
      let js: number;
      try {
        js = interpret(c.expr, c.signals, replay(c.uniforms));
      } catch (err) {
        if (err instanceof Error && err.message === 'replayed stream exhausted') return;
        throw err;
      }
      const py = parsePythonFloat(out[i] as string);
      const text = printPythonExpr(c.expr);
      assert.equal(typeof py, 'number', `case ${i}: Python gave "${String(py)}" for ${text}`);
      const why = `case ${i}: Python ${String(py)}, JavaScript ${js} for ${text} with ${JSON.stringify(c.signals)}`;
      assert.ok(agrees(py as number, js, usesLibm(c.expr)), why);
      compared++;
    });
    assert.ok(compared >= CASES + RANDOM_CASES * 0.9, `only ${compared} cases compared`);
  });

  it('mirrors JavaScript at the edges Python raises on or treats differently', (t) => {
    if (noPython !== undefined) {
      t.skip(noPython);
      return;
    }
    const x = sig('lr');
    const edges: Expr[] = [
      ...UNARY_OPS.map((op) => un(op, x)),
      bin('pow', x, num(0.5)),
      bin('pow', x, num(3)),
      bin('pow', x, num(-1)),
      bin('pow', x, num(1e10)),
      bin('pow', x, num(309)),
      bin('pow', num(1), x),
      bin('pow', num(-1), x),
      bin('pow', num(-10), bin('mul', x, num(1e6))),
      bin('div', num(1), x),
      bin('min', x, num(0)),
      bin('min', num(0), x),
      bin('max', x, num(0)),
      bin('max', num(-0), x),
      bin('mul', x, num(0)),
      cond('ne', x, x, num(1), num(2)),
    ];
    const inputs = [NaN, Infinity, -Infinity, 0, -0, 1e-13, -2.5, 710, -710, 1e300, 3];
    const cases: Case[] = edges.flatMap((expr) => inputs.map((v) => ({ expr, signals: { lr: v }, uniforms: [] })));
    const r = runPython(script(cases));
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    cases.forEach((c, i) => {
      const js = interpret(c.expr, c.signals);
      const py = parsePythonFloat(out[i] as string);
      assert.equal(typeof py, 'number', `Python gave "${String(py)}" for ${printPythonExpr(c.expr)} at lr = ${c.signals.lr}`);
      const why = `${printPythonExpr(c.expr)} at lr = ${c.signals.lr}: Python ${String(py)}, JavaScript ${js}`;
      assert.ok(agrees(py as number, js, usesLibm(c.expr)), why);
    });
  });

  it('compiles with py_compile, even at the deepest nesting the parser allows', (t) => {
    if (noPython !== undefined) {
      t.skip(noPython);
      return;
    }
    // 128 levels (MAX_EXPR_DEPTH), mixing every kind of bracket the printer emits.
    let deep: Expr = num(-0.5);
    for (let i = 0; depth(deep) < 128; i++) {
      const k = i % 5;
      deep =
        k === 0
          ? un('exp', deep)
          : k === 1
            ? bin('add', deep, sig('lr'))
            : k === 2
              ? cond('lt', deep, num(1), sig('lr'), num(2))
              : k === 3
                ? { kind: 'choice', options: [deep, num(1)] }
                : un('neg', deep);
    }
    const body = printPythonExpr(deep);
    const source = `${runtimeText('scalar.py')}\n\ndef rule(lr, rng):\n    return ${body}\n`;
    const r = runPython(source, ['-m', 'py_compile']);
    assert.equal(r.status, 0, r.stderr);
  });
});
