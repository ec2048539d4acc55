/**
 * The runtime source files exported modules inline (`src/export/runtime/`),
 * and the two template conventions generated code shares:
 *
 * - text between « and » is TypeScript-only: kept for .ts modules, dropped for
 *   .js ones. Runtime .ts files write the markers inside comments so that they
 *   stay valid TypeScript, type-checked and linted as the engine's own code;
 * - a slot, a span between the comments `@name{` and `}` in a runtime file,
 *   is replaced by rule-specific text (its default keeps the file valid).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNTIME_FILES = ['scalar.ts', 'lr-callback.ts', 'tensor.ts', 'optimizer.ts', 'acceptance.ts', 'scalar.py', 'signal_tracker.py', 'tensor.py', 'optimizer.py', 'keras_schedule.py', 'schedule.py'] as const;
export type RuntimeFile = (typeof RUNTIME_FILES)[number];

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The runtime files are source text, not code of the generator: run from
 * src/ they sit beside this module; the compiled build in dist/ reads them
 * from src/ (which the package ships), as the grammar files are found.
 */
function findRuntimeDir(): string {
  const candidates = [join(HERE, 'runtime'), join(HERE, '..', '..', 'src', 'export', 'runtime')];
  for (const dir of candidates) {
    try {
      readFileSync(join(dir, 'scalar.py'));
      return dir;
    } catch {
      // try the next location
    }
  }
  throw new Error(`the export runtime files are missing (looked in ${candidates.join(' and ')})`);
}

let runtimeDir: string | undefined;
const cache = new Map<RuntimeFile, string>();

/** Path of a runtime file. */
export function runtimePath(file: RuntimeFile): string {
  runtimeDir ??= findRuntimeDir();
  return join(runtimeDir, file);
}

/** A runtime file's text as exported modules inline it: a .ts file's @module region, a .py file whole. */
export function runtimeText(file: RuntimeFile): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(runtimePath(file), 'utf8');
    if (file.endsWith('.ts')) text = moduleRegion(text, file).replaceAll('/*«*/', '«').replaceAll('/*»*/', '»');
    cache.set(file, text);
  }
  return text;
}

function moduleRegion(text: string, file: string): string {
  const begin = '// @module-begin\n';
  const end = '// @module-end\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`runtime file ${file} has no "// @module-begin" … "// @module-end" region`);
  return text.slice(from + begin.length, to);
}

/** Keeps (TypeScript) or drops (JavaScript) the «…» spans. */
export function applyTemplate(template: string, typed: boolean): string {
  return template.replace(/«([\s\S]*?)»/g, (_m, inner: string) => (typed ? inner : ''));
}

/** Replaces every slot by its text; a slot without a value, or a value without a slot, is a generator bug. */
export function fillSlots(template: string, values: Readonly<Record<string, string>>): string {
  const seen = new Set<string>();
  const filled = template.replace(/\/\*@(\w+)\{\*\/[\s\S]*?\/\*\}\*\//g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no text for the runtime slot "${name}"`);
    seen.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((k) => !seen.has(k));
  if (unused.length > 0) throw new Error(`runtime slots not found: ${unused.join(', ')}`);
  return filled;
}
