/**
 * What our wasm kernels share: reading and writing tensor memory on the wasm
 * heap, and calling the backend's own kernels from inside a kernel.
 *
 * Kernels run inside the engine's kernel scope, where `tf.*` ops would not be
 * taped but would still create engine-tracked tensors (and run on whatever
 * backend is active). The wasm backend composes its own kernels the way we do
 * here: call another kernel's `kernelFunc` with the same `backend`, get a
 * plain `TensorInfo` back, and free intermediates with `backend.disposeData`.
 * Nothing touches the engine, so nothing can leak into `tf.memory()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;

export const WASM = 'wasm';

/**
 * The backend's own kernels, recorded the first time we replace one, so that
 * a replacement can still call what it replaced (our BatchMatMul calls the
 * stock one for the batch-1, untransposed case that stock runs on XNNPACK).
 * Module state, so per thread, like the kernel registry itself.
 */
const stockKernels = new Map<string, tf.KernelConfig | undefined>();

export function rememberStock(kernelName: string): tf.KernelConfig | undefined {
  if (!stockKernels.has(kernelName)) stockKernels.set(kernelName, tf.getKernel(kernelName, WASM));
  return stockKernels.get(kernelName);
}

/** Runs the wasm backend's own implementation of `kernelName`, never one of ours. */
export function runStock(
  kernelName: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = stockKernels.has(kernelName) ? stockKernels.get(kernelName) : tf.getKernel(kernelName, WASM);
  if (config === undefined) throw new Error(`the wasm backend has no '${kernelName}' kernel`);
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`'${kernelName}' returned several outputs`);
  return out;
}

/** The same memory seen with another shape (a reshape that costs nothing and owns nothing). */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Frees intermediates made inside a kernel (not its inputs, not its output). */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A float32 view of a tensor's heap memory. Any allocation (`makeOutput`, or
 * a kernel that allocates) may grow the wasm memory and detach earlier views,
 * so take views after the last allocation of a step, and use them at once.
 */
export function f32(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Refuses an input whose shape disagrees with the geometry the attributes
 * imply, instead of reading past it. tfjs-core's conv2d gradient drops
 * `dimRoundingMode`, so with 'ceil' rounding dy can be larger than the
 * attributes say.
 */
export function expectShape(kernelName: string, what: string, info: TensorInfo, shape: readonly number[]): void {
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${kernelName} on wasm: ${what} has shape [${info.shape.join(', ')}], the attributes imply [${shape.join(', ')}]`);
  }
}
