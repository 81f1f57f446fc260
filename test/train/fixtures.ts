/** Tiny instruction sets with generated images for the trainer tests. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { InstructionRecord } from '../../src/data/types.js';
import { computeReward } from '../../src/rewards/compose.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { trainTokenizer, type Tokenizer } from '../../src/text/tokenizer.js';

/** n studies; even ones bright on the image left, odd ones on the right; two records each. */
export async function tinyDataset(n: number): Promise<{ root: string; records: InstructionRecord[] }> {
  const root = mkdtempSync(join(tmpdir(), 'dmx-sft-'));
  mkdirSync(join(root, 'images'));
  const records: InstructionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const side = i % 2 === 0 ? 'left' : 'right';
    const px = Buffer.alloc(32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) px[y * 32 + x] = (side === 'left') === x < 16 ? 220 : 30 + ((x * 7 + y * 3 + i) % 20);
    const image = `images/s${i}.png`;
    await sharp(px, { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(join(root, image));
    const base = { studyId: `s${i}`, patientId: `p${i}`, images: [image], boxes: [], source: 'synthetic', frame: 512 };
    records.push(
      { ...base, id: `s${i}-vqa`, task: 'vqa', questionType: 'location', prompt: 'Which side is opaque?', answer: side, answerKind: 'short' },
      {
        ...base,
        id: `s${i}-rep`,
        task: 'report-impression',
        questionType: 'report-impression',
        prompt: 'Write the impression.',
        answer: side === 'left' ? 'Opacity on the left [0, 0, 255, 511].' : 'Opacity on the right [256, 0, 511, 511].',
        answerKind: 'free',
      },
    );
  }
  return { root, records };
}

/**
 * A tokenizer for `tinyDataset`'s prompts and an untrained 32-pixel model with a sharpened head
 * (×30), so that greedy outputs are not all the same token.
 */
export function tinyModel(seed: number): { tok: Tokenizer; model: VisionLanguageModel } {
  const tok = trainTokenizer(['Which side is opaque? left right', 'Write the impression. Opacity on the left right'], { vocabSize: 600, coordBins: 16 });
  const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 32, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 64, maxLen: 40 };
  const model = new VisionLanguageModel(spec, seed);
  const head = model.params.get('head.w')!;
  tf.tidy(() => head.assign(tf.mul(head, 30)));
  return { tok, model };
}

/**
 * A reward for tests of the GRPO update: the response's length / 10. An untrained model never closes a
 * `\boxed{}`, so under the paper's reward every sample scores 0, no group has spread and the policy
 * gradient is exactly 0; scored by length, a group's samples differ and the update moves the policy.
 */
export const rewardByLength: typeof computeReward = (r, gt, spec, kind) => ({ ...computeReward(r, gt, spec, kind), total: r.length / 10 });
