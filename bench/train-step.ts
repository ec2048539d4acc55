/**
 * What our wasm kernels buy in training time, and where it stands against
 * PyTorch. Milliseconds per training step (forward, backward, optimizer
 * update) for:
 *
 * - MLP 784-256-10, batch 128, softmax cross-entropy, SGD;
 * - CNN 28×28×1 → conv 3×3×16 relu → maxpool 2 → conv 3×3×32 relu →
 *   maxpool 2 → dense 10 ('same' padding), batch 128, SGD;
 * - PINN: MLP 1→100→100→100→1 with sin, cos, sin activations, loss =
 *   mean((u'' + k²u)²) over 1000 points, Adam; u'' by nested tf.grad in x
 *   (pinn) or by forward-mode propagation through the layers (pinn-fwd, as
 *   the Helmholtz task trains);
 *
 * in three configurations measured side by side:
 *
 * - stock: the `wasm` backend WITHOUT our speed replacements (stock kernels
 *   plus the correctness fixes, which training needs: a conv net cannot even
 *   compute its gradient without our Conv2DBackpropFilter);
 * - ours: WITH them (what the engine trains with);
 * - torch: the same model in PyTorch on one thread (bench/torch_train_step.py:
 *   same shapes, batch, loss, optimizer, initialisation scheme and plan),
 *   where a python3 on this machine imports torch; its columns read '-'
 *   otherwise.
 *
 * plus the `cpu` backend on the MLP as a reference, and the `webgpu` backend
 * (tfjs's own kernels and our one fix, on whatever adapter Dawn finds: a
 * GPU, or lavapipe on CPU) where an adapter exists. Every step reads its
 * loss back (`await data()` / `loss.item()`), which also waits for a GPU.
 *
 * Fairness: each model runs in a wasm step server and a torch step server
 * (child processes), and the parent asks them for one timed step at a time,
 * rotating the order of the three configurations every round (stock, ours,
 * torch; ours, torch, stock; …). Sequential runs drifted by ±30 % here with
 * the load of a shared 2-core machine; alternation exposes all three to the
 * same load, so ratios from one run are fair even when absolute times are
 * not. Stock and ours share one model in one process (the speed kernels are
 * registered and unregistered between steps, which costs nothing next to a
 * step). All warm up first; every step is timed alone; the table prints the
 * median and the interquartile range. cpu and webgpu run after, in their own
 * processes (not alternated; webgpu with more warm-up: its first steps
 * compile shaders).
 *
 *   npx tsx bench/train-step.ts [mlp|cnn|pinn|pinn-fwd ...] [--skip cpu,webgpu,torch] [--json]
 *
 * `--json` prints one JSON document (every time measured, with the machine's
 * load) instead of the table.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
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
  cnn: { warmup: 2, timed: 12 },
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

/** Where a step's time went: the median and the spread of the timed steps. */
interface Summary {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
  readonly times: number[];
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function summarise(times: number[]): Summary {
  const s = [...times].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), min: s[0]!, max: s[s.length - 1]!, times };
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

type ChildResult = { times: number[]; adapter?: string; unavailable?: string };

/** The cpu or webgpu reference for one model, in this process: warm-up, then the timed steps. */
async function referenceChild(job: string): Promise<void> {
  const [backend, model] = job.split(':') as ['cpu' | 'webgpu', ModelName];
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
    out({ times: [], unavailable: e.message });
    return;
  }
  const times = await timeAll(MODELS[model](), backend === 'cpu' ? CPU_PLAN : WEBGPU_PLAN[model]);
  out({ times, ...(adapter ? { adapter } : {}) });
}

/**
 * The wasm step server for one model (see the header): one model, stock or
 * our kernels installed per request. Answers each line of stdin with one line.
 */
async function wasmServer(model: ModelName): Promise<void> {
  if (!(model in MODELS)) throw new Error(`unknown model ${model}`);
  await initBackend('wasm');
  const step = MODELS[model]();
  const select = (config: string | undefined): void => {
    if (config !== 'stock' && config !== 'ours') throw new Error(`unknown wasm configuration ${config}`);
    installWasmKernels({ fast: config === 'ours' });
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...rest] = line.trim().split(/\s+/);
    let answer: string;
    if (command === 'warmup') {
      select(rest[1]);
      for (let i = 0; i < Number(rest[0]); i++) await step();
      answer = 'ok';
    } else if (command === 'time') {
      select(rest[0]);
      answer = String(await timeStep(step));
    } else {
      answer = `error: unknown command ${JSON.stringify(line)}`;
    }
    process.stdout.write(answer + '\n');
  }
}

