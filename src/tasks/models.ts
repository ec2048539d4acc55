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

/** A function's value and its first two derivatives in a scalar input, at every point of a batch. */
export interface SecondOrderJet {
  readonly value: tf.Tensor;
  readonly d1: tf.Tensor;
  readonly d2: tf.Tensor;
}

export interface Model {
  readonly name: string;
  readonly params: readonly Parameter[];
  apply(x: tf.Tensor, options: ApplyOptions): tf.Tensor;
  /**
   * The network and its first and second derivatives in its one input, for
   * x of shape [n, 1], in one forward pass (forward-mode propagation of
   * (h, h', h'') through the layers), differentiable in the weights by one
   * ordinary reverse pass. Present for networks of dense layers with one
   * input; a PINN's residual needs u'' and reverse-over-reverse autodiff
   * costs several times more.
   */
  readonly applySecondOrder?: (x: tf.Tensor) => SecondOrderJet;
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

/**
 * σ(z) with its derivatives carried through: y' = σ'(z)·z', y'' = σ''(z)·z'²
 * + σ'(z)·z''. A null z'' is a known zero (the first layer's: x'' = 0).
 */
function activateJet(z: tf.Tensor, z1: tf.Tensor, z2: tf.Tensor | null, a: Activation): { y: tf.Tensor; y1: tf.Tensor; y2: tf.Tensor } {
  const chain = (s: tf.Tensor, ds: tf.Tensor, dds: tf.Tensor): { y: tf.Tensor; y1: tf.Tensor; y2: tf.Tensor } => {
    const curvature = tf.mul(dds, tf.square(z1));
    return { y: s, y1: tf.mul(ds, z1), y2: z2 === null ? curvature : tf.add(curvature, tf.mul(ds, z2)) };
  };
  switch (a) {
    case 'sin': {
      const s = tf.sin(z);
      return chain(s, tf.cos(z), tf.neg(s));
    }
    case 'cos': {
      const c = tf.cos(z);
      return chain(c, tf.neg(tf.sin(z)), tf.neg(c));
    }
    case 'relu': {
      // σ'' is 0 almost everywhere, as reverse-mode autodiff of relu gives it.
      const slope = tf.step(z);
      return { y: tf.relu(z), y1: tf.mul(slope, z1), y2: z2 === null ? tf.zerosLike(z) : tf.mul(slope, z2) };
    }
    case 'linear':
      return { y: z, y1: z1, y2: z2 === null ? tf.zerosLike(z) : z2 };
  }
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
  // The dense layers, for forward-mode derivatives; undefined once any other kind of layer appears.
  let denseLayers: Array<{ w: tf.Variable; b: tf.Variable; activation: Activation }> | undefined = inputShape.length === 1 && inputShape[0] === 1 ? [] : undefined;
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
        denseLayers?.push({ w, b, activation: layer.activation });
        shape = [layer.units];
        break;
      }
      case 'conv': {
        denseLayers = undefined;
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
        denseLayers = undefined;
        const [h, w0, c] = shape as [number, number, number];
        steps.push((x) => tf.maxPool(x as tf.Tensor4D, layer.size, layer.size, 'valid'));
        shape = [Math.floor(h / layer.size), Math.floor(w0 / layer.size), c];
        break;
      }
      case 'dropout': {
        denseLayers = undefined;
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
        denseLayers = undefined;
        const size = shape.reduce((a, b) => a * b, 1);
        steps.push((x) => tf.reshape(x, [x.shape[0] as number, size]));
        shape = [size];
        break;
      }
    }
  });

  const jetLayers = denseLayers;
  return {
    name,
    params,
    apply(x, options) {
      return tf.tidy(() => steps.reduce((h, step) => step(h, options, 0), x));
    },
    ...(jetLayers && jetLayers.length > 0 ? { applySecondOrder: (x: tf.Tensor) => denseJet(jetLayers, x) } : {}),
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

/**
 * Forward-mode (h, h', h'') through dense layers from x' = 1, x'' = 0:
 * z = hW + b, z' = h'W, z'' = h''W, then the activation's chain rule. The
 * first layer's z' is W's row broadcast and its z'' is zero, so they cost
 * nothing; after it, h' and h'' go through W in one matrix product with h.
 */
function denseJet(layers: ReadonlyArray<{ w: tf.Variable; b: tf.Variable; activation: Activation }>, x: tf.Tensor): SecondOrderJet {
  return tf.tidy(() => {
    const n = x.shape[0] as number;
    const [first, ...rest] = layers as [(typeof layers)[number], ...typeof layers];
    const z0 = tf.add(tf.matMul(x, first.w), first.b);
    const z0d1 = tf.mul(tf.onesLike(z0), first.w);
    let { y, y1, y2 } = activateJet(z0, z0d1, null, first.activation);
    for (const layer of rest) {
      const stacked = tf.matMul(tf.concat([y, y1, y2], 0), layer.w);
      const [z, z1, z2] = tf.split(stacked, [n, n, n], 0) as [tf.Tensor, tf.Tensor, tf.Tensor];
      ({ y, y1, y2 } = activateJet(tf.add(z, layer.b), z1, z2, layer.activation));
    }
    return { value: y, d1: y1, d2: y2 };
  });
}

/** Number of trainable values. */
export function parameterCount(model: Model): number {
  return model.params.reduce((n, p) => n + p.variable.size, 0);
}
