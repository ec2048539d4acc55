import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import type { DlrRule, Rule } from '../../src/grammar/ast.js';
import { parseRule } from '../../src/grammar/parser.js';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { generateJs, printJsExpr } from '../../src/export/js.js';
import { generatePython } from '../../src/export/python.js';
import { registerExport } from '../../src/cli/commands/export.js';
import { InputError } from '../../src/errors.js';
import { pythonSkipReason } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'autolr-export-'));
let fileCounter = 0;
function tmpFile(ext: string, content: string): string {
  const path = join(dir, `out${fileCounter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

function baseline(name: string, params: Record<string, unknown> = {}): { rule: Rule; text: string } {
  const { rule, text } = baselineRule(getBaseline(name), params);
  return { rule, text };
}

type Sig = Record<string, number>;
interface ExportedModule {
  schedule(s: Sig, rng?: () => number): number;
  acceptance?(s: Sig, rng?: () => number): number;
  createLrCallback(optimizer: object, options?: object): {
    onEpochBegin(e: number, logs?: object): void;
    onEpochEnd(e: number, logs?: object): void;
    onBatchBegin(b: number, logs?: object): void;
    onBatchEnd(b: number, logs?: object): void;
  };
}

async function importJs(rule: Rule, text: string): Promise<ExportedModule> {
  return (await import(pathToFileURL(tmpFile('mjs', generateJs(rule, { text }, 'js'))).href)) as ExportedModule;
}

/** A small signal sequence: epochs with falling, then noisy losses. */
function signalSequence(): Sig[] {
  const losses = [2.0, 1.5, 1.6, 0.9, 0.95, 0.4];
  const seq: Sig[] = [];
  let lr = 0.01;
  let best = Infinity;
  for (let i = 0; i < losses.length; i++) {
    const loss = losses[i] as number;
    best = Math.min(best, loss);
    seq.push({
      epoch: i + 1,
      epochs: 10,
      step: (i + 1) * 1000 + 357,
      steps_per_epoch: 1000,
      lr,
      lr0: 0.01,
      loss,
      loss_prev: i === 0 ? loss : (losses[i - 1] as number),
      loss_first: loss * 1.3,
      loss_last: loss * (i % 2 === 0 ? 0.8 : 1.1),
      loss_best: best,
      acc: 0.5 + i * 0.05,
      acc_prev: 0.5 + Math.max(0, i - 1) * 0.05,
      batch_loss: loss,
    });
    lr = lr * 0.9;
  }
  return seq;
}

test('printJsExpr follows the protected semantics in its choice of helpers', () => {
  const e = (parseRule('epoch: pow(lr, 2) / sqrt(loss) + log(acc) - min(1, -0.5)', 'dlr') as DlrRule).lr;
  assert.match(printJsExpr(e), /pdiv\(ppow\(s\.lr, 2\), psqrt\(s\.loss\)\)/);
  assert.match(printJsExpr(e), /Math\.min\(1, \(-0\.5\)\)/);
});

test('exported JS parses as an ES2022 module and its schedule matches scheduleFromRule', async () => {
  for (const name of ['dlrs', 'clr_triangular', 'exponential', 'aldvi', 'cosine']) {
    const { rule, text } = baseline(name);
    const js = generateJs(rule, { text }, 'js');
    acorn.parse(js, { ecmaVersion: 2022, sourceType: 'module' });
    const mod = await importJs(rule, text);
    const reference = scheduleFromRule(rule as DlrRule);
    for (const s of signalSequence()) {
      const expected = reference.rate(s, { uniform: () => 0.5 });
      assert.equal(mod.schedule(s), expected, `${name} at ${JSON.stringify(s)}`);
    }
  }
});

test('exported JS: protected operators and random terms match the interpreter draw for draw', async () => {
  const text = 'step: choice(pow(-8, 1 / 3), log(0), 5 / 0) + noise(lr) + rand() * sqrt(-4); accept: exp(-dloss / pow(0.8, epoch))';
  const rule = parseRule(text, 'dlr') as DlrRule;
  const mod = await importJs(rule, text);
  const reference = scheduleFromRule(rule);
  const s = { ...(signalSequence()[0] as Sig), dloss: 0.1 };
  for (const u of [0.05, 0.4, 0.9]) {
    const draws = [u, 0.3, 0.7, 0.2];
    const a = [...draws];
    const b = [...draws];
    const expected = reference.rate(s, { uniform: () => a.shift() as number });
    assert.equal(mod.schedule(s, () => b.shift() as number), expected);
  }
  assert.equal(mod.acceptance?.(s), reference.acceptance(s, { uniform: () => 0 }));
});

test('exported TypeScript type-checks under --strict', () => {
  const files = [
    baseline('dlrs'),
    baseline('sgd_sa'),
    baseline('clr_triangular'),
    { text: 'epoch: lr * (acc > acc_prev ? 1.05 : 0.5) * epochs / max(1, epoch)', rule: parseRule('epoch: lr * (acc > acc_prev ? 1.05 : 0.5) * epochs / max(1, epoch)', 'dlr') },
  ].map(({ rule, text }) => tmpFile('ts', generateJs(rule, { text }, 'ts')));
  const usage = tmpFile(
    'ts',
    `import { createLrCallback, schedule } from './${files[0]?.split('/').pop()?.replace(/\.ts$/, '.js')}';\n` +
      `class Sgd { protected learningRate = 0.1; setLearningRate(lr: number): void { this.learningRate = lr; } }\n` +
      `const cb = createLrCallback(new Sgd(), { epochs: 3, seed: 1 });\n` +
      `cb.onEpochBegin(0); const r: number = schedule(cb.signals()); void r;\n`,
  );
  const r = spawnSync(
    'npx',
    ['tsc', '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', ...files, usage],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('the exported callback drives a real tfjs SGD fit: epoch: lr0 * pow(0.5, epoch)', async () => {
  await tf.setBackend('cpu');
  const text = 'epoch: lr0 * pow(0.5, epoch)';
  const rule = parseRule(text, 'dlr');
  const mod = await importJs(rule, text);
  const optimizer = tf.train.sgd(0.1);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const x = tf.randomNormal([32, 4], 0, 1, 'float32', 1);
  const y = tf.randomNormal([32, 1], 0, 1, 'float32', 2);
  const rates: number[] = [];
  const cb = mod.createLrCallback(optimizer, { onRate: (lr: number) => rates.push(lr) });
  await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: new tf.CustomCallback(cb as never) });
  const reference = scheduleFromRule(rule as DlrRule);
  const expected = [0.1, reference.rate({ lr0: 0.1, epoch: 1 }, { uniform: () => 0 }), reference.rate({ lr0: 0.1, epoch: 2 }, { uniform: () => 0 })];
  assert.deepEqual(rates, expected);
  assert.equal((optimizer as unknown as { learningRate: number }).learningRate, 0.025);
  const signals = (cb as unknown as { signals(): Sig }).signals();
  assert.equal(signals.step, 12);
  assert.equal(signals.steps_per_epoch, 4);
  assert.ok((signals.loss as number) > 0 && signals.loss_best === Math.min(signals.loss as number, signals.loss_prev as number, signals.loss_best as number));
  tf.dispose([x, y]);
  model.dispose();
});

test('the callback sets Adam\'s learningRate field and runs step rules before every batch', async () => {
  // The paper's absolute half-cycle: a step rule that needs no budget from the caller.
  const { rule, text } = baseline('clr_triangular', { step_size: 2000 });
  const mod = await importJs(rule, text);
  const adam = tf.train.adam(0.001);
  const cb = mod.createLrCallback(adam, { stepsPerEpoch: 2 });
  cb.onEpochBegin(0);
  const reference = scheduleFromRule(rule as DlrRule);
  for (let b = 0; b < 3; b++) {
    cb.onBatchBegin(b);
    const lr = (adam as unknown as { learningRate: number }).learningRate;
    assert.equal(lr, reference.rate({ step: b, lr0: 0.001 }, { uniform: () => 0 }));
    cb.onBatchEnd(b, { loss: 1 });
  }
  adam.dispose();
});

/** The callback's fit hooks and step(), as the generated module types them. */
interface DrivenCallback {
  onEpochBegin(e: number): void;
  onEpochEnd(e: number, logs?: object): void;
  onBatchBegin(b: number): void;
  onBatchEnd(b: number, logs?: object): void;
  step(metrics?: { loss?: number | number[]; acc?: number }): number;
  signals(): Sig;
}

test('a rule that reads accuracy fails loudly in model.fit without an accuracy metric, and follows it with one', async () => {
  const text = 'epoch: acc > 0.5 ? lr * 0.5 : lr';
  const mod = await importJs(parseRule(text, 'dlr'), text);
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1], 'int32'), 2);
  for (const metrics of [[], ['accuracy']]) {
    const optimizer = tf.train.sgd(0.1);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4], activation: 'softmax' })] });
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics });
    const rates: number[] = [];
    const cb = mod.createLrCallback(optimizer, { onRate: (lr: number) => rates.push(lr) });
    const fit = model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: new tf.CustomCallback(cb as never) });
    if (metrics.length === 0) {
      await assert.rejects(fit, /this rule reads acc, acc_prev|this rule reads acc.*compile the model with metrics: \['accuracy'\]/);
    } else {
      const history = await fit;
      const acc = history.history.acc as number[];
      assert.equal(rates.length, 3);
      for (let e = 1; e < 3; e++) assert.equal(rates[e], (acc[e - 1] as number) > 0.5 ? (rates[e - 1] as number) * 0.5 : rates[e - 1], `epoch ${e} from epoch ${e - 1}'s accuracy`);
    }
    model.dispose();
  }
  tf.dispose([x, y]);
});

