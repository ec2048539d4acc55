/**
 * CIFAR-10, "binary version" (https://www.cs.toronto.edu/~kriz/cifar.html):
 * `cifar-10-binary.tar.gz` unpacks to `cifar-10-batches-bin/` with
 * data_batch_1..5.bin (10 000 records each) and test_batch.bin. A record is
 * one label byte then 3072 pixel bytes: the red plane, then green, then blue,
 * each 32×32 row-major. We reorder to HWC because tfjs convolutions are
 * channels-last.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkLabels, readDatasetFile } from './idx.js';
import { DatasetError, type ImageSet, type TrainTest } from './types.js';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = PLANE * 3;
const RECORD = 1 + PIXELS;

/** Decodes CIFAR-10 binary records (one batch file's bytes) into labels and HWC images. */
export function parseCifarBatch(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DatasetError(
      file,
      `size ${bytes.length} bytes is not a positive multiple of ${RECORD} (1 label byte + 3072 pixel bytes per record): ` +
        `${Math.floor(bytes.length / RECORD)} whole records and ${bytes.length % RECORD} bytes left over; truncated, or not a CIFAR-10 binary batch (the CIFAR-100 binary has 2 label bytes per record)`,
    );
  }
  const count = bytes.length / RECORD;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * PIXELS);
  for (let r = 0; r < count; r++) {
    const src = r * RECORD;
    labels[r] = bytes[src] ?? 0;
    const dst = r * PIXELS;
    for (let c = 0; c < 3; c++) {
      const plane = src + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) images[dst + p * 3 + c] = bytes[plane + p] ?? 0;
    }
  }
  checkLabels(labels, 10, file, (i) => `record ${i} (byte offset ${i * RECORD})`);
  return { images, labels, count };
}

function concat(parts: readonly { images: Uint8Array; labels: Uint8Array; count: number }[], name: string): ImageSet {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const p of parts) {
    images.set(p.images, n * PIXELS);
    labels.set(p.labels, n);
    n += p.count;
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3, classes: 10, name };
}

export interface Cifar10Options {
  /** The `cifar-10-batches-bin` folder, or the folder the archive was unpacked in (holding it). */
  readonly dataDir: string;
}

const cache = new Map<string, TrainTest>();

/** CIFAR-10 train (the five data batches, 50 000) and test (10 000), 32×32×3 HWC, 10 classes. Cached per folder. */
export function loadCifar10(options: Cifar10Options): TrainTest {
  let dir = resolve(options.dataDir);
  // Users point at wherever they ran `tar xzf`; accept the parent of the unpacked folder too.
  if (!existsSync(join(dir, CIFAR10_TEST_FILE)) && existsSync(join(dir, 'cifar-10-batches-bin', CIFAR10_TEST_FILE))) dir = join(dir, 'cifar-10-batches-bin');
  const hit = cache.get(dir);
  if (hit) return hit;
  const wanted = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing = wanted.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new DatasetError(
      dir,
      `CIFAR-10 binary files missing: ${missing.join(', ')}; download ${CIFAR10_URL}, unpack it (tar xzf cifar-10-binary.tar.gz) and pass the cifar-10-batches-bin folder with --data-dir`,
    );
  }
  const train = concat(
    CIFAR10_TRAIN_FILES.map((f) => parseCifarBatch(readDatasetFile(join(dir, f)), join(dir, f))),
    'cifar10/train',
  );
  const testPath = join(dir, CIFAR10_TEST_FILE);
  const test = concat([parseCifarBatch(readDatasetFile(testPath), testPath)], 'cifar10/test');
  const sets = { train, test };
  cache.set(dir, sets);
  return sets;
}
