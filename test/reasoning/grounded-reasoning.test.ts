/** Reasoning for grounded questions: it lists the located findings with their true boxes, derives the answer, and the filter keeps it. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { studyRecord } from '../../src/data/cohort.js';
import { groundedQuestions, parseGroundedQuestion } from '../../src/data/grounded-questions.js';
import { buildInstructions, CXR_VQA_TYPES, EXT_VQA_TYPES } from '../../src/data/instructions.js';
import { sampleCohortTruth } from '../../src/data/phantom.js';
import type { InstructionRecord, Study } from '../../src/data/types.js';
import { checkResponse } from '../../src/reasoning/filter.js';
import { OfflineSynthesizer } from '../../src/reasoning/offline-synthesizer.js';
import { truthBoxes } from '../../src/reasoning/synthesizer.js';
import { extractAnswer, extractBoxes, extractThink, isWellFormatted } from '../../src/text/parse.js';
import { answerKindOf } from '../../src/data/instructions.js';
import { EDEMA, LEFT_NODULE, MIXED } from '../data/grounded-fixtures.js';

const OPTS = { bound: 512, iouThreshold: 0.3, boxMatch: 'all' as const, minChars: 40, maxChars: 2000, minTextF1: 0.5 };

/** Every grounded question of a study as the instruction record buildVqa would make of it. */
function records(s: Study): InstructionRecord[] {
  return (
    [['ext-vqa', EXT_VQA_TYPES], ['cxr-vqa', CXR_VQA_TYPES]] as const
  ).flatMap(([set, types]) =>
    types.flatMap((type) =>
      groundedQuestions(set, type, s).map((c, k) => ({
        id: `${s.id}:${set}:${type}:${k}`, studyId: s.id, patientId: s.patientId, task: 'vqa' as const, questionType: type, images: [s.image],
        prompt: c.q, answer: c.a, answerKind: c.list ? ('list' as const) : answerKindOf(c.a), boxes: c.boxes, source: s.source, frame: s.frame, vqaSet: set,
      })),
    ),
  );
}

const think = (style: 'concise' | 'full', r: InstructionRecord, s: Study) => new OfflineSynthesizer({ seed: 4, style }).write({ record: r, study: s });
const byPrompt = (s: Study, prompt: string) => records(s).find((r) => r.prompt === prompt)!;

