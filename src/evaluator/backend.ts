/**
 * Which TensorFlow.js backend the engine trains on, chosen once per thread.
 *
 * The native backends (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`)
 * download libtensorflow when installed, so they are optional peers: used
 * when the user has installed them, never required. `webgpu` (tfjs's WebGPU
 * backend on Dawn, `webgpu.ts`) is the GPU route that downloads nothing; its
 * two packages are optional dependencies. `wasm` ships inside its npm
 * package and is what runs in practice; `cpu` (pure JS, 5–200× slower) is the
 * last resort. On wasm we register our kernels (`kernels/`): fixes for a
 * missing kernel and wrong ones, and replacements for slow paths. They are
 * registered for wasm only: webgpu runs tfjs's own kernels, checked against
 * `cpu` by test/evaluator/webgpu-kernels.test.ts, plus its own fix for the
 * one those tests found wrong (`webgpu-kernels.ts`).
 *
 * Every worker thread has its own tfjs engine, kernel registry and globals, so
 * each worker calls `initBackend` itself; on webgpu that gives every worker its
 * own Dawn instance and GPU device.
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHOICES, type BackendChoice } from './backend-choices.js';
import { installWasmKernels } from './kernels/index.js';
import { installWebGpuKernels } from './webgpu-kernels.js';
import {
  describeAdapter,
  gpuDeviceNodesPresent,
  installNavigatorGpu,
  LAVAPIPE_HINT,
  NoWebGpuAdapterError,
  probeAdapter,
  setThreadAdapter,
  TFJS_WEBGPU_PACKAGE,
  WEBGPU_PACKAGE,
  type AdapterInfo,
} from './webgpu.js';
import { InputError } from '../errors.js';

/** An explicitly chosen backend that cannot be loaded here: the user's choice to change, not an internal failure. */
export class BackendUnavailableError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

export { BACKEND_CHOICES, type BackendChoice };

export interface BackendInfo {
  /** What was asked for. */
  readonly choice: BackendChoice;
  /** `tf.getBackend()` after initialisation: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** Our replacement/fix kernels registered for it (wasm: `kernels/`; webgpu: `webgpu-kernels.ts`). */
  readonly kernels: readonly string[];
  /** The GPU adapter, on webgpu. */
  readonly adapter?: AdapterInfo;
}

/** Imports a package by name; injectable so the ladder can be tested without the native packages. */
export type PackageLoader = (pkg: string) => Promise<unknown>;

export interface ResolvedBackend {
  /** The rung taken (never 'auto'). */
  readonly choice: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name it registers. */
  readonly name: string;
  readonly package: string;
  /** The adapter found, on webgpu. */
  readonly adapter?: AdapterInfo;
  /** Rungs of the 'auto' ladder passed over, and why. */
  readonly skipped: readonly { readonly package: string; readonly reason: string }[];
}

interface Rung {
  readonly choice: Exclude<BackendChoice, 'auto'>;
  readonly name: string;
  readonly package: string;
  /** Undefined: nothing to import (the cpu backend comes with @tensorflow/tfjs). */
  readonly load?: string;
  /** Instead of `load`, for a rung that needs more than an import (webgpu). */
  readonly loadWith?: (load: PackageLoader, auto: boolean, hasGpuDevice: () => boolean) => Promise<AdapterInfo | undefined>;
}

/**
 * The webgpu rung: Dawn first (navigator.gpu must exist before tfjs's webgpu
 * module is imported, or it registers nothing), then an adapter, then the
 * tfjs backend. 'auto' passes over a software adapter: lavapipe runs the
 * same cores as wasm, slower.
 */
async function loadWebGpu(load: PackageLoader, auto: boolean, hasGpuDevice: () => boolean): Promise<AdapterInfo> {
  if (auto && !hasGpuDevice()) throw new Error('no GPU device node (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg, /dev/kfd)');
  const gpu = installNavigatorGpu(await load(WEBGPU_PACKAGE));
  const adapter = await probeAdapter(gpu);
  if (adapter === undefined) {
    throw new NoWebGpuAdapterError('Dawn found no WebGPU adapter (it needs a GPU with a Vulkan driver, or Mesa\'s lavapipe)');
  }
  if (auto && adapter.software) {
    throw new Error(`the only WebGPU adapter is a software rasterizer, ${describeAdapter(adapter)}; choose --backend webgpu to use it anyway`);
  }
  await load(TFJS_WEBGPU_PACKAGE);
  return adapter;
}