test('outside model.fit, step(metrics) gives an epoch rule the rates fit\'s logs give it, and refuses to run unfed', async () => {
  const text = 'epoch: loss < loss_prev ? lr * 1.1 : lr * (loss_last / loss_first) * 0.5';
  const mod = await importJs(parseRule(text, 'dlr'), text);
  const epochs = [[2, 1.8, 1.7], [1.6, 1.9, 1.5], [1.4, 1.2, 1.3], [1.5, 1.6, 1.7]];
  const byHooks = mod.createLrCallback({ learningRate: 0.1 }) as unknown as DrivenCallback;
  const hookRates: number[] = [];
  for (const [e, losses] of epochs.entries()) {
    byHooks.onEpochBegin(e);
    if (e > 0) hookRates.push(byHooks.signals().lr as number);
    for (const [b, loss] of losses.entries()) {
      byHooks.onBatchBegin(b);
      byHooks.onBatchEnd(b, { loss });
    }
    byHooks.onEpochEnd(e, {});
  }
  byHooks.onEpochBegin(epochs.length);
  hookRates.push(byHooks.signals().lr as number);
  const optimizer = tf.train.sgd(0.1);
  const byStep = mod.createLrCallback(optimizer) as unknown as DrivenCallback;
  const stepRates = epochs.map((losses) => byStep.step({ loss: losses }));
  assert.deepEqual(stepRates, hookRates);
  assert.equal((optimizer as unknown as { learningRate: number }).learningRate, stepRates[stepRates.length - 1], 'step() sets the rate it returns');
  assert.deepEqual(byStep.signals(), byHooks.signals(), 'the same signals from either entry point');

  assert.throws(() => (mod.createLrCallback({ learningRate: 0.1 }) as unknown as DrivenCallback).step(), /reads loss, loss_prev, loss_first, loss_last, but no loss reached it in epoch 0/);
  assert.throws(() => (mod.createLrCallback({ learningRate: 0.1 }) as unknown as DrivenCallback).step({ loss: 1.5 }), /reads loss_first, loss_last: pass the epoch's minibatch losses/);
  const unfed = mod.createLrCallback({ learningRate: 0.1 }) as unknown as DrivenCallback;
  unfed.onEpochBegin(0);
  unfed.onBatchBegin(0);
  assert.throws(() => unfed.onBatchEnd(0, {}), /reads loss, loss_prev, loss_first, loss_last, but the batch logs gave no loss/);
  optimizer.dispose();
});

test('outside model.fit, step(metrics) drives a step rule before every step in a real minimize loop, as fit\'s hooks do', async () => {
  const text = 'step: lr0 / (1 + batch_loss) * (1 + 0.1 * floor(step / steps_per_epoch)) + 0 * loss';
  const mod = await importJs(parseRule(text, 'dlr'), text);
  assert.throws(() => mod.createLrCallback({ learningRate: 0.1 }), /reads steps_per_epoch from its first step; give options.stepsPerEpoch/);
  const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
  const target = tf.tensor1d([0, 1, 2]);
  const optimizer = tf.train.sgd(0.05);
  const cb = mod.createLrCallback(optimizer, { stepsPerEpoch: 3 }) as unknown as DrivenCallback;
  assert.throws(() => cb.step({ loss: 1 }), /the first call has no loss to report/);
  const replay = mod.createLrCallback({ learningRate: 0.05 }, { stepsPerEpoch: 3 }) as unknown as DrivenCallback;
  let loss: number | undefined;
  const rates: number[] = [];
  const replayed: number[] = [];
  for (let step = 0; step < 7; step++) {
    rates.push(cb.step(loss === undefined ? {} : { loss }));
    if (step % 3 === 0) replay.onEpochBegin(step / 3);
    replay.onBatchBegin(step % 3);
    replayed.push(replay.signals().lr as number);
    const value = optimizer.minimize(() => tf.sum(tf.square(tf.sub(w, target))), true) as tf.Scalar;
    loss = value.dataSync()[0] as number;
    value.dispose();
    replay.onBatchEnd(step % 3, { loss });
    if (step % 3 === 2) replay.onEpochEnd(step / 3, {});
  }
  assert.deepEqual(rates, replayed);
  assert.equal(rates[0], 0.05, 'step 0: batch_loss is 0 before any step');
  assert.ok(rates.every((r, i) => i === 0 || r !== rates[0]), 'the rate follows the losses');
  assert.equal(cb.signals().epoch, 2);
  tf.dispose([w, target]);
  optimizer.dispose();
});

test('a schedule that ignores the starting rate warns once when its callback is made; one that uses it does not', async () => {
  const warnings: unknown[] = [];
  const warn = mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args.join(' ')));
  try {
    const constant = await importJs(parseRule('epoch: 0.004', 'dlr'), 'epoch: 0.004');
    constant.createLrCallback({ learningRate: 0.1 });
    constant.createLrCallback({ learningRate: 0.2 });
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]), /this rule ignores lr: its rates do not depend on the starting rate \(0\.1\)/);
    const scaled = await importJs(parseRule('epoch: lr0 * 0.5', 'dlr'), 'epoch: lr0 * 0.5');
    scaled.createLrCallback({ learningRate: 0.1 });
    assert.equal(warnings.length, 1);
  } finally {
    warn.mock.restore();
  }
});


