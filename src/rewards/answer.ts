/**
 * r_ans, the answer reward, by answer kind — as the paper's public reward code computes it:
 *  - list  (the ground truth holds `|` and has ≤ 20 whitespace tokens): set F1 between the
 *          `|`-separated, trimmed, lower-cased items of answer and ground truth (precision over the
 *          answer's item count, recall over the ground truth's item count);
 *  - short (≤ 2 whitespace tokens): exact match, case-insensitive;
 *  - free  (otherwise): mean of BLEU-1, BLEU-4 and ROUGE-1 (stemmed), with BLEU over characters
 *          ('paper-code', what the public code does by handing raw strings to NLTK) or over
 *          whitespace words ('word'); optionally (not in the paper) mixed with a clinical term,
 *          the CheXpert-label agreement of answer and ground truth (`clinical`, see clinical.ts).
 * The score is in [0, 1]; the reward is the score × 1.5 (the code's scale).
 */
import {
  BLEU1_WEIGHTS,
  BLEU4_WEIGHTS,
  charTokens,
  rouge1F,
  sentenceBleu,
  wordTokens,
} from './text-similarity.js';
import type { AnswerKind } from '../data/types.js';
import { listAnswerScore, shortAnswerScore } from '../metrics/answer-match.js';
import { clinicalAgreement } from './clinical.js';

export type TextVariant = 'paper-code' | 'word';

/** The public code's multiplier on the answer score. */
export const ANSWER_SCALE = 1.5;

/** The kind the public code infers from the ground truth. */
export function answerKind(groundTruth: string): AnswerKind {
  const nTokens = wordTokens(groundTruth.trim()).length;
  if (groundTruth.includes('|') && nTokens <= 20) return 'list';
  if (nTokens <= 2) return 'short';
  return 'free';
}

export interface FreeTextScore {
  bleu1: number;
  bleu4: number;
  rouge1: number;
  /** (bleu1 + bleu4 + rouge1) / 3 */
  mean: number;
  /** CheXpert-label set F1 (only when the clinical term is on; see clinical.ts). */
  clinical?: number;
}

/** Mean of BLEU-1, BLEU-4 and ROUGE-1 F (stemmed) between the answer and the ground truth. */
export function freeTextScore(answer: string, groundTruth: string, variant: TextVariant = 'paper-code'): FreeTextScore {
  const tok = variant === 'paper-code' ? charTokens : wordTokens;
  const ref = [tok(groundTruth)];
  const hyp = tok(answer);
  const bleu1 = sentenceBleu(ref, hyp, BLEU1_WEIGHTS);
  const bleu4 = sentenceBleu(ref, hyp, BLEU4_WEIGHTS);
  const rouge1 = rouge1F(answer, groundTruth);
  return { bleu1, bleu4, rouge1, mean: (bleu1 + bleu4 + rouge1) / 3 };
}

export interface AnswerReward {
  kind: AnswerKind;
  /** The answer as scored (an empty answer is scored as a single space, as in the public code). */
  answer: string;
  /** In [0, 1]. */
  score: number;
  /** score × scale: r_ans. */
  reward: number;
  /** The free-text parts, when the kind is 'free'. */
  freeText?: FreeTextScore;
}

export interface AnswerRewardOptions {
  /** Force a kind; by default it is inferred from the ground truth as the public code does. */
  kind?: AnswerKind;
  text?: TextVariant;
  scale?: number;
  /** Weight c of the clinical term for free text (not in the paper; default 0): score = (1 − c)·mean + c·clinical. */
  clinical?: number;
}

/** r_ans for an extracted answer (see `extractAnswer`) against the ground truth. */
export function answerReward(extracted: string, groundTruth: string, opts: AnswerRewardOptions = {}): AnswerReward {
  const answer = extracted.length === 0 ? ' ' : extracted;
  const kind = opts.kind ?? answerKind(groundTruth);
  const scale = opts.scale ?? ANSWER_SCALE;
  if (kind === 'list') {
    const score = listAnswerScore(answer, groundTruth);
    return { kind, answer, score, reward: score * scale };
  }
  if (kind === 'short') {
    const score = shortAnswerScore(answer, groundTruth);
    return { kind, answer, score, reward: score * scale };
  }
  const freeText = freeTextScore(answer, groundTruth, opts.text ?? 'paper-code');
  const c = opts.clinical ?? 0;
  if (c === 0) return { kind, answer, score: freeText.mean, reward: freeText.mean * scale, freeText };
  const clinical = clinicalAgreement(answer, groundTruth);
  const score = (1 - c) * freeText.mean + c * clinical;
  return { kind, answer, score, reward: score * scale, freeText: { ...freeText, clinical } };
}
