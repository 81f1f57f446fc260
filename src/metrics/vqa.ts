/**
 * VQA accuracy as the paper scores it: closed / short answers by exact match (case-insensitive,
 * trimmed), multi-object answers (`|`-separated lists) by set F1 over their items — the same rules
 * as the answer reward (src/rewards/answer.ts) without its 1.5 scale. Free-text answers, which the
 * two VQA sets hardly have, are scored by exact match after whitespace and trailing-period
 * normalization. Reported per question type, overall (mean over items) and as the mean over types.
 */
import type { AnswerKind } from '../data/types.js';
import { listAnswerScore, shortAnswerScore } from '../rewards/answer.js';

const normFree = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');

/** The score of one predicted answer (already extracted from the response) in [0, 1]. */
export function vqaScore(prediction: string, answer: string, kind: AnswerKind): number {
  switch (kind) {
    case 'short':
      return shortAnswerScore(prediction.trim(), answer.trim());
    case 'list':
      return listAnswerScore(prediction, answer);
    case 'free':
      return normFree(prediction) === normFree(answer) ? 1 : 0;
  }
}

export interface VqaItemResult {
  questionType: string;
  score: number;
}

export interface VqaAccuracy {
  /** Mean score over all items. */
  overall: number;
  /** Mean over question types of their accuracy. */
  meanOverTypes: number;
  n: number;
  byType: Record<string, { accuracy: number; n: number }>;
}

export function vqaAccuracy(items: readonly VqaItemResult[]): VqaAccuracy {
  if (items.length === 0) throw new Error('VQA accuracy: no items');
  const groups = new Map<string, number[]>();
  for (const it of items) {
    const g = groups.get(it.questionType);
    if (g) g.push(it.score);
    else groups.set(it.questionType, [it.score]);
  }
  const byType: VqaAccuracy['byType'] = {};
  for (const [t, s] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) byType[t] = { accuracy: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
  const types = Object.values(byType);
  return {
    overall: items.reduce((s, x) => s + x.score, 0) / items.length,
    meanOverTypes: types.reduce((s, x) => s + x.accuracy, 0) / types.length,
    n: items.length,
    byType,
  };
}
