/**
 * Our kernels for the wasm backend, and putting them in (or taking the speed
 * ones out of) tfjs's kernel registry.
 *
 * Two groups. Fixes make wasm compute what the cpu backend computes (a
 * missing kernel, seven wrong ones) and are always installed. Speed
 * replacements re-express kernels that stock wasm runs as naive loops with
 * ones it runs on XNNPACK (or in faster JS); `installWasmKernels({ fast: false })`
 * leaves (or puts back) the stock kernel, or our fix where a kernel has one,
 * so a benchmark can compare.
 *
 * The kernel registry is module state of tfjs-core, one per thread: every
 * worker thread must call this itself (initBackend does). Installing is
 * idempotent and cheap. It may run before or after the wasm backend is
 * initialised: a replacement carries the replaced kernel's setup function,
 * which the engine calls on `setBackend('wasm')` and which the stock kernel
 * we fall back to needs.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig, batchMatMulFixConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { conv3DBackpropFilterV2Config } from './conv3d-backprop-filter.js';
import { conv3DBackpropInputV2Config } from './conv3d-backprop-input.js';
import { cosConfig } from './cos.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { maxPool3DConfig } from './max-pool3d.js';
import { maxPool3DGradConfig } from './max-pool3d-grad.js';
import { oneHotConfig } from './one-hot.js';
import { sinConfig } from './sin.js';
import { WASM, rememberStock } from './wasm-backend.js';

/** Always installed on wasm: without them training is wrong or impossible. */
export const FIX_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv3DBackpropFilterV2Config,
  conv3DBackpropInputV2Config,
  maxPoolGradConfig,
  maxPool3DConfig,
  maxPool3DGradConfig,
  oneHotConfig,
  batchMatMulFixConfig,
];

/** Installed with `fast` (over a fix of the same name, if any): same results within float32 rounding, less time. */
export const FAST_KERNELS: readonly tf.KernelConfig[] = [batchMatMulConfig, conv2DBackpropInputConfig, sinConfig, cosConfig, identityConfig];

/** What we register for each of our configs, made once so that a later call recognises it. */
const registered = new Map<tf.KernelConfig, tf.KernelConfig>();
const ours = new Set<tf.KernelConfig>();

function registrationOf(config: tf.KernelConfig): tf.KernelConfig {
  let made = registered.get(config);
  if (made === undefined) {
    const stock = rememberStock(config.kernelName);
    made = { ...config, backendName: WASM };
    if (stock?.setupFunc) made.setupFunc = stock.setupFunc;
    if (stock?.disposeFunc) made.disposeFunc = stock.disposeFunc;
    registered.set(config, made);
    ours.add(made);
  }
  return made;
}

function install(config: tf.KernelConfig): void {
  const name = config.kernelName;
  const current = tf.getKernel(name, WASM);
  const mine = registrationOf(config);
  if (current === mine) return;
  rememberStock(name);
  if (current !== undefined) tf.unregisterKernel(name, WASM);
  tf.registerKernel(mine);
}

function restoreStock(name: string): void {
  const current = tf.getKernel(name, WASM);
  if (current === undefined || !ours.has(current)) return;
  tf.unregisterKernel(name, WASM);
  const stock = rememberStock(name);
  if (stock !== undefined) tf.registerKernel(stock);
}

/**
 * Registers the fixes, and the speed replacements when `fast` (default
 * true), for the wasm backend in this thread. Returns the names of the
 * kernels that are now ours.
 */
export function installWasmKernels(options: { fast?: boolean } = {}): string[] {
  // Before the package registers its kernels we would record "no stock kernel" for every name, for good.
  if (tf.getKernel(tf.Conv2D, WASM) === undefined) {
    throw new Error('the wasm backend is not loaded: import @tensorflow/tfjs-backend-wasm (initBackend does) before installing its kernels');
  }
  const wanted = new Map(FIX_KERNELS.map((c) => [c.kernelName, c]));
  if (options.fast ?? true) for (const c of FAST_KERNELS) wanted.set(c.kernelName, c);
  for (const c of wanted.values()) install(c);
  for (const c of FAST_KERNELS) if (!wanted.has(c.kernelName)) restoreStock(c.kernelName);
  return [...wanted.keys()];
}
