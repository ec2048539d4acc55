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
import { createLrCallback, schedule, signalsRead } from '../../src/export/runtime/lr-callback.js';
import { acceptance } from '../../src/export/runtime/acceptance.js';
import * as optimizerRuntime from '../../src/export/runtime/optimizer.js';
import { adaptiveOptimizer } from '../../src/evaluator/optimizers.js';
import { liveStates } from '../../src/grammar/simplify.js';
import type { AlrRule } from '../../src/grammar/ast.js';
import { applyTemplate, fillSlots, runtimePath, runtimeText, RUNTIME_FILES } from '../../src/export/template.js';
import { EXPORT_FORMATS, EXPORT_TARGETS, ExportError, exportRule, findTarget } from '../../src/export/targets.js';
import { parseRule } from '../../src/grammar/parser.js';
import { pythonSkipReason } from '../helpers/python.js';

// Written below the project's node_modules so that a module importing tfjs resolves the test's instance.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(resolve('node_modules/.cache/autolr-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALUES = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3.7, -3.7, 1e-300, 1e300, -1e300, Infinity, -Infinity, NaN];

const noPython = pythonSkipReason();
const noNumpy = noPython ?? pythonSkipReason('numpy');

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
  it('keeps the signals from batch and epoch logs and sets the rate from the rule, as it stands (its default epoch rule)', () => {
    const rates: number[] = [];
    const optimizer = { learningRate: 0.1 };
    const cb = createLrCallback(optimizer, { epochs: 3, seed: 5, onRate: (lr) => rates.push(lr) });
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
    // Epoch 1: the rule's rate, drawing from the same seeded source as a fresh one would.
    cb.onEpochBegin(1);
    assert.equal(optimizer.learningRate, schedule({ ...s, epoch: 1 }, scalarRuntime.seededRandom(5)));
    assert.equal(rates.length, 2);
    assert.throws(() => createLrCallback({}, {}), /give options\.lr0/);
    assert.ok(!signalsRead.includes('epochs'));
    assert.doesNotThrow(() => createLrCallback({ learningRate: 0.1 }, {}), 'a rule that does not read epochs does not need them');
  });

  it('has the slots the generator fills, and refuses unknown ones', () => {
    const text = runtimeText('lr-callback.ts');
    const slots = { granularity: "'step'", ruleText: "'r'", signalsRead: '[]', ignoresLr: 'false', rate: 'A', acceptance: 'B();' };
    const filled = fillSlots(text, slots);
    assert.match(filled, /export const granularity« *: 'epoch' \| 'step'»? = 'step';/);
    assert.match(filled, /\{\n {2}return A;\n\}\nB\(\);\n/);
    assert.throws(() => fillSlots(text, { ...slots, rate: undefined as unknown as string }), /rate/);
    assert.throws(() => fillSlots(text, { ...slots, extra: '' }), /extra/);
  });
});

