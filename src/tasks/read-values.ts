/**
 * Reading tensor values back from the backend. Always asynchronous: the
 * webgpu backend cannot read synchronously in Node (its `dataSync` needs
 * OffscreenCanvas), and on wasm or cpu the await costs a microtask.
 */
import type * as tf from '@tensorflow/tfjs';

/** The values of a tensor the caller owns; the tensor is disposed once read (or if reading fails). */
export async function takeValues(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
