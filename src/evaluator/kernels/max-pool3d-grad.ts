/**
 * MaxPool3DGrad for wasm. WHY: like the 2-D one (see max-pool-grad.ts), the
 * stock kernel gives wrong gradients, measured against the cpu backend on
 * tfjs 4.22 for windows of mostly negative values, with stride 1 and 2.
 * Correctness fix, always installed; the same JS pass as MaxPoolGrad.
 */
import * as tf from '@tensorflow/tfjs';
import { maxPoolGradient } from './max-pool-grad.js';
import { type BackendWasm, type TensorInfo, WASM, expectShape } from './wasm-backend.js';

function maxPool3DGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPool3DGradAttrs;
  const info = tf.backend_util.computePool3DInfo(
    input.shape as [number, number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  expectShape(tf.MaxPool3DGrad, 'dy', dy, info.outShape);
  return maxPoolGradient(backend, input, dy, {
    ...info,
    padFront: info.padInfo.front,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
}

export const maxPool3DGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPool3DGrad,
  backendName: WASM,
  kernelFunc: maxPool3DGrad as tf.KernelFunc,
};
