/**
 * Whether the webgpu tests can run here, decided once per test file.
 *
 * They need the optional packages and a WebGPU adapter: a GPU, or Mesa 25's
 * lavapipe on CPU (what CI installs, see .ci/run). Where there is none the
 * webgpu test files skip with the reason, so `npm test` passes on a machine
 * without one. CI sets AUTOLR_REQUIRE_WEBGPU=1, which turns that skip into a
 * failure: a broken driver install must not pass as "skipped".
 */
import { BackendUnavailableError, initBackend, type BackendInfo } from '../../src/evaluator/backend.js';
import { describeAdapter } from '../../src/evaluator/webgpu.js';

export interface WebGpuAvailability {
  /** The initialised backend, when there is an adapter. */
  readonly info?: BackendInfo;
  /** For `describe(name, { skip })`: the reason to skip, or false. */
  readonly skip: string | false;
}

let availability: Promise<WebGpuAvailability> | undefined;

async function probe(): Promise<WebGpuAvailability> {
  try {
    const info = await initBackend('webgpu');
    return { info, skip: false };
  } catch (err) {
    if (!(err instanceof BackendUnavailableError)) throw err;
    if (process.env.AUTOLR_REQUIRE_WEBGPU === '1') {
      throw new Error(`AUTOLR_REQUIRE_WEBGPU=1 but webgpu is unavailable: ${err.message}`, { cause: err });
    }
    return { skip: `no WebGPU adapter here, webgpu tests skipped (${err.message})` };
  }
}

/** Initialises webgpu in this thread (leaving it the active backend) or says why the tests must skip. */
export function webgpuAvailability(): Promise<WebGpuAvailability> {
  availability ??= probe();
  return availability;
}

/** "webgpu on mesa software (llvmpipe …)", for test names and diagnostics. */
export function adapterLabel(a: WebGpuAvailability): string {
  return a.info?.adapter ? `webgpu on ${describeAdapter(a.info.adapter)}` : 'webgpu';
}
