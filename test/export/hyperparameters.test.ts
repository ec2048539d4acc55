/**
 * Which constants of an exported adaptive rule are a baseline's named
 * hyperparameters (export/hyperparameters.ts), and how the exported modules
 * write them. The real-PyTorch runs of the constructors are in torch.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { baselineRule, baselinesOf, getBaseline } from '../../src/baselines/registry.js';
import { lit, scalar } from '../../src/baselines/params.js';
import type { AlrBaseline } from '../../src/baselines/types.js';
import type { AlrRule } from '../../src/grammar/ast.js';
import { constantsInWalkOrder } from '../../src/grammar/emit.js';
import { parseRule } from '../../src/grammar/parser.js';
import { printPythonTensorExpr } from '../../src/export/alr-python.js';
import { generateAlrJs } from '../../src/export/alr-js.js';
import { exportRule } from '../../src/export/targets.js';
import { ALR_PARTS, constructorArguments, probeHyperparameters, ruleHyperparameters } from '../../src/export/hyperparameters.js';
import { pythonSkipReason } from '../helpers/python.js';

const alr = (text: string): AlrRule => parseRule(text, 'alr') as AlrRule;

describe('replaceConstants and constantsInWalkOrder', () => {
  it('count constants in the order the walker reaches them, conditionals included, so a printer names the ones counted', () => {
    const e = alr('update: (lr < 0.5 ? 2 : 3) * pow(0.25, grad) + 7').update;
    assert.deepEqual(constantsInWalkOrder(e), [0.5, 2, 3, 0.25, 7]);
    assert.equal(
      printPythonTensorExpr(e, ['A', undefined, 'B']),
      'o.add(o.mul(o.where((o.c(x["lr"]) < o.c(h["A"])), o.c(2.0), o.c(h["B"])), o.ppow(o.c(0.25), x["grad"])), o.c(7.0))',
    );
  });
});

describe('probing a baseline\'s rule text', () => {
  it('every adaptive baseline exposes each of its parameters, at the positions its rule text writes it, with the exported values', () => {
    const want: Record<string, string[]> = {
      sgd: [],
      momentum: ['mu'],
      nesterov: ['mu'],
      adam: ['beta1', 'beta2', 'eps'],
      rmsprop: ['rho', 'eps'],
      adagrad: ['eps'],
      ades: ['beta1', 'beta2'],
      sign: ['beta'],
    };
    assert.deepEqual(baselinesOf('alr').map((b) => b.name).sort(), Object.keys(want).sort(), 'a new adaptive baseline: say here what it exposes');
    for (const b of baselinesOf('alr')) {
      const { rule, params } = baselineRule(b);
      const h = probeHyperparameters(rule as AlrRule, b as AlrBaseline);
      assert.deepEqual(h.exposed.map((p) => p.name), want[b.name], b.name);
      for (const p of h.exposed) assert.ok(Object.is(p.value, params[p.name]), `${b.name}.${p.name}`);
      assert.deepEqual(h.derived, [], b.name);
      // Each named position holds exactly that parameter's value; every other constant is not a parameter's.
      for (const part of ALR_PARTS) {
        const values = constantsInWalkOrder((rule as AlrRule)[part]);
        h.constantNames[part].forEach((name, i) => {
          if (name !== undefined) assert.equal(values[i], params[name], `${b.name} ${part}[${i}]`);
        });
      }
    }
    const adam = probeHyperparameters(baselineRule(getBaseline('adam')).rule as AlrRule, getBaseline('adam') as AlrBaseline);
    // alpha: 0.9 * alpha + (1 - 0.9) * grad: the 1 is the text's own.
    assert.deepEqual(adam.constantNames.alpha, ['beta1', undefined, 'beta1']);
    assert.deepEqual(adam.constantNames.update, [undefined, 'beta1', undefined, undefined, 'beta2', undefined, 'eps']);
  });

  it('reads the values from the exported rule: non-default parameters become the defaults, bit for bit', () => {
    const b = getBaseline('adam') as AlrBaseline;
    const { rule } = baselineRule(b, { beta1: 0.123456789012345, beta2: 0.5, eps: 3e-9 });
    const h = probeHyperparameters(rule as AlrRule, b);
    assert.deepEqual(
      h.exposed.map((p) => [p.name, p.value]),
      [
        ['beta1', 0.123456789012345],
        ['beta2', 0.5],
        ['eps', 3e-9],
      ],
    );
  });

  it('a parameter the text uses in a computed form stays fixed and is named as such; the others are still exposed', () => {
    // 1 − β1 folded in JavaScript: its constant moves with β1 but is not β1, so β1 cannot be rewritten consistently.
    const folded: AlrBaseline = {
      ...(getBaseline('adam') as AlrBaseline),
      name: 'folded',
      ruleText: (p) => `alpha: ${lit(scalar(p, 'beta1'))} * alpha + ${lit(1 - scalar(p, 'beta1'))} * grad; update: lr * alpha / (sqrt(square(grad)) + ${lit(scalar(p, 'eps'))})`,
    };
    const rule = alr(folded.ruleText({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    const h = probeHyperparameters(rule, folded);
    assert.deepEqual(h.derived, ['beta1']);
    assert.deepEqual(h.exposed.map((p) => p.name), ['eps'], 'beta2 is unused, beta1 derived');
    assert.deepEqual(h.constantNames.alpha, [undefined, undefined], 'neither the direct nor the derived use of beta1 is named');
  });

  it('a rule that is not the named baseline\'s text, or names no baseline, exposes nothing', () => {
    const b = getBaseline('momentum') as AlrBaseline;
    const none = (rule: AlrRule): void => {
      const h = probeHyperparameters(rule, b);
      assert.deepEqual([h.exposed, h.baseline], [[], undefined], JSON.stringify(rule));
    };
    none(alr('alpha: 0.9 * alpha + 2 * grad; update: lr * alpha')); // a constant of the text changed
    none(alr('alpha: 0.9 * alpha - grad; update: lr * alpha')); // another shape
    none(alr('alpha: 0.9 * alpha + grad; update: lr * alpha * 0.9')); // one more constant
    // Two uses of μ with different values: edited after it was written from parameters.
    const nesterov = getBaseline('nesterov') as AlrBaseline;
    assert.deepEqual(probeHyperparameters(alr('alpha: 0.9 * alpha + grad; update: lr * (grad + 0.8 * alpha)'), nesterov).exposed, []);
    const { rule, text } = baselineRule(b);
    assert.deepEqual(ruleHyperparameters(rule as AlrRule, { text }).exposed, [], 'evolved (no baseline named): fixed by the search');
    assert.deepEqual(ruleHyperparameters(rule as AlrRule, { text, baseline: { name: 'no-such', params: {} } }).exposed, []);
  });

  it('spells the arguments as torch.optim and tf.train do', () => {
    const args = (name: string, target: 'torch' | 'tfjs'): Array<[string, string[]]> => {
      const b = getBaseline(name) as AlrBaseline;
      return constructorArguments(probeHyperparameters(baselineRule(b).rule as AlrRule, b), target).map((a) => [a.keyword, a.members.map((m) => m.name)]);
    };
    assert.deepEqual(args('adam', 'torch'), [
      ['betas', ['beta1', 'beta2']],
      ['eps', ['eps']],
    ]);
    assert.deepEqual(args('adam', 'tfjs'), [
      ['beta1', ['beta1']],
      ['beta2', ['beta2']],
      ['epsilon', ['eps']],
    ]);
    assert.deepEqual(args('momentum', 'torch'), [['momentum', ['mu']]]);
    assert.deepEqual(args('rmsprop', 'torch'), [
      ['alpha', ['rho']],
      ['eps', ['eps']],
    ]);
    assert.deepEqual(args('rmsprop', 'tfjs'), [
      ['decay', ['rho']],
      ['epsilon', ['eps']],
    ]);
    // Not one of torch's optimizers: the baseline's own names.
    assert.deepEqual(args('ades', 'torch'), [
      ['beta1', ['beta1']],
      ['beta2', ['beta2']],
    ]);
  });
});

describe('the Python module', () => {
  it('reads exposed constants from h, keeps the others literal, and lists the constructor in its header', () => {
    const { rule, text } = baselineRule(getBaseline('adam'));
    const py = exportRule(rule, { text, baseline: { name: 'adam', params: {} } }, 'py', 0.01);
    assert.match(py, /"alpha": lambda o, x, h: o\.add\(o\.mul\(o\.c\(h\["beta1"\]\), x\["alpha"\]\), o\.mul\(o\.sub\(o\.c\(1\.0\), o\.c\(h\["beta1"\]\)\), x\["grad"\]\)\)/);
    assert.doesNotMatch(py.slice(py.indexOf('STATE_RULES')), /o\.c\(0\.9\)|o\.c\(0\.999\)|o\.c\(1e-8\)/);
    assert.match(py, /^# Hyperparameters \(constructor arguments; the defaults are the exported values\): EvolvedOptimizer\(params, lr=0\.01, betas=\(0\.9, 0\.999\), eps=1e-8\)/m);
    assert.match(py, /^ {4}"betas": \(\("beta1", 0\.9, \(0\.0, True\), \(1\.0, False\), "beta parameter at index 0"\), \("beta2", 0\.999,/m);
    const evolved = exportRule(rule, { text }, 'py', 0.01);
    assert.match(evolved, /^HYPERPARAMETERS = \{\}$/m);
    assert.match(evolved, /^# Hyperparameters: none; the rule's constants are fixed by the search/m);
    assert.match(evolved, /o\.c\(0\.9\)/);
  });

  it('EvolvedKerasOptimizer takes the same keywords, passes Keras\' own on, and keeps its hyperparameters in get_config (a minimal Keras 3 base)', (t) => {
    const noNumpy = pythonSkipReason('numpy');
    if (noNumpy !== undefined) return t.skip(noNumpy);
    const { rule, text } = baselineRule(getBaseline('adam'));
    const kerasDir = mkdtempSync(join(dir, 'keras-'));
    mkdirSync(join(kerasDir, 'keras'));
    // Only what construction and get_config touch: the protocol itself is exercised in keras.test.ts.
    writeFileSync(
      join(kerasDir, 'keras', '__init__.py'),
      'import types\n__version__ = "3.0.0-fake"\nsaving = types.SimpleNamespace(register_keras_serializable=lambda package=None, name=None: (lambda cls: cls))\n' +
        'class Optimizer:\n    def __init__(self, learning_rate=0.001, name=None, **kwargs):\n        self.learning_rate, self.name, self.kwargs = learning_rate, name, kwargs\n' +
        '    def get_config(self):\n        return dict(name=self.name, learning_rate=self.learning_rate, **self.kwargs)\n' +
        'optimizers = types.SimpleNamespace(Optimizer=Optimizer)\n',
    );
    writeFileSync(join(kerasDir, 'adam_keras_h.py'), exportRule(rule, { text, baseline: { name: 'adam', params: {} } }, 'py', 0.01));
    const r = spawnSync(
      'python3',
      [
        '-c',
        'import json, adam_keras_h as m\nk = m.EvolvedKerasOptimizer(learning_rate=0.02, betas=(0.8, 0.99), clipnorm=1.0)\nc = k.get_config()\n' +
          'again = m.EvolvedKerasOptimizer(**c)\ntry:\n    m.EvolvedKerasOptimizer(eps=-1.0)\n    bad = "accepted"\nexcept ValueError as e:\n    bad = str(e)\n' +
          'print(json.dumps({"config": c, "again": again.get_config(), "h": k._hyperparameters, "bad": bad}))',
      ],
      { cwd: kerasDir, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { config: unknown; again: unknown; h: unknown; bad: string };
    assert.deepEqual(out.config, { name: 'evolved', learning_rate: 0.02, clipnorm: 1, betas: [0.8, 0.99], eps: 1e-8 });
    assert.deepEqual(out.again, out.config, 'from its config, the same optimizer');
    assert.deepEqual(out.h, { beta1: 0.8, beta2: 0.99, eps: 1e-8 });
    assert.match(out.bad, /^Invalid epsilon value: -1\.0 /);
  });

  it('the header lists only the states the update depends on', () => {
    const header = (t: string): string => {
      const py = exportRule(alr(t), { text: t }, 'py');
      return py.slice(py.indexOf('# signals read:'), py.indexOf('#\n', py.indexOf('# signals read:')));
    };
    const plain = header('update: lr * grad');
    assert.match(plain, /grad:/);
    assert.doesNotMatch(plain, /alpha:|beta:|sigma:/);
    // beta is updated but never reaches the update: not read.
    const momentum = header('alpha: 0.9 * alpha + grad; beta: beta + 1; update: lr * alpha');
    assert.match(momentum, /alpha:/);
    assert.doesNotMatch(momentum, /beta:|sigma:/);
    // alpha reaches the update through sigma.
    const chained = header('alpha: alpha + grad; beta: beta + 1; sigma: 0.5 * alpha; update: lr * sigma');
    assert.match(chained, /alpha:[\s\S]*sigma:/);
    assert.doesNotMatch(chained, /beta:/);
  });
});

// Generated modules import '@tensorflow/tfjs': written below the project's node_modules, they share the test's tfjs.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(resolve('node_modules/.cache/autolr-hyperparameters-'));
let counter = 0;
function write(ext: string, content: string): string {
  const path = join(dir, `h${counter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

interface TfOptimizerModule {
  EvolvedOptimizer: {
    new (lr?: number, options?: Record<string, unknown>): tf.Optimizer & { hyperparameters: Record<string, number> };
    fromConfig: typeof tf.Optimizer.fromConfig;
  };
}

describe('the TF.js optimizer', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Adam's export: as the named baseline (options), or with its parameters written in as anonymous constants. */
  const adamModule = async (params: Record<string, number>, named: boolean): Promise<TfOptimizerModule> => {
    const { rule, text } = baselineRule(getBaseline('adam'), params);
    const info = named ? { text, baseline: { name: 'adam', params: {} } } : { text };
    return (await import(pathToFileURL(write('mjs', generateAlrJs(rule as AlrRule, info, 'js', 0.01))).href)) as TfOptimizerModule;
  };
  /** The weights after 6 steps of a small problem (both tensors), as numbers. */
  const train = (opt: tf.Optimizer): number[][] => {
    const w = [tf.variable(tf.tensor1d([0.5, -1, 2, 0.1])), tf.variable(tf.tensor2d([[1, -2], [0.3, 0.7]]))];
    for (let i = 0; i < 6; i++) {
      opt.minimize(() => tf.add(tf.sum(tf.mul(tf.sin(w[0] as tf.Variable), tf.square(w[0] as tf.Variable))), tf.sum(tf.square(tf.sub(w[1] as tf.Variable, 3)))), false, w);
    }
    const out = w.map((v) => Array.from(v.dataSync()));
    opt.dispose();
    tf.dispose(w);
    return out;
  };

  it('takes options with the exported values as defaults: its steps equal, bit for bit, those of the rule with the values written in', async () => {
    const named = await adamModule({}, true);
    const anonymous = await adamModule({}, false);
    assert.deepEqual(train(new named.EvolvedOptimizer()), train(new anonymous.EvolvedOptimizer()), 'defaults');
    const other = { beta1: 0.8, beta2: 0.99, eps: 1e-6 };
    const written = await adamModule(other, false);
    const given = train(new named.EvolvedOptimizer(0.01, { beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }));
    assert.deepEqual(given, train(new written.EvolvedOptimizer()), 'non-default options');
    assert.notDeepEqual(given, train(new named.EvolvedOptimizer()), 'the options change the steps');
  });

  it('keeps its options in getConfig, so fromConfig (and a saved model) restores them, and refuses bad ones', async () => {
    const mod = await adamModule({}, true);
    const opt = new mod.EvolvedOptimizer(0.02, { beta2: 0.95 });
    assert.deepEqual(opt.getConfig(), { learningRate: 0.02, beta1: 0.9, beta2: 0.95, epsilon: 1e-8 });
    const copy = mod.EvolvedOptimizer.fromConfig(mod.EvolvedOptimizer as never, opt.getConfig()) as unknown as { hyperparameters: Record<string, number> };
    assert.deepEqual(copy.hyperparameters, { beta1: 0.9, beta2: 0.95, epsilon: 1e-8 });
    assert.throws(() => new mod.EvolvedOptimizer(0.01, { beta1: 1 }), /^Error: EvolvedOptimizer: beta1 must be a finite number >= 0 and < 1, not 1$/);
    assert.throws(() => new mod.EvolvedOptimizer(0.01, { epsilon: 0 }), /epsilon must be a finite number > 0, not 0/);
    assert.throws(() => new mod.EvolvedOptimizer(0.01, { beta1: '0.5' }), /beta1 must be a finite number >= 0 and < 1, not 0\.5/);
    assert.throws(() => new mod.EvolvedOptimizer(0.01, { momentum: 0.5 }), /unknown option momentum \(this rule's hyperparameters: beta1, beta2, epsilon\)/);
    const evolved = await adamModule({}, false);
    assert.throws(() => new evolved.EvolvedOptimizer(0.01, { beta1: 0.5 }), /unknown option beta1 \(this rule's hyperparameters: none, its constants are fixed\)/);
  });

  it('a model saved with its optimizer (includeOptimizer) loads with the options it was built with', async () => {
    const mod = await adamModule({}, true);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    model.compile({ optimizer: new mod.EvolvedOptimizer(0.02, { beta1: 0.5, epsilon: 1e-4 }), loss: 'meanSquaredError' });
    const x = tf.tensor2d([[0, 1], [1, 0], [1, 1]]);
    const y = tf.tensor2d([[1], [2], [3]]);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    assert.deepEqual((loaded.optimizer as unknown as { hyperparameters: Record<string, number> }).hyperparameters, { beta1: 0.5, beta2: 0.999, epsilon: 1e-4 });
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it('types its options in TypeScript: known options type-check, unknown ones do not', () => {
    const { rule, text } = baselineRule(getBaseline('adam'));
    const module = write('ts', generateAlrJs(rule as AlrRule, { text, baseline: { name: 'adam', params: {} } }, 'ts', 0.01));
    const usage = write(
      'ts',
      `import { EvolvedOptimizer } from './${module.split('/').pop()?.replace(/\.ts$/, '.js')}';\n` +
        'const a = new EvolvedOptimizer(0.01, { beta1: 0.8, epsilon: 1e-6 });\nconst b: number | undefined = a.hyperparameters.beta2;\n' +
        '// @ts-expect-error: adam has no momentum\nnew EvolvedOptimizer(0.01, { momentum: 0.5 });\nexport { b };\n',
    );
    const r = spawnSync(
      'npx',
      ['tsc', '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', module, usage],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});

describe('exports from a campaign folder', () => {
  it('a seeded baseline takes its hyperparameters as constructor arguments; an evolved rule takes none', async () => {
    const { campaignRule } = await import('../../src/cli/commands/export.js');
    const campaign = resolve(import.meta.dirname, '..', '..', 'examples', 'runs', 'alr-mnist-mlp');
    const seed = campaignRule(campaign, { id: 'g0-3' }); // the adam seed
    assert.deepEqual(seed.info.baseline, { name: 'adam', params: {} });
    const found = ruleHyperparameters(seed.rule as AlrRule, seed.info);
    assert.equal(found.baseline, 'adam');
    assert.deepEqual(found.exposed.map((p) => [p.name, p.value]), [['beta1', 0.9], ['beta2', 0.999], ['eps', 1e-8]]);
    assert.match(exportRule(seed.rule, seed.info, 'py', 0.001), /EvolvedOptimizer\(params, lr=0\.001, betas=\(0\.9, 0\.999\), eps=1e-8\)/);
    const evolved = campaignRule(campaign, { rank: 1 });
    assert.equal(evolved.info.baseline, undefined);
    assert.equal(ruleHyperparameters(evolved.rule as AlrRule, evolved.info).exposed.length, 0);
  });
});
