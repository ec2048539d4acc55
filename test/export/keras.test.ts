/**
 * The Keras parts of exported Python modules, against a stand-in `keras`
 * package (TensorFlow for Python cannot be installed here): NumPy-backed
 * `keras.ops`, a `Callback` and a `fit` that call the hooks in Keras 3's order
 * (set_model, set_params with "steps", on_epoch_begin, on_train_batch_begin /
 * end, on_epoch_end with the epoch's mean loss in logs), and an `Optimizer`
 * base with Keras 3's custom-optimizer protocol (build, add_variable_from_reference,
 * _get_variable_index, update_step(gradient, variable, learning_rate), assign,
 * iterations counting applied steps). What this cannot show: that real Keras
 * 3 on TensorFlow, JAX or torch traces update_step in its compiled train step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import { exportRule } from '../../src/export/targets.js';
import { parseRule } from '../../src/grammar/parser.js';
import { pythonSkipReason } from '../helpers/python.js';

const skip = pythonSkipReason('numpy') ?? false;

const FAKE_KERAS = `
"""A stand-in for Keras 3: enough of its callback and optimizer protocols to drive exported modules."""
import types
import numpy as np

__version__ = "3.0.0-fake"
ops = types.SimpleNamespace(
    abs=np.abs, exp=np.exp, floor=np.floor, sin=np.sin, cos=np.cos, tanh=np.tanh, where=np.where,
    power=np.power, sqrt=np.sqrt, log=np.log, sign=np.sign, minimum=np.minimum, maximum=np.maximum,
    cast=lambda x, dtype: np.asarray(x, dtype=dtype), broadcast_to=np.broadcast_to, shape=np.shape,
    convert_to_numpy=np.asarray,
)
registered = {}
saving = types.SimpleNamespace(register_keras_serializable=lambda package="Custom", name=None: (lambda cls: registered.setdefault(package + ">" + cls.__name__, cls)))


class Callback:
    def __init__(self):
        self.model = None
        self.params = None
    def set_model(self, model):
        self.model = model
    def set_params(self, params):
        self.params = params


class Optimizer:
    def __init__(self, learning_rate=0.001, name=None, **kwargs):
        self.learning_rate = learning_rate
        self.name = name
        self.built = False
        self.iterations = np.zeros((), dtype=np.int64)
        self.created = []
    def build(self, variables):
        self._index = {id(v): i for i, v in enumerate(variables)}
        self.built = True
    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        v = np.zeros_like(reference_variable)
        self.created.append(name)
        return v
    def _get_variable_index(self, variable):
        return self._index[id(variable)]
    def assign(self, variable, value):
        variable[...] = value
    def assign_sub(self, variable, value):
        variable[...] -= value
    def apply_gradients(self, grads_and_vars):
        grads_and_vars = list(grads_and_vars)
        self.build([v for _, v in grads_and_vars])
        for g, v in grads_and_vars:
            self.update_step(g, v, np.float32(self.learning_rate))
        self.iterations = self.iterations + 1
    def get_config(self):
        return {"name": self.name, "learning_rate": float(self.learning_rate)}


optimizers = types.SimpleNamespace(Optimizer=Optimizer)
callbacks = types.SimpleNamespace(Callback=Callback)


class Model:
    """fit() calls the hooks as Keras 3 does; the epoch's loss is a given list of batch losses."""
    def __init__(self, learning_rate):
        self.optimizer = types.SimpleNamespace(learning_rate=learning_rate)
    def fit(self, batch_losses, epochs, callbacks, initial_epoch=0, accuracy=None):
        rates = []
        for cb in callbacks:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": len(batch_losses[0]), "verbose": 0})
        for epoch in range(initial_epoch, epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            for b, loss in enumerate(batch_losses[epoch]):
                for cb in callbacks:
                    cb.on_train_batch_begin(b)
                rates.append(float(self.optimizer.learning_rate))
                for cb in callbacks:
                    cb.on_train_batch_end(b, {"loss": loss})
            logs = {"loss": sum(batch_losses[epoch]) / len(batch_losses[epoch])}
            if accuracy is not None:
                logs["accuracy"] = accuracy[epoch]
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
        return rates
`;

const dir = mkdtempSync(join(tmpdir(), 'autolr-keras-'));
mkdirSync(join(dir, 'keras'));
writeFileSync(join(dir, 'keras', '__init__.py'), FAKE_KERAS);

function exportText(name: string, text: string, variant: 'dlr' | 'alr'): void {
  writeFileSync(join(dir, `${name}.py`), exportRule(parseRule(text, variant), { text }, 'py', 0.01));
}

function runPython(code: string): unknown {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', code], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONPATH: dir } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

const close = (got: readonly number[], want: readonly number[], what: string): void => {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - (want[i] as number)) <= 1e-12 * Math.abs(want[i] as number), `${what} #${i}: ${got.join(', ')} vs ${want.join(', ')}`));
};

test('make_schedule is one schedule per model (two lr0s), and resuming with initial_epoch decays once (issue 15, item 4)', { skip }, () => {
  exportText('decay_mod', 'epoch: lr * 0.5', 'dlr');
  const out = runPython(`
import json, decay_mod
a, b = decay_mod.make_schedule(), decay_mod.make_schedule()
first = [a(e, 0.1) for e in range(4)]
second = [b(e, 0.01) for e in range(4)]
# Resume at epoch 2 of a model whose optimizer holds epoch 1's rate 0.05: the rate of epoch 2 is 0.025, not 0.0125.
resumed = decay_mod.make_schedule(lr0=0.1)
at2 = [resumed(2, 0.05), resumed(3, 0.025)]
try:
    decay_mod.make_schedule()(2, 0.05)
    no_lr0 = "ran"
except ValueError as e:
    no_lr0 = str(e)
print(json.dumps({"first": first, "second": second, "resumed": at2, "no_lr0": no_lr0}))
`) as { first: number[]; second: number[]; resumed: number[]; no_lr0: string };
  close(out.first, [0.1, 0.05, 0.025, 0.0125], 'first model');
  close(out.second, [0.01, 0.005, 0.0025, 0.00125], 'second model, compiled with 0.01');
  close(out.resumed, [0.025, 0.0125], 'resumed at epoch 2');
  assert.match(out.no_lr0, /resuming at epoch 2: make_schedule needs the run's starting rate, lr0=/);
});

test('RuleCallback drives an epoch rule on the loss and accuracy in fit\'s logs, resumes from its state_dict, and refuses a resume without it', { skip }, () => {
  exportText('plateau_mod', 'epoch: loss < loss_prev ? lr : lr * (acc > 0.9 ? 0.1 : 0.5)', 'dlr');
  const out = runPython(`
import json, keras, plateau_mod
losses = [[2.0, 2.0], [1.0, 1.0], [1.6, 1.4], [1.4, 1.4], [1.2, 1.0]]
acc = [0.5, 0.6, 0.95, 0.95, 0.97]
def epoch_rates(rates):
    return rates[::2]
straight = epoch_rates(keras.Model(0.1).fit(losses, 5, [plateau_mod.RuleCallback()], accuracy=acc))
cb = plateau_mod.RuleCallback()
model = keras.Model(0.1)
head = epoch_rates(model.fit(losses, 3, [cb], accuracy=acc))
saved = json.loads(json.dumps(cb.state_dict()))
cb2 = plateau_mod.RuleCallback()
cb2.load_state_dict(saved)
tail = epoch_rates(keras.Model(float(model.optimizer.learning_rate)).fit(losses, 5, [cb2], initial_epoch=3, accuracy=acc))
errors = []
for run in (lambda: keras.Model(0.1).fit(losses, 5, [plateau_mod.RuleCallback(lr0=0.1)], initial_epoch=3, accuracy=acc),
            lambda: keras.Model(0.1).fit(losses, 2, [plateau_mod.RuleCallback()])):
    try:
        run()
        errors.append("ran")
    except ValueError as e:
        errors.append(str(e))
print(json.dumps({"straight": straight, "resumed": head + tail, "errors": errors}))
`) as { straight: number[]; resumed: number[]; errors: string[] };
  close(out.straight, [0.1, 0.05, 0.05, 0.005, 0.005], 'uninterrupted');
  close(out.resumed, out.straight, 'resumed at epoch 3 from state_dict()');
  assert.match(out.errors[0] as string, /resuming at epoch 3: load_state_dict\(\) the state saved with the model/);
  assert.match(out.errors[1] as string, /this rule reads acc, but the logs have no 'accuracy': compile with metrics=\['accuracy'\] or pass acc_key=/);
});

test('RuleCallback drives a step rule per batch with the one-cycle baseline\'s rates, and resumes at initial_epoch by the clock', { skip }, () => {
  const { rule, text } = baselineRule(getBaseline('one_cycle'));
  writeFileSync(join(dir, 'cycle_mod.py'), exportRule(rule, { text }, 'py', 0.01));
  const out = runPython(`
import json, keras, cycle_mod
losses = [[1.0] * 5 for _ in range(4)]
straight = keras.Model(0.1).fit(losses, 4, [cycle_mod.RuleCallback(epochs=4)])
head = keras.Model(0.1).fit(losses, 2, [cycle_mod.RuleCallback(epochs=4)])
tail = keras.Model(0.1).fit(losses, 4, [cycle_mod.RuleCallback(lr0=0.1, epochs=4)], initial_epoch=2)
hand = cycle_mod.RuleSchedule(0.1, epochs=4, steps_per_epoch=5)
print(json.dumps({"straight": straight, "resumed": head + tail, "hand": [hand.step() for _ in range(20)]}))
`) as { straight: number[]; resumed: number[]; hand: number[] };
  close(out.straight, out.hand, 'callback vs RuleSchedule');
  close(out.resumed, out.straight, 'resumed at epoch 2');
  assert.ok(Math.max(...out.straight) > 0.09 && (out.straight.at(-1) as number) < 1e-4, `one cycle: ${out.straight.join(', ')}`);
});

test('rules reading per-minibatch losses are refused by RuleCallback, and the header says Keras is not supported', { skip }, () => {
  exportText('batch_mod', 'step: lr0 / (1 + batch_loss)', 'dlr');
  const out = runPython(`
import json, batch_mod
try:
    batch_mod.RuleCallback()
    err = "ran"
except ValueError as e:
    err = str(e)
print(json.dumps(err))
`) as string;
  assert.match(out, /this rule reads batch_loss, per-minibatch losses, which Keras' callbacks never see/);
  assert.match(exportRule(parseRule('step: lr0 / (1 + batch_loss)', 'dlr'), { text: 'x' }, 'py'), /# Keras: not supported; this rule reads batch_loss/);
});

test('EvolvedKerasOptimizer follows Keras 3\'s optimizer protocol and takes the NumPy optimizer\'s steps (Adam as rule text)', { skip }, () => {
  const { rule, text } = baselineRule(getBaseline('adam'));
  writeFileSync(join(dir, 'adam_keras.py'), exportRule(rule, { text }, 'py', 0.01));
  const out = runPython(`
import json, keras, numpy as np, adam_keras
rng = np.random.default_rng(0)
w1 = [rng.standard_normal(5).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)]
w2 = [w.copy() for w in w1]
k = adam_keras.EvolvedKerasOptimizer(learning_rate=0.01)
n = adam_keras.NumpyOptimizer(lr=0.01)
for _ in range(6):
    grads = [np.sin(3 * w) + w for w in w1]
    k.apply_gradients(zip(grads, w1))
    n.step(w2, [np.sin(3 * w) + w for w in w2])
gap = max(float(np.max(np.abs(a - b))) for a, b in zip(w1, w2))
print(json.dumps({"gap": gap, "created": k.created, "config": k.get_config(), "iterations": int(k.iterations),
                  "registered": sorted(keras.registered)}))
`) as { gap: number; created: string[]; config: Record<string, unknown>; iterations: number; registered: string[] };
  assert.ok(out.gap < 1e-6, `weights differ by ${out.gap}`);
  assert.deepEqual(out.created, ['alpha', 'alpha', 'beta', 'beta'], 'one variable per live state and weight');
  assert.deepEqual(out.config, { name: 'evolved', learning_rate: 0.01 });
  assert.equal(out.iterations, 6);
  assert.deepEqual(out.registered, ['autolr>EvolvedKerasOptimizer']);
});