test('exported Python compiles (Keras function, step class, PyTorch scheduler)', (t) => {
  const noPython = pythonSkipReason();
  if (noPython !== undefined) {
    t.skip(noPython);
    return;
  }
  const cases: Array<{ rule: Rule; text: string }> = [
    baseline('exponential'),
    baseline('cosine'),
    baseline('dlrs'),
    baseline('sgd_sa'),
    baseline('clr_triangular'),
  ];
  for (const { rule, text } of cases) {
    const py = generatePython(rule, { text });
    const path = tmpFile('py', py);
    execFileSync('python3', ['-m', 'py_compile', path]);
  }
  assert.match(generatePython(baseline('exponential').rule, { text: 'x' }), /def make_schedule\(/);
  // make_schedule refuses loss-driven rules when called (see keras.test.ts); every module has the Keras callback.
  assert.match(generatePython(baseline('dlrs').rule, { text: 'x' }), /class RuleSchedule:[\s\S]*class RuleLR\(_SchedulerBase\)[\s\S]*class RuleCallback\(keras\.callbacks\.Callback\)/);
});

test('exported Python gives the rule\'s rates (when python3 is present)', (t) => {
  const noPython = pythonSkipReason();
  if (noPython !== undefined) {
    t.skip(noPython);
    return;
  }
  const { rule, text } = baseline('dlrs');
  const path = tmpFile('py', generatePython(rule, { text }));
  const seq = signalSequence();
  const script = `import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location("m", ${JSON.stringify(path)})\nm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\nprint(json.dumps([m.rate({k: float(v) for k, v in s.items()}) for s in json.loads(sys.argv[1])]))`;
  const got = JSON.parse(execFileSync('python3', ['-c', script, JSON.stringify(seq)], { encoding: 'utf8' })) as number[];
  const reference = scheduleFromRule(rule as DlrRule);
  got.forEach((v, i) => assert.ok(Math.abs(v - reference.rate(seq[i] as Sig, { uniform: () => 0 })) <= 1e-15, `record ${i}`));
});

async function cli(...args: string[]): Promise<{ ok: boolean; out: string; err: string; error?: Error }> {
  const outs: string[] = [];
  const errs: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerExport(program, (s) => outs.push(s), (s) => errs.push(s));
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(['node', 'autolr', ...args]);
    return { ok: true, out: outs.join('\n'), err: errs.join('\n') };
  } catch (error) {
    return { ok: false, out: outs.join('\n'), err: errs.join('\n'), error: error as Error };
  }
}

