/**
 * Fig. 2a and Fig. 2g inputs from a benchmark and models' predictions: the report texts (for the
 * length distribution) and, per model, F1 and recall per CheXpert observation of the generated
 * reports against the reference reports, both labelled by the workbench's CheXpert-style rule
 * labeler (an approximation of CheXbert; see src/labels/chexpert.ts).
 */
import { labelReport } from '../labels/chexpert.js';
import { matchPredictions, predictedReport, readBenchmark, readPredictions } from '../eval/harness.js';
import { chexpertF1 } from '../metrics/label-f1.js';
import type { PaperResults } from './paper.js';

export type ReportObservationResults = Required<Pick<PaperResults, 'reportTexts' | 'observationF1'>> & {
  /* observationF1: model -> observation -> F1, only for observations the references or the model report */
  /** model -> observation -> recall (tp / (tp + fn)); absent where the references have no positive. */
  observationRecall: Record<string, Record<string, number>>;
};

/**
 * Score each model's report predictions (model name -> predictions JSONL) on the benchmark's report
 * items. Missing predictions are allowed (those items are left out for that model).
 */
export function reportObservationResults(benchmarkPath: string, predictionFiles: Record<string, string>): ReportObservationResults {
  const items = readBenchmark(benchmarkPath).filter((i) => i.task === 'report');
  if (!items.length) throw new Error(`${benchmarkPath}: no report items`);
  const out: ReportObservationResults = { reportTexts: { 'ground truth': items.map((i) => i.answer) }, observationF1: {}, observationRecall: {} };
  const refLabels = new Map(items.map((i) => [i.id, labelReport(i.answer)]));
  for (const [model, path] of Object.entries(predictionFiles)) {
    const ids = new Set(items.map((i) => i.id));
    const preds = readPredictions(path).filter((p) => ids.has(p.id));
    if (!preds.length) throw new Error(`${path}: no predictions for the report items of ${benchmarkPath}`);
    const matched = matchPredictions(items, preds, { allowMissing: true, predictionsPath: path });
    const hyps = matched.pairs.map((p) => predictedReport(p.prediction));
    out.reportTexts[model] = hyps;
    const f1 = chexpertF1(hyps.map((h) => labelReport(h)), matched.pairs.map((p) => refLabels.get(p.item.id)!));
    // an observation nobody (reference or model) reports has no F1: left out (drawn as '–'), not 0
    out.observationF1[model] = Object.fromEntries(Object.entries(f1.perObservation).filter(([, v]) => v.tp + v.fp + v.fn > 0).map(([o, v]) => [o, v.f1]));
    out.observationRecall[model] = Object.fromEntries(Object.entries(f1.perObservation).filter(([, v]) => v.tp + v.fn > 0).map(([o, v]) => [o, v.tp / (v.tp + v.fn)]));
  }
  return out;
}

/** Items of a `|`-separated list answer, trimmed and lower-cased (as the list answer reward reads them). */
function listItems(s: string): string[] {
  return [...new Set(s.split('|').map((x) => x.trim().toLowerCase()).filter(Boolean))];
}

/**
 * Fig. 3b–d inputs: per finding, F1, recall and precision of the multi-answer VQA items (answers with `|`-
 * separated findings, e.g. "What abnormalities are seen?"), pooled over items: a finding in both the
 * truth and the predicted list is a true positive, only in the prediction a false positive, only in
 * the truth a false negative. Findings are named as the answers write them; the columns are the
 * findings that occur in some item's truth. Precision, tp / (tp + fp), is left out for a finding the
 * model never answered (tp + fp = 0: undefined, not 0).
 */
export function vqaObservationResults(benchmarkPath: string, predictionFiles: Record<string, string>): Record<'f1' | 'recall' | 'precision', Record<string, Record<string, number>>> {
  const items = readBenchmark(benchmarkPath).filter((i) => i.task === 'vqa' && i.answerKind === 'list');
  if (!items.length) throw new Error(`${benchmarkPath}: no multi-answer (list) VQA items`);
  const f1: Record<string, Record<string, number>> = {};
  const recall: Record<string, Record<string, number>> = {};
  const precision: Record<string, Record<string, number>> = {};
  for (const [model, path] of Object.entries(predictionFiles)) {
    const ids = new Set(items.map((i) => i.id));
    const preds = readPredictions(path).filter((p) => ids.has(p.id));
    if (!preds.length) throw new Error(`${path}: no predictions for the list VQA items of ${benchmarkPath}`);
    const counts = new Map<string, { tp: number; fp: number; fn: number }>();
    const get = (k: string) => counts.get(k) ?? (counts.set(k, { tp: 0, fp: 0, fn: 0 }), counts.get(k)!);
    for (const { item, prediction } of matchPredictions(items, preds, { allowMissing: true, predictionsPath: path }).pairs) {
      const truth = new Set(listItems(item.answer));
      const pred = new Set(listItems(predictedReport(prediction)));
      for (const t of truth) (pred.has(t) ? get(t).tp++ : get(t).fn++);
      for (const p of pred) if (!truth.has(p)) get(p).fp++;
    }
    f1[model] = {};
    recall[model] = {};
    precision[model] = {};
    // columns are the findings the truth contains; a predicted item outside them (e.g. a stray "no")
    // is an error the list reward counts, but not a finding of its own
    for (const [k, c] of counts) {
      if (c.tp + c.fn === 0) continue;
      f1[model][k] = c.tp === 0 ? 0 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
      recall[model][k] = c.tp / (c.tp + c.fn);
      if (c.tp + c.fp > 0) precision[model][k] = c.tp / (c.tp + c.fp);
    }
  }
  return { f1, recall, precision };
}