/** A child process that answers one line per line sent: the wasm or the torch step server. */
class StepServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] }) as unknown as ChildProcessWithoutNullStreams;
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ask(request: string): Promise<string> {
    this.child.stdin.write(request + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`the ${this.label} step server ended (exit ${this.child.exitCode}) before answering '${request}'`);
    if (value.startsWith('error')) throw new Error(`${this.label}: ${value}`);
    return value;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

const TORCH_SCRIPT = fileURLToPath(new URL('./torch_train_step.py', import.meta.url));

/** A python that imports torch (the first python3 on PATH may be one without it), or undefined. */
function findTorchPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

type Config = 'stock' | 'ours' | 'torch';

/**
 * One model's stock, ours and torch configurations, alternating: each round
 * times one step of each, in an order that rotates every round.
 */
async function alternate(model: ModelName, python: string | undefined): Promise<Partial<Record<Config, Summary>>> {
  const wasm = new StepServer('wasm', process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', model]);
  const torch = python === undefined ? undefined : new StepServer('torch', python, [TORCH_SCRIPT, '--serve', model]);
  const configs: Array<{ config: Config; server: StepServer }> = [
    { config: 'stock', server: wasm },
    { config: 'ours', server: wasm },
    ...(torch ? [{ config: 'torch' as const, server: torch }] : []),
  ];
  try {
    const plan = PLAN[model];
    for (const { config, server } of configs) await server.ask(`warmup ${plan.warmup} ${config}`);
    const times: Partial<Record<Config, number[]>> = {};
    for (let round = 0; round < plan.timed; round++) {
      for (let j = 0; j < configs.length; j++) {
        const { config, server } = configs[(round + j) % configs.length]!;
        (times[config] ??= []).push(Number(await server.ask(`time ${config}`)));
      }
    }
    return Object.fromEntries(Object.entries(times).map(([c, t]) => [c, summarise(t)]));
  } finally {
    await Promise.all([wasm.close(), torch?.close()]);
  }
}

function runReference(job: string): ChildResult {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', job], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${job} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildResult;
}

interface ModelResult {
  readonly model: ModelName;
  readonly stock?: Summary;
  readonly ours?: Summary;
  readonly torch?: Summary;
  readonly cpu?: Summary;
  readonly webgpu?: Summary;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const child = option('--child');
  if (child !== undefined) return referenceChild(child);
  const served = option('--serve');
  if (served !== undefined) return wasmServer(served as ModelName);

  const json = process.argv.includes('--json');
  const skip = new Set((option('--skip') ?? '').split(',').filter(Boolean));
  const unknownSkip = [...skip].filter((s) => !['cpu', 'webgpu', 'torch'].includes(s));
  if (unknownSkip.length > 0) throw new Error(`--skip takes cpu, webgpu, torch; got ${unknownSkip.join(', ')}`);
  const python = skip.has('torch') ? undefined : findTorchPython();
  let torchInfo: Record<string, unknown> | undefined;
  if (python !== undefined) {
    const probe = new StepServer('torch', python, [TORCH_SCRIPT, '--serve', 'mlp']);
    torchInfo = JSON.parse(await probe.ask('describe')) as Record<string, unknown>;
    await probe.close();
  }
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !['--skip'].includes(all[i - 1] ?? ''));
  const unknown = positional.filter((a) => !(a in MODELS));
  if (unknown.length > 0) throw new Error(`unknown model ${unknown.join(', ')}; choose from ${Object.keys(MODELS).join(', ')}`);
  const chosen = positional.length > 0 ? (positional as ModelName[]) : (Object.keys(MODELS) as ModelName[]);

  const loadBefore = loadavg();
  const notes = new Set<string>();
  const results: ModelResult[] = [];
  for (const model of chosen) {
    const side = await alternate(model, python);
    const cpu = model === 'mlp' && !skip.has('cpu') ? runReference(`cpu:${model}`) : undefined;
    const gpu = skip.has('webgpu') ? undefined : runReference(`webgpu:${model}`);
    if (gpu?.adapter) notes.add(`webgpu adapter: ${gpu.adapter}`);
    if (gpu?.unavailable) notes.add(`webgpu: ${gpu.unavailable}`);
    const ref = (r: ChildResult | undefined): Summary | undefined => (r && r.times.length > 0 ? summarise(r.times) : undefined);
    results.push({ model, ...side, ...(ref(cpu) ? { cpu: ref(cpu) } : {}), ...(ref(gpu) ? { webgpu: ref(gpu) } : {}) });
    if (!json) process.stderr.write(`${model} done\n`);
  }
  const machine = {
    arch: process.arch,
    cpus: availableParallelism(),
    node: process.versions.node,
    tfjs: tf.version_core,
    loadAverage: { before: loadBefore, after: loadavg() },
    torch: torchInfo ?? (skip.has('torch') ? 'skipped' : 'no python3 here imports torch'),
  };
  if (json) {
    process.stdout.write(JSON.stringify({ machine, results }, null, 2) + '\n');
    return;
  }
  printTable(machine, results, notes);
}

function printTable(machine: Record<string, unknown> & { loadAverage: { before: number[]; after: number[] } }, results: ModelResult[], notes: Set<string>): void {
  const cell = (s: Summary | undefined): string => (s === undefined ? '-' : `${s.median.toFixed(1)} [${s.q1.toFixed(1)}–${s.q3.toFixed(1)}]`);
  const ratio = (a: Summary | undefined, b: Summary | undefined): string => (a && b ? `${(a.median / b.median).toFixed(2)}x` : '-');
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`train step, median ms [interquartile range] (${machine.arch}, ${machine.cpus} cores, Node ${machine.node}, tfjs ${machine.tfjs})`);
  console.log(`load average before ${load(machine.loadAverage.before)}, after ${load(machine.loadAverage.after)}`);
  console.log(`stock: wasm, stock kernels + our fixes [${FIX_KERNELS.map((k) => k.kernelName).join(', ')}]`);
  console.log(`ours:  + our speed replacements [${FAST_KERNELS.map((k) => k.kernelName).join(', ')}]`);
  console.log(`torch: ${typeof machine.torch === 'string' ? machine.torch : JSON.stringify(machine.torch)}`);
  console.log(`webgpu: tfjs's kernels + our MaxPoolGrad fix, on the adapter below\n`);
  const columns = ['model', 'stock', 'ours', 'torch', 'stock/ours', 'ours/torch', 'cpu', 'webgpu'];
  const rows = results.map((r) => [r.model, cell(r.stock), cell(r.ours), cell(r.torch), ratio(r.stock, r.ours), ratio(r.ours, r.torch), cell(r.cpu), cell(r.webgpu)]);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)) + 2);
  for (const row of [columns, ...rows]) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(''));
  if (notes.size > 0) console.log(`\n${[...notes].join('\n')}`);
}

await main();
