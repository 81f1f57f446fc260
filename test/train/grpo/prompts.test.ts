import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../src/backend.js';
import { DEFAULTS } from '../../../src/config.js';
import type { InstructionRecord } from '../../../src/data/types.js';
import { specFromConfig } from '../../../src/model/spec.js';
import { VisionLanguageModel } from '../../../src/model/vlm.js';
import { loadTemplates, withFormatInstruction } from '../../../src/data/templates.js';
import { trainTokenizer } from '../../../src/text/tokenizer.js';
import { grpoPromptsFromRecords } from '../../../src/train/grpo/prompts.js';
import { dissectGrpoStep } from '../../../src/train/grpo/dissect.js';
import { VlmPolicy } from '../../../src/train/grpo/policy.js';
import { Rng } from '../../../src/util/rng.js';
import { rewardByLength } from '../fixtures.js';

const record = (id: string, prompt: string, answer: string, kind: InstructionRecord['answerKind']): InstructionRecord => ({
  id, studyId: 's', patientId: 'p', task: 'vqa', questionType: 'presence', images: ['img.png'], prompt, answer, answerKind: kind, boxes: [], source: 'synthetic', frame: 512,
});

describe('GRPO prompts and the dissected step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpo-data-'));
  const tok = trainTokenizer(['Is there a pleural effusion? yes no', loadTemplates().formatInstruction], { vocabSize: 600, coordBins: 16 });
  before(async () => {
    await initBackend({ log: null });
    await sharp(Buffer.alloc(32 * 32, 128), { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(join(dir, 'img.png'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the format instruction, decodes the image, keeps the answer kind, skips prompts with no room', async () => {
    const recs = [record('a', 'Is there a pleural effusion?', 'yes', 'short'), record('b', 'Is there a pleural effusion? '.repeat(40), 'no', 'short'), record('c', 'Which?', 'a|b', 'list')];
    const warnings: string[] = [];
    const out = await grpoPromptsFromRecords(recs, tok, { imageSize: 16, maxLen: 200, imageRoot: dir, warn: (m) => warnings.push(m), quiet: true });
    assert.deepEqual(out.map((p) => p.id), ['a', 'c']);
    assert.match(warnings[0], /skipped 1 record/);
    const text = tok.decode(out[0].prompt);
    assert.equal(text, withFormatInstruction('Is there a pleural effusion?', loadTemplates(), 512));
    assert.equal(out[0].prompt[0], tok.bosId);
    assert.equal(out[0].prompt[out[0].prompt.length - 1], tok.assistantId);
    assert.equal(out[1].kind, 'list');
    assert.equal(out[0].pixels.length, 256);
    assert.ok(Math.abs(out[0].pixels[0] - 128 / 255) < 1e-6);
  });

  it('dissectGrpoStep reports consistent quantities and restores the weights', async () => {
    const [p] = await grpoPromptsFromRecords([record('a', 'Is there a pleural effusion?', 'yes', 'short')], tok, { imageSize: 16, maxLen: 160, imageRoot: dir, quiet: true, minResponseRoom: 8 });
    const spec = specFromConfig({ ...DEFAULTS.model, imageSize: 16, patchSize: 8, dModel: 16, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 32, maxLen: 160 }, tok.vocabSize);
    const model = new VisionLanguageModel(spec, 2);
    model.params.get('head.w')!.assign(tf.mul(model.params.get('head.w')!, 30));
    const policy = new VlmPolicy(model, tok);
    const before = Array.from(model.params.get('head.w')!.dataSync());
    const config = { ...DEFAULTS, grpo: { ...DEFAULTS.grpo, groupSize: 4, maxNewTokens: 6, beta: 0 } };
    dissectGrpoStep(policy, null, p, config, { rng: new Rng(1) }); // warm-up: the model caches its attention mask once
    const nTensors = tf.memory().numTensors;
    const d = dissectGrpoStep(policy, null, p, config, { rng: new Rng(3), lr: 0.05, reward: rewardByLength });
    assert.equal(tf.memory().numTensors, nTensors, 'no tensors left behind');
    assert.deepEqual(Array.from(model.params.get('head.w')!.dataSync()), before, 'weights restored');
    assert.equal(d.responses.length, 4);
    assert.ok(!d.zeroStd && d.groupStd > 0, 'the group has reward spread');
    assert.ok(d.responses.some((r) => r.ratio.some((q) => Math.abs(q - 1) > 1e-3)), 'the update moved the policy (so restoring the weights is tested)');
    const mean = d.responses.reduce((a, r) => a + r.reward.total, 0) / 4;
    assert.ok(Math.abs(mean - d.groupMean) < 1e-12);
    for (const r of d.responses) {
      assert.equal(r.ratio.length, r.oldLogProbs.length);
      assert.equal(r.pieces.length, r.oldLogProbs.length);
      r.ratio.forEach((q, t) => {
        assert.ok(Math.abs(q - Math.exp(r.newLogProbs[t] - r.oldLogProbs[t])) < 1e-9);
        if (r.clipped[t]) assert.ok((r.advantage > 0 && q > 1.2) || (r.advantage < 0 && q < 0.8));
      });
      if (d.zeroStd) assert.equal(r.advantage, 0);
    }
    model.dispose();
  });
});
