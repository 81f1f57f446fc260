import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeHash, codeOnly, importClosure } from '../../src/job/code-hash.js';

describe('job step code hash', () => {
  const root = mkdtempSync(join(tmpdir(), 'dmx-code-'));
  const write = (f: string, s: string) => writeFileSync(join(root, f), s);
  before(() => {
    mkdirSync(join(root, 'src', 'a'), { recursive: true });
    write('src/step.ts', "import { f } from './a/f.js';\nimport type { T } from './a/other.js';\nexport const s: T = f();\n");
    write('src/a/f.ts', "import { g } from './g.js';\n// a comment\nexport function f() { return g() + 1; }\n");
    write('src/a/g.ts', "export function g() { return 'http://x'; }\n");
    write('src/a/other.ts', 'export const unrelated = 1;\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('follows imports transitively and nothing else (type-only imports do not run)', () => {
    assert.deepEqual(importClosure(['src/step.ts'], root), ['src/a/f.ts', 'src/a/g.ts', 'src/step.ts']);
  });

  it('changes when imported code changes, not when a comment or an unimported file does', () => {
    const first = codeHash(['src/step.ts'], root)!;
    assert.match(first, /^[0-9a-f]{16}$/);
    write('src/a/f.ts', "import { g } from './g.js';\n/* another comment */\nexport function f() { return g() + 1; }\n");
    write('src/a/other.ts', 'export const unrelated = 2;\n');
    assert.equal(codeHash(['src/step.ts'], root), first);
    write('src/a/g.ts', "export function g() { return 'http://y'; }\n");
    assert.notEqual(codeHash(['src/step.ts'], root), first);
  });

  it('keeps a URL in a string, drops line and block comments', () => {
    assert.equal(codeOnly("const u = 'http://a'; // note\n/* b */ x"), "const u = 'http://a'; x");
  });

  it('is null where the sources are absent; every job step of the project names existing code', async () => {
    assert.equal(codeHash(['src/absent.ts'], root), null);
    const { jobSteps } = await import('../../src/job/main.js');
    const { resolveConfig } = await import('../../src/config.js');
    const { layoutAt } = await import('../../src/run-layout.js');
    const steps = jobSteps({ config: resolveConfig('smoke'), layout: layoutAt(root), figuresDir: root, quiet: true, log: () => {} });
    for (const s of steps) {
      assert.ok(s.code?.length, `${s.id} names its code`);
      assert.ok(importClosure(s.code!).includes(`src/job/steps/${s.id}.ts`), `${s.id}'s code is its own module`);
    }
  });
});
