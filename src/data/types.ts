/**
 * The record formats every stage shares. A study is one imaging exam with its ground truth; an
 * instruction record is one training or benchmark item (JSONL, one object per line).
 */

/** The 14 CheXpert observations, in the labeler's order. */
export const CHEXPERT_OBSERVATIONS = [
  'No Finding',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Lesion',
  'Lung Opacity',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
] as const;
export type Observation = (typeof CHEXPERT_OBSERVATIONS)[number];

/** The five observations of the "-5" F1 columns. */
export const CHEXPERT_5: readonly Observation[] = ['Atelectasis', 'Cardiomegaly', 'Consolidation', 'Edema', 'Pleural Effusion'];

/** 1 positive, 0 negative, -1 uncertain; an observation absent from the map is not mentioned. */
export type LabelValue = 1 | 0 | -1;
export type Labels = Partial<Record<Observation, LabelValue>>;

/** [x_min, y_min, x_max, y_max] in pixels of the study's frame (512×512 for the cohort). */
export type Box = [number, number, number, number];

export interface FindingBox {
  /** Finding name, e.g. "Pleural Effusion", "Nodule", "Endotracheal Tube". */
  finding: string;
  box: Box;
}

/** One study, as `deepmedix cohort` writes it to studies.jsonl. */
export interface Study {
  id: string;
  /** Patient id (splits are by patient, never by study). */
  patientId: string;
  /** PNG path relative to the dataset directory. */
  image: string;
  /** Side of the square frame the boxes are in. */
  frame: number;
  /** 'U' where the source does not say (e.g. Open-I reports, MIMIC-CXR without the patients table). */
  sex: 'M' | 'F' | 'U';
  /** Years; -1 where the source does not say. */
  age: number;
  /** 'U' where the source does not say which frontal projection it is. */
  view: 'PA' | 'AP' | 'U';
  labels: Labels;
  boxes: FindingBox[];
  findings: string;
  impression: string;
  /** Where it came from: 'synthetic', 'nih', 'openi', 'mimic', … */
  source: string;
  /** Source-specific structured truth (finding attributes: side, size, zone, severity, …). */
  meta?: Record<string, unknown>;
}

export const TASKS = ['report-findings', 'report-impression', 'vqa', 'grounding'] as const;
export type Task = (typeof TASKS)[number];

/** How an answer is scored: exact match (short), set F1 over `|` items (list), text similarity (free). */
export const ANSWER_KINDS = ['short', 'list', 'free'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/** One instruction / benchmark item (the JSONL record every later stage reads). */
export interface InstructionRecord {
  id: string;
  studyId: string;
  patientId: string;
  task: Task;
  /** VQA question type (presence, abnormality, attribute, anatomy, size, plane, gender, location, view, level, type), or the task for others. */
  questionType: string;
  /** Image paths, absolute or relative to the dataset directory. */
  images: string[];
  prompt: string;
  answer: string;
  answerKind: AnswerKind;
  /** True boxes relevant to this item (grounding targets; the finding regions for reports/VQA). */
  boxes: FindingBox[];
  /** 'synthetic', 'nih', 'openi', 'mimic', 'ext-vqa', 'cxr-vqa', 'ms-cxr', … */
  source: string;
  /** Benchmark split name when part of XrayBench: mimic_findings, mimic_impression, openi_findings, openi_impression, ext_vqa, cxr_vqa. */
  split?: string;
  /** Frame side the boxes are in. */
  frame: number;
  /** VQA items: which set's question style ('ext-vqa': MIMIC-Ext-MIMIC-CXR-VQA, 'cxr-vqa': Medical-CXR-VQA). */
  vqaSet?: 'ext-vqa' | 'cxr-vqa';
}
