/**
 * The runtime files exported modules inline (src/export/runtime), executed as
 * they stand: the JavaScript ones against the engine's semantics (scalar) and
 * tensor compiler, the Python ones with the system python3 (NumPy where
 * installed). The exported modules built from them are tested in
 * export.test.ts and alr-export.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import * as tf from '@tensorflow/tfjs';
import { BINARY_OPS, UNARY_OPS, bin, sig, un, type BinaryOp, type UnaryOp } from '../../src/grammar/ast.js';
import * as sem from '../../src/grammar/semantics.js';
import { compileTensorExpr, type TensorInputs } from '../../src/grammar/compile-tensor.js';
import * as scalarRuntime from '../../src/export/runtime/scalar.js';
import * as tensorRuntime from '../../src/export/runtime/tensor.js';
import { createLrCallback } from '../../src/export/runtime/lr-callback.js';
import { applyTemplate, fillSlots, runtimePath, runtimeText, RUNTIME_FILES } from '../../src/export/template.js';
import { EXPORT_FORMATS, EXPORT_TARGETS, ExportError, exportRule, findTarget } from '../../src/export/targets.js';
import { parseRule } from '../../src/grammar/parser.js';

// Written below the project's node_modules so that a module importing tfjs resolves the test's instance.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(resolve('node_modules/.cache/autolr-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALUES = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3.7, -3.7, 1e-300, 1e300, -1e300, Infinity, -Infinity, NaN];

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasNumpy = hasPython && spawnSync('python3', ['-c', 'import numpy']).status === 0;

function python(source: string): string {
  const file = join(dir, `script${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, source);
  const r = spawnSync('python3', [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** JSON cannot carry NaN and the infinities; Python's repr and this agree on a text form. */
function fromPython(text: string): number {
  if (text === 'nan') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

const SCALAR_UNARY: Record<string, (x: number) => number> = {
  psqrt: sem.psqrt,
  plog: sem.plog,
  plog10: sem.plog10,
  sigmoid: sem.sigmoid,
  square: (x) => x * x,
};
const SCALAR_BINARY: Record<string, (a: number, b: number) => number> = { pdiv: sem.pdiv, ppow: sem.ppow };

function replay(values: readonly number[]): () => number {
  let i = 0;
  return () => {
    const v = values[i++];
    if (v === undefined) throw new Error('replayed stream exhausted');
    return v;
  };
}

describe('runtime/scalar.ts', () => {
  const js = applyTemplate(runtimeText('scalar.ts'), false);

  it('computes what semantics.ts computes, as TypeScript and as the JavaScript exported modules get', async () => {
    acorn.parse(js, { ecmaVersion: 2022, sourceType: 'module' });
    const path = join(dir, 'scalar-runtime.mjs');
    writeFileSync(path, `${js}\nexport { pdiv, ppow, psqrt, plog, plog10, sigmoid, square, choice, noise };\n`);
    const asJs = (await import(pathToFileURL(path).href)) as typeof scalarRuntime;
    for (const runtime of [scalarRuntime, asJs]) {
      for (const [name, f] of Object.entries(SCALAR_UNARY)) {
        for (const x of VALUES) assert.ok(Object.is((runtime[name as keyof typeof runtime] as (x: number) => number)(x), f(x)), `${name}(${x})`);
      }
      for (const [name, f] of Object.entries(SCALAR_BINARY)) {
        for (const a of VALUES) {
          for (const b of VALUES) assert.ok(Object.is((runtime[name as keyof typeof runtime] as (a: number, b: number) => number)(a, b), f(a, b)), `${name}(${a}, ${b})`);
        }
      }
      const uniforms = [0.3, 0.99, 0.7, 0.1];
      const stream = replay(uniforms);
      const source = replay(uniforms);
      const rng = { uniform: () => source() };
      assert.equal(runtime.choice(stream, [() => 1, () => 2, () => 3]), [1, 2, 3][sem.drawIndex(rng, 3)]);
      assert.equal(runtime.noise(stream, 2), 2 * sem.drawNormal(rng));
      assert.equal(runtime.choice(stream, [() => 1, () => 2]), [1, 2][sem.drawIndex(rng, 2)]);
    }
  });

  it('seededRandom is a reproducible uniform source in [0, 1)', () => {
    const a = scalarRuntime.seededRandom(7);
    const b = scalarRuntime.seededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
    }
  });

  it('keeps every TypeScript-only span out of the JavaScript text', () => {
    assert.doesNotMatch(js, /«|»|: number|interface |export type /);
    assert.match(applyTemplate(runtimeText('scalar.ts'), true), /export interface Signals \{/);
  });
});

describe('runtime/lr-callback.ts', () => {
  it('keeps the signals from batch and epoch logs, as it stands (an epoch rule before the rule is pasted in)', () => {
    const rates: number[] = [];
    const optimizer = { learningRate: 0.1 };
    const cb = createLrCallback(optimizer, { epochs: 3, onRate: (lr) => rates.push(lr) });
    cb.onEpochBegin(0);
    for (const loss of [2, 1]) {
      cb.onBatchBegin(0);
      cb.onBatchEnd(0, { loss });
    }
    cb.onEpochEnd(0, { acc: 0.5 });
    const s = cb.signals();
    assert.deepEqual(rates, [0.1]);
    assert.equal(optimizer.learningRate, 0.1);
    assert.equal(s.loss, 1.5);
    assert.equal(s.loss_first, 2);
    assert.equal(s.loss_last, 1);
    assert.equal(s.steps_per_epoch, 2);
    assert.equal(s.step, 2);
    assert.equal(s.acc, 0.5);
    assert.throws(() => createLrCallback({}, {}), /give options\.lr0/);
  });

  it('has the slots the generator fills, and refuses unknown ones', () => {
    const text = runtimeText('lr-callback.ts');
    const filled = fillSlots(text, { epochsCheck: '', onEpochBegin: 'A();', onBatchBegin: 'B();' });
    assert.match(filled, /s\.epoch = epoch;\n {6}A\(\);/);
    assert.throws(() => fillSlots(text, { epochsCheck: '', onEpochBegin: '' }), /onBatchBegin/);
    assert.throws(() => fillSlots(text, { epochsCheck: '', onEpochBegin: '', onBatchBegin: '', extra: '' }), /extra/);
  });
});

describe('runtime/tensor.ts', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const TENSOR_UNARY: Partial<Record<UnaryOp, (x: tf.Tensor) => tf.Tensor>> = {
    sqrt: tensorRuntime.psqrt,
    log: tensorRuntime.plog,
    log10: tensorRuntime.plog10,
    sign: tensorRuntime.psign,
  };
  const TENSOR_BINARY: Partial<Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>> = {
    div: tensorRuntime.pdiv,
    pow: tensorRuntime.ppow,
    min: tensorRuntime.pmin,
    max: tensorRuntime.pmax,
  };

  it('takes the tensor compiler\'s values, bit for bit on cpu', () => {
    const a = VALUES.flatMap((x) => VALUES.map(() => x));
    const b = VALUES.flatMap(() => VALUES);
    const grad = tf.tensor1d(a, 'float32');
    const alpha = tf.tensor1d(b, 'float32');
    const inputs: TensorInputs = { grad, alpha, beta: tf.zerosLike(grad), sigma: tf.zerosLike(grad), lr: 0.1, step: 0 };
    const check = (what: string, got: tf.Tensor, want: tf.Tensor): void => {
      const g = got.dataSync();
      const w = want.dataSync();
      g.forEach((v, i) => assert.ok(Object.is(v, w[i]), `${what} at (${a[i]}, ${b[i]}): ${v} vs ${w[i]}`));
    };
    for (const op of UNARY_OPS) {
      const f = TENSOR_UNARY[op];
      if (f) tf.tidy(() => check(op, f(grad), compileTensorExpr(un(op, sig('grad')))(inputs)));
    }
    for (const op of BINARY_OPS) {
      const f = TENSOR_BINARY[op];
      if (f) tf.tidy(() => check(op, f(grad, alpha), compileTensorExpr(bin(op, sig('grad'), sig('alpha')))(inputs)));
    }
    tf.dispose([grad, alpha, inputs.beta, inputs.sigma]);
  });
});

