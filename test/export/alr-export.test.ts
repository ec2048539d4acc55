import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import * as tf from '@tensorflow/tfjs';
import type { AlrRule } from '../../src/grammar/ast.js';
import { parseRule } from '../../src/grammar/parser.js';
import { baselineRule, baselinesOf } from '../../src/baselines/registry.js';
import { adaptiveOptimizer } from '../../src/evaluator/optimizers.js';
import { compileAlrRule } from '../../src/grammar/compile-tensor.js';
import { generateAlrJs, optimizerClassName } from '../../src/export/alr-js.js';
import { liveStates } from '../../src/grammar/simplify.js';
import { generateAlrPython } from '../../src/export/alr-python.js';
import { cli } from '../helpers/cli.js';
import { pythonSkipReason } from '../helpers/python.js';

// Generated modules import '@tensorflow/tfjs', so they are written below the
// project's node_modules: they resolve the same tfjs instance the test uses.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(resolve('node_modules/.cache/autolr-alr-export-'));
let counter = 0;
function write(ext: string, content: string): string {
  const path = join(dir, `m${counter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

before(async () => {
  await tf.setBackend('cpu');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ALR_BASELINES = baselinesOf('alr').map((b) => {
  const { rule, text } = baselineRule(b);
  return { name: b.name, rule: rule as AlrRule, text };
});
/** Exercises every protected operation and a conditional, with all three states. */
const TRICKY_TEXT =
  'alpha: 0.9 * alpha + grad; beta: max(beta, abs(grad)); sigma: sigma + log(abs(grad)) / (step + 1) - log10(beta) * 0; ' +
  'update: (grad > 0 ? lr * sign(alpha) : lr * tanh(alpha)) / (sqrt(beta) + pow(beta, 0.5) + 1e-8) + 0 * min(sigma, exp(-beta)) + 0 / (alpha - alpha)';
const TRICKY = parseRule(TRICKY_TEXT, 'alr') as AlrRule;

interface OptimizerModule {
  EvolvedOptimizer: { new (lr?: number): tf.Optimizer & { learningRate: number }; className: string; fromConfig: typeof tf.Optimizer.fromConfig };
  stateNames: readonly string[];
}

async function importOptimizer(rule: AlrRule, text: string, lr0 = 0.01): Promise<OptimizerModule> {
  return (await import(pathToFileURL(write('mjs', generateAlrJs(rule, { text }, 'js', lr0))).href)) as OptimizerModule;
}

test('exported alr optimizers parse as ES modules (JS) and type-check under --strict (TS)', () => {
  const rules = [...ALR_BASELINES, { name: 'tricky', rule: TRICKY, text: TRICKY_TEXT }];
  for (const r of rules) acorn.parse(generateAlrJs(r.rule, { text: r.text }, 'js', 0.001), { ecmaVersion: 2022, sourceType: 'module' });
  const files = rules.map((r) => write('ts', generateAlrJs(r.rule, { text: r.text }, 'ts', 0.001)));
  const usage = write(
    'ts',
    `import * as tf from '@tensorflow/tfjs';\nimport { EvolvedOptimizer } from './${files[0]?.split('/').pop()?.replace(/\.ts$/, '.js')}';\n` +
      `const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });\n` +
      `const opt: tf.Optimizer = new EvolvedOptimizer(0.01);\nmodel.compile({ optimizer: opt, loss: 'meanSquaredError' });\n`,
  );
  const r = spawnSync(
    'npx',
    ['tsc', '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', ...files, usage],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('only the states the update depends on are kept', () => {
  const byName = Object.fromEntries(ALR_BASELINES.map((b) => [b.name, liveStates(b.rule)]));
  assert.deepEqual(byName.adam, ['alpha', 'beta']);
  assert.deepEqual(byName.sgd, []);
  assert.deepEqual(byName.rmsprop, ['alpha']);
  assert.deepEqual(liveStates(TRICKY), ['alpha', 'beta', 'sigma']);
  assert.deepEqual(liveStates(parseRule('alpha: grad; beta: beta + alpha; update: lr * grad', 'alr') as AlrRule), [], 'dead states are dropped');
});

/** Two copies of the same small weights, and a loss over them. */
function twinWeights(): { a: tf.Variable[]; b: tf.Variable[]; loss: (vs: tf.Variable[]) => tf.Scalar } {
  const w = tf.randomNormal([5, 3], 0, 1, 'float32', 7);
  const bias = tf.randomNormal([3], 0, 0.1, 'float32', 8);
  const x = tf.randomNormal([16, 5], 0, 1, 'float32', 9);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 10);
  const make = (tag: string): tf.Variable[] => [tf.variable(w.clone(), true, `${tag}/w${counter}`), tf.variable(bias.clone(), true, `${tag}/b${counter++}`)];
  return {
    a: make('a'),
    b: make('b'),
    loss: (vs) => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, vs[0] as tf.Variable), vs[1] as tf.Variable)) as tf.Scalar,
  };
}

test('the exported tf.Optimizer takes exactly the steps of the engine\'s adaptive optimizer, without leaking tensors', async () => {
  for (const { name, rule, text } of [...ALR_BASELINES, { name: 'tricky', rule: TRICKY, text: TRICKY_TEXT }]) {
    const mod = await importOptimizer(rule, text, 0.01);
    const { a, b, loss } = twinWeights();
    const exported = new mod.EvolvedOptimizer(0.01);
    const engine = adaptiveOptimizer(rule, 0.01, b.map((v, i) => ({ key: `p${i}`, variable: v })));
    const before = tf.memory().numTensors;
    for (let step = 0; step < 4; step++) {
      exported.minimize(() => loss(a), false, a);
      const { grads, value } = tf.variableGrads(() => loss(b), b);
      engine.apply(grads, step);
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 0) assert.equal(tf.memory().numTensors - before, 2 * liveStates(rule).length * 2, `${name}: only the optimizer states are new`);
    }
    const afterSteps = tf.memory().numTensors;
    exported.minimize(() => loss(a), false, a);
    assert.equal(tf.memory().numTensors, afterSteps, `${name}: a step leaks nothing`);
    assert.equal(exported.iterations, 5);
    const { grads, value } = tf.variableGrads(() => loss(b), b);
    engine.apply(grads, 4);
    tf.dispose([value, ...Object.values(grads)]);
    for (let i = 0; i < a.length; i++) {
      const got = (a[i] as tf.Variable).dataSync();
      const want = (b[i] as tf.Variable).dataSync();
      assert.deepEqual(Array.from(got), Array.from(want), `${name}: weights after 5 steps`);
    }
    exported.dispose();
    engine.dispose();
    tf.dispose([...a, ...b]);
  }
});

test('the exported optimizer trains a model in model.fit, serialises its config and restores its state', async () => {
  const { rule, text } = ALR_BASELINES.find((b) => b.name === 'adam') as (typeof ALR_BASELINES)[number];
  const mod = await importOptimizer(rule, text, 0.05);
  assert.equal(mod.EvolvedOptimizer.className, optimizerClassName(rule));
  assert.ok(tf.serialization.SerializationMap.getMap().classNameMap[optimizerClassName(rule)], 'registered for serialization');

  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  const optimizer = new mod.EvolvedOptimizer();
  assert.equal(optimizer.learningRate, 0.05, 'the default rate is the exported one');
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const x = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0], [2, 1], [1, 2]]);
  const y = tf.tensor2d([[1], [2], [3], [0], [5], [4]]);
  const history = await model.fit(x, y, { epochs: 30, batchSize: 6, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok((losses[losses.length - 1] as number) < (losses[0] as number) / 2, `loss falls: ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.equal(optimizer.iterations, 30);

  const copy = mod.EvolvedOptimizer.fromConfig(mod.EvolvedOptimizer as never, optimizer.getConfig()) as unknown as { learningRate: number };
  assert.equal(copy.learningRate, 0.05);

  // A second optimizer given the first one's weights continues identically.
  const restored = new mod.EvolvedOptimizer();
  const weights = await optimizer.getWeights();
  assert.deepEqual(
    weights.map((w) => w.name.split('/').pop()),
    ['iter', 'alpha', 'beta', 'alpha', 'beta'],
    'iterations, then each variable\'s states',
  );
  await restored.setWeights(weights.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  assert.equal(restored.iterations, 30);
  const vars = model.trainableWeights.map((w) => w.read());
  const twins = vars.map((v, i) => tf.variable(v.clone(), true, `restored-${i}-${counter++}`));
  const pairs = model.trainableWeights.map((w, i) => ({ name: w.originalName, twin: twins[i] as tf.Variable }));
  // Same gradients for both: map the restored optimizer's state onto the twin variables.
  const grads = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor) as tf.Scalar);
  const twinGrads = Object.fromEntries(pairs.map((p) => [p.twin.name, grads.grads[p.name] as tf.Tensor]));
  const stateByTwin = (await restored.getWeights()).slice(1).map((w) => {
    const owner = w.name.slice(0, w.name.lastIndexOf('/'));
    const pair = pairs.find((p) => p.name === owner);
    return { name: `${pair?.twin.name}/${w.name.split('/').pop()}`, tensor: w.tensor.clone() };
  });
  await restored.setWeights([{ name: 'iter', tensor: tf.scalar(30, 'int32') }, ...stateByTwin]);
  optimizer.applyGradients(grads.grads);
  restored.applyGradients(twinGrads);
  for (const [i, w] of model.trainableWeights.entries()) {
    assert.deepEqual(Array.from(w.read().dataSync()), Array.from((twins[i] as tf.Variable).dataSync()), `weight ${w.originalName}`);
  }
  tf.dispose([x, y, grads.value, ...Object.values(grads.grads), ...twins]);
  optimizer.dispose();
  restored.dispose();
  model.dispose();
});

