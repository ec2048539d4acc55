// Worker entry used only when the engine runs from its TypeScript sources
// (tests, tsx). A worker thread does not pick up the parent's tsx loader on
// Node 20 (even with execArgv ['--import', 'tsx']), so each worker registers
// tsx itself before importing the real entry. The compiled build (dist/) loads
// worker.js directly and never needs this file, which tsc does not copy.
import { register } from 'tsx/esm/api';

register();
const { default: evaluate } = await import('./worker.ts');
export default evaluate;
