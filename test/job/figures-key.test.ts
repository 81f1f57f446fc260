import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figureCodeHash } from '../../src/job/figures.js';

describe('figures stage key', () => {
  it('changes when a figure builder changes, and only then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plots-'));
    try {
      writeFileSync(join(dir, 'fig1.ts'), 'export const a = 1;');
      writeFileSync(join(dir, 'notes.md'), 'not code');
      const first = figureCodeHash(dir);
      assert.equal(figureCodeHash(dir), first, 'stable');
      writeFileSync(join(dir, 'notes.md'), 'edited, still not code');
      assert.equal(figureCodeHash(dir), first, 'non-.ts files do not count');
      writeFileSync(join(dir, 'fig1.ts'), 'export const a = 2;');
      assert.notEqual(figureCodeHash(dir), first);
      assert.equal(figureCodeHash(join(dir, 'absent')), null);
      assert.match(figureCodeHash()!, /^[0-9a-f]{16}$/, 'the project has src/plots');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
