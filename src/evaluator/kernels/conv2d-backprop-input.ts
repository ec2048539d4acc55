/**
 * Conv2DBackpropInput for wasm, fast path. WHY: the stock kernel is a naive
 * C++ loop, while the forward Conv2D runs on XNNPACK. Measured on tfjs 4.22
 * (2-core VM, one wasm thread), for a 3×3 conv 16→32 channels on 128×14×14:
 * 107 ms stock, 14 ms here; stride 2 on 128×28×28: 107 ms → 34 ms. In the
 * small CNN of bench/train-step.ts it was the largest kernel of a step.
 *
 * The input gradient of a convolution is itself a convolution: of dy (with
 * stride−1 zeros inserted between its pixels when the stride is > 1) with
 * the filter rotated 180° and its in/out channels swapped, stride 1, padded
 * by (filter − 1 − forward padding) before and whatever makes the output the
 * input's size after. The rotated filter is small and built in JS; the
 * convolution is the stock XNNPACK Conv2D. NCHW, or explicit paddings wider
 * than the filter (which would need cropping), go to the stock kernel.
 * Speed replacement: installed with fastKernels.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, WASM, expectShape, f32, release, runStock } from './wasm-backend.js';

function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const top = KH - 1 - info.padInfo.top;
  const left = KW - 1 - info.padInfo.left;
  const bottom = H - (OH - 1) * SH + info.padInfo.top - 1;
  const right = W - (OW - 1) * SW + info.padInfo.left - 1;
  if (format !== 'channelsLast' || dy.dtype !== 'float32' || Math.min(top, left, bottom, right) < 0) {
    return runStock(tf.Conv2DBackpropInput, backend, { dy, filter }, attrs as unknown as Record<string, unknown>);
  }

  expectShape(tf.Conv2DBackpropInput, 'dy', dy, info.outShape);
  const rotated = backend.makeOutput([KH, KW, CO, CI], 'float32');
  rotateFilter(f32(backend, filter), f32(backend, rotated), KH, KW, CI, CO);

  const strided = SH > 1 || SW > 1;
  const dh = (OH - 1) * SH + 1;
  const dw = (OW - 1) * SW + 1;
  const spread = strided ? backend.makeOutput([B, dh, dw, CO], 'float32') : dy;
  if (strided) spreadOut(f32(backend, dy), f32(backend, spread), B, OH, OW, CO, SH, SW, dh, dw);

  const dx = runStock(tf.Conv2D, backend, { x: spread, filter: rotated }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  });
  release(backend, rotated, ...(strided ? [spread] : []));
  return dx;
}

/** rotated[kh, kw, co, ci] = filter[KH−1−kh, KW−1−kw, ci, co]. */
function rotateFilter(w: Float32Array, r: Float32Array, KH: number, KW: number, CI: number, CO: number): void {
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      const dst = (kh * KW + kw) * CO * CI;
      for (let ci = 0; ci < CI; ci++) {
        for (let co = 0; co < CO; co++) r[dst + co * CI + ci] = w[src + ci * CO + co]!;
      }
    }
  }
}

/** dy with SH−1 zero rows and SW−1 zero columns between its pixels. */
function spreadOut(
  dy: Float32Array,
  out: Float32Array,
  B: number,
  OH: number,
  OW: number,
  C: number,
  SH: number,
  SW: number,
  dh: number,
  dw: number,
): void {
  out.fill(0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < OH; h++) {
      for (let w = 0; w < OW; w++) {
        const src = ((b * OH + h) * OW + w) * C;
        const dst = ((b * dh + h * SH) * dw + w * SW) * C;
        for (let c = 0; c < C; c++) out[dst + c] = dy[src + c]!;
      }
    }
  }
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2DBackpropInput as tf.KernelFunc,
};
