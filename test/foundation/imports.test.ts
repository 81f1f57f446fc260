/**
 * The library's import structure: no module imports itself through others (no file-level circle)
 * and a folder imports only from the folders below it in LAYERS (so no folder-level circle either).
 * Static and dynamic (`import('…')`) relative imports are both followed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Bottom first: a folder may import from its own layer's folders' files only when listed left of it or itself. */
export const LAYERS: string[][] = [
  ['util'],
  ['config-schema.ts'],
  ['config-checks.ts'],
  ['config.ts'],
  ['run-layout.ts'],
  ['kernels'],
  ['backend.ts'],
  ['environment.ts'],
  ['data'],
  ['text'],
  ['labels'],
  ['llm'],
  ['metrics'],
  ['rewards'],
  ['model'],
  ['reasoning'],
  ['train'],
  ['eval'],
  ['plots'],
  ['arena'],
  ['export'],
  ['serve', 'viewer'],
  ['job'],
  ['commands'],
  ['cli.ts'],
];

const SRC = 'src';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src-relative files a module imports (relative specifiers only; `.js` read as `.ts`). */
export function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;
  for (const m of code.matchAll(re)) out.push(normalize(join(dirname(file), m[2])).replace(/\.js$/, '.ts'));
  return out;
}

/** The top-level unit of a src file: its folder, or the file itself at the top. */
function unitOf(file: string): string {
  return relative(SRC, file).split('/')[0];
}

describe('import structure of src/', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(SRC + '/'))]));
  const layerOf = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));

  it('every top-level folder and file has a layer', () => {
    const missing = [...new Set(files.map(unitOf))].filter((u) => !layerOf.has(u));
    assert.deepEqual(missing, []);
  });

  it('a folder imports only from folders of its own or a lower layer, and never sideways into another folder of its layer', () => {
    const bad: string[] = [];
    for (const [f, targets] of graph) {
      const from = unitOf(f);
      for (const t of targets) {
        const to = unitOf(t);
        if (from === to) continue;
        if (!(layerOf.get(to)! < layerOf.get(from)!)) bad.push(`${f} -> ${t}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('no file-level import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('finds a circle and an upward import when there is one (the checker can fail)', () => {
    // kernels sits below backend.ts: an import from kernels to backend.ts would be reported.
    assert.ok(layerOf.get('kernels')! < layerOf.get('backend.ts')!);
    assert.ok(importsOf(join(SRC, 'cli.ts')).some((t) => t.startsWith(join(SRC, 'commands'))), 'the parser sees dynamic imports');
  });
});
