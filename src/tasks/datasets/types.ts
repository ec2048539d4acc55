/**
 * The in-memory shape every image dataset loads into, and the one error type
 * its loaders throw. Pixels stay uint8 until normalisation (`normalize.ts`):
 * a quarter of the memory of float32, and the exact bytes of the file, so a
 * loaded set can be compared with its source byte for byte.
 */
import { InputError } from '../../errors.js';

/** Images and labels, N×H×W×C row-major (channels last, as tfjs expects). */
export interface ImageSet {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  readonly name: string;
}

/** The official training set (train/fitness splits come out of it) and the official test set. */
export interface TrainTest {
  readonly train: ImageSet;
  readonly test: ImageSet;
}

/**
 * A dataset file (or folder) that is missing or malformed. The message is
 * `<file>: <what is wrong>`, so a user can tell which of several files to
 * fetch again; `file` and `problem` are kept apart for callers that reformat.
 */
export class DatasetError extends InputError {
  override readonly name = 'DatasetError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Bytes per image: H×W×C. */
export function imageSize(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}
