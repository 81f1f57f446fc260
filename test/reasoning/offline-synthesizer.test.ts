/** The offline grounded synthesizer: every task type, true boxes, true answer, seeded variety. */
import assert from 'node:assert/strict';
import { extractAnswer, extractBoxes, extractThink, isWellFormatted } from '../../src/text/parse.js';
import { OfflineSynthesizer } from '../../src/reasoning/offline-synthesizer.js';
import { checkResponse } from '../../src/reasoning/filter.js';
import { truthBoxes } from '../../src/reasoning/synthesizer.js';
import { sideOfBox } from '../../src/reasoning/regions.js';
import { RECORDS, STUDIES, byId } from './fixtures.js';

const OPTS = { bound: 512, iouThreshold: 0.3, boxMatch: 'all' as const, minChars: 40, maxChars: 2000, minTextF1: 0.5 };

describe('reasoning/offline synthesizer', () => {
  for (const style of ['full', 'concise'] as const) {
    it(`writes well-formed grounded reasoning with the true answer for every item (${style})`, () => {
      const syn = new OfflineSynthesizer({ seed: 3, style });
      for (const record of RECORDS) {
        const input = { record, study: STUDIES.get(record.studyId) };
        const text = syn.write(input);
        assert.ok(isWellFormatted(text), `${record.id}: ${text}`);
        assert.equal(extractAnswer(text), record.answer, record.id);
        const think = extractThink(text)!;
        const truth = truthBoxes(input);
        // Exactly the true boxes appear in the reasoning (grounding answers repeat them after </think>).
        assert.deepEqual(new Set(extractBoxes(think).map(String)), new Set(truth.map((b) => String(b.box))), `${record.id}: ${think}`);
        assert.deepEqual(checkResponse(text, record, truth, OPTS).failures, [], `${record.id}: ${text}`);
      }
    });
  }

  it('covers report, VQA and grounding tasks in the fixture', () => {
    assert.deepEqual(new Set(RECORDS.map((r) => r.task)), new Set(['report-findings', 'report-impression', 'vqa', 'grounding']));
  });

  it('uses the study attributes and pertinent negatives', () => {
    const text = new OfflineSynthesizer({ seed: 1, style: 'full' }).write({ record: byId('r-find'), study: STUDIES.get('s1') });
    assert.match(text, /left/);
    assert.match(text, /12 mm/);
    assert.match(text, /small/);
    assert.match(text, /pneumothorax|heart size|cardiac silhouette is not enlarged|focal consolidation|airspace consolidation/i);
    const neg = new OfflineSynthesizer({ seed: 1, style: 'full' }).write({ record: byId('r-abs'), study: STUDIES.get('s1') });
    assert.match(extractThink(neg)!, /pneumothorax/i);
  });

  it('is deterministic per seed and record, and varies across seeds', () => {
    const a = new OfflineSynthesizer({ seed: 5, style: 'full' });
    const b = new OfflineSynthesizer({ seed: 5, style: 'full' });
    const input = { record: byId('r-find'), study: STUDIES.get('s1') };
    assert.equal(a.write(input), b.write(input));
    const variants = new Set(Array.from({ length: 12 }, (_, s) => new OfflineSynthesizer({ seed: s, style: 'full' }).write(input)));
    assert.ok(variants.size >= 6, `only ${variants.size} distinct texts over 12 seeds`);
  });

  it('puts the patient right on the image left', () => {
    assert.equal(sideOfBox([120, 160, 150, 190], 512), 'right');
    assert.equal(sideOfBox([300, 330, 440, 420], 512), 'left');
    assert.equal(sideOfBox([150, 200, 380, 400], 512), 'midline');
  });
});