test('export warns, and still exports, a rule that reads a signal its campaign\'s tasks compute from an oracle', async () => {
  // The published PINN campaign's best rule reads acc, which there is 1 − the error against the exact solution.
  const pinn = await cli('export', 'examples/runs/dlr-helmholtz-tuned', '--format', 'py');
  assert.equal(pinn.ok, true, String(pinn.error));
  assert.match(pinn.out, /acc/);
  assert.equal(
    pinn.err,
    'warning: g2-33 reads acc, which on helmholtz-250, helmholtz-750 is computed from the exact solution (acc is 1 − the relative L2 error against it): a rule that reads it cannot run where that is unknown.',
  );
  // On an image task acc is the running training accuracy, which every user has.
  const image = await cli('export', 'examples/runs/dlr-mnist-tuned', '--format', 'py');
  assert.equal(image.ok, true, String(image.error));
  assert.equal(image.err, '');
});

/** Exit code main.ts gives: input errors (UsageError among them) and commander errors are 2. */
function exitCode(r: { ok: boolean; error?: Error }): number {
  if (r.ok) return 0;
  if (r.error instanceof InputError) return 2;
  if (r.error && r.error.name === 'CommanderError') return 2;
  return 1;
}

function fakeCampaign(): string {
  const campaignDir = mkdtempSync(join(dir, 'campaign-'));
  const entry = (id: string, text: string, combined: number) => ({
    id,
    text,
    simplified: text,
    hash: `h-${id}`,
    origin: { kind: 'random' },
    lineage: [],
    combined,
    scores: { 'mnist-mlp': combined },
    generation: 3,
    wallMs: 1234,
    test: { 'mnist-mlp': { mean: 0.97, sd: 0.01, values: [0.96, 0.98], metric: 'accuracy' } },
  });
  const hof = {
    campaign: 'fake-campaign',
    config: { name: 'fake-campaign', variant: 'dlr', tasks: ['mnist-mlp'] },
    hallOfFame: [entry('g3-i7', 'epoch: lr * (loss < loss_prev ? 1.05 : 0.5)', 0.93), entry('g2-i1', 'epoch: lr0 * pow(0.9, epoch)', 0.91)],
    bestBaseline: { ...entry('g0-i0', 'epoch: lr0', 0.9), origin: { kind: 'seed', baseline: 'constant' } },
    counters: {},
  };
  writeFileSync(join(campaignDir, 'hof.json'), JSON.stringify(hof, null, 2));
  return campaignDir;
}

