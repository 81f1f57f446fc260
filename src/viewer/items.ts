/**
 * What the reasoning viewer shows: benchmark records joined with model predictions (JSONL of
 * {id, text, model}), each response parsed into its reasoning, the boxes named in it and the answer.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Box, FindingBox, InstructionRecord } from '../data/types.js';
import { extractAnswer, extractBoxes, extractThink, isWellFormatted } from '../text/parse.js';
import { readJsonl } from '../util/fsx.js';

/** One line of a predictions file. */
export interface Prediction {
  id: string;
  text: string;
  model: string;
}

export interface ParsedResponse {
  model: string;
  text: string;
  /** Reasoning inside the first <think>…</think> (null when there is none). */
  think: string | null;
  /** Boxes named in the reasoning (or in the whole text when there is no <think>). */
  boxes: Box[];
  answer: string;
  wellFormatted: boolean;
}

export interface ViewerItem {
  id: string;
  task: string;
  questionType: string;
  prompt: string;
  truth: string;
  /** Absolute path of the study's (first) image. */
  imagePath: string;
  frame: number;
  trueBoxes: FindingBox[];
  responses: ParsedResponse[];
}

/** Parse one response the way the rewards read it. */
export function parseResponse(model: string, text: string): ParsedResponse {
  const think = extractThink(text);
  return { model, text, think, boxes: extractBoxes(think ?? text), answer: extractAnswer(text), wellFormatted: isWellFormatted(text) };
}

/**
 * Read predictions files. Each argument is FILE or NAME=FILE; each line needs a string `id` and the
 * response in `text` (or `prediction`); the model is the line's `model`, else NAME, else the file's
 * stem. Errors name the file, record and field.
 */
export function readPredictions(paths: string[]): Prediction[] {
  const out: Prediction[] = [];
  for (const arg of paths) {
    const m = /^([^=/\\]+)=(.+)$/.exec(arg);
    const p = m ? m[2] : arg;
    const fallback = m ? m[1] : basename(p).replace(/\.jsonl?$/, '');
    readJsonl<Record<string, unknown>>(p).forEach((r, i) => {
      const text = r?.text ?? r?.prediction;
      if (typeof r?.id !== 'string') throw new Error(`${p}: record ${i + 1}: field 'id' must be a string`);
      if (typeof text !== 'string') throw new Error(`${p}: record ${i + 1}: field 'text' (or 'prediction') must be a string`);
      if (r.model !== undefined && typeof r.model !== 'string') throw new Error(`${p}: record ${i + 1}: field 'model' must be a string`);
      out.push({ id: r.id, text, model: (r.model as string | undefined) ?? fallback });
    });
  }
  return out;
}

export interface BuildItemsOptions {
  /** Directory that relative image paths are under (default: the records file's directory). */
  imageRoot?: string;
  /** Keep only records answered by every one of these models (default: by at least one model). */
  requireModels?: string[];
}

/** Join records and predictions into viewer items, in the records' order. */
export function buildViewerItems(records: InstructionRecord[], predictions: Prediction[], imageRoot: string, opts: { requireModels?: string[] } = {}): ViewerItem[] {
  const byId = new Map<string, Map<string, string>>();
  for (const p of predictions) {
    let m = byId.get(p.id);
    if (!m) byId.set(p.id, (m = new Map()));
    m.set(p.model, p.text);
  }
  const items: ViewerItem[] = [];
  for (const r of records) {
    const preds = byId.get(r.id);
    if (!preds) continue;
    if (opts.requireModels && !opts.requireModels.every((m) => preds.has(m))) continue;
    if (!r.images?.length) throw new Error(`record ${r.id}: no image`);
    const img = r.images[0];
    items.push({
      id: r.id,
      task: r.task,
      questionType: r.questionType,
      prompt: r.prompt,
      truth: r.answer,
      imagePath: isAbsolute(img) ? img : resolve(imageRoot, img),
      frame: r.frame,
      trueBoxes: r.boxes ?? [],
      responses: [...preds.entries()].map(([model, text]) => parseResponse(model, text)),
    });
  }
  return items;
}

/** Load records JSONL and predictions JSONL files into viewer items. */
export function loadViewerItems(recordsPath: string, predictionPaths: string[], opts: BuildItemsOptions = {}): ViewerItem[] {
  const records = readJsonl<InstructionRecord>(recordsPath);
  records.forEach((r, i) => {
    if (typeof r?.id !== 'string') throw new Error(`${recordsPath}: record ${i + 1}: field 'id' must be a string`);
    if (!Array.isArray(r.images)) throw new Error(`${recordsPath}: record ${i + 1}: field 'images' must be an array`);
    if (typeof r.frame !== 'number') throw new Error(`${recordsPath}: record ${i + 1}: field 'frame' must be a number`);
  });
  return buildViewerItems(records, readPredictions(predictionPaths), opts.imageRoot ?? dirname(resolve(recordsPath)), opts);
}
