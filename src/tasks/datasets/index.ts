/** Image datasets: loaders for the real file formats, stratified splits, AutoLR's normalisation. */
export { DatasetError, imageSize, type ImageSet, type TrainTest } from './types.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  MNIST_LAYOUT,
  findIdxFile,
  loadIdxPair,
  loadMnistLayout,
  parseIdx,
  readIdx,
  type IdxArray,
  type IdxPairOptions,
} from './idx.js';
export { loadMnist, mnistPackageDir, type MnistOptions } from './mnist.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR, fashionMnistHowToGet, loadFashionMnist, type FashionMnistOptions } from './fashion-mnist.js';
export { CIFAR10_CLASSES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, CIFAR10_URL, loadCifar10, parseCifarBatch, type Cifar10Options } from './cifar10.js';
export { splitTrainFitness, stratifiedSplit, subsample, subsampleIndices, subset, trainFitnessIndices, type SplitSizes } from './splits.js';
export { meanImage, normalizeSplits, normalizeWithMean, type NormalizedSplits } from './normalize.js';

import { loadCifar10 } from './cifar10.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';
import { DatasetError, type TrainTest } from './types.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Loads a dataset by name, for config files and `--dataset`; `dataDir` is required for CIFAR-10 only. */
export function loadDataset(name: string, options: { readonly dataDir?: string } = {}): TrainTest {
  switch (name) {
    case 'mnist':
      return loadMnist(options);
    case 'fashion-mnist':
      return loadFashionMnist(options);
    case 'cifar10':
      if (options.dataDir === undefined) {
        throw new DatasetError('cifar10', 'needs --data-dir: the cifar-10-batches-bin folder unpacked from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
      }
      return loadCifar10({ dataDir: options.dataDir });
    default:
      throw new DatasetError(name, `unknown dataset; known: ${DATASET_NAMES.join(', ')}`);
  }
}
