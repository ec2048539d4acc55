import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'autolr-trace-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const epochs = file('epochs.json', {
  granularity: 'epoch',
  lr0: 0.01,
  records: [{ batch_losses: [1.0, 0.8, 0.6], acc: 0.5 }, { batch_losses: [0.5, 0.55, 0.6], acc: 0.6 }, { batch_losses: [0.2, 0.3, 1.0], acc: 0.62 }],
});
const steps = file('steps.json', {
  granularity: 'step',
  lr0: 0.1,
  steps_per_epoch: 2,
  records: [{ batch_loss: 1, dloss: -0.1 }, { batch_loss: 0.9, dloss: 0.05 }, { batch_loss: 0.95, dloss: 0.5 }, { batch_loss: 0.8, dloss: 0.01 }],
});

test('autolr trace replays a baseline and prints one rate per record', async () => {
  const r = await cli('trace', '--rule', 'dlrs', '--signals', epochs, '--json');
  assert.equal(r.code, 0, r.err);
  const rates = JSON.parse(r.out) as number[];
  assert.equal(rates.length, 3);
  assert.ok(Math.abs((rates[0] as number) - 0.0105) < 1e-15);
  const table = await cli('trace', '--rule', 'dlrs', '--signals', epochs);
  assert.match(table.out, /record +epoch +step +lr/);
  assert.match(table.out, /0 +1 +1 +0\.0105\n/);
});

test('autolr trace: the rule text and the hand-coded baseline agree, decisions included', async () => {
  const rule = JSON.parse((await cli('trace', '--rule', 'sgd_sa', '--signals', steps, '--seed', '5', '--json')).out);
  const hand = JSON.parse((await cli('trace', '--rule', 'sgd_sa', '--signals', steps, '--seed', '5', '--json', '--hand-coded')).out);
  assert.equal(rule.length, 4);
  assert.deepEqual(rule.map((p: { accepted: boolean }) => p.accepted), hand.map((p: { accepted: boolean }) => p.accepted));
  assert.deepEqual(rule.map((p: { lr: number }) => p.lr), hand.map((p: { lr: number }) => p.lr));
  const table = await cli('trace', '--rule', 'sgd_sa', '--signals', steps, '--seed', '5');
  assert.match(table.out, /acceptance rate per epoch:\nepoch +tried +kept +rate\n0 +2 /);
});

test('autolr trace takes rule text and baseline parameters', async () => {
  const text = await cli('trace', '--rule', 'epoch: lr * (acc > acc_prev ? 2 : 0.5)', '--signals', epochs, '--json');
  // acc_prev equals acc at the first record (no earlier epoch), so the first rate halves.
  assert.deepEqual(JSON.parse(text.out), [0.005, 0.01, 0.02]);
  const clr = await cli('trace', '--rule', 'clr_triangular', '--params', '{"step_size": 2, "base_lr": 0.1, "max_lr": 0.5}', '--signals', steps, '--json');
  assert.equal(clr.code, 0, clr.err);
  const rates = JSON.parse(clr.out).map((p: number | { lr: number }) => (typeof p === 'number' ? p : p.lr));
  assert.deepEqual(rates.map((x: number) => Number(x.toFixed(12))), [0.1, 0.3, 0.5, 0.3]);
});

test('autolr trace refuses bad input with exit code 2 and a message naming the problem', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--rule', 'dlrs', '--signals', join(dir, 'missing.json')], /cannot read the signals file .*no such file/],
    [['--rule', 'dlrs', '--signals', file('bad.json', '{ "granularity": ')], /is not valid JSON/],
    [['--rule', 'dlrs', '--signals', file('nolr.json', { granularity: 'epoch', records: [{}] })], /"lr0" must be a positive number/],
    [['--rule', 'dlrs', '--signals', file('typo.json', { granularity: 'epoch', lr0: 0.1, records: [{ acc: 0.5, los: 1 }] })], /records\[0\] has an unknown field "los"/],
    [['--rule', 'dlrs', '--signals', file('nan.json', '{"granularity":"epoch","lr0":0.1,"records":[{"acc":"x"}]}')], /records\[0\]\.acc must be a finite number/],
    [['--rule', 'dlrs', '--signals', steps], /a per-epoch rule needs a "epoch" trace, not "step"/],
    [['--rule', 'sgd_sa', '--signals', file('nodloss.json', { granularity: 'step', lr0: 0.1, records: [{ batch_loss: 1 }] })], /records\[0\] needs "dloss"/],
    [['--rule', 'clr_triangular', '--params', '{"step_size": -1}', '--signals', steps], /step_size must be at least 0, not -1/],
    [['--rule', 'clr_triangular', '--params', 'step_size=3', '--signals', steps], /--params is not valid JSON/],
    [['--rule', 'lr * 2', '--params', '{}', '--signals', epochs], /--params applies to a baseline name/],
    [['--rule', 'adam', '--signals', epochs], /adaptive optimizer; trace replays schedule/],
    [['--rule', 'dlsr', '--signals', epochs], /neither rule text nor a baseline: unknown baseline "dlsr"\. Did you mean "dlrs"/],
    [['--rule', 'lr * 2', '--hand-coded', '--signals', epochs], /--hand-coded needs the name of a schedule baseline/],
  ];
  for (const [args, message] of cases) {
    const r = await cli('trace', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, message);
  }
});

test('autolr list baselines and grammars', async () => {
  const all = await cli('list', 'baselines');
  assert.equal(all.code, 0);
  for (const name of ['dlrs', 'aldvi', 'sgd_sa', 'clr_modified_triangular2', 'adam', 'ades', 'sign']) assert.match(all.out, new RegExp(`^${name} `, 'm'));
  const alr = JSON.parse((await cli('list', 'baselines', '--variant', 'alr', '--json')).out) as Array<{ name: string; rule: string }>;
  assert.deepEqual(alr.map((b) => b.name), ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop', 'adagrad', 'ades', 'sign']);
  assert.match(alr.find((b) => b.name === 'ades')?.rule ?? '', /^alpha: alpha - \(1 - 0\.8762\)/);
  const rules = await cli('list', 'baselines', '--variant', 'dlr', '--rules');
  assert.match(rules.out, /dlrs: Per epoch, moves the rate/);
  const grammars = await cli('list', 'grammars');
  assert.match(grammars.out, /^dlr +dlr +24 +6/m);
  assert.match(grammars.out, /^dlr-relative +dlr +yes +24 +6/m);
  const listed = JSON.parse((await cli('list', 'grammars', '--json')).out) as Array<{ name: string; variant: string; default: boolean }>;
  assert.deepEqual(listed.filter((g) => g.default).map((g) => [g.variant, g.name]).sort(), [['alr', 'alr-relative'], ['dlr', 'dlr-relative']]);
  assert.equal((await cli('list', 'nothing')).code, 2);
});
