/**
 * BatchMatMul for wasm, in two versions.
 *
 * The fix (always installed): the stock kernel, except that its XNNPACK case
 * (batch 1, no transposes) goes through `gemm`, which works around the stock
 * operator cache returning garbage for a reshaped right operand (see gemm.ts).
 *
 * The fast version (with fastKernels) also fixes speed. WHY: the stock kernel
 * hands a product to XNNPACK only when neither operand is transposed and both
 * have batch 1; everything else runs a naive blocked triple loop in C++. Every
 * backward pass of a dense layer hits it (dW = xᵀ·dy is transposeA, dx = dy·Wᵀ
 * is transposeB): measured on tfjs 4.22 (2-core VM), xᵀ·dy of a 784×256
 * layer at batch 128 takes 62 ms stock and 3.8 ms here, where the forward
 * x·W takes 2.3 ms. So: transpose a transposed operand
 * first (the Transpose kernel is a copy, cheap next to a GEMM), then reduce
 * every shape to batch-1 GEMMs:
 * - b has batch 1: fold a's batch into its rows, one GEMM;
 * - a has batch 1: lay b's batch side by side in its columns, one GEMM;
 * - equal batches: one GEMM per batch entry.
 * Anything else (non-float32, batch shapes that broadcast in both operands)
 * goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { gemm } from './gemm.js';
import { type BackendWasm, type TensorInfo, WASM, f32, release, runStock, sizeOf, view } from './wasm-backend.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

interface Product {
  readonly backend: BackendWasm;
  readonly a: TensorInfo;
  readonly b: TensorInfo;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly batchA: number;
  readonly batchB: number;
}

function product(args: Args): Product {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  return { backend: args.backend as BackendWasm, a, b, transposeA, transposeB, batchA, batchB };
}

/** Batch 1, untransposed, float32: the one case stock runs on XNNPACK, done through the guarded gemm. */
function plainProduct(p: Product): TensorInfo | undefined {
  const { a, b } = p;
  if (p.transposeA || p.transposeB || p.batchA !== 1 || p.batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [kb, n] = b.shape.slice(-2) as [number, number];
  if (kb !== k) return undefined; // let the stock kernel word the error
  const out = gemm(p.backend, a, b, m, k, n);
  return view(out, [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n]);
}

function batchMatMulFix(args: Args): TensorInfo {
  const p = product(args);
  return plainProduct(p) ?? runStock(tf.BatchMatMul, p.backend, { a: p.a, b: p.b }, { transposeA: p.transposeA, transposeB: p.transposeB });
}

function batchMatMulFast(args: Args): TensorInfo {
  const p = product(args);
  const { backend, a, b, transposeA, transposeB, batchA, batchB } = p;
  const plain = plainProduct(p);
  if (plain !== undefined) return plain;
  const compatible = batchA === batchB || batchA === 1 || batchB === 1;
  if (!compatible || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runStock(tf.BatchMatMul, backend, { a, b }, { transposeA, transposeB });
  }

  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== k) {
    throw new Error(`matMul: inner dimensions ${k} and ${transposeB ? bCols : bRows} of shapes ${a.shape} and ${b.shape} differ`);
  }
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];

  // Operands as [batch, m, k] and [batch, k, n], row-major.
  const a3 = transposeA ? transposeLast2(backend, a, batchA, aRows, aCols) : view(a, [batchA, m, k]);
  const b3 = transposeB ? transposeLast2(backend, b, batchB, bRows, bCols) : view(b, [batchB, k, n]);
  let out: TensorInfo;
  if (batchB === 1) {
    out = gemm(backend, a3, b3, batchA * m, k, n, transposeB);
  } else if (batchA === 1) {
    // [B, k, n] → [k, B, n] = [k, B·n]; a·that = [m, B, n] → [B, m, n].
    const wide = runStock(tf.Transpose, backend, { x: b3 }, { perm: [1, 0, 2] });
    const prod = gemm(backend, a3, wide, m, k, batchB * n, true);
    out = runStock(tf.Transpose, backend, { x: view(prod, [m, batchB, n]) }, { perm: [1, 0, 2] });
    release(backend, wide, prod);
  } else {
    out = perBatch(backend, a3, b3, batchA, m, k, n);
  }
  if (transposeA) release(backend, a3);
  if (transposeB) release(backend, b3);
  return view(out, outShape);
}

function transposeLast2(backend: BackendWasm, x: TensorInfo, batch: number, rows: number, cols: number): TensorInfo {
  return runStock(tf.Transpose, backend, { x: view(x, [batch, rows, cols]) }, { perm: [0, 2, 1] });
}

/** One GEMM per batch entry; each operand slice is copied out (O(size), next to the O(size·k) product). */
function perBatch(backend: BackendWasm, a3: TensorInfo, b3: TensorInfo, batch: number, m: number, k: number, n: number): TensorInfo {
  const out = backend.makeOutput([batch, m, n], 'float32');
  for (let i = 0; i < batch; i++) {
    const ai = backend.makeOutput([m, k], 'float32');
    const bi = backend.makeOutput([k, n], 'float32');
    f32(backend, ai).set(f32(backend, a3).subarray(i * m * k, (i + 1) * m * k));
    f32(backend, bi).set(f32(backend, b3).subarray(i * k * n, (i + 1) * k * n));
    const oi = gemm(backend, ai, bi, m, k, n, true);
    f32(backend, out).set(f32(backend, oi), i * m * n);
    release(backend, ai, bi, oi);
  }
  return out;
}

export const batchMatMulFixConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: WASM,
  kernelFunc: batchMatMulFix as tf.KernelFunc,
};

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: WASM,
  kernelFunc: batchMatMulFast as tf.KernelFunc,
};
