/**
 * The evaluation harness: any model's predictions (JSONL: id, prediction or text, optionally model)
 * against a benchmark (JSONL of InstructionRecords, or plain {id, text} references) -> Table 1's
 * rows per report split (11 columns + Average), the size-weighted average row, and VQA accuracy per
 * split and question type. Bad input is an error naming the file, line and ids; nothing is dropped
 * silently (the counts come back with the results).
 */
import { readJsonlStrict } from '../util/fsx.js';
import type { Prediction } from './predict.js';
import type { AnswerKind, InstructionRecord } from '../data/types.js';
import { extractAnswer } from '../text/parse.js';
import { reportMetrics, REPORT_COLUMNS, type ReportMetricOptions } from '../metrics/report.js';
import { vqaAccuracy, vqaScore, type VqaAccuracy, type VqaItemResult } from '../metrics/vqa.js';


/** A benchmark item as the harness needs it (an InstructionRecord or a bare {id, text} reference). */
export interface BenchmarkItem {
  id: string;
  task: 'report' | 'vqa' | 'other';
  split: string;
  answer: string;
  answerKind: AnswerKind;
  questionType: string;
  /** The image source (InstructionRecord.source: 'synthetic', 'nih', …), when known. */
  source?: string;
}

function idOf(v: Record<string, unknown>, path: string, line: number): string {
  const id = v.id;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new Error(`${path}:${line}: missing field 'id'`);
  return String(id);
}

function listIds(ids: string[], max = 10): string {
  return ids.slice(0, max).join(', ') + (ids.length > max ? `, … (${ids.length} in all)` : '');
}

function rejectDuplicates(ids: string[], path: string): void {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  if (dup.size) throw new Error(`${path}: duplicate ids: ${listIds([...dup])}`);
}

/** Predictions: lines {id, prediction} or {id, text}, optionally {model}. */
export function readPredictions(path: string): Prediction[] {
  const rows = readJsonlStrict(path);
  if (rows.length === 0) throw new Error(`${path}: no predictions (empty file)`);
  const preds = rows.map(({ line, value }) => {
    const id = idOf(value, path, line);
    const p = value.prediction ?? value.text;
    if (typeof p !== 'string') throw new Error(`${path}:${line}: id ${id}: missing string field 'prediction' (or 'text')`);
    return { id, text: p, ...(typeof value.model === 'string' ? { model: value.model } : {}) };
  });
  rejectDuplicates(preds.map((p) => p.id), path);
  return preds;
}

/**
 * The split an InstructionRecord is scored in: its `split` when set; else the VQA set as the paper's
 * split id (ext-vqa -> ext_vqa); else, for reports from Open-I / MIMIC, openi_findings etc.; else the task.
 */
export function splitOf(r: InstructionRecord): string {
  if (r.split) return r.split;
  if (r.task === 'vqa' && r.vqaSet) return r.vqaSet.replace('-', '_');
  const section = r.task === 'report-findings' ? 'findings' : r.task === 'report-impression' ? 'impression' : null;
  if (section && (r.source === 'openi' || r.source === 'mimic')) return `${r.source}_${section}`;
  return r.task;
}

/** The benchmark item an instruction record is scored as (task family, split, answer kind, question type). */
export function benchmarkItemOf(r: InstructionRecord): BenchmarkItem {
  const task = r.task.startsWith('report') ? 'report' : r.task === 'vqa' ? 'vqa' : 'other';
  return { id: r.id, task, split: splitOf(r), answer: r.answer, answerKind: r.answerKind ?? 'free', questionType: r.questionType ?? r.task, ...(r.source ? { source: r.source } : {}) };
}

/** A benchmark: InstructionRecord lines (with task) or plain {id, text} report references. */
export function readBenchmark(path: string): BenchmarkItem[] {
  const rows = readJsonlStrict(path);
  if (rows.length === 0) throw new Error(`${path}: no references (empty file)`);
  const items = rows.map(({ line, value }): BenchmarkItem => {
    const id = idOf(value, path, line);
    if (typeof value.task === 'string') {
      const r = value as unknown as InstructionRecord;
      if (typeof r.answer !== 'string') throw new Error(`${path}:${line}: id ${id}: missing string field 'answer'`);
      return { ...benchmarkItemOf(r), id };
    }
    if (typeof value.text !== 'string') throw new Error(`${path}:${line}: id ${id}: missing string field 'text' (or an InstructionRecord with 'task' and 'answer')`);
    return { id, task: 'report', split: typeof value.split === 'string' ? value.split : 'report', answer: value.text, answerKind: 'free', questionType: 'report' };
  });
  rejectDuplicates(items.map((i) => i.id), path);
  return items;
}

