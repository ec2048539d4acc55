/**
 * AutoLR's input normalisation (as in its Keras code): pixels as float32 in
 * [0, 1], minus the per-pixel mean image of the training split. The mean
 * comes from the training split only and is reused unchanged for the
 * fitness and test splits: computing it on those would leak their
 * statistics into the score.
 */
import { DatasetError, imageSize, type ImageSet } from './types.js';

/** The per-pixel mean of `set`'s images scaled to [0, 1]: H×W×C. */
export function meanImage(set: ImageSet): Float32Array {
  const size = imageSize(set);
  // Float64 sums: 60 000 float32 additions per pixel would drift by ~1e-4.
  const sums = new Float64Array(size);
  const { images } = set;
  for (let i = 0, o = 0; i < set.count; i++, o += size) for (let p = 0; p < size; p++) sums[p] = (sums[p] ?? 0) + (images[o + p] ?? 0);
  const mean = new Float32Array(size);
  const scale = set.count === 0 ? 0 : 1 / (255 * set.count);
  for (let p = 0; p < size; p++) mean[p] = (sums[p] ?? 0) * scale;
  return mean;
}

/** `set`'s images as float32 N×H×W×C: pixel ÷ 255 − mean (a mean image from `meanImage` of the training split). */
export function normalizeWithMean(set: ImageSet, mean: Float32Array): Float32Array {
  const size = imageSize(set);
  if (mean.length !== size) {
    throw new DatasetError(set.name, `mean image has ${mean.length} values, images have ${set.height}×${set.width}×${set.channels} = ${size}`);
  }
  const out = new Float32Array(set.count * size);
  const { images } = set;
  // Same arithmetic as x/255 − mean, but with the 256 quotients precomputed: the hot loop is one subtraction.
  const scaled = new Float64Array(256);
  for (let v = 0; v < 256; v++) scaled[v] = v / 255;
  const m = Float64Array.from(mean);
  for (let i = 0, o = 0; i < set.count; i++, o += size) {
    for (let p = 0; p < size; p++) out[o + p] = (scaled[images[o + p] as number] as number) - (m[p] as number);
  }
  return out;
}

export interface NormalizedSplits<K extends string> {
  /** The training split's mean image (H×W×C, in [0, 1]); kept so exported models can apply it to new inputs. */
  readonly mean: Float32Array;
  readonly train: Float32Array;
  readonly others: Record<K, Float32Array>;
}

/** Normalises the training split by its own mean and every other split by that same mean. */
export function normalizeSplits<K extends string>(train: ImageSet, others: Record<K, ImageSet>): NormalizedSplits<K> {
  const mean = meanImage(train);
  const out = {} as Record<K, Float32Array>;
  for (const k of Object.keys(others) as K[]) out[k] = normalizeWithMean(others[k], mean);
  return { mean, train: normalizeWithMean(train, mean), others: out };
}
