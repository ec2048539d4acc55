/**
 * The backend choices as plain data, in a module that imports nothing, so
 * that option parsers and config validation can list them without loading
 * tfjs (backend.ts, which acts on a choice, re-exports both).
 */
export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'webgpu' | 'tfjs-node' | 'wasm' | 'cpu';

/** Every choice: 'auto', then the rungs in the order the 'auto' ladder tries them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'];
