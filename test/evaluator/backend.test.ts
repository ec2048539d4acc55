/**
 * Backend selection: the 'auto' ladder and explicit choices with a fake
 * package loader (the native packages are not installed here), and real
 * initialisation of wasm and cpu.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend, resolveBackend, type PackageLoader } from '../../src/evaluator/backend.js';
import { gpuDeviceNodesPresent } from '../../src/evaluator/webgpu.js';

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const WEBGPU = 'webgpu';
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/** What a fake `webgpu` package's adapter reports: a GPU, lavapipe, or no adapter at all. */
const NVIDIA = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false };
const LAVAPIPE = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true };

/** A fake `webgpu` package (Dawn) whose one adapter reports `info`, or none. Each call is a new module instance. */
function fakeDawn(info: Record<string, unknown> | null): unknown {
  return { globals: {}, create: () => ({ requestAdapter: async () => (info === null ? null : { info }) }) };
}

let fakeWebGpuRegistered = false;

/** For 'auto' in the webgpu cases: this machine "has" a GPU device node, so the ladder asks (fake) Dawn. */
const GPU_NODE = (): boolean => true;

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

/** `fakeLoader`, plus the two webgpu packages: Dawn with the given adapter, and a tfjs backend that registers a fake 'webgpu'. */
function webgpuLoader(present: readonly string[], adapter: Record<string, unknown> | null): { load: PackageLoader; asked: string[] } {
  const inner = fakeLoader(present);
  const load: PackageLoader = async (pkg) => {
    if (pkg === WEBGPU) {
      inner.asked.push(pkg);
      return fakeDawn(adapter);
    }
    if (pkg === TFJS_WEBGPU) {
      inner.asked.push(pkg);
      if (tf.findBackendFactory('webgpu') == null) {
        tf.registerBackend('webgpu', () => {
          throw new Error('fake webgpu backend');
        });
        fakeWebGpuRegistered = true;
      }
      return {};
    }
    return inner.load(pkg);
  };
  return { load, asked: inner.asked };
}

