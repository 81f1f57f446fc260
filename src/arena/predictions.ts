/**
 * Reading the arena's inputs: reference reports and each model's predictions as JSONL lines
 * `{"id", "text"}` (also accepted: `prediction` or `report` for the text). A prediction holding a
 * `\boxed{…}` (a reasoning model's full response) is judged on its last boxed answer, as the
 * evaluation harness does. Bad input is an error naming the file and line (UTF-8 checked per line,
 * as `evaluate` reads); duplicate ids are an error naming the ids; and, as in `evaluate`, a
 * prediction whose id is not among the references is an error (predictions for another benchmark,
 * or mangled ids), while references a model did not answer are reported as its coverage.
 */
import { readJsonlStrict } from '../util/fsx.js';
import { extractAnswer } from '../text/parse.js';
import type { ModelPredictions } from './types.js';

/** Read `{id, text}` JSONL into id -> text. */
export function readReportJsonl(path: string, opts: { extractBoxed?: boolean } = {}): Map<string, string> {
  const out = new Map<string, string>();
  const dups: string[] = [];
  readJsonlStrict(path).forEach(({ line, value: row }) => {
    const where = `${path}:${line}`;
    const id = row.id;
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new Error(`${where}: field 'id' is missing or not a string`);
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

/**
 * A model's predictions from a JSONL file; with the references given, ids the references lack are
 * an error naming them (the rule `evaluate` applies).
 */
export function readModelPredictions(name: string, path: string, params?: number, references?: ReadonlyMap<string, string>): ModelPredictions {
  const reports = readReportJsonl(path);
  if (references) {
    const extra = [...reports.keys()].filter((id) => !references.has(id));
    if (extra.length === reports.size) throw new Error(`${path} (${name}): none of the ${reports.size} prediction ids is in the references — predictions for a different set? (first ids: ${extra.slice(0, 5).join(', ')})`);
    if (extra.length) throw new Error(`${path} (${name}): ${extra.length} prediction ids are not in the references: ${extra.slice(0, 10).join(', ')}${extra.length > 10 ? ', …' : ''}`);
  }
  return { name, reports, params };
}
