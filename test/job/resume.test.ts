import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, stepMarker } from '../../src/job/pipeline.js';
import { layoutAt } from '../../src/run-layout.js';

/** The main job's use of the stage cache: resume after an interruption, clean start after a change. */
describe('pipeline resume and stale outputs', () => {
  const quiet = () => {};

  it('an interrupted stage with the same inputs resumes in its directory; with other inputs it starts clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-resume-'));
    const partial = (d: string) => join(d, 'partial.txt');
    // Run 1 is killed after writing a partial output.
    await assert.rejects(
      new Pipeline(dir, quiet).run({ id: 's', what: 'w', key: { k: 1 }, run: async (d) => { writeFileSync(partial(d), 'half'); throw new Error('killed'); } }),
      /killed/,
    );
    // Run 2, same inputs: told to resume, finds its partial output.
    let seen: { resume: boolean; partial: boolean } | null = null;
    await new Pipeline(dir, quiet).run({ id: 's', what: 'w', key: { k: 1 }, run: async (d, c) => { seen = { resume: c.resume, partial: existsSync(partial(d)) }; throw new Error('killed again'); } }).catch(() => {});
    assert.deepEqual(seen, { resume: true, partial: true });
    // Run 3, changed inputs: the partial output of the other inputs is gone.
    await new Pipeline(dir, quiet).run({ id: 's', what: 'w', key: { k: 2 }, run: async (d, c) => { seen = { resume: c.resume, partial: existsSync(partial(d)) }; writeFileSync(join(d, 'out.txt'), 'k2'); return 2; } });
    assert.deepEqual(seen, { resume: false, partial: false });
    // Run 4, inputs changed back after a finished run: starts clean (no out.txt of k=2 left), not resumed.
    await new Pipeline(dir, quiet).run({ id: 's', what: 'w', key: { k: 1 }, run: async (d, c) => { seen = { resume: c.resume, partial: existsSync(join(d, 'out.txt')) }; return 1; } });
    assert.deepEqual(seen, { resume: false, partial: false });
    assert.equal(JSON.parse(readFileSync(stepMarker(layoutAt(dir).step('s')), 'utf8')).summary, 1);
    rmSync(dir, { recursive: true });
  });
});
