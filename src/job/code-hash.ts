/**
 * A hash of the code a job step runs: the step's own module and every module it imports (relative
 * imports, followed transitively; type-only imports are not, since types do not run), with comments
 * and blank space left out, so that editing the code a step runs reruns the step (and what
 * follows) while editing a comment does not.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { PROJECT_ROOT } from '../util/paths.js';

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;
/** `import type …` / `export type … from` statements: types do not run, so they are not followed. */
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s[^;]*;/gm;

/** Source without comments and with runs of blank space collapsed (a `//` right after a `:` is kept: URLs). */
export function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\'"`])\/\/[^\n]*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The modules `entries` import, transitively, themselves included (paths relative to `root`), sorted. */
export function importClosure(entries: readonly string[], root = PROJECT_ROOT): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => normalize(e));
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const abs = join(root, file);
    if (!existsSync(abs)) throw new Error(`code hash: ${abs} does not exist`);
    seen.add(file);
    for (const m of readFileSync(abs, 'utf8').replace(TYPE_ONLY, '').matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), m[2])).replace(/\.js$/, '.ts');
      if (target.endsWith('.ts') && !relative('src', target).startsWith('..')) todo.push(target);
    }
  }
  return [...seen].sort();
}

/** 16 hex digits over the code of `entries` and what they import; null where the sources are absent (an installed copy without src/). */
export function codeHash(entries: readonly string[], root = PROJECT_ROOT): string | null {
  if (!entries.every((e) => existsSync(join(root, e)))) return null;
  const h = createHash('sha256');
  for (const f of importClosure(entries, root)) h.update(f).update('\0').update(codeOnly(readFileSync(join(root, f), 'utf8'))).update('\0');
  return h.digest('hex').slice(0, 16);
}