const RUNGS: Readonly<Record<Exclude<BackendChoice, 'auto'>, Rung>> = {
  'tfjs-node-gpu': { choice: 'tfjs-node-gpu', name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', load: '@tensorflow/tfjs-node-gpu' },
  webgpu: { choice: 'webgpu', name: 'webgpu', package: TFJS_WEBGPU_PACKAGE, loadWith: loadWebGpu },
  'tfjs-node': { choice: 'tfjs-node', name: 'tensorflow', package: '@tensorflow/tfjs-node', load: '@tensorflow/tfjs-node' },
  wasm: { choice: 'wasm', name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', load: '@tensorflow/tfjs-backend-wasm' },
  cpu: { choice: 'cpu', name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
};

const LADDER: readonly Exclude<BackendChoice, 'auto'>[] = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'];

const INSTALL_HINT: Readonly<Record<Exclude<BackendChoice, 'auto'>, string>> = {
  'tfjs-node-gpu': 'npm install @tensorflow/tfjs-node-gpu (needs CUDA and cuDNN; it downloads libtensorflow with GPU support)',
  webgpu: `npm install ${WEBGPU_PACKAGE} ${TFJS_WEBGPU_PACKAGE}@${tf.version_core} (optional dependencies of autolr, left out by --omit=optional)`,
  'tfjs-node': 'npm install @tensorflow/tfjs-node (it downloads libtensorflow)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm',
  cpu: 'npm install @tensorflow/tfjs',
};

const importPackage: PackageLoader = (pkg) => import(pkg);

function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0] ?? message;
}

/**
 * Loads what a rung needs and checks that its backend landed in *our* tfjs
 * (a native package resolving its own copy of @tensorflow/tfjs-core would
 * register its backend where we cannot select it).
 */
async function tryRung(rung: Rung, load: PackageLoader, auto: boolean, hasGpuDevice: () => boolean): Promise<AdapterInfo | undefined> {
  let adapter: AdapterInfo | undefined;
  if (rung.loadWith !== undefined) adapter = await rung.loadWith(load, auto, hasGpuDevice);
  else if (rung.load !== undefined) await load(rung.load);
  if (tf.findBackendFactory(rung.name) == null) {
    throw new Error(
      `${rung.package} loaded but registered no '${rung.name}' backend with this @tensorflow/tfjs ` +
        `(${tf.version_core}); install matching versions` +
        (rung.choice === 'webgpu' ? `, and import ${rung.package} only through initBackend (it registers nothing if imported before navigator.gpu is set)` : ''),
    );
  }
  return adapter;
}

/**
 * The backend that `choice` stands for: an explicit choice must load or this
 * throws a BackendUnavailableError that says how to install it; 'auto' takes
 * the first rung of tfjs-node-gpu → webgpu (a hardware adapter only) →
 * tfjs-node → wasm → cpu that loads. `hasGpuDevice` (injectable for tests)
 * lets 'auto' pass over webgpu without loading Dawn on a machine with no GPU.
 */
export async function resolveBackend(
  choice: BackendChoice,
  load: PackageLoader = importPackage,
  hasGpuDevice: () => boolean = gpuDeviceNodesPresent,
): Promise<ResolvedBackend> {
  if (choice !== 'auto') {
    const rung = RUNGS[choice];
    if (rung === undefined) throw new Error(`unknown backend '${String(choice)}' (one of auto, ${LADDER.join(', ')})`);
    let adapter: AdapterInfo | undefined;
    try {
      adapter = await tryRung(rung, load, false, hasGpuDevice);
    } catch (e) {
      // A missing adapter is the machine's, not the packages': say how to get one.
      const hint = e instanceof NoWebGpuAdapterError ? LAVAPIPE_HINT : `Install it with: ${INSTALL_HINT[choice]}`;
      throw new BackendUnavailableError(`backend '${choice}' is not available: ${reasonOf(e)}. ${hint}`, { cause: e });
    }
    return { choice, name: rung.name, package: rung.package, ...(adapter ? { adapter } : {}), skipped: [] };
  }
  const skipped: { package: string; reason: string }[] = [];
  for (const c of LADDER) {
    const rung = RUNGS[c];
    try {
      const adapter = await tryRung(rung, load, true, hasGpuDevice);
      return { choice: c, name: rung.name, package: rung.package, ...(adapter ? { adapter } : {}), skipped };
    } catch (e) {
      skipped.push({ package: rung.package, reason: reasonOf(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.package}: ${s.reason}`).join('; ')}`);
}

/** Per thread: the last initialisation, so a repeated call is a lookup. */
let current: { key: string; info: BackendInfo } | undefined;
/** Calls run one at a time: two overlapping ones must not interleave setBackend and kernel registration. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Selects and initialises the backend for this thread, registers our wasm
 * kernels (the speed replacements too unless `fastKernels: false`), silences
 * tfjs's console banner (prod mode), and returns what it chose. Calling it
 * again with the same arguments is cheap; with other arguments it switches.
 */
export function initBackend(choice: BackendChoice = 'auto', options: { fastKernels?: boolean } = {}): Promise<BackendInfo> {
  const run = queue.then(() => init(choice, options.fastKernels ?? true));
  queue = run.catch(() => undefined);
  return run;
}

async function init(choice: BackendChoice, fast: boolean): Promise<BackendInfo> {
  const key = `${choice}/${fast}`;
  if (current !== undefined && current.key === key && tf.getBackend() === current.info.name) return current.info;
  const resolved = await resolveBackend(choice);
  tf.enableProdMode();
  if (!(await tf.setBackend(resolved.name))) {
    throw new Error(`the '${resolved.name}' backend (${resolved.package}) failed to initialise`);
  }
  await tf.ready();
  // Each backend gets its own fixes: the wasm ones are never registered for webgpu.
  const kernels = resolved.name === 'wasm' ? installWasmKernels({ fast }) : resolved.name === 'webgpu' ? installWebGpuKernels() : [];
  if (resolved.name === 'webgpu') setThreadAdapter(resolved.adapter);
  const info: BackendInfo = {
    choice,
    name: tf.getBackend(),
    package: resolved.package,
    kernels,
    ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
  };
  current = { key, info };
  return info;
}
