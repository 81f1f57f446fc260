/**
 * The two VQA test beds of XrayBench, read into InstructionRecords:
 * - MIMIC-Ext-MIMIC-CXR-VQA: JSON list of items {idx, image_id, question, answer: string[],
 *   content_type (presence | abnormality | attribute | anatomy | size | plane | gender), semantic_type,
 *   image_path (pXX/pSUBJECT/sSTUDY/DICOM.jpg), subject_id, study_id, split?}.
 * - Medical-CXR-VQA: CSV with a question, an answer, a question type (presence | abnormality |
 *   location | view | level | type), subject and study ids and an image path or dicom id. Column
 *   names are configurable (`columns`) because releases differ.
 * Multi-object answers become `a|b|c` (answerKind 'list'); one-word and two-word answers 'short';
 * longer ones 'free'.
 */
import type { InstructionRecord } from '../types.js';
import { resolveInside } from '../safe-path.js';
import { answerKindOf } from '../instructions.js';
import { DataError, guard, readCsv, readText, type Loaded, type LoaderOptions, type Skipped } from './common.js';
import { mimicDir } from './mimic.js';

export const EXT_VQA_CONTENT_TYPES = ['presence', 'abnormality', 'attribute', 'anatomy', 'size', 'plane', 'gender'];
export const CXR_VQA_QUESTION_TYPES = ['presence', 'abnormality', 'location', 'view', 'level', 'type'];

export interface VqaLoaderOptions extends LoaderOptions {
  /** Keep only items of these dataset splits (when the file says; e.g. ['test']). */
  splits?: string[];
  /** Root of the MIMIC-CXR-JPG images; image paths must stay inside it. Paths in records are relative to it. */
  imagesRoot: string;
  /** Frame side boxes would be in (VQA items carry none). */
  frame?: number;
}

function answerOf(list: string[]): { answer: string; kind: InstructionRecord['answerKind'] } {
  const items = list.map((a) => a.trim().toLowerCase()).filter(Boolean);
  if (items.length > 1) return { answer: [...new Set(items)].sort().join('|'), kind: 'list' };
  const answer = items[0] ?? 'none';
  return { answer, kind: answerKindOf(answer) };
}

