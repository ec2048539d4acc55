import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

test('autolr eval runs one fitness run and prints scores and per-epoch curves', async () => {
  const r = await cli('eval', '--rule', 'dlrs', '--task', 'synthetic', '--backend', 'wasm');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /task: +synthetic, cheap fidelity, seed 0, backend wasm/);
  assert.match(r.out, /score: +0\.\d+/);
  assert.match(r.out, /\(on adam\)/, 'DLRS runs on its paper\'s base optimizer');
  assert.match(r.out, /epoch +loss +acc +lr\n0 +/);
});

test('autolr eval --json gives the whole result; rule text and adaptive rules work', async () => {
  const r = await cli('eval', '--rule', 'epoch: lr0 * 0.5', '--task', 'synthetic', '--optimizer', 'sgd', '--lr0', '0.2', '--seed', '4', '--json', '--backend', 'wasm');
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(r.out);
  assert.equal(result.optimizer, 'sgd');
  assert.equal(result.seed, 4);
  assert.deepEqual(result.curves.lr, [0.2, 0.1, 0.1]);
  const alr = JSON.parse((await cli('eval', '--rule', 'alpha: 0.9 * alpha + grad; update: lr * alpha', '--task', 'synthetic', '--json', '--backend', 'wasm')).out);
  assert.equal(alr.optimizer, undefined);
  assert.ok(alr.score > 0);
});

test('autolr eval reports a stopped run with its reason', async () => {
  const r = await cli('eval', '--rule', 'epoch: -lr', '--task', 'synthetic', '--backend', 'wasm');
  assert.equal(r.code, 0);
  assert.match(r.out, /stopped: +lr-not-positive at epoch 1/);
  assert.match(r.out, /score: +0 +\(floor: stopped early\)/);
});

test('autolr eval refuses bad input with exit code 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--rule', 'dlrs', '--task', 'imagenet'], /unknown task "imagenet"; known tasks: synthetic, helmholtz-250/],
    [['--rule', 'lr +', '--task', 'synthetic'], /syntax error/],
    [['--rule', 'dlrs', '--task', 'synthetic', '--fidelity', 'medium'], /--fidelity must be one of cheap, full/],
    [['--rule', 'dlrs', '--task', 'synthetic', '--lr0', '-1'], /--lr0 must be a positive number/],
    [['--rule', 'dlrs', '--task', 'synthetic', '--backend', 'tpu'], /--backend must be one of auto, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu/],
    [['--rule', 'dlrs', '--task', 'synthetic', '--backend', 'tfjs-node'], /npm install @tensorflow\/tfjs-node/],
    [['--rule', 'dlrs', '--task', 'cifar10-mlp'], /needs --data-dir/],
  ];
  for (const [args, message] of cases) {
    const r = await cli('eval', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, message);
  }
});

test('a missing Fashion-MNIST says how to get it', async () => {
  // An empty folder stands in for a machine without the Debian package (the test must not depend on which this is).
  const empty = mkdtempSync(join(tmpdir(), 'autolr-no-fashion-'));
  const r = await cli('eval', '--rule', 'dlrs', '--task', 'fashion-mnist-mlp', '--backend', 'wasm', '--data-dir', empty);
  assert.equal(r.code, 2);
  assert.match(r.err, /apt-get install dataset-fashion-mnist/);
});
