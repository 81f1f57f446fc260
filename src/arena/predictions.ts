/**
 * Reading the arena's inputs: reference reports and each model's predictions as JSONL lines
 * `{"id", "text"}` (also accepted: `prediction` or `report` for the text). A prediction holding a
 * `\boxed{…}` (a reasoning model's full response) is judged on its last boxed answer, as the
 * evaluation harness does. Bad input is an error naming the file and line; duplicate ids are an
 * error naming the ids.
 */
import { readJsonlDetailed } from '../util/fsx.js';
import { extractAnswer } from '../text/parse.js';
import type { ModelPredictions } from './types.js';

/** Read `{id, text}` JSONL into id -> text. */
export function readReportJsonl(path: string, opts: { extractBoxed?: boolean } = {}): Map<string, string> {
  const { rows } = readJsonlDetailed<Record<string, unknown>>(path);
  const out = new Map<string, string>();
  const dups: string[] = [];
  rows.forEach((row, k) => {
    const where = `${path}: record ${k + 1}`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${where}: expected a JSON object`);
    const id = row.id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`${where}: field 'id' is missing or not a string`);
    const text = row.text ?? row.prediction ?? row.report;
    if (typeof text !== 'string') throw new Error(`${where} (id ${id}): field 'text' (or 'prediction'/'report') is missing or not a string`);
    const key = String(id);
    if (out.has(key)) dups.push(key);
    out.set(key, opts.extractBoxed !== false && text.includes('\\boxed{') ? extractAnswer(text) : text);
  });
  if (dups.length) throw new Error(`${path}: duplicate ids ${dups.slice(0, 10).join(', ')}${dups.length > 10 ? ` and ${dups.length - 10} more` : ''}`);
  if (out.size === 0) throw new Error(`${path}: no records`);
  return out;
}

/** A model's predictions from a JSONL file. */
export function readModelPredictions(name: string, path: string, params?: number): ModelPredictions {
  return { name, reports: readReportJsonl(path), params };
}
