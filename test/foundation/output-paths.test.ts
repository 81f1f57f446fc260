/**
 * Every command that writes files checks its output path before working: an --out that is a file
 * (where a directory is needed) is a usage error naming the flag (exit 2, nothing done), and a
 * command that replaces a file from an earlier run says so.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => (err += a.join(' ') + '\n');
  try {
    return { code: await main(argv), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

describe('output paths are checked before any work', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let refs: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmx-outpaths-'));
    file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    refs = join(dir, 'refs.jsonl');
    writeFileSync(refs, [{ id: 's1', text: 'Clear lungs.' }, { id: 's2', text: 'Cardiomegaly.' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const commands: [string, string[]][] = [
    ['cohort', ['cohort', '--profile', 'smoke', '--n', '2']],
    ['train', ['train', '--stage', 'sft', '--profile', 'smoke']],
    ['synthesize', ['synthesize', '--profile', 'smoke']],
    ['export', ['export', '--profile', 'smoke', '--rl', 'x.jsonl', '--image-root', '.']],
    ['arena', ['arena', '--profile', 'smoke', '--iu-baselines']],
    ['evaluate', ['evaluate', '--references', 'REFS', '--predictions', 'REFS']],
    ['run', ['run', '--profile', 'smoke', '--dry-run']],
  ];
  for (const [name, argv] of commands) {
    it(`${name}: an --out that is a file is refused before working`, async () => {
      const r = await capture([...argv.map((a) => (a === 'REFS' ? refs : a)), '--out', file]);
      assert.equal(r.code, 2, r.err + r.out);
      assert.match(r.err, new RegExp(`--out ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a file`));
    });
  }

  it('an --out under a file is refused too, and a refused run creates nothing', async () => {
    const r = await capture(['cohort', '--profile', 'smoke', '--n', '2', '--out', join(file, 'sub')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot be created: .*a-file is a file/);
  });

  it('an output file under a file (predict --out, viewer --reviews) or that is a directory is refused before any work', async () => {
    const pred = await capture(['predict', '--checkpoint', join(dir, 'no-such-checkpoint'), '--benchmark', refs, '--out', join(file, 'p.jsonl')]);
    assert.equal(pred.code, 2, pred.err + pred.out);
    assert.match(pred.err, /--out .*p\.jsonl cannot be created: .*a-file is a file/);
    mkdirSync(join(dir, 'd.jsonl'));
    const asDir = await capture(['predict', '--checkpoint', join(dir, 'no-such-checkpoint'), '--benchmark', refs, '--out', join(dir, 'd.jsonl')]);
    assert.equal(asDir.code, 2);
    assert.match(asDir.err, /d\.jsonl is a directory; name a \.jsonl file/);
    const viewer = await capture(['viewer', '--records', refs, '--predictions', refs, '--reviews', join(file, 'r.jsonl'), '--port', '0']);
    assert.equal(viewer.code, 2, viewer.err + viewer.out);
    assert.match(viewer.err, /--reviews .*r\.jsonl cannot be created: .*a-file is a file/);
  });

  it('evaluate says when it replaces the results of an earlier run', async () => {
    const out = join(dir, 'eval');
    const first = await capture(['evaluate', '--references', refs, '--predictions', refs, '--out', out]);
    assert.equal(first.code, 0, first.err);
    assert.doesNotMatch(first.out, /replacing/);
    const second = await capture(['evaluate', '--references', refs, '--predictions', refs, '--out', out]);
    assert.match(second.out, /holds results\.json from an earlier run: replacing it/);
  });
});
