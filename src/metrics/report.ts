/**
 * The paper's report-generation metrics for a set of (prediction, reference) report pairs: the 11
 * Table 1 columns and their mean ("Average").
 *
 * - BLEU-1..4, ROUGE-L: pycocoevalcap's formulas (./bleu.ts, ./rouge.ts).
 * - METEOR: NLTK's meteor_score (./meteor.ts), not the Java METEOR 1.5 pycocoevalcap runs.
 * - F1-RadGraph: RadGraph-style lexicon extractor, "partial" level (./radgraph.ts) — an
 *   approximation of RadGraph F1 unless real RadGraph graphs are passed in.
 * - Macro-14, Micro-14, Macro-5, Micro-5: F1 over labels from the CheXpert-style rule labeler
 *   (./chexpert.ts) — an approximation of F1-CheXbert unless real CheXbert labels are passed in.
 * Text is normalized first (R2Gen-style: lower case, punctuation dropped except sentence periods,
 * which become " . " tokens) unless `normalize: false`.
 *
 * Complexity, for a prediction of L characters: normalization O(L); BLEU O(L log L); METEOR O(L)
 * (with cached stems and synonym sets); ROUGE-L O(L·m) for a reference of m tokens (linear for a
 * fixed reference); the RadGraph-style extractor and the CheXpert-style labeler near-linear
 * (see their modules). Distinct texts are labelled once.
 */
import type { Labels } from '../data/types.js';
import { corpusBleu } from './bleu.js';
import { labelReport } from '../labels/chexpert.js';
import { chexpertF1 } from './label-f1.js';
import { corpusMeteor } from './meteor.js';
import { radgraphF1, type Graph, type RadGraphLevel } from './radgraph.js';
import { corpusRougeL } from './rouge.js';

export const REPORT_COLUMNS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'F1-RadGraph', 'Macro-14', 'Micro-14', 'Macro-5', 'Micro-5'] as const;
export type ReportColumn = (typeof REPORT_COLUMNS)[number];

export interface ReportMetricOptions {
  /** R2Gen-style text normalization before the NLG metrics (default true). */
  normalize?: boolean;
  /** Real CheXbert (or other) labels for the predictions / references, in place of the rule labeler. */
  hypLabels?: Labels[];
  refLabels?: Labels[];
  /** Real RadGraph graphs for the predictions / references, in place of the lexicon extractor. */
  hypGraphs?: Graph[];
  refGraphs?: Graph[];
  radgraphLevel?: RadGraphLevel;
}

/**
 * Lower-case; drop punctuation except sentence-ending periods, written as separate " . " tokens.
 * Linear in the text: a run of periods is matched from its first period (`\.(?:\s*\.)+\s*`), not
 * from the whitespace before it, which made the earlier pattern `(?:\s*\.\s*){2,}` backtrack over
 * every long run of spaces (quadratic); the whitespace before is collapsed by the next step, so the
 * output is the same.
 */
export function normalizeReport(text: string): string {
  return text
    .toLowerCase()
    .replace(/\.(?![0-9])/g, ' . ')
    .replace(/[^a-z0-9. ]+/g, ' ')
    .replace(/\.(?:\s*\.)+\s*/g, ' . ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Labels per distinct text (references repeat; the labeler is the slowest stage). */
function labelAll(texts: readonly string[]): Labels[] {
  const cache = new Map<string, Labels>();
  return texts.map((t) => {
    let l = cache.get(t);
    if (!l) cache.set(t, (l = labelReport(t)));
    return l;
  });
}

/** The 11 Table 1 columns plus "Average" for paired predictions and references. */
export function reportMetrics(hyps: readonly string[], refs: readonly string[], opts: ReportMetricOptions = {}): Record<string, number> {
  if (hyps.length !== refs.length) throw new Error(`report metrics: ${hyps.length} predictions but ${refs.length} references`);
  if (hyps.length === 0) throw new Error('report metrics: no report pairs');
  const norm = opts.normalize === false ? (s: string) => s : normalizeReport;
  const h = hyps.map(norm);
  const r = refs.map((x) => [norm(x)]);
  const { bleu } = corpusBleu(h, r);
  const { meteor } = corpusMeteor(h, r);
  const { rougeL } = corpusRougeL(h, r);
  const rg = radgraphF1(opts.hypGraphs ?? hyps, opts.refGraphs ?? refs, opts.radgraphLevel ?? 'partial');
  const f1 = chexpertF1(opts.hypLabels ?? labelAll(hyps), opts.refLabels ?? labelAll(refs));
  const out: Record<string, number> = {
    'BLEU-1': bleu[0], 'BLEU-2': bleu[1], 'BLEU-3': bleu[2], 'BLEU-4': bleu[3],
    METEOR: meteor, 'ROUGE-L': rougeL, 'F1-RadGraph': rg.f1,
    'Macro-14': f1['Macro-14'], 'Micro-14': f1['Micro-14'], 'Macro-5': f1['Macro-5'], 'Micro-5': f1['Micro-5'],
  };
  out.Average = REPORT_COLUMNS.reduce((s, c) => s + out[c], 0) / REPORT_COLUMNS.length;
  return out;
}
