/**
 * MaxPool3D for wasm. WHY: the stock kernel's running maximum starts at the
 * smallest positive float, so a window whose values are all ≤ 0 comes out as
 * 1.18e-38 instead of its maximum (measured against the cpu backend on tfjs
 * 4.22). Correctness fix, always installed; the window scan of
 * max-pool-grad.ts, with the cpu backend's rule (NaN never wins; a window
 * with nothing above -Infinity gives -Infinity).
 */
import * as tf from '@tensorflow/tfjs';
import { windowArgmax } from './max-pool-grad.js';
import { type BackendWasm, type TensorInfo, WASM, f32 } from './wasm-backend.js';

function maxPool3D(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode, dataFormat } = args.attrs as unknown as tf.MaxPool3DAttrs;
  if (dataFormat !== 'NDHWC') throw new Error(`MaxPool3D on wasm supports NDHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computePool3DInfo(
    x.shape as [number, number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const yInfo = backend.makeOutput([...info.outShape], 'float32');
  const at = new Int32Array(info.outShape.reduce((a, b) => a * b, 1));
  const xs = f32(backend, x);
  windowArgmax(xs, { ...info, padFront: info.padInfo.front, padTop: info.padInfo.top, padLeft: info.padInfo.left }, at);
  const y = f32(backend, yInfo);
  for (let i = 0; i < at.length; i++) y[i] = at[i]! >= 0 ? xs[at[i]!]! : -Infinity;
  return yInfo;
}

export const maxPool3DConfig: tf.KernelConfig = {
  kernelName: tf.MaxPool3D,
  backendName: WASM,
  kernelFunc: maxPool3D as tf.KernelFunc,
};
