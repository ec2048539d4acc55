/**
 * Cos for wasm, fast path. WHY: the stock kernel costs ~55 ns per element
 * (libm in wasm, measured on tfjs 4.22), as Sin does; sin's gradient is a
 * cos, so a sin/cos PINN calls it as often as Sin (see sin.ts, trig.ts).
 * Speed replacement: installed with fastKernels.
 */
import * as tf from '@tensorflow/tfjs';
import { cosInto } from './trig.js';
import { type BackendWasm, type TensorInfo, WASM, f32, runStock } from './wasm-backend.js';

function cos(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype !== 'float32') return runStock(tf.Cos, backend, { x });
  const out = backend.makeOutput([...x.shape], 'float32');
  cosInto(f32(backend, x), f32(backend, out));
  return out;
}

export const cosConfig: tf.KernelConfig = { kernelName: tf.Cos, backendName: WASM, kernelFunc: cos as tf.KernelFunc };
