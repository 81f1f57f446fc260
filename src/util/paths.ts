/** Locations: the project root and the read-only shared data beside it. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the directory holding package.json). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared directory: DEEPMEDIX_SHARED, else `../shared` beside the project root. */
export function sharedRoot(): string {
  return resolve(process.env.DEEPMEDIX_SHARED ?? join(PROJECT_ROOT, '..', 'shared'));
}

/** A path under the shared data directory, or null when the shared directory is absent. */
export function sharedPath(...parts: string[]): string | null {
  const p = join(sharedRoot(), ...parts);
  return existsSync(p) ? p : null;
}
