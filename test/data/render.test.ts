import assert from 'node:assert/strict';
import sharp from 'sharp';
import { sampleCohortTruth, type StudyTruth } from '../../src/data/phantom.js';
import { renderStudyPng } from '../../src/data/render.js';

async function pixels(t: StudyTruth): Promise<Buffer> {
  return sharp(await renderStudyPng(t)).extractChannel(0).raw().toBuffer();
}

describe('phantom renderer', function () {
  it('each true box holds (almost) all of what its finding changes in the image', async () => {
    // Render each study with and without one finding (same noise seed): the difference image is the
    // finding's own effect, and the finding's boxes must contain at least 80% of it.
    const truths = sampleCohortTruth(40, { seed: 11, frame: 512, normalFraction: 0.2 });
    const seen = new Set<string>();
    for (const t of truths) {
      const full = await pixels(t);
      for (let i = 0; i < t.findings.length; i++) {
        const f = t.findings[i];
        if (f.kind === 'cardiomegaly' || f.kind === 'enlarged-cardiomediastinum' || seen.has(f.kind)) continue;
        seen.add(f.kind);
        const without = await pixels({ ...t, findings: t.findings.filter((_, j) => j !== i) });
        let inside = 0;
        let total = 0;
        for (let y = 0; y < 512; y++) {
          for (let x = 0; x < 512; x++) {
            const d = Math.abs(full[y * 512 + x] - without[y * 512 + x]);
            if (!d) continue;
            total += d;
            if (f.boxes.some((b) => x >= b[0] - 2 && x <= b[2] + 2 && y >= b[1] - 2 && y <= b[3] + 2)) inside += d;
          }
        }
        assert.ok(total > 500, `${t.id} ${f.kind}: drawing it changes almost nothing (${total})`);
        assert.ok(inside / total >= 0.8, `${t.id} ${f.kind}: only ${((100 * inside) / total).toFixed(1)}% of its effect is inside its boxes`);
      }
    }
    assert.ok(seen.size >= 10, `only ${[...seen].join(', ')} were checked`);
  });

  it('cardiomegaly widens the heart: its box width over the thorax width is the cardiothoracic ratio', () => {
    const truths = sampleCohortTruth(200, { seed: 3, frame: 512, normalFraction: 0.2 });
    for (const t of truths) {
      const ctr = (t.anatomy.heart.left - t.anatomy.heart.right) / (2 * t.anatomy.halfWidth);
      const cm = t.findings.find((f) => f.kind === 'cardiomegaly');
      if (cm) assert.ok(ctr > 0.53, `${t.id}: cardiomegaly with CTR ${ctr.toFixed(2)}`);
      else assert.ok(ctr <= 0.5, `${t.id}: normal heart with CTR ${ctr.toFixed(2)}`);
    }
  });
});