test('autolr export from a campaign folder, by rank and by id, to stdout and to a file', async () => {
  const campaignDir = fakeCampaign();
  const ts = await cli('export', campaignDir, '--format', 'ts');
  assert.equal(exitCode(ts), 0, ts.error?.message);
  assert.match(ts.out, /campaign: +fake-campaign/);
  assert.match(ts.out, /entry: +g3-i7 \(rank 1\)/);
  assert.match(ts.out, /mnist-mlp: 0\.93/);
  assert.match(ts.out, /loss_prev: the same for the epoch before it/);
  assert.match(ts.out, /loss-driven/);
  assert.match(ts.out, /export function schedule\(s: Signals/);
  const byRank = await cli('export', campaignDir, '--rank', '2', '--format', 'js');
  assert.match(byRank.out, /lr0 \* pow\(0\.9, epoch\)/);
  acorn.parse(byRank.out, { ecmaVersion: 2022, sourceType: 'module' });
  const out = join(dir, 'exported.py');
  const byId = await cli('export', campaignDir, '--id', 'g2-i1', '--format', 'py', '-o', out);
  assert.equal(exitCode(byId), 0, byId.error?.message);
  assert.match(readFileSync(out, 'utf8'), /def make_schedule\(/);
  const best = await cli('export', campaignDir, '--id', 'g0-i0', '--format', 'js');
  assert.equal(exitCode(best), 0, best.error?.message);
});

test('autolr export --rule takes baselines (with parameters) and rule text', async () => {
  const r = await cli('export', '--rule', 'dlrs', '--format', 'js');
  assert.equal(exitCode(r), 0, r.error?.message);
  assert.match(r.out, /baseline: +dlrs/);
  assert.match(r.out, /parameters:\n\/\/ +delta_d = 0\.5/);
  const p = await cli('export', '--rule', 'step_decay', '--params', '{"every": 5}', '--format', 'py');
  assert.match(p.out, /every = 5/);
  const text = await cli('export', '--rule', 'epoch: lr * 0.9', '--format', 'ts');
  assert.equal(exitCode(text), 0, text.error?.message);
});

test('autolr export refuses bad input with exit code 2', async () => {
  const campaignDir = fakeCampaign();
  const cases: Array<[string[], RegExp]> = [
    [['export', dir, '--format', 'ts'], /no hall of fame/],
    [['export', campaignDir, '--rank', '3', '--format', 'ts'], /out of range/],
    [['export', campaignDir, '--id', 'nope', '--format', 'ts'], /no hall-of-fame or baseline entry with id "nope"/],
    [['export', campaignDir, '--format', 'rust'], /--format must be one of ts, js, py/],
    [['export', '--rule', 'adam', '--format', 'ts', '--lr0', '-1'], /--lr0/],
    [['export', '--rule', 'no_such_baseline', '--format', 'ts'], /neither rule text nor a baseline/],
    [['export', '--format', 'ts'], /campaign folder or --rule/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(exitCode(r), 2, `${args.join(' ')}: ${r.error?.message}`);
    assert.match(r.error?.message ?? '', message, args.join(' '));
  }
});
