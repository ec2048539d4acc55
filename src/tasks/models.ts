/**
 * The networks the tasks train, built directly on tf ops and variables rather
 * than tf.layers: every random choice (initial weights, dropout masks) then
 * comes from the run's seeded streams, each parameter has a stable key (the
 * per-weight state of adaptive rules is keyed by it), and nothing hides a
 * kernel we need to control on the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { RandomSource } from '../grammar/semantics.js';

export interface Parameter {
  /** Stable within a model, e.g. "conv1/kernel". */
  readonly key: string;
  readonly variable: tf.Variable;
}

export interface ApplyOptions {
  readonly training: boolean;
  /** Seed of this step's dropout masks (training only); the same seed gives the same masks. */
  readonly dropoutSeed?: number;
}

export interface Model {
  readonly name: string;
  readonly params: readonly Parameter[];
  apply(x: tf.Tensor, options: ApplyOptions): tf.Tensor;
  /** Weight values, to undo a rejected step (SGD-SA) or compare runs. */
  snapshot(): tf.Tensor[];
  restore(values: readonly tf.Tensor[]): void;
  dispose(): void;
}

type Activation = 'relu' | 'sin' | 'cos' | 'linear';

type Layer =
  | { kind: 'dense'; units: number; activation: Activation }
  | { kind: 'conv'; filters: number; size: number; padding: 'same' | 'valid'; activation: Activation }
  | { kind: 'maxpool'; size: number }
  | { kind: 'dropout'; rate: number }
  | { kind: 'flatten' };

export const dense = (units: number, activation: Activation = 'linear'): Layer => ({ kind: 'dense', units, activation });
export const conv = (filters: number, size: number, padding: 'same' | 'valid', activation: Activation = 'relu'): Layer => ({
  kind: 'conv',
  filters,
  size,
  padding,
  activation,
});
export const maxpool = (size: number): Layer => ({ kind: 'maxpool', size });
export const dropout = (rate: number): Layer => ({ kind: 'dropout', rate });
export const flatten = (): Layer => ({ kind: 'flatten' });

let instances = 0;

/** Glorot-uniform values (Keras' default initializer) from the run's stream. */
function glorotUniform(rng: RandomSource, shape: readonly number[], fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
  return out;
}

function activate(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'sin':
      return tf.sin(x);
    case 'cos':
      return tf.cos(x);
    case 'linear':
      return x;
  }
}

/**
 * How initial weights are drawn:
 * - `glorot`: Glorot-uniform kernels, zero biases (Keras' defaults);
 * - `fan-in`: kernels and biases uniform in ±1/√fan_in (PyTorch's nn.Linear
 *   default). A PINN on [0, 1] needs it: with one input, Glorot's first layer
 *   is nearly linear under sin, and oscillating solutions train far slower.
 */
export type Initializer = 'glorot' | 'fan-in';

function fanInUniform(rng: RandomSource, n: number, fanIn: number): Float32Array {
  const limit = 1 / Math.sqrt(fanIn);
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * limit);
}

/**
 * Builds a sequential network for inputs of `inputShape` (without the batch
 * dimension), drawing initial weights from `rng`.
 */
export function sequential(
  name: string,
  inputShape: readonly number[],
  layers: readonly Layer[],
  rng: RandomSource,
  init: Initializer = 'glorot',
): Model {
  const kernelValues = (shape: number[], fanIn: number, fanOut: number): Float32Array =>
    init === 'glorot' ? glorotUniform(rng, shape, fanIn, fanOut) : fanInUniform(rng, shape.reduce((a, b) => a * b, 1), fanIn);
  const biasValues = (n: number, fanIn: number): Float32Array => (init === 'glorot' ? new Float32Array(n) : fanInUniform(rng, n, fanIn));
  const id = ++instances;
  const params: Parameter[] = [];
  const variable = (key: string, shape: number[], values: Float32Array): tf.Variable => {
    const initial = tf.tensor(values, shape, 'float32');
    const v = tf.variable(initial, true, `${name}#${id}/${key}`);
    initial.dispose(); // the variable holds its own copy
    params.push({ key, variable: v });
    return v;
  };

  type Step = (x: tf.Tensor, o: ApplyOptions, dropoutIndex: number) => tf.Tensor;
  const steps: Step[] = [];
  let shape = [...inputShape];
  let dropouts = 0;
  layers.forEach((layer, i) => {
    const key = `${layer.kind}${i}`;
    switch (layer.kind) {
      case 'dense': {
        const fanIn = shape.reduce((a, b) => a * b, 1);
        if (shape.length !== 1) throw new Error(`${name}: dense layer ${i} needs a flat input; add flatten() before it`);
        const w = variable(`${key}/kernel`, [fanIn, layer.units], kernelValues([fanIn, layer.units], fanIn, layer.units));
        const b = variable(`${key}/bias`, [layer.units], biasValues(layer.units, fanIn));
        steps.push((x) => activate(tf.add(tf.matMul(x, w), b), layer.activation));
        shape = [layer.units];
        break;
      }
      case 'conv': {
        const [h, w0, c] = shape as [number, number, number];
        const k = layer.size;
        const kernelShape = [k, k, c, layer.filters];
        const kernel = variable(`${key}/kernel`, kernelShape, kernelValues(kernelShape, k * k * c, k * k * layer.filters));
        const bias = variable(`${key}/bias`, [layer.filters], biasValues(layer.filters, k * k * c));
        steps.push((x) => activate(tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, layer.padding), bias), layer.activation));
        shape = layer.padding === 'same' ? [h, w0, layer.filters] : [h - k + 1, w0 - k + 1, layer.filters];
        break;
      }
      case 'maxpool': {
        const [h, w0, c] = shape as [number, number, number];
        steps.push((x) => tf.maxPool(x as tf.Tensor4D, layer.size, layer.size, 'valid'));
        shape = [Math.floor(h / layer.size), Math.floor(w0 / layer.size), c];
        break;
      }
      case 'dropout': {
        const index = dropouts++;
        steps.push((x, o) => {
          if (!o.training || layer.rate === 0) return x;
          if (o.dropoutSeed === undefined) throw new Error(`${name}: training with dropout needs a dropout seed`);
          // Inverted dropout with a mask drawn from this step's seed (offset per layer), so a re-evaluation
          // of the same step (SGD-SA's second forward pass) sees the same mask.
          const keep = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', o.dropoutSeed + 7919 * index), layer.rate));
          return tf.div(tf.mul(x, keep), 1 - layer.rate);
        });
        break;
      }
      case 'flatten': {
        const size = shape.reduce((a, b) => a * b, 1);
        steps.push((x) => tf.reshape(x, [x.shape[0] as number, size]));
        shape = [size];
        break;
      }
    }
  });

  return {
    name,
    params,
    apply(x, options) {
      return tf.tidy(() => steps.reduce((h, step) => step(h, options, 0), x));
    },
    snapshot() {
      return params.map((p) => tf.clone(p.variable));
    },
    restore(values) {
      params.forEach((p, i) => p.variable.assign(values[i] as tf.Tensor));
    },
    dispose() {
      for (const p of params) p.variable.dispose();
    },
  };
}

/** Number of trainable values. */
export function parameterCount(model: Model): number {
  return model.params.reduce((n, p) => n + p.variable.size, 0);
}
