/**
 * Exported Python modules in real PyTorch (Debian's python3-torch, 1.13 on
 * bookworm, which `.ci/run` installs): schedulers against torch's own where
 * the rules coincide, optimizers against torch.optim. A test that only read
 * the generated text missed that the scheduler did not import on PyTorch 1.x.
 * Skips, saying so, where no Python here can import torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import { exportRule } from '../../src/export/targets.js';
import { parseRule } from '../../src/grammar/parser.js';
import { pythonSkipReason, pythonWith } from '../helpers/python.js';

/** The first Python that imports torch: the PATH's, or Debian's (pyenv shims may hide it). */
const INTERPRETERS = ['python3', '/usr/bin/python3'];
const PYTHON = pythonWith('torch', INTERPRETERS);
const skip = pythonSkipReason('torch', INTERPRETERS) ?? false;

const dir = mkdtempSync(join(tmpdir(), 'autolr-torch-'));
function exportModule(name: string, baseline: string, params: Record<string, unknown> = {}): void {
  const { rule, text } = baselineRule(getBaseline(baseline), params);
  writeFileSync(join(dir, `${name}.py`), exportRule(rule, { text, baseline: { name: baseline, params: {} } }, 'py', 0.01));
}

function runPython(code: string): unknown {
  const r = spawnSync(PYTHON as string, ['-c', code], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

const RATES = `
import json, torch
def rates(make, n):
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    s = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n - 1):
        opt.step()
        s.step()
        out.append(opt.param_groups[0]["lr"])
    return out
def gap(a, b):
    return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))
`;

test('exported schedulers import in real PyTorch and give torch\'s own rates where the rules coincide', { skip }, () => {
  exportModule('exp_mod', 'exponential');
  exportModule('lin_mod', 'linear_decay');
  exportModule('cos_mod', 'cosine');
  exportModule('one_mod', 'one_cycle');
  const gaps = runPython(`${RATES}
import exp_mod, lin_mod, cos_mod, one_mod
L = torch.optim.lr_scheduler
T = 3 * 7
print(json.dumps({
  "torch": torch.__version__,
  "exponential": gap(rates(lambda o: exp_mod.RuleLR(o, epochs=10), 10), rates(lambda o: L.ExponentialLR(o, 0.95), 10)),
  "linear_decay": gap(rates(lambda o: lin_mod.RuleLR(o, epochs=3, steps_per_epoch=7), T), rates(lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=T), T)),
  "cosine": gap(rates(lambda o: cos_mod.RuleLR(o, epochs=10), 10), rates(lambda o: L.CosineAnnealingLR(o, T_max=10), 10)),
  "one_cycle": gap(rates(lambda o: one_mod.RuleLR(o, epochs=4, steps_per_epoch=25), 100), rates(lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=100, pct_start=0.3, anneal_strategy="cos", cycle_momentum=False, div_factor=25, final_div_factor=1e4), 100)),
}))
`) as Record<string, number | string>;
  for (const [rule, g] of Object.entries(gaps)) if (rule !== 'torch') assert.ok((g as number) < 1e-9, `${rule}: ${g} relative (torch ${gaps.torch})`);
});

test('exported optimizers match torch.optim step for step', { skip }, () => {
  exportModule('adam_mod', 'adam');
  exportModule('momentum_mod', 'momentum');
  exportModule('rmsprop_mod', 'rmsprop');
  const gaps = runPython(`
import json, torch
import adam_mod, momentum_mod, rmsprop_mod
def gap(mine, theirs):
    torch.manual_seed(0)
    w1 = torch.nn.Parameter(torch.randn(7))
    w2 = torch.nn.Parameter(w1.detach().clone())
    o1, o2 = mine([w1]), theirs([w2])
    for _ in range(8):
        for w, o in ((w1, o1), (w2, o2)):
            o.zero_grad()
            ((w - torch.arange(7.0)) ** 2 * (1 + w.sin())).sum().backward()
            o.step()
    return (w1 - w2).abs().max().item()
print(json.dumps({
  "adam": gap(lambda p: adam_mod.EvolvedOptimizer(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
  "momentum": gap(lambda p: momentum_mod.EvolvedOptimizer(p, lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
  "rmsprop": gap(lambda p: rmsprop_mod.EvolvedOptimizer(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7)),
}))
`) as Record<string, number>;
  // float32 rounding of a differently ordered formula, over 8 steps.
  for (const [rule, g] of Object.entries(gaps)) assert.ok(g < 1e-5, `${rule}: weights differ by ${g}`);
});

test('a rule that reads epochs requires it in Python, never running on a silent 0 (issue 15, item 2)', { skip: pythonSkipReason() ?? false }, () => {
  exportModule('cos_epochs', 'cosine');
  exportModule('exp_epochs', 'exponential');
  const r = spawnSync(
    'python3',
    [
      '-c',
      `import json, cos_epochs, exp_epochs
out = {}
for name, make in (("schedule", lambda: cos_epochs.RuleSchedule(0.1)), ("keras", lambda: cos_epochs.make_schedule()(1, 0.1))):
    try:
        make()
        out[name] = "ran"
    except ValueError as e:
        out[name] = str(e)
s = cos_epochs.RuleSchedule(0.1, epochs=4)
out["given"] = [s.step(loss=1.0) for _ in range(4)]
out["not read"] = exp_epochs.RuleSchedule(0.1).step(loss=1.0)
print(json.dumps(out))`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.match(String(out.schedule), /this rule reads epochs, the run's number of epochs: pass epochs=N/);
  assert.match(String(out.keras), /this rule reads epochs: use make_schedule\(epochs=N\)/);
  const given = out.given as number[];
  assert.ok(Math.abs((given[3] as number) - 0) < 1e-12 && Math.abs((given[1] as number) - 0.05) < 1e-12, `cosine over 4 epochs: ${given.join(', ')}`);
  assert.ok(Math.abs((out['not read'] as number) - 0.095) < 1e-12, 'a rule that does not read epochs needs none');
});

/** A module of rule text (not a baseline) in the test folder. */
function exportText(name: string, text: string, variant: 'dlr' | 'alr'): void {
  writeFileSync(join(dir, `${name}.py`), exportRule(parseRule(text, variant), { text }, 'py', 0.01));
}

test('a loss-driven rule takes scheduler.step(metrics, acc=) as ReduceLROnPlateau does, and raises naming the signal when not fed (issue 15, item 2)', { skip }, () => {
  exportText('plateau_mod', 'epoch: loss < loss_prev ? lr : lr * (acc > 0.9 ? 0.1 : 0.5)', 'dlr');
  const out = runPython(`
import json, torch, warnings
import plateau_mod
warnings.simplefilter("ignore")
p = torch.nn.Parameter(torch.zeros(2))
opt = torch.optim.SGD([p], lr=0.1)
s = plateau_mod.RuleLR(opt)
rates = [opt.param_groups[0]["lr"]]
for loss, acc in ((2.0, 0.5), (1.0, 0.6), (1.5, 0.95), (1.4, 0.95)):
    opt.step()
    s.step(loss, acc=acc)
    rates.append(opt.param_groups[0]["lr"])
errors = []
for call in (lambda sch: sch.step(), lambda sch: sch.step(1.0)):
    o = torch.optim.SGD([p], lr=0.1)
    sch = plateau_mod.RuleLR(o)
    o.step()
    try:
        call(sch)
        errors.append("ran")
    except ValueError as e:
        errors.append(str(e))
print(json.dumps({"rates": rates, "errors": errors}))
`) as { rates: number[]; errors: string[] };
  // Epoch 1: loss == loss_prev (first epoch), acc 0.5 → ×0.5; epoch 2: loss fell → kept; epoch 3: rose, acc 0.95 → ×0.1; epoch 4: fell → kept.
  const want = [0.1, 0.05, 0.05, 0.005, 0.005];
  out.rates.forEach((r, i) => assert.ok(Math.abs(r - (want[i] as number)) < 1e-12, `epoch ${i}: ${out.rates.join(', ')}`));
  assert.match(out.errors[0] as string, /this rule reads loss, loss_prev, acc, but nothing fed them: call scheduler\.step\(epoch_mean_train_loss, acc=epoch_train_accuracy\)/);
  assert.match(out.errors[1] as string, /this rule reads acc: pass the epoch's training accuracy, acc=/);
});

test('scheduler state_dict() loads under torch.load(weights_only=True) and resumes to the uninterrupted rates, random draws included (issue 15, item 5)', { skip }, () => {
  exportText('resume_mod', 'epoch: lr * (loss < loss_prev ? 1.1 : 0.5) + noise(0.0001)', 'dlr');
  const out = runPython(`
import io, json, torch, warnings
import resume_mod
warnings.simplefilter("ignore")
losses = [2.0, 1.5, 1.7, 1.2, 1.1, 1.3, 0.9]
def run(split):
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    s = resume_mod.RuleLR(opt, seed=7)
    rates = []
    for e, loss in enumerate(losses):
        if e == split:
            buf = io.BytesIO()
            # Only the scheduler: torch 1.13's weights_only loader refuses torch.optim's own state_dict (its floats).
            torch.save(s.state_dict(), buf)
            buf.seek(0)
            saved = torch.load(buf, weights_only=True)
            opt = torch.optim.SGD([p], lr=float(saved["_last_lr"][0]))
            s = resume_mod.RuleLR(opt, seed=12345)
            s.load_state_dict(saved)
        opt.step()
        s.step(loss)
        rates.append(opt.param_groups[0]["lr"])
    return rates
print(json.dumps({"straight": run(-1), "resumed": run(4), "torch": torch.__version__}))
`) as { straight: number[]; resumed: number[]; torch: string };
  assert.deepEqual(out.resumed, out.straight, `torch ${out.torch}`);
});

test('rules that ignore lr warn (UserWarning) when their scheduler or optimizer is built; rules that use it do not (issue 15, item 3)', { skip }, () => {
  exportText('const_mod', 'step: 0.003958693651093116', 'dlr');
  exportText('uses_mod', 'epoch: lr0 * 0.5', 'dlr');
  exportModule('ades_mod', 'ades');
  exportModule('sgd_mod', 'sgd');
  const out = runPython(`
import json, torch, warnings
import const_mod, uses_mod, ades_mod, sgd_mod
p = torch.nn.Parameter(torch.zeros(2))
def warned(make):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        make()
    return [str(x.message) for x in w if issubclass(x.category, UserWarning) and "lr" in str(x.message)]
print(json.dumps({
  "const": warned(lambda: const_mod.RuleLR(torch.optim.SGD([p], lr=0.1))),
  "const_hand": warned(lambda: const_mod.RuleSchedule(0.1)),
  "uses": warned(lambda: uses_mod.RuleLR(torch.optim.SGD([p], lr=0.1))),
  "ades": warned(lambda: ades_mod.EvolvedOptimizer([p], lr=0.1)),
  "ades_numpy": warned(lambda: ades_mod.NumpyOptimizer(lr=0.1)),
  "sgd": warned(lambda: sgd_mod.EvolvedOptimizer([p], lr=0.1)),
}))
`) as Record<string, string[]>;
  assert.match(out.const?.[0] ?? '', /this rule ignores lr: lr=, --lr0 and the optimizer's starting rate have no effect/);
  assert.equal(out.const_hand?.length, 1);
  assert.match(out.ades?.[0] ?? '', /this rule ignores lr: lr=, --lr0 and schedulers have no effect; its step size is fixed by the rule/);
  assert.equal(out.ades_numpy?.length, 1);
  assert.deepEqual([out.uses, out.sgd], [[], []]);
});

test('exported optimizers take torch.optim\'s hyperparameter keywords: non-default betas, eps, momentum and alpha match torch.optim with the same values, per param group too, and bad values are refused in torch\'s words (issue 15, item 5)', { skip }, () => {
  exportModule('adam_h', 'adam');
  exportModule('momentum_h', 'momentum');
  exportModule('rmsprop_h', 'rmsprop');
  exportText('evolved_h', 'alpha: 0.9 * alpha + grad; update: lr * alpha', 'alr');
  const out = runPython(`
import inspect, json, torch, numpy as np
import adam_h, momentum_h, rmsprop_h, evolved_h
def loss(w):
    return ((w - torch.arange(7.0)) ** 2 * (1 + w.sin())).sum()
def gap(mine, theirs, split=False):
    torch.manual_seed(0)
    w1 = [torch.nn.Parameter(torch.randn(7)) for _ in range(2)]
    w2 = [torch.nn.Parameter(w.detach().clone()) for w in w1]
    o1, o2 = mine(w1), theirs(w2)
    for _ in range(8):
        for ws, o in ((w1, o1), (w2, o2)):
            o.zero_grad()
            (loss(ws[0]) + 2 * loss(ws[1])).backward()
            o.step()
    return max((a - b).abs().max().item() for a, b in zip(w1, w2))
def groups(ws, **second):
    return [{"params": [ws[0]]}, dict(params=[ws[1]], **second)]
def numpy_gap():
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(7))
    w_np = w.detach().numpy().copy()
    t = torch.optim.Adam([w], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    n = adam_h.NumpyOptimizer(lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(8):
        t.zero_grad()
        loss(w).backward()
        t.step()
        wt = torch.tensor(w_np, requires_grad=True)
        loss(wt).backward()
        n.step([w_np], [wt.grad.numpy()])
    return float(np.max(np.abs(w.detach().numpy() - w_np)))
def refused(make):
    try:
        make()
        return "accepted"
    except (ValueError, TypeError) as e:
        return type(e).__name__ + ": " + str(e)
p = [torch.nn.Parameter(torch.zeros(2))]
print(json.dumps({
  "gaps": {
    "adam": gap(lambda w: adam_h.EvolvedOptimizer(w, lr=0.01, betas=(0.8, 0.99), eps=1e-6), lambda w: torch.optim.Adam(w, lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    "momentum": gap(lambda w: momentum_h.EvolvedOptimizer(w, lr=0.01, momentum=0.5), lambda w: torch.optim.SGD(w, lr=0.01, momentum=0.5)),
    "rmsprop": gap(lambda w: rmsprop_h.EvolvedOptimizer(w, lr=0.01, alpha=0.8, eps=1e-6), lambda w: torch.optim.RMSprop(w, lr=0.01, alpha=0.8, eps=1e-6)),
    "adam groups": gap(lambda w: adam_h.EvolvedOptimizer(groups(w, betas=(0.5, 0.9)), lr=0.01), lambda w: torch.optim.Adam(groups(w, betas=(0.5, 0.9)), lr=0.01, eps=1e-8)),
    "numpy adam": numpy_gap(),
  },
  "defaults": [adam_h.EvolvedOptimizer(p).defaults, momentum_h.EvolvedOptimizer(p).defaults, rmsprop_h.EvolvedOptimizer(p).defaults],
  "refused": [
    refused(lambda: adam_h.EvolvedOptimizer(p, betas=(1.0, 0.999))),
    refused(lambda: adam_h.EvolvedOptimizer(p, betas=(0.9, -0.1))),
    refused(lambda: adam_h.EvolvedOptimizer(p, betas=0.9)),
    refused(lambda: adam_h.EvolvedOptimizer(p, eps=0.0)),
    refused(lambda: momentum_h.EvolvedOptimizer(p, momentum=float("nan"))),
    refused(lambda: adam_h.EvolvedOptimizer(p, momentum=0.9)),
    refused(lambda: adam_h.NumpyOptimizer(eps=-1.0)),
    refused(lambda: adam_h.EvolvedOptimizer([{"params": p, "betas": (0.9, 2.0)}]).step()),
    refused(lambda: evolved_h.EvolvedOptimizer(p, momentum=0.5)),
  ],
  "docs": [adam_h.EvolvedOptimizer.__doc__, evolved_h.EvolvedOptimizer.__doc__],
  "signatures": [str(inspect.signature(c)) for c in (adam_h.EvolvedOptimizer, adam_h.NumpyOptimizer, momentum_h.EvolvedOptimizer, evolved_h.EvolvedOptimizer)],
}))
`) as { gaps: Record<string, number>; defaults: Array<Record<string, unknown>>; refused: string[]; docs: string[]; signatures: string[] };
  // float32 rounding of a differently ordered formula, over 8 steps.
  for (const [rule, g] of Object.entries(out.gaps)) assert.ok(g < 1e-5, `${rule}: weights differ by ${g}`);
  // The defaults are the exported values, in torch's shapes, in every param group.
  assert.deepEqual(out.defaults, [
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8 },
    { lr: 0.01, momentum: 0.9 },
    { lr: 0.01, alpha: 0.9, eps: 1e-7 },
  ]);
  const want = [
    /^ValueError: Invalid beta parameter at index 0: 1\.0 \(a finite number >= 0\.0 and < 1\.0\)$/,
    /^ValueError: Invalid beta parameter at index 1: -0\.1 /,
    /^ValueError: Invalid betas: expected 2 numbers, not 0\.9$/,
    /^ValueError: Invalid epsilon value: 0\.0 \(a finite number > 0\.0\)$/,
    /^ValueError: Invalid momentum value: nan /,
    /^TypeError: EvolvedOptimizer\(\) got an unexpected keyword argument 'momentum' \(this rule's hyperparameters: betas, eps\)$/,
    /^ValueError: Invalid epsilon value: -1\.0 /,
    /^ValueError: Invalid beta parameter at index 1: 2\.0 /,
    /^TypeError: EvolvedOptimizer\(\) got an unexpected keyword argument 'momentum' \(this rule's hyperparameters: none: its constants are fixed\)$/,
  ];
  want.forEach((re, i) => assert.match(out.refused[i] as string, re));
  assert.match(out.docs[0] as string, /EvolvedOptimizer\(params, lr=0\.01, betas=\(0\.9, 0\.999\), eps=1e-8\)/);
  assert.match(out.docs[1] as string, /Hyperparameters: none; the rule's constants are fixed by the search/);
  // help() and inspect show the keywords a torch user types, not **hyperparameters.
  assert.deepEqual(out.signatures, [
    '(params, lr=0.01, *, betas=(0.9, 0.999), eps=1e-08)',
    '(lr=0.01, *, betas=(0.9, 0.999), eps=1e-08)',
    '(params, lr=0.01, *, momentum=0.9)',
    '(params, lr=0.01)',
  ]);
});
