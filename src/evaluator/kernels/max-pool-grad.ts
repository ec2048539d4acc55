/**
 * MaxPoolGrad for wasm. WHY: the stock kernel gives wrong gradients (measured
 * against the cpu backend on tfjs 4.22) when every value in a pooling window
 * is ≤ 0 (its running maximum starts at the smallest *positive* float, so no
 * element wins and the gradient is lost), for overlapping pools (stride <
 * window) and where windows tie. Those happen in ordinary training (after a
 * conv with negative outputs; after a relu every window of zeros is a tie;
 * 3×3/stride-2 pools). Correctness fix, always installed.
 *
 * Same rule as the cpu backend: each window routes its dy to its first
 * maximum in window order (strictly greater wins, starting from -Infinity, so
 * NaN never wins and a window of NaN/-Infinity routes nothing); windows that
 * overlap add up. Computed in JS on the heap: one pass over the windows, the
 * same work as the forward pool. The same scan serves MaxPool3DGrad and
 * MaxPool3D.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, WASM, expectShape, f32 } from './wasm-backend.js';

/** A pool as `computePool3DInfo` describes it; a 2-D pool is depth 1. */
export interface PoolGeometry {
  readonly batchSize: number;
  readonly inDepth: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outDepth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly strideDepth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly effectiveFilterDepth: number;
  readonly effectiveFilterHeight: number;
  readonly effectiveFilterWidth: number;
  readonly padFront: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * For each output element (in NDHWC order), the flat input index of its
 * window's first maximum, or -1 when nothing in the window beats -Infinity.
 *
 * All channels of one window position are scanned together, channel
 * innermost: the C values of a pixel are contiguous, so the inner loop is a
 * straight run over memory, and the window's bounds are worked out once per
 * position instead of once per element (this was the largest kernel of the
 * bench CNN's step when the channel loop was outermost). Cells are visited
 * in the same window order (depth, row, column) with the same strict test,
 * so the first maximum is the same.
 */
export function windowArgmax(x: Float32Array, p: PoolGeometry, at: Int32Array): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: C } = p;
  // float32, like the values compared: a running maximum held as a double would compare the same.
  const best = new Float32Array(C);
  let out = 0;
  for (let b = 0; b < p.batchSize; b++) {
    for (let od = 0; od < p.outDepth; od++) {
      const d0 = od * p.strideDepth - p.padFront;
      const dBegin = Math.max(0, d0);
      const dEnd = Math.min(D, d0 + p.effectiveFilterDepth);
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h0 = oh * p.strideHeight - p.padTop;
        const hBegin = Math.max(0, h0);
        const hEnd = Math.min(H, h0 + p.effectiveFilterHeight);
        for (let ow = 0; ow < p.outWidth; ow++, out += C) {
          const w0 = ow * p.strideWidth - p.padLeft;
          const wBegin = Math.max(0, w0);
          const wEnd = Math.min(W, w0 + p.effectiveFilterWidth);
          best.fill(-Infinity);
          at.fill(-1, out, out + C);
          for (let d = dBegin; d < dEnd; d++) {
            for (let h = hBegin; h < hEnd; h++) {
              for (let w = wBegin; w < wEnd; w++) {
                const base = (((b * D + d) * H + h) * W + w) * C;
                for (let c = 0; c < C; c++) {
                  const v = x[base + c]!;
                  if (v > best[c]!) {
                    best[c] = v;
                    at[out + c] = base + c;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * dx for a max pool. Not "the first element equal to the forward output":
 * wasm's forward maximum of a window holding NaN is not always the maximum
 * of the rest, as cpu's is, so the windows are scanned again.
 */
export function maxPoolGradient(backend: BackendWasm, input: TensorInfo, dy: TensorInfo, p: PoolGeometry): TensorInfo {
  const dxInfo = backend.makeOutput([...input.shape], 'float32');
  const at = new Int32Array(dy.shape.reduce((a, b) => a * b, 1));
  windowArgmax(f32(backend, input), p, at);
  const g = f32(backend, dy);
  const dx = f32(backend, dxInfo);
  dx.fill(0);
  for (let out = 0; out < at.length; out++) {
    const i = at[out]!;
    if (i >= 0) dx[i]! += g[out]!;
  }
  return dxInfo;
}

function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  expectShape(tf.MaxPoolGrad, 'dy', dy, info.outShape);
  return maxPoolGradient(backend, input, dy, {
    ...info,
    inDepth: 1,
    outDepth: 1,
    strideDepth: 1,
    effectiveFilterDepth: 1,
    padFront: 0,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};