export interface Matched {
  pairs: { item: BenchmarkItem; prediction: string }[];
  counts: { benchmark: number; predictions: number; matched: number; missing: number; extra: number };
  missingIds: string[];
  extraIds: string[];
}

/**
 * Pair predictions with benchmark items by id. Missing predictions are an error unless
 * `allowMissing` (then they are counted and listed); predictions whose ids the benchmark lacks are
 * always an error (they are for a different benchmark, or the ids were mangled).
 */
export function matchPredictions(items: readonly BenchmarkItem[], preds: readonly Prediction[], opts: { allowMissing?: boolean; predictionsPath?: string } = {}): Matched {
  const where = opts.predictionsPath ?? 'predictions';
  const byId = new Map(preds.map((p) => [p.id, p.text]));
  const itemIds = new Set(items.map((i) => i.id));
  const extraIds = preds.map((p) => p.id).filter((id) => !itemIds.has(id));
  const missingIds = items.map((i) => i.id).filter((id) => !byId.has(id));
  if (extraIds.length === preds.length) throw new Error(`${where}: none of the ${preds.length} prediction ids is in the benchmark — predictions for a different benchmark? (first ids: ${listIds(extraIds, 5)})`);
  if (extraIds.length) throw new Error(`${where}: ${extraIds.length} prediction ids are not in the benchmark: ${listIds(extraIds)}`);
  if (missingIds.length && !opts.allowMissing) throw new Error(`${where}: ${missingIds.length} of ${items.length} benchmark items have no prediction: ${listIds(missingIds)}`);
  const pairs = items.filter((i) => byId.has(i.id)).map((item) => ({ item, prediction: byId.get(item.id)! }));
  return { pairs, counts: { benchmark: items.length, predictions: preds.length, matched: pairs.length, missing: missingIds.length, extra: extraIds.length }, missingIds, extraIds };
}

/** The report (or answer) text of a prediction: the last \boxed{…} when present (reasoning models), else the text. */
export function predictedReport(prediction: string, extract: 'auto' | 'boxed' | 'raw' = 'auto'): string {
  if (extract === 'raw') return prediction;
  if (extract === 'auto' && !prediction.includes('\\boxed{')) return prediction;
  return extractAnswer(prediction);
}

export interface EvaluationResult {
  /** split -> Table 1 columns + Average + n. */
  report: Record<string, Record<string, number>>;
  /** The size-weighted average over report splits (weights: each split's share of report items). */
  weightedAverage: Record<string, number> | null;
  /** split -> VQA accuracy. */
  vqa: Record<string, VqaAccuracy>;
  counts: Matched['counts'] & { notScored: number };
}

export interface EvaluateOptions extends ReportMetricOptions {
  extract?: 'auto' | 'boxed' | 'raw';
}

/** Score matched pairs: Table 1 per report split, the weighted row, VQA per split. */
export function evaluatePairs(matched: Matched, opts: EvaluateOptions = {}): EvaluationResult {
  const reportSplits = new Map<string, { hyp: string[]; ref: string[] }>();
  const vqaSplits = new Map<string, VqaItemResult[]>();
  let notScored = 0;
  for (const { item, prediction } of matched.pairs) {
    if (item.task === 'report') {
      let s = reportSplits.get(item.split);
      if (!s) reportSplits.set(item.split, (s = { hyp: [], ref: [] }));
      s.hyp.push(predictedReport(prediction, opts.extract));
      s.ref.push(item.answer);
    } else if (item.task === 'vqa') {
      let s = vqaSplits.get(item.split);
      if (!s) vqaSplits.set(item.split, (s = []));
      s.push({ questionType: item.questionType, score: vqaScore(predictedReport(prediction, opts.extract), item.answer, item.answerKind), ...(item.source ? { source: item.source } : {}) });
    } else notScored++;
  }
  const report: EvaluationResult['report'] = {};
  for (const [split, { hyp, ref }] of [...reportSplits].sort((a, b) => a[0].localeCompare(b[0]))) {
    report[split] = { ...reportMetrics(hyp, ref, opts), n: hyp.length };
  }
  let weightedAverage: Record<string, number> | null = null;
  const splits = Object.keys(report);
  if (splits.length > 1) {
    const total = splits.reduce((s, k) => s + report[k].n, 0);
    weightedAverage = { n: total };
    for (const c of [...REPORT_COLUMNS, 'Average']) weightedAverage[c] = splits.reduce((s, k) => s + (report[k].n / total) * report[k][c], 0);
  }
  const vqa: EvaluationResult['vqa'] = {};
  for (const [split, items] of vqaSplits) vqa[split] = vqaAccuracy(items);
  return { report, weightedAverage, vqa, counts: { ...matched.counts, notScored } };
}

