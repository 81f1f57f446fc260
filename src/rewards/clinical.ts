/**
 * A clinical term for free-text answers — NOT in the paper or its public code; a workbench option
 * (`reward.clinical`, default 0 = the paper's reward).
 *
 * Why: the paper's free-text reward scores n-gram overlap only. In the miniature, GRPO on it learns to
 * write the normal template (BLEU and ROUGE rise while the findings' CheXpert F1 falls, see the #6
 * note in docs/paper-scale.md). This term scores whether the answer names the reference's findings:
 * the set F1 between the CheXpert observations the labeler reads as positive or uncertain in the
 * answer and in the ground truth (the same labeler and uncertain-as-positive convention as the
 * Micro/Macro-14 metrics), 1 when neither names any.
 */
import { labelReport } from '../labels/chexpert.js';
import type { Labels } from '../data/types.js';

function positives(labels: Labels): Set<string> {
  return new Set(Object.entries(labels).filter(([, v]) => v === 1 || v === -1).map(([k]) => k));
}

/** Ground truths repeat across the G responses of a group: their labels are kept (bounded). */
const truthCache = new Map<string, Set<string>>();
const CACHE_LIMIT = 10_000;

function truthPositives(groundTruth: string): Set<string> {
  let s = truthCache.get(groundTruth);
  if (!s) {
    if (truthCache.size >= CACHE_LIMIT) truthCache.clear();
    s = positives(labelReport(groundTruth));
    truthCache.set(groundTruth, s);
  }
  return s;
}

/** Set F1 of the positive CheXpert observations of answer and ground truth, in [0, 1]. */
export function clinicalAgreement(answer: string, groundTruth: string): number {
  const truth = truthPositives(groundTruth);
  const pred = positives(labelReport(answer));
  if (truth.size === 0 && pred.size === 0) return 1;
  let common = 0;
  for (const x of pred) if (truth.has(x)) common++;
  return (2 * common) / (truth.size + pred.size);
}
