/** Grounded VQA questions (cohort.groundedVqa): hand-worked answers, balance, and the flag off leaving the sets as they were. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { resolveConfig } from '../../src/config.js';
import { buildBenchmark } from '../../src/data/benchmark.js';
import { studyRecord, type FindingMeta } from '../../src/data/cohort.js';
import { groundedAnswer, groundedPrompt, groundedQuestions, locatedFindings, parseGroundedQuestion } from '../../src/data/grounded-questions.js';
import { buildInstructions, CXR_VQA_TYPES, EXT_VQA_TYPES } from '../../src/data/instructions.js';
import { sampleCohortTruth } from '../../src/data/phantom.js';
import type { InstructionRecord, Study } from '../../src/data/types.js';
import { EDEMA, LEFT_NODULE, MIXED, NORMAL, REAL, TEN_MM } from './grounded-fixtures.js';

const SETS = [['ext-vqa', EXT_VQA_TYPES], ['cxr-vqa', CXR_VQA_TYPES]] as const;

/** Every grounded candidate of a study over both sets and all their types: prompt -> answer (and the rest). */
function candidates(s: Study) {
  return SETS.flatMap(([set, types]) => types.flatMap((type) => groundedQuestions(set, type, s).map((c) => ({ set, ...c }))));
}
function answers(s: Study): Record<string, string> {
  return Object.fromEntries(candidates(s).map((c) => [`${c.set} ${c.type}: ${c.q}`, c.a]));
}

const RIGHT_UPPER_NODULE = [120, 160, 150, 190];
const RIGHT_CONSOLIDATION = [90, 300, 160, 350];
const RIGHT_ATELECTASIS = [100, 340, 180, 352];
const LEFT_ATELECTASIS = [300, 350, 350, 360];
const LEFT_EFFUSION = [300, 330, 440, 420];