export interface AnswerRate {
  /** Items the model answered with the answer. */
  predicted: number;
  /** Items whose true answer it is. */
  truth: number;
  /** Items of that kind of question. */
  n: number;
}

/**
 * A model's answer priors on closed VQA questions, per image source: of the yes/no questions, how
 * many it answers "yes" and how many truly are "yes"; of the PA/AP questions, the same for "AP".
 * A gap between the two is a bias that accuracy alone does not show (GRPO on real radiographs moved
 * exactly these rates; notebook 05). Answers compare as VQA scores them (trimmed, case-insensitive).
 */
export function closedAnswerRates(matched: Matched, opts: EvaluateOptions = {}): Record<string, { yes: AnswerRate; AP: AnswerRate }> {
  const out: Record<string, { yes: AnswerRate; AP: AnswerRate }> = {};
  for (const { item, prediction } of matched.pairs) {
    if (item.task !== 'vqa') continue;
    const truth = item.answer.trim().toLowerCase();
    const key = truth === 'yes' || truth === 'no' ? 'yes' : truth === 'pa' || truth === 'ap' ? 'AP' : null;
    if (!key) continue;
    const src = item.source ?? 'all';
    const rates = (out[src] ??= { yes: { predicted: 0, truth: 0, n: 0 }, AP: { predicted: 0, truth: 0, n: 0 } })[key];
    rates.n++;
    rates.truth += Number(truth === key.toLowerCase());
    rates.predicted += vqaScore(predictedReport(prediction, opts.extract).trim(), key, 'short');
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => a[0].localeCompare(b[0])));
}

/** Read, match and score in one call. */
export function evaluateFiles(referencesPath: string, predictionsPath: string, opts: EvaluateOptions & { allowMissing?: boolean } = {}): EvaluationResult {
  const items = readBenchmark(referencesPath);
  const preds = readPredictions(predictionsPath);
  return evaluatePairs(matchPredictions(items, preds, { allowMissing: opts.allowMissing, predictionsPath }), opts);
}

export interface Headline {
  /** Weighted average over the report splits of Table 1's Average column (null without report splits). */
  reportAverage: number | null;
  /** VQA accuracy over both VQA sets (items pooled). */
  vqaAccuracy: number | null;
}

/** The two headline numbers of an evaluation (the main job's summary, notebook comparisons). */
export function headline(r: EvaluationResult): Headline {
  const rows = Object.values(r.report);
  const reportAverage = r.weightedAverage ? r.weightedAverage.Average : rows.length === 1 ? rows[0].Average : null;
  const vqa = Object.values(r.vqa);
  const n = vqa.reduce((s, v) => s + v.n, 0);
  return { reportAverage, vqaAccuracy: n ? vqa.reduce((s, v) => s + v.overall * v.n, 0) / n : null };
}

/** Evaluate predictions on instruction records (every record needs a prediction). */
export function evaluateRecords(records: readonly InstructionRecord[], preds: readonly Prediction[], opts: EvaluateOptions = {}): EvaluationResult {
  return evaluatePairs(matchPredictions(records.map(benchmarkItemOf), preds), opts);
}

/** VQA accuracy per image source, pooled over the VQA sets; null unless the items come from more than one source. */
export function vqaBySource(r: EvaluationResult): Record<string, number> | null {
  const pooled = new Map<string, { sum: number; n: number }>();
  for (const v of Object.values(r.vqa)) {
    for (const [src, a] of Object.entries(v.bySource ?? {})) {
      const p = pooled.get(src) ?? { sum: 0, n: 0 };
      p.sum += a.accuracy * a.n;
      p.n += a.n;
      pooled.set(src, p);
    }
  }
  if (pooled.size < 2) return null;
  return Object.fromEntries([...pooled].sort((a, b) => a[0].localeCompare(b[0])).map(([k, p]) => [k, p.sum / p.n]));
}
