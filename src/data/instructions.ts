/**
 * Instruction builders: from any list of studies, the records every later stage reads — report
 * generation (findings; impression), VQA in the question types of MIMIC-Ext-MIMIC-CXR-VQA
 * (presence, abnormality, attribute, anatomy, size, plane, gender) and Medical-CXR-VQA (presence,
 * abnormality, location, view, level, type) with closed, open and multi-object (`a|b|c`) answers,
 * and grounding (finding -> box). With `groundedVqa`, the VQA types also ask questions whose answer
 * follows from the located findings (grounded-questions.ts).
 */
import { Rng } from '../util/rng.js';
import { LUNG_FINDINGS, studyFacts, type Fact } from './facts.js';
import { GROUNDED_SHARE, groundedQuestions, pickGrounded } from './grounded-questions.js';
import type { AnswerKind, FindingBox, InstructionRecord, Study, Task } from './types.js';

export const EXT_VQA_TYPES = ['presence', 'abnormality', 'attribute', 'anatomy', 'size', 'plane', 'gender'] as const;
export const CXR_VQA_TYPES = ['presence', 'abnormality', 'location', 'view', 'level', 'type'] as const;
export type VqaSet = 'ext-vqa' | 'cxr-vqa';

export interface InstructionOptions {
  seed: number;
  /** Tasks to build (default: all four). */
  tasks?: readonly Task[];
  /** VQA items per study per VQA set. */
  vqaPerStudy?: number;
  /** Prefix joined to each study's image path (e.g. the dataset directory); default none. */
  imagePrefix?: string;
  /**
   * Add grounded questions (src/data/grounded-questions.ts: counts, comparisons of the two lungs,
   * sizes against a threshold, the finding in a zone) to the candidates of the types that have them;
   * default false (`cohort.groundedVqa`).
   */
  groundedVqa?: boolean;
}

/** How the answer is scored, from its shape: `a|b` lists, ≤ 2 tokens short, else free text. */
export function answerKindOf(answer: string): AnswerKind {
  if (answer.includes('|')) return 'list';
  return answer.trim().split(/\s+/).length <= 2 ? 'short' : 'free';
}

const FINDINGS_PROMPTS = [
  'Write the FINDINGS section of the radiology report for this chest X-ray.',
  'Describe the findings of this chest radiograph.',
  'Generate the findings of the report for this chest X-ray image.',
];
const IMPRESSION_PROMPTS = [
  'Write the IMPRESSION section of the radiology report for this chest X-ray.',
  'Summarize this chest radiograph in a brief impression.',
  'What is the impression for this chest X-ray?',
];

export const fmtBox = (b: readonly number[]) => `[${b.map((v) => Math.round(v)).join(', ')}]`;

interface Qa {
  type: string;
  q: string;
  a: string;
  boxes: FindingBox[];
  /** Multi-object questions are scored as lists even when one item answers them. */
  list?: boolean;
}

const listOr = (xs: string[], none = 'none') => (xs.length ? [...new Set(xs)].sort().join('|') : none);
const boxesOf = (f: Fact): FindingBox[] => f.boxes.map((box) => ({ finding: f.name, box }));

