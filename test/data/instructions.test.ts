import assert from 'node:assert/strict';
import { sampleCohortTruth } from '../../src/data/phantom.js';
import { studyRecord, type FindingMeta } from '../../src/data/cohort.js';
import { answerKindOf, buildInstructions, CXR_VQA_TYPES, EXT_VQA_TYPES } from '../../src/data/instructions.js';
import { leakedPatients, splitByPatient } from '../../src/data/split.js';
import type { Study } from '../../src/data/types.js';

const studies: Study[] = sampleCohortTruth(300, { seed: 5, frame: 512, normalFraction: 0.3 }).map(studyRecord);

describe('instruction builders', () => {
  const recs = buildInstructions(studies, { seed: 1, vqaPerStudy: 3 });

  it('answer kinds: lists by |, up to two tokens short, else free', () => {
    assert.equal(answerKindOf('yes'), 'short');
    assert.equal(answerKindOf('left lung'), 'short');
    assert.equal(answerKindOf('right lower lung'), 'free');
    assert.equal(answerKindOf('edema|nodule'), 'list');
  });

  it('every study yields findings and impression reports, VQA of both sets and grounding for each box', () => {
    for (const s of studies.slice(0, 50)) {
      const mine = recs.filter((r) => r.studyId === s.id);
      assert.equal(mine.filter((r) => r.task === 'report-findings')[0].answer, s.findings);
      assert.equal(mine.filter((r) => r.task === 'report-impression')[0].answer, s.impression);
      assert.equal(mine.filter((r) => r.vqaSet === 'ext-vqa').length, 3);
      assert.equal(mine.filter((r) => r.vqaSet === 'cxr-vqa').length, 3);
      const g = mine.filter((r) => r.task === 'grounding');
      assert.equal(g.length, s.boxes.length);
      for (const r of g) {
        assert.equal(r.answer, `[${r.boxes[0].box.join(', ')}]`);
        assert.ok(s.boxes.some((b) => b.box.join() === r.boxes[0].box.join()));
      }
      for (const r of mine) {
        assert.equal(r.patientId, s.patientId);
        assert.deepEqual(r.images, [s.image]);
        assert.equal(r.frame, 512);
      }
    }
  });

  it('covers every question type of both sets with closed, open and list answers', () => {
    const vqa = recs.filter((r) => r.task === 'vqa');
    for (const t of EXT_VQA_TYPES) assert.ok(vqa.some((r) => r.vqaSet === 'ext-vqa' && r.questionType === t), `ext-vqa ${t}`);
    for (const t of CXR_VQA_TYPES) assert.ok(vqa.some((r) => r.vqaSet === 'cxr-vqa' && r.questionType === t), `cxr-vqa ${t}`);
    const yes = vqa.filter((r) => r.answer === 'yes').length;
    const no = vqa.filter((r) => r.answer === 'no').length;
    assert.ok(yes > 50 && no > 50, `yes ${yes} no ${no}`);
    assert.ok(vqa.some((r) => r.answerKind === 'list' && r.answer.includes('|')));
    assert.ok(vqa.some((r) => r.answerKind === 'free'));
  });

  it('answers agree with the ground truth', () => {
    const byId = new Map(studies.map((s) => [s.id, s]));
    for (const r of recs.filter((x) => x.task === 'vqa')) {
      const s = byId.get(r.studyId)!;
      const meta = s.meta!.findings as FindingMeta[];
      if (r.questionType === 'gender') assert.equal(r.answer, s.sex === 'M' ? 'male' : 'female');
      if (r.questionType === 'plane' || r.questionType === 'view') assert.equal(r.answer, s.view);
      if (r.prompt === 'Is the cardiac silhouette enlarged?') assert.equal(r.answer, meta.some((f) => f.kind === 'cardiomegaly') ? 'yes' : 'no');
      if (r.prompt === 'List all abnormalities in this image.') {
        const want = meta.filter((f) => !['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'].includes(f.kind)).length;
        assert.equal(r.answer === 'none' ? 0 : r.answer.split('|').length, new Set(meta.filter((f) => !['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'].includes(f.kind)).map((f) => f.kind)).size);
        assert.ok(want >= 0);
      }
      const side = /^Which side is the (.+) on, left or right\?$/.exec(r.prompt);
      if (side) assert.ok(meta.some((f) => f.kind.replace(/-/g, ' ') === side[1] && f.side === r.answer), `${r.id}: ${r.prompt} -> ${r.answer}`);
      const m = /^Is there (.+) in the (left|right) (lung|hemithorax)\?$/.exec(r.prompt);
      if (m) {
        const has = meta.some((f) => f.kind.replace(/-/g, ' ').replace('central line', 'central venous catheter') === m[1] && (f.side === m[2] || f.side === 'bilateral'));
        assert.equal(r.answer, has ? 'yes' : 'no', `${r.id}: ${r.prompt}`);
      }
    }
  });

  it('is deterministic per seed', () => {
    assert.deepEqual(buildInstructions(studies.slice(0, 20), { seed: 1, vqaPerStudy: 3 }), recs.filter((r) => studies.slice(0, 20).some((s) => s.id === r.studyId)));
    assert.notDeepEqual(buildInstructions(studies.slice(0, 20), { seed: 2, vqaPerStudy: 3 }), buildInstructions(studies.slice(0, 20), { seed: 1, vqaPerStudy: 3 }));
  });
});

describe('patient-level splits', () => {
  it('hand-worked example: whole patients, sizes reached, nothing leaks', () => {
    const items = [
      { id: 'a1', patientId: 'A' }, { id: 'a2', patientId: 'A' }, { id: 'b1', patientId: 'B' },
      { id: 'c1', patientId: 'C' }, { id: 'c2', patientId: 'C' }, { id: 'c3', patientId: 'C' }, { id: 'd1', patientId: 'D' },
    ];
    const s = splitByPatient(items, { seed: 1, test: 2, val: 1 });
    assert.equal(s.train.length + s.val.length + s.test.length, 7);
    assert.ok(s.test.length >= 2 && s.val.length >= 1);
    assert.deepEqual(leakedPatients(s), []);
    for (const name of ['train', 'val', 'test'] as const) {
      const pats = new Set(s[name].map((x) => x.patientId));
      for (const p of pats) assert.equal(s[name].filter((x) => x.patientId === p).length, items.filter((x) => x.patientId === p).length);
    }
  });

  it('no patient of the cohort appears in two splits, for studies and for their instruction records', () => {
    const s = splitByPatient(studies, { seed: 9, test: 40, val: 20 });
    assert.deepEqual(leakedPatients(s), []);
    assert.ok(s.test.length >= 40 && s.test.length < 43, `test ${s.test.length}`);
    assert.ok(s.val.length >= 20 && s.val.length < 23);
    const testPatients = new Set(s.test.map((x) => x.patientId));
    const multi = studies.filter((x) => studies.filter((y) => y.patientId === x.patientId).length > 1);
    assert.ok(multi.length > 50, 'the cohort has patients with several studies');
    const recs = buildInstructions(s.train, { seed: 1, vqaPerStudy: 1 });
    assert.ok(recs.every((r) => !testPatients.has(r.patientId)));
    // A detector that works: a leaked split is reported.
    const leaky = { train: [...s.train, s.test[0]], val: s.val, test: s.test };
    assert.deepEqual(leakedPatients(leaky), [s.test[0].patientId]);
  });
});
