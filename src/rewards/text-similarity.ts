/**
 * The text-similarity pieces of the free-text answer reward, as the paper's public reward code
 * computes them with NLTK and rouge_score:
 *  - `sentenceBleu`: NLTK `sentence_bleu` (clipped n-gram precision, closest reference length,
 *    brevity penalty, early 0 when no unigram matches) with smoothing "method2" (add 1 to numerator
 *    and denominator of every order above 1). Tokens are whatever the caller passes: the public code
 *    passes raw strings, so its tokens are CHARACTERS (`charTokens`); the 'word' variant passes
 *    whitespace tokens (`wordTokens`).
 *  - `rouge1F`: rouge_score's ROUGE-1 F-measure with `use_stemmer=True` (its default tokenizer:
 *    lower-case, non-alphanumerics to spaces, Porter stem on tokens longer than 3 letters).
 * Checked against NLTK 3.8 output stored in test/rewards/fixtures (with the script that made it).
 */
import { porterStem } from '../text/porter.js';

/** Characters (code points) of a string: what NLTK sees when handed a raw string. */
export function charTokens(s: string): string[] {
  return Array.from(s);
}

/** Whitespace tokens (Python's `str.split()`). */
export function wordTokens(s: string): string[] {
  return s.split(/\s+/).filter((t) => t.length > 0);
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Clipped n-gram precision as numerator / denominator (denominator at least 1). */
export function modifiedPrecision(references: string[][], hypothesis: string[], n: number): [number, number] {
  const counts = ngramCounts(hypothesis, n);
  const refCounts = references.map((r) => ngramCounts(r, n));
  let numerator = 0;
  let total = 0;
  for (const [gram, c] of counts) {
    let maxRef = 0;
    for (const rc of refCounts) maxRef = Math.max(maxRef, rc.get(gram) ?? 0);
    numerator += Math.min(c, maxRef);
    total += c;
  }
  return [numerator, Math.max(1, total)];
}

/** Length of the reference closest to the hypothesis length (ties: the shorter). */
export function closestRefLength(references: string[][], hypLen: number): number {
  let best = references[0].length;
  for (const r of references) {
    const d = Math.abs(r.length - hypLen);
    const bd = Math.abs(best - hypLen);
    if (d < bd || (d === bd && r.length < best)) best = r.length;
  }
  return best;
}

export function brevityPenalty(refLen: number, hypLen: number): number {
  if (hypLen > refLen) return 1;
  if (hypLen === 0) return 0;
  return Math.exp(1 - refLen / hypLen);
}

/**
 * NLTK `sentence_bleu(references, hypothesis, weights, smoothing_function=method2)`.
 * The number of n-gram orders is the number of weights.
 */
export function sentenceBleu(references: string[][], hypothesis: string[], weights: number[] = [0.25, 0.25, 0.25, 0.25]): number {
  if (references.length === 0) throw new Error('sentenceBleu needs at least one reference');
  const p: [number, number][] = weights.map((_, i) => modifiedPrecision(references, hypothesis, i + 1));
  if (p[0][0] === 0) return 0;
  const bp = brevityPenalty(closestRefLength(references, hypothesis.length), hypothesis.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) {
    // method2: orders above 1 get +1 on numerator and denominator.
    const [num, den] = i === 0 ? p[i] : [p[i][0] + 1, p[i][1] + 1];
    if (num > 0) s += weights[i] * Math.log(num / den);
  }
  return bp * Math.exp(s);
}

export const BLEU1_WEIGHTS = [1, 0, 0, 0];
export const BLEU4_WEIGHTS = [0.25, 0.25, 0.25, 0.25];

/** rouge_score's default tokenizer with stemming (tokens of > 3 letters are Porter-stemmed). */
export function rougeTokens(text: string, stem = true): string[] {
  const spaced = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
  return spaced
    .split(/\s+/)
    .map((t) => (stem && t.length > 3 ? porterStem(t) : t))
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

/** ROUGE-1 F-measure (symmetric in its two arguments), rouge_score style with stemming. */
export function rouge1F(target: string, prediction: string): number {
  const t = ngramCounts(rougeTokens(target), 1);
  const p = ngramCounts(rougeTokens(prediction), 1);
  let overlap = 0;
  let tn = 0;
  let pn = 0;
  for (const [g, c] of t) {
    overlap += Math.min(c, p.get(g) ?? 0);
    tn += c;
  }
  for (const c of p.values()) pn += c;
  const precision = overlap / Math.max(pn, 1);
  const recall = overlap / Math.max(tn, 1);
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
