/**
 * The notebook kernel (tslab) compiles the library to CommonJS and runs it in Node's CJS loader.
 * Two things that work under tsx's ESM break there, with opaque errors in a notebook:
 * `import.meta` (a syntax error in CommonJS) and a top-level `const|let|var require` (it clashes
 * with CommonJS's own `require`, and Node then reloads the file as ESM: "exports is not defined").
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('library modules load under tslab (CommonJS)', () => {
  const files = tsFiles(join(PROJECT_ROOT, 'src'));

  it('finds the library sources', () => assert.ok(files.length > 5));

  it('no module uses import.meta', () => {
    const bad = files.filter((f) => /\bimport\.meta\b/.test(readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')));
    assert.deepEqual(bad.map((f) => relative(PROJECT_ROOT, f)), []);
  });

  it('no module declares a top-level binding named require', () => {
    const bad = files.filter((f) => /^(?:export\s+)?(?:const|let|var)\s+require\b/m.test(readFileSync(f, 'utf8')));
    assert.deepEqual(bad.map((f) => relative(PROJECT_ROOT, f)), []);
  });
});