describe('grounded VQA questions', () => {
  it('hand-worked: a study with findings in both lungs gets counts, comparisons, sizes and zones computed from its truth', () => {
    // Right: nodule (upper, 12 mm), consolidation (lower, longest side 70 px = 49 mm), atelectasis (lower, 80x12);
    // left: small effusion (no zone), atelectasis (50x10). Cardiomegaly and the rib fracture are not lung findings.
    assert.deepEqual(answers(MIXED), {
      'ext-vqa abnormality: How many abnormal findings are in the right lung?': '3',
      'ext-vqa abnormality: How many abnormal findings are in the left lung?': '2',
      'ext-vqa anatomy: Which lung has more abnormal findings: left, right or same?': 'right',
      'ext-vqa anatomy: Which lung has fewer abnormal findings: left, right or same?': 'left',
      // Areas 960 vs 500 px²: the right atelectasis is the larger.
      'ext-vqa anatomy: Is the atelectasis larger in the left or the right lung?': 'right',
      'ext-vqa anatomy: Is the atelectasis smaller in the left or the right lung?': 'left',
      'ext-vqa size: Is the nodule larger than 1 cm?': 'yes',
      'ext-vqa size: Is the nodule smaller than 1 cm?': 'no',
      'ext-vqa size: Is the consolidation larger than 4 cm?': 'yes',
      'ext-vqa size: Is the consolidation smaller than 4 cm?': 'no',
      // The left lung holds an effusion, which has no zone: only the right lung's zones are asked about.
      'ext-vqa presence: Is there a lung abnormality in the right upper zone?': 'yes',
      'ext-vqa presence: Is there a lung abnormality in the right mid zone?': 'no',
      'ext-vqa presence: Is there a lung abnormality in the right lower zone?': 'yes',
      'cxr-vqa presence: Is there evidence of a lung abnormality in the right upper zone?': 'yes',
      'cxr-vqa presence: Is there evidence of a lung abnormality in the right mid zone?': 'no',
      'cxr-vqa presence: Is there evidence of a lung abnormality in the right lower zone?': 'yes',
      'cxr-vqa abnormality: How many abnormalities are seen in the right lung?': '3',
      'cxr-vqa abnormality: How many abnormalities are seen in the left lung?': '2',
      'cxr-vqa location: Which side shows more abnormalities: left, right or same?': 'right',
      'cxr-vqa location: Which side shows fewer abnormalities: left, right or same?': 'left',
      'cxr-vqa location: On which side is the atelectasis larger, left or right?': 'right',
      'cxr-vqa location: On which side is the atelectasis smaller, left or right?': 'left',
      'cxr-vqa location: What lung abnormality is in the right upper zone?': 'nodule',
      'cxr-vqa location: What lung abnormality is in the right mid zone?': 'none',
      'cxr-vqa location: What lung abnormality is in the right lower zone?': 'atelectasis|consolidation',
    });
  });

  it('hand-worked: each question carries the boxes of the located findings its answer rests on, and its answer kind', () => {
    const by = new Map(candidates(MIXED).map((c) => [c.q, c]));
    const boxes = (q: string) => by.get(q)!.boxes.map((b) => `${b.finding} ${b.box.join(',')}`);
    assert.deepEqual(boxes('How many abnormal findings are in the right lung?'), [`nodule ${RIGHT_UPPER_NODULE}`, `consolidation ${RIGHT_CONSOLIDATION}`, `atelectasis ${RIGHT_ATELECTASIS}`]);
    assert.deepEqual(boxes('How many abnormal findings are in the left lung?'), [`pleural effusion ${LEFT_EFFUSION}`, `atelectasis ${LEFT_ATELECTASIS}`]);
    assert.equal(boxes('Which lung has more abnormal findings: left, right or same?').length, 5);
    assert.deepEqual(boxes('Is the atelectasis larger in the left or the right lung?'), [`atelectasis ${RIGHT_ATELECTASIS}`, `atelectasis ${LEFT_ATELECTASIS}`]);
    assert.deepEqual(boxes('Is the consolidation larger than 4 cm?'), [`consolidation ${RIGHT_CONSOLIDATION}`]);
    assert.equal(boxes('Is there a lung abnormality in the right mid zone?').length, 3, 'a zone question lists the whole lung it looks in');
    assert.equal(by.get('What lung abnormality is in the right lower zone?')!.list, true);
    assert.equal(by.get('How many abnormal findings are in the right lung?')!.list, false);
  });

  it('hand-worked: one left nodule, bilateral edema, a nodule at the threshold, a normal and a real study', () => {
    assert.deepEqual(answers(LEFT_NODULE), {
      'ext-vqa abnormality: How many abnormal findings are in the right lung?': '0',
      'ext-vqa abnormality: How many abnormal findings are in the left lung?': '1',
      'ext-vqa anatomy: Which lung has more abnormal findings: left, right or same?': 'left',
      'ext-vqa anatomy: Which lung has fewer abnormal findings: left, right or same?': 'right',
      'ext-vqa size: Is the nodule larger than 1 cm?': 'no',
      'ext-vqa size: Is the nodule smaller than 1 cm?': 'yes',
      ...Object.fromEntries(['right upper', 'right mid', 'right lower', 'left upper', 'left mid', 'left lower'].flatMap((z) => [
        [`ext-vqa presence: Is there a lung abnormality in the ${z} zone?`, z === 'left upper' ? 'yes' : 'no'],
        [`cxr-vqa presence: Is there evidence of a lung abnormality in the ${z} zone?`, z === 'left upper' ? 'yes' : 'no'],
        [`cxr-vqa location: What lung abnormality is in the ${z} zone?`, z === 'left upper' ? 'nodule' : 'none'],
      ])),
      'cxr-vqa abnormality: How many abnormalities are seen in the right lung?': '0',
      'cxr-vqa abnormality: How many abnormalities are seen in the left lung?': '1',
      'cxr-vqa location: Which side shows more abnormalities: left, right or same?': 'left',
      'cxr-vqa location: Which side shows fewer abnormalities: left, right or same?': 'right',
    });
    // Edema is in both lungs: one each, the same; no zone (it spans them) and no extent comparison.
    assert.deepEqual(new Set(Object.values(answers(EDEMA))), new Set(['1', 'same']));
    assert.equal(Object.keys(answers(EDEMA)).length, 8);
    // At exactly 10 mm neither "larger" nor "smaller than 1 cm" holds: not asked.
    assert.ok(!Object.keys(answers(TEN_MM)).some((q) => q.includes(' than ')), JSON.stringify(answers(TEN_MM)));
    assert.deepEqual(answers(NORMAL), {}, 'no lung finding: nothing to count, compare or locate');
    assert.deepEqual(answers(REAL), {}, 'real studies lack the complete truth');
  });

  it('a bilateral finding is split by side: one located finding per lung', () => {
    const lf = locatedFindings(MIXED).map((f) => `${f.side} ${f.name}${f.zone ? ` ${f.zone}` : ''}${f.mm ? ` ${f.mm}` : ''}${f.level ? ` ${f.level}` : ''}`);
    assert.deepEqual(lf, ['left pleural effusion small', 'right nodule upper 12', 'right consolidation lower', 'right atelectasis lower mild', 'left atelectasis lower mild']);
  });

  it('every grounded prompt reads back as the question it asks', () => {
    for (const s of [MIXED, LEFT_NODULE, EDEMA]) {
      for (const c of candidates(s)) {
        const q = parseGroundedQuestion(c.q);
        assert.ok(q, c.q);
        assert.equal(groundedPrompt(c.set, q), c.q);
        assert.equal(groundedAnswer(q, locatedFindings(s))!.answer, c.a, c.q);
      }
    }
    assert.equal(parseGroundedQuestion('Is the pneumothorax larger than 1 cm?'), null, 'no threshold for pneumothorax');
    assert.equal(parseGroundedQuestion('Is the nodule larger than 2 cm?'), null, 'only the nodule threshold of the set');
  });
});

