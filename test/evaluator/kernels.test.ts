/**
 * Our wasm kernels against the cpu backend: the same computation, on the same
 * numbers, run once on each backend (tensors are made inside the run, on the
 * backend active then), values and gradients compared within float32
 * tolerance. Every case also checks that the wasm run leaves no tensor and
 * no backend buffer behind. Convolution and matMul cases run with the speed
 * replacements and without them (fixes only), since the benchmark and the
 * `fastKernels: false` option rely on both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { initBackend } from '../../src/evaluator/backend.js';
import { im2colLimits } from '../../src/evaluator/kernels/filter-gradient.js';
import { FAST_KERNELS, FIX_KERNELS, installWasmKernels } from '../../src/evaluator/kernels/index.js';

type Run = () => tf.Tensor | tf.Tensor[];

function randoms(n: number, seed: string, lo = -1, hi = 1): number[] {
  const g = seedrandom(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * g());
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function numDataIds(): number {
  return tf.engine().backend.numDataIds();
}

/** Runs `f` on the given backend; returns its outputs' values and checks nothing leaked. */
async function runOn(backend: 'cpu' | 'wasm', f: Run): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = numDataIds();
  const outs = tf.tidy(f);
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: tensors leaked`);
  assert.equal(numDataIds(), idsBefore, `${backend}: backend buffers leaked`);
  return values;
}

/** |wasm − cpu| ≤ tol · max(1, max|cpu|) element-wise (float32 sums in another order). */
async function agree(label: string, f: Run, tol = 2e-5): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  assert.equal(got.length, want.length, label);
  want.forEach((w, i) => {
    const g = got[i]!;
    assert.equal(g.length, w.length, `${label} output ${i}: length`);
    let scale = 1;
    for (const v of w) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < w.length; j++) {
      const a = g[j]!;
      const b = w[j]!;
      if (Number.isNaN(b) || !Number.isFinite(b)) {
        assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${label} output ${i}[${j}]: wasm ${a}, cpu ${b}`);
        continue;
      }
      assert.ok(Math.abs(a - b) <= tol * scale, `${label} output ${i}[${j}]: wasm ${a}, cpu ${b} (scale ${scale})`);
    }
  });
}

/** A loss whose dy is not uniform: Σ out · R for fixed random R. */
function weightedSum(out: tf.Tensor, seed: string): tf.Scalar {
  return tf.sum(tf.mul(out, tf.tensor(randoms(out.size, seed), out.shape)));
}

const MODES = [
  { name: 'fast kernels', fast: true },
  { name: 'fixes only', fast: false },
] as const;

before(async () => {
  await initBackend('wasm');
});

after(() => {
  installWasmKernels({ fast: true });
});

describe('registration', () => {
  it('installs every fix and, with fast, every replacement, idempotently', () => {
    const names = installWasmKernels({ fast: true });
    const first = names.map((n) => tf.getKernel(n, 'wasm'));
    assert.deepEqual(installWasmKernels({ fast: true }), names);
    assert.deepEqual(
      names.map((n) => tf.getKernel(n, 'wasm')),
      first,
    );
    assert.deepEqual(new Set(names), new Set([...FIX_KERNELS, ...FAST_KERNELS].map((k) => k.kernelName)));
  });

  it('fast: false puts the stock kernels (or our fix of the same name) back, and fast: true ours again', () => {
    const fastNames = installWasmKernels({ fast: true });
    const fastConfigs = new Map(fastNames.map((n) => [n, tf.getKernel(n, 'wasm')]));
    const fixNames = installWasmKernels({ fast: false });
    assert.deepEqual(new Set(fixNames), new Set(FIX_KERNELS.map((k) => k.kernelName)));
    for (const fix of FIX_KERNELS) assert.equal(tf.getKernel(fix.kernelName, 'wasm').kernelFunc, fix.kernelFunc, fix.kernelName);
    for (const fast of FAST_KERNELS) {
      const now = tf.getKernel(fast.kernelName, 'wasm');
      assert.notEqual(now.kernelFunc, fast.kernelFunc, `${fast.kernelName} should no longer be the fast one`);
    }
    installWasmKernels({ fast: true });
    for (const [name, config] of fastConfigs) assert.equal(tf.getKernel(name, 'wasm'), config, name);
  });
});