function forgetFakeNative(): void {
  if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  if (fakeWebGpuRegistered) tf.removeBackend('webgpu');
  fakeWebGpuRegistered = false;
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
    const r = await resolveBackend('auto', load, GPU_NODE);
    assert.deepEqual([r.choice, r.name, r.package], ['tfjs-node', 'tensorflow', NODE]);
    assert.deepEqual(asked, [NODE_GPU, WEBGPU, NODE]);
    assert.equal(r.skipped.length, 2);
    assert.match(r.skipped[0]!.reason, /Cannot find package/);
  });

  it('auto falls to wasm when no native package is installed', async () => {
    forgetFakeNative();
    const { load, asked } = fakeLoader([WASM]);
    const r = await resolveBackend('auto', load, GPU_NODE);
    assert.deepEqual([r.choice, r.name, r.package], ['wasm', 'wasm', WASM]);
    assert.deepEqual(asked, [NODE_GPU, WEBGPU, NODE, WASM]);
    assert.deepEqual(
      r.skipped.map((s) => s.package),
      [NODE_GPU, TFJS_WEBGPU, NODE],
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

  it('auto takes webgpu, and records the adapter, when Dawn finds a GPU and tfjs-node-gpu is missing', async () => {
    forgetFakeNative();
    const { load, asked } = webgpuLoader([NODE, WASM], NVIDIA);
    const r = await resolveBackend('auto', load, GPU_NODE);
    assert.deepEqual([r.choice, r.name, r.package], ['webgpu', 'webgpu', TFJS_WEBGPU]);
    assert.deepEqual(asked, [NODE_GPU, WEBGPU, TFJS_WEBGPU]);
    assert.deepEqual(r.adapter, { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3', software: false });
  });

  it('auto still prefers tfjs-node-gpu to webgpu', async () => {
    forgetFakeNative();
    const { load, asked } = webgpuLoader([NODE_GPU, WASM], NVIDIA);
    assert.equal((await resolveBackend('auto', load, GPU_NODE)).choice, 'tfjs-node-gpu');
    assert.deepEqual(asked, [NODE_GPU]);
  });

  it('auto passes over a software adapter (lavapipe) without importing the tfjs webgpu backend', async () => {
    forgetFakeNative();
    const { load, asked } = webgpuLoader([WASM], LAVAPIPE);
    const r = await resolveBackend('auto', load, GPU_NODE);
    assert.equal(r.choice, 'wasm');
    assert.ok(!asked.includes(TFJS_WEBGPU));
    assert.match(r.skipped.find((s) => s.package === TFJS_WEBGPU)?.reason ?? '', /software rasterizer, mesa software \(llvmpipe: Mesa 25\.0\.7\)/);
  });

  it('a software adapter is recognised by its name too, when the driver does not flag it', async () => {
    forgetFakeNative();
    const { load } = webgpuLoader([WASM], { vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: '' });
    assert.equal((await resolveBackend('auto', load, GPU_NODE)).choice, 'wasm');
  });

  it('auto passes over webgpu when Dawn finds no adapter', async () => {
    forgetFakeNative();
    const { load } = webgpuLoader([WASM], null);
    const r = await resolveBackend('auto', load, GPU_NODE);
    assert.equal(r.choice, 'wasm');
    assert.match(r.skipped.find((s) => s.package === TFJS_WEBGPU)?.reason ?? '', /no WebGPU adapter/);
  });

  it('auto does not even load Dawn on a machine without a GPU device node', async () => {
    forgetFakeNative();
    const { load, asked } = webgpuLoader([WASM], NVIDIA);
    const r = await resolveBackend('auto', load, () => false);
    assert.equal(r.choice, 'wasm');
    assert.ok(!asked.includes(WEBGPU));
    assert.match(r.skipped.find((s) => s.package === TFJS_WEBGPU)?.reason ?? '', /no GPU device node/);
  });

  it('GPU device nodes: render nodes, NVIDIA, WSL2; none means no GPU on Linux; other systems ask Dawn', () => {
    const dev = (entries: Record<string, string[]>) => (dir: string) => {
      const e = entries[dir];
      if (e === undefined) throw new Error(`ENOENT ${dir}`);
      return e;
    };
    assert.equal(gpuDeviceNodesPresent('linux', dev({ '/dev': ['null', 'dri'], '/dev/dri': ['card0', 'renderD128'] })), true);
    assert.equal(gpuDeviceNodesPresent('linux', dev({ '/dev': ['null', 'nvidia0', 'nvidiactl'] })), true);
    assert.equal(gpuDeviceNodesPresent('linux', dev({ '/dev': ['dxg'] })), true);
    assert.equal(gpuDeviceNodesPresent('linux', dev({ '/dev': ['null', 'nvidiactl', 'dri'], '/dev/dri': ['card0'] })), false);
    assert.equal(gpuDeviceNodesPresent('linux', dev({ '/dev': ['null'] })), false);
    assert.equal(gpuDeviceNodesPresent('darwin', dev({})), true);
  });

  it('an explicit webgpu takes a software adapter (how CI runs it)', async () => {
    forgetFakeNative();
    const { load } = webgpuLoader([WASM], LAVAPIPE);
    const r = await resolveBackend('webgpu', load);
    assert.deepEqual([r.choice, r.name], ['webgpu', 'webgpu']);
    assert.equal(r.adapter?.software, true);
  });

  it('an explicit webgpu with no adapter says how to install lavapipe', async () => {
    forgetFakeNative();
    const { load } = webgpuLoader([WASM], null);
    await assert.rejects(resolveBackend('webgpu', load), (e: Error) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.match(e.message, /backend 'webgpu' is not available: Dawn found no WebGPU adapter/);
      assert.match(e.message, /bookworm-backports/);
      assert.match(e.message, /apt-get install -t bookworm-backports mesa-vulkan-drivers libdrm2 libvulkan1/);
      assert.match(e.message, /VK_ICD_FILENAMES/);
      return true;
    });
  });

  it('an explicit webgpu whose packages are missing names them', async () => {
    forgetFakeNative();
    const { load } = fakeLoader([WASM]);
    await assert.rejects(resolveBackend('webgpu', load), (e: Error) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.match(e.message, /Cannot find package 'webgpu'/);
      assert.match(e.message, /npm install webgpu @tensorflow\/tfjs-backend-webgpu@4\.22\.0/);
      return true;
    });
  });

  it('a tfjs webgpu backend that registered nothing (imported before navigator.gpu was set) is named as such', async () => {
    forgetFakeNative();
    const load: PackageLoader = async (pkg) => (pkg === WEBGPU ? fakeDawn(NVIDIA) : {});
    await assert.rejects(resolveBackend('webgpu', load), /registered no 'webgpu' backend.*before navigator\.gpu is set/);
  });

  it('refuses an unknown choice', async () => {
    await assert.rejects(resolveBackend('tpu' as never), /unknown backend 'tpu'/);
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

  it('auto picks wasm here (no native package installed, no GPU: lavapipe, if installed, is passed over)', async () => {
    const info = await initBackend('auto');
    assert.equal(info.choice, 'auto');
    if (info.name === 'webgpu') assert.equal(info.adapter?.software, false, 'auto must never pick a software adapter');
    else assert.equal(info.name, 'wasm');
  });

  it('an explicit tfjs-node that is not installed rejects with how to install it', async () => {
    await assert.rejects(initBackend('tfjs-node'), /npm install @tensorflow\/tfjs-node\b/);
    // The failed call leaves the engine usable.
    assert.equal((await initBackend('wasm')).name, 'wasm');
  });
});
