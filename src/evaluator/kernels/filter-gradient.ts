/**
 * The filter gradient of a (2-D or 3-D, NHWC / NDHWC, dilation 1) convolution
 * as one GEMM that the wasm backend runs on XNNPACK:
 *
 *   dW[k, co] = Σ_n P[k, n] · dy[n, co]
 *
 * where n runs over (batch, output position) and k over (filter offset, input
 * channel), and P is the transposed im2col matrix, built in JS on the heap.
 * P is laid out [K, N] so the GEMM is a plain batch-1, untransposed
 * BatchMatMul: the only case the stock wasm BatchMatMul hands to XNNPACK.
 *
 * P has K·N elements (for a 3×3×32 filter on 128 images of 32×32 that is 38M
 * floats), so the batch is cut into chunks that keep P under a limit
 * and the partial gradients are summed.
 */
import * as tf from '@tensorflow/tfjs';
import { gemm } from './gemm.js';
import { type BackendWasm, type TensorInfo, f32, release, view } from './wasm-backend.js';

/**
 * How many floats one im2col chunk may hold: 32 MB keeps it well inside the
 * wasm heap, and smaller chunks cost little (each is one more GEMM). Mutable
 * so tests can force chunking on small inputs.
 */
export const im2colLimits = { chunkElements: 8 * 1024 * 1024 };

/** A convolution as `computeConv3DInfo` describes it (dilation 1); a 2-D one is depth 1. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inDepth: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outDepth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterDepth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideDepth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padFront: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Returns dW with shape `filterShape` ([fd,] fh, fw, inChannels, outChannels). */
/** The geometry of a 3-D convolution as tfjs computes it (2-D convolutions use depth 1). */
export function conv3dGeometry(info: tf.backend_util.Conv3DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inDepth: info.inDepth,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outDepth: info.outDepth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterDepth: info.filterDepth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideDepth: info.strideDepth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padFront: info.padInfo.front,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

export function filterGradient(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
  filterShape: number[],
): TensorInfo {
  const k = g.filterDepth * g.filterHeight * g.filterWidth * g.inChannels;
  const perImage = g.outDepth * g.outHeight * g.outWidth;
  const co = g.outChannels;
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(im2colLimits.chunkElements / Math.max(1, k * perImage))));

  if (chunk === g.batch) {
    const pt = backend.makeOutput([k, g.batch * perImage], 'float32');
    fillIm2colT(f32(backend, x), f32(backend, pt), g, 0, g.batch);
    const dw = gemm(backend, pt, dy, k, g.batch * perImage, co);
    release(backend, pt);
    return view(dw, filterShape);
  }

  const dw = backend.makeOutput(filterShape, 'float32');
  f32(backend, dw).fill(0);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const b1 = Math.min(g.batch, b0 + chunk);
    const n = (b1 - b0) * perImage;
    const pt = backend.makeOutput([k, n], 'float32');
    const dyPart = backend.makeOutput([n, co], 'float32');
    fillIm2colT(f32(backend, x), f32(backend, pt), g, b0, b1);
    f32(backend, dyPart).set(f32(backend, dy).subarray(b0 * perImage * co, b1 * perImage * co));
    const part = gemm(backend, pt, dyPart, k, n, co, true);
    const acc = f32(backend, dw);
    const add = f32(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i]! += add[i]!;
    release(backend, pt, dyPart, part);
  }
  return dw;
}

/**
 * Writes P for images [b0, b1): row r = ((kd·fh + kh)·fw + kw)·ci + c, column
 * n = ((b·od + d)·oh + h)·ow + w, zero where the window reads padding. The heap
 * buffer is uninitialised, so every element is written.
 *
 * One output row (fixed b, d, h) at a time, channel by channel, with the
 * padding columns worked out once per filter offset so the inner loop has no
 * bounds test; it measured about as fast as a plain copy of P's size.
 */
function fillIm2colT(x: Float32Array, pt: Float32Array, g: ConvGeometry, b0: number, b1: number): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: C, outDepth: OD, outHeight: OH, outWidth: OW } = g;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw, padFront, padTop, padLeft } = g;
  const n = (b1 - b0) * OD * OH * OW;
  const step = sw * C;
  for (let kd = 0; kd < g.filterDepth; kd++) {
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const rowBase = ((kd * g.filterHeight + kh) * g.filterWidth + kw) * C * n;
        // Output columns whose input column iw = ow·sw + kw − padLeft lies inside [0, W).
        const owLo = Math.min(OW, Math.max(0, Math.ceil((padLeft - kw) / sw)));
        const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - kw + padLeft) / sw) + 1));
        let col = 0;
        for (let b = b0; b < b1; b++) {
          for (let od = 0; od < OD; od++) {
            const id = od * sd + kd - padFront;
            for (let oh = 0; oh < OH; oh++, col += OW) {
              const ih = oh * sh + kh - padTop;
              const inside = id >= 0 && id < D && ih >= 0 && ih < H;
              const first = (((b * D + id) * H + ih) * W + owLo * sw + kw - padLeft) * C;
              for (let c = 0; c < C; c++) {
                const dst = rowBase + c * n + col;
                if (!inside) {
                  pt.fill(0, dst, dst + OW);
                  continue;
                }
                for (let ow = 0; ow < owLo; ow++) pt[dst + ow] = 0;
                for (let ow = owLo, s = first + c; ow < owHi; ow++, s += step) pt[dst + ow] = x[s]!;
                for (let ow = owHi; ow < OW; ow++) pt[dst + ow] = 0;
              }
            }
          }
        }
      }
    }
  }
}