describe('BatchMatMul right operand reused with another shape', () => {
  for (const mode of MODES) {
    it(`multiplies by the reshaped buffer, not a stale XNNPACK operator (${mode.name})`, async () => {
      installWasmKernels({ fast: mode.fast });
      try {
        await agree('reshaped b', () => {
          const b = tf.reshape(tf.range(0, 12), [6, 2]);
          const first = tf.matMul(tf.ones([2, 6]), b);
          return [first, tf.matMul(tf.ones([2, 3]), tf.reshape(b, [3, 4])), tf.matMul(tf.ones([3, 2]), tf.reshape(b, [2, 6]))];
        });
      } finally {
        installWasmKernels({ fast: true });
      }
    });
  }
});

for (const mode of MODES) {
  describe(`conv2d values and gradients (${mode.name})`, () => {
    before(() => installWasmKernels({ fast: mode.fast }));
    after(() => installWasmKernels({ fast: true }));
    type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
    const cases: { x: number[]; w: number[]; s: number | [number, number]; pad: Pad; round?: 'floor' }[] = [];
    for (const s of [1, 2] as const) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push({ x: [2, 7, 7, 3], w: [3, 3, 3, 4], s, pad });
        cases.push({ x: [1, 6, 9, 2], w: [2, 3, 2, 5], s, pad });
      }
    }
    cases.push({ x: [3, 8, 5, 1], w: [3, 3, 1, 2], s: [2, 1], pad: 'same' });
    cases.push({ x: [2, 5, 5, 4], w: [1, 1, 4, 3], s: 1, pad: 'valid' });
    cases.push({ x: [2, 5, 5, 2], w: [5, 5, 2, 2], s: 1, pad: 'valid' });
    cases.push({ x: [2, 7, 6, 2], w: [3, 3, 2, 3], s: 2, pad: 1, round: 'floor' });
    cases.push({ x: [1, 6, 6, 2], w: [3, 2, 2, 2], s: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] });
    // Padding wider than the filter: the fast input gradient hands this to the stock kernel.
    cases.push({ x: [1, 5, 5, 1], w: [3, 3, 1, 2], s: 1, pad: [[0, 0], [3, 0], [0, 0], [0, 0]] });
    for (const c of cases) {
      const label = `x ${c.x} filter ${c.w} stride ${c.s} pad ${JSON.stringify(c.pad)}${c.round ? ` ${c.round}` : ''}`;
      it(label, async () => {
        const xs = randoms(size(c.x), `x${label}`);
        const ws = randoms(size(c.w), `w${label}`);
        await agree(label, () => {
          const x = tf.tensor4d(xs, c.x as [number, number, number, number]);
          const w = tf.tensor4d(ws, c.w as [number, number, number, number]);
          const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', 1, c.round);
          const loss = (a: tf.Tensor, b: tf.Tensor) => weightedSum(conv(a, b), label);
          return [conv(x, w), ...tf.grads(loss)([x, w])];
        });
      });
    }
  });
}

describe('conv2d gradient with dimRoundingMode ceil', () => {
  it('refuses, naming the shapes, rather than read a dy larger than the attributes say', async () => {
    // tfjs-core's conv2d gradient drops dimRoundingMode, so its kernels get floor-rounded geometry.
    await tf.setBackend('wasm');
    const x = tf.ones([1, 7, 6, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    assert.throws(
      () => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 2, 1, 'NHWC', 1, 'ceil')))(w),
      /Conv2DBackpropFilter on wasm: dy has shape \[1, 4, 4, 1\], the attributes imply \[1, 4, 3, 1\]/,
    );
    tf.dispose([x, w]);
  });
});

