/**
 * Conv3DBackpropInputV2 for wasm. WHY: the stock kernel is wrong for every
 * stride and padding we tried (measured against the cpu backend on tfjs
 * 4.22, errors far larger than the values; its depth loop bound leaves out
 * the window's position). Correctness fix, always installed.
 *
 * col2im: the columns dy·Wᵀ ([positions, filter offsets × in-channels]) are
 * one XNNPACK GEMM, then each column is added back into the input pixels its
 * window read, in JS. Batches are cut into chunks as in filter-gradient.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvGeometry, conv3dGeometry, im2colLimits } from './filter-gradient.js';
import { gemm } from './gemm.js';
import { type BackendWasm, type TensorInfo, WASM, expectShape, f32, release } from './wasm-backend.js';

function conv3DBackpropInputV2(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, inputShape } = args.attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv3DBackpropInputV2 on wasm needs float32 dy and filter');
  const info = tf.backend_util.computeConv3DInfo(inputShape, filter.shape as [number, number, number, number, number], strides, 1, pad);
  expectShape(tf.Conv3DBackpropInputV2, 'dy', dy, info.outShape);
  const g: ConvGeometry = conv3dGeometry(info);
  const k = g.filterDepth * g.filterHeight * g.filterWidth * g.inChannels;
  const co = g.outChannels;
  const perImage = g.outDepth * g.outHeight * g.outWidth;

  // Wᵀ: [co, k] from the filter's [k, co].
  const wt = backend.makeOutput([co, k], 'float32');
  {
    const w = f32(backend, filter);
    const t = f32(backend, wt);
    for (let i = 0; i < k; i++) for (let j = 0; j < co; j++) t[j * k + i] = w[i * co + j]!;
  }
  const dxInfo = backend.makeOutput([...inputShape], 'float32');
  f32(backend, dxInfo).fill(0);
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(im2colLimits.chunkElements / Math.max(1, k * perImage))));
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const b1 = Math.min(g.batch, b0 + chunk);
    const n = (b1 - b0) * perImage;
    let dyPart = dy;
    if (chunk < g.batch) {
      dyPart = backend.makeOutput([n, co], 'float32');
      f32(backend, dyPart).set(f32(backend, dy).subarray(b0 * perImage * co, b1 * perImage * co));
    }
    const cols = gemm(backend, dyPart, wt, n, co, k, true);
    addColumns(f32(backend, cols), f32(backend, dxInfo), g, b0, b1);
    release(backend, cols, ...(dyPart === dy ? [] : [dyPart]));
  }
  release(backend, wt);
  return dxInfo;
}

/** dx[window pixel of column n, offset o] += cols[n, o]: the adjoint of im2col. */
function addColumns(cols: Float32Array, dx: Float32Array, g: ConvGeometry, b0: number, b1: number): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: C } = g;
  let src = 0;
  for (let b = b0; b < b1; b++) {
    for (let od = 0; od < g.outDepth; od++) {
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          for (let kd = 0; kd < g.filterDepth; kd++) {
            const id = od * g.strideDepth + kd - g.padFront;
            for (let kh = 0; kh < g.filterHeight; kh++) {
              const ih = oh * g.strideHeight + kh - g.padTop;
              for (let kw = 0; kw < g.filterWidth; kw++, src += C) {
                const iw = ow * g.strideWidth + kw - g.padLeft;
                if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const dst = (((b * D + id) * H + ih) * W + iw) * C;
                for (let c = 0; c < C; c++) dx[dst + c]! += cols[src + c]!;
              }
            }
          }
        }
      }
    }
  }
}

export const conv3DBackpropInputV2Config: tf.KernelConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  backendName: WASM,
  kernelFunc: conv3DBackpropInputV2 as tf.KernelFunc,
};