describe('schedule modules from the runtime files', () => {
  it('type-check under --strict for a rule that reads no signal and for one with an acceptance clause', () => {
    const files = ['step: 0.004', 'step: lr0 * pow(0.99, step); accept: sigmoid(-dloss / lr)'].map((text, i) => {
      const path = join(dir, `schedule-${i}.ts`);
      writeFileSync(path, exportRule(parseRule(text, 'dlr'), { text }, 'ts'));
      return path;
    });
    const r = spawnSync(
      'npx',
      ['tsc', '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', ...files],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});

describe('runtime/acceptance.ts', () => {
  it('computes its default clause, accept: sigmoid(-dloss / lr + noise(0.1))', () => {
    const signals = { ...createLrCallback({ learningRate: 0.1 }, {}).signals(), dloss: -0.02 };
    const source = replay([0.25, 0.6]);
    const want = sem.sigmoid(sem.pdiv(0.02, 0.1) + 0.1 * sem.drawNormal({ uniform: source }));
    assert.equal(acceptance(signals, replay([0.25, 0.6])), want);
    assert.match(fillSlots(runtimeText('acceptance.ts'), { accept: 'x' }), /return x;/);
  });
});

describe('runtime/optimizer.ts', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  const rule = parseRule(optimizerRuntime.ruleText, 'alr') as AlrRule;

  it('its defaults are one rule: the text, the kept states and the step agree', () => {
    assert.deepEqual([...optimizerRuntime.stateNames], liveStates(rule));
    const grad = tf.tensor1d([0.5, -2, 0], 'float32');
    const alpha = tf.tensor1d([1, 1, -1], 'float32');
    const r = optimizerRuntime.ruleStep({ grad, alpha, lr: 0.1, step: 3 });
    assert.deepEqual(Array.from(r.alpha.dataSync()), Array.from(tf.add(tf.mul(0.9, alpha), grad).dataSync()));
    assert.deepEqual(Array.from(r.update.dataSync()), Array.from(tf.mul(0.1, r.alpha).dataSync()));
    tf.dispose([grad, alpha, r.alpha, r.update]);
  });

  it('takes the engine\'s steps bit for bit on cpu, names its weights <variable>/<state> and leaks nothing', async () => {
    const start = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const x = tf.randomNormal([8, 4], 0, 1, 'float32', 4);
    const y = tf.randomNormal([8, 3], 0, 1, 'float32', 5);
    const a = tf.variable(start.clone(), true, 'runtime-optimizer-a');
    const b = tf.variable(start.clone(), true, 'runtime-optimizer-b');
    const loss = (v: tf.Variable) => (): tf.Scalar => tf.losses.meanSquaredError(y, tf.matMul(x, v)) as tf.Scalar;
    const exported = new optimizerRuntime.EvolvedOptimizer(0.05);
    const engine = adaptiveOptimizer(rule, 0.05, [{ key: 'b', variable: b }]);
    exported.minimize(loss(a), false, [a]);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      if (step > 0) exported.minimize(loss(a), false, [a]);
      const { grads, value } = tf.variableGrads(loss(b), [b]);
      engine.apply(grads, step);
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.equal(tf.memory().numTensors, before, 'steps after the first create nothing that stays');
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    const weights = await exported.getWeights();
    assert.deepEqual(weights.map((w) => w.name), ['iter', 'runtime-optimizer-a/alpha']);
    const restored = new optimizerRuntime.EvolvedOptimizer();
    await restored.setWeights(weights.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    assert.equal(restored.iterations, 5);
    await assert.rejects(restored.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'v/beta', tensor: tf.zeros([1]) }]), /v has no alpha state/);
    assert.equal(restored.getConfig().learningRate, 0.001, 'the default rate slot');
    exported.dispose();
    restored.dispose();
    engine.dispose();
    tf.dispose([start, x, y, a, b]);
  });

  it('has the slots the generator fills', () => {
    const slots = { ruleText: '', stateNames: '', stateRules: '{}', updateRule: '', className: '', lr0: '', ignoresLr: '', hyperparameters: '{}', hyperparameterType: '', optionsType: '' };
    assert.doesNotThrow(() => fillSlots(runtimeText('optimizer.ts'), slots));
    assert.throws(() => fillSlots(runtimeText('optimizer.ts'), { ...slots, extra: '' }), /extra/);
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
    if (noPython !== undefined) return t.skip(noPython);
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
    if (noPython !== undefined) return t.skip(noPython);
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
    if (noPython !== undefined) return t.skip(noPython);
    // compile() rather than py_compile, which would leave __pycache__ in the source tree.
    const compiled = spawnSync('python3', ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', runtimePath('tensor.py')], { encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stderr);
    if (noNumpy !== undefined) return t.skip(noNumpy);
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

/** The rule part python.ts writes, for an epoch or a step rule: lr0 * 0.5^epoch, or lr0 / (1 + step) + batch_loss. */
function pythonRulePart(granularity: 'epoch' | 'step'): string {
  const rate = granularity === 'epoch' ? 's["lr0"] * 0.5 ** s["epoch"]' : 's["lr0"] / (1.0 + s["step"]) + s["batch_loss"]';
  const reads = granularity === 'epoch' ? '["epoch", "lr0"]' : '["step", "lr0", "batch_loss"]';
  return `import random\nGRANULARITY = "${granularity}"\nSIGNALS_READ = ${reads}\nLR_IGNORED = None\n\n\ndef rate(s, rng=random):\n    return ${rate}\n\n\n`;
}

/** A stand-in for torch with the LRScheduler protocol RuleLR relies on (base_lrs from initial_lr; step() sets get_lr()). */
const FAKE_TORCH = `
import sys, types
class _LRScheduler:
    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()
    def step(self):
        self.last_epoch += 1
        for g, lr in zip(self.optimizer.param_groups, self.get_lr()):
            g["lr"] = lr
_torch = types.ModuleType("torch")
_torch.optim = types.SimpleNamespace(lr_scheduler=types.SimpleNamespace(LRScheduler=_LRScheduler))
sys.modules["torch"] = _torch
`;

/** The same stand-in shaped like PyTorch 1.x, whose scheduler base is only _LRScheduler (issue 15: 1.13 has no LRScheduler). */
const FAKE_TORCH_1X = FAKE_TORCH.replace('lr_scheduler=types.SimpleNamespace(LRScheduler=_LRScheduler)', 'lr_scheduler=types.SimpleNamespace(_LRScheduler=_LRScheduler)');

describe('runtime Python schedule and optimizer files', () => {
  const read = (file: Parameters<typeof runtimePath>[0]): string => readFileSync(runtimePath(file), 'utf8');

  it('keras_schedule.py: epoch 0 keeps the starting rate, later epochs take the rule\'s; each schedule keeps its own lr0', (t) => {
    if (noPython !== undefined) return t.skip(noPython);
    const out = python(`${pythonRulePart('epoch')}${read('signal_tracker.py')}\n${read('schedule.py')}\n${read('keras_schedule.py')}\nf = make_schedule(epochs=4)\nprint([f(0, 0.2), f(1, 0.2), f(3, 0.05), make_schedule()(0, 0.3)])\n`);
    assert.deepEqual(JSON.parse(out), [0.2, 0.1, 0.025, 0.3]);
  });

  it('schedule.py: RuleSchedule and RuleLR (against a stand-in for torch) follow the rule, for epoch and step rules', (t) => {
    if (noPython !== undefined) return t.skip(noPython);
    const drive =
      'hand = RuleSchedule(0.4, epochs=3)\nby_hand = [hand.step(loss=1.0, acc=0.5) for _ in range(3)]\n' +
      'opt = types.SimpleNamespace(param_groups=[{"lr": 0.4}, {"lr": 0.2}])\nsched = RuleLR(opt)\nlrs = [[g["lr"] for g in opt.param_groups]]\n' +
      'for _ in range(2):\n    sched.step(0.0)\n    lrs.append([g["lr"] for g in opt.param_groups])\nimport json\nprint(json.dumps([by_hand, lrs]))\n';
    const run = (g: 'epoch' | 'step', torch = FAKE_TORCH): unknown =>
      JSON.parse(python(`${torch}${pythonRulePart(g)}${read('signal_tracker.py')}\n${read('schedule.py')}\n${drive}`));
    // Epoch rule: the rate for the next epoch after each epoch; the scheduler starts at the base rates.
    assert.deepEqual(run('epoch'), [[0.2, 0.1, 0.05], [[0.4, 0.2], [0.2, 0.1], [0.1, 0.05]]]);
    // The same on PyTorch 1.x's base class.
    assert.deepEqual(run('epoch', FAKE_TORCH_1X), [[0.2, 0.1, 0.05], [[0.4, 0.2], [0.2, 0.1], [0.1, 0.05]]]);
    // Step rule: RuleSchedule.step(loss) takes the minibatch's loss before its step and counts the step; RuleLR reads last_epoch as the step.
    assert.deepEqual(run('step'), [[1.4, 1.2, 0.4 / 3 + 1], [[0.4, 0.2], [0.2, 0.1], [0.4 / 3, 0.2 / 3]]]);
  });

  it('optimizer.py: rule_step loops over STATE_NAMES as the generated rule part lists them (NumPy, when installed)', (t) => {
    if (noNumpy !== undefined) return t.skip(noNumpy);
    const rulePart = (states: string): string =>
      `RULE_TEXT = "r"\nSTATE_NAMES = (${states})\nDEFAULT_LR = 0.5\nLR_IGNORED = None\nHYPERPARAMETERS = {}\nHYPERPARAMETERS_NOTE = ""\n` +
      'STATE_RULES = {\n    "alpha": lambda o, x, h: o.add(o.mul(o.c(0.9), x["alpha"]), x["grad"]),\n    "beta": lambda o, x, h: o.add(x["beta"], x["alpha"]),\n}\n\n\n' +
      `def update_rule(o, x, h):\n    return o.mul(o.c(x["lr"]), ${states === '' ? 'x["grad"]' : 'x["beta"]'})\n\n\n`;
    const drive = 'import numpy as np\nw = np.array([1.0, 2.0], dtype=np.float32)\nopt = NumpyOptimizer()\nfor g in ([1.0, -1.0], [0.5, 0.5], [2.0, 0.0]):\n    opt.step([w], [np.array(g)])\nprint(json.dumps([float(v) for v in w] + [opt.iterations, sorted(opt.states[0])]))\n';
    const run = (states: string): unknown[] => JSON.parse(python(`import json\n${read('tensor.py')}\n${rulePart(states)}${read('optimizer.py')}\n${drive}`)) as unknown[];
    // alpha: 1, 1.4, 3.26 (first weight); beta sums alpha: 1, 2.4, 5.66; w -= 0.5 * beta.
    const both = run('"alpha", "beta"');
    assert.ok(Math.abs((both[0] as number) - (1 - 0.5 * (1 + 2.4 + 5.66))) < 1e-5, JSON.stringify(both));
    assert.deepEqual(both.slice(2), [3, ['alpha', 'beta']]);
    assert.deepEqual(run(''), [1 - 0.5 * 3.5, 2 - 0.5 * -0.5, 3, []], 'a rule without states: plain SGD');
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
