/**
 * What our wasm kernels buy in training time. Milliseconds per training step
 * (forward, backward, optimizer update) on the `wasm` backend WITHOUT the
 * speed replacements (stock kernels plus the correctness fixes, which
 * training needs: a conv net cannot even compute its gradient without our
 * Conv2DBackpropFilter) and WITH them, and the ratio, for:
 *
 * - MLP 784-256-10, batch 128, softmax cross-entropy, SGD;
 * - CNN 28×28×1 → conv 3×3×16 relu → maxpool 2 → conv 3×3×32 relu →
 *   maxpool 2 → dense 10 ('same' padding), batch 128, SGD;
 * - PINN: MLP 1→100→100→100→1 with sin, cos, sin activations, loss =
 *   mean((u'' + k²u)²) over 1000 points, Adam; u'' by nested tf.grad in x
 *   (pinn) or by forward-mode propagation through the layers (pinn-fwd, as
 *   the Helmholtz task trains);
 *
 * plus the `cpu` backend on the MLP as a reference, and the `webgpu` backend
 * (tfjs's own kernels and our one fix, on whatever adapter Dawn finds: a
 * GPU, or lavapipe on CPU) where an adapter exists; its column reads '-'
 * otherwise. Models are built here from tf ops and tf.variable. Every step
 * reads its loss with `await data()` (webgpu cannot read synchronously in
 * Node), which also waits for the GPU to finish the step.
 *
 * Fairness: each model runs in its own child process, and within it the
 * "without" and "with" steps alternate on the same model (the speed kernels
 * are registered and unregistered between steps, which costs nothing next to
 * a step; the order flips every round). Sequential runs drifted by ±30% here
 * with the load of a shared 2-core machine; alternation exposes both
 * configurations to the same load. Both warm up first; every step is timed
 * alone and the median is printed. Figures are from this run on this
 * machine; no thresholds. webgpu runs in its own process after the wasm one
 * (not alternated), with more warm-up steps: its first steps compile shaders.
 *
 *   npx tsx bench/train-step.ts [mlp|cnn|pinn|pinn-fwd ...]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend } from '../src/evaluator/backend.js';
import { FAST_KERNELS, FIX_KERNELS, installWasmKernels } from '../src/evaluator/kernels/index.js';
import { describeAdapter } from '../src/evaluator/webgpu.js';
import { Stream } from '../src/random/stream.js';
import { dense as layer, sequential } from '../src/tasks/models.js';

type ModelName = 'mlp' | 'cnn' | 'pinn' | 'pinn-fwd';

/** Warm-up steps and timed steps per configuration. */
const PLAN: Readonly<Record<ModelName, { warmup: number; timed: number }>> = {
  mlp: { warmup: 5, timed: 25 },
  cnn: { warmup: 2, timed: 8 },
  pinn: { warmup: 2, timed: 10 },
  'pinn-fwd': { warmup: 2, timed: 10 },
};
const CPU_PLAN = { warmup: 1, timed: 5 };
/** webgpu: shader compilation makes the first steps slow; lavapipe is slow per step. */
const WEBGPU_PLAN: Readonly<Record<ModelName, { warmup: number; timed: number }>> = {
  mlp: { warmup: 5, timed: 15 },
  cnn: { warmup: 3, timed: 5 },
  pinn: { warmup: 3, timed: 8 },
  'pinn-fwd': { warmup: 3, timed: 8 },
};

/** One training step: resolves when its loss has been read back. */
type Step = () => Promise<void>;

function dense(inputs: number, outputs: number, seed: number): [tf.Variable, tf.Variable] {
  const w = tf.variable(tf.randomNormal([inputs, outputs], 0, Math.sqrt(2 / (inputs + outputs)), 'float32', seed));
  return [w, tf.variable(tf.zeros([outputs]))];
}

function mlpStep(): Step {
  const [w1, b1] = dense(784, 256, 1);
  const [w2, b2] = dense(256, 10, 2);
  const x = tf.randomUniform([128, 784], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 4), 10, 1, 0, 'float32');
  const opt = tf.train.sgd(0.05);
  return async () => {
    const loss = opt.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
    }, true);
    await loss?.data();
    loss?.dispose();
  };
}

function cnnStep(): Step {
  const k1 = tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 1, 16], 0, Math.sqrt(2 / 9), 'float32', 5));
  const c1 = tf.variable(tf.zeros([16]));
  const k2 = tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 16, 32], 0, Math.sqrt(2 / 144), 'float32', 6));
  const c2 = tf.variable(tf.zeros([32]));
  const [w, b] = dense(7 * 7 * 32, 10, 7);
  const x = tf.randomUniform<tf.Rank.R4>([128, 28, 28, 1], 0, 1, 'float32', 8);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 9), 10, 1, 0, 'float32');
  const opt = tf.train.sgd(0.05);
  return async () => {
    const loss = opt.minimize(() => {
      const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, k1, 1, 'same'), c1)) as tf.Tensor4D, 2, 2, 'valid');
      const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, k2, 1, 'same'), c2)) as tf.Tensor4D, 2, 2, 'valid');
      const logits = tf.add(tf.matMul(tf.reshape(h2, [128, 7 * 7 * 32]), w), b);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, true);
    await loss?.data();
    loss?.dispose();
  };
}

/**
 * The PINN step with the engine's own network (src/tasks/models.ts), u'' by
 * nested tf.grad in x ('pinn') or by forward-mode propagation of (u, u', u'')
 * through the layers ('pinn-fwd', what the Helmholtz task trains with).
 */
