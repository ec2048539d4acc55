/**
 * OneHot for wasm. WHY: the stock kernel ignores the requested dtype and
 * writes the on/off values as int32 bit patterns, so a float32 one-hot holds
 * 1.4e-45 (the float with bit pattern 1) where 1 belongs (measured on tfjs
 * 4.22), and a non-integer on-value (label smoothing) cannot be expressed at
 * all. This writes the values in the output's own dtype, like the cpu
 * backend: indices outside [0, depth) give an all-off row. Correctness fix,
 * always installed; a fill and a scatter in JS, as fast as the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, WASM } from './wasm-backend.js';

function oneHot(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { indices } = args.inputs as { indices: TensorInfo };
  const { depth, onValue, offValue, dtype } = args.attrs as unknown as tf.OneHotAttrs;
  const outInfo = backend.makeOutput([...indices.shape, depth], dtype);
  const idx = backend.typedArrayFromHeap(indices);
  const out = backend.typedArrayFromHeap(outInfo);
  out.fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    if (j >= 0 && j < depth) out[i * depth + j] = onValue;
  }
  return outInfo;
}

export const oneHotConfig: tf.KernelConfig = {
  kernelName: tf.OneHot,
  backendName: WASM,
  kernelFunc: oneHot as tf.KernelFunc,
};
