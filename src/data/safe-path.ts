/** Dataset-relative paths: resolve a path from a metadata file, refusing any that escape the dataset root. */
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Resolve `rel` under `root`. Absolute paths and paths that climb out of `root` (`../`) are
 * rejected with an error naming the path, so a crafted metadata row cannot read outside the dataset.
 */
export function resolveInside(root: string, rel: string): string {
  if (typeof rel !== 'string' || rel === '') throw new Error(`empty image path`);
  if (isAbsolute(rel)) throw new Error(`image path '${rel}' is absolute; paths must be relative to the dataset root ${root}`);
  const base = resolve(root);
  const full = resolve(base, rel);
  const r = relative(base, full);
  if (r === '' || r.startsWith('..') || isAbsolute(r)) throw new Error(`image path '${rel}' escapes the dataset root ${root}`);
  return full;
}
