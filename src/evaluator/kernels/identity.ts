/**
 * Identity for wasm without a copy. WHY: the stock kernel copies the whole
 * tensor into a new heap buffer, and the engine runs Identity on every
 * gradient that passes through unchanged (three 6.4 MB activations of the
 * bench CNN per step, ~14 ms on this machine). Tensors are immutable and the
 * backend counts references to its buffers, so the output can share the
 * input's buffer, as the wasm Reshape kernel and the cpu backend's Identity
 * already do. Strings keep the stock kernel (they live outside the heap).
 * Speed replacement: installed with fastKernels.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, WASM, runStock } from './wasm-backend.js';

function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return runStock(tf.Identity, backend, { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: WASM,
  kernelFunc: identity as tf.KernelFunc,
};