/** Candidate questions of one type for a study (empty when the study cannot support the type). */
function questions(set: VqaSet, type: string, s: Study, present: Fact[], absent: string[], rng: Rng): Qa[] {
  const pathologies = present.filter((f) => f.category !== 'device');
  const out: Qa[] = [];
  switch (type) {
    case 'presence': {
      for (const f of present) {
        if (f.side && f.side !== 'bilateral' && LUNG_FINDINGS.includes(f.name) && set === 'ext-vqa') {
          out.push({ type, q: `Is there ${f.name} in the ${f.side} ${f.name.startsWith('pleural') || f.name === 'pneumothorax' ? 'hemithorax' : 'lung'}?`, a: 'yes', boxes: boxesOf(f) });
          const other = f.side === 'right' ? 'left' : 'right';
          if (!present.some((g) => g.name === f.name && (g.side === other || g.side === 'bilateral'))) out.push({ type, q: `Is there ${f.name} in the ${other} ${f.name.startsWith('pleural') || f.name === 'pneumothorax' ? 'hemithorax' : 'lung'}?`, a: 'no', boxes: [] });
        } else out.push({ type, q: set === 'ext-vqa' ? `Is there ${f.name} in this image?` : `Is there evidence of ${f.name}?`, a: 'yes', boxes: boxesOf(f) });
      }
      for (const n of absent) out.push({ type, q: set === 'ext-vqa' ? `Is there ${n} in this image?` : `Is there evidence of ${n}?`, a: 'no', boxes: [] });
      break;
    }
    case 'abnormality': {
      if (set === 'ext-vqa' && rng.bool(0.4)) out.push({ type, q: 'Are there any abnormalities in this chest X-ray?', a: pathologies.length ? 'yes' : 'no', boxes: pathologies.flatMap(boxesOf) });
      else out.push({ type, q: set === 'ext-vqa' ? 'List all abnormalities in this image.' : 'What abnormalities are seen in this image?', a: listOr(pathologies.map((f) => f.name)), boxes: pathologies.flatMap(boxesOf), list: true });
      break;
    }
    case 'attribute':
      for (const f of present.filter((g) => g.level || g.side)) {
        const attrs = [f.level, f.side].filter((x): x is string => Boolean(x));
        out.push({ type, q: `List the attributes of the ${f.name}.`, a: listOr(attrs), boxes: boxesOf(f), list: true });
      }
      for (const side of ['left', 'right'] as const) {
        const here = pathologies.filter((f) => f.side === side || f.side === 'bilateral').filter((f) => LUNG_FINDINGS.includes(f.name));
        if (here.length || s.source === 'synthetic') out.push({ type, q: `List all abnormalities in the ${side} lung.`, a: listOr(here.map((f) => f.name)), boxes: here.flatMap(boxesOf), list: true });
      }
      break;
    case 'anatomy':
    case 'location':
      for (const f of present.filter((g) => g.anatomy.length)) {
        if (type === 'location' && f.zone && f.side && f.side !== 'bilateral') out.push({ type, q: `Where is the ${f.name} located?`, a: `${f.side} ${f.zone} lung`, boxes: boxesOf(f) });
        else if (type === 'anatomy' && (f.side === 'left' || f.side === 'right') && f.category !== 'device' && rng.bool(0.4)) out.push({ type, q: `Which side is the ${f.name} on, left or right?`, a: f.side, boxes: boxesOf(f) });
        else out.push({ type, q: type === 'anatomy' ? `Which anatomical location is related to the ${f.name}?` : `Where is the ${f.name}?`, a: listOr(f.anatomy), boxes: boxesOf(f), list: f.anatomy.length > 1 });
      }
      break;
    case 'size': {
      if (s.source !== 'synthetic' && s.labels.Cardiomegaly === undefined) break;
      const cm = present.find((f) => f.name === 'cardiomegaly');
      out.push({ type, q: rng.pick(['Is the cardiac silhouette enlarged?', 'Is the heart size enlarged?', 'Is the cardiac silhouette wider than half of the thorax?']), a: cm ? 'yes' : 'no', boxes: cm ? boxesOf(cm) : [] });
      if (s.source === 'synthetic') {
        const med = present.find((f) => f.name === 'enlarged cardiomediastinum');
        out.push({ type, q: 'Is the mediastinum widened?', a: med ? 'yes' : 'no', boxes: med ? boxesOf(med) : [] });
      }
      break;
    }
    case 'plane':
    case 'view':
      if (s.view === 'U') break;
      out.push({ type, q: type === 'plane' ? rng.pick(['Which view is this image taken in, PA or AP?', 'Is this a PA or an AP radiograph?']) : rng.pick(['What is the view of this image?', 'Which projection is this chest X-ray?']), a: s.view, boxes: [] });
      break;
    case 'gender':
      if (s.sex === 'U') break;
      out.push({ type, q: rng.pick(['What is the gender of this patient?', 'Is this patient male or female?']), a: s.sex === 'M' ? 'male' : 'female', boxes: [] });
      break;
    case 'level':
      for (const f of present.filter((g) => g.level)) out.push({ type, q: rng.pick([`What is the level of the ${f.name}?`, `How severe is the ${f.name}?`]), a: f.level!, boxes: boxesOf(f) });
      break;
    case 'type': {
      const devices = present.filter((f) => f.category === 'device');
      if (devices.length || s.source === 'synthetic') out.push({ type, q: 'What type of support devices are present?', a: listOr(devices.map((f) => f.name)), boxes: devices.flatMap(boxesOf), list: true });
      const opac = present.filter((f) => f.category === 'opacity' || f.category === 'lesion');
      if (opac.length) out.push({ type, q: 'What type of lung opacity is seen?', a: listOr(opac.map((f) => f.name)), boxes: opac.flatMap(boxesOf), list: true });
      break;
    }
  }
  return out;
}

