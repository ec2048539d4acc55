/**
 * Conv3DBackpropFilterV2 for wasm. WHY: the stock kernel is wrong for any
 * stride > 1 (measured against the cpu backend on tfjs 4.22: errors of the
 * order of the gradient itself, for 'same' and 'valid'; its loop bounds round
 * the wrong way). This replacement computes the gradient for every stride as
 * one XNNPACK GEMM over an im2col matrix (`filter-gradient.ts`). Correctness
 * fix, always installed.
 */
import * as tf from '@tensorflow/tfjs';
import { conv3dGeometry, filterGradient } from './filter-gradient.js';
import { type BackendWasm, type TensorInfo, WASM, expectShape } from './wasm-backend.js';

function conv3DBackpropFilterV2(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, filterShape } = args.attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv3DBackpropFilterV2 on wasm needs float32 x and dy');
  const info = tf.backend_util.computeConv3DInfo(x.shape as [number, number, number, number, number], filterShape, strides, 1, pad);
  expectShape(tf.Conv3DBackpropFilterV2, 'dy', dy, info.outShape);
  return filterGradient(
    backend,
    x,
    dy,
    conv3dGeometry(info),
    [...filterShape],
  );
}

export const conv3DBackpropFilterV2Config: tf.KernelConfig = {
  kernelName: tf.Conv3DBackpropFilterV2,
  backendName: WASM,
  kernelFunc: conv3DBackpropFilterV2 as tf.KernelFunc,
};
