/** Small hand-made studies and items for the reasoning tests (512-pixel frame). */
import type { FindingBox, InstructionRecord, Study } from '../../src/data/types.js';

export const EFFUSION: FindingBox = { finding: 'Pleural Effusion', box: [300, 330, 440, 420] };
export const NODULE: FindingBox = { finding: 'Nodule', box: [120, 160, 150, 190] };

export const STUDY: Study = {
  id: 's1',
  patientId: 'p1',
  image: 'images/s1.png',
  frame: 512,
  sex: 'F',
  age: 64,
  view: 'PA',
  labels: { 'Pleural Effusion': 1, 'Lung Lesion': 1, Pneumothorax: 0, Cardiomegaly: 0, Consolidation: 0 },
  boxes: [EFFUSION, NODULE],
  findings: 'Small left pleural effusion. A 12 mm nodule in the right upper zone. No pneumothorax. Heart size normal.',
  impression: 'Small left effusion. Right upper zone nodule.',
  source: 'synthetic',
  meta: { findings: [{ kind: 'pleural-effusion', side: 'left', size: 'small', boxes: [EFFUSION.box] }, { kind: 'nodule', side: 'right', zone: 'upper', mm: 12, boxes: [NODULE.box] }] },
};

export const NORMAL_STUDY: Study = {
  ...STUDY,
  id: 's2',
  patientId: 'p2',
  image: 'images/s2.png',
  labels: { 'No Finding': 1, Pneumothorax: 0, 'Pleural Effusion': 0, Cardiomegaly: 0 },
  boxes: [],
  findings: 'The lungs are clear. No effusion or pneumothorax. Normal heart size.',
  impression: 'No acute cardiopulmonary abnormality.',
  meta: {},
};

function rec(id: string, over: Partial<InstructionRecord>): InstructionRecord {
  return {
    id,
    studyId: 's1',
    patientId: 'p1',
    task: 'vqa',
    questionType: 'presence',
    images: ['images/s1.png'],
    prompt: '',
    answer: '',
    answerKind: 'short',
    boxes: [],
    source: 'synthetic',
    frame: 512,
    ...over,
  };
}

export const RECORDS: InstructionRecord[] = [
  rec('r-find', { task: 'report-findings', questionType: 'report-findings', prompt: 'Write the findings section for this chest X-ray.', answer: STUDY.findings, answerKind: 'free' }),
  rec('r-imp', { task: 'report-impression', questionType: 'report-impression', prompt: 'Write the impression for this chest X-ray.', answer: STUDY.impression, answerKind: 'free' }),
  rec('r-pres', { prompt: 'Is there a pleural effusion?', answer: 'yes', boxes: [EFFUSION] }),
  rec('r-abs', { prompt: 'Is there a pneumothorax?', answer: 'no' }),
  rec('r-loc', { questionType: 'location', prompt: 'Where is the nodule?', answer: 'right upper zone', boxes: [NODULE] }),
  rec('r-size', { questionType: 'size', prompt: 'How large is the effusion?', answer: 'small', boxes: [EFFUSION] }),
  rec('r-view', { questionType: 'view', prompt: 'Which view is this?', answer: 'PA' }),
  rec('r-sex', { questionType: 'gender', prompt: 'What is the sex of the patient?', answer: 'female' }),
  rec('r-list', { questionType: 'abnormality', prompt: 'List the abnormalities.', answer: 'pleural effusion|nodule', answerKind: 'list', boxes: [EFFUSION, NODULE] }),
  rec('r-ground', { task: 'grounding', questionType: 'grounding', prompt: 'Locate the pleural effusion.', answer: '[300, 330, 440, 420]', boxes: [EFFUSION] }),
  rec('r-normal', { studyId: 's2', patientId: 'p2', images: ['images/s2.png'], task: 'report-impression', questionType: 'report-impression', prompt: 'Write the impression.', answer: NORMAL_STUDY.impression, answerKind: 'free' }),
];

export const STUDIES = new Map<string, Study>([
  [STUDY.id, STUDY],
  [NORMAL_STUDY.id, NORMAL_STUDY],
]);

export const byId = (id: string): InstructionRecord => {
  const r = RECORDS.find((x) => x.id === id);
  if (!r) throw new Error(`no fixture record ${id}`);
  return r;
};