function record(s: Study, task: Task, k: number, questionType: string, prompt: string, answer: string, boxes: FindingBox[], opts: InstructionOptions, vqaSet?: VqaSet, kind?: AnswerKind): InstructionRecord {
  const image = opts.imagePrefix ? `${opts.imagePrefix.replace(/\/$/, '')}/${s.image}` : s.image;
  const r: InstructionRecord = {
    id: `${s.id}:${vqaSet ?? task}:${k}`,
    studyId: s.id,
    patientId: s.patientId,
    task,
    questionType,
    images: [image],
    prompt,
    answer,
    answerKind: kind ?? (task === 'vqa' ? answerKindOf(answer) : 'free'),
    boxes,
    source: s.source,
    frame: s.frame,
  };
  if (vqaSet) r.vqaSet = vqaSet;
  return r;
}

/** VQA items of one set for a study: vqaPerStudy items, each of a different question type where possible. */
export function buildVqa(s: Study, set: VqaSet, n: number, rng: Rng, opts: InstructionOptions): InstructionRecord[] {
  const { present, absent } = studyFacts(s);
  const types = rng.shuffle(set === 'ext-vqa' ? EXT_VQA_TYPES : CXR_VQA_TYPES);
  const out: InstructionRecord[] = [];
  for (const type of types) {
    if (out.length >= n) break;
    const cands = questions(set, type, s, present, absent, rng);
    // Off (the default), no grounded candidates and no extra draws: the records are those of before the option.
    const grounded = opts.groundedVqa ? groundedQuestions(set, type, s) : [];
    if (!cands.length && !grounded.length) continue;
    let qa: Qa;
    if (grounded.length && (!cands.length || rng.bool(GROUNDED_SHARE))) qa = pickGrounded(grounded, rng);
    else {
      // Balance closed questions: pick yes and no with equal chance when both exist.
      const yes = cands.filter((c) => c.a === 'yes');
      const no = cands.filter((c) => c.a === 'no');
      const pool = yes.length && no.length ? (rng.bool(0.5) ? yes : no) : cands;
      qa = rng.pick(pool);
    }
    out.push(record(s, 'vqa', out.length, qa.type, qa.q, qa.a, qa.boxes, opts, set, qa.list ? 'list' : undefined));
  }
  return out;
}

/** Grounding items: one per true box ("Locate the left pleural effusion" -> its box). */
export function buildGrounding(s: Study, opts: InstructionOptions): InstructionRecord[] {
  const { present } = studyFacts(s);
  const out: InstructionRecord[] = [];
  for (const f of present) {
    f.boxes.forEach((box) => {
      const side = f.side === 'bilateral' && f.boxes.length > 1 ? (box[0] + box[2] < s.frame ? 'right ' : 'left ') : f.side && f.side !== 'bilateral' && f.category !== 'device' ? `${f.side} ` : '';
      const what = f.name === 'cardiomegaly' ? 'enlarged cardiac silhouette' : f.name === 'enlarged cardiomediastinum' ? 'widened mediastinum' : f.name;
      const prompt = `Locate the ${side}${what} in this chest X-ray. Answer with its bounding box [x_min, y_min, x_max, y_max] in pixels of the ${s.frame}x${s.frame} image.`;
      out.push(record(s, 'grounding', out.length, 'grounding', prompt, fmtBox(box), [{ finding: f.name, box }], opts));
    });
  }
  return out;
}

/** All instruction records for the studies (deterministic per seed and study id). */
export function buildInstructions(studies: readonly Study[], opts: InstructionOptions): InstructionRecord[] {
  const tasks = opts.tasks ?? ['report-findings', 'report-impression', 'vqa', 'grounding'];
  const n = opts.vqaPerStudy ?? 2;
  const out: InstructionRecord[] = [];
  for (const s of studies) {
    const rng = Rng.derive(opts.seed, `instructions:${s.id}`);
    if (tasks.includes('report-findings') && s.findings.trim()) out.push(record(s, 'report-findings', 0, 'report-findings', rng.pick(FINDINGS_PROMPTS), s.findings, s.boxes, opts));
    if (tasks.includes('report-impression') && s.impression.trim()) out.push(record(s, 'report-impression', 0, 'report-impression', rng.pick(IMPRESSION_PROMPTS), s.impression, s.boxes, opts));
    if (tasks.includes('vqa')) for (const set of ['ext-vqa', 'cxr-vqa'] as const) out.push(...buildVqa(s, set, n, rng, opts));
    if (tasks.includes('grounding')) out.push(...buildGrounding(s, opts));
  }
  return out;
}
