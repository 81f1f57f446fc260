import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config.js';
import type { InstructionRecord } from '../../../src/data/types.js';
import { mixRealRecords, realVqaRecords } from '../../../src/train/grpo/real-prompts.js';
import { realRlRecords } from '../../../src/train/grpo/stage.js';
import { PROJECT_ROOT } from '../../../src/util/paths.js';

// Three radiographs: patient 1 has two, patient 2 one (test/fixtures/data/nih/labels.csv).
const NIH = join(PROJECT_ROOT, 'test', 'fixtures', 'data', 'nih');

const rec = (id: string, task: InstructionRecord['task'], extra: Partial<InstructionRecord> = {}): InstructionRecord => ({
  id, studyId: id, patientId: id, task, questionType: 'presence', images: ['x.png'], prompt: 'q', answer: 'a', answerKind: 'short', boxes: [], source: 'synthetic', frame: 512, ...extra,
});

describe('real-radiograph RL prompts (grpo.realVqaShare)', () => {
  it('builds VQA records only for NIH patients the benchmark does not use, with absolute image paths', () => {
    const all = realVqaRecords([], { root: NIH, frame: 512, seed: 1 });
    assert.deepEqual([...new Set(all.map((r) => r.patientId))].sort(), ['nih-1', 'nih-2']);
    const benchmark = [rec('b1', 'vqa', { source: 'nih', patientId: 'nih-1' }), rec('b2', 'vqa', { patientId: 'nih-2' })];
    const held = realVqaRecords(benchmark, { root: NIH, frame: 512, seed: 1 });
    // Patient nih-2's synthetic-source namesake does not count: only the benchmark's NIH items hold patients out.
    assert.ok(held.length > 0);
    assert.deepEqual([...new Set(held.map((r) => r.patientId))], ['nih-2']);
    for (const r of held) {
      assert.equal(r.task, 'vqa');
      assert.equal(r.source, 'nih');
      assert.ok(isAbsolute(r.images[0]) && existsSync(r.images[0]), r.images[0]);
    }
    // Two questions per VQA set for the one study left; the same seed gives the same questions.
    assert.ok(held.length <= 4);
    assert.deepEqual(realVqaRecords(benchmark, { root: NIH, frame: 512, seed: 1 }), held);
  });

  it('mixes round(n × share) real records (capped by what there is) with a prefix of the synthetic selection', () => {
    const synthetic = Array.from({ length: 10 }, (_, i) => rec(`s${i}`, i % 2 ? 'vqa' : 'report-findings'));
    const real = Array.from({ length: 5 }, (_, i) => rec(`r${i}`, 'vqa', { source: 'nih' }));
    const mixed = mixRealRecords(synthetic, real, 8, 0.25, 3);
    assert.deepEqual(mixed.slice(0, 6).map((r) => r.id), ['s0', 's1', 's2', 's3', 's4', 's5']);
    assert.equal(mixed.filter((r) => r.source === 'nih').length, 2);
    assert.deepEqual(mixRealRecords(synthetic, real, 8, 0.25, 3), mixed);
    const capped = mixRealRecords(synthetic, real, 10, 0.9, 3);
    assert.equal(capped.length, 10);
    assert.equal(capped.filter((r) => r.source === 'nih').length, 5);
    assert.deepEqual(mixRealRecords(synthetic, real, 6, 0, 3).map((r) => r.id), ['s0', 's1', 's2', 's3', 's4', 's5']);
    assert.throws(() => mixRealRecords(synthetic, real, 8, 1, 3), /realVqaShare must be in \[0, 1\)/);
  });

  it('adds nothing at share 0 and refuses a share outside [0, 1) or one without the benchmark', () => {
    const withShare = (s: number): Config => ({ ...DEFAULTS, grpo: { ...DEFAULTS.grpo, realVqaShare: s } });
    assert.deepEqual(realRlRecords(withShare(0), undefined), []);
    assert.throws(() => realRlRecords(withShare(-0.1), []), /realVqaShare must be in \[0, 1\) \(got -0.1\)/);
    // Without ../shared the NIH images are missing; with it, the benchmark is: either way a clear error.
    assert.throws(() => realRlRecords(withShare(0.5), undefined), /grpo\.realVqaShare > 0 needs the (NIH radiographs|benchmark's records)/);
  });
});