describe('reasoning/grounded questions', () => {
  for (const style of ['concise', 'full'] as const) {
    it(`lists exactly the true boxes, ends with the true \\boxed{} and passes the filter (${style})`, () => {
      for (const s of [MIXED, LEFT_NODULE, EDEMA]) {
        for (const r of records(s)) {
          const text = think(style, r, s);
          assert.ok(isWellFormatted(text), text);
          assert.equal(extractAnswer(text), r.answer, `${r.prompt}: ${text}`);
          assert.deepEqual(new Set(extractBoxes(extractThink(text)!).map(String)), new Set(r.boxes.map((b) => String(b.box))), `${r.prompt}: ${text}`);
          assert.deepEqual(checkResponse(text, r, truthBoxes({ record: r, study: s }), OPTS).failures, [], `${r.prompt}: ${text}`);
        }
      }
    });
  }

  it('hand-worked derivations (concise): the count, the comparison, the size against the threshold, the zone', () => {
    const t = (p: string) => extractThink(think('concise', byPrompt(MIXED, p), MIXED))!.trim();
    assert.equal(
      t('How many abnormal findings are in the right lung?'),
      'Right lung: nodule, upper zone, 12 mm [120, 160, 150, 190]; consolidation, lower zone [90, 300, 160, 350]; mild atelectasis, lower zone [100, 340, 180, 352]. 3 findings in the right lung.',
    );
    assert.equal(t('How many abnormal findings are in the left lung?'), 'Left lung: small pleural effusion [300, 330, 440, 420]; mild atelectasis, lower zone [300, 350, 350, 360]. 2 findings in the left lung.');
    assert.match(t('Which lung has fewer abnormal findings: left, right or same?'), /^Right lung: .*\. Left lung: .*\. Right 3, left 2: the left has fewer\.$/);
    assert.equal(
      t('Is the atelectasis larger in the left or the right lung?'),
      'Right: mild atelectasis, lower zone [100, 340, 180, 352], 80x12 px. Left: mild atelectasis, lower zone [300, 350, 350, 360], 50x10 px. The right is larger.',
    );
    assert.equal(t('Is the nodule smaller than 1 cm?'), 'Right lung: nodule, upper zone, 12 mm [120, 160, 150, 190]. 12 mm: not smaller than 10 mm.');
    assert.equal(t('Is the consolidation larger than 4 cm?'), 'Right lung: consolidation, lower zone [90, 300, 160, 350]. Longest side 70 px = 49 mm: larger than 40 mm.');
    assert.match(t('What lung abnormality is in the right lower zone?'), /Right lower zone: consolidation and atelectasis\.$/);
    assert.match(t('Is there a lung abnormality in the right mid zone?'), /Right mid zone: nothing\.$/);
    assert.equal(extractThink(think('concise', byPrompt(LEFT_NODULE, 'How many abnormal findings are in the right lung?'), LEFT_NODULE))!.trim(), 'Right lung: clear. 0 findings in the right lung.');
    assert.match(extractThink(think('concise', byPrompt(EDEMA, 'Which lung has more abnormal findings: left, right or same?'), EDEMA))!, /Right 1, left 1: the same number\.$/m);
  });

  it('the filter drops a response whose answer the reasoning does not carry', () => {
    const count = byPrompt(MIXED, 'How many abnormal findings are in the right lung?');
    const wrong = think('concise', count, MIXED).replace('\\boxed{3}', '\\boxed{2}');
    assert.deepEqual(checkResponse(wrong, count, count.boxes, OPTS).failures.map((f) => f.rule), ['answer']);
    const zone = byPrompt(MIXED, 'What lung abnormality is in the right lower zone?');
    const partial = think('concise', zone, MIXED).replace('\\boxed{atelectasis|consolidation}', '\\boxed{consolidation}');
    assert.deepEqual(checkResponse(partial, zone, zone.boxes, OPTS).failures.map((f) => f.rule), ['answer']);
  });

  it('a record whose answer the study truth does not give gets the generic reasoning, never a derivation that contradicts its answer', () => {
    const r = { ...byPrompt(MIXED, 'How many abnormal findings are in the right lung?'), answer: '5' };
    const text = think('concise', r, MIXED);
    assert.equal(extractAnswer(text), '5');
    assert.doesNotMatch(text, /findings in the right lung/);
  });

  it('keeps the reasoning of every question of before unchanged', () => {
    // Digests of the offline writer's responses (seed 3) to the VQA records of the first 200 studies of
    // sampleCohortTruth seed 5 (buildInstructions seed 1, vqaPerStudy 3), made once with the code before
    // the grounded questions (commit 84fb2cf).
    const studies = sampleCohortTruth(200, { seed: 5, frame: 512, normalFraction: 0.3 }).map(studyRecord);
    const byId = new Map(studies.map((s) => [s.id, s]));
    const vqa = buildInstructions(studies, { seed: 1, vqaPerStudy: 3, tasks: ['vqa'] });
    const sha = (style: 'concise' | 'full') => {
      const syn = new OfflineSynthesizer({ seed: 3, style });
      return createHash('sha256').update(JSON.stringify(vqa.map((r) => syn.write({ record: r, study: byId.get(r.studyId) })))).digest('hex');
    };
    assert.equal(sha('concise'), '9a3ed5d8b74b877d9a206c972142829180503fde0d35fac554a8273cf32d60f6');
    assert.equal(sha('full'), 'ae7f42afb917187ce0305a59ce0d22cd6caebef2438ead9528402ce4083e8b88');
  });

  it('on a seeded cohort with the option on, every grounded item gets a derivation that the filter keeps', () => {
    const studies = sampleCohortTruth(300, { seed: 8, frame: 512, normalFraction: 0.3 }).map(studyRecord);
    const byId = new Map(studies.map((s) => [s.id, s]));
    const grounded = buildInstructions(studies, { seed: 3, vqaPerStudy: 3, tasks: ['vqa'], groundedVqa: true }).filter((r) => parseGroundedQuestion(r.prompt));
    assert.ok(grounded.length > 100, `${grounded.length}`);
    const syn = new OfflineSynthesizer({ seed: 1, style: 'concise' });
    for (const r of grounded) {
      const text = syn.write({ record: r, study: byId.get(r.studyId) });
      assert.match(text, /(findings? in the (left|right) lung|: the (left|right) has (more|fewer)|: the same number|The (left|right) is (larger|smaller)|than \d+ mm|zone: [a-z ]+)\.\n<\/think>/, `${r.prompt}: ${text}`);
      assert.deepEqual(checkResponse(text, r, truthBoxes({ record: r, study: byId.get(r.studyId) }), OPTS).failures, [], `${r.prompt}: ${text}`);
    }
  });
});
