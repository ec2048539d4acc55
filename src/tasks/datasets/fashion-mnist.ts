/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): MNIST's format and sizes, ten
 * clothing classes, a harder benchmark. Not bundled (30 MB): read from a
 * folder the user names, else from where Debian's `dataset-fashion-mnist`
 * package installs its gzipped IDX files.
 */
import { resolve } from 'node:path';
import { loadMnistLayout, MNIST_LAYOUT } from './idx.js';
import { DatasetError, type TrainTest } from './types.js';

/** Where `apt-get install dataset-fashion-mnist` puts the four `.gz` files (Debian bookworm). */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export interface FashionMnistOptions {
  /** A folder with the four IDX files (plain or `.gz`); default `FASHION_MNIST_SYSTEM_DIR`. */
  readonly dataDir?: string;
}

/** How to get the files, for the error when they are not there. */
export function fashionMnistHowToGet(): string {
  const files = Object.values(MNIST_LAYOUT)
    .map((f) => `${f}.gz`)
    .join(', ');
  return (
    `on Debian/Ubuntu run \`sudo apt-get install dataset-fashion-mnist\` (installs them in ${FASHION_MNIST_SYSTEM_DIR}), ` +
    `or download ${files} from https://github.com/zalandoresearch/fashion-mnist (data/fashion/) into a folder and pass it with --data-dir`
  );
}

const cache = new Map<string, TrainTest>();

/** Fashion-MNIST train (60 000) and test (10 000), 28×28×1, 10 classes. Cached per folder for the process. */
export function loadFashionMnist(options: FashionMnistOptions = {}): TrainTest {
  const dir = resolve(options.dataDir ?? FASHION_MNIST_SYSTEM_DIR);
  const hit = cache.get(dir);
  if (hit) return hit;
  const sets = loadMnistLayout(dir, 'fashion-mnist', (missing) => new DatasetError(dir, `Fashion-MNIST files missing: ${missing.join(', ')}; ${fashionMnistHowToGet()}`));
  cache.set(dir, sets);
  return sets;
}
