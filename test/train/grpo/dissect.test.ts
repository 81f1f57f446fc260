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
import { loadTemplates } from '../../../src/data/templates.js';
import { trainTokenizer } from '../../../src/text/tokenizer.js';
import { grpoPromptsFromRecords } from '../../../src/train/grpo/prompts.js';
import { dissectGrpoStep } from '../../../src/train/grpo/dissect.js';
import { frozenCopy, VlmPolicy, type GrpoPrompt } from '../../../src/train/grpo/policy.js';
import { GrpoTrainer } from '../../../src/train/grpo/trainer.js';
import { isVisionParam } from '../../../src/model/spec.js';
import { Rng } from '../../../src/util/rng.js';
import { rewardByLength } from '../fixtures.js';

const record = (id: string, prompt: string, answer: string, kind: InstructionRecord['answerKind']): InstructionRecord => ({
  id, studyId: 's', patientId: 'p', task: 'vqa', questionType: 'presence', images: ['img.png'], prompt, answer, answerKind: kind, boxes: [], source: 'synthetic', frame: 512,
});

describe('the dissected GRPO step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpo-dissect-'));
  const tok = trainTokenizer(['Is there a pleural effusion? yes no', loadTemplates().formatInstruction], { vocabSize: 600, coordBins: 16 });
  let p: GrpoPrompt;
  const spec = () => specFromConfig({ ...DEFAULTS.model, imageSize: 16, patchSize: 8, dModel: 16, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 32, maxLen: 160 }, tok.vocabSize);
  const sharpModel = (seed: number) => {
    const model = new VisionLanguageModel(spec(), seed);
    model.params.get('head.w')!.assign(tf.mul(model.params.get('head.w')!, 30));
    return model;
  };
  before(async () => {
    await initBackend({ log: null });
    await sharp(Buffer.alloc(32 * 32, 128), { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(join(dir, 'img.png'));
    [p] = await grpoPromptsFromRecords([record('a', 'Is there a pleural effusion?', 'yes', 'short')], tok, { imageSize: 16, maxLen: 160, imageRoot: dir, quiet: true, minResponseRoom: 8 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('dissectGrpoStep reports consistent quantities and restores the weights', async () => {
    const model = sharpModel(2);
    const policy = new VlmPolicy(model, tok);
    const before = Array.from(model.params.get('head.w')!.dataSync());
    const config = { ...DEFAULTS, grpo: { ...DEFAULTS.grpo, groupSize: 4, maxNewTokens: 6, beta: 0, temperature: 1 } }; // T = 1: the sharpened model's samples still differ
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

  it("is the trainer's own step: without restoring, the weights equal those after the trainer's first step on the same prompt and stream", () => {
    const config = { ...DEFAULTS, grpo: { ...DEFAULTS.grpo, groupSize: 4, maxNewTokens: 6, beta: 0.05, batchPrompts: 1, lr: 0.01 } };
    const a = sharpModel(4);
    const b = sharpModel(4);
    const refA = frozenCopy(a);
    const refB = frozenCopy(b);
    dissectGrpoStep(new VlmPolicy(a, tok), new VlmPolicy(refA, tok), p, config, { rng: Rng.derive(11, 'grpo-sample'), restore: false, reward: rewardByLength });
    const trainer = new GrpoTrainer(new VlmPolicy(b, tok), new VlmPolicy(refB, tok), [p], config.grpo, config.reward, { seed: 11, reward: rewardByLength });
    trainer.trainStep();
    let moved = 0;
    for (const [name, v] of a.params) {
      const [x, y] = [v.dataSync(), b.params.get(name)!.dataSync()];
      assert.deepEqual(Array.from(x), Array.from(y), name);
      moved += x.length;
    }
    assert.ok(moved > 0);
    trainer.dispose();
    [a, b, refA, refB].forEach((m) => m.dispose());
  });

  it('updates the decoder only under grpo.freezeVision, as the trainer does', () => {
    const config = { ...DEFAULTS, grpo: { ...DEFAULTS.grpo, groupSize: 4, maxNewTokens: 6, beta: 0, freezeVision: true } };
    const model = sharpModel(6);
    const before = new Map([...model.params].map(([n, v]) => [n, Array.from(v.dataSync())]));
    dissectGrpoStep(new VlmPolicy(model, tok), null, p, config, { rng: new Rng(5), lr: 0.05, restore: false, reward: rewardByLength });
    const changed = [...model.params].filter(([n, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(n)![i])).map(([n]) => n);
    assert.ok(changed.length > 0, 'the update moved something');
    assert.deepEqual(changed.filter(isVisionParam), [], 'no vision weight moved');
    model.dispose();
  });
});
