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

/** The first Python that imports torch: the PATH's, or Debian's (pyenv shims may hide it). */
const PYTHON = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
const skip = PYTHON === undefined ? 'no python3 here imports torch (apt-get install python3-torch)' : false;

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

test('a rule that reads epochs requires it in Python, never running on a silent 0 (issue 15, item 2)', { skip: spawnSync('python3', ['--version']).status === 0 ? false : 'python3 absent' }, () => {
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
