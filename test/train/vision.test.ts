import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { resolveConfig } from '../../src/config.js';
import { predictRecords } from '../../src/eval/predict.js';
import { trainSft } from '../../src/train/sft.js';
import { tinyDataset } from './fixtures.js';

describe('the model reads the image', function () {
  this.timeout(120_000);
  it('learns which side of the image is opaque, including on held-out images', async () => {
    await initBackend({ log: null });
    const data = await tinyDataset(16);
    const out = mkdtempSync(join(tmpdir(), 'dmx-vision-'));
    try {
      const vqa = data.records.filter((r) => r.task === 'vqa'); // answer: 'left' or 'right', alternating
      const config = resolveConfig('smoke', { 'sft.batchSize': 8, 'sft.epochs': 30, 'sft.lr': 3e-3, 'sft.warmupSteps': 5, 'sft.evalSamples': 0 });
      const r = await trainSft({ config, out, train: vqa.slice(0, 12), val: [], imageRoot: data.root, quiet: true });
      const preds = await predictRecords(r.model, r.tokenizer, vqa, { imageRoot: data.root, quiet: true, maxNewTokens: 4 });
      const correct = preds.filter((p, i) => p.text === vqa[i].answer).length;
      const heldOut = preds.slice(12).filter((p, i) => p.text === vqa[12 + i].answer).length;
      // The prompt is identical for every item: only the image tells the answer (chance = 8/16).
      assert.ok(correct >= 15 && heldOut >= 3, `correct ${correct}/16, held-out ${heldOut}/4: ${preds.map((p) => p.text).join(',')}`);
      r.model.dispose();
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(data.root, { recursive: true, force: true });
    }
  });
});
