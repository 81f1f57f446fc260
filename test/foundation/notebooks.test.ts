/**
 * The notebooks stay thin and import only what exists: every code cell is at most ~15 lines and
 * imports from at most ~6 modules, every `./src/…` import names a file of the library, and no cell
 * uses an earlier cell's variable in the `{ name }` shorthand (tslab does not carry those across
 * cells; write `name: name`).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.js';

const MAX_LINES = 16;
const MAX_MODULES = 7;

interface Cell {
  cell_type: string;
  source: string[] | string;
}

const notebooks = readdirSync(join(PROJECT_ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
const cellsOf = (f: string) => (JSON.parse(readFileSync(join(PROJECT_ROOT, 'notebooks', f), 'utf8')) as { cells: Cell[]; metadata: { kernelspec?: { name: string } } });
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

/** Identifiers written as shorthand properties of object literals (`{ a, b: 1 }` gives a). */
function shorthandNames(src: string): string[] {
  const out: string[] = [];
  const stack: boolean[] = []; // per open bracket: is it an object literal's brace?
  const code = src.replace(/\/\/[^\n]*/g, '').replace(/(['"`])(?:\\.|(?!\1).)*\1/gs, '""');
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '{') {
      const before = code.slice(0, i).trimEnd();
      stack.push(/[(,=:[?]$|\breturn$|=>$/.test(before) && !/\bimport\s*(type\s*)?$/.test(before));
    } else if (ch === '(' || ch === '[') stack.push(false);
    else if (ch === '}' || ch === ')' || ch === ']') stack.pop();
    else if (stack[stack.length - 1] && /[A-Za-z_$]/.test(ch) && /[{,]\s*$/.test(code.slice(0, i))) {
      const m = /^[A-Za-z_$][\w$]*/.exec(code.slice(i))!;
      if (/^\s*[,}]/.test(code.slice(i + m[0].length))) out.push(m[0]);
      i += m[0].length - 1;
    }
  }
  return out;
}

describe('notebooks', () => {
  it('are there, one per stage and figure group, on the deepmedix kernel', () => {
    assert.ok(notebooks.length >= 11, notebooks.join(', '));
    for (const f of notebooks) assert.equal(cellsOf(f).metadata.kernelspec?.name, 'deepmedix', f);
  });

  it(`code cells are at most ${MAX_LINES} lines and import from at most ${MAX_MODULES} modules`, () => {
    const long: string[] = [];
    for (const f of notebooks) {
      cellsOf(f).cells.forEach((c, i) => {
        if (c.cell_type !== 'code') return;
        const src = text(c);
        const lines = src.split('\n').filter((l) => l.trim() && !l.trim().startsWith('//')).length;
        const modules = new Set([...src.matchAll(/from '([^']+)'/g)].map((m) => m[1])).size;
        if (lines > MAX_LINES || modules > MAX_MODULES) long.push(`${f} cell ${i}: ${lines} lines, ${modules} modules`);
      });
    }
    assert.deepEqual(long, []);
  });

  it('import only library files that exist', () => {
    const missing: string[] = [];
    for (const f of notebooks) {
      for (const c of cellsOf(f).cells) {
        for (const m of text(c).matchAll(/from '\.\/(src\/[^']+)\.js'/g)) if (!existsSync(join(PROJECT_ROOT, `${m[1]}.ts`))) missing.push(`${f}: ${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the shorthand finder tells object shorthand from arguments and imports (the check can fail)', () => {
    assert.deepEqual(shorthandNames("run({ records, studies: s }, other, { a })"), ['records', 'a']);
    assert.deepEqual(shorthandNames("import { x, y } from './m.js';\nf(x, y); if (x) { y; }"), []);
  });

  it("never use an earlier cell's variable in object shorthand", () => {
    const bad: string[] = [];
    for (const f of notebooks) {
      const declared = new Set<string>();
      for (const [i, c] of cellsOf(f).cells.entries()) {
        if (c.cell_type !== 'code') continue;
        const src = text(c);
        const own = new Set([...src.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
        for (const name of shorthandNames(src)) if (declared.has(name) && !own.has(name)) bad.push(`${f} cell ${i}: { ${name} }`);
        for (const n of own) declared.add(n);
        for (const m of src.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}/g)) for (const n of m[1].split(',')) declared.add(n.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!);
      }
    }
    assert.deepEqual(bad, []);
  });
});
