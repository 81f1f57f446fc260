import assert from 'node:assert/strict';
import type { InstructionRecord } from '../../src/data/types.js';
import { constantBaseline, scoreInstructions } from '../../src/eval/instruction-scores.js';
import { boxIou as iou } from '../../src/text/parse.js';

const rec = (id: string, task: InstructionRecord['task'], questionType: string, answer: string, answerKind: InstructionRecord['answerKind'] = 'short'): InstructionRecord => ({
  id, studyId: id, patientId: id, task, questionType, images: ['x.png'], prompt: 'q', answer, answerKind, boxes: [], source: 'synthetic', frame: 512,
});

describe('stage-1 evaluation', () => {
  it('computes IoU by hand-worked cases', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
    assert.equal(iou([0, 0, 10, 10], [20, 20, 30, 30]), 0);
  });

  it('scores VQA and grounding, and the constant baseline takes the most frequent training answers', () => {
    const train = [
      rec('a', 'vqa', 'presence', 'no'), rec('b', 'vqa', 'presence', 'no'), rec('c', 'vqa', 'presence', 'yes'),
      rec('d', 'vqa', 'plane', 'PA'), rec('e', 'grounding', 'grounding', '[0, 0, 10, 10]', 'free'), rec('f', 'grounding', 'grounding', '[10, 10, 20, 20]', 'free'),
    ];
    const test = [rec('t1', 'vqa', 'presence', 'yes'), rec('t2', 'vqa', 'presence', 'no'), rec('t3', 'vqa', 'plane', 'PA'), rec('t4', 'grounding', 'grounding', '[5, 5, 15, 15]', 'free')];
    const base = constantBaseline(train, test);
    assert.deepEqual([...base.values()], ['no', 'no', 'PA', '[5, 5, 15, 15]']);
    const m = scoreInstructions(test, base);
    assert.equal(m.vqa!.overall, 2 / 3);
    assert.equal(m.vqa!.byType.presence.accuracy, 0.5);
    assert.equal(m.grounding!.meanIoU, 1);
    const wrong = scoreInstructions(test, new Map(test.map((r) => [r.id, 'maybe'])));
    assert.equal(wrong.vqa!.overall, 0);
    assert.equal(wrong.grounding!.meanIoU, 0);
    assert.throws(() => scoreInstructions(test, new Map()), /no prediction for 4 records/);
  });
});

describe('shuffled-image control', () => {
  it('permutes the images among the records and keeps everything else', async () => {
    const { shuffleImages } = await import('../../src/eval/instruction-scores.js');
    const rs = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ ...rec(id, 'vqa', 'presence', 'no'), images: [`${id}.png`] }));
    const sh = shuffleImages(rs, 1);
    assert.deepEqual(sh.map((r) => r.images[0]).sort(), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
    assert.ok(sh.some((r, i) => r.images[0] !== rs[i].images[0]));
    assert.deepEqual(sh.map((r) => r.id), rs.map((r) => r.id));
  });
});
