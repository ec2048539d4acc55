/**
 * Python for the tests that run printed or exported Python. A machine
 * without it skips those tests, saying what to install; CI installs it
 * (.ci/run: python3-torch brings python3 and numpy) and sets
 * AUTOLR_REQUIRE_PYTHON=1, which turns the skip into a failure, so a broken
 * install cannot pass CI by skipping.
 */
import { spawnSync } from 'node:child_process';

/** Why a test needing `module` (or plain python3 when none) cannot run here; undefined when it can. */
export function pythonSkipReason(module?: string, interpreters: readonly string[] = ['python3']): string | undefined {
  const args = module === undefined ? ['--version'] : ['-c', `import ${module}`];
  if (interpreters.some((p) => spawnSync(p, args, { encoding: 'utf8' }).status === 0)) return undefined;
  const reason = module === undefined ? 'python3 is not installed' : `no python3 here imports ${module} (apt-get install python3-torch)`;
  if (process.env.AUTOLR_REQUIRE_PYTHON === '1') throw new Error(`AUTOLR_REQUIRE_PYTHON=1 but ${reason}`);
  return reason;
}

/** The first of `interpreters` that imports `module`. */
export function pythonWith(module: string, interpreters: readonly string[]): string | undefined {
  return interpreters.find((p) => spawnSync(p, ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0);
}