test('an optimizer whose update ignores lr warns once, at its first construction; one that scales by lr does not', async () => {
  const warnings: string[] = [];
  const warn = mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args.join(' ')));
  try {
    const text = 'alpha: 0.9 * alpha + grad; update: grad > lr ? 0.01 * alpha : 0.001 * alpha';
    const fixed = await importOptimizer(parseRule(text, 'alr') as AlrRule, text);
    const first = new fixed.EvolvedOptimizer(0.5);
    const second = new fixed.EvolvedOptimizer(0.1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /this rule ignores the learning rate: its steps are the same at learningRate 0\.5 as at any other/);
    const { rule, text: adamText } = ALR_BASELINES.find((b) => b.name === 'adam') as (typeof ALR_BASELINES)[number];
    const adam = new (await importOptimizer(rule, adamText)).EvolvedOptimizer();
    assert.equal(warnings.length, 1, 'adam scales its update by lr');
    for (const o of [first, second, adam]) o.dispose();
  } finally {
    warn.mock.restore();
  }
});

test('exported alr Python compiles (PyTorch optimizer, NumPy optimizer)', (t) => {
  const noPython = pythonSkipReason();
  if (noPython !== undefined) {
    t.skip(noPython);
    return;
  }
  for (const r of [...ALR_BASELINES, { name: 'tricky', rule: TRICKY, text: TRICKY_TEXT }]) {
    const path = write('py', generateAlrPython(r.rule, { text: r.text }, 0.001));
    const c = spawnSync('python3', ['-m', 'py_compile', path], { encoding: 'utf8' });
    assert.equal(c.status, 0, `${r.name}: ${c.stderr}`);
  }
});

