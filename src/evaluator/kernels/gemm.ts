/**
 * C = A·B through the stock wasm BatchMatMul's XNNPACK path (batch 1, no
 * transposes), with a guard for a stock bug.
 *
 * The stock kernel caches one XNNPACK operator per right operand, keyed by
 * the operand's buffer id alone, and a reshape keeps the buffer id: multiply
 * by B shaped [6, 2], then by the same buffer reshaped to [3, 4], and the
 * second product reuses the [6, 2] operator and returns garbage (measured on
 * tfjs 4.22). So we remember the (k, n) each right-operand buffer was first
 * used with and multiply by a copy when it comes back with another shape.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, f32, release, runStock, view } from './wasm-backend.js';

/** (k, n) each right operand's buffer was first multiplied with; keyed by dataId, which reshapes share and GC clears. */
const firstShape = new WeakMap<object, string>();

const PLAIN = { transposeA: false, transposeB: false };

/**
 * a is [m, k] and b is [k, n] in row-major memory (any TensorInfo shape); the
 * result is [1, m, n]. Pass `freshB` when b was made by the caller for this
 * product alone (it is disposed before anyone else could reuse its buffer).
 */
export function gemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number, freshB = false): TensorInfo {
  const shape = `${k},${n}`;
  const seen = freshB ? shape : firstShape.get(b.dataId);
  if (seen === undefined) firstShape.set(b.dataId, shape);
  if (seen === undefined || seen === shape) {
    return runStock(tf.BatchMatMul, backend, { a: view(a, [1, m, k]), b: view(b, [1, k, n]) }, PLAIN);
  }
  const copy = backend.makeOutput([1, k, n], 'float32');
  f32(backend, copy).set(f32(backend, b));
  const out = runStock(tf.BatchMatMul, backend, { a: view(a, [1, m, k]), b: copy }, PLAIN);
  release(backend, copy);
  return out;
}
