/**
 * Our fixes for tfjs's webgpu kernels (tfjs-backend-webgpu 4.22). Only what
 * the webgpu-versus-cpu tests (test/evaluator/webgpu-kernels.test.ts) found
 * wrong is here; the wasm kernels in `kernels/` are never registered for
 * webgpu. Like every kernel registration, this is per thread: initBackend
 * calls `installWebGpuKernels` in each worker.
 *
 * MaxPoolGrad: when several inputs of a pooling window tie for the maximum,
 * the stock kernel sends the window's gradient to the *last* of them (its
 * positions shader tests `value >= max`); cpu, wasm (with our fix) and
 * TensorFlow send it to the first. Both are subgradients, but a backend must
 * not train differently from cpu where nothing forces it to. The fix keeps
 * the stock kernel and only changes that comparison: during the stock call it
 * rewrites the positions program's shader (and its cache key) on the way into
 * `runWebGPUProgram`. The shader text is checked, so a tfjs update that
 * changes it fails loudly instead of silently running the stock comparison.
 */
import * as tf from '@tensorflow/tfjs';

const WEBGPU = 'webgpu';

/** What the fix touches of tfjs-backend-webgpu's internal program objects. */
interface ProgramLike {
  shaderKey: string;
  getUserCode(): string;
}
type RunProgram = (program: ProgramLike, ...rest: unknown[]) => tf.TensorInfo;
interface BackendLike {
  runWebGPUProgram: RunProgram;
}

/** The positions program of a max pool: Pool2DProgram(convInfo, 'max', computePositions = true, …). */
const POSITIONS_KEY = 'pool2D_max_true_';
const LAST_MAX = 'if (value >= currMaxValue) {';
/** The first strictly greater value wins, as on cpu (the first value of a window always counts). */
const FIRST_MAX = 'if (maxValueFound == 0.0 || value > maxValue) {';

export class StockShaderChangedError extends Error {
  constructor(kernel: string) {
    super(
      `${kernel} on webgpu: the stock shader is not the one our fix was written for (tfjs-backend-webgpu 4.22); ` +
        'check the fix in src/evaluator/webgpu-kernels.ts against test/evaluator/webgpu-kernels.test.ts',
    );
    this.name = 'StockShaderChangedError';
  }
}

function firstMaxPositions(program: ProgramLike): void {
  const stockCode = program.getUserCode.bind(program);
  program.getUserCode = () => {
    const code = stockCode();
    if (!code.includes(LAST_MAX)) throw new StockShaderChangedError('MaxPoolGrad');
    return code.replace(LAST_MAX, FIRST_MAX);
  };
  // Another shader, so another entry in the backend's pipeline cache.
  program.shaderKey = `${program.shaderKey}_firstmax`;
}

/** The stock kernels we wrap, remembered the first time (per thread). */
const stock = new Map<string, tf.KernelConfig>();
const ours = new Map<string, tf.KernelConfig>();

function maxPoolGradConfig(stockConfig: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as unknown as BackendLike;
    const hadOwn = Object.prototype.hasOwnProperty.call(backend, 'runWebGPUProgram');
    const run = backend.runWebGPUProgram;
    backend.runWebGPUProgram = function (this: BackendLike, program, ...rest) {
      if (program.shaderKey.startsWith(POSITIONS_KEY)) firstMaxPositions(program);
      return run.call(this, program, ...rest);
    };
    try {
      return stockConfig.kernelFunc(args);
    } finally {
      if (hadOwn) backend.runWebGPUProgram = run;
      else delete (backend as Partial<BackendLike>).runWebGPUProgram;
    }
  };
  return { ...stockConfig, kernelFunc };
}

const FIXES: Readonly<Record<string, (stockConfig: tf.KernelConfig) => tf.KernelConfig>> = {
  MaxPoolGrad: maxPoolGradConfig,
};

/**
 * Registers our webgpu fixes in this thread's kernel registry, over the
 * stock kernels (idempotent). Needs tfjs-backend-webgpu imported, which
 * registers the stock ones. Returns the kernel names.
 */
export function installWebGpuKernels(): string[] {
  const names: string[] = [];
  for (const [name, make] of Object.entries(FIXES)) {
    const current = tf.getKernel(name, WEBGPU);
    let mine = ours.get(name);
    if (current === undefined) throw new Error(`no stock ${name} kernel for webgpu to fix; is @tensorflow/tfjs-backend-webgpu loaded?`);
    if (current !== mine) {
      if (!stock.has(name)) stock.set(name, current);
      mine ??= make(stock.get(name) as tf.KernelConfig);
      ours.set(name, mine);
      tf.unregisterKernel(name, WEBGPU);
      tf.registerKernel(mine);
    }
    names.push(name);
  }
  return names;
}