test('the exported NumPy optimizer takes the engine\'s steps (float32, when numpy is installed)', (t) => {
  const noNumpy = pythonSkipReason('numpy');
  if (noNumpy !== undefined) {
    t.skip(noNumpy);
    return;
  }
  const shape = [4, 3];
  const grads = Array.from({ length: 5 }, (_, k) => Array.from({ length: 12 }, (_, i) => Math.sin(1.3 * i + 0.7 * k) * (k + 1) * 0.3 + (i === 5 ? 0 : 0)));
  const start = Array.from({ length: 12 }, (_, i) => 0.1 * i - 0.5);
  for (const { name, rule, text } of [...ALR_BASELINES, { name: 'tricky', rule: TRICKY, text: TRICKY_TEXT }]) {
    const module = write('py', generateAlrPython(rule, { text }, 0.01));
    const script = write(
      'py',
      [
        'import importlib.util, json, sys',
        'import numpy as np',
        `spec = importlib.util.spec_from_file_location("exported", ${JSON.stringify(module)})`,
        'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        `w = np.array(${JSON.stringify(start)}, dtype=np.float32).reshape(${shape.join(', ')})`,
        'opt = m.NumpyOptimizer(lr=0.01)',
        `for g in ${JSON.stringify(grads)}:`,
        `    opt.step([w], [np.array(g, dtype=np.float32).reshape(${shape.join(', ')})])`,
        'print(json.dumps([float(v) for v in w.ravel()]))',
      ].join('\n'),
    );
    const r = spawnSync('python3', [script], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    const got = JSON.parse(r.stdout) as number[];

    const compiled = compileAlrRule(rule);
    let w = tf.tensor(start, shape);
    let state = { alpha: tf.zeros(shape), beta: tf.zeros(shape), sigma: tf.zeros(shape) };
    grads.forEach((g, step) => {
      const grad = tf.tensor(g, shape);
      const out = compiled.step({ grad, ...state, lr: 0.01, step });
      const next = tf.sub(w, out.update);
      tf.dispose([w, grad, out.update, state.alpha, state.beta, state.sigma]);
      w = next;
      state = { alpha: out.alpha, beta: out.beta, sigma: out.sigma };
    });
    const want = Array.from(w.dataSync());
    tf.dispose([w, state.alpha, state.beta, state.sigma]);
    for (let i = 0; i < want.length; i++) {
      const tol = 1e-5 * Math.max(1, Math.abs(want[i] as number));
      assert.ok(Math.abs((got[i] as number) - (want[i] as number)) <= tol, `${name}[${i}]: numpy ${got[i]} vs engine ${want[i]}`);
    }
  }
});

test('autolr export writes optimizers for alr baselines and rule text, with the default rate given', async () => {
  const ts = await cli('export', '--rule', 'rmsprop', '--format', 'ts', '--lr0', '0.002');
  assert.equal(ts.code, 0, ts.err);
  assert.match(ts.out, /export class EvolvedOptimizer extends tf\.Optimizer/);
  assert.match(ts.out, /constructor\(learningRate = 0\.002, hyperparameters: HyperparameterOptions = \{\}\)/);
  assert.match(ts.out, /\/\/ baseline: {3}rmsprop/);
  const py = await cli('export', '--rule', 'alpha: 0.5 * alpha + grad; update: lr * alpha', '--format', 'py');
  assert.equal(py.code, 0, py.err);
  assert.match(py.out, /class EvolvedOptimizer\(torch\.optim\.Optimizer\)/);
  assert.match(py.out, /DEFAULT_LR = 0\.001/);
  const wrongVariant = await cli('export', '--rule', 'alpha: grad; update: lr * alpha', '--variant', 'dlr', '--format', 'js');
  assert.equal(wrongVariant.code, 2);
});
