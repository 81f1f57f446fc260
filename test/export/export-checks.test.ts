/**
 * `deepmedix export` refuses what the engines would choke on, before writing anything: duplicate
 * ids, missing images, image paths that climb out of the image root, absolute paths elsewhere, an
 * empty or non-UTF-8 input; it says which files it replaced; and the CLI exits non-zero.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { resolveConfig } from '../../src/config.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { exportPaperScale } from '../../src/export/paper-scale.js';

const rec = (id: string, image = 'images/a.png'): InstructionRecord => ({
  id, studyId: 's', patientId: 'p', task: 'vqa', questionType: 'presence', images: [image], prompt: 'Is there an effusion?', answer: 'yes', answerKind: 'short', boxes: [], source: 'synthetic', frame: 512,
});

describe('export: input checks before any file is written', () => {
  let dir: string;
  let root: string;
  const cfg = resolveConfig('smoke');
  const file = (name: string, rows: unknown[] | Buffer) => {
    writeFileSync(join(dir, name), Buffer.isBuffer(rows) ? rows : rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    return join(dir, name);
  };
  const run = (rl: string, extra: Record<string, unknown> = {}) => exportPaperScale(cfg, { rl, imageRoot: root, outDir: join(dir, 'out'), ...extra });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmx-export-checks-'));
    root = join(dir, 'cohort');
    mkdirSync(join(root, 'images'), { recursive: true });
    writeFileSync(join(root, 'images', 'a.png'), '');
    writeFileSync(join(dir, 'secret.png'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused: [string, () => string, RegExp][] = [
    ['duplicate ids', () => file('dup.jsonl', [rec('r1'), rec('r1')]), /dup\.jsonl:2: id 'r1' repeats line 1/],
    ['a missing image', () => file('miss.jsonl', [rec('r1'), rec('r2', 'images/gone.png')]), /1 image\(s\) not found under .*: r2: images\/gone\.png/],
    ['a path climbing out of the root', () => file('climb.jsonl', [rec('r1', '../secret.png')]), /record r1: image path '\.\.\/secret\.png' escapes the dataset root/],
    ['an absolute path elsewhere', () => file('abs.jsonl', [rec('r1', '/etc/passwd')]), /record r1: image '\/etc\/passwd' is outside the image root/],
    ['an empty file', () => file('empty.jsonl', []), /empty\.jsonl: no instruction records/],
    ['non-UTF-8 bytes', () => file('latin1.jsonl', Buffer.from([...Buffer.from('{"id":"r1","prompt":"caf'), 0xe9, ...Buffer.from('"}\n')])), /latin1\.jsonl:1: not valid UTF-8/],
    ['{"id","text"} lines (predictions, not records)', () => file('preds.jsonl', [{ id: 'r1', text: 'yes' }]), /preds\.jsonl:1: not an instruction record: field 'prompt'/],
  ];
  for (const [what, make, re] of refused) {
    it(`refuses ${what}, naming the file, and writes nothing`, () => {
      assert.throws(() => run(make()), re);
      assert.equal(existsSync(join(dir, 'out')), false);
    });
  }

  it('--no-image-check exports without looking for the images but still refuses a path out of the root', () => {
    const m = run(file('miss.jsonl', [rec('r1', 'images/elsewhere.png')]), { checkImages: false });
    assert.equal(m.counts.rl, 1);
    assert.throws(() => run(file('climb.jsonl', [rec('r1', '../secret.png')]), { checkImages: false }), /escapes the dataset root/);
  });

  it('says which files it replaced; the CLI exits non-zero on bad input and names the file', async () => {
    const rl = file('rl.jsonl', [rec('r1')]);
    assert.deepEqual(run(rl).replaced, []);
    const again = run(rl);
    assert.ok(again.replaced.includes(join(dir, 'out', 'easyr1', 'deepmedix_rl_train.jsonl')));
    assert.ok(again.replaced.includes(join(dir, 'out', 'manifest.json')));
    const before = readFileSync(join(dir, 'out', 'easyr1', 'deepmedix_rl_train.jsonl'), 'utf8');
    const dup = file('dup.jsonl', [rec('r1'), rec('r1')]);
    await assert.rejects(main(['export', '--profile', 'smoke', '--rl', dup, '--image-root', root, '--out', join(dir, 'out')]), /dup\.jsonl:2: id 'r1' repeats/);
    assert.equal(readFileSync(join(dir, 'out', 'easyr1', 'deepmedix_rl_train.jsonl'), 'utf8'), before, 'nothing already written is lost');
    writeFileSync(join(dir, 'a-file'), '');
    assert.equal(await main(['export', '--profile', 'smoke', '--rl', rl, '--image-root', root, '--out', join(dir, 'a-file')]), 2);
    assert.throws(() => run(rl, { rl: undefined, rlVal: rl }), /nothing to export/);
  });
});
