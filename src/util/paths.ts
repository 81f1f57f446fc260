/**
 * Locations: the project root and the read-only shared data beside it.
 *
 * Library code must not use `import.meta`: tslab (the notebook kernel) compiles the library to
 * CommonJS, where `import.meta` is a syntax error. Resolve files from PROJECT_ROOT instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const PACKAGE_NAME = 'deepmedix-workbench';

function isProjectRoot(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

function findProjectRoot(): string {
  if (process.env.DEEPMEDIX_ROOT) return resolve(process.env.DEEPMEDIX_ROOT);
  // Under CommonJS (tslab) this module knows its own directory: src/util.
  if (typeof __dirname === 'string' && isProjectRoot(resolve(__dirname, '..', '..'))) return resolve(__dirname, '..', '..');
  // Under ESM (tsx, the CLI, tests): walk up from the working directory.
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`cannot find the project root (a package.json named '${PACKAGE_NAME}') above ${process.cwd()}; set DEEPMEDIX_ROOT`);
}

/** The project root (the directory holding the workbench's package.json). */
export const PROJECT_ROOT = findProjectRoot();

/** The shared directory: DEEPMEDIX_SHARED, else `../shared` beside the project root. */
export function sharedRoot(): string {
  return resolve(process.env.DEEPMEDIX_SHARED ?? join(PROJECT_ROOT, '..', 'shared'));
}

/** A path under the shared data directory, or null when the shared directory is absent. */
export function sharedPath(...parts: string[]): string | null {
  const p = join(sharedRoot(), ...parts);
  return existsSync(p) ? p : null;
}
