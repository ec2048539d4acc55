/**
 * Backend selection: the 'auto' ladder and explicit choices with a fake
 * package loader (the native packages are not installed here), and real
 * initialisation of wasm and cpu.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, resolveBackend, type PackageLoader } from '../../src/evaluator/backend.js';

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';

/**
 * A loader that "has" the given packages. Loading a native one registers a
 * 'tensorflow' backend factory, as the real packages do on import; the
 * factory is never called by resolution.
 */
function fakeLoader(present: readonly string[]): { load: PackageLoader; asked: string[] } {
  const asked: string[] = [];
  const load: PackageLoader = async (pkg) => {
    asked.push(pkg);
    if (!present.includes(pkg)) {
      const e = new Error(`Cannot find package '${pkg}' imported from backend.ts`) as Error & { code: string };
      e.code = 'ERR_MODULE_NOT_FOUND';
      throw e;
    }
    if (pkg === NODE || pkg === NODE_GPU) {
      if (tf.findBackendFactory('tensorflow') == null) {
        tf.registerBackend('tensorflow', () => {
          throw new Error('fake native backend');
        });
      }
    }
    if (pkg === WASM) await import(WASM);
    return {};
  };
  return { load, asked };
}

function forgetFakeNative(): void {
  if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
}

describe('resolveBackend (fake loader)', () => {
  after(forgetFakeNative);

  it('auto takes tfjs-node-gpu when it is installed', async () => {
    forgetFakeNative();
    const { load, asked } = fakeLoader([NODE_GPU, NODE, WASM]);
    const r = await resolveBackend('auto', load);
    assert.deepEqual([r.choice, r.name, r.package], ['tfjs-node-gpu', 'tensorflow', NODE_GPU]);
    assert.deepEqual(asked, [NODE_GPU]);
  });

  it('auto takes tfjs-node when only it is installed', async () => {
    forgetFakeNative();
    const { load, asked } = fakeLoader([NODE, WASM]);
    const r = await resolveBackend('auto', load);
    assert.deepEqual([r.choice, r.name, r.package], ['tfjs-node', 'tensorflow', NODE]);
    assert.deepEqual(asked, [NODE_GPU, NODE]);
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0]!.reason, /Cannot find package/);
  });

  it('auto falls to wasm when no native package is installed', async () => {
    forgetFakeNative();
    const { load, asked } = fakeLoader([WASM]);
    const r = await resolveBackend('auto', load);
    assert.deepEqual([r.choice, r.name, r.package], ['wasm', 'wasm', WASM]);
    assert.deepEqual(asked, [NODE_GPU, NODE, WASM]);
    assert.deepEqual(
      r.skipped.map((s) => s.package),
      [NODE_GPU, NODE],
    );
  });

  it('auto falls to cpu when not even wasm loads', async () => {
    forgetFakeNative();
    const { load } = fakeLoader([]);
    const r = await resolveBackend('auto', load);
    assert.deepEqual([r.choice, r.name], ['cpu', 'cpu']);
  });

  it('a native package that loads but registers no backend in our tfjs is skipped', async () => {
    forgetFakeNative();
    const load: PackageLoader = async (pkg) => {
      if (pkg === WASM) return import(WASM);
      return {};
    };
    const r = await resolveBackend('auto', load);
    assert.equal(r.choice, 'wasm');
    assert.match(r.skipped[0]!.reason, /registered no 'tensorflow' backend/);
  });

  it('an explicit tfjs-node that is missing throws with the install command', async () => {
    forgetFakeNative();
    const { load } = fakeLoader([WASM]);
    await assert.rejects(resolveBackend('tfjs-node', load), (e: Error) => {
      assert.match(e.message, /backend 'tfjs-node' is not available/);
      assert.match(e.message, /npm install @tensorflow\/tfjs-node\b/);
      return true;
    });
  });

  it('an explicit tfjs-node-gpu that is missing names its own package', async () => {
    forgetFakeNative();
    const { load } = fakeLoader([NODE, WASM]);
    await assert.rejects(resolveBackend('tfjs-node-gpu', load), /npm install @tensorflow\/tfjs-node-gpu/);
  });

  it('explicit wasm and cpu resolve without the ladder', async () => {
    const { load, asked } = fakeLoader([WASM]);
    assert.equal((await resolveBackend('wasm', load)).name, 'wasm');
    assert.equal((await resolveBackend('cpu', load)).name, 'cpu');
    assert.deepEqual(asked, [WASM]);
  });

  it('refuses an unknown choice', async () => {
    await assert.rejects(resolveBackend('webgpu' as never), /unknown backend 'webgpu'/);
  });
});

describe('initBackend (real)', () => {
  before(forgetFakeNative);

  it('initialises wasm with our kernels', async () => {
    const info = await initBackend('wasm');
    assert.equal(info.choice, 'wasm');
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(info.package, WASM);
    for (const k of ['Conv2DBackpropFilter', 'MaxPoolGrad', 'OneHot', 'Conv3DBackpropFilterV2', 'BatchMatMul', 'Conv2DBackpropInput']) {
      assert.ok(info.kernels.includes(k), k);
    }
    assert.ok(tf.env().getBool('PROD'));
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true).dataSync());
    assert.deepEqual(Array.from(y), [3, 3, 3, 3]);
  });

  it('is idempotent and cheap on a repeated call', async () => {
    const first = await initBackend('wasm');
    const t0 = performance.now();
    const again = await initBackend('wasm');
    assert.ok(performance.now() - t0 < 50);
    assert.equal(again, first);
  });

  it('overlapping calls settle on one consistent backend', async () => {
    const [a, b] = await Promise.all([initBackend('cpu'), initBackend('wasm')]);
    assert.equal(a.name, 'cpu');
    assert.equal(b.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('fastKernels: false registers only the fixes', async () => {
    const info = await initBackend('wasm', { fastKernels: false });
    assert.deepEqual(
      [...info.kernels].sort(),
      [
        'BatchMatMul',
        'Conv2DBackpropFilter',
        'Conv3DBackpropFilterV2',
        'Conv3DBackpropInputV2',
        'MaxPool3D',
        'MaxPool3DGrad',
        'MaxPoolGrad',
        'OneHot',
      ],
    );
    const fast = await initBackend('wasm');
    assert.ok(fast.kernels.includes('Conv2DBackpropInput'));
  });

  it('initialises cpu, without kernels', async () => {
    const info = await initBackend('cpu');
    assert.deepEqual([info.choice, info.name, info.package, info.kernels], ['cpu', 'cpu', '@tensorflow/tfjs-backend-cpu', []]);
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('re-selects when something else switched the backend in between', async () => {
    await initBackend('wasm');
    await tf.setBackend('cpu');
    const info = await initBackend('wasm');
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('auto picks wasm here (no native package installed)', async () => {
    const info = await initBackend('auto');
    assert.equal(info.choice, 'auto');
    assert.equal(info.name, 'wasm');
  });

  it('an explicit tfjs-node that is not installed rejects with how to install it', async () => {
    await assert.rejects(initBackend('tfjs-node'), /npm install @tensorflow\/tfjs-node\b/);
    // The failed call leaves the engine usable.
    assert.equal((await initBackend('wasm')).name, 'wasm');
  });
});
