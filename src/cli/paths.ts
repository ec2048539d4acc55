/** How the command line shows a path in its hints ("resume with …", "next: …"). */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The path as the user can type it from where they stand: relative to the
 * working directory when it lies inside it, else absolute (a path that climbs
 * out with ../../ reads worse than the absolute one).
 */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, resolve(cwd, path));
  if (rel === '') return '.';
  return rel.split(sep)[0] === '..' || isAbsolute(rel) ? resolve(cwd, path) : rel;
}
