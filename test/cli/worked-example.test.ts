/**
 * The README's worked example, end to end: evolve → hof → export → train with
 * the exported module in a plain tfjs script (examples/train-mnist-with-rule.mjs).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cli } from '../helpers/cli.js';

// Exported optimizers import '@tensorflow/tfjs': they are written where the project's node_modules resolve.
mkdirSync(resolve('node_modules/.cache'), { recursive: true });
const work = mkdtempSync(resolve('node_modules/.cache/autolr-worked-example-'));
after(() => rmSync(work, { recursive: true, force: true }));

function trainWith(module: string): { status: number | null; out: string; err: string } {
  assert.ok(existsSync(resolve('dist/tasks/datasets/mnist.js')), 'dist/ is built by npm install (npm run build)');
  const r = spawnSync(process.execPath, ['examples/train-mnist-with-rule.mjs', module, '--epochs', '2', '--samples', '1000'], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function testAccuracy(out: string): number {
  const m = /test accuracy \(2000 images\): (\d\.\d+)/.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

test('worked example: evolve a schedule, read the hall of fame, export it, train MNIST with it in tfjs', async () => {
  const config = join(work, 'campaign.json');
  writeFileSync(config, JSON.stringify({ tasks: ['synthetic'], population: 5, generations: 2, seeds: ['constant', 'exponential', 'aldvi'], finalSeeds: 1 }));
  const evolved = await cli('evolve', '--config', config, '--workers', '0', '--backend', 'wasm', '--runs', work, '--name', 'example');
  assert.equal(evolved.code, 0, evolved.err);
  const hof = await cli('hof', join(work, 'example'), '--top', '3');
  assert.equal(hof.code, 0, hof.err);
  assert.match(hof.out, /^.*rank.*rule \(simplified\)/m);

  const module = join(work, 'best-schedule.js');
  const exported = await cli('export', join(work, 'example'), '--rank', '1', '--format', 'js', '-o', module);
  assert.equal(exported.code, 0, exported.err);
  const best = JSON.parse(readFileSync(join(work, 'example', 'hof.json'), 'utf8')).hallOfFame[0].text as string;

  const r = trainWith(module);
  assert.equal(r.status, 0, r.err);
  assert.ok(r.out.includes(`rule: ${best}`), 'the script trains with the campaign\'s best rule');
  assert.match(r.out, /epoch 1: lr [\d.e+-]+, loss [\d.]+, accuracy [\d.]+\nepoch 2: lr /);
  // A rule evolved in two generations on the synthetic task may well be poor on MNIST: only the run is checked.
  const accuracy = testAccuracy(r.out);
  assert.ok(accuracy >= 0 && accuracy <= 1, r.out);
});

test('worked example: an exported optimizer (alr) trains the same script', async () => {
  const module = join(work, 'optimizer.js');
  const exported = await cli('export', '--rule', 'rmsprop', '--format', 'js', '-o', module);
  assert.equal(exported.code, 0, exported.err);
  const r = trainWith(module);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /rule: alpha: 0\.9 \* alpha/);
  assert.ok(testAccuracy(r.out) > 0.5, r.out);
});
