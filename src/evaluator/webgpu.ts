/**
 * The WebGPU route to a GPU: `@tensorflow/tfjs-backend-webgpu` running on
 * Dawn, which the npm package `webgpu` ships prebuilt (`dawn.node`). Unlike
 * `@tensorflow/tfjs-node-gpu` it downloads nothing at install time, and on a
 * machine without a GPU it runs on Mesa's software Vulkan driver (lavapipe),
 * which is how CI tests it.
 *
 * Facts this module is built around (tfjs 4.22, webgpu 0.6, Node 20):
 *
 * - Node 20 has no `navigator`. tfjs-backend-webgpu registers its backend at
 *   import time only if `navigator.gpu` exists, so `installNavigatorGpu` must
 *   run before that module is first imported (in each thread: a worker has
 *   its own globals and module instances).
 * - Dawn chooses its backend itself (Vulkan on Linux). We pin Vulkan on Linux
 *   all the same: Dawn's OpenGL ES route computed a wrong conv filter
 *   gradient at batch 128 when it was tried, and must never be picked.
 * - Debian 12's Mesa 22.3 lavapipe is refused by Dawn; Mesa 25's (from
 *   bookworm-backports) is accepted. Lavapipe reports itself as a fallback
 *   adapter of architecture 'software'; `auto` never picks such an adapter
 *   (wasm is faster on the same cores), an explicit `webgpu` choice does.
 * - tfjs-backend-webgpu cannot read tensors synchronously in Node (its
 *   `dataSync` goes through OffscreenCanvas), so the engine reads every value
 *   it needs with `await tensor.data()`.
 */

import { readdirSync } from 'node:fs';
import { InputError } from '../errors.js';

/** What we record about the adapter a run used (all strings as Dawn reports them, possibly empty). */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (lavapipe, SwiftShader, …), not a GPU. */
  readonly software: boolean;
}

/** The little of the WebGPU API this module touches, so the types do not depend on the optional package. */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  readonly info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { readonly isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
/** The `webgpu` package's exports. */
interface WebGpuModule {
  create(flags: string[]): GpuLike;
  globals: object;
}

export const WEBGPU_PACKAGE = 'webgpu';
export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** How to get a WebGPU adapter on a machine with none: the message of a failed `webgpu` choice ends with it. */
export const LAVAPIPE_HINT =
  'On a machine without a GPU, Mesa 25\'s software Vulkan driver (lavapipe) works; on Debian 12 add the bookworm-backports suite ' +
  '(a source line like your bookworm one, with the suite bookworm-backports) and run ' +
  '"apt-get install -t bookworm-backports mesa-vulkan-drivers libdrm2 libvulkan1" (Debian 12\'s own Mesa 22.3 lavapipe is too old for Dawn). ' +
  'With a GPU, install its Vulkan driver. A driver outside the loader\'s search path is picked up with VK_ICD_FILENAMES=<its icd .json>';

/** No usable adapter: the packages loaded, the hardware (or driver) is missing. */
export class NoWebGpuAdapterError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'NoWebGpuAdapterError';
  }
}

/** Names of software rasterizers, for drivers that do not flag themselves as fallback adapters. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render/i;

export function isSoftwareAdapter(info: Omit<AdapterInfo, 'software'>, fallbackFlag = false): boolean {
  return fallbackFlag || info.architecture === 'software' || SOFTWARE_NAMES.test(`${info.device} ${info.description}`);
}

/**
 * Dawn flags for `create`. Linux: Vulkan only, so that Dawn can never fall
 * back to its OpenGL ES adapter (see above). Elsewhere Dawn's default
 * (D3D12, Metal) is the only route anyway.
 */
export function dawnFlags(platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'linux' ? ['backend=vulkan'] : [];
}

/**
 * Whether this machine shows a GPU device node, for 'auto' to decide
 * without waking Dawn: creating a Vulkan instance costs a few hundred ms per
 * worker, and lavapipe prints two warnings on stderr whenever an adapter is
 * requested. On Linux every GPU driver Dawn can use has one (DRM render nodes
 * for Mesa and AMD, /dev/nvidiaN, /dev/dxg under WSL2, /dev/kfd for ROCm);
 * with none, the only adapter could be a software one, which 'auto' passes
 * over anyway. Elsewhere there is no such cheap check: true, ask Dawn.
 */
export function gpuDeviceNodesPresent(platform: NodeJS.Platform = process.platform, list: (dir: string) => string[] = readdirSync): boolean {
  if (platform !== 'linux') return true;
  const names = (dir: string): string[] => {
    try {
      return list(dir);
    } catch {
      return [];
    }
  };
  return names('/dev').some((n) => /^(nvidia\d+|dxg|kfd)$/.test(n)) || names('/dev/dri').some((n) => n.startsWith('renderD'));
}

/** The GPU object we installed in this thread, per `webgpu` module instance (a fake one in tests is another instance). */
const installed = new WeakMap<object, GpuLike>();

/**
 * Makes `navigator.gpu` this thread's Dawn instance (creating it once per
 * module instance) and the WebGPU globals (`GPUBufferUsage`, …) that
 * tfjs-backend-webgpu reads. Must run before tfjs-backend-webgpu is imported.
 */
export function installNavigatorGpu(mod: unknown): GpuLike {
  const m = mod as Partial<WebGpuModule>;
  if (typeof m.create !== 'function' || typeof m.globals !== 'object' || m.globals === null) {
    throw new Error(`${WEBGPU_PACKAGE} loaded but does not export create() and globals`);
  }
  let gpu = installed.get(m);
  if (gpu === undefined) {
    Object.assign(globalThis, m.globals);
    gpu = m.create(dawnFlags());
    installed.set(m, gpu);
  }
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) {
    // Node 20: no navigator at all.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu !== gpu) {
    // Node ≥ 21 has a navigator (without gpu) behind a getter: add the property, do not replace the object.
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
  return gpu;
}

/**
 * The adapter tfjs-backend-webgpu will take: it asks for 'high-performance'
 * (unless its WEBGPU_USE_LOW_POWER_GPU flag is set, which we never set), so
 * we ask the same. Undefined when Dawn finds none.
 */
export async function probeAdapter(gpu: GpuLike): Promise<AdapterInfo | undefined> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null || adapter === undefined) return undefined;
  const i = adapter.info ?? {};
  const base = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' };
  return { ...base, software: isSoftwareAdapter(base, Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter)) };
}

/** One line for logs and tables: "mesa software (llvmpipe: Mesa 25.0.7 …)". */
export function describeAdapter(a: AdapterInfo): string {
  const head = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
  const detail = a.description || a.device;
  return detail ? `${head} (${detail})` : head;
}

/** The adapter of this thread's webgpu backend, once initBackend has brought it up (see `adapterInUse`). */
let adapterOfThread: AdapterInfo | undefined;

export function setThreadAdapter(info: AdapterInfo | undefined): void {
  adapterOfThread = info;
}

/** The adapter behind `backendName` in this thread, if it is the webgpu backend initialised by initBackend. */
export function adapterInUse(backendName: string): AdapterInfo | undefined {
  return backendName === 'webgpu' ? adapterOfThread : undefined;
}
