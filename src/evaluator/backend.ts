/**
 * Which TensorFlow.js backend the engine trains on, chosen once per thread.
 *
 * The native backends (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`)
 * download libtensorflow when installed, so they are optional peers: used
 * when the user has installed them, never required. `wasm` ships inside its
 * npm package and is what runs in practice; `cpu` (pure JS, 5–200× slower)
 * is the last resort. On wasm we register our kernels (`kernels/`): fixes for
 * a missing kernel and three wrong ones, and replacements for slow paths.
 *
 * Every worker thread has its own tfjs engine and kernel registry, so each
 * worker calls `initBackend` itself.
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmKernels } from './kernels/index.js';

/** An explicitly chosen backend that cannot be loaded here: the user's choice to change, not an internal failure. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** What was asked for. */
  readonly choice: BackendChoice;
  /** `tf.getBackend()` after initialisation: 'tensorflow', 'wasm' or 'cpu'. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** Our replacement/fix kernels registered for it (wasm only). */
  readonly kernels: readonly string[];
}

/** Imports a package by name; injectable so the ladder can be tested without the native packages. */
export type PackageLoader = (pkg: string) => Promise<unknown>;

export interface ResolvedBackend {
  /** The rung taken (never 'auto'). */
  readonly choice: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name it registers. */
  readonly name: string;
  readonly package: string;
  /** Rungs of the 'auto' ladder passed over, and why. */
  readonly skipped: readonly { readonly package: string; readonly reason: string }[];
}

interface Rung {
  readonly choice: Exclude<BackendChoice, 'auto'>;
  readonly name: string;
  readonly package: string;
  /** Undefined: nothing to import (the cpu backend comes with @tensorflow/tfjs). */
  readonly load?: string;
}

const RUNGS: Readonly<Record<Exclude<BackendChoice, 'auto'>, Rung>> = {
  'tfjs-node-gpu': { choice: 'tfjs-node-gpu', name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', load: '@tensorflow/tfjs-node-gpu' },
  'tfjs-node': { choice: 'tfjs-node', name: 'tensorflow', package: '@tensorflow/tfjs-node', load: '@tensorflow/tfjs-node' },
  wasm: { choice: 'wasm', name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', load: '@tensorflow/tfjs-backend-wasm' },
  cpu: { choice: 'cpu', name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
};

const LADDER: readonly Exclude<BackendChoice, 'auto'>[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

const INSTALL_HINT: Readonly<Record<Exclude<BackendChoice, 'auto'>, string>> = {
  'tfjs-node-gpu': 'npm install @tensorflow/tfjs-node-gpu (needs CUDA and cuDNN; it downloads libtensorflow with GPU support)',
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
async function tryRung(rung: Rung, load: PackageLoader): Promise<void> {
  if (rung.load !== undefined) await load(rung.load);
  if (tf.findBackendFactory(rung.name) == null) {
    throw new Error(
      `${rung.package} loaded but registered no '${rung.name}' backend with this @tensorflow/tfjs ` +
        `(${tf.version_core}); install matching versions`,
    );
  }
}

/**
 * The backend that `choice` stands for: an explicit choice must load or this
 * throws an Error that says how to install it; 'auto' takes the first rung of
 * tfjs-node-gpu → tfjs-node → wasm → cpu that loads.
 */
export async function resolveBackend(choice: BackendChoice, load: PackageLoader = importPackage): Promise<ResolvedBackend> {
  if (choice !== 'auto') {
    const rung = RUNGS[choice];
    if (rung === undefined) throw new Error(`unknown backend '${String(choice)}' (one of auto, ${LADDER.join(', ')})`);
    try {
      await tryRung(rung, load);
    } catch (e) {
      throw new BackendUnavailableError(`backend '${choice}' is not available: ${reasonOf(e)}. Install it with: ${INSTALL_HINT[choice]}`, {
        cause: e,
      });
    }
    return { choice, name: rung.name, package: rung.package, skipped: [] };
  }
  const skipped: { package: string; reason: string }[] = [];
  for (const c of LADDER) {
    const rung = RUNGS[c];
    try {
      await tryRung(rung, load);
      return { choice: c, name: rung.name, package: rung.package, skipped };
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
  const kernels = resolved.name === 'wasm' ? installWasmKernels({ fast }) : [];
  const info: BackendInfo = { choice, name: tf.getBackend(), package: resolved.package, kernels };
  current = { key, info };
  return info;
}
