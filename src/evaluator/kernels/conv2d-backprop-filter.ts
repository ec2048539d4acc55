/**
 * Conv2DBackpropFilter for wasm. WHY: tfjs-backend-wasm 4.22 registers no
 * kernel by this name, so `tf.grad` through `tf.conv2d` throws "Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'" and no conv net can
 * train on wasm. This is a correctness fix (always installed); it happens to
 * be fast because it is one XNNPACK GEMM over an im2col matrix
 * (`filter-gradient.ts`).
 *
 * NHWC only, like the wasm Conv2D itself; tfjs refuses gradients of dilated
 * convolutions before reaching here, so dilation is 1.
 */
import * as tf from '@tensorflow/tfjs';
import { filterGradient } from './filter-gradient.js';
import { type BackendWasm, type TensorInfo, WASM, expectShape } from './wasm-backend.js';

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  expectShape(tf.Conv2DBackpropFilter, 'dy', dy, info.outShape);
  return filterGradient(
    backend,
    x,
    dy,
    {
      batch: info.batchSize,
      inDepth: 1,
      inHeight: info.inHeight,
      inWidth: info.inWidth,
      inChannels: info.inChannels,
      outDepth: 1,
      outHeight: info.outHeight,
      outWidth: info.outWidth,
      outChannels: info.outChannels,
      filterDepth: 1,
      filterHeight: info.filterHeight,
      filterWidth: info.filterWidth,
      strideDepth: 1,
      strideHeight: info.strideHeight,
      strideWidth: info.strideWidth,
      padFront: 0,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    },
    [...filterShape],
  );
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter as tf.KernelFunc,
};