describe('conv2d filter gradient in several im2col chunks', () => {
  it('sums the partial GEMMs of a chunked batch', async () => {
    const saved = im2colLimits.chunkElements;
    im2colLimits.chunkElements = 2000;
    try {
      const xs = randoms(5 * 6 * 6 * 2, 'chunk x');
      await agree('chunked', () => {
        const x = tf.tensor4d(xs, [5, 6, 6, 2]);
        return tf.grad((w: tf.Tensor) => weightedSum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), 'chunk'))(tf.ones([3, 3, 2, 3]));
      });
    } finally {
      im2colLimits.chunkElements = saved;
    }
  });
});

describe('conv3d values and gradients', () => {
  const cases: { s: number | [number, number, number]; pad: 'same' | 'valid' }[] = [
    { s: 1, pad: 'same' },
    { s: 1, pad: 'valid' },
    { s: 2, pad: 'same' },
    { s: 2, pad: 'valid' },
    { s: [2, 1, 2], pad: 'same' },
  ];
  for (const c of cases) {
    const label = `stride ${c.s} ${c.pad}`;
    it(label, async () => {
      const xs = randoms(2 * 5 * 6 * 5 * 2, `x3${label}`);
      const ws = randoms(2 * 3 * 2 * 2 * 3, `w3${label}`);
      await agree(label, () => {
        const x = tf.tensor5d(xs, [2, 5, 6, 5, 2]);
        const w = tf.tensor5d(ws, [2, 3, 2, 2, 3]);
        const conv = (a: tf.Tensor, f: tf.Tensor) => tf.conv3d(a as tf.Tensor5D, f as tf.Tensor5D, c.s, c.pad);
        return [conv(x, w), ...tf.grads((a: tf.Tensor, f: tf.Tensor) => weightedSum(conv(a, f), label))([x, w])];
      });
    });
  }

  it('input gradient in several col2im chunks', async () => {
    const saved = im2colLimits.chunkElements;
    im2colLimits.chunkElements = 500;
    try {
      const ws = randoms(2 * 2 * 2 * 2 * 3, 'chunk3 w');
      await agree('chunked 3d', () => {
        const w = tf.tensor5d(ws, [2, 2, 2, 2, 3]);
        return tf.grad((a: tf.Tensor) => weightedSum(tf.conv3d(a as tf.Tensor5D, w, 1, 'same'), 'chunk3'))(tf.ones([3, 4, 4, 4, 2]));
      });
    } finally {
      im2colLimits.chunkElements = saved;
    }
  });
});

describe('maxPool3d values and gradients', () => {
  const cases: { k: number; s: number; pad: 'same' | 'valid' }[] = [
    { k: 2, s: 2, pad: 'valid' },
    { k: 3, s: 2, pad: 'same' },
    { k: 2, s: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    for (const sign of ['mixed', 'all ≤ 0'] as const) {
      const label = `window ${c.k} stride ${c.s} ${c.pad}, ${sign}`;
      it(label, async () => {
        const xs = randoms(2 * 5 * 6 * 5 * 2, label, sign === 'mixed' ? -1 : -2, sign === 'mixed' ? 1 : 0);
        await agree(label, () => {
          const x = tf.tensor5d(xs, [2, 5, 6, 5, 2]);
          const pool = (a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, c.k, c.s, c.pad);
          return [pool(x), tf.grad((a: tf.Tensor) => weightedSum(pool(a), label))(x)];
        });
      });
    }
  }
});

describe('maxPool values and gradients', () => {
  const cases: { k: number | [number, number]; s: number; pad: 'same' | 'valid' }[] = [
    { k: 2, s: 2, pad: 'valid' },
    { k: 2, s: 2, pad: 'same' },
    { k: 3, s: 2, pad: 'same' },
    { k: 3, s: 1, pad: 'same' },
    { k: 2, s: 1, pad: 'valid' },
    { k: [3, 2], s: 2, pad: 'valid' },
  ];
  // The forward value of a NaN window is backend-defined; its gradient must still follow cpu's rule.
  const inputs: { name: string; values: (seed: string, n: number) => number[]; gradientOnly?: boolean }[] = [
    { name: 'mixed signs', values: (seed, n) => randoms(n, seed) },
    { name: 'all ≤ 0', values: (seed, n) => randoms(n, seed, -3, 0) },
    { name: 'all -1 (ties everywhere)', values: (_seed, n) => new Array<number>(n).fill(-1) },
    { name: 'small integers (ties)', values: (seed, n) => randoms(n, seed, -3, 3).map(Math.round) },
    {
      name: 'with NaN and -Infinity',
      values: (seed, n) => randoms(n, seed).map((v, i) => (i % 7 === 0 ? NaN : i % 5 === 0 ? -Infinity : v)),
      gradientOnly: true,
    },
    { name: 'all -Infinity', values: (_seed, n) => new Array<number>(n).fill(-Infinity) },
  ];
  for (const c of cases) {
    for (const input of inputs) {
      const label = `window ${c.k} stride ${c.s} ${c.pad}, ${input.name}`;
      it(label, async () => {
        const shape: [number, number, number, number] = [2, 7, 6, 3];
        const xs = input.values(label, size(shape));
        await agree(label, () => {
          const x = tf.tensor4d(xs, shape);
          const grad = tf.grad((a: tf.Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), label))(x);
          return input.gradientOnly ? [grad] : [tf.maxPool(x, c.k, c.s, c.pad), grad];
        });
      });
    }
  }

  it('trains a conv → relu → maxPool stack the same on both backends', async () => {
    const xs = randoms(4 * 8 * 8 * 1, 'stack x');
    const ws = randoms(3 * 3 * 1 * 4, 'stack w', -0.5, 0.5);
    await agree('stack', () => {
      const x = tf.tensor4d(xs, [4, 8, 8, 1]);
      const w = tf.tensor4d(ws, [3, 3, 1, 4]);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        weightedSum(tf.maxPool(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), 2, 2, 'valid'), 'stack');
      return tf.grads(loss)([x, w]);
    });
  });
});