const studies: Study[] = sampleCohortTruth(200, { seed: 5, frame: 512, normalFraction: 0.3 }).map(studyRecord);
const sha = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
const vqaOf = (groundedVqa?: boolean) => buildInstructions(studies, { seed: 1, vqaPerStudy: 3, tasks: ['vqa'], groundedVqa });
const benchOf = (groundedVqa?: boolean) => buildBenchmark({ cohort: { studies, root: '' } }, { seed: 1, total: 400, vqaShare: 0.5, groundedVqa }).records.filter((r) => r.task === 'vqa');

describe('cohort.groundedVqa on a seeded cohort', () => {
  const on = vqaOf(true);
  const grounded = on.filter((r) => parseGroundedQuestion(r.prompt));
  const byId = new Map(studies.map((s) => [s.id, s]));

  it('off: the VQA records and the benchmark VQA splits are byte for byte those of the code before the option', () => {
    // Digests of JSON.stringify of the records, made once with the code before cohort.groundedVqa (commit
    // 84fb2cf): buildInstructions(first 200 studies of sampleCohortTruth seed 5, { seed 1, vqaPerStudy 3, tasks
    // ['vqa'] }) and the VQA items of buildBenchmark({ cohort }, { seed 1, total 400, vqaShare 0.5 }). A change to
    // the phantom changes them too (and the caches with them).
    const before = { vqa: '2b63ec9281da8a0a71567078e76df0bb0a0be3ebbd91019ee04132a527c31a6e', bench: 'cbb453b936aeaadb96f43f690462c4d62045add72aa858a67ea935b06c6a9ce6' };
    assert.equal(sha(vqaOf(false)), before.vqa);
    assert.equal(sha(vqaOf(undefined)), before.vqa);
    assert.equal(sha(benchOf(false)), before.bench);
    assert.ok(vqaOf(false).every((r) => parseGroundedQuestion(r.prompt) === null), 'no question of before reads as a grounded one');
  });

  it('on: grounded items of every kind, in the types of both sets, the rest unchanged in kind', () => {
    assert.notEqual(sha(on), sha(vqaOf(false)));
    assert.equal(on.length, vqaOf(false).length);
    assert.ok(grounded.length > 0.08 * on.length && grounded.length < 0.3 * on.length, `${grounded.length} of ${on.length}`);
    const kinds = new Set(grounded.map((r) => `${r.vqaSet} ${r.questionType} ${parseGroundedQuestion(r.prompt)!.kind}`));
    for (const k of ['ext-vqa abnormality count', 'ext-vqa anatomy compare-count', 'ext-vqa size threshold', 'ext-vqa presence zone', 'cxr-vqa abnormality count', 'cxr-vqa location compare-count', 'cxr-vqa location zone', 'cxr-vqa presence zone']) assert.ok(kinds.has(k), k);
    assert.deepEqual(buildInstructions(studies.slice(0, 30), { seed: 1, vqaPerStudy: 3, tasks: ['vqa'], groundedVqa: true }), on.filter((r) => studies.slice(0, 30).some((s) => s.id === r.studyId)), 'deterministic per seed');
  });

  it('on: every grounded answer agrees with the study truth, recomputed here from meta.findings', () => {
    const LUNG = ['pleural-effusion', 'pneumothorax', 'consolidation', 'lung-opacity', 'atelectasis', 'edema', 'nodule', 'mass'];
    const spoken = (k: string) => k.replace(/-/g, ' ');
    for (const r of grounded) {
      const meta = (byId.get(r.studyId)!.meta!.findings as FindingMeta[]).filter((f) => LUNG.includes(f.kind));
      const inLung = (side: string) => meta.filter((f) => f.side === side || f.side === 'bilateral');
      const count = /in the (left|right) lung\?$/.exec(r.prompt);
      if (count && r.prompt.startsWith('How many')) assert.equal(r.answer, String(inLung(count[1]).length), `${r.id}: ${r.prompt}`);
      const cmp = /(more|fewer) (abnormal findings|abnormalities): left, right or same\?$/.exec(r.prompt);
      if (cmp) {
        const [l, rt] = [inLung('left').length, inLung('right').length];
        const want = l === rt ? 'same' : (l > rt) === (cmp[1] === 'more') ? 'left' : 'right';
        assert.equal(r.answer, want, `${r.id}: ${r.prompt}`);
      }
      const zone = /(left|right) (upper|mid|lower) zone\?$/.exec(r.prompt);
      if (zone) {
        const here = inLung(zone[1]).filter((f) => (f.zone ?? (f.kind === 'atelectasis' ? 'lower' : null)) === zone[2]).map((f) => spoken(f.kind));
        if (r.prompt.startsWith('What')) assert.equal(r.answer, here.length ? [...new Set(here)].sort().join('|') : 'none', `${r.id}: ${r.prompt}`);
        else assert.equal(r.answer, here.length ? 'yes' : 'no', `${r.id}: ${r.prompt}`);
      }
      const size = /^Is the (nodule|mass) (larger|smaller) than (\d+) cm\?$/.exec(r.prompt);
      if (size) {
        const mm = meta.find((f) => f.kind === size[1])!.mm!;
        assert.equal(r.answer, (size[2] === 'larger' ? mm > Number(size[3]) * 10 : mm < Number(size[3]) * 10) ? 'yes' : 'no', `${r.id}: ${r.prompt} (${mm} mm)`);
      }
    }
  });

  it('on: closed grounded answers stay even (yes/no, left/right), within three standard errors', () => {
    // A larger cohort, every type asked: enough closed grounded answers to judge.
    const many = sampleCohortTruth(800, { seed: 11, frame: 512, normalFraction: 0.3 }).map(studyRecord);
    const all = buildInstructions(many, { seed: 2, vqaPerStudy: 7, tasks: ['vqa'], groundedVqa: true }).filter((r) => parseGroundedQuestion(r.prompt));
    const even = (a: string, b: string) => {
      const [x, y] = [all.filter((r) => r.answer === a).length, all.filter((r) => r.answer === b).length];
      assert.ok(x + y > 200, `${a} ${x} ${b} ${y}: too few to judge`);
      assert.ok(Math.abs(x - y) <= 3 * Math.sqrt(x + y), `${a} ${x} vs ${b} ${y}`);
    };
    even('yes', 'no');
    even('left', 'right');
    // Whole VQA sets: the yes share does not fall with the option on (it is below one half already: many
    // closed questions of before can only be "no" on a study without the finding).
    const yesShare = (rs: InstructionRecord[]) => rs.filter((r) => r.answer === 'yes').length / rs.filter((r) => r.answer === 'yes' || r.answer === 'no').length;
    assert.ok(yesShare(on) >= yesShare(vqaOf(false)) - 0.03, `${yesShare(on)} vs ${yesShare(vqaOf(false))}`);
  });

  it('the config key: false by default, set by a dotted flag, checked', () => {
    assert.equal(resolveConfig('default').cohort.groundedVqa, false);
    assert.equal(resolveConfig('smoke', { 'cohort.groundedVqa': 'true' }).cohort.groundedVqa, true);
    assert.throws(() => resolveConfig('smoke', { 'cohort.groundedVqa': 'maybe' }), /cohort.groundedVqa.*true or false/);
  });
});