describe('runtime Python files', () => {
  it('scalar.py computes what semantics.ts computes', (t) => {
    if (!hasPython) return t.skip('python3 is not installed');
    const names = [...Object.keys(SCALAR_UNARY), ...Object.keys(SCALAR_BINARY)];
    const out = python(
      `${readFileSync(runtimePath('scalar.py'), 'utf8')}\n` +
        `V = [${VALUES.map((v) => (Number.isNaN(v) ? '_NAN' : v === Infinity ? '_INF' : v === -Infinity ? '-_INF' : Object.is(v, -0) ? '-0.0' : `float(${v})`)).join(', ')}]\n` +
        `for f in (${Object.keys(SCALAR_UNARY).map((n) => `_${n}`).join(', ')},):\n    print(" ".join(repr(f(x)) for x in V))\n` +
        `for f in (${Object.keys(SCALAR_BINARY).map((n) => `_${n}`).join(', ')},):\n    print(" ".join(repr(f(a, b)) for a in V for b in V))\n`,
    );
    const lines = out.trim().split('\n');
    assert.equal(lines.length, names.length);
    lines.forEach((line, k) => {
      const name = names[k] as string;
      const got = line.split(' ').map(fromPython);
      const want =
        name in SCALAR_UNARY
          ? VALUES.map((x) => (SCALAR_UNARY[name] as (x: number) => number)(x))
          : VALUES.flatMap((x) => VALUES.map((y) => (SCALAR_BINARY[name] as (a: number, b: number) => number)(x, y)));
      got.forEach((g, i) => {
        const w = want[i] as number;
        // The C library's log and pow may differ from V8's in the last bit.
        const close = Object.is(g, w) || (Number.isFinite(w) && Math.abs(g - w) <= 1e-15 * Math.abs(w));
        assert.ok(close, `${name} #${i}: Python ${g}, JavaScript ${w}`);
      });
    });
  });

  it('signal_tracker.py keeps the signals as the TensorFlow.js callback does', (t) => {
    if (!hasPython) return t.skip('python3 is not installed');
    const out = python(
      `${readFileSync(runtimePath('signal_tracker.py'), 'utf8')}\n` +
        't = SignalTracker(0.1, epochs=3)\nfor loss in (2.0, 1.0):\n    t.observe_batch(loss)\nt.observe_epoch(acc=0.5)\n' +
        'import json\nprint(json.dumps(t.signals(), sort_keys=True))\n',
    );
    const s = JSON.parse(out) as Record<string, number>;
    assert.deepEqual(
      [s.loss, s.loss_first, s.loss_last, s.steps_per_epoch, s.step, s.acc, s.epoch, s.lr0],
      [1.5, 2, 1, 2, 2, 0.5, 1, 0.1],
    );
  });

  it('tensor.py compiles, and its NumPy table takes the tensor compiler\'s values (float32, when numpy is installed)', async (t) => {
    if (!hasPython) return t.skip('python3 is not installed');
    // compile() rather than py_compile, which would leave __pycache__ in the source tree.
    const compiled = spawnSync('python3', ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', runtimePath('tensor.py')], { encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stderr);
    if (!hasNumpy) return t.skip('numpy is not installed');
    await tf.setBackend('cpu');
    const finite = VALUES.filter((v) => Number.isFinite(v) && Math.abs(v) < 1e30);
    const a = finite.flatMap((x) => finite.map(() => x));
    const b = finite.flatMap(() => finite);
    const ops: Array<[string, string, () => tf.Tensor]> = [];
    const grad = tf.tensor1d(a, 'float32');
    const alpha = tf.tensor1d(b, 'float32');
    const inputs: TensorInputs = { grad, alpha, beta: tf.zerosLike(grad), sigma: tf.zerosLike(grad), lr: 0.1, step: 0 };
    for (const [op, py] of [['sqrt', 'psqrt'], ['log', 'plog'], ['log10', 'plog10'], ['sign', 'psign'], ['sigmoid', 'sigmoid']] as const) {
      ops.push([op, `o.${py}(g)`, () => compileTensorExpr(un(op, sig('grad')))(inputs)]);
    }
    for (const [op, py] of [['div', 'pdiv'], ['pow', 'ppow'], ['min', 'pmin'], ['max', 'pmax']] as const) {
      ops.push([op, `o.${py}(g, h)`, () => compileTensorExpr(bin(op, sig('grad'), sig('alpha')))(inputs)]);
    }
    const out = python(
      `${readFileSync(runtimePath('tensor.py'), 'utf8')}\nimport numpy as np\no = NumpyOps(np)\n` +
        `g = o.c([${a.map((v) => (Object.is(v, -0) ? '-0.0' : String(v))).join(', ')}])\n` +
        `h = o.c([${b.map((v) => (Object.is(v, -0) ? '-0.0' : String(v))).join(', ')}])\n` +
        'with np.errstate(all="ignore"):\n' +
        ops.map(([, py]) => `    print(" ".join(repr(float(v)) for v in ${py}))\n`).join(''),
    );
    out
      .trim()
      .split('\n')
      .forEach((line, k) => {
        const [op, , engine] = ops[k] as (typeof ops)[number];
        const want = tf.tidy(() => engine().dataSync());
        line
          .split(' ')
          .map(fromPython)
          .forEach((g, i) => {
            const w = want[i] as number;
            // float32 transcendentals may differ by an ulp between NumPy and tfjs's cpu kernels.
            const close = Object.is(g, w) || (Number.isFinite(w) && Math.abs(g - w) <= 1e-6 * Math.max(1, Math.abs(w)));
            assert.ok(close, `${op}(${a[i]}, ${b[i]}): NumPy ${g}, engine ${w}`);
          });
      });
    tf.dispose([grad, alpha, inputs.beta, inputs.sigma]);
  });
});

describe('export targets', () => {
  it('one target per format and variant, found by exportRule', () => {
    for (const format of EXPORT_FORMATS) {
      for (const variant of ['dlr', 'alr'] as const) {
        assert.equal(EXPORT_TARGETS.filter((t) => t.format === format && t.variant === variant).length, 1, `${format} ${variant}`);
        assert.equal(findTarget(format, variant).variant, variant);
      }
    }
    const dlr = parseRule('epoch: lr * 0.9', 'dlr');
    const alr = parseRule('update: lr * grad', 'alr');
    assert.match(exportRule(dlr, { text: 'x' }, 'py'), /def rate\(s, rng=random\):/);
    assert.match(exportRule(alr, { text: 'x' }, 'py', 0.25), /DEFAULT_LR = 0\.25/);
    assert.throws(() => findTarget('ts', 'dlr').generate(alr, { text: 'x' }, { lr0: 0.1 }), ExportError);
    assert.throws(() => findTarget('ts', 'alr').generate(dlr, { text: 'x' }, { lr0: 0.1 }), ExportError);
  });

  it('every runtime file is where the generators look', () => {
    for (const file of RUNTIME_FILES) assert.ok(readFileSync(runtimePath(file), 'utf8').length > 0, file);
  });
});