for (const mode of MODES) {
  describe(`matMul values and gradients (${mode.name})`, () => {
    before(() => installWasmKernels({ fast: mode.fast }));
    after(() => installWasmKernels({ fast: true }));
    const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        cases.push({ a: ta ? [7, 5] : [5, 7], b: tb ? [3, 7] : [7, 3], ta, tb });
        cases.push({ a: ta ? [3, 7, 5] : [3, 5, 7], b: tb ? [3, 4, 7] : [3, 7, 4], ta, tb });
        cases.push({ a: ta ? [2, 7, 5] : [2, 5, 7], b: tb ? [4, 7] : [7, 4], ta, tb });
        cases.push({ a: ta ? [7, 5] : [5, 7], b: tb ? [3, 4, 7] : [3, 7, 4], ta, tb });
      }
    }
    cases.push({ a: [2, 3, 4, 5], b: [2, 3, 5, 2], ta: false, tb: false });
    cases.push({ a: [1, 6], b: [6, 1], ta: false, tb: false });
    cases.push({ a: [6, 1], b: [6, 4], ta: true, tb: false });
    for (const c of cases) {
      const label = `${c.a}${c.ta ? 'ᵀ' : ''} · ${c.b}${c.tb ? 'ᵀ' : ''}`;
      // tfjs's matMul gradient refuses broadcast batch shapes on every backend: values only there.
      const broadcast = c.a.length !== c.b.length;
      it(label, async () => {
        const as = randoms(size(c.a), `a${label}`);
        const bs = randoms(size(c.b), `b${label}`);
        await agree(label, () => {
          const a = tf.tensor(as, c.a);
          const b = tf.tensor(bs, c.b);
          const loss = (p: tf.Tensor, q: tf.Tensor) => weightedSum(tf.matMul(p, q, c.ta, c.tb), label);
          return [tf.matMul(a, b, c.ta, c.tb), ...(broadcast ? [] : tf.grads(loss)([a, b]))];
        });
      });
    }

    it('an MLP layer at training size (784 → 32, batch 16)', async () => {
      const xs = randoms(16 * 784, 'mlp x');
      const ws = randoms(784 * 32, 'mlp w', -0.05, 0.05);
      await agree('mlp', () => {
        const x = tf.tensor2d(xs, [16, 784]);
        const w = tf.tensor2d(ws, [784, 32]);
        const loss = (p: tf.Tensor, q: tf.Tensor) => weightedSum(tf.relu(tf.matMul(p, q)), 'mlp');
        return tf.grads(loss)([x, w]);
      });
    });
  });
}

