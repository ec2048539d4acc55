/**
 * IDX files, the format of MNIST and Fashion-MNIST
 * (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number — two zero
 * bytes, a data-type code (0x08 = unsigned byte) and the number of
 * dimensions — then each dimension as a big-endian uint32, then the data.
 * Files may be gzip-compressed as distributed; we detect that by content
 * (1f 8b), not by name, because renamed or half-unpacked copies are common.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError, type ImageSet } from './types.js';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (N×H×W images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (N labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

const UBYTE = 0x08;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Reads a whole file, turning "not there" into a DatasetError that names it. */
export function readDatasetFile(path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(path, 'file not found');
    throw new DatasetError(path, `cannot read file (${code ?? String(e)})`);
  }
}

/** Gunzips when the bytes start with the gzip magic, else returns them as they are. */
export function maybeGunzip(bytes: Uint8Array, file: string): { bytes: Uint8Array; gzipped: boolean } {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { bytes, gzipped: false };
  try {
    const out = gunzipSync(bytes);
    return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), gzipped: true };
  } catch (e) {
    throw new DatasetError(file, `corrupt gzip data (${(e as Error).message})`);
  }
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Parses IDX bytes (plain or gzip). `expectedMagic`, when given, pins the
 * data type and the number of dimensions. The length must match the header
 * exactly: a short file is a broken download, a long one is usually the
 * wrong file, and both would otherwise load as silently shifted pixels.
 */
export function parseIdx(raw: Uint8Array, file: string, expectedMagic?: number): IdxArray {
  const { bytes, gzipped } = maybeGunzip(raw, file);
  const where = gzipped ? ' (after gunzip)' : '';
  if (bytes.length < 4) throw new DatasetError(file, `too short for an IDX header: ${bytes.length} bytes${where}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(file, `not an IDX file: magic number ${hex32(magic)} does not start with two zero bytes${where}`);
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new DatasetError(file, `wrong magic number ${hex32(magic)}, expected ${hex32(expectedMagic)}${describeMagic(expectedMagic)}`);
  }
  const type = bytes[2] ?? 0;
  if (type !== UBYTE) throw new DatasetError(file, `unsupported IDX data type 0x${type.toString(16).padStart(2, '0')} (only 0x08, unsigned byte, is supported)`);
  const ndims = bytes[3] ?? 0;
  if (ndims === 0) throw new DatasetError(file, 'IDX header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(file, `truncated header: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}${where}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  if (dims.some((d) => d === 0)) throw new DatasetError(file, `IDX dimension of size 0 in ${dims.join(' × ')}`);
  // Doubles hold products up to 2^53 exactly; any file that large is bogus anyway and fails the length test.
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + dataBytes;
  if (bytes.length < expected) {
    throw new DatasetError(
      file,
      `truncated: header says ${dims.join(' × ')} = ${dataBytes} data bytes after the ${headerBytes}-byte header (${expected} in all), file has ${bytes.length}${where}`,
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(
      file,
      `${bytes.length - expected} trailing byte${bytes.length - expected === 1 ? '' : 's'}: header says ${dims.join(' × ')} = ${dataBytes} data bytes after the ${headerBytes}-byte header (${expected} in all), file has ${bytes.length}${where}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return ' (IDX images: unsigned bytes, 3 dimensions N×H×W)';
  if (magic === IDX_LABELS_MAGIC) return ' (IDX labels: unsigned bytes, 1 dimension N)';
  return '';
}

/** Reads and parses one IDX file. */
export function readIdx(path: string, expectedMagic?: number): IdxArray {
  return parseIdx(readDatasetFile(path), path, expectedMagic);
}

export interface IdxPairOptions {
  /** Number of classes; every label must be below it. Default 10. */
  readonly classes?: number;
  /** Name the set carries (shown in logs and reports). Default: the images path. */
  readonly name?: string;
}

/** Loads an images file and a labels file and checks that they belong together. */
export function loadIdxPair(imagesPath: string, labelsPath: string, options: IdxPairOptions = {}): ImageSet {
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) throw new RangeError(`classes must be an integer in 1..256, got ${classes}`);
  const images = readIdx(imagesPath, IDX_IMAGES_MAGIC);
  const labels = readIdx(labelsPath, IDX_LABELS_MAGIC);
  const [count = 0, height = 0, width = 0] = images.dims;
  const [labelCount = 0] = labels.dims;
  if (count !== labelCount) {
    throw new DatasetError(labelsPath, `holds ${labelCount} labels but ${imagesPath} holds ${count} images`);
  }
  checkLabels(labels.data, classes, labelsPath);
  return { images: images.data, labels: labels.data, count, height, width, channels: 1, classes, name: options.name ?? imagesPath };
}

/** Throws on the first label ≥ classes, naming its position. */
export function checkLabels(labels: Uint8Array, classes: number, file: string, describeIndex: (i: number) => string = (i) => `index ${i}`): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] ?? 0;
    if (l >= classes) throw new DatasetError(file, `label ${l} at ${describeIndex(i)} is out of range (${classes} classes: labels 0..${classes - 1})`);
  }
}

/** The four files of an MNIST-layout folder, by their distributed names (without `.gz`). */
export const MNIST_LAYOUT = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** `dir/base` if it exists, else `dir/base.gz` if that exists, else null. */
export function findIdxFile(dir: string, base: string): string | null {
  for (const candidate of [join(dir, base), join(dir, `${base}.gz`)]) if (existsSync(candidate)) return candidate;
  return null;
}

/**
 * Loads a folder laid out like the MNIST distribution (plain or `.gz` files).
 * `onMissing` builds the error for absent files, so each dataset can say how
 * to get its own files.
 */
export function loadMnistLayout(
  dir: string,
  name: string,
  onMissing: (missing: readonly string[]) => DatasetError,
  classes = 10,
): { train: ImageSet; test: ImageSet } {
  const paths = Object.fromEntries(Object.entries(MNIST_LAYOUT).map(([k, base]) => [k, findIdxFile(dir, base)])) as Record<keyof typeof MNIST_LAYOUT, string | null>;
  const missing = (Object.keys(MNIST_LAYOUT) as (keyof typeof MNIST_LAYOUT)[]).filter((k) => paths[k] === null).map((k) => `${MNIST_LAYOUT[k]}[.gz]`);
  if (missing.length > 0 || !paths.trainImages || !paths.trainLabels || !paths.testImages || !paths.testLabels) throw onMissing(missing);
  return {
    train: loadIdxPair(paths.trainImages, paths.trainLabels, { classes, name: `${name}/train` }),
    test: loadIdxPair(paths.testImages, paths.testLabels, { classes, name: `${name}/test` }),
  };
}
