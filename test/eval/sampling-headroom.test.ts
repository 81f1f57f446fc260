import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { initBackend } from '../../src/backend.js';
import type { InstructionRecord } from '../../src/data/types.js';
import type { VisionLanguageModel } from '../../src/model/vlm.js';
import type { Tokenizer } from '../../src/text/tokenizer.js';
import { predictRecords, sampleRecords } from '../../src/eval/predict.js';
import { answerKey, headroomMarkdown, majorityIndex, samplingHeadroom, summarizeHeadroom, type HeadroomItem } from '../../src/eval/sampling-headroom.js';
import { tinyDataset, tinyModel } from '../train/fixtures.js';

describe('sampling headroom: greedy against sampled and majority-vote VQA answers', () => {
  it('compares answers as majority voting should: case, spaces, a final period and list order do not count', () => {
    assert.equal(answerKey('  Left  lung. ', 'short'), 'left lung');
    assert.equal(answerKey('Effusion | atelectasis', 'list'), answerKey('atelectasis|effusion', 'list'));
    assert.notEqual(answerKey('left', 'short'), answerKey('right', 'short'));
  });

  it('picks the most frequent answer, and the first seen of a tie', () => {
    assert.equal(majorityIndex(['no', 'yes', 'yes', 'no', 'yes']), 1);
    assert.equal(majorityIndex(['pa', 'ap', 'ap', 'pa']), 0);
    assert.equal(majorityIndex(['x']), 0);
    assert.throws(() => majorityIndex([]), /no answers/);
  });

  it('averages greedy, sampled, majority and best-of-G scores over items (hand-worked)', () => {
    // Item 1: greedy right, samples 1, 0, 0, 0 (majority wrong). Item 2: greedy wrong, samples 0.5, 1, 1, 0 (majority right).
    const items: HeadroomItem[] = [
      { source: 'a', greedy: 1, samples: [1, 0, 0, 0].map((score) => ({ answer: '', score })), majority: 0 },
      { source: 'a', greedy: 0, samples: [0.5, 1, 1, 0].map((score) => ({ answer: '', score })), majority: 1 },
    ];
    // greedy (1 + 0)/2 = 0.5; sampled (0.25 + 0.625)/2 = 0.4375; majority 0.5; pass@4 (1 + 1)/2 = 1.
    assert.deepEqual(summarizeHeadroom(items), { n: 2, greedy: 0.5, sampledMean: 0.4375, majority: 0.5, passAtG: 1 });
    assert.throws(() => summarizeHeadroom([]), /no items/);
  });

  describe('on a tiny model', function () {
    this.timeout(60_000);
    let data: { root: string; records: InstructionRecord[] };
    let tok: Tokenizer;
    let model: VisionLanguageModel;
    const base = () => ({ imageRoot: data.root, quiet: true, maxNewTokens: 6, batchSize: 3 });

    before(async () => {
      await initBackend({ log: null });
      data = await tinyDataset(4);
      ({ tok, model } = tinyModel(11));
    });
    after(() => {
      model.dispose();
      rmSync(data.root, { recursive: true, force: true });
    });

    it('samples per record in input order; the same seed gives the same samples, another seed others', async () => {
      const vqa = data.records.filter((r) => r.task === 'vqa');
      const a = await sampleRecords(model, tok, data.records, { ...base(), temperature: 1, samples: 3, seed: 5 });
      const again = await sampleRecords(model, tok, data.records, { ...base(), temperature: 1, samples: 3, seed: 5 });
      const other = await sampleRecords(model, tok, data.records, { ...base(), temperature: 1, samples: 3, seed: 6 });
      assert.deepEqual(a.map((x) => x.id), data.records.map((r) => r.id));
      assert.ok(a.every((x) => x.texts.length === 3));
      assert.deepEqual(again, a);
      assert.notDeepEqual(other, a);
      await assert.rejects(sampleRecords(model, tok, vqa, { ...base(), temperature: 0, samples: 2, seed: 1 }), /temperature must be > 0/);
      await assert.rejects(sampleRecords(model, tok, vqa, { ...base(), temperature: 1, samples: 0, seed: 1 }), /samples must be a positive integer/);
    });

    it('at a temperature near 0 every sample is the greedy answer: all four scores agree', async () => {
      const vqa = data.records.filter((r) => r.task === 'vqa');
      // Half the items' answers set to the greedy prediction, so the scores are not all 0.
      const greedy = await predictRecords(model, tok, vqa, base());
      const records = vqa.map((r, i) => (i % 2 === 0 ? { ...r, answer: greedy[i].text.trim() || 'x' } : r));
      const h = await samplingHeadroom(model, tok, records, { ...base(), temperature: 1e-4, samples: 3, seed: 2 });
      const s = h.summary.all;
      assert.equal(s.n, 4);
      assert.ok(s.greedy >= 0.5, `greedy ${s.greedy}`);
      assert.equal(s.sampledMean, s.greedy);
      assert.equal(s.majority, s.greedy);
      assert.equal(s.passAtG, s.greedy);
      assert.deepEqual(Object.keys(h.summary), ['all'], 'one image source: no per-source rows');
      assert.match(headroomMarkdown([{ label: 'tiny', headroom: h }]).split('\n')[2], /^\| tiny \| 0\.0001 \| 3 \| all \| 4 \| /);
      // Items from two sources get a row each.
      const mixed = await samplingHeadroom(model, tok, records.map((r, i) => ({ ...r, source: i < 1 ? 'nih' : 'synthetic' })), { ...base(), temperature: 1e-4, samples: 2, seed: 2 });
      assert.deepEqual(Object.keys(mixed.summary), ['all', 'nih', 'synthetic']);
      assert.equal(mixed.summary.nih.n, 1);
      assert.equal(mixed.summary.synthetic.n, 3);
      await assert.rejects(samplingHeadroom(model, tok, data.records, { ...base(), temperature: 1, samples: 2, seed: 1 }), /VQA records only \(record s0-rep is 'report-impression'\)/);
    });
  });
});
