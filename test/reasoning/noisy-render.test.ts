/** Simulated teacher errors are each caught by the filter; the box overlay lands where the boxes are. */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRUPTIONS, corrupt, NoisyTeacher } from '../../src/reasoning/noisy-teacher.js';
import { OfflineSynthesizer } from '../../src/reasoning/offline-synthesizer.js';
import { checkResponse } from '../../src/reasoning/filter.js';
import { overlaySvg, renderWithBoxes } from '../../src/reasoning/render.js';
import { RECORDS, STUDIES, byId, EFFUSION } from './fixtures.js';

const OPTS = { bound: 512, iouThreshold: 0.3, boxMatch: 'any' as const, minChars: 40, maxChars: 2000, minTextF1: 0.5 };

describe('reasoning/noisy teacher (simulated errors)', () => {
  for (const style of ['full', 'concise'] as const) {
    it(`every corruption of a grounded reply is dropped by the filter (${style})`, () => {
      const syn = new OfflineSynthesizer({ seed: 4, style });
      for (const id of ['r-pres', 'r-imp', 'r-list', 'r-ground']) {
        const record = byId(id);
        const clean = syn.write({ record, study: STUDIES.get('s1') });
        for (const kind of CORRUPTIONS) {
          const bad = corrupt(clean, kind, 512, record.answer);
          assert.ok(bad !== null, `${kind} on ${id}`);
          assert.notEqual(checkResponse(bad, record, record.boxes.length ? record.boxes : STUDIES.get('s1')!.boxes, OPTS).failures.length, 0, `${kind} on ${id} slipped through:\n${bad}`);
        }
      }
    });
  }

  it('skips box corruptions when the reply has no box', () => {
    assert.equal(corrupt('<think>\nno boxes\n</think>\n\\boxed{no}', 'box-inverted', 512, 'no'), null);
  });

  it('corrupts about the requested fraction, seeded', async () => {
    const noisy = new NoisyTeacher(new OfflineSynthesizer({ seed: 1, style: 'concise' }), { seed: 2, rate: 0.5 });
    const many = Array.from({ length: 200 }, (_, i) => ({ ...RECORDS[i % RECORDS.length], id: `x${i}` }));
    for (const record of many) await noisy.synthesize({ record, study: STUDIES.get(record.studyId) });
    assert.ok(noisy.applied.size > 70 && noisy.applied.size < 130, `${noisy.applied.size} of 200`);
    const again = new NoisyTeacher(new OfflineSynthesizer({ seed: 1, style: 'concise' }), { seed: 2, rate: 0.5 });
    for (const record of many) await again.synthesize({ record, study: STUDIES.get(record.studyId) });
    assert.deepEqual([...again.applied], [...noisy.applied]);
  });
});

describe('reasoning/render', () => {
  it('scales boxes to the output size', () => {
    const svg = overlaySvg({ frame: 512, size: 256, truth: [{ box: [100, 200, 300, 400], label: 'a<b' }] });
    assert.match(svg, /<rect x="50\.0" y="100\.0" width="100\.0" height="100\.0"/);
    assert.match(svg, /a&lt;b/);
  });

  it('draws the boxes on the image (pixels change on the box edge, not inside)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-render-'));
    try {
      const img = join(dir, 'grey.png');
      await sharp({ create: { width: 512, height: 512, channels: 3, background: { r: 40, g: 40, b: 40 } } }).png().toFile(img);
      const png = await renderWithBoxes(img, { frame: 512, size: 256, truth: [{ box: EFFUSION.box }], predicted: [{ box: [120, 160, 150, 190] }] });
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
      assert.deepEqual(px(100, 30), [40, 40, 40]);
      // The predicted box's left edge (120/2 = 60) is orange-ish: red high, blue low.
      const edge = px(60, 87);
      assert.ok(edge[0] > 150 && edge[2] < 100, `edge pixel ${edge}`);
      assert.deepEqual(px(68, 87), [40, 40, 40]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
