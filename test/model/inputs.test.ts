import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { prepareExamples, makeBatch } from '../../src/model/inputs.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { tinyDataset } from '../train/fixtures.js';

describe('SFT examples and batches', () => {
  let root = '';
  let records: InstructionRecord[] = [];
  before(async () => ({ root, records } = await tinyDataset(2)));
  after(() => rmSync(root, { recursive: true, force: true }));
  const tok = () => trainTokenizer(records.flatMap((r) => [r.prompt, r.answer]), { vocabSize: 800, coordBins: 512 });

  it('a record longer than the context is truncated with a warning, or is an error naming it', async () => {
    const long = [{ ...records[1], answer: records[1].answer.repeat(6) }];
    const t = tok();
    const warnings: string[] = [];
    const set = await prepareExamples(long, t, { imageSize: 32, maxLen: 24, overflow: 'truncate', imageRoot: root, warn: (l) => warnings.push(l), quiet: true });
    assert.equal(set.truncated, 1);
    assert.equal(set.examples[0].prompt.length + set.examples[0].answer.length - 1, 24);
    assert.match(warnings[0], /1 of 1 .*exceed model\.maxLen 24/);
    await assert.rejects(prepareExamples(long, t, { imageSize: 32, maxLen: 24, overflow: 'error', imageRoot: root, quiet: true }), /record s0-rep: prompt \d+ \+ answer \d+ tokens exceed model\.maxLen 24/);
    await assert.rejects(prepareExamples([], t, { imageSize: 32, maxLen: 24, overflow: 'error', imageRoot: root }), /no records \(empty dataset\)/);
  });

  it('scores only the answer tokens (and EOS) of each row', async () => {
    const t = tok();
    const set = await prepareExamples(records.slice(0, 2), t, { imageSize: 32, maxLen: 64, overflow: 'error', imageRoot: root, quiet: true });
    const b = makeBatch(set.examples, set.pixels, 32, t.padId);
    const T = b.tokens.shape[1];
    const mask = b.lossMask.arraySync();
    set.examples.forEach((e, row) => {
      const scored = mask.slice(row * T, (row + 1) * T).reduce((a, x) => a + x, 0);
      assert.equal(scored, e.answer.length); // answer ids incl. EOS are the targets of the last answer.length inputs
      assert.equal(mask[row * T + e.prompt.length - 2], 0); // the prompt's own next-token targets are not scored
      assert.equal(mask[row * T + e.prompt.length - 1], 1); // ASSISTANT -> first answer id is
    });
    assert.equal(b.scored, set.examples.reduce((a, e) => a + e.answer.length, 0));
  });
});
