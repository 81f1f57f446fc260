/**
 * Matching a short or list answer against the ground truth, as the paper's public reward code does
 * and as VQA accuracy scores it: exact match (case-insensitive) for short answers, set F1 over
 * `|`-separated items for lists. The answer reward (src/rewards/answer.ts) scales these by 1.5.
 */

/** Exact match, case-insensitive (the answer arrives trimmed; the ground truth is compared as given). */
export function shortAnswerScore(answer: string, groundTruth: string): number {
  return answer.toLowerCase() === groundTruth.toLowerCase() ? 1 : 0;
}

function listItems(s: string): string[] {
  return s
    .trim()
    .split('|')
    .map((x) => x.trim().toLowerCase());
}

/** Set F1 over `|`-separated items. */
export function listAnswerScore(answer: string, groundTruth: string): number {
  const truth = listItems(groundTruth);
  const pred = listItems(answer);
  const truthSet = new Set(truth);
  let common = 0;
  for (const x of new Set(pred)) if (truthSet.has(x)) common++;
  const precision = pred.length > 0 ? common / pred.length : 0;
  const recall = truth.length > 0 ? common / truth.length : 0;
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
