/** A tiny checkpoint and benchmark for the serving tests (built in well under a second). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { InstructionRecord } from '../../src/data/types.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';

export const PROMPTS = ['Is there a pleural effusion?', 'Describe the findings.', 'Which side is opaque?', 'Write the impression.'];

/** A randomly initialised smoke-sized model, its head scaled so sampling is far from uniform. */
export function tinyCheckpoint(dir: string): string {
  const tok = trainTokenizer([...PROMPTS, 'yes no left right opacity effusion heart normal'], { vocabSize: 600, coordBins: 16 });
  const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 32, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 64, maxLen: 40 };
  const model = new VisionLanguageModel(spec, 5);
  model.params.get('head.w')!.assign(tf.mul(model.params.get('head.w')!, 30));
  saveCheckpoint(dir, { model, tokenizer: tok, state: { stage: 'test' } });
  model.dispose();
  return dir;
}

/** n 40×40 greyscale PNGs (resized to 32 by the model) and 2 records per image, as benchmark JSONL. */
export async function tinyBenchmark(n: number): Promise<{ root: string; file: string; records: InstructionRecord[] }> {
  const root = mkdtempSync(join(tmpdir(), 'dmx-serve-'));
  mkdirSync(join(root, 'images'));
  const records: InstructionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(40 * 40);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) px[y * 40 + x] = (x * (3 + i) + y * (7 + 2 * i) + 11 * i) % 256;
    const image = `images/s${i}.png`;
    await sharp(px, { raw: { width: 40, height: 40, channels: 1 } }).png().toFile(join(root, image));
    const base = { studyId: `s${i}`, patientId: `p${i}`, images: [image], boxes: [], source: 'synthetic', frame: 512 };
    records.push(
      { ...base, id: `s${i}-vqa`, task: 'vqa', questionType: 'location', prompt: PROMPTS[(2 * i) % 4], answer: 'left', answerKind: 'short' },
      { ...base, id: `s${i}-rep`, task: 'report-impression', questionType: 'report-impression', prompt: PROMPTS[(2 * i + 1) % 4], answer: 'Normal.', answerKind: 'free' },
    );
  }
  const file = join(root, 'bench.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { root, file, records };
}
