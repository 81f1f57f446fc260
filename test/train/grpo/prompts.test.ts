import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../src/backend.js';
import type { InstructionRecord } from '../../../src/data/types.js';
import { loadTemplates, withFormatInstruction } from '../../../src/data/templates.js';
import { trainTokenizer } from '../../../src/text/tokenizer.js';
import { grpoPromptsFromRecords } from '../../../src/train/grpo/prompts.js';

const record = (id: string, prompt: string, answer: string, kind: InstructionRecord['answerKind']): InstructionRecord => ({
  id, studyId: 's', patientId: 'p', task: 'vqa', questionType: 'presence', images: ['img.png'], prompt, answer, answerKind: kind, boxes: [], source: 'synthetic', frame: 512,
});

describe('GRPO prompts', () => {
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
});
