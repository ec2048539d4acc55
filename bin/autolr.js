#!/usr/bin/env node
// Entry point of the `autolr` command: runs the compiled CLI from dist/
// (built by `npm install` through the package's "prepare" script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('autolr: the compiled program is missing (dist/cli/main.js); run "npm run build" in the autolr folder.');
  process.exit(1);
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv);