export function loadExtVqa(file: string, opts: VqaLoaderOptions): Loaded<InstructionRecord> {
  const text = readText(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new DataError(file, line, `not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new DataError(file, 1, 'expected a JSON list of question items');
  // Line of each item's opening brace at nesting depth 1, for error messages.
  const lines = itemLines(text);
  const skipped: Skipped[] = [];
  const items: InstructionRecord[] = [];
  data.forEach((raw, i) => {
    const line = lines[i];
    const rec = guard(file, line, opts.lenient, skipped, () => {
      const it = raw as Record<string, unknown>;
      const where = `item ${i}`;
      for (const k of ['question', 'content_type', 'image_path']) if (typeof it[k] !== 'string') throw new DataError(file, line, `${where}: field '${k}' must be a string`);
      if (!Array.isArray(it.answer) || !it.answer.every((a) => typeof a === 'string')) throw new DataError(file, line, `${where}: field 'answer' must be a list of strings`);
      const type = it.content_type as string;
      if (!EXT_VQA_CONTENT_TYPES.includes(type)) throw new DataError(file, line, `${where}: unknown content_type '${type}'`);
      const rel = (it.image_path as string).startsWith('files/') ? (it.image_path as string) : `files/${it.image_path as string}`;
      try {
        resolveInside(opts.imagesRoot, rel);
      } catch (e) {
        throw new DataError(file, line, `${where}: ${(e as Error).message}`);
      }
      const { answer, kind } = answerOf(it.answer as string[]);
      const subject = String(it.subject_id ?? '');
      const study = String(it.study_id ?? '');
      const r: InstructionRecord = {
        id: `ext-vqa:${it.idx ?? i}`,
        studyId: `mimic-${study}`,
        patientId: `mimic-${subject}`,
        task: 'vqa',
        questionType: type,
        images: [rel],
        prompt: it.question as string,
        answer,
        answerKind: kind,
        boxes: [],
        source: 'ext-vqa',
        frame: opts.frame ?? 512,
        vqaSet: 'ext-vqa',
      };
      if (opts.splits && typeof it.split === 'string' && !opts.splits.includes(it.split)) return null;
      return r;
    });
    if (rec) items.push(rec);
  });
  return { items, skipped };
}

function itemLines(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let line = 1;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{') {
      if (depth === 1 && c === '{') out.push(line);
      depth++;
    } else if (c === ']' || c === '}') depth--;
  }
  return out;
}

export interface CxrVqaColumns {
  question: string;
  answer: string;
  type: string;
  subject: string;
  study: string;
  /** Image path column (relative to the images root); when absent, `dicom` is used with the MIMIC layout. */
  image?: string;
  dicom?: string;
  split?: string;
}

export const CXR_VQA_DEFAULT_COLUMNS: CxrVqaColumns = { question: 'question', answer: 'answer', type: 'question_type', subject: 'subject_id', study: 'study_id', dicom: 'dicom_id', split: 'split' };

export function loadCxrVqa(file: string, opts: VqaLoaderOptions & { columns?: Partial<CxrVqaColumns> }): Loaded<InstructionRecord> {
  const c = { ...CXR_VQA_DEFAULT_COLUMNS, ...opts.columns };
  const imageCol = c.image ?? c.dicom;
  if (!imageCol) throw new DataError(file, undefined, 'set columns.image or columns.dicom');
  const t = readCsv(file, [c.question, c.answer, c.type, c.subject, c.study, imageCol], opts);
  const skipped = [...t.skipped];
  const items: InstructionRecord[] = [];
  const hasSplit = c.split !== undefined && t.header.includes(c.split);
  t.rows.forEach((row, i) => {
    const rec = guard(file, row.line, opts.lenient, skipped, () => {
      const type = row.get(c.type).trim().toLowerCase();
      if (!CXR_VQA_QUESTION_TYPES.includes(type)) throw new DataError(file, row.line, `column '${c.type}': unknown question type '${type}'`);
      const subject = row.get(c.subject).trim();
      const study = row.get(c.study).trim();
      if (!/^\d+$/.test(subject) || !/^\d+$/.test(study)) throw new DataError(file, row.line, `columns '${c.subject}'/'${c.study}' must be integer ids`);
      const rel = c.image ? row.get(c.image).trim() : `${mimicDir(subject, study)}/${row.get(c.dicom!).trim()}.jpg`;
      try {
        resolveInside(opts.imagesRoot, rel);
      } catch (e) {
        throw new DataError(file, row.line, (e as Error).message);
      }
      const raw = row.get(c.answer).trim();
      if (!raw) throw new DataError(file, row.line, `column '${c.answer}' is empty`);
      // Lists are written "a, b and c" or "a|b" in the releases we know; split both.
      const parts = raw.includes('|') ? raw.split('|') : type === 'abnormality' || type === 'type' ? raw.split(/,\s*|\s+and\s+/) : [raw];
      const { answer, kind } = answerOf(parts);
      const r: InstructionRecord = {
        id: `cxr-vqa:${i}`,
        studyId: `mimic-${study}`,
        patientId: `mimic-${subject}`,
        task: 'vqa',
        questionType: type,
        images: [rel],
        prompt: row.get(c.question).trim(),
        answer,
        answerKind: kind,
        boxes: [],
        source: 'cxr-vqa',
        frame: opts.frame ?? 512,
        vqaSet: 'cxr-vqa',
      };
      if (opts.splits && hasSplit && !opts.splits.includes(row.get(c.split!))) return null;
      return r;
    });
    if (rec) items.push(rec);
  });
  return { items, skipped };
}