describe('identity without a copy', () => {
  it('shares the input buffer, which stays alive until both are disposed', async () => {
    await tf.setBackend('wasm');
    installWasmKernels({ fast: true });
    const before = numDataIds();
    const x = tf.tensor2d([1, -2, 3.5, 4], [2, 2]);
    const y = tf.clone(x); // tf.clone runs the Identity kernel
    assert.equal(numDataIds(), before + 1, 'one heap buffer for input and output');
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), [1, -2, 3.5, 4]);
    y.dispose();
    assert.equal(numDataIds(), before, 'the buffer is freed with the last tensor');
  });

  for (const mode of MODES) {
    it(`values and gradients through clone agree with cpu (${mode.name})`, async () => {
      installWasmKernels({ fast: mode.fast });
      const xs = randoms(3 * 4, 'identity');
      await agree('identity', () => {
        const x = tf.tensor2d(xs, [3, 4]);
        return [tf.clone(x), tf.grad((a: tf.Tensor) => weightedSum(tf.relu(tf.clone(a)), 'identity'))(x)];
      });
      installWasmKernels({ fast: true });
    });
  }

  it('string tensors keep the stock kernel', async () => {
    await tf.setBackend('wasm');
    installWasmKernels({ fast: true });
    const s = tf.tensor1d(['a', 'bc']);
    const c = tf.clone(s);
    assert.deepEqual(await c.data(), ['a', 'bc']);
    tf.dispose([s, c]);
  });
});

describe('oneHot', () => {
  const indices = [0, 3, 1, 9, -1, 2, 2, 4];
  for (const dtype of ['float32', 'int32'] as const) {
    it(`${dtype}, out-of-range indices, 1-D and 2-D`, async () => {
      await agree(dtype, () => [
        tf.oneHot(tf.tensor1d(indices, 'int32'), 5, 1, 0, dtype).toFloat(),
        tf.oneHot(tf.tensor2d(indices, [2, 4], 'int32'), 4, 7, -2, dtype).toFloat(),
      ]);
    });
  }

  it('float32 with non-integer on/off values (label smoothing)', async () => {
    await agree('smoothing', () => tf.oneHot(tf.tensor1d(indices, 'int32'), 6, 0.9, 0.02, 'float32'));
  });

  it('as float32 labels of a softmax cross-entropy: loss and gradient', async () => {
    const logits = randoms(8 * 5, 'logits', -3, 3);
    await agree('xent', () => {
      const labels = tf.oneHot(tf.tensor1d([0, 4, 1, 3, 2, 2, 0, 4], 'int32'), 5, 1, 0, 'float32');
      const z = tf.tensor2d(logits, [8, 5]);
      const loss = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, l) as tf.Scalar;
      return [loss(z), tf.grad(loss)(z)];
    });
  });
});

describe('sin and cos', () => {
  const special = [0, -0, 1e-30, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 1e3, -12345.678, 8e5, 9e5, 1e6, 3e7, NaN, Infinity, -Infinity];
  const xs = [...randoms(2000, 'trig small', -10, 10), ...randoms(500, 'trig large', -1e5, 1e5), ...special];

  it('values over small, large and special arguments', async () => {
    await agree('sin/cos', () => {
      const x = tf.tensor1d(xs);
      return [tf.sin(x), tf.cos(x)];
    }, 1e-6);
  });

  it('first and second derivatives by nested grad (the PINN pattern)', async () => {
    const pts = randoms(300, 'trig grad', -4, 4);
    await agree('trig grads', () => {
      const x = tf.tensor1d(pts);
      const u = (t: tf.Tensor) => tf.sin(tf.cos(tf.mul(t, 2)));
      const du = tf.grad((t: tf.Tensor) => tf.sum(u(t)));
      const d2u = tf.grad((t: tf.Tensor) => tf.sum(du(t)));
      return [u(x), du(x), d2u(x)];
    }, 1e-5);
  });
});