function pinnStep(mode: 'nested' | 'forward'): () => Step {
  return () => {
    const model = sequential('pinn', [1], [layer(100, 'sin'), layer(100, 'cos'), layer(100, 'sin'), layer(1)], new Stream('bench:pinn'), 'fan-in');
    const x = tf.reshape(tf.linspace(0, 1, 1000), [1000, 1]);
    const k = 4;
    const opt = tf.train.adam(1e-3);
    const u = (t: tf.Tensor): tf.Tensor => model.apply(t, { training: false });
    // Points are independent, so the gradient of Σu is u' at every point.
    const du = tf.grad((t: tf.Tensor) => tf.sum(u(t)));
    const d2u = tf.grad((t: tf.Tensor) => tf.sum(du(t)));
    const residual = (): tf.Tensor => {
      if (mode === 'nested') return tf.add(d2u(x), tf.mul(k * k, u(x)));
      const jet = model.applySecondOrder?.(x);
      if (!jet) throw new Error('the PINN network has no forward-mode jet');
      return tf.add(jet.d2, tf.mul(k * k, jet.value));
    };
    return async () => {
      const loss = opt.minimize(() => tf.mean(tf.square(residual())) as tf.Scalar, true);
      await loss?.data();
      loss?.dispose();
    };
  };
}

const MODELS: Readonly<Record<ModelName, () => Step>> = { mlp: mlpStep, cnn: cnnStep, pinn: pinnStep('nested'), 'pinn-fwd': pinnStep('forward') };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeStep(step: Step): Promise<number> {
  const t0 = performance.now();
  await step();
  return performance.now() - t0;
}

async function timeAll(step: Step, plan: { warmup: number; timed: number }): Promise<number[]> {
  for (let i = 0; i < plan.warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < plan.timed; i++) times.push(await timeStep(step));
  return times;
}

type ChildResult = { times: Record<string, number>; adapter?: string; unavailable?: string };

/** One model in this process: wasm without and with the speed kernels, alternating; or the cpu or webgpu reference. */
async function child(job: string): Promise<void> {
  const [backend, model] = job.split(':') as ['wasm' | 'cpu' | 'webgpu', ModelName];
  if (!(model in MODELS)) throw new Error(`unknown job ${job}`);
  const out = (r: ChildResult): void => {
    process.stdout.write(JSON.stringify(r) + '\n');
  };
  let adapter: string | undefined;
  try {
    const info = await initBackend(backend);
    if (info.adapter) adapter = describeAdapter(info.adapter);
  } catch (e) {
    if (!(e instanceof BackendUnavailableError)) throw e;
    out({ times: {}, unavailable: e.message });
    return;
  }
  const step = MODELS[model]();
  const result: ChildResult = { times: {}, ...(adapter ? { adapter } : {}) };
  if (backend === 'cpu') {
    result.times['cpu'] = median(await timeAll(step, CPU_PLAN));
  } else if (backend === 'webgpu') {
    result.times['webgpu'] = median(await timeAll(step, WEBGPU_PLAN[model]));
  } else {
    const plan = PLAN[model];
    const times = { without: [] as number[], with: [] as number[] };
    for (const fast of [false, true]) {
      installWasmKernels({ fast });
      for (let i = 0; i < plan.warmup; i++) await step();
    }
    for (let i = 0; i < plan.timed; i++) {
      for (const fast of i % 2 === 0 ? [false, true] : [true, false]) {
        installWasmKernels({ fast });
        times[fast ? 'with' : 'without'].push(await timeStep(step));
      }
    }
    result.times['without'] = median(times.without);
    result.times['with'] = median(times.with);
  }
  out(result);
}

function runChild(job: string): ChildResult {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', job], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${job} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildResult;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--child');
  if (at >= 0) return child(process.argv[at + 1] ?? '');

  const fmt = (ms: number | undefined) => (ms === undefined ? '-' : ms.toFixed(1)).padStart(10);
  console.log(`train step, median ms (${process.arch}, Node ${process.versions.node}, tfjs ${tf.version_core})`);
  console.log(`wasm without: stock kernels + our fixes [${FIX_KERNELS.map((k) => k.kernelName).join(', ')}]`);
  console.log(`wasm with:    + our speed replacements [${FAST_KERNELS.map((k) => k.kernelName).join(', ')}]\n`);
  console.log(`webgpu:       tfjs's kernels + our MaxPoolGrad fix, on the adapter below\n`);
  console.log(`model     ${'without'.padStart(10)}${'with'.padStart(10)}${'speed-up'.padStart(10)}${'cpu'.padStart(10)}${'webgpu'.padStart(10)}`);
  const notes = new Set<string>();
  const chosen = process.argv.slice(2).filter((a): a is ModelName => a in MODELS);
  for (const model of chosen.length > 0 ? chosen : (Object.keys(MODELS) as ModelName[])) {
    const wasm = runChild(`wasm:${model}`).times;
    const cpu = model === 'mlp' ? runChild(`cpu:${model}`).times['cpu'] : undefined;
    const gpu = runChild(`webgpu:${model}`);
    if (gpu.adapter) notes.add(`webgpu adapter: ${gpu.adapter}`);
    if (gpu.unavailable) notes.add(`webgpu: ${gpu.unavailable}`);
    const a = wasm['without']!;
    const b = wasm['with']!;
    console.log(`${model.padEnd(10)}${fmt(a)}${fmt(b)}${`${(a / b).toFixed(2)}x`.padStart(10)}${fmt(cpu)}${fmt(gpu.times['webgpu'])}`);
  }
  if (notes.size > 0) console.log(`\n${[...notes].join('\n')}`);
}

await main();
