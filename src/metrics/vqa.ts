/**
 * VQA accuracy as the paper scores it: closed / short answers by exact match (case-insensitive,
 * trimmed), multi-object answers (`|`-separated lists) by set F1 over their items — the same rules
 * as the answer reward (src/rewards/answer.ts) without its 1.5 scale. Free-text answers, which the
 * two VQA sets hardly have, are scored by exact match after whitespace and trailing-period
 * normalization. Reported per question type, overall (mean over items) and as the mean over types.
 *
 * Complexity: `vqaScore` is linear in the lengths of prediction and answer (one trim / lower-case /
 * whitespace pass, a split on "|" and set look-ups, no backtracking patterns); `vqaAccuracy` is
 * linear in the items, plus sorting the question types.
 */
import type { AnswerKind } from '../data/types.js';
import { listAnswerScore, shortAnswerScore } from './answer-match.js';

/** A free-text answer as VQA compares it: trimmed, lower case, spaces collapsed, a trailing period dropped. */
export const normFree = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');

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
  /** Where the item's image comes from (e.g. 'synthetic' phantoms, 'nih' real radiographs), when known. */
  source?: string;
}

export interface VqaAccuracy {
  /** Mean score over all items. */
  overall: number;
  /** Mean over question types of their accuracy. */
  meanOverTypes: number;
  n: number;
  byType: Record<string, { accuracy: number; n: number }>;
  /** Per image source, when the items name one (the cohort's rendered phantoms vs real NIH images). */
  bySource?: Record<string, { accuracy: number; n: number }>;
}

function meanBy<T>(items: readonly T[], key: (x: T) => string | undefined, score: (x: T) => number): Record<string, { accuracy: number; n: number }> {
  const groups = new Map<string, number[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.push(score(it));
    else groups.set(k, [score(it)]);
  }
  const out: Record<string, { accuracy: number; n: number }> = {};
  for (const [k, s] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) out[k] = { accuracy: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
  return out;
}

export function vqaAccuracy(items: readonly VqaItemResult[]): VqaAccuracy {
  if (items.length === 0) throw new Error('VQA accuracy: no items');
  const byType = meanBy(items, (x) => x.questionType, (x) => x.score);
  const bySource = meanBy(items, (x) => x.source, (x) => x.score);
  const types = Object.values(byType);
  return {
    overall: items.reduce((s, x) => s + x.score, 0) / items.length,
    meanOverTypes: types.reduce((s, x) => s + x.accuracy, 0) / types.length,
    n: items.length,
    byType,
    ...(Object.keys(bySource).length ? { bySource } : {}),
  };
}
